"""`manage.py create_api_token --user NAME --name PURPOSE`: a bearer token for another system,
printed once (only its hash is kept)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.services.tokens import token_create


class Command(BaseCommand):
    help = "为外部系统创建接口令牌（只显示一次，系统只保存其摘要）"

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="令牌所属用户名（接口以该用户身份调用）")
        parser.add_argument("--name", required=True, help="用途，例如：某医院HIS待遇试算")

    def handle(self, *args, user, name, **options):
        owner = get_user_model().objects.filter(username=user, is_active=True).first()
        if owner is None:
            raise CommandError(f"用户 {user} 不存在或已停用")
        token, raw = token_create(user=owner, name=name)
        self.stdout.write(f"接口令牌（请妥善保存，不会再次显示）：{raw}")
