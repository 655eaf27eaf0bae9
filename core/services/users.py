from django.contrib.auth.models import Group
from django.db import transaction

from core.models import Region, User


@transaction.atomic
def user_upsert(*, username: str, password: str, group: str, region_code: str, is_staff: bool = False, full_name: str = "") -> User:
    """Create or reset a user bound to a region with one role."""
    user, _ = User.objects.get_or_create(username=username)
    user.region = Region.objects.get(code=region_code)
    user.is_staff = is_staff
    user.full_name = full_name
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=group)])
    return user
