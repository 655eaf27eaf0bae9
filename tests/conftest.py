import pytest

from core.models import Region
from core.roles import CITY_OFFICER, CLERK
from enrollment.services.policy import load_resident_presets
from tests import factories


@pytest.fixture
def presets(db):
    from assistance.presets import load_assistance_presets

    from benefits.services.policy import load_settlement_presets

    load_resident_presets()
    load_assistance_presets()
    load_settlement_presets()


@pytest.fixture
def xianan(presets):
    return Region.objects.get(code="421202")


@pytest.fixture
def jiayu(presets):
    return Region.objects.get(code="421221")


@pytest.fixture
def xianan_villages(xianan):
    return factories.township_and_villages(xianan)[1]


@pytest.fixture
def jiayu_villages(jiayu):
    return factories.township_and_villages(jiayu)[1]


@pytest.fixture
def village(xianan_villages):
    return xianan_villages[0]


@pytest.fixture
def clerk(xianan):
    return factories.user("clerk_xianan", CLERK, xianan)


@pytest.fixture
def other_clerk(jiayu):
    return factories.user("clerk_jiayu", CLERK, jiayu)


@pytest.fixture
def officer(presets):
    return factories.user("officer", CITY_OFFICER, Region.objects.get(code="421200"), staff=True)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def pytest_sessionstart(session):
    """With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL or Redis fails the run at once."""
    from django.conf import settings

    if not settings.REQUIRE_SERVICES:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql"):
        raise pytest.UsageError(f"REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL ({engine})")
    import redis

    if not settings.REDIS_URL or not settings.CELERY_BROKER_URL:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but REDIS_URL / CELERY_BROKER_URL is not set")
    redis.Redis.from_url(settings.REDIS_URL).ping()


@pytest.fixture
def current_standards(presets):
    """Contribution standards for the benefit years around today (the presets stop at 2023)."""
    from enrollment.models import ContributionStandard, ResidentScheme

    year = __import__("datetime").date.today().year
    for scheme in ResidentScheme.objects.all():
        for benefit_year in range(2024, year + 3):
            ContributionStandard.objects.get_or_create(
                scheme=scheme, benefit_year=benefit_year,
                defaults={"individual": "400", "fiscal_subsidy": "700", "source": "test", "confirmed": False},
            )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached figures (dashboard) and progress never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_broker():
    import redis
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    try:
        if not url:
            raise redis.ConnectionError("CELERY_BROKER_URL is not set")
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as error:
        if settings.REQUIRE_SERVICES:
            raise
        pytest.skip(f"no Redis broker: {error}")
    return url
