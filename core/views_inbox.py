"""消息: the user's own messages, newest first; opening one's link marks it read; all can be
marked read. Nobody reads another's messages (every query is by request.user)."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.models import Notification
from core.validation import page_param, refuses_bad_query

PAGE_SIZE = 50


@refuses_bad_query
def inbox(request):
    page = Paginator(Notification.objects.filter(user=request.user), PAGE_SIZE).get_page(page_param(request))
    return render(request, "inbox.html", {"page": page, "trail": [("消息", "")]})


def inbox_open(request, pk):
    """Mark one message read and follow its link (a path of this site only); a GET (a link
    typed or bookmarked) shows the inbox, changing nothing."""
    message = Notification.objects.filter(user=request.user, pk=pk).first()
    if message is None or request.method != "POST":
        return redirect("inbox")
    if message.read_at is None:
        Notification.objects.filter(pk=message.pk).update(read_at=timezone.now())
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}) and message.url.startswith("/"):
        return redirect(message.url)
    return redirect("inbox")


@require_POST
def inbox_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("inbox")
