"""Early warnings (双预警, RULES.md 6; S001 §四(五), N004 §三) and illness-poverty candidates
(因病致贫重病患者, RULES.md 1; S001 §二): who is warned, at what threshold, and whether a later
month sends a person again. Plain values in, plain values out; the scan (issue 13) reads each
person's identities and year totals and calls these.

- 因病返贫 (poverty return): a holder of low_income_edge, monitored_* or stable_out_of_poverty
  whose self-borne cost this year exceeds 50% of R, the previous year's per-capita disposable
  income of rural residents.
- 因病致贫 (poverty causing): an insured person with no hardship identity whose self-borne cost
  this year exceeds 100% of R.
- A person holding any other identity (already helped) is neither.
- Exactly at a threshold is not a warning; one cent more is."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# RULES.md 6: the identities whose holders may slide back (因病返贫)
RETURN_CODES = frozenset({"low_income_edge", "monitored_unstable", "monitored_edge", "monitored_sudden", "stable_out_of_poverty"})
# RULES.md 1 (S001 §二): classes 1-3 already receive medical assistance; they are not illness-poverty candidates
CLASS_1_TO_3 = frozenset({"extreme_poverty", "orphan", "subsistence_allowance", "returned_to_poverty", "low_income_edge",
                          "monitored_unstable", "monitored_edge", "monitored_sudden"})

POVERTY_RETURN = "poverty_return"  # 因病返贫
POVERTY_CAUSING = "poverty_causing"  # 因病致贫


@dataclass(frozen=True)
class Warning:
    rule: str
    threshold: Decimal  # the amount the self-borne cost exceeds, in yuan (to the cent)
    self_borne: Decimal


def threshold(reference: Decimal, rate: Decimal) -> Decimal:
    """The rate of the reference income, to the cent (half up)."""
    return (reference * rate).quantize(CENT, ROUND_HALF_UP)


def warning_for(*, identities: frozenset[str] | set[str], self_borne: Decimal, reference: Decimal, return_rate: Decimal,
                causing_rate: Decimal) -> Warning | None:
    """The warning a person's self-borne cost this year raises, or None. `identities`: the
    hardship codes the person holds in force; `reference`: R of the person's region and year."""
    if identities & RETURN_CODES:
        line = threshold(reference, return_rate)
        return Warning(POVERTY_RETURN, line, self_borne) if self_borne > line else None
    if not identities:
        line = threshold(reference, causing_rate)
        return Warning(POVERTY_CAUSING, line, self_borne) if self_borne > line else None
    return None


NEW = "new"  # first warned this year under this rule
CHANGED = "changed"  # warned before; the amount has changed since the last list


def resend(*, last_sent: Decimal | None, self_borne: Decimal) -> str | None:
    """Whether a month's list sends a warned person again (RULES.md 6: once per threshold and
    year; a later month re-sends only new people and changed amounts)."""
    if last_sent is None:
        return NEW
    if self_borne != last_sent:
        return CHANGED
    return None


def illness_poverty_candidate(*, identities: frozenset[str] | set[str], self_borne_12_months: Decimal, reference: Decimal,
                              rate: Decimal) -> bool:
    """因病致贫重病患者 candidate (RULES.md 1, S001 §二): not already class 1-3, and a self-borne
    cost over the 12 months before the date above `rate` (100%) of R2, the previous year's
    per-capita disposable income of residents. Assets are checked by 民政."""
    if identities & CLASS_1_TO_3:
        return False
    return self_borne_12_months > threshold(reference, rate)
