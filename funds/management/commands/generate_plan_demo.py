"""`manage.py generate_plan_demo`: last month's payment plan of 咸安区, compiled and submitted by the
demo county reviewer and reviewed by the demo officer, so a first look finds a plan awaiting the
finance bureau's re-check (log in as finance / demo-finance-2026). Through the same services as
the pages; a plan already there is left alone. Only for the demo: refuses to run with DEBUG off."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import ServiceError
from core.models import Region, User
from funds.models import PaymentPlan
from funds.services import plans


class Command(BaseCommand):
    help = "生成演示用的月度拨付计划（咸安区上月，已提交并经市医保局审核，待市财政局复核）"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示拨付计划只能在 DEBUG=1 的演示环境中生成")
        last = timezone.localdate().replace(day=1) - timedelta(days=1)
        county = Region.objects.get(code="421202")
        users = {u.username: u for u in User.objects.filter(username__in=["reviewer", "officer"])}
        if len(users) < 2:
            raise CommandError("请先运行 create_demo_users")
        if PaymentPlan.objects.filter(county=county, year=last.year, month=last.month).exists():
            self.stdout.write(f"{county.name}{last.year}年{last.month}月拨付计划已存在")
            return
        try:
            plan = plans.plan_create(user=users["reviewer"], county=county, year=last.year, month=last.month, note="演示数据")
            plans.plan_advance(user=users["reviewer"], plan=plan)
            plans.plan_advance(user=users["officer"], plan=plan, reason="演示：已核对结算清单")
        except ServiceError as error:
            raise CommandError(f"未能生成演示拨付计划：{error.message}") from None
        self.stdout.write(f"已生成{plan}（待市财政局复核）")
