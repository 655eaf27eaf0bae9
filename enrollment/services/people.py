"""Registering and changing people and households. Every write checks the user's region,
runs in a transaction and is recorded by simple-history with the acting user."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from core.audit import stamp
from core.errors import ServiceError
from core.idnumber import IdNumberError, parse_id_number
from core.validation import check_date
from core.models import Region, RegionLevel
from core.restrict import path_allowed, region_allowed
from enrollment.models import Household, Person, Relation

# A number registered outside the user's region: refused without saying where or to whom, so
# that forms and lists of guessed numbers do not become a lookup of the registry, and without a
# second person being created. Moves between counties go through 市局. (Imports use it too.)
NOT_REGISTRABLE_HERE = "该身份证号无法在您的辖区登记，请联系市局核实"


def check_village(user, village: Region | None) -> Region:
    if village is None:
        raise ServiceError("village_required", "请选择村（社区）", "village")
    if village.level != RegionLevel.VILLAGE:
        raise ServiceError("village_level", f"{village.name} 不是村（社区）", "village")
    if not region_allowed(user, village):
        raise ServiceError("region_denied", f"{village.full_name} 不在您的管辖区划内", "village")
    return village


def validate_id_number(raw) -> "parse_id_number":
    try:
        return parse_id_number(raw)
    except IdNumberError as error:
        raise ServiceError(f"id_{error.code}", error.message, "id_number") from None


def _existing_person_message(user, person: Person) -> str:
    if not path_allowed(user, person.region_path):
        return NOT_REGISTRABLE_HERE
    return f"身份证号 {person.masked_id_number} 已登记为 {person.name}（{person.village.full_name}）"


@transaction.atomic
def person_create(
    *, user, name: str, id_number: str, village: Region, phone: str = "", household: Household | None = None,
    relation_to_head: str = "", hukou_region: Region | None = None,
) -> Person:
    check_village(user, village)
    parsed = validate_id_number(id_number)
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", "姓名不能为空", "name")
    existing = Person.objects.filter(id_number=parsed.number).select_related("village").first()
    if existing is not None:
        raise ServiceError("duplicate_id", _existing_person_message(user, existing), "id_number")
    person = Person(
        name=name, id_number=parsed.number, birth_date=parsed.birth_date, gender=parsed.gender, phone=(phone or "").strip(),
        household=household, relation_to_head=relation_to_head, hukou_region=hukou_region, village=village,
        region_path=village.path,
    )
    person.full_clean(exclude=["region_path"], validate_unique=False)
    stamp(person, user)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError("duplicate_id", f"身份证号 {person.masked_id_number} 已登记", "id_number") from None
    return person


EDITABLE_PERSON_FIELDS = ("name", "phone", "relation_to_head", "hukou_region", "village", "status", "status_date")


@transaction.atomic
def person_update(*, user, person: Person, **changes) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    unknown = set(changes) - set(EDITABLE_PERSON_FIELDS)
    if unknown:
        raise ServiceError("field", f"不可修改的字段：{', '.join(sorted(unknown))}")
    if "village" in changes:
        check_village(user, changes["village"])
        person.region_path = changes["village"].path
    for key, value in changes.items():
        setattr(person, key, value)
    if person.status == Person.Status.NORMAL:
        person.status_date = None
    elif person.status_date is None:
        raise ServiceError("status_date", "请填写状态变更日期（死亡或迁出日期）", "status_date")
    else:
        check_date(person.status_date, field="status_date", label="死亡/迁出日期", not_after_today=True)
    person.full_clean(exclude=["region_path", "household"], validate_unique=False)
    stamp(person, user)
    person.save()
    return person


@dataclass
class MemberInput:
    name: str
    id_number: str
    relation_to_head: str
    phone: str = ""


@transaction.atomic
def household_register(*, user, village: Region, address: str, members: list[MemberInput], number: str = "") -> Household:
    """A new household with its members; exactly one member is the head (户主). Members
    already registered without a household join it; members of another household are refused."""
    check_village(user, village)
    if not members:
        raise ServiceError("no_members", "请至少登记一名家庭成员", "members")
    heads = [m for m in members if m.relation_to_head == Relation.HEAD]
    if len(heads) != 1:
        raise ServiceError("one_head", "每户须有且只有一名户主", "members")
    numbers = [validate_id_number(m.id_number).number for m in members]
    if len(set(numbers)) != len(numbers):
        raise ServiceError("duplicate_member", "家庭成员身份证号重复", "members")
    household = Household(number=number, address=address, village=village, region_path=village.path)
    stamp(household, user)
    household.save()
    head = None
    for member, id_number in zip(members, numbers):
        existing = Person.objects.filter(id_number=id_number).select_related("village", "household").first()
        if existing is None:
            person = person_create(
                user=user, name=member.name, id_number=id_number, village=village, phone=member.phone,
                household=household, relation_to_head=member.relation_to_head,
            )
        else:
            person = _join_household(user, existing, household, member)
        if member.relation_to_head == Relation.HEAD:
            head = person
    household.head = head
    stamp(household, user)
    household.save()
    return household


def _join_household(user, person: Person, household: Household, member: MemberInput) -> Person:
    if not region_allowed(user, person.village):
        raise ServiceError("region_denied", NOT_REGISTRABLE_HERE, "members")
    if person.household_id and person.household_id != household.pk:
        raise ServiceError("other_household", _existing_person_message(user, person) + "，已属于其他家庭户", "members")
    person.household = household
    person.relation_to_head = member.relation_to_head
    if member.phone:
        person.phone = member.phone
    stamp(person, user)
    person.save()
    return person


@transaction.atomic
def household_add_member(*, user, household: Household, member: MemberInput) -> Person:
    if member.relation_to_head == Relation.HEAD and household.head_id:
        raise ServiceError("one_head", "该户已有户主", "relation_to_head")
    id_number = validate_id_number(member.id_number).number
    existing = Person.objects.filter(id_number=id_number).select_related("village", "household").first()
    if existing is None:
        person = person_create(
            user=user, name=member.name, id_number=id_number, village=household.village, phone=member.phone,
            household=household, relation_to_head=member.relation_to_head,
        )
    else:
        person = _join_household(user, existing, household, member)
    if member.relation_to_head == Relation.HEAD:
        household.head = person
        stamp(household, user)
        household.save()
    return person
