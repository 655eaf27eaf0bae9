"""`manage.py post_ledger [--until YYYY-MM-DD]`: post the days not yet in the fund ledger, up to
yesterday or the given day, and the year-end sweep of a 28 December by then (the daily beat job's
work, funds.tasks)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funds.services.jobs import post_days_until, sweep_until


JOB_LABELS = {"post_settlements": "结算待遇", "post_contributions": "个人缴费", "post_subsidies": "资助参保", "post_fiscal_subsidies": "财政补助", "fund_alerts": "基金运行预警"}


class Command(BaseCommand):
    help = "把尚未记账的结算日记入基金账（默认到昨天）"

    def add_arguments(self, parser):
        parser.add_argument("--until", help="记账截至日期 YYYY-MM-DD（不能是今天或以后：当天结束后才记账）")

    def handle(self, *args, until=None, **options):
        day = None
        if until:
            try:
                day = date.fromisoformat(until)
            except ValueError:
                raise CommandError("--until 应为 YYYY-MM-DD 格式的日期") from None
            if day.year < 2000:
                raise CommandError("--until 不在合理范围内（应在 2000 年以后）")
            if day >= timezone.localdate():
                raise CommandError("只能记账到昨天：当天的结算在当天结束后记账")
        done = post_days_until(day)
        for job, days in done.items():
            name, city = job.split(":")
            self.stdout.write(f"{city} {JOB_LABELS.get(name, name)}：完成 {days} 天")
        for job, years in sweep_until(day).items():
            self.stdout.write(f"{job.split(':')[1]} 年末归集：完成 {years} 个年度")
