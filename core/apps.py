from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models.signals import post_migrate

        import core.lookups  # noqa: F401 - registers the `__any` lookup
        import core.checks  # noqa: F401 - registers the deployment checks

        from core.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="core.sync_roles")
