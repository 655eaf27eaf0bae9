"""Messages to users (消息): a row in each user's inbox, and an email to those with an address,
sent after the transaction commits (a mail server that fails is logged, never undoes the
message or the work that raised it). The demo's email backend is the console's."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from core.models import Notification

logger = logging.getLogger(__name__)


def notify(users, *, title: str, body: str, url: str = "") -> int:
    """One message per user; how many were written."""
    users = list(users)
    Notification.objects.bulk_create([Notification(user=u, title=title[:200], body=body, url=url[:300]) for u in users])
    addresses = sorted({u.email for u in users if u.email})
    if addresses:
        text = body + (f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url and getattr(settings, "SITE_URL", "") else "")
        messages = [(title, text, None, [address]) for address in addresses]

        def send():
            try:
                send_mass_mail(messages, fail_silently=False)
            except Exception:  # noqa: BLE001 - the inbox holds the message; the failure is logged with its traceback
                logger.exception("消息邮件发送失败：%s（%d 个收件人）", title, len(addresses))

        transaction.on_commit(send)
    return len(users)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
