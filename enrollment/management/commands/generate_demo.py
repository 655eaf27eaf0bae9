"""`manage.py generate_demo --households N`: a demo county (see enrollment.services.demo)."""

import resource
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from core.models import Region
from enrollment.models import Person
from enrollment.services.demo import generate_demo


class Command(BaseCommand):
    help = "生成演示数据：一个县的乡镇、村、学校、家庭户、人员及两个年度的参保登记"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=300)
        parser.add_argument("--county", default="421202", help="县（市、区）区划代码，默认咸安区")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="已有人员数据时不再生成")

    def handle(self, *args, households, county, seed, if_empty, **options):
        region = Region.objects.filter(code=county).first()
        if region is None:
            raise CommandError(f"区划 {county} 不存在，请先运行 load_policies")
        # Per county, so that `make demo` can fill a second county and show the isolation.
        if if_empty and Person.objects.filter(region_path__startswith=region.path).exists():
            self.stdout.write(f"{region.name}已有人员数据，跳过演示数据生成")
            return
        started = time.monotonic()
        result = generate_demo(
            county=region, households=households, seed=seed,
            progress=lambda done, total: self.stdout.write(f"  已生成 {done}/{total} 户"),
        )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{region.name}演示数据：{result.townships} 个乡镇，{result.villages} 个村/社区，{result.schools} 所学校，"
            f"{result.households} 户 {result.people} 人，{result.enrollments} 条参保登记，{result.payments} 笔缴费记录，{result.employee_records} 条职工医保记录；"
            f"用时 {seconds:.1f} 秒（{result.people / max(seconds, 0.001):.0f} 人/秒），"
            f"本进程内存峰值 {_peak_rss_mb():.0f} MB"
        )


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux
