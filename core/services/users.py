"""Users and their roles. Officers (core.manage_users, the 市局 role) create, change and
deactivate the users of their own region subtree on the staff pages (用户管理); the demo and
bench commands set up users with `user_upsert`.

Bounds of an officer: a user is bound to a region of the officer's subtree (not a village: users
sit in offices); roles are only those the officer may grant (`grantable_roles`: never superuser,
and 市局 only by a 市局 officer bound to a city or the province, so a county officer cannot make
a 市局 user); a user holding a role the officer may not grant (a peer officer, a superuser) and
the officer's own account are not theirs to change. Every write is recorded as the admin records
its own (django.contrib.admin LogEntry, shown on the user's 变更记录 and in the admin's history),
with the values before and after."""

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ServiceError
from core.models import Department, Region, RegionLevel, User
from core.restrict import region_allowed
from core.roles import CITY_OFFICER, CLERK, DEPARTMENT_GROUPS, FACILITY, FINANCE, FUND_CASHIER, REVIEWER

MANAGE_PERMISSION = "core.manage_users"
BUREAU_ROLES = (CLERK, REVIEWER, CITY_OFFICER)
DEPARTMENT_ROLES = tuple(DEPARTMENT_GROUPS.values())
# The city's fund roles (月度拨付计划): granted, like 市局, by a city's or the province's officer.
CITY_FUND_ROLES = (FUND_CASHIER, FINANCE)
ALL_ROLES = (*BUREAU_ROLES, *CITY_FUND_ROLES, FACILITY, *DEPARTMENT_ROLES)
# 市局 is granted by an officer of a city (统筹区) or of the province, never by a county's.
CITY_OFFICER_GRANTING_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY)
USER_REGION_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
# Generated initial passwords: no 0/O, 1/l/I to misread when it is read out or written down.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
GENERATED_PASSWORD_LENGTH = 12
DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


@transaction.atomic
def user_upsert(*, username: str, password: str, group: str, region_code: str, is_staff: bool = False, full_name: str = "") -> User:
    """Create or reset a user bound to a region with one role (demo and bench commands)."""
    user, _ = User.objects.get_or_create(username=username)
    user.region = Region.objects.get(code=region_code)
    user.is_staff = is_staff
    user.full_name = full_name
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=group)])
    return user


# ------------------------------------------------------------------------------ what an officer may do


def role_names(user) -> list[str]:
    """The user's roles in the order of ALL_ROLES (other groups after them)."""
    names = [g.name for g in user.groups.all()]
    return sorted(names, key=lambda n: ALL_ROLES.index(n) if n in ALL_ROLES else len(ALL_ROLES))


def grantable_roles(officer) -> list[str]:
    """The roles an officer may grant: the county roles and departments; 市局 only from a 市局
    officer of a city or the province (or a superuser)."""
    roles = [CLERK, REVIEWER]
    if officer.is_superuser or (
        officer.region_id and officer.region.level in CITY_OFFICER_GRANTING_LEVELS
        and officer.groups.filter(name=CITY_OFFICER).exists()
    ):
        roles += [CITY_OFFICER, *CITY_FUND_ROLES]
    return roles + [FACILITY] + list(DEPARTMENT_ROLES)


def is_facility_account(user) -> bool:
    return bool(getattr(user, "facility_id", None))


def assignable_regions(officer):
    """The regions a user may be bound to by this officer: the officer's subtree down to the
    townships."""
    return Region.objects.restrict(officer).filter(level__in=USER_REGION_LEVELS).order_by("path")


def manage_refusal(officer, target, *, grantable: list[str] | None = None) -> str | None:
    """Why the officer may not change this user, or None. The row itself is already restricted
    to the officer's subtree (a user of another county is a 404 before this). `grantable`:
    grantable_roles(officer), when a list asks for many users."""
    if target.pk == officer.pk:
        return "不能在这里修改或停用自己的账号，请联系上级管理员"
    if target.is_superuser and not officer.is_superuser:
        return "超级管理员账号只能由超级管理员管理"
    grantable = grantable_roles(officer) if grantable is None else grantable
    beyond = [name for name in role_names(target) if name not in grantable]
    if beyond:
        return f"该用户担任「{'、'.join(beyond)}」角色，您无权修改其账号"
    return None


def _check_officer(officer) -> None:
    if officer is None or not officer.is_authenticated or not officer.has_perm(MANAGE_PERMISSION):
        raise ServiceError("denied", "您没有管理用户的权限")


def _check_region(officer, region) -> Region:
    if region is None:
        raise ServiceError("region_required", "请选择所属区划", "region")
    if region.level not in USER_REGION_LEVELS:
        raise ServiceError("region_level", f"{region.name}是村（社区），用户应归属乡镇（街道）或以上的区划", "region")
    if not region_allowed(officer, region):
        raise ServiceError("region_denied", f"{region.name}不在您的管辖区划内", "region")
    return region


def _check_roles(officer, roles, department: str) -> tuple[list[Group], str]:
    """The groups to set and the department to record. A user is either bureau staff (经办员,
    审核员, 市局: department 医疗保障局) or a department's user (one department role; its
    department, X000 art. 41 — the identity service checks certifications against it)."""
    roles = [r for r in ALL_ROLES if r in set(roles or ())]
    if not roles:
        raise ServiceError("roles_required", "请至少选择一个角色", "roles")
    allowed = grantable_roles(officer)
    refused = [r for r in roles if r not in allowed]
    if refused:
        raise ServiceError("role_denied", f"您不能授予「{'、'.join(refused)}」角色", "roles")
    if FACILITY in roles:
        if len(roles) > 1:
            raise ServiceError("role_facility", "定点医疗机构账号只能担任「定点医疗机构」一个角色", "roles")
        # 医疗保障局 is what the form still shows for a clerk turned into a facility's account.
        if department not in ("", Department.BUREAU, Department.FACILITY):
            raise ServiceError("department", "定点医疗机构账号的所属部门应为定点医疗机构", "department")
        return list(Group.objects.filter(name=FACILITY)) or _missing_roles(roles), Department.FACILITY
    if department == Department.FACILITY:
        department = ""  # a facility's account given staff roles: the department follows them
    bureau = [r for r in roles if r in BUREAU_ROLES]
    departments = [r for r in roles if r in DEPARTMENT_ROLES]
    if bureau and departments:
        raise ServiceError("role_mix", "部门用户不能同时担任经办员、审核员或市局角色", "roles")
    if len(departments) > 1:
        raise ServiceError("role_departments", "部门用户只能选择一个部门角色", "roles")
    if departments:
        group_department = next(key for key, name in DEPARTMENT_GROUPS.items() if name == departments[0])
        department = department or group_department
        if department == Department.BUREAU:
            raise ServiceError("department", "部门角色的用户，所属部门不能是医疗保障局", "department")
        if department in DEPARTMENT_GROUPS and DEPARTMENT_GROUPS[department] != departments[0]:
            raise ServiceError("department", f"{Department(department).label}部门的用户应授予「{DEPARTMENT_GROUPS[department]}」角色", "department")
    else:
        department = department or Department.BUREAU
        if department != Department.BUREAU:
            raise ServiceError("department", "经办员、审核员和市局的所属部门应为医疗保障局", "department")
    if department not in Department.values:
        raise ServiceError("department", "所属部门不是可选的值", "department")
    groups = {g.name: g for g in Group.objects.filter(name__in=roles)}
    if len(groups) < len(roles):
        _missing_roles([r for r in roles if r not in groups])
    return [groups[r] for r in roles], department


def _missing_roles(missing):  # roles are created after every migrate (core.roles.sync_roles)
    raise ServiceError("roles_missing", f"角色「{'、'.join(missing)}」尚未建立，请先运行 setup_roles", "roles")


def _check_facility(officer, groups, facility, region):
    """(facility, region) of the account: a 定点医疗机构 account names a designated facility of
    the officer's subtree and sits in its office region (a 村卫生室's: its township); any other
    account names none."""
    if FACILITY not in [g.name for g in groups]:
        if facility is not None:
            raise ServiceError("facility_role", "只有「定点医疗机构」角色的账号选择所属定点医疗机构", "facility")
        return None, _check_region(officer, region)
    if facility is None:
        raise ServiceError("facility_required", "定点医疗机构账号请选择所属定点医疗机构", "facility")
    if not facility.designated or facility.place_province:
        raise ServiceError("facility", f"{facility.name}不是本市的定点医疗机构", "facility")
    office = next((r for r in facility.region.ancestors() if r.level in USER_REGION_LEVELS), None)
    if office is None or not region_allowed(officer, facility.region):
        raise ServiceError("facility", f"{facility.name}不在您的管辖区划内", "facility")
    return facility, office


def _full_clean(user: User, *, exclude=()) -> None:
    try:
        user.full_clean(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError("invalid", "；".join(messages), field if field != "__all__" else None) from None


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ServiceError("password", "；".join(error.messages), "password") from None


def generate_password() -> str:
    """A random initial password with letters and digits, shown once to the officer."""
    while True:
        value = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


# ------------------------------------------------------------------------------ audit


def _describe(user: User, groups=None) -> dict[str, str]:
    """The audited values of a user, as people read them."""
    names = [g.name for g in groups] if groups is not None else role_names(user)
    return {
        "姓名": user.full_name or "（未填）",
        "所属区划": user.region.full_name if user.region_id else "（无）",
        "所属部门": user.get_department_display(),
        "角色": "、".join(names) or "（无）",
        "所属定点医疗机构": user.facility.name if user.facility_id else "（无）",
        "后台管理": "可登录" if user.is_staff else "不可登录",
        "状态": "在用" if user.is_active else "已停用",
    }


def _log(officer, user: User, action_flag: int, message: str) -> None:
    LogEntry.objects.log_actions(officer.pk, User.objects.filter(pk=user.pk), action_flag, message, single_object=True)


def _changes(before: dict, after: dict) -> str:
    return "；".join(f"{key}：{before[key]} → {after[key]}" for key in after if before[key] != after[key])


def user_history(user: User, *, limit: int = 50):
    """The user's recorded changes (these pages' and the admin's), newest first."""
    return LogEntry.objects.filter(content_type__app_label="core", content_type__model="user", object_id=str(user.pk)) \
        .select_related("user").order_by("-action_time")[:limit]


def _end_sessions(user: User) -> int:
    """Delete the user's stored sessions. An inactive user is refused on every request anyway
    (ModelBackend.get_user); this removes the sessions themselves where they are stored in the
    database."""
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return 0
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


# ------------------------------------------------------------------------------ writes


@transaction.atomic
def user_create(*, officer, username: str, full_name: str, region: Region | None, roles, department: str = "",
                password: str = "", facility=None) -> User:
    """A new user of the officer's subtree with the given roles and initial password. A user
    with the 市局 role may log in to the admin (is_staff), as README's role table says. A
    定点医疗机构 account has no password (it never logs in): its token comes from
    `facility_token_issue`."""
    _check_officer(officer)
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    if not username:
        raise ServiceError("username_required", "请填写用户名", "username")
    if not full_name:
        raise ServiceError("full_name_required", "请填写姓名", "full_name")
    groups, department = _check_roles(officer, roles, department)
    facility, region = _check_facility(officer, groups, facility, region)
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError("username_taken", f"用户名「{username}」已被使用，请换一个", "username")
    user = User(username=username, full_name=full_name, region=region, department=department, facility=facility,
                is_staff=CITY_OFFICER in [g.name for g in groups], is_superuser=False, is_active=True)
    if facility is None:
        _check_password(password or "", user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ServiceError("username_taken", f"用户名「{username}」已被使用，请换一个", "username") from None
    user.groups.set(groups)
    values = _describe(user, groups)
    _log(officer, user, ADDITION, "新建用户（用户管理）：" + "；".join(f"{k} {v}" for k, v in values.items()))
    return user


def _locked_target(officer, user: User) -> User:
    _check_officer(officer)
    try:
        target = User.objects.restrict(officer).select_for_update(of=("self",)).get(pk=user.pk)
    except User.DoesNotExist:
        raise ServiceError("not_found", "没有找到该用户，或该用户不在您的管辖区划内") from None
    refusal = manage_refusal(officer, target)
    if refusal:
        raise ServiceError("denied", refusal)
    return target


@transaction.atomic
def user_update(*, officer, user: User, full_name: str, region: Region | None, roles, department: str = "",
                is_active: bool, facility=None) -> User:
    """Change a user's name, region, roles, department and whether the account is in use. The
    admin login follows 市局: granted with it, withdrawn when it is taken away. A deactivated
    user's sessions end. An account made a 定点医疗机构 account loses its password and sessions;
    one that stops being one loses its tokens (a password is then set on 重设密码)."""
    target = _locked_target(officer, user)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError("full_name_required", "请填写姓名", "full_name")
    groups, department = _check_roles(officer, roles, department)
    facility, region = _check_facility(officer, groups, facility, region)
    before = _describe(target)
    had_city_role = CITY_OFFICER in role_names(target)
    has_city_role = CITY_OFFICER in [g.name for g in groups]
    was_facility, old_facility = target.facility_id is not None, target.facility_id
    target.full_name, target.region, target.department, target.is_active = full_name, region, department, bool(is_active)
    target.facility = facility
    if has_city_role != had_city_role:
        target.is_staff = has_city_role
    if facility is not None and not was_facility:
        target.set_unusable_password()
    _full_clean(target, exclude=["password"])
    target.save()
    target.groups.set(groups)
    after = _describe(target, groups)
    message = _changes(before, after)
    # A token was handed to one facility: it stops when the account leaves it, changes to
    # another facility's, or is deactivated (reactivating asks for a new one).
    if was_facility and (facility is None or facility.pk != old_facility or not target.is_active):
        from core.services.tokens import token_revoke_all

        revoked = token_revoke_all(target)
        message += f"；停用接口令牌 {revoked} 个" if revoked else ""
    if message:
        _log(officer, target, CHANGE, "修改用户（用户管理）：" + message.lstrip("；"))
    if not target.is_active or (facility is not None and not was_facility):
        _end_sessions(target)
    return target


@transaction.atomic
def facility_token_issue(*, officer, user: User) -> tuple[str, int]:
    """A new token for a 定点医疗机构 account, shown once, and how many earlier tokens stopped
    working (a lost or leaked token is replaced this way)."""
    from core.services.tokens import token_create, token_revoke_all

    target = _locked_target(officer, user)
    if target.facility_id is None:
        raise ServiceError("not_facility", "只有定点医疗机构账号使用接口令牌")
    if not target.is_active:
        raise ServiceError("inactive", f"{target}的账号已停用，请先启用")
    revoked = token_revoke_all(target)
    _token, raw = token_create(user=target, name=f"{target.facility.name} 门诊慢特病申请上传")
    _log(officer, target, CHANGE, f"生成接口令牌（用户管理）：前缀 {_token.prefix}；停用原令牌 {revoked} 个")
    return raw, revoked


@transaction.atomic
def user_deactivate(*, officer, user: User) -> User:
    """Stop an account: it can no longer log in, and its open sessions end. The user and what
    they recorded stay (their name in every change record)."""
    target = _locked_target(officer, user)
    if not target.is_active:
        raise ServiceError("already_inactive", f"{target}的账号已停用")
    target.is_active = False
    target.save(update_fields=["is_active"])
    ended = _end_sessions(target)
    from core.services.tokens import token_revoke_all

    revoked = token_revoke_all(target)  # reactivating the account does not revive them
    _log(officer, target, CHANGE, f"停用账号（用户管理）：状态：在用 → 已停用；结束会话 {ended} 个"
                                  + (f"；停用接口令牌 {revoked} 个" if revoked else ""))
    return target


@transaction.atomic
def user_set_password(*, officer, user: User, password: str) -> User:
    """A new password for a user who lost theirs, set by the officer or generated; the user's
    open sessions end (Django ties a session to the password it was opened with)."""
    target = _locked_target(officer, user)
    if target.facility_id is not None:
        raise ServiceError("facility_account", "定点医疗机构账号不使用密码，请生成新的接口令牌")
    _check_password(password or "", target)
    target.set_password(password)
    target.save(update_fields=["password"])
    ended = _end_sessions(target)
    _log(officer, target, CHANGE, f"重设密码（用户管理）；结束会话 {ended} 个")
    return target
