"""Application-based assistance (依申请救助, S001 §四(六)): the township accepts (乡镇受理), the
county bureau decides (县局审核). Maker-checker: the decision is made by a user other than the
one who accepted. Two users deciding at once cannot both succeed (optimistic lock on version).
An approval makes the assistance effective from the decision date."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assistance.models import Application, ApplicationStep, AssistanceClassRule, Evidence
from assistance.services.identities import valid_identities
from core.audit import stamp
from core.display import source_text
from core.errors import ServiceError
from core.evidence import checked_evidence
from core.models import RegionLevel
from core.restrict import path_allowed

OVERDUE_DAYS = 15  # the issue: items older than 15 days are highlighted
Status = Application.Status
Kind = Application.Kind
APPLIED_CLASSES = (3, 4)  # S001 §四(六): classes 3-4 receive assistance only after an approved application
RULE = source_text("S001 §四(六)")  # as users read it: 十堰救助办法 四(六)


@dataclass(frozen=True)
class Standing:
    """What a person holds on a day: the identity codes valid then, each code's medical-
    assistance class (S001 §二), and the most favourable class (RULES.md 1)."""

    identities: tuple[str, ...]
    classes: dict

    @property
    def assistance_class(self) -> int | None:
        found = [c for c in self.classes.values() if c is not None]
        return min(found) if found else None

    @property
    def applied_classes(self) -> list[int]:
        return sorted({c for c in self.classes.values() if c in APPLIED_CLASSES})


def applicant_standing(person, day: date) -> Standing:
    codes = tuple(sorted({r.code for r in valid_identities([person.pk], day).get(person.pk, [])}))
    rules = dict(AssistanceClassRule.objects.filter(identity_code__in=codes).values_list("identity_code", "assistance_class"))
    return Standing(identities=codes, classes={code: rules.get(code) for code in codes})


def application_refusal(standing: Standing, kind: str) -> str:
    """Why an application of the kind cannot be accepted for a person so standing ("" when
    it can): a class 3-4 application needs a class 3-4 identity valid that day."""
    if kind != Kind.CLASS_3_4 or standing.applied_classes:
        return ""
    if standing.assistance_class is not None:
        return (f"申请人为{standing.assistance_class}类医疗救助对象，直接享受医疗救助，无需申请；"
                f"三、四类医疗救助须持有有效的三、四类救助身份（{RULE}）")
    return ("申请人没有有效的三、四类医疗救助对象身份（如城乡低保边缘家庭成员、监测对象、因病致贫重病患者），"
            f"不能受理三、四类医疗救助申请；请先由认定部门认定身份（{RULE}）")


def application_warnings(standing: Standing, kind: str) -> list[str]:
    """What the township should know before accepting: tilted and one-time assistance are paid
    to medical-assistance recipients, so an applicant without such an identity is accepted
    only when staff confirm (the certification may be under way, S001 §四(六))."""
    if kind in (Kind.TILTED, Kind.ONE_TIME) and standing.assistance_class is None:
        return ["申请人目前没有有效的医疗救助对象身份（一至四类），批准后也不能享受该项救助，除非身份认定在审核前完成"]
    return []


@transaction.atomic
def application_accept(*, user, person, kind: str, reason: str, amount_claimed=None, files=()) -> Application:
    """The township receives an application with its evidence, recording the identities and
    class the applicant holds that day. A class 3-4 application without a class 3-4 identity
    is refused (application_refusal)."""
    if not user.has_perm("assistance.add_application"):
        raise ServiceError("denied", "您没有受理救助申请的权限")
    if not path_allowed(user, person.region_path):
        raise ServiceError("region_denied", f"{person.name} 不在您的管辖区划内", "person")
    if kind not in Application.Kind.values:
        raise ServiceError("kind", f"未知的申请类型：{kind}", "kind")
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写申请理由", "reason")
    standing = applicant_standing(person, timezone.localdate())
    refusal = application_refusal(standing, kind)
    if refusal:
        raise ServiceError("no_identity", refusal, "kind")
    checked = checked_evidence(files)
    application = Application(person=person, kind=kind, reason=reason.strip(), amount_claimed=amount_claimed, accepted_by=user,
                              accepted_identities=list(standing.identities), accepted_class=standing.assistance_class)
    stamp(application, user, "乡镇受理")
    application.save()
    ApplicationStep.objects.create(application=application, action="受理", user=user, comment=reason.strip())
    for name, data, content_type in checked:
        digest = hashlib.sha256(data).hexdigest()
        evidence = Evidence(application=application, original_name=name[:255], content_type=content_type, size=len(data),
                            sha256=digest, uploaded_by=user)
        evidence.file.save(name[-60:], ContentFile(data), save=False)
        evidence.save()
    return application


def application_decide(*, user, application: Application, approve: bool, reason: str, today: date | None = None) -> Application:
    """The county bureau's decision. Refused for the user who accepted it (maker-checker), for
    a decided application, for the second of two simultaneous decisions, and (an approval)
    for a class 3-4 application whose applicant no longer holds a class 3-4 identity. An
    approval records the identities and class it grants, effective from the decision date."""
    today = today or timezone.localdate()
    if not user.has_perm("assistance.review_application"):
        raise ServiceError("denied", "您没有审核救助申请的权限")
    if not path_allowed(user, application.region_path):
        raise ServiceError("region_denied", "该申请不在您的管辖区划内")
    if user.region is not None and user.region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise ServiceError("level", "救助申请由县级医保部门审核")
    if application.accepted_by_id == user.pk:
        raise ServiceError("maker_checker", "受理人不能审核自己受理的申请（须由另一名经办人审核）")
    if not approve and not (reason or "").strip():
        raise ServiceError("reason", "不予批准须说明理由", "reason")
    status = Status.APPROVED if approve else Status.REJECTED
    granted = {}
    if approve:
        # What is granted is read on the decision date: an identity may have ended since acceptance.
        standing = applicant_standing(application.person, today)
        if application.kind == Kind.CLASS_3_4 and not standing.applied_classes:
            raise ServiceError("no_identity", f"申请人在决定日没有有效的三、四类医疗救助对象身份，不能批准（{RULE}）", "decision")
        granted = {"granted_identities": list(standing.identities), "granted_class": standing.assistance_class}
    with transaction.atomic():
        # Optimistic lock: only the version we read may be decided, and only once.
        updated = Application.objects.filter(pk=application.pk, version=application.version, status=Status.ACCEPTED).update(
            status=status, decided_by=user, decided_on=today, decision_reason=(reason or "").strip(), version=F("version") + 1, **granted)
        if updated != 1:
            raise ServiceError("conflict", "该申请已被他人处理或已变更，请刷新后查看")
        application.refresh_from_db()
        ApplicationStep.objects.create(application=application, action="批准" if approve else "不予批准", user=user, comment=reason or "")
        stamp(application, user, "县局审核")
        application.save()  # the audit row of the decision (values unchanged)
    return application


def review_queue(user, *, today: date | None = None):
    """Applications awaiting the user's decision, oldest first, with an overdue flag."""
    today = today or timezone.localdate()
    overdue_before = timezone.now() - timedelta(days=OVERDUE_DAYS)
    items = list(Application.objects.restrict(user).filter(status=Status.ACCEPTED).select_related("person", "accepted_by"))
    for item in items:
        item.overdue = item.accepted_at < overdue_before
        item.own = item.accepted_by_id == user.pk
    return items


def approved_on(person_id: int, kind: str, day: date) -> Application | None:
    """The approved application of a kind in force on a day (effective from its decision)."""
    return (Application.objects.filter(person_id=person_id, kind=kind, status=Status.APPROVED, decided_on__lte=day)
            .order_by("-decided_on").first())
