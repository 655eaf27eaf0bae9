"""`manage.py generate_fund_demo`: this year's approved budget of 咸宁市's resident basic fund
(each county's contributions, subsidies and expenditure so far, carried to the whole year and
rounded up to ten thousand yuan), and last month's payment plan of 咸安区, compiled and submitted
by the demo county reviewer and reviewed by the demo officer, so a first look finds a budget
being executed and a plan awaiting the finance bureau's re-check (log in as finance /
demo-finance-2026). Through the same services as the pages; what is already there is left
alone. Only for the demo: refuses to run with DEBUG off."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import ServiceError
from core.models import Region, User
from funds.models import PaymentPlan
from funds.services import plans


class Command(BaseCommand):
    help = "生成演示用的基金预算（本年，已批准）、定点机构违约金和月度拨付计划（咸安区上月，已提交并经市医保局审核，待市财政局复核）"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示拨付计划只能在 DEBUG=1 的演示环境中生成")
        last = timezone.localdate().replace(day=1) - timedelta(days=1)
        county = Region.objects.get(code="421202")
        users = {u.username: u for u in User.objects.filter(username__in=["reviewer", "officer"])}
        if len(users) < 2:
            raise CommandError("请先运行 create_demo_users")
        self._budget(users["officer"])
        self._penalties(users["officer"])
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

    def _penalties(self, officer):
        """Two facilities owing money: one decided this year (owed by its end), one from last year
        and overdue, so the page and its 逾期 have something to show."""
        from datetime import date

        from benefits.models import Facility
        from funds.models import FacilityPenalty
        from funds.services import penalties

        if FacilityPenalty.objects.exists():
            return
        today = timezone.localdate()
        facilities = list(Facility.objects.filter(designated=True, region_path__startswith=officer.region.path).order_by("code")[:2])
        cases = [(date(today.year - 1, 11, 20), "breach", "3,600.00", "演示：超标准收费，按协议扣收违约金"),
                 (today - timedelta(days=20), "recovery", "12,480.50", "演示：串换药品，追回违规医疗费用")]
        for facility, (on, kind, amount, reason) in zip(facilities, cases):
            try:
                penalties.penalty_decide(user=officer, facility_code=facility.code, fund="resident_basic", kind=kind, amount=amount,
                                         document=f"演示处理决定〔{on.year}〕{on.month}号", decided_on=on, reason=reason)
            except ServiceError as error:
                raise CommandError(f"未能生成演示违约金：{error.message}") from None
        self.stdout.write(f"已生成{len(facilities)}笔定点机构违约金和违规费用（待缴纳）")

    def _budget(self, officer):
        from datetime import date
        from decimal import ROUND_CEILING

        from django.db.models import Sum

        from funds.models import BUDGET_ITEMS, INCOME_KINDS, Budget, Fund, JournalLine
        from funds.services import budget as budgets

        city, today = Region.objects.get(code="421200"), timezone.localdate()
        if Budget.objects.filter(city=city, fund=Fund.RESIDENT_BASIC, year=today.year).exists():
            self.stdout.write(f"{city.name}{today.year}年基金预算已存在")
            return
        days = max((today - date(today.year, 1, 1)).days, 1)  # posted to yesterday
        lines = JournalLine.objects.filter(entry__city=city, fund=Fund.RESIDENT_BASIC, posted_on__year=today.year,
                                           account__kind__in=BUDGET_ITEMS)
        amounts = {}
        for row in lines.values("county", "account__kind").annotate(total=Sum("amount")).order_by():
            whole_year = (-1 if row["account__kind"] in INCOME_KINDS else 1) * row["total"] * 365 / days
            if whole_year > 0:
                amounts[(row["county"], row["account__kind"])] = str((whole_year / 10000).to_integral_value(ROUND_CEILING) * 10000)
        if not amounts:
            self.stdout.write("基金账尚无本年收支，未生成演示预算")
            return
        budget = budgets.budget_create(user=officer, fund=Fund.RESIDENT_BASIC, year=today.year, reason="演示数据：按本年已记账收支推算全年",
                                       compiled_on=date(today.year - 1, 11, 1))
        budgets.budget_set_lines(user=officer, budget=budget, amounts=amounts)
        budgets.budget_review(user=officer, budget=budget, document="演示政府审核文号", on=date(today.year - 1, 12, 20))
        budgets.budget_approve(user=officer, budget=budget, document="演示人大批准文号", on=date(today.year, 1, 15))
        self.stdout.write(f"已生成{budget}（已批准）")
