"""Page benchmark at county scale: the staff pages a clerk uses all day, timed through Django's
test client against a PostgreSQL database holding (by default) a million people.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_bench python bench/pages.py

The database must be migrated. When it holds fewer people than --people, demo households are
generated into the demo county (enrollment.services.demo) until it does; otherwise it is
used as it is. A clerk bound to the county (421202) is created or reused and logged in. Each
page is requested --requests times (different people for the searches and the detail page)
after a short warm-up; the median and p95 go to stdout, with the SQL queries per request.
Exit status 1 when a p95 misses --target-ms or a list page counts a whole table.

Runs with DEBUG off, as in production (whatever the shell says); a SECRET_KEY is made up for
the run when none is set, `testserver` is allowed, and requests are made as HTTPS
(SECURE_SSL_REDIRECT stays on). CONN_MAX_AGE is taken from the environment (default 0: a new
database connection per request, as the settings ship).
"""

import argparse
import math
import os
import re
import secrets
import statistics
import sys
import time
import unicodedata
import warnings
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COUNTY_CODE = "421202"
CLERK_USERNAME = "bench-clerk"
DEEP_PAGE = 500
WARM_UP = 3
AVERAGE_HOUSEHOLD = 3.5  # people per generated household, near enough to size a top-up
# A list page may count at most COUNT_CAP+1 rows (core.paging.capped_count): a COUNT whose
# subquery has no LIMIT counts the whole filtered table.
UNCAPPED_COUNT = re.compile(r"SELECT COUNT\(\*\)(?!.*\bLIMIT\b)", re.IGNORECASE | re.DOTALL)


def _configure_environment() -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"  # production figures even in a shell that exported DEBUG=1
    # Static files are not collected for a benchmark; WhiteNoise need not say so per worker.
    warnings.filterwarnings("ignore", message="No directory at")
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])


def _arguments():
    parser = argparse.ArgumentParser(description="人员查询、人员详情与名单分页的响应时间（PostgreSQL，百万人）")
    parser.add_argument("--people", type=int, default=1_000_000, help="库中人数少于此数时先生成演示数据补足")
    parser.add_argument("--requests", type=int, default=50, help="每个页面计时的请求次数")
    parser.add_argument("--target-ms", type=float, default=150.0, help="p95 目标（毫秒）")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a display width: Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    padding = " " * max(0, width - shown)
    return padding + text if right else text + padding


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ensure_people(wanted: int, seed: int) -> int:
    """People in the database, after generating demo households if there are fewer than wanted."""
    from core.models import Region
    from enrollment.models import Person
    from enrollment.services.demo import generate_demo
    from enrollment.services.policy import load_resident_presets

    load_resident_presets()
    county = Region.objects.get(code=COUNTY_CODE)
    have = Person.objects.count()
    round_ = 0
    while have < wanted:
        households = math.ceil((wanted - have) / AVERAGE_HOUSEHOLD)
        _out(f"库中 {have} 人，少于 {wanted} 人：生成 {households} 户演示数据 ...")
        started = time.perf_counter()
        result = generate_demo(county=county, households=households, seed=seed + have + round_)
        _out(f"  生成 {result.people} 人，{result.enrollments} 条参保登记，用时 {time.perf_counter() - started:.1f} 秒")
        have, round_ = Person.objects.count(), round_ + 1
    return have


def bench_clerk():
    from core.models import Region, User
    from core.roles import CLERK
    from django.contrib.auth.models import Group

    user, _ = User.objects.get_or_create(username=CLERK_USERNAME, defaults={"full_name": "压测经办员"})
    user.region = Region.objects.get(code=COUNTY_CODE)
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()  # logged in with force_login only
    user.save()
    user.groups.set([Group.objects.get(name=CLERK)])
    return user


def _sample_people(user, n: int, seed: int) -> list:
    """n people of the clerk's county spread over the whole table (pk order), without
    ORDER BY random() over a million rows."""
    import random

    from enrollment.selectors import people_search

    qs = people_search(user).select_related(None).order_by()
    low, high = qs.order_by("pk").values_list("pk", flat=True).first(), qs.order_by("-pk").values_list("pk", flat=True).first()
    rng = random.Random(seed)
    people, seen = [], set()
    while len(people) < n:
        person = qs.filter(pk__gte=rng.randint(low, high)).order_by("pk").only("pk", "name", "id_number").first()
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            people.append(person)
    return people


def _deep_page_key(user, page: int) -> int:
    """The `after` key that opens page `page` of the unfiltered list: the last pk of the
    page before it (one OFFSET query, once; the pages themselves never use OFFSET)."""
    from core.paging import DEFAULT_PAGE_SIZE
    from enrollment.selectors import people_search

    return people_search(user).order_by("pk").values_list("pk", flat=True)[(page - 1) * DEFAULT_PAGE_SIZE - 1]


class Timing:
    def __init__(self, label: str):
        self.label = label
        self.millis: list[float] = []
        self.queries: list[int] = []
        self.uncapped_counts = 0

    @property
    def median(self) -> float:
        return statistics.median(self.millis)

    @property
    def p95(self) -> float:
        ordered = sorted(self.millis)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank


def measure(client, label: str, urls: list[str], expect: int, check=None) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timing = Timing(label)
    for url in urls[:WARM_UP]:
        client.get(url, secure=True)
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise SystemExit(f"{label}: {url} 返回 {response.status_code}，预期 {expect}")
        if check is not None:
            check(url, response)
        timing.millis.append(elapsed)
        timing.queries.append(len(queries))
        timing.uncapped_counts += sum(1 for q in queries.captured_queries if UNCAPPED_COUNT.search(q["sql"]))
    return timing


def main() -> int:
    args = _arguments()
    _configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from core.paging import DEFAULT_PAGE_SIZE
    from enrollment.selectors import people_search

    if connection.vendor != "postgresql":
        raise SystemExit("bench/pages.py 需在 PostgreSQL 上运行：请设置 DATABASE_URL=postgres://...")
    total = ensure_people(args.people, args.seed)
    user = bench_clerk()

    # The hashed-name manifest exists only after collectstatic (a deploy step); names are
    # looked up the same way without it.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        client = Client()
        client.force_login(user)
        people = _sample_people(user, args.requests, args.seed)
        list_url = reverse("enrollment:people")
        detail = [reverse("enrollment:person", args=[p.pk]) for p in people]
        last_page = people_search(user).count() // DEFAULT_PAGE_SIZE  # the last full page
        deep_pages = sorted({page for page in (min(DEEP_PAGE, last_page), last_page) if page > 1})

        def redirected_to_person(url, response):
            if not re.fullmatch(r"/enrollment/people/\d+/", response.headers.get("Location", "")):
                raise SystemExit(f"身份证号查询 {url} 未跳转到人员详情：{response.headers.get('Location')}")

        def found_someone(url, response):
            if b"/enrollment/people/" not in response.content or "没有找到符合条件的人员" in response.content.decode():
                raise SystemExit(f"{url} 没有查到人员")

        timings = [
            measure(client, "身份证号查询（18位，精确）", [f"{list_url}?{urlencode({'q': p.id_number})}" for p in people], 302, redirected_to_person),
            measure(client, "身份证号查询（前10位）", [f"{list_url}?{urlencode({'q': p.id_number[:10]})}" for p in people], 200, found_someone),
            measure(client, "姓名查询（全名）", [f"{list_url}?{urlencode({'q': p.name})}" for p in people], 200, found_someone),
            measure(client, "姓名查询（仅姓）", [f"{list_url}?{urlencode({'q': p.name[0]})}" for p in people], 200, found_someone),
            measure(client, "人员详情", detail, 200),
            measure(client, "人员名单 第1页", [list_url] * args.requests, 200, found_someone),
            *(measure(client, f"人员名单 第{page}页", [f"{list_url}?after={_deep_page_key(user, page)}"] * args.requests, 200, found_someone)
              for page in deep_pages),
        ]

    _out(f"\n{settings.DATABASES['default']['NAME']}：{total} 人；{args.requests} 次请求/页（另预热 {WARM_UP} 次），"
         f"经办员 {CLERK_USERNAME}（{COUNTY_CODE}），DEBUG={settings.DEBUG}，CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}")
    _out(_pad("页面", 28) + _pad("中位数 ms", 11, True) + _pad("p95 ms", 9, True) + _pad("SQL/次", 8, True) + "  结果")
    failed = False
    for t in timings:
        ok = t.p95 <= args.target_ms and not t.uncapped_counts
        failed |= not ok
        note = "通过" if ok else ("未达标" if not t.uncapped_counts else "未达标：全表 COUNT")
        _out(_pad(t.label, 28) + f"{t.median:>11.1f}{t.p95:>9.1f}{statistics.median(t.queries):>8.0f}  {note}")
    _out(f"目标：每页 p95 ≤ {args.target_ms:.0f} ms，名单不做全表 COUNT(*)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
