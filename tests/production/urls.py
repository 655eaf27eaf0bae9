"""The real URLs plus one page that fails on purpose, for the logging tests and the production
smoke test only: production ships no crash URL."""

from django.urls import include, path

from config.urls import handler500  # noqa: F401 - the real error page

ID_NUMBER = "42120219800517001X"  # a full ID number that must never reach the log


class DeliberateFailure(RuntimeError):
    pass


def fail(request, id_number):
    raise DeliberateFailure(f"deliberate failure for {id_number}")


urlpatterns = [
    path("test-only/fail/<str:id_number>/", fail),
    path("", include("config.urls")),
]
