"""门诊慢特病 approvals (认定) and 两病 registrations (RULES.md 3.3, 3.5): the one writer of
ChronicApproval, ChronicStep, ChronicEvidence and TwoDiseasesRegistration. A clerk (township or
county) submits with evidence; another user decides (maker-checker), and of two simultaneous
decisions only one succeeds (optimistic lock); renewal is a new approval naming the one it
renews; revocation has a reason and is automatic when the person dies or moves out."""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from benefits.models import ChronicApproval, ChronicDisease, ChronicEvidence, ChronicStep, DiseaseKind, Facility, TwoDiseasesRegistration
from benefits.rules import chronic as rules
from benefits.services.policy import pooling_region
from core.audit import stamp
from core.errors import ServiceError
from core.evidence import checked_evidence
from core.idnumber import IdNumberError, normalize, parse_id_number
from core.restrict import path_allowed
from core.validation import check_date
from enrollment.models import Enrollment, Person

Status = ChronicApproval.Status
OPEN = (Status.SUBMITTED, Status.APPROVED)
# Parameters of the pooling region (PolicyParameter, RULES.md 3.5): days, with these defaults
# when a region has none (not from the sources).
RENEWAL_DAYS, REVIEW_DAYS = "chronic_renewal_days", "chronic_review_days"
HOSPITAL_MAX_LENGTH = ChronicApproval._meta.get_field("diagnosing_hospital").max_length
DEFAULT_DAYS = {RENEWAL_DAYS: 60, REVIEW_DAYS: 15}


def days_parameter(region, name: str, day: date) -> int:
    from benefits.services.policy import parameter_in_force

    found = parameter_in_force(region, name, day) if region is not None else None
    return int(found.value) if found is not None else DEFAULT_DAYS[name]


def renewal_window(user, today: date) -> int:
    """Days before its end from which an approval is due for renewal (the user's pooling region's parameter)."""
    return days_parameter(user.region, RENEWAL_DAYS, today) if user.region_id else DEFAULT_DAYS[RENEWAL_DAYS]


def catalogue(region) -> list[ChronicDisease]:
    """The active diseases of the region's pooling region, by kind and code."""
    pooling = pooling_region(region)
    if pooling is None:
        return []
    return list(ChronicDisease.objects.filter(region=pooling, active=True).order_by("kind", "code"))


def facilities_for(region):
    """The facilities an approval may name: designated, of the person's pooling region (a
    county's resident may choose the city's hospitals), not a hospital outside the city."""
    pooling = pooling_region(region) if region is not None else None
    if pooling is None:
        return Facility.objects.none()
    return Facility.objects.filter(designated=True, place_province="", region__path__startswith=pooling.path)


def _facility_check(disease: ChronicDisease, facility: Facility, person: Person) -> None:
    if facility.place_province or not facilities_for(person.village).filter(pk=facility.pk).exists():
        raise ServiceError("facility", f"{facility.name} 不是参保人所在统筹区的定点医疗机构", "facility")
    refused = rules.facility_refusal(min_level=disease.min_level, max_level=disease.max_level, facility_level=facility.level,
                                     designated=facility.designated)
    if refused:
        raise ServiceError("facility_level", f"{facility.name}：{refused}（{disease.name}）", "facility")


def enrolled(person: Person, today: date) -> bool:
    """Enrolled now or later: a paid enrollment whose benefits have not ended (a future
    enrollment counts, RULES: an application may precede the benefit period)."""
    return Enrollment.objects.filter(person=person, status__in=Enrollment.PAID_STATUSES, benefit_end__gte=today).exists()


@transaction.atomic
def approval_submit(*, user, person: Person, disease: ChronicDisease, diagnosing_hospital: str, diagnosed_on: date,
                    facility: Facility, files=(), renews: ChronicApproval | None = None, today: date | None = None) -> ChronicApproval:
    """An application (申报) with its evidence: the person enrolled (now or for a coming
    year), the disease of the person's pooling region (a 两病 is registered, not approved), the
    facility designated and of a level the disease allows, no open application or approval
    of the same disease unless this one renews it."""
    today = today or timezone.localdate()
    uploader = getattr(user, "facility_id", None) is not None  # a designated facility's upload
    if uploader:
        if not user.has_perm("benefits.upload_chronicapproval") or getattr(facility, "pk", None) != user.facility_id:
            raise ServiceError("denied", "定点医疗机构只能上传选定本机构的认定申请", "facility")
    elif not user.has_perm("benefits.add_chronicapproval"):
        raise ServiceError("denied", "您没有申报门诊慢特病认定的权限")
    from benefits.services.casework import above_pooling_regions

    if above_pooling_regions(user):
        raise ServiceError("read_only", "省级用户只能查看门诊慢特病认定，由市、县经办机构申报和审核")
    # A facility serves its pooling region's residents (_facility_check), not only its county's.
    if not uploader and not path_allowed(user, person.region_path):
        raise ServiceError("region_denied", f"{person.name} 不在您的管辖区划内", "person")
    if person.status != Person.Status.NORMAL:
        raise ServiceError("person_status", f"{person.name} 状态为{person.get_status_display()}，不能申报", "person")
    if not enrolled(person, today):
        raise ServiceError("not_enrolled", f"{person.name} 未参加居民医保（或待遇已结束），不能申报门诊慢特病认定", "person")
    pooling = pooling_region(person.village)
    if disease.region_id != getattr(pooling, "pk", None) or not disease.active:
        raise ServiceError("disease", "该病种不在参保人所在统筹区的门诊慢特病目录中", "disease")
    if disease.kind == DiseaseKind.TWO_DISEASES:
        raise ServiceError("disease", f"{disease.name}属于两病，请办理两病登记，无需认定", "disease")
    hospital = (diagnosing_hospital or "").strip()
    if not hospital:
        raise ServiceError("diagnosing_hospital", "请填写确诊医院", "diagnosing_hospital")
    if len(hospital) > HOSPITAL_MAX_LENGTH:
        raise ServiceError("diagnosing_hospital", f"确诊医院不能超过{HOSPITAL_MAX_LENGTH}个字", "diagnosing_hospital")
    if diagnosed_on is None:
        raise ServiceError("diagnosed_on", "请填写确诊日期", "diagnosed_on")
    check_date(diagnosed_on, field="diagnosed_on", label="确诊日期", not_after_today=True)
    if diagnosed_on < person.birth_date:
        raise ServiceError("diagnosed_on", f"确诊日期不能早于{person.name}的出生日期 {person.birth_date:%Y-%m-%d}", "diagnosed_on")
    if facility is None:
        raise ServiceError("facility", "请选择定点机构", "facility")
    _facility_check(disease, facility, person)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one application of a person at a time
    open_same = ChronicApproval.objects.filter(person=person, disease=disease, status__in=OPEN).exclude(
        pk=getattr(renews, "pk", None))
    if open_same.filter(status=Status.SUBMITTED).exists():
        raise ServiceError("duplicate", f"{person.name} 已有待审核的{disease.name}认定申请", "disease")
    if renews is None and open_same.filter(status=Status.APPROVED, valid_to__gte=today).exists():
        raise ServiceError("duplicate", f"{person.name} 已有有效的{disease.name}认定，到期前请办理续期", "disease")
    if renews is not None and (renews.person_id != person.pk or renews.disease_id != disease.pk or renews.status != Status.APPROVED):
        raise ServiceError("renews", "只能续期同一参保人、同一病种的有效认定", "renews")
    checked = checked_evidence(files)
    if not checked:
        raise ServiceError("evidence", f"请上传证明材料（{disease.evidence or '诊断证明等'}）", "evidence")
    approval = ChronicApproval(person=person, disease=disease, diagnosing_hospital=hospital,
                               diagnosed_on=diagnosed_on, facility=facility, submitted_by=user, renews=renews)
    stamp(approval, user, "续期申报" if renews else "申报")
    approval.save()
    ChronicStep.objects.create(approval=approval, action="续期申报" if renews else "申报", user=user,
                               comment=f"{hospital} {diagnosed_on:%Y-%m-%d} 确诊；定点机构 {facility.name}"[:300])
    for name, data, content_type in checked:
        digest = hashlib.sha256(data).hexdigest()
        evidence = ChronicEvidence(approval=approval, original_name=name[:255], content_type=content_type, size=len(data),
                                   sha256=digest, uploaded_by=user)
        evidence.file.save(name[-60:], ContentFile(data), save=False)
        evidence.save()
    return approval


def catalogue_disease(pooling, said: str, *, active_only: bool = True) -> ChronicDisease | None:
    """The disease of a pooling region's catalogue named by its code, else by its name (a
    settlement's bill, a trial, a facility's upload)."""
    said = (said or "").strip()
    if pooling is None or not said:
        return None
    diseases = ChronicDisease.objects.filter(region=pooling)
    if active_only:
        diseases = diseases.filter(active=True)
    return diseases.filter(code=said).first() or diseases.filter(name=said).first()


def facility_upload(*, user, id_number: str, name: str, disease: str, diagnosing_hospital: str, diagnosed_on: date,
                    files=(), today: date | None = None) -> ChronicApproval:
    """A designated facility's upload of an application (J003 §二(三)10): the facility is the
    account's own; the person is found by ID number and name among its pooling region's
    residents (either wrong reads as not found, so nothing is learnt of who is enrolled); an
    approval of the disease due for renewal is renewed. Then as a clerk's application."""
    today = today or timezone.localdate()
    facility = getattr(user, "facility", None)
    if facility is None or not user.has_perm("benefits.upload_chronicapproval"):
        raise ServiceError("denied", "只有定点医疗机构账号可以上传认定申请", "auth")
    if diagnosed_on is None:
        raise ServiceError("diagnosed_on", "请填写确诊日期（YYYY-MM-DD）", "diagnosed_on")
    if not facility.designated or not facility.under_agreement_on(today):
        raise ServiceError("agreement", f"{facility.name}不在定点协议期内，不能上传认定申请", "facility")
    pooling = pooling_region(facility.region)
    try:
        number = parse_id_number(id_number).number
    except IdNumberError as error:
        raise ServiceError("id_number", f"身份证号有误：{error.message}", "id_number") from None
    person = None
    if pooling is not None and number and (name or "").strip():
        person = Person.objects.select_related("village").filter(id_number=number, region_path__startswith=pooling.path).first()
    if person is None or normalize(person.name) != normalize(name):
        raise ServiceError("person", "未找到该参保人：请核对身份证号和姓名（须为本统筹区参保人）", "id_number")
    found = catalogue_disease(pooling, disease)
    if found is None:
        raise ServiceError("disease", f"病种「{(disease or '').strip()[:50]}」不在{pooling.name}的门诊慢特病目录中", "disease")
    renews = ChronicApproval.objects.filter(person=person, disease=found, status=Status.APPROVED, valid_to__gte=today,
                                            valid_to__lte=today + timedelta(days=renewal_window(user, today))).first()
    return approval_submit(user=user, person=person, disease=found, diagnosing_hospital=diagnosing_hospital or facility.name,
                           diagnosed_on=diagnosed_on, facility=facility, files=files, renews=renews, today=today)


def approval_decide(*, user, approval: ChronicApproval, approve: bool, valid_from: date | None = None, valid_to: date | None = None,
                    reason: str = "", today: date | None = None) -> ChronicApproval:
    """The reviewer's decision. Refused to the submitter (maker-checker), for an application
    already decided, and for the second of two simultaneous decisions. An approval is valid
    from `valid_from` (default today; a renewal: the day after the renewed one ends) to
    `valid_to` (default: the catalogue's validity); a rejection needs a reason."""
    today = today or timezone.localdate()
    if not user.has_perm("benefits.review_chronicapproval"):
        raise ServiceError("denied", "您没有审核门诊慢特病认定的权限")
    if not path_allowed(user, approval.region_path):
        raise ServiceError("region_denied", "该认定申请不在您的管辖区划内")
    if approval.submitted_by_id == user.pk:
        raise ServiceError("maker_checker", "申报人不能审核自己申报的认定（须由另一名经办人审核）")
    reason = (reason or "").strip()
    fields = {"decided_by": user, "decided_at": timezone.now(), "decision_reason": reason[:300]}
    if approve:
        if valid_from is None:
            renewed_end = approval.renews.valid_to if approval.renews_id else None
            valid_from = max(today, renewed_end + timedelta(days=1)) if renewed_end else today
        check_date(valid_from, field="valid_from", label="有效期起")
        valid_to = valid_to or rules.default_valid_to(valid_from, approval.disease.validity_months)
        check_date(valid_to, field="valid_to", label="有效期止")
        problem = rules.period_problem(valid_from, valid_to)
        if problem:
            raise ServiceError("valid_to", problem, "valid_to")
        if valid_from < approval.diagnosed_on:
            raise ServiceError("valid_from", f"有效期起不能早于确诊日期（{approval.diagnosed_on:%Y-%m-%d}）", "valid_from")
        if valid_to < today:
            raise ServiceError("valid_to", f"有效期止（{valid_to:%Y-%m-%d}）已过，认定不会生效；请核对有效期", "valid_to")
        fields.update(status=Status.APPROVED, valid_from=valid_from, valid_to=valid_to)
    else:
        if not reason:
            raise ServiceError("reason", "不予认定须说明理由", "reason")
        fields.update(status=Status.REJECTED)
    with transaction.atomic():
        updated = ChronicApproval.objects.filter(pk=approval.pk, version=approval.version, status=Status.SUBMITTED).update(
            version=F("version") + 1, **fields)
        if updated != 1:
            raise ServiceError("conflict", "该认定申请已被他人处理或已变更，请刷新后查看")
        approval.refresh_from_db()
        comment = f"有效期 {valid_from:%Y-%m-%d} 至 {valid_to:%Y-%m-%d}" if approve else reason
        ChronicStep.objects.create(approval=approval, action="认定通过" if approve else "不予认定", user=user,
                                   comment=(f"{comment}；{reason}" if approve and reason else comment)[:300])
        stamp(approval, user, "审核")
        approval.save()  # the audit row of the decision
        if approve and approval.renews_id:
            _renewed(approval.renews, approval, user)
    return approval


def _renewed(old: ChronicApproval, new: ChronicApproval, user) -> None:
    """The renewed approval ends the day before its renewal starts (history kept)."""
    old = ChronicApproval.objects.select_for_update().get(pk=old.pk)
    end = new.valid_from - timedelta(days=1)
    if old.valid_to and old.valid_to > end:
        old.valid_to = max(end, old.valid_from)
    ChronicStep.objects.create(approval=old, action="已续期", user=user, comment=f"续期认定自 {new.valid_from:%Y-%m-%d} 起有效")
    stamp(old, user, "续期")
    old.save()


@transaction.atomic
def approval_revoke(*, user, approval: ChronicApproval, reason: str, on: date | None = None) -> ChronicApproval:
    """撤销: an application or approval ends from `on` (default today) with a reason (死亡,
    迁出, 复核不符合条件 ...): visits from that day are no longer paid by the chronic pool."""
    on = on or timezone.localdate()
    if user is not None:
        if not user.has_perm("benefits.review_chronicapproval"):
            raise ServiceError("denied", "您没有撤销门诊慢特病认定的权限")
        if not path_allowed(user, approval.region_path):
            raise ServiceError("region_denied", "该认定不在您的管辖区划内")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请填写撤销原因", "reason")
    check_date(on, field="ended_on", label="撤销日期", not_after_today=True)
    approval = ChronicApproval.objects.select_for_update().get(pk=approval.pk)
    if approval.status not in OPEN:
        raise ServiceError("status", f"该认定状态为{approval.get_status_display()}，不能撤销")
    approval.status, approval.ended_on, approval.ended_reason = Status.REVOKED, on, reason[:300]
    approval.version += 1
    ChronicStep.objects.create(approval=approval, action="撤销", user=user, comment=f"自{on:%Y-%m-%d}起，原因：{reason}"[:300])
    stamp(approval, user, "撤销")
    approval.save()
    return approval


@transaction.atomic
def approval_change_facility(*, user, approval: ChronicApproval, facility: Facility, reason: str = "") -> ChronicApproval:
    """变更定点机构: recorded on the timeline; the new facility must be allowed for the disease."""
    if not user.has_perm("benefits.change_chronicapproval"):
        raise ServiceError("denied", "您没有变更门诊慢特病定点机构的权限")
    if not path_allowed(user, approval.region_path):
        raise ServiceError("region_denied", "该认定不在您的管辖区划内")
    approval = ChronicApproval.objects.select_for_update(of=("self",)).select_related("disease", "facility").get(pk=approval.pk)
    if approval.status not in OPEN:
        raise ServiceError("status", f"该认定状态为{approval.get_status_display()}，不能变更定点机构")
    _facility_check(approval.disease, facility, approval.person)
    before = approval.facility.name if approval.facility_id else "未选定"
    approval.facility, approval.version = facility, approval.version + 1
    ChronicStep.objects.create(approval=approval, action="变更定点机构", user=user,
                               comment=f"{before} → {facility.name}{'；' + reason.strip() if (reason or '').strip() else ''}"[:300])
    stamp(approval, user, "变更定点机构")
    approval.save()
    return approval


def approvals_end_for_person(*, user, person: Person, on: date, reason: str) -> int:
    """Revoke every open approval and end every open 两病 registration of a person who died or
    moved out (person_update calls this); returns how many approvals were revoked."""
    revoked = 0
    for approval in ChronicApproval.objects.filter(person=person, status__in=OPEN):
        approval_revoke(user=None, approval=approval, reason=reason, on=on)
        revoked += 1
    for registration in TwoDiseasesRegistration.objects.filter(person=person, ended_on__isnull=True):
        registration.ended_on, registration.ended_reason = on, reason[:300]
        stamp(registration, user, "终止")
        registration.save()
    return revoked


def approvals_expire(today: date | None = None) -> int:
    """Mark approvals whose period ended before today expired (the daily beat job)."""
    today = today or timezone.localdate()
    expired = 0
    for approval in ChronicApproval.objects.filter(status=Status.APPROVED, valid_to__lt=today).only("pk"):
        with transaction.atomic():
            locked = ChronicApproval.objects.select_for_update().filter(pk=approval.pk, status=Status.APPROVED).first()
            if locked is None or not rules.expired(locked.valid_to, today):
                continue
            locked.status, locked.version = Status.EXPIRED, locked.version + 1
            ChronicStep.objects.create(approval=locked, action="到期", user=None, comment=f"有效期至 {locked.valid_to:%Y-%m-%d}")
            stamp(locked, None, "到期")
            locked.save()
            expired += 1
    return expired


def renewal_queue(user, today: date | None = None):
    """Approvals in force that end within the renewal window (a parameter of the pooling
    region, 60 days by default), soonest first, without a renewal already submitted."""
    today = today or timezone.localdate()
    window = renewal_window(user, today)
    return (ChronicApproval.objects.restrict(user).filter(status=Status.APPROVED, valid_to__gte=today,
                                                          valid_to__lte=today + timedelta(days=window))
            .exclude(renewed_by__status__in=OPEN).select_related("person", "disease", "facility").order_by("valid_to", "pk"))


def review_queue(user, today: date | None = None) -> list[ChronicApproval]:
    """Applications awaiting a decision, oldest first, those over the deadline (a parameter,
    15 days by default) flagged `overdue`, the user's own flagged `own` (not theirs to decide)."""
    today = today or timezone.localdate()
    deadline = days_parameter(user.region, REVIEW_DAYS, today) if user.region_id else DEFAULT_DAYS[REVIEW_DAYS]
    items = list(ChronicApproval.objects.restrict(user).filter(status=Status.SUBMITTED)
                 .select_related("person", "disease", "facility", "submitted_by").order_by("submitted_at", "pk"))
    for item in items:
        item.overdue = rules.overdue(timezone.localdate(item.submitted_at), today, deadline)
        item.own = item.submitted_by_id == user.pk
    return items


def registration_overlap(person: Person, disease: ChronicDisease, registered_on: date) -> str:
    """Why a registration from `registered_on` would register an ended one's period again (its
    period runs from registered_on to the day before ended_on; none when it was ended on its own
    day, entered by mistake), or ""."""
    earlier = (TwoDiseasesRegistration.objects.filter(person=person, disease=disease, ended_on__gt=registered_on,
                                                      registered_on__lt=F("ended_on")).order_by("-ended_on").first())
    if earlier is None:
        return ""
    return (f"{person.name} 的{disease.name}登记（{earlier.registered_on:%Y-%m-%d}起）至 {earlier.ended_on:%Y-%m-%d} 终止，"
            f"新登记的登记日期不能早于 {earlier.ended_on:%Y-%m-%d}")


@transaction.atomic
def registration_create(*, user, person: Person, disease: ChronicDisease, registered_on: date, facility: Facility | None = None,
                        source_import=None) -> TwoDiseasesRegistration:
    """两病登记: hypertension or diabetes of the person's pooling region, from the registration
    date on; one open registration per person and disease (the same again is refused).
    `user` None: the system's own (the demo)."""
    if user is not None and not path_allowed(user, person.region_path):
        raise ServiceError("region_denied", f"{person.name} 不在您的管辖区划内", "person")
    pooling = pooling_region(person.village)
    if disease.kind != DiseaseKind.TWO_DISEASES or disease.region_id != getattr(pooling, "pk", None):
        raise ServiceError("disease", "两病登记只限参保人所在统筹区目录中的高血压、糖尿病", "disease")
    check_date(registered_on, field="registered_on", label="登记日期", not_after_today=True)
    if facility is not None and not facility.designated:
        raise ServiceError("facility", f"{facility.name} 不是定点医药机构", "facility")
    if TwoDiseasesRegistration.objects.filter(person=person, disease=disease, ended_on__isnull=True).exists():
        raise ServiceError("duplicate", f"{person.name} 已登记{disease.name}", "disease")
    if overlap := registration_overlap(person, disease, registered_on):
        raise ServiceError("overlap", overlap, "registered_on")
    registration = TwoDiseasesRegistration(person=person, disease=disease, registered_on=registered_on, facility=facility,
                                           created_by=user, source_import=source_import)
    stamp(registration, user, "两病登记")
    registration.save()
    return registration


@transaction.atomic
def registration_end(*, user, registration: TwoDiseasesRegistration, ended_on: date, reason: str) -> TwoDiseasesRegistration:
    """终止两病登记 (the disease no longer treated, moved out, or entered by mistake): from
    `ended_on` on, 两病用药 visits no longer lift the outpatient cap (RULES.md 3.3). Ended on its
    registration day, a registration entered by mistake never held; the person may then be
    registered again correctly. Settlements already stored keep their amounts (a wrong one is
    corrected by 冲正)."""
    if not user.has_perm("benefits.change_twodiseasesregistration"):
        raise ServiceError("denied", "您没有终止两病登记的权限")
    if not path_allowed(user, registration.region_path):
        raise ServiceError("region_denied", "该两病登记不在您的管辖区划内")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请填写终止原因", "reason")
    check_date(ended_on, field="ended_on", label="终止日期", not_after_today=True)
    registration = TwoDiseasesRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.ended_on is not None:
        raise ServiceError("ended", f"该登记已于 {registration.ended_on:%Y-%m-%d} 终止", "ended_on")
    if ended_on < registration.registered_on:
        raise ServiceError("ended_on", f"终止日期不能早于登记日期（{registration.registered_on:%Y-%m-%d}）", "ended_on")
    registration.ended_on, registration.ended_reason = ended_on, reason[:300]
    stamp(registration, user, "终止两病登记")
    registration.save()
    return registration


def person_chronic(person: Person) -> dict:
    """What the person page shows: approvals (newest first, with their steps) and 两病 registrations."""
    approvals = list(ChronicApproval.objects.filter(person=person).select_related("disease", "facility").prefetch_related("steps")
                     .order_by("-submitted_at", "-pk"))
    registrations = list(TwoDiseasesRegistration.objects.filter(person=person).select_related("disease", "facility")
                         .order_by("-registered_on", "-pk"))
    return {"approvals": approvals, "registrations": registrations}


def renewal_due(approval: ChronicApproval, user, today: date | None = None) -> bool:
    """Whether an approval in force is due for renewal (its end within the renewal window)."""
    today = today or timezone.localdate()
    return (approval.status == Status.APPROVED and approval.valid_to is not None
            and rules.renewal_due(approval.valid_to, today, renewal_window(user, today)))


def approvals_filter(user, *, disease=None, facility=None, status="", county=None, expiring: bool = False):
    """The list of approvals by disease, facility, county and status; `expiring`: in force and
    due for renewal (the renewal window)."""
    rows = ChronicApproval.objects.restrict(user).select_related("person", "person__village", "disease", "facility", "submitted_by")
    if disease is not None:
        rows = rows.filter(disease=disease)
    if facility is not None:
        rows = rows.filter(facility=facility)
    if status:
        rows = rows.filter(status=status)
    if county is not None:
        rows = rows.filter(region_path__startswith=county.path)
    if expiring:
        today = timezone.localdate()
        rows = rows.filter(status=Status.APPROVED, valid_to__gte=today, valid_to__lte=today + timedelta(days=renewal_window(user, today)))
    return rows.order_by("-submitted_at", "-pk")



def status_counts(user, today: date | None = None) -> dict:
    """Approvals of the user's region by status, and those in force ending within 60 days."""
    from django.db.models import Count

    today = today or timezone.localdate()
    rows = ChronicApproval.objects.restrict(user)
    counts = dict.fromkeys(Status.values, 0) | dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    window = renewal_window(user, today)
    counts["expiring"] = rows.filter(status=Status.APPROVED, valid_to__gte=today, valid_to__lte=today + timedelta(days=window)).count()
    return counts


IMPORTED = "由原系统导入（原系统已审核认定）"


def overlapping_approval(person_id: int, disease_id: int, valid_from: date, valid_to: date):
    """An approval of the person and disease, in force or once in force, whose period meets this one."""
    return (ChronicApproval.objects.filter(person_id=person_id, disease_id=disease_id, valid_from__lte=valid_to, valid_to__gte=valid_from)
            .exclude(status__in=(Status.REJECTED, Status.SUBMITTED)).first())


@transaction.atomic
def approvals_record_existing(*, user, items: list[dict], source_import=None) -> list[ChronicApproval]:
    """Approvals the previous system decided (its Excel list, benefits.importers_chronic),
    recorded as approved: the facility allowed for the disease, the period plausible and not
    overlapping one already recorded for the person and disease. Each item: person, disease,
    diagnosing_hospital, diagnosed_on, facility, valid_from, valid_to."""
    if not user.has_perm("benefits.review_chronicapproval"):
        raise ServiceError("denied", "您没有导入门诊慢特病认定的权限")
    from benefits.services.casework import above_pooling_regions

    if above_pooling_regions(user):
        raise ServiceError("read_only", READ_ONLY_IMPORT)
    created = []
    for item in items:
        person, disease, facility = item["person"], item["disease"], item["facility"]
        if not path_allowed(user, person.region_path):
            raise ServiceError("region_denied", f"{person.name} 不在您的管辖区划内", "person")
        _facility_check(disease, facility, person)
        problem = rules.period_problem(item["valid_from"], item["valid_to"])
        if problem:
            raise ServiceError("valid_to", problem, "valid_to")
        if refused := carried_over_refusal(person, item["valid_to"]):
            raise ServiceError("not_enrolled", refused, "person")
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if overlapping_approval(person.pk, disease.pk, item["valid_from"], item["valid_to"]):
            raise ServiceError("duplicate", f"{person.name} 已有与该期间重叠的{disease.name}认定", "valid_from")
        approval = ChronicApproval(person=person, disease=disease, diagnosing_hospital=item["diagnosing_hospital"][:100],
                                   diagnosed_on=item["diagnosed_on"], facility=facility,
                                   valid_from=item["valid_from"], valid_to=item["valid_to"], submitted_by=user, decided_by=user,
                                   status=Status.EXPIRED if item["valid_to"] < timezone.localdate() else Status.APPROVED,
                                   decided_at=timezone.now(), decision_reason=IMPORTED, source_import=source_import)
        stamp(approval, user, "导入")
        approval.save()
        ChronicStep.objects.create(approval=approval, action="导入", user=user,
                                   comment=f"{IMPORTED}；有效期 {item['valid_from']:%Y-%m-%d} 至 {item['valid_to']:%Y-%m-%d}")
        created.append(approval)
    return created


def carried_over_refusal(person: Person, valid_to: date, today: date | None = None) -> str:
    """Why an approval of the previous system may not be recorded: one still in force needs
    the person enrolled now or later, as an application does (else it could never be renewed);
    an approval already ended is history and is recorded whatever the enrollment."""
    today = today or timezone.localdate()
    if valid_to >= today and not enrolled(person, today):
        return f"{person.name} 未参加居民医保（或待遇已结束），仍在有效期内的认定不能导入；请先办理参保，已到期的认定可以导入"
    return ""


READ_ONLY_IMPORT = "省级用户只能查看门诊慢特病认定，不能导入；请由市、县医保经办机构导入"


def decided_for_submitter(user, today: date | None = None, days: int = 30) -> list[ChronicApproval]:
    """The notice to the submitter: their applications decided in the last `days` days, newest first."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=days)
    return list(ChronicApproval.objects.restrict(user).filter(submitted_by=user, decided_at__gte=since)
                .select_related("person", "disease", "decided_by").order_by("-decided_at")[:10])
