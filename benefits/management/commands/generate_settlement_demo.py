"""`manage.py generate_settlement_demo`: demo facilities and this year's settlements of a demo
county (benefits.services.demo), after `generate_demo`; then the county's remote-care filings,
settlements outside the city and manual claims (benefits.demo_remote), by its demo clerk; and
门诊慢特病 applications, decisions and chronic visits (benefits.demo_chronic)."""

from django.core.management.base import BaseCommand, CommandError

from benefits.demo_chronic import generate_chronic_demo
from benefits.demo_remote import demo_clerk, generate_remote_demo
from benefits.models import Settlement
from benefits.services.demo import generate_settlement_demo
from core.models import Region


class Command(BaseCommand):
    help = "生成演示结算数据：定点医药机构，以及本年度部分参保人员的就医结算（由结算引擎计算）"

    def add_arguments(self, parser):
        parser.add_argument("--county", default="421202", help="县（市、区）区划代码，默认咸安区")
        parser.add_argument("--share", type=float, default=0.3, help="有就医记录的参保人员比例")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="已有结算数据时不再生成")

    def handle(self, *args, county, share, seed, if_empty, **options):
        region = Region.objects.filter(code=county).first()
        if region is None:
            raise CommandError(f"区划 {county} 不存在，请先运行 load_policies")
        # Per county, so that `make demo` can fill a second county and show the isolation.
        if if_empty and Settlement.objects.filter(region_path__startswith=region.path).exists():
            self.stdout.write(f"{region.name}已有结算数据，跳过演示结算生成")
            return
        if not 0 < share <= 1:
            raise CommandError("--share 应在 0 到 1 之间")
        result = generate_settlement_demo(county=region, share=share, seed=seed)
        self.stdout.write(f"{region.name}演示结算：{result.facilities} 家定点机构，{result.people} 人 {result.settlements} 条结算单")
        clerk = demo_clerk(region)
        if clerk is None:
            self.stdout.write(f"{region.name}没有演示经办员，跳过异地就医备案和手工报销演示数据")
            return
        remote = generate_remote_demo(county=region, user=clerk, seed=seed)
        if remote.skipped:
            self.stdout.write(f"{region.name}：{remote.skipped}")
        else:
            self.stdout.write(f"{region.name}异地就医演示：{remote.filings} 条备案，{remote.settlements} 条市外结算单，"
                              f"{remote.claims} 笔手工报销（经办员 {clerk.username}）")
        chronic = generate_chronic_demo(county=region, clerk=clerk, seed=seed)
        if chronic.skipped:
            self.stdout.write(f"{region.name}：{chronic.skipped}")
            return
        self.stdout.write(f"{region.name}门诊慢特病演示：{chronic.approved} 人已认定（{chronic.settlements} 条慢特病结算单），"
                          f"{chronic.waiting} 人待审核，{chronic.rejected} 人未通过")
