"""System checks for a deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs):
    """With hashed static names every page looks its files up in the manifest that
    `collectstatic` writes; without it every page, the login page included, is a server error."""
    if not hasattr(staticfiles_storage, "manifest_name"):  # plain names (DEBUG, tests)
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [checks.Error(
        f"The static files manifest is missing from STATIC_ROOT ({settings.STATIC_ROOT}): every page would fail.",
        hint="Run `manage.py collectstatic --noinput` with the same STATIC_ROOT before starting the server.",
        id="core.E001",
    )]
