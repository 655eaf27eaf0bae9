"""Settings for the test suite: the environment's database and services, a fixed secret,
no HTTPS redirect (the test client speaks plain HTTP), fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["default"]["OPTIONS"]["location"] = BASE_DIR / "var" / "test-private"  # noqa: F405

# Tasks run in-process in tests; the Celery integration test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True

# Static files from the app directories, as in development (no collectstatic manifest).
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
