"""`manage.py create_demo_users`: a demo city officer, demo clerks of two counties, a county
reviewer and the city's fund roles (finance, cashier), with the credentials printed. Only for the demo: refuses to run with DEBUG off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.services.users import user_upsert
from enrollment.models import Payment


DEMO_USERS = [
    ("officer", "demo-officer-2026", "市局", "421200", True, "演示市局管理员"),
    # 咸宁 and 十堰 share one resident scheme (X000), so its yearly standards are changed at the
    # province level (core.restrict.may_change): the demo has a province officer for that.
    ("province", "demo-province-2026", "市局", "420000", True, "演示省局管理员"),
    ("clerk", "demo-clerk-2026", "经办员", "421202", False, "演示咸安区经办员"),
    # A clerk of a second county, so a first look can show that counties are kept apart.
    ("clerk_jiayu", "demo-clerk-jiayu-2026", "经办员", "421221", False, "演示嘉鱼县经办员"),
    # 月度拨付计划 (RULES.md 7): each step by a different user — the county bureau compiles and
    # submits, officer reviews, the finance bureau re-checks and pays, the fund cashier pays on.
    ("reviewer", "demo-reviewer-2026", "审核员", "421202", False, "演示咸安区审核员"),
    ("finance", "demo-finance-2026", "市财政局", "421200", False, "演示市财政局复核员"),
    ("treasurer", "demo-treasurer-2026", "市财政局", "421200", False, "演示市财政局拨付员"),
    ("cashier", "demo-cashier-2026", "基金财务", "421200", False, "演示市医保局基金财务"),
]


class Command(BaseCommand):
    help = "创建演示用户（市局管理员、咸安区和嘉鱼县经办员）并打印账号密码，仅限演示环境"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示用户只能在 DEBUG=1 的演示环境中创建")
        self.stdout.write("演示账号（仅限本机演示）：")
        for username, password, group, region_code, staff, full_name in DEMO_USERS:
            user = user_upsert(username=username, password=password, group=group, region_code=region_code, is_staff=staff,
                               full_name=full_name)
            if group == "经办员":
                # The demo's counter payments were generated before the users: they become this
                # county clerk's, so the clerk's 日结单 shows a working day.
                Payment.objects.filter(county__code=region_code, recorded_by=None).update(recorded_by=user)
            self.stdout.write(f"  {full_name}: 用户名 {username}  密码 {password}")
        self.stdout.write("打开 http://127.0.0.1:8000 登录")
