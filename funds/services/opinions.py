"""The warning opinion of a fund-balance warning (预警意见, X000 art. 37): drafted by the bureau,
co-signed by the finance bureau, approved by the government of the same level, each step
recorded in order with its date (not in the future, not before the step before it)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from core.errors import ServiceError
from core.restrict import path_allowed
from core.validation import check_date
from funds.models import FundAlert, WarningOpinion

Status = WarningOpinion.Status
PERMISSION = "funds.record_warningopinion"


def _check_user(user, alert: FundAlert) -> None:
    if not user.has_perm(PERMISSION):
        raise ServiceError("denied", "您没有登记预警意见的权限")
    if not path_allowed(user, alert.region_path):
        raise ServiceError("region_denied", "该预警不在您的管辖区划内")


def _day(value: date | None, *, field: str, label: str, after: date | None, after_label: str) -> date:
    if value is None:
        raise ServiceError(field, f"请填写{label}", field)
    check_date(value, field=field, label=label, not_after_today=True)
    if after is not None and value < after:
        raise ServiceError(field, f"{label}不能早于{after_label} {after:%Y-%m-%d}", field)
    return value


@transaction.atomic
def opinion_draft(*, user, alert: FundAlert, text: str, on: date | None = None) -> WarningOpinion:
    _check_user(user, alert)
    if not (text or "").strip():
        raise ServiceError("text", "请填写预警意见", "text")
    if len(text) > 5000:
        raise ServiceError("text", "预警意见不能超过5000字", "text")
    if WarningOpinion.objects.filter(alert=alert).exists():
        raise ServiceError("exists", "该预警已有预警意见")
    on = _day(on or timezone.localdate(), field="drafted_on", label="起草日期", after=alert.as_of, after_label="预警截至日期")
    return WarningOpinion.objects.create(alert=alert, text=text.strip(), drafted_by=user, drafted_on=on, recorded_by=user,
                                         region_path=alert.region_path)


def _locked(opinion: WarningOpinion, user) -> WarningOpinion:
    opinion = WarningOpinion.objects.select_for_update().select_related("alert").get(pk=opinion.pk)
    _check_user(user, opinion.alert)
    return opinion


@transaction.atomic
def opinion_cosign(*, user, opinion: WarningOpinion, signer: str, on: date | None) -> WarningOpinion:
    opinion = _locked(opinion, user)
    if opinion.status != Status.DRAFTED:
        raise ServiceError("state", f"预警意见为“{opinion.get_status_display()}”，不能再登记会签")
    if not (signer or "").strip():
        raise ServiceError("cosigned_by", "请填写财政会签人（部门和姓名）", "cosigned_by")
    opinion.cosigned_on = _day(on, field="cosigned_on", label="会签日期", after=opinion.drafted_on, after_label="起草日期")
    opinion.cosigned_by, opinion.status, opinion.recorded_by = signer.strip()[:100], Status.COSIGNED, user
    opinion.save()
    return opinion


@transaction.atomic
def opinion_approve(*, user, opinion: WarningOpinion, document: str, on: date | None) -> WarningOpinion:
    opinion = _locked(opinion, user)
    if opinion.status != Status.COSIGNED:
        raise ServiceError("state", "须先登记财政会签，再登记政府批准" if opinion.status == Status.DRAFTED else "预警意见已批准")
    if not (document or "").strip():
        raise ServiceError("approved_document", "请填写政府批准文号", "approved_document")
    opinion.approved_on = _day(on, field="approved_on", label="批准日期", after=opinion.cosigned_on, after_label="会签日期")
    opinion.approved_document, opinion.status, opinion.recorded_by = document.strip()[:100], Status.APPROVED, user
    opinion.save()
    return opinion
