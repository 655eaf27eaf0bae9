"""The server-error page: what a user reads when a request failed, with the request id that
finds its traceback in the log (core.middleware.RequestIdMiddleware)."""

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name="500.html"):
    # Rendered without context processors, as Django's own handler does: whatever failed in the
    # request (the database, a context processor) must not fail the error page too.
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"request_id": getattr(request, "request_id", "")}))


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@requires_csrf_token
def permission_denied(request, exception=None, template_name="403.html"):
    """无权访问, with the reason when the refusal gave one in Chinese (对账按统筹区（市）进行…);
    Django's own refusals carry none, or English, and show the general sentence."""
    from django.http import HttpResponseForbidden

    reason = str(exception or "")
    template = loader.get_template(template_name)
    return HttpResponseForbidden(template.render({"reason": reason if _chinese(reason) else ""}, request))
