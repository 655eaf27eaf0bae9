"""Fixtures for the real-browser tests: Debian's chromium driven by Playwright against
pytest-django's live server.

Without chromium the tests are skipped, except in CI (REQUIRE_SERVICES=1), where a missing
browser must fail the run rather than quietly drop the only end-to-end check.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The machine's network is closed: nothing in the browser may try to reach the internet.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Long enough for a slow CI machine, short enough that a missing element fails in seconds
# instead of Playwright's default 30 s per step.
STEP_TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path("/tmp")


def _unavailable(reason: str):
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    wanted = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    path = shutil.which(wanted)  # an executable file, by path or by name on PATH
    if path is None:
        _unavailable(f"chromium not found at {wanted} (set CHROMIUM_PATH or install Debian's chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """One chromium per test module. Module scope, not session: while Playwright's sync API
    is up, its event loop is registered as running on this thread, which later tests using
    asyncio or async_to_sync must not inherit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Playwright's sync API runs its asyncio loop on the test thread (in a greenlet), and
    # asyncio records the running loop per thread, so Django's async-safety check takes
    # every ORM call of the test (fixtures, the flush after a transactional test) for a
    # call from a coroutine and raises SynchronousOnlyOperation. No Django code runs in that
    # loop, and the live server answers in its own thread, so the check is only switched
    # off while the browser is up and restored afterwards.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) per test, addressed relative to the live server.
    A failed test leaves a full-page screenshot in /tmp."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id=settings.TIME_ZONE)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=SCREENSHOT_DIR / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def failed_responses(page) -> list[str]:
    """Every response of 400 or more the page receives (a missing stylesheet or script, a
    server error), as "status url"."""
    failed = []

    def record(response):
        # The site has no favicon; chromium asks for one by itself, not the page.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            failed.append(f"{response.status} {response.url}")

    page.on("response", record)
    return failed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
