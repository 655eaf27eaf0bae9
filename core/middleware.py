"""Request id for the logs, no caching of pages, and the client address behind the TLS proxy."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from core import logs

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Binds the request's id, path and user to every log line written while it is served, and
    returns the id in `X-Request-ID`, so that a user's report of an error finds its traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.new_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = logs.bind(logs.LogContext(request_id=request.request_id, path=request.path, request=request))
        try:
            response = self.get_response(request)
        finally:
            logs.unbind(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class NoStoreMiddleware:
    """Every page, download and API answer may carry personal data: no browser or proxy keeps a
    copy (`Cache-Control: no-store`). Static files are answered by WhiteNoise before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class FacilityAccountMiddleware:
    """A 定点医疗机构 account (User.facility) calls the interfaces with its token and has no
    password; should it ever hold a session (an account turned into one while logged in), no
    staff page answers it."""

    ALLOWED_PREFIXES = ("/api/", "/logout/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.facility_id and not request.path.startswith(self.ALLOWED_PREFIXES):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("定点医疗机构账号只能通过接口上传申请，不能使用经办系统页面")
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The address failed logins are counted by (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies that each append the address they received from to
    X-Forwarded-For, the client is the entry that many places from the right: entries further
    left were written by the client and may be forged. Without a proxy (count 0) the header is
    ignored and the socket's address counts, so a forged header changes nothing."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote  # not sent through the whole proxy chain
    return forwarded[-count]
