"""Facilities' monthly settlement exports (Excel or CSV), settled by the engine through the
batch path: preview shows each bill's split, commit writes them with COPY. A facility's bill
number is settled once, so the same file again changes nothing."""

import json
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Max

from assistance.models import Application, HardshipIdentity
from benefits.models import ChronicApproval, ChronicDisease, Facility, PolicyParameter, RemoteCareFiling, Settlement, TwoDiseasesRegistration
from benefits.places import province_name
from benefits.rules.claims import ADMISSION_KINDS
from benefits.rules.location import LocationError
from benefits.rules.settlement import COST_LINES, SettlementError
from benefits.services.facilities import agreement_problem, facility_place, facility_save, settled_outside_problem
from benefits.services.settlements import (AMOUNT_MAX, OUTSIDE, YEAR_FIELDS, SettlementBatch, VisitInput, settled_plan,
                                           settlements_write, settlements_write_planned, visit_dates_problem)
from benefits.services.settlements import agreement_problem as visit_agreement_problem
from core.display import yuan
from core.errors import ServiceError
from core.idnumber import IdNumberError, mask_id_number, parse_id_number
from core.imports import (CHANGED, NEW, UNCHANGED, CellError, Column, Importer, RowOutcome, date_cell, example_id_number, id_text,
                          identifier_text, text)
from core.money import ZERO, AmountError, parse_amount
from core.models import Region
from core.restrict import path_allowed
from enrollment.models import Enrollment, Person

KINDS = {"住院": "inpatient", "普通门诊": "outpatient", "门诊": "outpatient", "两病用药": "two_diseases_drug", "门诊慢特病": "chronic",
         "慢特病": "chronic", "一般诊疗费": "general_fee", "住院分娩": "maternity", "生育": "maternity",
         **{k: k for k in ("inpatient", "outpatient", "two_diseases_drug", "chronic", "general_fee", "maternity")}}
# 就医地: in the city the code follows the facility (level, 市级); outside, the filings on record
# (benefits.rules.location). The older values stay accepted: 市外已备案 asks the records for a
# filing, 市外转诊 for a referral filing, 市外急诊非定点 says the emergency.
LOCATIONS = {"市内": ("local", ""), "本地": ("local", ""), "县级参保市级就医": ("local", ""), "市外": (OUTSIDE, ""),
             "市外已备案": ("remote_filed", ""), "市外转诊": (OUTSIDE, "referral"), "市外未备案": (OUTSIDE, ""),
             "市外急诊非定点": ("remote_emergency_nondesignated", ""),
             **{k: (k, "") for k in ("local", "county_at_city", "remote_filed", "remote_unfiled", "remote_emergency_nondesignated",
                                     "remote_long_term")}}
IN_CITY = ("local", "county_at_city")
REMOTE_WORDS = tuple(code for code, _claim in LOCATIONS.values() if code not in IN_CITY)
KIND_CHOICES = ("住院", "普通门诊", "两病用药", "门诊慢特病", "一般诊疗费", "住院分娩")
LOCATION_CHOICES = ("市内", "市外")
FILINGS = {"转诊备案": "referral", "临时外出就医备案": "temporary", "异地长期居住备案": "long_term", "未备案": ""}
REFERRALS = {"按规定转诊": "referred", "转诊病种目录外": "referred_outside_list", "未按规定转诊": "unreferred"}
PERSON_FIELDS = ("id", "id_number", "name", "region_path", "village_id")
YES = ("是", "Y", "y", "1", "true")
NO = ("否", "N", "n", "0", "false")
TIER_CHOICES = ("村卫生室", "社区卫生服务站", "诊所", "乡镇卫生院", "社区卫生服务中心", "医院")
YES_NO = ("是", "否")
AMOUNT_FORMAT = "金额（元），最多两位小数"
COST_HEADERS = {"class_a": "甲类费用", "class_b_drug": "乙类药品", "blood": "血液制品", "class_b_treatment": "乙类诊疗项目",
                "material_general": "综合医疗服务类材料", "material_other_domestic": "其他类材料（国产）",
                "material_other_imported": "其他类材料（进口）", "out_of_catalogue": "目录外费用"}


class RowProblem(Exception):
    def __init__(self, header, message):
        super().__init__(message)
        self.header, self.message = header, message


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _identifier(row, key: str, header: str, max_length: int | None = None) -> str:
    """A naming cell (number, code, name) as text, or the row's error in that column."""
    try:
        return identifier_text(row.values.get(key), max_length=max_length)
    except CellError as error:
        raise RowProblem(header, str(error)) from None


# The columns a kept plan's rows hold (benefits.services.settlements.ROW_COLUMNS): 2 since the
# rows name a parameter set. A plan of another format is not written; its rows are settled again.
PLAN_FORMAT = 2


class SettlementImporter(Importer):
    kind = "settlements"
    title = "定点机构结算数据导入"
    permission = "benefits.import_settlement"
    accepts_csv = True
    duplicate_key = ("facility", "bill_number")
    commits_in_chunks = True  # bills are independent; a settled bill number comes back unchanged
    columns = [
        Column("bill_number", "结算单号", required=True, example="ZY2026000001", text=True, help="机构的结算单号；同一机构的单号只结算一次"),
        Column("facility", "机构编码", required=True, example="H001", text=True, help="本辖区定点医药机构的编码"),
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219800101123"), text=True),
        Column("name", "姓名", example="示例张三", help="填写时须与登记信息一致"),
        Column("kind", "就医类型", required=True, example="住院", choices=KIND_CHOICES),
        Column("visit_date", "入院（就诊）日期", required=True, example="2026-03-15", aliases=("就诊日期", "入院日期"), date=True,
               help="不能晚于今天，须在机构协议期内"),
        Column("discharge_date", "出院日期", example="2026-03-20", help="住院必填；不早于入院日期", date=True),
        Column("location", "就医地", example="市内", choices=LOCATION_CHOICES,
               help="留空为市内（市外机构为市外）；市内就医按机构级别和是否市级医院确定；市外就医按参保人在入院日有效的异地就医备案结算"),
        Column("place_province", "就医省份", help="市外就医填写，如 湖北省；市外机构留空按机构所在省份"),
        Column("place_city", "就医城市", help="市外就医选填，如 武汉市；市外机构留空按机构所在城市"),
        Column("claimed_filing", "备案类型", choices=tuple(FILINGS),
               help="市外就医时结算单注明的备案；注明了备案而参保人在入院日没有该备案的，该行报错"),
        Column("emergency_nondesignated", "急诊非定点", choices=YES_NO, help="市外急诊、抢救在非定点医院就医填“是”，留空为否"),
        Column("referral", "转诊情况", choices=tuple(REFERRALS), help="吉林填写；留空为按规定转诊"),
        Column("referred_from_deductible", "转出医院已付起付线", format=AMOUNT_FORMAT,
               help="吉林转诊住院填写转出医院已付的起付线，留空为 0"),
        Column("downward_referral", "下转接续治疗", choices=YES_NO, help="吉林：上级医院下转后接续治疗的住院填“是”，留空为否"),
        Column("disease", "病种", help="门诊慢特病病种代码"),
        *[Column(key, header, example="0", format=AMOUNT_FORMAT) for key, header in COST_HEADERS.items()],
    ]
    template_rules = ("每张结算单一行；同一机构的结算单号只结算一次，同一文件再次导入显示“无变化”。",
                      "费用为金额（元），不能为负数，最多两位小数；没有的费用填 0 或留空。",
                      "市外就医的就医地、起付线和报销比例按参保人在入院日有效的异地就医备案确定；"
                      "结算单注明已备案而系统中没有该备案的，该行报错，请先登记备案后重新导入。")

    @classmethod
    def refusal(cls, user):
        # Settling bills is a county office's casework: a user above every pooling region reads them only.
        from benefits.services.casework import READ_ONLY_SETTLEMENT_IMPORT, above_pooling_regions

        return super().refusal(user) or (READ_ONLY_SETTLEMENT_IMPORT if above_pooling_regions(user) else None)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # A hospital outside the agreements (非定点) is settled only from a paper bill (手工报销).
        self.facilities = {f.code: f for f in Facility.objects.restrict(self.user).filter(designated=True)}
        self.headers = {c.key: c.header for c in self.columns}
        self.batch = SettlementBatch()
        self.pieces_writing = Counter()  # (person, year) -> pieces of the kept plan so far that write it

    def header_of(self, key: str) -> str:
        return self.headers[key]  # asked several times a row

    def check(self, rows):
        outcomes, parsed = {}, {}
        for row in rows:
            outcomes[row.number] = RowOutcome(row.number)
            try:
                parsed[row.number] = self._parse(row)
            except RowProblem as problem:
                outcomes[row.number].fail(problem.header, problem.message)
        # What settling reads of a person (the village only when a policy window is first loaded).
        people = {p.id_number: p for p in Person.objects.filter(id_number__any=list({p["id_number"] for p in parsed.values()}))
                  .only(*PERSON_FIELDS)}
        # By facility and number, the order of the unique index (a million rows: 1 ms, not 0.7 s).
        bills = {(f, b) for f, b in Settlement.objects.filter(facility__id__any=list({p["facility"].pk for p in parsed.values()}),
                                                              bill_number__any=list({p["bill_number"] for p in parsed.values()}),
                                                              reverses__isnull=True)
                 .values_list("facility__code", "bill_number")}
        items = {}
        for number, p in parsed.items():
            outcome = outcomes[number]
            person = people.get(p["id_number"])
            if person is None or not path_allowed(self.user, person.region_path):
                outcome.fail(self.header_of("id_number"), "该身份证号的人员未在您的辖区登记")
            elif p["name"] and p["name"] != person.name:
                outcome.fail(self.header_of("name"), f"姓名与登记信息（{person.name}）不一致")
            elif (p["facility"].code, p["bill_number"]) in bills:
                outcome.status, outcome.summary = UNCHANGED, f"{p['bill_number']} 已结算"
            else:
                items[number] = VisitInput(person=person, **p["visit"])
        if items:
            # Committing: the people's year totals are locked for the batch (transaction open).
            self.batch.load(list(items.values()), lock=self.committing)
        keys = {c.key for c in self.columns}
        for number, item in items.items():
            outcome = outcomes[number]
            try:
                item, split, policy = self.batch.settle(item)
            except (SettlementError, LocationError) as error:
                outcome.fail(self.header_of(error.field) if error.field in keys else "", error.message)
                continue
            totals = self.batch.totals[(item.person.pk, item.visit_date.year)]
            if any(abs(getattr(totals, f)) > AMOUNT_MAX for f in YEAR_FIELDS):
                # The year's totals would no longer fit their columns: refused here, at preview,
                # rather than failing the commit; the running totals go back to before the row.
                self.batch.undo(item, split)
                outcome.fail("", f"该参保人 {item.visit_date.year} 年度累计金额将超出可记录的范围（最大 {AMOUNT_MAX:,}），请核对金额")
                continue
            outcome.status, outcome.payload = NEW, (item, split, policy)
            outcome.summary = (f"{item.person.name} {mask_id_number(item.person.id_number)} {item.bill_number}：合计{yuan(split.total)}，"
                               f"基本医保{yuan(split.basic_fund)}，大病{yuan(split.critical_illness)}，"
                               f"救助{yuan(split.assistance + split.extra_assistance)}，个人{yuan(split.personal)}")
        return [outcomes[r.number] for r in rows]

    def _parse(self, row) -> dict:
        v, h = row.values, self.header_of
        bill = _identifier(row, "bill_number", h("bill_number"), _max_length(Settlement, "bill_number"))
        if not bill:
            raise RowProblem(h("bill_number"), "不能为空")
        code = _identifier(row, "facility", h("facility"))
        facility = self.facilities.get(code)
        if facility is None:
            raise RowProblem(h("facility"), f"「{code}」不是您辖区的定点机构")
        name = _identifier(row, "name", h("name"))
        disease = _identifier(row, "disease", h("disease"), _max_length(Settlement, "disease"))
        try:
            number = parse_id_number(identifier_text(id_text(v.get("id_number")))).number
        except IdNumberError as error:
            raise RowProblem(h("id_number"), error.message) from None
        except CellError as error:
            raise RowProblem(h("id_number"), str(error)) from None
        kind = KINDS.get(text(v.get("kind")))
        if kind is None:
            raise RowProblem(h("kind"), f"无法识别「{text(v.get('kind'))}」")
        said = text(v.get("location"))
        if said and said not in LOCATIONS:
            raise RowProblem(h("location"), f"无法识别「{said}」")
        location, claimed = LOCATIONS[said] if said else (OUTSIDE if facility.place_province else "local", "")
        if location in IN_CITY and facility.place_province:
            raise RowProblem(h("location"), f"{facility.name} 在市外（{facility.place_province}{facility.place_city}），就医地不能为{said}")
        remote = self._remote(row, location, claimed)
        try:
            visit_date = date_cell(v.get("visit_date"), required=True)
            discharge = date_cell(v.get("discharge_date"))
        except CellError as error:
            raise RowProblem(h("visit_date"), str(error)) from None
        if kind in ADMISSION_KINDS and discharge is None:
            # A bill is settled at discharge (as a paper claim is): a stay still going on is not settled yet.
            raise RowProblem(h("discharge_date"), "住院（住院分娩）须填写出院日期：出院结算后再导入")
        problem = visit_dates_problem(visit_date, discharge, today=self.today)
        if problem:
            raise RowProblem(h(problem[0]), problem[1])
        costs = {}
        for key in COST_LINES:
            cell = v.get(key)
            if cell.__class__ is str and len(cell) <= 12 and cell.isascii() and cell.isdigit():
                # Whole yuan as a file writes them ("0", "2500"): what parse_amount answers, without its checks.
                costs[key] = Decimal(cell) + ZERO
                continue
            try:
                costs[key] = parse_amount(cell, maximum=AMOUNT_MAX)
            except AmountError as error:
                raise RowProblem(h(key), str(error)) from None
        total = sum(costs.values())
        if total > AMOUNT_MAX:
            raise RowProblem("", f"费用合计超出可记录的范围（最大 {AMOUNT_MAX:,}）")
        if not total:
            raise RowProblem(h("class_a"), "各项费用均为 0 或空：没有可结算的费用（各项费用合计须大于 0）")
        visit = {"facility": facility, "bill_number": bill, "kind": kind, "visit_date": visit_date, "discharge_date": discharge,
                 "location": location, "disease": disease, "costs": costs, **remote}
        problem = visit_agreement_problem(VisitInput(person=None, **visit))
        if problem:
            raise RowProblem(h("visit_date"), problem)
        return {"bill_number": bill, "facility": facility, "id_number": number, "name": name, "visit": visit}

    def _remote(self, row, location: str, claimed: str) -> dict:
        """The bill's words about care outside the city and 吉林's referral columns."""
        v, h = row.values, self.header_of
        filing = text(v.get("claimed_filing"))
        if filing and filing not in FILINGS:
            raise RowProblem(h("claimed_filing"), f"无法识别「{filing}」，可填 {'、'.join(FILINGS)}")
        referral = text(v.get("referral"))
        if referral and referral not in REFERRALS:
            raise RowProblem(h("referral"), f"无法识别「{referral}」，可填 {'、'.join(REFERRALS)}")
        try:
            from_deductible = parse_amount(v.get("referred_from_deductible"), maximum=AMOUNT_MAX)
        except AmountError as error:
            raise RowProblem(h("referred_from_deductible"), str(error)) from None
        values = {"location": location, "claimed_filing": FILINGS.get(filing, "") or claimed,
                  "emergency_nondesignated": self._yes_no(row, "emergency_nondesignated"),
                  "referral": REFERRALS.get(referral, "referred"), "referred_from_deductible": from_deductible,
                  "downward_referral": self._yes_no(row, "downward_referral")}
        for key in ("place_province", "place_city"):
            values[key] = _identifier(row, key, h(key), 50)
        if values["place_province"]:
            full = province_name(values["place_province"])
            if full is None:
                raise RowProblem(h("place_province"), f"「{values['place_province']}」不是省级行政区名称（如 湖北省、广东省、北京市）")
            values["place_province"] = full
        if location not in REMOTE_WORDS and (values["place_province"] or values["place_city"] or filing or values["emergency_nondesignated"]):
            raise RowProblem(h("location"), "填写了就医省份、备案类型或急诊非定点的，就医地应为市外")
        return values

    def _yes_no(self, row, key: str) -> bool:
        said = text(row.values.get(key))
        if said and said not in YES and said not in NO:
            raise RowProblem(self.header_of(key), f"无法识别「{said}」，请填 是 或 否")
        return said in YES

    def write(self, outcomes):
        settlements_write(batch=self.batch, settled=[o.payload for o in outcomes], user=self.user, source_import=self.job)

    # -------------------------------------------------------------------- kept plans

    def data_version(self) -> str:
        """Everything the checks read besides the people's year rows and bills (the year rows
        carry revisions, checked piece by piece; a bill settled meanwhile is refused by the
        unique index): people, enrollments, identities, applications, remote-care filings,
        门诊慢特病 approvals, the catalogue and 两病 registrations, parameters and facilities
        (every write leaves a history row), the regions, the user's region and the day."""
        tracked = (Person, Enrollment, HardshipIdentity, Application, RemoteCareFiling, PolicyParameter, Facility, ChronicApproval,
                   ChronicDisease, TwoDiseasesRegistration)
        parts = [m.history.model.objects.aggregate(v=Max("history_id"))["v"] for m in tracked]
        parts.append(list(Region.objects.aggregate(n=Count("pk"), m=Max("pk")).values()))
        parts += [self.user.region_id, self.today.isoformat()]
        return json.dumps(parts)

    def freeze(self, payload):
        return settled_plan(self.batch, payload)

    def chunk_plan(self, entries):
        """A piece's rows and, per person-year, the revision its row will have when the piece
        is written (as the preview read it, plus one for each earlier piece of the file that
        writes it) and what the piece adds."""
        rows, totals = [], {}
        for _number, _status, (row, person_id, year, revision, amounts) in entries:
            rows.append(row)
            key = (person_id, year)
            if key in totals:
                totals[key][3] = [a + b for a, b in zip(totals[key][3], amounts)]
            else:
                totals[key] = [person_id, year, revision + self.pieces_writing[key], amounts]
        for key in totals:
            self.pieces_writing[key] += 1
        return {"format": PLAN_FORMAT, "lines": rows, "sets": self.batch.parameter_sets.versions,
                "totals": [[p, y, r, [str(a) for a in amounts]] for p, y, r, amounts in totals.values()]}

    def partition_key(self, row) -> str:
        """The person whose bills the row is (the ID number as every lookup spells it): one
        person's bills are settled in order in one process, on that person's running totals,
        and no check of one person reads another's."""
        try:
            return id_text(row.values.get("id_number"))
        except CellError:
            return ""

    def merge_chunk_plans(self, plans):
        """A piece's plan from its parts' shares: each part holds other people, so the rows and
        the year totals add up side by side."""
        if len(plans) == 1:
            return plans[0]
        if any(p.get("format") != PLAN_FORMAT for p in plans):
            return None  # kept in another format: settled again
        totals = [t for p in plans for t in p["totals"]]
        if len({(person, year) for person, year, *_rest in totals}) != len(totals):
            raise ValueError("a person's year appears in two parts of a piece's plan")
        return {"format": PLAN_FORMAT, "lines": [line for p in plans for line in p["lines"]],
                "sets": {k: v for p in plans for k, v in p["sets"].items()}, "totals": totals}

    def write_chunk_plan(self, plan):
        if plan.get("format") != PLAN_FORMAT:  # kept before an upgrade changed the rows' columns: settled again
            return False
        return settlements_write_planned(rows=plan["lines"], totals=plan["totals"], sets=plan["sets"], user=self.user,
                                         source_import=self.job)


class FacilityImporter(Importer):
    """定点医药机构名单: code, name, level, tier, region, city-level and zero-markup flags,
    agreement dates. New codes are added, changed rows updated, the same list again unchanged."""

    kind = "facilities"
    title = "定点医药机构导入"
    permission = "benefits.add_facility"
    duplicate_key = "code"
    # RULES.md 3.3: the station and the clinic are tiers of their own (daily cap and fee differ).
    TIERS = {"村卫生室": "village", "社区卫生服务站": "community_station", "诊所": "clinic", "乡镇卫生院": "township",
             "社区卫生服务中心": "township", "二级及以上": "secondary_plus", "医院": "secondary_plus",
             **{k: k for k in ("village", "community_station", "clinic", "township", "secondary_plus")}}
    FIELDS = ("name", "level", "tier", "region", "city_level", "zero_markup", "place_province", "place_city", "agreement_from",
              "agreement_to")
    columns = [
        Column("code", "机构编码", required=True, example="H001", text=True, help="医保定点医药机构编码，全市唯一"),
        Column("name", "机构名称", required=True, example="示例人民医院"),
        Column("level", "级别", required=True, example="二级", choices=("一级", "二级", "三级"), help="也可填 1、2、3"),
        Column("tier", "门诊机构类别", required=True, example="医院", choices=TIER_CHOICES,
               help="乡镇卫生院、社区卫生服务中心按乡镇级；医院按二级及以上；村卫生室、社区卫生服务站、诊所各按其类别"),
        Column("region", "所在县（市、区）", required=True, example="421202", help="区划代码或名称", format="6位区划代码，或区划名称"),
        Column("city_level", "市级医疗机构", example="否", choices=YES_NO),
        Column("zero_markup", "药品零差率", example="是", choices=YES_NO, help="留空为是"),
        Column("place_province", "所在省份", help="市外医院（异地就医直接结算）填写，如 湖北省；本市机构留空"),
        Column("place_city", "所在城市", help="市外医院选填，如 武汉市；须同时填写所在省份"),
        Column("agreement_from", "协议开始", required=True, example="2026-01-01", date=True),
        Column("agreement_to", "协议结束", help="长期有效留空；不早于协议开始", date=True),
    ]
    template_rules = ("每个机构一行；已登记的机构编码再次导入会更新名称、级别、类别、所在省份和城市、协议日期。",
                      "市外医院（参保人异地就医直接结算的医院）填写所在省份和城市；本市机构两列留空。")

    @classmethod
    def example_for(cls, user):
        """The example's 所在县（市、区） is the user's own region (a code they may use)."""
        return {"region": user.region.code} if user is not None and user.region_id else {}

    def __init__(self, **kwargs):
        from core.models import Region

        super().__init__(**kwargs)
        regions = list(Region.objects.restrict(self.user))
        self.regions = {r.code: r for r in regions} | {r.name: r for r in regions}

    def check(self, rows):
        existing = {f.code: f for f in Facility.objects.filter(code__in=[text(r.values.get("code")) for r in rows])}
        outcomes = []
        for row in rows:
            outcome = RowOutcome(row.number)
            outcomes.append(outcome)
            try:
                values = self._parse(row)
            except RowProblem as problem:
                outcome.fail(problem.header, problem.message)
                continue
            current = existing.get(values["code"])
            if current is None:
                where = f"（{values['place_province']}{values['place_city']}）" if values["place_province"] else ""
                outcome.status, outcome.summary, outcome.payload = NEW, f"新增 {values['code']} {values['name']}{where}", Facility(**values)
            elif not path_allowed(self.user, current.region_path):
                outcome.fail(self.header_of("code"), "该机构属于其他区划")
            elif not self.user.has_perm("benefits.change_facility"):
                outcome.fail(self.header_of("code"), "该机构已登记；您没有修改定点医药机构的权限")
            elif problem := settled_outside_problem(current, values["agreement_from"], values["agreement_to"]):
                outcome.fail(self.header_of(problem[0]), problem[1])
            else:
                changed = [f for f in self.FIELDS if getattr(current, f) != values[f]]
                for f in changed:
                    setattr(current, f, values[f])
                outcome.status = CHANGED if changed else UNCHANGED
                outcome.summary, outcome.payload = f"{values['code']} {values['name']}", current if changed else None
        return outcomes

    def _parse(self, row):
        v, h = row.values, self.header_of
        code = _identifier(row, "code", h("code"), _max_length(Facility, "code"))
        name = _identifier(row, "name", h("name"), _max_length(Facility, "name"))
        if not code or not name:
            raise RowProblem(h("code") if not code else h("name"), "不能为空")
        level = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3}.get(text(v.get("level")))
        if level is None:
            raise RowProblem(h("level"), f"无法识别「{text(v.get('level'))}」")
        tier = self.TIERS.get(text(v.get("tier")))
        if tier is None:
            raise RowProblem(h("tier"), f"无法识别「{text(v.get('tier'))}」")
        region = self.regions.get(text(v.get("region")))
        if region is None:
            raise RowProblem(h("region"), f"「{text(v.get('region'))}」不是您管辖的区划")
        try:
            start, end = date_cell(v.get("agreement_from"), required=True), date_cell(v.get("agreement_to"))
        except CellError as error:
            raise RowProblem(h("agreement_from"), str(error)) from None
        problem = agreement_problem(start, end)
        if problem:
            raise RowProblem(h(problem[0]), problem[1])
        try:
            province, city = facility_place(_identifier(row, "place_province", h("place_province"), 30),
                                            _identifier(row, "place_city", h("place_city"), 50), region)
        except ServiceError as error:
            raise RowProblem(h(error.field), error.message) from None
        return {"code": code, "name": name, "level": level, "tier": tier, "region": region, "region_path": region.path,
                "place_province": province, "place_city": city,
                "city_level": text(v.get("city_level")) in ("是", "Y", "y", "1", "true"),
                "zero_markup": text(v.get("zero_markup")) not in ("否", "N", "n", "0", "false"),
                "agreement_from": start, "agreement_to": end}

    def write(self, outcomes):
        # The admin's writer (a handful of rows a month): the same region and agreement rules, history.
        reason = f"导入 {self.job.original_name}" if self.job else "导入定点医药机构"
        for outcome in outcomes:
            facility_save(user=self.user, facility=outcome.payload, reason=reason)
