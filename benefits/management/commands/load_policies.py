"""`manage.py load_policies`: the presets of RULES.md (regions, resident schemes, standards,
collection windows, subsidies). Creates what is missing; never overwrites officers' edits."""

from django.core.management.base import BaseCommand

from assistance.presets import load_assistance_presets
from benefits.services.policy import load_settlement_presets
from enrollment.services.policy import load_resident_presets


class Command(BaseCommand):
    help = "加载政策预置参数（区划、居民医保方案、缴费标准、缴费期、资助标准），已存在的不覆盖"

    def handle(self, *args, **options):
        created = load_resident_presets()
        created["assistance_classes"] = load_assistance_presets()
        created["settlement_parameters"] = load_settlement_presets()
        summary = "，".join(f"{key} {value}" for key, value in created.items())
        self.stdout.write(f"政策预置已加载（新建：{summary}）")
