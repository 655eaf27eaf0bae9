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
