"""The deadline of a manual claim (手工报销 / 零星报销): care the facility could not settle
directly is paid by the county office on the paper bill (S001 市级统筹 §三(三)2), if the bill
reaches it in time. Pure: dates and the region's parameter in, a date and a reason out.

- 吉林 J003 §二(三)12: "当年度发生的医疗费用原则上应于次年 3 月底前申请报销结算" — the claim is
  in time when received by the last day of month N (parameter `manual_claim_deadline_month`,
  3 in 吉林) of the year after the care year.
- The care year is the discharge date's year for an admission (a stay from December 28 to
  January 3 belongs to the year it ended), else the visit date's.
"""

import calendar
from dataclasses import dataclass
from datetime import date

# Visits that are admissions: their care ends on the discharge date.
ADMISSION_KINDS = frozenset({"inpatient", "maternity"})


class ClaimRuleError(ValueError):
    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class ClaimDeadline:
    care_year: int
    deadline: date

    def in_time(self, received_on: date) -> bool:
        return received_on <= self.deadline


def care_year(*, kind: str, visit_date: date, discharge_date: date | None) -> int:
    """The year the care belongs to: the discharge date's for an admission, else the visit date's."""
    if kind in ADMISSION_KINDS and discharge_date is not None:
        return discharge_date.year
    return visit_date.year


def deadline_for(year: int, deadline_month: int) -> date:
    """The last day of month `deadline_month` of the year after `year` (J003 §二(三)12)."""
    if not 1 <= deadline_month <= 12:
        raise ClaimRuleError("deadline_month", f"手工报销截止月份 {deadline_month} 不是 1 至 12 月，请联系市局核对政策参数")
    claim_year = year + 1
    return date(claim_year, deadline_month, calendar.monthrange(claim_year, deadline_month)[1])


def claim_deadline(*, kind: str, visit_date: date, discharge_date: date | None, deadline_month: int) -> ClaimDeadline:
    year = care_year(kind=kind, visit_date=visit_date, discharge_date=discharge_date)
    return ClaimDeadline(year, deadline_for(year, deadline_month))


def claim_date_problem(*, received_on: date, kind: str, visit_date: date, discharge_date: date | None,
                       deadline_month: int) -> tuple[str, str] | None:
    """(code, Chinese reason) when a claim received on `received_on` cannot be paid, else None:
    received before the care ended (a bill is handed in after it), or after the deadline."""
    ended = discharge_date if kind in ADMISSION_KINDS and discharge_date is not None else visit_date
    if received_on < ended:
        label = "出院日期" if ended is discharge_date else "就诊日期"
        return "received_before_care", f"受理日期（{received_on.isoformat()}）早于{label}（{ended.isoformat()}）"
    limit = claim_deadline(kind=kind, visit_date=visit_date, discharge_date=discharge_date, deadline_month=deadline_month)
    if not limit.in_time(received_on):
        return "claim_late", (f"{limit.care_year}年发生的医疗费用应于{limit.deadline.year}年{limit.deadline.month}月"
                              f"{limit.deadline.day}日前申请报销，{received_on.isoformat()}受理已逾期，不予办理")
    return None
