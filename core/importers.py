"""The region list (乡镇、村/社区 with their division codes), imported by officers from the civil
affairs' list: townships and villages below the counties loaded by the presets."""

from core.imports import CHANGED, NEW, UNCHANGED, CellError, Column, Importer, RowOutcome, choice_text, identifier_text, text
from core.models import LEVEL_ORDER, Region, RegionLevel
from core.restrict import region_allowed

LEVEL_LABELS = {"乡镇": RegionLevel.TOWNSHIP, "街道": RegionLevel.TOWNSHIP, "乡镇（街道）": RegionLevel.TOWNSHIP,
                "村": RegionLevel.VILLAGE, "社区": RegionLevel.VILLAGE, "村（社区）": RegionLevel.VILLAGE,
                **{code: code for code in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)}}
CODE_LENGTH = {RegionLevel.TOWNSHIP: 9, RegionLevel.VILLAGE: 12}
LEVEL_CHOICES = ("乡镇", "街道", "村", "社区")


class RegionImporter(Importer):
    kind = "regions"
    title = "区划（乡镇、村/社区）导入"
    permission = "core.add_region"
    duplicate_key = "code"
    columns = [
        Column("code", "区划代码", required=True, example="421202100001", help="乡镇（街道）9位，村（社区）12位", text=True,
               format="9位或12位数字，文本格式"),
        Column("name", "名称", required=True, example="示例村"),
        Column("level", "层级", required=True, example="村", choices=LEVEL_CHOICES),
        Column("parent", "上级区划代码", required=True, example="421202100", help="村（社区）填所属乡镇（街道）的代码，乡镇（街道）填所属县（市、区）的代码",
               text=True, format="6位或9位数字，文本格式"),
    ]
    template_rules = ("上级区划须已登记或在本文件中（乡镇的行先于其下的村导入，顺序不限）；调整隶属关系请联系市局在后台办理。",)

    @classmethod
    def example_rows(cls, user):
        """A township of the user's county and a village under it (codes that fit each other)."""
        county = None
        if user is not None and user.region_id:
            county = user.region if user.region.level == RegionLevel.COUNTY else (
                Region.objects.restrict(user).filter(level=RegionLevel.COUNTY).order_by("code").first())
        prefix = county.code if county is not None and len(county.code) == 6 else "421202"
        township = {"code": f"{prefix}900", "name": "示例镇", "level": "乡镇", "parent": prefix}
        village = {"code": f"{prefix}900001", "name": "示例村", "level": "村", "parent": f"{prefix}900"}
        return [township, village]

    def order(self, rows):
        # Parents before children: townships (shorter codes) first.
        return sorted(rows, key=lambda r: len(text(r.values.get("code"))))

    def check(self, rows):
        codes = {text(r.values.get("code")) for r in rows} | {text(r.values.get("parent")) for r in rows}
        known = {r.code: r for r in Region.objects.filter(code__in=codes)}
        outcomes = []
        for row in rows:
            outcome = RowOutcome(row.number)
            outcomes.append(outcome)
            code, name, parent_code = text(row.values.get("code")), text(row.values.get("name")), text(row.values.get("parent"))
            level = LEVEL_LABELS.get(text(row.values.get("level")))
            if level is None:
                outcome.fail("层级", f"无法识别「{text(row.values.get('level'))}」，应为 {choice_text(LEVEL_CHOICES)}")
                continue
            if not (code.isdigit() and len(code) == CODE_LENGTH[level]):
                outcome.fail("区划代码", f"{dict(RegionLevel.choices)[level]}的区划代码应为{CODE_LENGTH[level]}位数字")
                continue
            if not name:
                outcome.fail("名称", "不能为空")
                continue
            try:
                identifier_text(name, max_length=Region._meta.get_field("name").max_length)
            except CellError as error:
                outcome.fail("名称", str(error))
                continue
            parent = known.get(parent_code) or self.pending.get(parent_code)
            if parent is None:
                outcome.fail("上级区划代码", f"上级区划 {parent_code} 不存在，也不在本文件中")
                continue
            if LEVEL_ORDER.index(parent.level) != LEVEL_ORDER.index(level) - 1 or not code.startswith(parent.code):
                outcome.fail("上级区划代码", f"{parent.name}（{parent.code}）不能作为{name}的上级")
                continue
            if not region_allowed(self.user, parent):
                outcome.fail("上级区划代码", f"{parent.name} 不在您的管辖区划内")
                continue
            current = known.get(code)
            if current is None:
                outcome.status, outcome.summary = NEW, f"新增{dict(RegionLevel.choices)[level]} {code} {name}"
                region = Region(code=code, name=name, level=level, parent=parent, path=parent.path + f"{code}/")
                self.pending[code] = region
                outcome.payload = region
            elif current.parent_id != parent.pk or current.level != level:
                outcome.fail("上级区划代码", f"{code} 已登记在 {current.parent} 下；调整隶属关系请在后台办理")
            elif current.name != name:
                current.name = name
                outcome.status, outcome.summary, outcome.payload = CHANGED, f"{code} 更名为 {name}", current
            else:
                outcome.status, outcome.summary = UNCHANGED, f"{code} {name}"
        return outcomes

    def prepare(self, rows):
        self.pending = {}

    def write(self, outcomes):
        new = [o.payload for o in outcomes if o.status == NEW]
        # Townships first: villages of the same batch point at them once they have keys.
        for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            Region.objects.bulk_create([r for r in new if r.level == level], batch_size=2000)
        changed = [o.payload for o in outcomes if o.status == CHANGED]
        if changed:
            Region.objects.bulk_update(changed, ["name"], batch_size=2000)
