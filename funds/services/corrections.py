"""Correcting an entry typed by hand (冲销, RULES.md 7: a correction is a reversing entry): the
city bureau reverses bank interest or a transfer into the special account that was recorded
wrongly; it is then entered again as it should be. Entries the daily jobs, the payment plans,
the sweep, the advances and the penalties post are corrected through their own source (a
settlement's reversal, a plan's rejection, a penalty's cancellation), never here."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from core.errors import ServiceError
from funds.models import JournalEntry, SourceKind
from funds.services import ledger
from funds.services.scope import city_user_region

PERMISSION = "funds.reverse_journalentry"
REVERSIBLE = (SourceKind.INTEREST, SourceKind.RECEIPT)


def reversal_refusal(user, entry: JournalEntry) -> str | None:
    """Why the user may not reverse the entry, or None."""
    if not user.has_perm(PERMISSION):
        return "您没有冲销凭证的权限"
    city = city_user_region(user)
    if city is None or entry.city_id != city.pk:
        return "凭证由统筹区（市）医保局冲销"
    if entry.source_kind not in REVERSIBLE:
        return f"“{entry.get_source_kind_display()}”凭证不能在此冲销，请通过其来源业务更正"
    if JournalEntry.objects.filter(reverses=entry).exists():
        return "该凭证已冲销"
    return None


@transaction.atomic
def reverse_entry(*, user, entry: JournalEntry, reason: str, on: date | None, today: date | None = None) -> JournalEntry:
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    refusal = reversal_refusal(user, entry)
    if refusal:
        raise ServiceError("denied", refusal)
    today = today or timezone.localdate()
    on = on or today
    if on > today:
        raise ServiceError("on", "冲销日期不能晚于今天", "on")
    reason = " ".join(str(reason or "").split())
    if len(reason) > 200:
        raise ServiceError("reason", "冲销原因不能超过200个字", "reason")
    reversal, _created = ledger.reverse(entry=entry, posted_on=on, reason=reason, user=user)
    return reversal
