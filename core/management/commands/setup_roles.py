from django.core.management.base import BaseCommand

from core.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = "创建或更新角色（用户组）及其权限"

    def handle(self, *args, **options):
        sync_roles()
        self.stdout.write(f"角色已同步：{'、'.join(ROLE_PERMISSIONS)}")
