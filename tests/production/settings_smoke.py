"""Production settings (DEBUG off, hashed static files, HTTPS behind a proxy) plus the failing
test page of tests/production/urls.py; used by the gunicorn smoke test only."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "tests.production.urls"
