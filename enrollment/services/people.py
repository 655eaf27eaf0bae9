"""Registering and changing people and households. Every write checks the user's region,
runs in a transaction and is recorded by simple-history with the acting user."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from core.audit import stamp
from core.errors import ServiceError
from core.idnumber import IdNumberError, parse_id_number
from core.phone import PhoneError, normalize_phone
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


def check_phone(raw) -> str:
    """A contact number in its one spelling (core.phone: a mobile or landline; fullwidth digits
    read as ASCII), or ServiceError on the phone field: every door that writes a person's
    number (forms, the household form's members, services called by commands) checks it here."""
    try:
        return normalize_phone(raw or "")
    except PhoneError as error:
        raise ServiceError("phone", error.message, "phone") from None


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
    phone = check_phone(phone)
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", "姓名不能为空", "name")
    existing = Person.objects.filter(id_number=parsed.number).select_related("village").first()
    if existing is not None:
        raise ServiceError("duplicate_id", _existing_person_message(user, existing), "id_number")
    person = Person(
        name=name, id_number=parsed.number, birth_date=parsed.birth_date, gender=parsed.gender, phone=phone,
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


def _locked_household(household_id: int) -> Household:
    """The household row locked: every change of who is 户主 takes this lock first, so two
    clerks cannot make two heads (or none) at the same time."""
    return Household.objects.select_for_update().get(pk=household_id)


def _heads(household: Household, *, exclude: Person | None = None) -> list[Person]:
    """Who counts as 户主 of a household: the household's head and any member recorded with the
    relation 户主 (the two agree unless the data was damaged before this check existed)."""
    members = household.members.filter(relation_to_head=Relation.HEAD)
    if household.head_id:
        members = members | Person.objects.filter(pk=household.head_id)
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return list(members.distinct().order_by("pk"))


def _is_head(person: Person, household: Household) -> bool:
    return household.head_id == person.pk or person.relation_to_head == Relation.HEAD


def _check_head_change(user, person: Person, new_relation: str, former_head_relation: str) -> None:
    """Exactly one 户主 per household (as household_register requires). Making a member the
    head is refused while another head exists, unless the clerk says what the former head
    becomes (former_head_relation); the only head cannot be given another relation."""
    household = _locked_household(person.household_id)
    was_head = _is_head(person, household)
    if was_head and new_relation != Relation.HEAD:
        others = _heads(household, exclude=person)
        if not others:
            raise ServiceError(
                "head_required",
                f"{person.name}是本户户主，每户须有一名户主，不能直接改为其他关系；"
                "如需变更户主，请修改新户主的信息：将其设为户主，并选择原户主改为的关系",
                "relation_to_head",
            )
        # A household damaged before this check had two heads: demoting one repairs it.
        if household.head_id == person.pk:
            household.head = others[0]
            stamp(household, user)
            household.save()
        return
    if new_relation != Relation.HEAD or was_head:
        return
    others = _heads(household, exclude=person)
    if others and not former_head_relation:
        names = "、".join(o.name for o in others)
        raise ServiceError(
            "one_head",
            f"该户已有户主{names}，每户只能有一名户主；如需变更户主，请在“原户主改为”中选择{names}的新关系",
            "relation_to_head",
        )
    if former_head_relation == Relation.HEAD:
        raise ServiceError("former_head_relation", "原户主须改为户主以外的关系", "former_head_relation")
    for former in others:
        former.relation_to_head = former_head_relation
        stamp(former, user)
        former.save(update_fields=["relation_to_head", "updated_at"])
    household.head = person
    stamp(household, user)
    household.save()


@transaction.atomic
def person_update(*, user, person: Person, former_head_relation: str = "", **changes) -> Person:
    """Change a person's editable fields. Setting 与户主关系 to 户主 in a household that has a
    head also needs former_head_relation: the relation the former head takes (an explicit
    change of head, in one transaction)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    unknown = set(changes) - set(EDITABLE_PERSON_FIELDS)
    if unknown:
        raise ServiceError("field", f"不可修改的字段：{', '.join(sorted(unknown))}")
    if "phone" in changes:
        changes["phone"] = check_phone(changes["phone"])
    if "village" in changes:
        check_village(user, changes["village"])
        person.region_path = changes["village"].path
    if person.household_id and "relation_to_head" in changes:
        _check_head_change(user, person, changes["relation_to_head"] or "", former_head_relation or "")
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
    if "status" in changes and person.status != Person.Status.NORMAL:
        # RULES.md 3.5: a person who died or moved out keeps no 门诊慢特病 approval
        from benefits.services.chronic import approvals_end_for_person

        approvals_end_for_person(user=user, person=person, on=person.status_date, reason=person.get_status_display())
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
    for member in members:  # before anything is written: the row at fault named
        try:
            check_phone(member.phone)
        except ServiceError as error:
            raise ServiceError("phone", f"{member.name}：{error.message}", "members") from None
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


def _join_household(user, person: Person, household: Household, member: MemberInput, *, allow_move: bool = False) -> Person:
    """An already registered person joins a household. The name typed must be the registered
    one (a different name is a typo in the number, or a correction to make on the person's
    page, never a silent rename). With allow_move a member of another household moves here;
    that household's 户主 cannot leave it (it would be left without one)."""
    if not region_allowed(user, person.village):
        raise ServiceError("region_denied", NOT_REGISTRABLE_HERE, "members")
    name = (member.name or "").strip()
    if name != person.name:
        raise ServiceError(
            "name_mismatch",
            f"身份证号 {person.masked_id_number} 已登记为 {person.name}，与填写的姓名“{name}”不一致；"
            "请核对身份证号，如需更正姓名请在人员页面修改",
            "name",
        )
    former = None
    if person.household_id:
        if not allow_move:
            raise ServiceError("other_household", _existing_person_message(user, person) + "，已属于其他家庭户", "members")
        former = _locked_household(person.household_id)
        if _is_head(person, former):
            raise ServiceError(
                "head_cannot_move",
                f"{person.name}是另一家庭户的户主，不能转入本户；"
                "请先在原户将另一成员设为户主",
                "id_number",
            )
    phone = check_phone(member.phone)
    person.household = household
    person.relation_to_head = member.relation_to_head
    if phone:
        person.phone = phone
    stamp(person, user)
    person.save()
    person.moved_from = former
    return person


@transaction.atomic
def household_add_member(*, user, household: Household, member: MemberInput) -> Person:
    """Add a member: a new person, a registered person without a household, or a member of
    another household of the user's region, who moves here (the returned person's moved_from
    is then that household). Whoever is already a member, or 户主 elsewhere, is refused."""
    household = _locked_household(household.pk)
    id_number = validate_id_number(member.id_number).number
    existing = Person.objects.filter(id_number=id_number).select_related("village", "household").first()
    if existing is not None and existing.household_id == household.pk:
        raise ServiceError("already_member", f"{existing.name}（{existing.masked_id_number}）已是本户成员", "id_number")
    if member.relation_to_head == Relation.HEAD and _heads(household):
        raise ServiceError("one_head", "该户已有户主，每户只能有一名户主", "relation_to_head")
    if existing is None:
        person = person_create(
            user=user, name=member.name, id_number=id_number, village=household.village, phone=member.phone,
            household=household, relation_to_head=member.relation_to_head,
        )
        person.moved_from = None
    else:
        person = _join_household(user, existing, household, member, allow_move=True)
    if member.relation_to_head == Relation.HEAD:
        household.head = person
        stamp(household, user)
        household.save()
    return person
