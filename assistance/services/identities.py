"""Certifying and revoking hardship identities (RULES.md section 1). Only the department that
certifies a code (X000 art. 41) may certify or revoke it; the bureau may act on a department's
behalf, recorded as such. Every write is audited (simple-history)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from assistance.models import AssistanceClassRule, HardshipIdentity
from core.audit import stamp
from core.display import source_text
from core.errors import ServiceError
from core.identity_codes import CERTIFYING_DEPARTMENT, IdentityCode
from core.models import Department
from core.money import add_months
from core.restrict import path_allowed
from core.validation import check_date

Status = HardshipIdentity.Status
ART_41 = source_text("X000 art. 41")  # as users read it: 咸宁办法 第四十一条
ILLNESS_POVERTY_MONTHS = 12  # S001 §二: 救助身份自身份认定之日起12个月有效


def department_label(code: str) -> str:
    return Department(code).label


def acting_department(user, code: str, on_behalf_of: str | None = None) -> tuple[str, bool]:
    """The department a certification is recorded under, and whether the bureau acted on its
    behalf. Refuses a department certifying a code that is not its own."""
    owner = CERTIFYING_DEPARTMENT[IdentityCode(code)]
    if not user.has_perm("assistance.certify_identity"):
        raise ServiceError("denied", "您没有认定困难群众身份的权限")
    if user.department == Department.BUREAU:
        if on_behalf_of is None:
            return owner, True
        if on_behalf_of != owner:
            raise ServiceError("department", f"「{IdentityCode(code).label}」由{department_label(owner)}部门认定（{ART_41}），不能代{department_label(on_behalf_of)}录入", "department")
        return owner, True
    if user.department != owner:
        raise ServiceError(
            "department",
            f"{department_label(user.department)}部门不能认定或退出「{IdentityCode(code).label}」，该身份由{department_label(owner)}部门认定（{ART_41}）",
            "code",
        )
    return owner, False


def illness_poverty_end(valid_from: date) -> date:
    return add_months(valid_from, ILLNESS_POVERTY_MONTHS) - timedelta(days=1)


def period_for(code: str, valid_from: date, valid_to: date | None, today: date | None = None) -> tuple[date, date | None]:
    """The period a certification may have: illness_poverty lasts 12 months from
    certification unless a shorter end is given (S001 §二). Dates in core.validation's
    range, and no certification dated after today."""
    check_date(valid_from, field="valid_from", label="认定日期", not_after_today=True, today=today)
    check_date(valid_to, field="valid_to", label="有效期至")
    if valid_to is not None and valid_to < valid_from:
        raise ServiceError("period", "有效期至不能早于认定日期", "valid_to")
    if code == IdentityCode.ILLNESS_POVERTY:
        limit = illness_poverty_end(valid_from)
        valid_to = limit if valid_to is None else min(valid_to, limit)
    return valid_from, valid_to


def absorb(record: HardshipIdentity, others: list) -> None:
    """Merge records into `record`: enrollments they subsidised now point at it."""
    for other in others:
        other.subsidised_enrollments.update(subsidy_identity_record=record)
        other.delete()


def _touching(a_from, a_to, b_from, b_to) -> bool:
    """Periods that overlap or follow each other without a gap (open end = forever)."""
    # Capped a day short of date.max: a record stored with 9999-12-31 must not overflow + 1 day.
    a_end = min(a_to or date.max, date.max - timedelta(days=1))
    b_end = min(b_to or date.max, date.max - timedelta(days=1))
    return a_from <= b_end + timedelta(days=1) and b_from <= a_end + timedelta(days=1)


@dataclass
class CertificationPlan:
    """What certifying a period does to a person's records of that code: extend `record`
    (merging `absorbed` into it), create a new record, or nothing."""

    record: HardshipIdentity | None  # the record to extend, None to create one
    valid_from: date
    valid_to: date | None
    absorbed: list
    unchanged: bool


def plan_certification(existing: list[HardshipIdentity], code: str, valid_from: date, valid_to: date | None,
                       today: date | None = None) -> CertificationPlan:
    """The one rule for periods of the same code: a period touching existing (unrevoked)
    records merges with them into one continuous record; otherwise it is a new record.
    illness_poverty never exceeds 12 months from its latest certification (S001 §二)."""
    valid_from, valid_to = period_for(code, valid_from, valid_to, today)
    touching = [i for i in existing if i.revoked_on is None and _touching(i.valid_from, i.valid_to, valid_from, valid_to)]
    if not touching:
        return CertificationPlan(None, valid_from, valid_to, [], False)
    record = touching[0]
    new_from = min([valid_from] + [i.valid_from for i in touching])
    ends = [valid_to] + [i.valid_to for i in touching]
    new_to = None if any(e is None for e in ends) else max(ends)
    if code == IdentityCode.ILLNESS_POVERTY:
        new_to = min(new_to or illness_poverty_end(valid_from), illness_poverty_end(valid_from))
    unchanged = len(touching) == 1 and (record.valid_from, record.valid_to) == (new_from, new_to)
    return CertificationPlan(record, new_from, new_to, touching[1:], unchanged)


def status_for(valid_to: date | None, today: date) -> str:
    return Status.CERTIFIED if valid_to is None or valid_to >= today else Status.EXPIRED


@transaction.atomic
def identity_certify(*, user, person, code: str, valid_from: date, valid_to: date | None = None, document_number: str = "",
                     on_behalf_of: str | None = None, source_import=None) -> HardshipIdentity:
    """Certify an identity. A period touching an existing certification of the same code is
    merged into it (one continuous record), never stacked."""
    if code not in IdentityCode.values:
        raise ServiceError("code", f"未知的身份类别：{code}", "code")
    department, on_behalf = acting_department(user, code, on_behalf_of)
    if not path_allowed(user, person.region_path):
        raise ServiceError("region_denied", f"{person.name} 不在您的管辖区划内", "id_number")
    today = timezone.localdate()
    existing = list(HardshipIdentity.objects.select_for_update().filter(person=person, code=code))
    plan = plan_certification(existing, code, valid_from, valid_to, today)
    if plan.record is not None:
        record = plan.record
        absorb(record, plan.absorbed)
        if plan.unchanged and record.status == status_for(record.valid_to, today):
            return record
        record.valid_from, record.valid_to = plan.valid_from, plan.valid_to
        record.status = status_for(plan.valid_to, today)
        record.document_number = document_number or record.document_number
        record.recorded_by, record.on_behalf = user, on_behalf
        stamp(record, user, "合并认定期间")
        record.save()
        return record
    record = HardshipIdentity(
        person=person, code=code, department=department, document_number=document_number, valid_from=plan.valid_from,
        valid_to=plan.valid_to, recorded_by=user, on_behalf=on_behalf, source_import=source_import,
        status=status_for(plan.valid_to, today),
    )
    stamp(record, user, "代部门录入" if on_behalf else "")
    record.save()
    return record


@transaction.atomic
def identity_revoke(*, user, identity: HardshipIdentity, exit_date: date, reason: str = "", on_behalf_of: str | None = None) -> HardshipIdentity:
    """An explicit exit (退出日期): the identity is no longer valid from that day."""
    identity = HardshipIdentity.objects.select_for_update().select_related("person").get(pk=identity.pk)
    acting_department(user, identity.code, on_behalf_of)
    if not path_allowed(user, identity.region_path):
        raise ServiceError("region_denied", "该人员不在您的管辖区划内")
    check_date(exit_date, field="exit_date", label="退出日期")
    if identity.revoked_on is not None and identity.revoked_on <= exit_date:
        return identity
    if exit_date < identity.valid_from:
        raise ServiceError("exit_before_start", f"退出日期 {exit_date} 早于认定日期 {identity.valid_from}", "exit_date")
    identity.revoked_on = exit_date
    identity.revoke_reason = (reason or "").strip()
    identity.status = Status.REVOKED
    stamp(identity, user, "退出")
    identity.save()
    return identity


def expire_identities(today: date | None = None) -> int:
    """Daily: certified identities whose period has ended are marked expired (illness_poverty
    after its 12 months). Validity itself always follows the dates."""
    today = today or timezone.localdate()
    return HardshipIdentity.objects.filter(status=Status.CERTIFIED, valid_to__lt=today).update(status=Status.EXPIRED)


def valid_identities(person_ids, day: date) -> dict[int, list[HardshipIdentity]]:
    """person id -> identity records valid on the day (one query)."""
    result: dict[int, list] = {}
    for record in HardshipIdentity.objects.filter(person_id__in=list(person_ids)).valid_on(day).order_by("valid_from"):
        result.setdefault(record.person_id, []).append(record)
    return result


def assistance_class(codes) -> int | None:
    """The most favourable medical-assistance class among identity codes (1 is the highest),
    or None (S001 §二; RULES.md 1: the most favourable class applies)."""
    classes = dict(AssistanceClassRule.objects.filter(identity_code__in=list(codes)).values_list("identity_code", "assistance_class"))
    found = [c for c in classes.values() if c is not None]
    return min(found) if found else None

