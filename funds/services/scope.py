"""Who works for a city's funds: accounting is city-wide (S001 §三(三)3), so the city-level fund
pages and writers are for users bound to the pooling region (the city) itself; a county's user,
or one above the pooling regions, is refused. The one place of this rule."""

from core.errors import ServiceError
from core.models import Region


def city_user_region(user) -> Region | None:
    """The city a user is bound to, or None when the user is not bound to a pooling region."""
    from benefits.services.policy import pooling_region

    region = user.region
    city = pooling_region(region) if region is not None else None
    return city if city is not None and city.pk == region.pk else None


def city_of_user(user, refusal: str) -> Region:
    """The user's city, or ServiceError("region_denied", refusal)."""
    city = city_user_region(user)
    if city is None:
        raise ServiceError("region_denied", refusal)
    return city
