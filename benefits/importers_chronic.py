"""门诊慢特病 lists imported by the bureau (RULES.md 3.3, 3.5), so that it starts with its current
caseload: approvals the previous system decided (认定名单) and 两病 registrations from the
facilities' lists (两病登记名单). Rows are checked by the rules of benefits.services.chronic (the
disease in the person's catalogue, the facility of a level the disease allows, a plausible
period not overlapping one recorded) and written through its writers. The same list again
changes nothing. A person outside the user's region reads as one not registered at all."""

from benefits.models import ChronicApproval, ChronicDisease, DiseaseKind, Facility, TwoDiseasesRegistration
from benefits.rules import chronic as rules
from benefits.services import chronic as services
from benefits.services.casework import above_pooling_regions
from benefits.services.policy import pooling_codes, policy_key
from core.errors import ServiceError
from core.idnumber import IdNumberError, mask_id_number, parse_id_number
from core.imports import (NEW, UNCHANGED, CellError, Column, Importer, RowIn, RowOutcome, date_cell, example_id_number, free_text,
                          id_text, identifier_text, text)
from core.restrict import path_allowed
from enrollment.models import Person

NOT_REGISTERED = "该身份证号的人员未在您的辖区登记；请先登记人员"
FIELD_COLUMNS = {"facility": "facility", "valid_from": "valid_from", "valid_to": "valid_to", "disease": "disease", "person": "id_number",
                 "registered_on": "registered_on"}


class RowProblem(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _cell(key, read, value, **kwargs):
    try:
        return read(value, **kwargs)
    except CellError as error:
        raise RowProblem(key, str(error)) from None


class _ChronicList(Importer):
    """What both lists share: the person by ID number and name, the disease of the person's
    pooling region by name or code, a designated facility by its code."""

    disease_kinds: tuple = ()

    @classmethod
    def refusal(cls, user):
        return super().refusal(user) or (services.READ_ONLY_IMPORT if user.has_perm(cls.permission) and above_pooling_regions(user) else None)

    @classmethod
    def choices_for(cls, user):
        """The 病种 drop-down of the template: the user's pooling region's active diseases of the
        list's kinds (none for a user above the pooling regions, who imports no list)."""
        choices = super().choices_for(user)
        if user is not None and user.region_id:
            from benefits.services.chronic import catalogue

            names = tuple(d.name for d in catalogue(user.region) if d.kind in cls.disease_kinds)
            if names:
                choices["disease"] = names
        return choices

    def prepare(self, rows):
        if above_pooling_regions(self.user):
            raise ServiceError("read_only", services.READ_ONLY_IMPORT)
        self.pooling = pooling_codes()
        self.diseases: dict[tuple, ChronicDisease] = {}
        self.other_kinds: dict[tuple, ChronicDisease] = {}
        for disease in ChronicDisease.objects.select_related("region"):
            found = self.diseases if disease.kind in self.disease_kinds else self.other_kinds
            found[(disease.region.code, disease.code)] = found[(disease.region.code, disease.name)] = disease
        # Any designated hospital of the city (a county's resident may choose the city's);
        # each row checks it lies in the person's own pooling region.
        self.facilities = {f.code: f for f in Facility.objects.filter(designated=True, place_province="").select_related("region")}

    def describe(self, row):
        number = text(row.values.get("id_number")).upper()
        return f"{text(row.values.get('name'))} {mask_id_number(number) if len(number) == 18 else number}".strip()

    def _person_of(self, row) -> tuple[str, str]:
        raw = _cell("id_number", id_text, row.values.get("id_number"))
        try:
            number = parse_id_number(raw, today=self.today).number
        except IdNumberError as error:
            raise RowProblem("id_number", error.message) from None
        name = _cell("name", identifier_text, row.values.get("name"), max_length=50)
        if not name:
            raise RowProblem("name", "不能为空")
        return number, name

    def _facility(self, row, key, *, required: bool):
        code = _cell(key, identifier_text, row.values.get(key), max_length=40)
        if not code:
            if required:
                raise RowProblem(key, "不能为空")
            return None
        facility = self.facilities.get(code)
        if facility is None:
            raise RowProblem(key, f"「{code}」不是已登记的定点医疗机构")
        return facility

    def _checked(self, rows, parse, check_row) -> list[RowOutcome]:
        outcomes, parsed = {}, {}
        for row in rows:
            outcomes[row.number] = RowOutcome(row.number)
            try:
                parsed[row.number] = parse(row)
            except RowProblem as problem:
                outcomes[row.number].fail(self.header_of(problem.key), problem.message)
        people = {p.id_number: p for p in Person.objects.filter(id_number__in={p["id_number"] for p in parsed.values()})
                  .select_related("village") if path_allowed(self.user, p.region_path)}
        for number, p in parsed.items():
            outcome, person = outcomes[number], people.get(p["id_number"])
            try:
                if person is None:
                    raise RowProblem("id_number", NOT_REGISTERED)
                if person.name != p["name"]:
                    raise RowProblem("name", f"姓名与登记信息（{person.name}）不一致，请核对")
                said = p["disease"]
                pooling = policy_key(person.region_path, self.pooling)
                disease = self.diseases.get((pooling, said))
                if disease is None:
                    if self.kind == "chronic_approvals" and self.other_kinds.get((pooling, said)):
                        raise RowProblem("disease", f"{said}属于两病，请用“两病登记名单”导入")
                    raise RowProblem("disease", f"「{said}」不是参保人所在统筹区目录中的{self.disease_label}")
                facility = p.get("facility")
                if facility is not None and f"/{pooling}/" not in f"/{facility.region.path}":
                    raise RowProblem("facility", f"{facility.name}不在参保人所在统筹区内")
                check_row(outcome, p, person, disease)
            except RowProblem as problem:
                outcome.fail(self.header_of(problem.key), problem.message)
            except ServiceError as error:
                outcome.fail(self.header_of(FIELD_COLUMNS.get(error.field, "id_number")), error.message)
        return [outcomes[r.number] for r in rows]


class ChronicApprovalImporter(_ChronicList):
    kind = "chronic_approvals"
    title = "门诊慢特病认定名单导入"
    permission = "benefits.review_chronicapproval"
    disease_kinds = (DiseaseKind.CHRONIC, DiseaseKind.SPECIAL)
    disease_label = "门诊慢性病或特殊疾病"
    duplicate_key = ("id_number", "disease", "valid_from")
    columns = [
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219800101123"), help="18位；单元格保持文本格式",
               text=True),
        Column("name", "姓名", required=True, example="示例张三", help="与登记信息一致"),
        Column("disease", "病种", required=True, example="结核病", help="门诊慢特病目录中的病种名称"),
        Column("diagnosing_hospital", "确诊医院", required=True, example="咸宁市中心医院"),
        Column("diagnosed_on", "确诊日期", required=True, example="2025-03-01", date=True),
        Column("facility", "定点机构编码", required=True, example="H001", text=True, help="认定的定点医疗机构编码（已登记的机构）"),
        Column("valid_from", "有效期起", required=True, example="2025-04-01", date=True),
        Column("valid_to", "有效期止", example="2027-03-31", help="留空按病种目录的有效期计算", date=True),
    ]
    template_rules = (
        "导入原系统已审核通过的门诊慢特病认定，每个认定一行；导入后即为“已认定”，不再经过审核。",
        "门诊慢性病限二级及以下定点医疗机构，门诊特殊疾病限二级及以上；两病请用“两病登记名单”导入。",
        "同一人同一病种的认定期间不能重叠；同一名单再次导入不会重复登记。",
    )

    def check(self, rows: list[RowIn]) -> list[RowOutcome]:
        return self._checked(rows, self._parse, self._check_row)

    def _parse(self, row) -> dict:
        number, name = self._person_of(row)
        disease = _cell("disease", identifier_text, row.values.get("disease"), max_length=60)
        if not disease:
            raise RowProblem("disease", "不能为空")
        hospital = _cell("diagnosing_hospital", free_text, row.values.get("diagnosing_hospital"), max_length=100)
        if not hospital:
            raise RowProblem("diagnosing_hospital", "不能为空")
        diagnosed_on = _cell("diagnosed_on", date_cell, row.values.get("diagnosed_on"), required=True)
        if diagnosed_on > self.today:
            raise RowProblem("diagnosed_on", "不能晚于今天")
        valid_from = _cell("valid_from", date_cell, row.values.get("valid_from"), required=True)
        valid_to = _cell("valid_to", date_cell, row.values.get("valid_to"))
        return {"id_number": number, "name": name, "disease": disease, "diagnosing_hospital": hospital, "diagnosed_on": diagnosed_on,
                "facility": self._facility(row, "facility", required=True), "valid_from": valid_from, "valid_to": valid_to}

    def _check_row(self, outcome, p, person, disease):
        valid_to = p["valid_to"] or rules.default_valid_to(p["valid_from"], disease.validity_months)
        problem = rules.period_problem(p["valid_from"], valid_to)
        if problem:
            raise RowProblem("valid_to", problem)
        refused = rules.facility_refusal(min_level=disease.min_level, max_level=disease.max_level, facility_level=p["facility"].level,
                                         designated=p["facility"].designated)
        if refused:
            raise RowProblem("facility", f"{p['facility'].name}：{refused}（{disease.name}）")
        if refused := services.carried_over_refusal(person, valid_to):
            raise RowProblem("id_number", refused)
        label = f"{person.name} {mask_id_number(person.id_number)} {disease.name}"
        same = ChronicApproval.objects.filter(person=person, disease=disease, valid_from=p["valid_from"],
                                              status__in=(ChronicApproval.Status.APPROVED, ChronicApproval.Status.EXPIRED,
                                                          ChronicApproval.Status.REVOKED)).first()
        if same is not None:
            outcome.status, outcome.summary = UNCHANGED, f"{label} 已认定（{same.valid_from:%Y-%m-%d}至{same.valid_to:%Y-%m-%d}）"
            return
        planned = self.__dict__.setdefault("planned", {}).setdefault((person.pk, disease.pk), [])
        if services.overlapping_approval(person.pk, disease.pk, p["valid_from"], valid_to) or any(
                start <= valid_to and p["valid_from"] <= end for start, end in planned):
            raise RowProblem("valid_from", f"已有与该期间重叠的{disease.name}认定")
        planned.append((p["valid_from"], valid_to))
        outcome.status, outcome.summary = NEW, f"{label} {p['valid_from']:%Y-%m-%d}至{valid_to:%Y-%m-%d}，{p['facility'].name}"
        outcome.payload = {"person": person, "disease": disease, "diagnosing_hospital": p["diagnosing_hospital"],
                           "diagnosed_on": p["diagnosed_on"], "facility": p["facility"], "valid_from": p["valid_from"], "valid_to": valid_to}

    def write(self, outcomes):
        services.approvals_record_existing(user=self.user, source_import=self.job, items=[o.payload for o in outcomes if o.status == NEW])


class TwoDiseasesImporter(_ChronicList):
    kind = "two_diseases"
    title = "两病登记名单导入"
    permission = "benefits.add_twodiseasesregistration"
    disease_kinds = (DiseaseKind.TWO_DISEASES,)
    disease_label = "两病（高血压、糖尿病）"
    duplicate_key = ("id_number", "disease")
    columns = [
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219800101123"), help="18位；单元格保持文本格式",
               text=True),
        Column("name", "姓名", required=True, example="示例张三", help="与登记信息一致"),
        Column("disease", "病种", required=True, example="高血压", choices=("高血压", "糖尿病")),
        Column("registered_on", "登记日期", required=True, example="2026-01-05", date=True),
        Column("facility", "登记机构编码", example="V001", text=True, help="登记的定点医药机构编码；可留空"),
    ]
    template_rules = (
        "定点医疗机构报送的两病患者名单，每人每个病种一行；自登记日期起普通门诊统筹年度限额提高（350元提高到550元）。",
        "已登记的人员再次导入不会重复登记。",
    )

    def check(self, rows: list[RowIn]) -> list[RowOutcome]:
        return self._checked(rows, self._parse, self._check_row)

    def _parse(self, row) -> dict:
        number, name = self._person_of(row)
        disease = _cell("disease", identifier_text, row.values.get("disease"), max_length=60)
        if not disease:
            raise RowProblem("disease", "不能为空")
        registered_on = _cell("registered_on", date_cell, row.values.get("registered_on"), required=True)
        if registered_on > self.today:
            raise RowProblem("registered_on", "不能晚于今天")
        return {"id_number": number, "name": name, "disease": disease, "registered_on": registered_on,
                "facility": self._facility(row, "facility", required=False)}

    def _check_row(self, outcome, p, person, disease):
        label = f"{person.name} {mask_id_number(person.id_number)} {disease.name}"
        current = TwoDiseasesRegistration.objects.filter(person=person, disease=disease, ended_on__isnull=True).first()
        if current is not None:
            outcome.status, outcome.summary = UNCHANGED, f"{label} 已登记（{current.registered_on:%Y-%m-%d}）"
            return
        if overlap := services.registration_overlap(person, disease, p["registered_on"]):
            raise RowProblem("registered_on", overlap)
        outcome.status, outcome.summary = NEW, f"{label} {p['registered_on']:%Y-%m-%d}登记"
        outcome.payload = {"person": person, "disease": disease, "registered_on": p["registered_on"], "facility": p["facility"]}

    def write(self, outcomes):
        for outcome in outcomes:
            if outcome.status == NEW:
                services.registration_create(user=self.user, source_import=self.job, **outcome.payload)

