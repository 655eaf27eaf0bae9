"""Settings for the test suite: the environment's database and services, a fixed secret,
no HTTPS redirect (the test client speaks plain HTTP), fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

# Under `pytest -n N` (pytest-xdist) each worker has its own test database (pytest-django adds
# the worker's name to it), and here its own Redis databases for the cache and the broker (a
# test clears the cache) and its own private storage. The environment is changed, not only the
# settings, so that the worker's child processes (tests.workers) use the same ones.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...
if _WORKER:
    from urllib.parse import urlsplit, urlunsplit

    def _worker_redis(url: str, worker: int) -> str:
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        return urlunsplit(parts._replace(path=f"/{base + 2 * worker}"))

    for _key in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ.get(_key) and not os.environ.get(f"{_key}_WORKER_SET"):
            os.environ[_key] = _worker_redis(os.environ[_key], int(_WORKER[2:]))
            os.environ[f"{_key}_WORKER_SET"] = "1"  # a child process inherits the worker's URL as it is

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["default"]["OPTIONS"]["location"] = BASE_DIR / "var" / f"test-private{'-' + _WORKER if _WORKER else ''}"  # noqa: F405

# Tasks run in-process in tests; the Celery integration test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True

# Static files from the app directories, as in development (no collectstatic manifest).
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
