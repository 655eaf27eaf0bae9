"""Department lists of hardship identities (部门认定名单), delivered monthly.

Each row certifies (or, with 退出日期, revokes) one identity of one person, through the same
rules as the identity pages (assistance.services.identities): the department may only certify
its own codes (X000 art. 41), periods of a code merge, illness_poverty lasts 12 months, and a
person absent from a list keeps their identity. Unknown ID numbers get likely matches from the
user's region for the user to confirm; nothing is merged silently. Unknown people may be
registered by the import when the user chooses so and the row names their village.

A person registered outside the user's region reads exactly as one not registered at all (the
same message, no likely match from outside), so that a list of guessed numbers tells nothing of
the rest of the registry. Only registering such a number is refused, without saying where.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from pypinyin import lazy_pinyin
from simple_history.utils import bulk_update_with_history

from assistance.models import HardshipIdentity
from assistance.services.identities import absorb, acting_department, plan_certification, status_for
from core.bulk import reserve_ids
from core.errors import ServiceError
from core.history import insert_with_history
from core.identity_codes import CERTIFYING_DEPARTMENT, LABEL_TO_CODE, IdentityCode
from core.idnumber import CHECK_CHARS, IdNumberError, check_char, mask_id_number, parse_id_number
from core.imports import (CHANGED, NEW, UNCHANGED, CellError, Column, Importer, RowIn, RowOutcome, date_cell, example_id_number, id_text,
                          identifier_text, text)
from core.models import Region, RegionLevel
from core.restrict import path_allowed
from enrollment.models import Person
from enrollment.services.people import NOT_REGISTRABLE_HERE

SHORT_LABELS = {"特困": "extreme_poverty", "低保": "subsistence_allowance", "低保边缘": "low_income_edge", "孤儿": "orphan",
                "监测对象": None, "脱贫不稳定": "monitored_unstable", "边缘易致贫": "monitored_edge", "突发严重困难": "monitored_sudden",
                "因病致贫": "illness_poverty", "返贫致贫": "returned_to_poverty", "稳定脱贫": "stable_out_of_poverty"}
MAX_CANDIDATES = 5
NOT_REGISTERED = "该身份证号的人员未在您的辖区登记"


class RowProblem(Exception):
    def __init__(self, header, message):
        super().__init__(message)
        self.header, self.message = header, message


def _identifier(header: str, value, *, model, field_name: str) -> str:
    """A naming cell (a name, a document number) within its model field, or the row's error."""
    try:
        return identifier_text(value, max_length=model._meta.get_field(field_name).max_length)
    except CellError as error:
        raise RowProblem(header, str(error)) from None


def parse_code(value) -> str | None:
    raw = text(value)
    return raw if raw in IdentityCode.values else LABEL_TO_CODE.get(raw) or SHORT_LABELS.get(raw)


@dataclass(slots=True)
class IdentityRow:
    person: Person | None
    new_person: dict | None  # an unknown person the user chose to register
    code: str
    department: str
    on_behalf: bool
    document_number: str
    record: HardshipIdentity | None  # existing record to extend or revoke
    absorbed: list
    valid_from: date
    valid_to: date | None
    revoked_on: date | None
    revoke_reason: str


def one_digit_variants(number: str) -> set[str]:
    """ID numbers one digit away or with two neighbouring characters swapped: the usual typos."""
    variants = set()
    for i, ch in enumerate(number):
        for other in (CHECK_CHARS if i == 17 else "0123456789"):
            if other != ch:
                variants.add(number[:i] + other + number[i + 1:])
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            variants.add(number[:i] + number[i + 1] + number[i] + number[i + 2:])
    return {v for v in variants if len(v) == 18 and v[:17].isdigit() and v[17] == check_char(v[:17])}


def pinyin_of(name: str) -> str:
    return "".join(lazy_pinyin(name))


def _lenient_birth(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except (ValueError, IndexError):
        return None


class IdentityListImporter(Importer):
    kind = "identity_list"
    title = "部门认定名单导入"
    permission = "assistance.import_hardshipidentity"
    duplicate_key = ("id_number", "code")
    upload_options = [("register_unknown", "登记未登记人员（须填写所属村/社区）")]
    columns = [
        Column("name", "姓名", required=True, example="示例王五", help="与登记信息一致"),
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219800101123"), help="18位；单元格保持文本格式",
               text=True),
        Column("code", "身份类别", required=True, example=IdentityCode.SUBSISTENCE_ALLOWANCE.label, choices=tuple(IdentityCode.labels),
               help="从下拉列表选择身份名称；也可填简称，如 低保、特困、因病致贫"),
        Column("valid_from", "认定日期", required=True, example="2026-01-01", help="不能晚于今天", date=True),
        Column("valid_to", "有效期至", help="长期有效留空；因病致贫重病患者留空为认定后12个月", date=True),
        Column("document_number", "认定文号", example="咸民〔2026〕1号"),
        Column("exit_date", "退出日期", help="填写即退出该身份；名单中没有某人不等于退出", date=True),
        Column("village", "所属村/社区", help="登记未登记人员时必填：村（社区）代码或名称", aliases=("村/社区",),
               format="12位村（社区）代码，或村（社区）名称", text=True),
    ]
    template_rules = (
        "每人每个身份一行；同一人有两个身份时写两行。名单中没有某人，不等于退出：退出须填写退出日期。",
        "本部门只能认定、退出本部门负责的身份（下拉列表只列本部门的身份）；医保局经办人员可代各部门录入。",
        "未登记的人员：上传时勾选“登记未登记人员”，并填写所属村/社区。",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        options = (self.job.options if self.job else {}) or {}
        self.register_unknown = bool(options.get("register_unknown"))
        self.matches = {int(k): int(v) for k, v in (options.get("matches") or {}).items()}
        self.reason = f"导入 {self.job.original_name}" if self.job else "导入部门认定名单"
        self._villages = None

    @staticmethod
    def _codes_for(user) -> list[str]:
        """The codes the user's department certifies (X000 art. 41); every code for the
        bureau, which records on the departments' behalf, and for users of no department."""
        return [c for c, dept in CERTIFYING_DEPARTMENT.items() if dept == user.department] or list(IdentityCode.values)

    @classmethod
    def example_for(cls, user):
        """The template's example row shows one of the user's own department's codes."""
        return {"code": IdentityCode(cls._codes_for(user)[0]).label}

    @classmethod
    def choices_for(cls, user):
        """The drop-down lists the user's own department's codes (the others would be refused)."""
        if user is None:
            return super().choices_for(user)
        return {"code": tuple(IdentityCode(c).label for c in cls._codes_for(user))}

    def describe(self, row):
        number = text(row.values.get("id_number")).upper()
        return f"{text(row.values.get('name'))} {mask_id_number(number) if len(number) == 18 else number}".strip()

    def duplicate_value(self, row):
        code = parse_code(row.values.get("code"))
        number = text(row.values.get("id_number")).upper().replace(" ", "")
        return (number, code) if number and code else None

    # ---------------------------------------------------------------- checking

    def check(self, rows):
        parsed, outcomes = {}, {}
        for row in rows:
            outcomes[row.number] = RowOutcome(row.number)
            try:
                parsed[row.number] = self._parse(row)
            except RowProblem as problem:
                outcomes[row.number].fail(problem.header, problem.message)
        numbers = {p["id_number"] for p in parsed.values() if p["id_number"]}
        matched_ids = {self.matches[n] for n in parsed if n in self.matches}
        found = Person.objects.filter(Q(id_number__any=list(numbers)) | Q(pk__in=matched_ids)).only(
            "id", "name", "id_number", "birth_date", "region_path", "village_id")
        # People outside the user's region are treated as unknown (only their numbers are kept,
        # to refuse registering them again).
        people, self.registered_elsewhere = {}, set()
        for person in found:
            if path_allowed(self.user, person.region_path):
                people[person.id_number] = person
            else:
                self.registered_elsewhere.add(person.id_number)
        by_pk = {p.pk: p for p in people.values()}
        records: dict[tuple, list] = {}
        for record in HardshipIdentity.objects.filter(person__id__any=[p.pk for p in people.values()]):
            records.setdefault((record.person_id, record.code), []).append(record)
        unknown = {n: p for n, p in parsed.items() if p["id_number"] not in people and n not in self.matches}
        candidates = self._candidates(unknown) if unknown and not self.register_unknown else {}
        for number, p in parsed.items():
            outcome = outcomes[number]
            person = by_pk.get(self.matches[number]) if number in self.matches else people.get(p["id_number"])
            try:
                self._check_row(outcome, p, person, records, candidates.get(number, []))
            except RowProblem as problem:
                outcome.fail(problem.header, problem.message)
            except ServiceError as error:
                outcome.fail(self.header_of("code") if error.field in ("code", "department") else "", error.message)
        return [outcomes[r.number] for r in rows]

    def _parse(self, row: RowIn) -> dict:
        v, h = row.values, self.header_of
        # The name of a person the list may register (register_unknown): the register's limits.
        name = _identifier(h("name"), v.get("name"), model=Person, field_name="name")
        if not name:
            raise RowProblem(h("name"), "不能为空")
        try:
            raw_number = id_text(v.get("id_number"))
        except CellError as error:
            raise RowProblem(h("id_number"), str(error)) from None
        number, id_error = raw_number, None
        try:
            number = parse_id_number(raw_number, today=self.today).number
        except IdNumberError as error:
            id_error = error.message
        code = parse_code(v.get("code"))
        if code is None:
            raise RowProblem(h("code"), f"无法识别身份类别「{text(v.get('code'))}」")
        try:
            valid_from = date_cell(v.get("valid_from"), required=True)
        except CellError as error:
            raise RowProblem(h("valid_from"), str(error)) from None
        try:
            valid_to = date_cell(v.get("valid_to"))
            exit_date = date_cell(v.get("exit_date"))
        except CellError as error:
            raise RowProblem(h("valid_to"), str(error)) from None
        if valid_to and valid_to < valid_from:
            raise RowProblem(h("valid_to"), f"有效期至 {valid_to} 早于认定日期 {valid_from}")
        if exit_date and exit_date < valid_from:
            raise RowProblem(h("exit_date"), f"退出日期 {exit_date} 早于认定日期 {valid_from}")
        document_number = _identifier(h("document_number"), v.get("document_number"), model=HardshipIdentity,
                                      field_name="document_number")
        return {"name": name, "id_number": number, "id_error": id_error, "code": code, "valid_from": valid_from, "valid_to": valid_to,
                "exit_date": exit_date, "document_number": document_number, "village": text(v.get("village"))}

    def _check_row(self, outcome, p, person, records, candidates):
        h = self.header_of
        department, on_behalf = acting_department(self.user, p["code"])
        new_person = None
        if person is None:
            if p["id_error"] is None and self.register_unknown:
                if p["id_number"] in self.registered_elsewhere:
                    raise RowProblem(h("id_number"), NOT_REGISTRABLE_HERE)
                new_person = self._new_person(p)
            else:
                message = p["id_error"] or NOT_REGISTERED
                if candidates:
                    message += "；可能是：" + "；".join(f"{c.name} {mask_id_number(c.id_number)}（{why}）" for c, why in candidates) + "，请确认"
                elif p["id_error"] is None:
                    message += "；可选择“登记未登记人员”并填写所属村/社区"
                outcome.fail(h("id_number"), message)
                outcome.choices = [[c.pk, f"{c.name} {mask_id_number(c.id_number)}（{why}）"] for c, why in candidates]
                return
        elif person.name != p["name"] and outcome.number not in self.matches:
            raise RowProblem(h("name"), f"姓名与登记信息（{person.name}）不一致，请核对")

        existing = records.get((person.pk, p["code"]), []) if person else []
        plan = plan_certification(existing, p["code"], p["valid_from"], p["valid_to"], self.today)
        row = IdentityRow(person=person, new_person=new_person, code=p["code"], department=department, on_behalf=on_behalf,
                          document_number=p["document_number"], record=plan.record, absorbed=plan.absorbed,
                          valid_from=plan.valid_from, valid_to=plan.valid_to, revoked_on=None, revoke_reason="")
        label = f"{p['name']} {mask_id_number(p['id_number'])} {IdentityCode(p['code']).label}"
        if p["exit_date"]:
            # The record the exit ends: the open one of this period, or one already revoked.
            current = plan.record or next((i for i in existing if i.valid_from <= p["exit_date"]
                                           and (i.valid_to is None or i.valid_to >= p["valid_from"])), None)
            if plan.record is None and current is not None:
                row.record, row.valid_from, row.valid_to = current, current.valid_from, current.valid_to
            if current is not None and current.revoked_on is not None and current.revoked_on <= p["exit_date"]:
                outcome.status, outcome.summary = UNCHANGED, f"{label} 已于{current.revoked_on}退出"
                return
            row.revoked_on, row.revoke_reason = p["exit_date"], "部门名单退出"
            outcome.status = NEW if current is None else CHANGED
            outcome.summary = f"{label} 退出（{p['exit_date']}）"
        elif plan.record is None:
            outcome.status, outcome.summary = NEW, f"{label} {plan.valid_from}至{plan.valid_to or '长期'}" + ("，新登记人员" if new_person else "")
        elif plan.unchanged:
            outcome.status, outcome.summary = UNCHANGED, f"{label} 已认定"
            return
        else:
            outcome.status, outcome.summary = CHANGED, f"{label} 期间合并为 {plan.valid_from}至{plan.valid_to or '长期'}"
        outcome.payload = row

    def _new_person(self, p) -> dict:
        h = self.header_of
        if not p["village"]:
            raise RowProblem(h("village"), "登记未登记人员须填写所属村/社区")
        village = self._village(p["village"])
        parsed = parse_id_number(p["id_number"], today=self.today)
        return {"name": p["name"], "id_number": parsed.number, "birth_date": parsed.birth_date, "gender": parsed.gender,
                "village": village}

    def _village(self, raw: str) -> Region:
        if self._villages is None:
            villages = list(Region.objects.restrict(self.user).filter(level=RegionLevel.VILLAGE))
            self._villages = {v.code: [v] for v in villages}
            for v in villages:
                self._villages.setdefault(v.name, []).append(v)
        found = self._villages.get(raw, [])
        if len(found) != 1:
            raise RowProblem(self.header_of("village"), f"「{raw}」不是您辖区内唯一的村（社区），请填写代码")
        return found[0]

    def _candidates(self, unknown: dict) -> dict[int, list]:
        """Likely people for unknown ID numbers, searched in the user's region (Person.restrict:
        a county's clerk or department searches the county, users bound to the city the whole
        city): one digit off or two digits swapped; same name and birth date; same name in
        pinyin and birth date (homophone typos). Shown masked, for the user to confirm."""
        found: dict[int, list] = {n: [] for n in unknown}
        variants = {n: one_digit_variants(p["id_number"]) for n, p in unknown.items() if len(p["id_number"]) == 18}
        all_variants = set().union(*variants.values()) if variants else set()
        scope = Person.objects.restrict(self.user)
        by_number = {p.id_number: p for p in scope.filter(id_number__any=list(all_variants)).only("id", "name", "id_number", "birth_date")}
        births = {n: _lenient_birth(p["id_number"]) for n, p in unknown.items()}
        same_day = {}
        dates = {b for b in births.values() if b}
        if dates:
            for person in scope.filter(birth_date__in=dates).only("id", "name", "id_number", "birth_date"):
                same_day.setdefault(person.birth_date, []).append(person)
        for n, p in unknown.items():
            seen = set()
            for v in variants.get(n, ()):
                if v in by_number:
                    found[n].append((by_number[v], "身份证号相差一位或两位颠倒"))
                    seen.add(by_number[v].pk)
            spelled = pinyin_of(p["name"])
            for person in same_day.get(births[n], []):
                if person.pk in seen:
                    continue
                if person.name == p["name"]:
                    found[n].append((person, "同名同出生日期"))
                elif pinyin_of(person.name) == spelled:
                    found[n].append((person, "姓名同音、出生日期相同"))
            found[n] = found[n][:MAX_CANDIDATES]
        return found

    # ---------------------------------------------------------------- writing

    def write(self, outcomes):
        now, today = timezone.now(), self.today
        rows = [o.payload for o in outcomes]
        new_people = [r for r in rows if r.new_person is not None]
        if new_people:
            person_rows = []
            for r, pk in zip(new_people, reserve_ids(Person, len(new_people))):
                v = r.new_person["village"]
                person_rows.append({"id": pk, "name": r.new_person["name"], "id_number": r.new_person["id_number"],
                                    "birth_date": r.new_person["birth_date"], "gender": r.new_person["gender"], "phone": "",
                                    "household_id": None, "relation_to_head": "", "hukou_region_id": None, "village_id": v.pk,
                                    "region_path": v.path, "status": Person.Status.NORMAL, "status_date": None,
                                    "created_at": now, "updated_at": now})
                r.person = Person(pk=pk, region_path=v.path)
            insert_with_history(Person, person_rows, user=self.user, reason=self.reason, when=now)
        created, changed = [], []
        for r in rows:
            if r.record is None:
                created.append({
                    "person_id": r.person.pk, "code": r.code, "department": r.department, "document_number": r.document_number,
                    "valid_from": r.valid_from, "valid_to": r.valid_to, "revoked_on": r.revoked_on, "revoke_reason": r.revoke_reason,
                    "status": HardshipIdentity.Status.REVOKED if r.revoked_on else status_for(r.valid_to, today),
                    "recorded_by_id": self.user.pk, "on_behalf": r.on_behalf, "source_import_id": self.job.pk if self.job else None,
                    "region_path": r.person.region_path, "created_at": now, "updated_at": now,
                })
                continue
            record = r.record
            absorb(record, r.absorbed)
            record.valid_from, record.valid_to = r.valid_from, r.valid_to
            if r.revoked_on:
                record.revoked_on, record.revoke_reason, record.status = r.revoked_on, r.revoke_reason, HardshipIdentity.Status.REVOKED
            else:
                record.status = status_for(r.valid_to, today)
            record.document_number = r.document_number or record.document_number
            record.recorded_by, record.on_behalf = self.user, r.on_behalf
            changed.append(record)
        insert_with_history(HardshipIdentity, created, user=self.user, reason=self.reason, when=now)
        if changed:
            bulk_update_with_history(changed, HardshipIdentity, ["valid_from", "valid_to", "revoked_on", "revoke_reason", "status",
                                                                 "document_number", "recorded_by", "on_behalf"],
                                     batch_size=1000, default_user=self.user, default_change_reason=self.reason)

