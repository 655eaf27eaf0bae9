"""The remote-care filing list (异地就医备案名单, X000 arts. 19-20), imported by county clerks:
one row per filing, checked by the rules of benefits.services.filings (destination among the 34
provincial-level divisions and outside the person's pooling region, a plausible period, no
second valid filing of the same kind for the same place on the same days, one long-term
residence at a time) and written through filings_create / filing_end, the writers the pages call.
A user above every pooling region (湖北省) reads filings only: its preview fails, saying so.

A row is the filing of (person, kind, destination, start day). The same row again changes
nothing; a later end (备案结束日期) for a filing already recorded ends or extends it, unless a
bill already settled on the filing would fall outside. A filing revoked on the pages is not
brought back by the list. A person outside the user's region reads exactly as one not
registered at all.
"""

from dataclasses import dataclass
from datetime import date

from benefits.models import RemoteCareFiling
from benefits.places import PlaceError, city_key, city_name, place_text, province_name, same_province
from benefits.services.filings import (KIND_LABELS, FilingInput, Status, check_period, clean_destination,
                                       filing_end, filings_create, home_place_of, kind_of, may_add_filings, overlap_problem,
                                       settled_on)
from core.errors import ServiceError
from core.idnumber import IdNumberError, mask_id_number, parse_id_number
from core.imports import (CHANGED, NEW, UNCHANGED, CellError, Column, Importer, RowIn, RowOutcome, date_cell, example_id_number,
                          free_text, id_text, identifier_text, text)
from core.restrict import path_allowed
from enrollment.models import Person

NOT_REGISTERED = "该身份证号的人员未在您的辖区登记；请先登记人员"
READ_ONLY_IMPORT = "省级用户只能查看备案，不能导入异地就医备案名单；请由参保地县（市、区）医保经办机构导入"
# ServiceError fields of the filing service -> the column at fault.
FIELD_COLUMNS = {"destination_province": "province", "destination_city": "city", "valid_from": "valid_from", "valid_to": "valid_to",
                 "hospital": "hospital", "note": "note", "kind": "kind"}


class RowProblem(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


@dataclass
class Planned:
    """A filing as the checks compare it: a stored valid one, or a row of this file to be written."""

    pk: int | None
    kind: str
    destination_province: str
    destination_city: str
    valid_from: date
    valid_to: date | None
    status: str = Status.VALID
    hospital: str = ""
    note: str = ""


def _cell(key, read, value, **kwargs):
    try:
        return read(value, **kwargs)
    except CellError as error:
        raise RowProblem(key, str(error)) from None


class FilingImporter(Importer):
    kind = "remote_filings"
    title = "异地就医备案名单导入"
    permission = "benefits.add_remotecarefiling"
    duplicate_key = ("id_number", "kind", "province", "city", "valid_from")
    columns = [
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219800101123"), help="18位；单元格保持文本格式",
               text=True),
        Column("name", "姓名", required=True, example="示例张三", help="与登记信息一致"),
        Column("kind", "备案类型", required=True, example=KIND_LABELS["temporary"], choices=tuple(KIND_LABELS.values()),
               help="转诊备案、临时外出就医备案或异地长期居住备案"),
        Column("province", "就医省份", required=True, example="广东省", help="省级行政区名称，可写简称（如 湖北、广西）",
               format="省、自治区、直辖市或特别行政区名称"),
        Column("city", "就医城市", example="广州市", help="地级市、自治州、地区或盟（如 广州市，写 广州 亦可）；留空表示全省有效；直辖市留空"),
        Column("valid_from", "备案开始日期", required=True, example="2026-01-01", date=True),
        Column("valid_to", "备案结束日期", example="2026-06-30", help="长期有效留空", date=True),
        Column("hospital", "转入医院", example="", help="转诊备案填写转入的医疗机构"),
        Column("note", "备注"),
    ]
    template_rules = (
        "每个备案一行；同一人办理两个备案时写两行。就医地须在本统筹区以外（市内就医无需备案）。",
        "同一人同一类型、同一就医地的有效备案期间不能重叠；异地长期居住备案同一期间只能有一个。",
        "已导入的备案再次导入不会重复登记；只改“备案结束日期”即提前结束或延长原备案。已撤销的备案不会因再次导入而恢复。",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reason = f"导入 {self.job.original_name}" if self.job else "导入异地就医备案名单"

    def describe(self, row):
        number = text(row.values.get("id_number")).upper()
        return f"{text(row.values.get('name'))} {mask_id_number(number) if len(number) == 18 else number}".strip()

    def duplicate_value(self, row):
        """One filing however it is spelled: 转诊 and 转诊备案, 湖北 and 湖北省, 广州 and 广州市, a
        date cell and its text; the city may be blank (the whole province)."""
        number = text(row.values.get("id_number")).upper().replace(" ", "")
        kind = kind_of(row.values.get("kind"))
        province = province_name(row.values.get("province"))
        try:
            start = date_cell(row.values.get("valid_from"), required=True)
        except CellError:
            return None
        if not (number and kind and province):
            return None
        try:
            city = city_key(city_name(province, row.values.get("city")))
        except PlaceError:
            city = city_key(row.values.get("city"))
        return number, kind, province, city, start

    @classmethod
    def refusal(cls, user):
        # A user above every pooling region (湖北省) reads filings only: not offered, not started.
        return super().refusal(user) or (READ_ONLY_IMPORT if user.has_perm(cls.permission) and not may_add_filings(user) else None)

    def prepare(self, rows):
        # A user above every pooling region (湖北省) reads filings only: the preview fails, saying
        # so, before a row is checked (filings_create and filing_end refuse the same).
        if not may_add_filings(self.user):
            raise ServiceError("read_only", READ_ONLY_IMPORT)
        self.homes: dict[str, object] = {}  # region path -> HomePlace
        self.working: dict[int, list] = {}  # person id -> the person's filings as this file leaves them

    # ---------------------------------------------------------------- checking

    def check(self, rows: list[RowIn]) -> list[RowOutcome]:
        outcomes, parsed = {}, {}
        for row in rows:
            outcomes[row.number] = RowOutcome(row.number)
            try:
                parsed[row.number] = self._parse(row)
            except RowProblem as problem:
                outcomes[row.number].fail(self.header_of(problem.key), problem.message)
        numbers = {p["id_number"] for p in parsed.values()}
        people = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers).only("id", "name", "id_number", "region_path")
                  if path_allowed(self.user, p.region_path)}
        self._load_filings([p.pk for p in people.values()])
        for number, p in parsed.items():
            outcome = outcomes[number]
            try:
                self._check_row(outcome, p, people.get(p["id_number"]))
            except RowProblem as problem:
                outcome.fail(self.header_of(problem.key), problem.message)
            except ServiceError as error:
                outcome.fail(self.header_of(FIELD_COLUMNS.get(error.field, "valid_from")), error.message)
        return [outcomes[r.number] for r in rows]

    def _parse(self, row: RowIn) -> dict:
        v = row.values
        raw_number = _cell("id_number", id_text, v.get("id_number"))
        try:
            number = parse_id_number(raw_number, today=self.today).number
        except IdNumberError as error:
            raise RowProblem("id_number", error.message) from None
        name = _cell("name", identifier_text, v.get("name"), max_length=Person._meta.get_field("name").max_length)
        if not name:
            raise RowProblem("name", "不能为空")
        kind = kind_of(v.get("kind"))
        if kind is None:
            raise RowProblem("kind", f"无法识别备案类型「{text(v.get('kind'))[:20]}」，应为 {'、'.join(KIND_LABELS.values())}")
        province_cell = _cell("province", identifier_text, v.get("province"), max_length=30)
        city_cell = _cell("city", identifier_text, v.get("city"), max_length=RemoteCareFiling._meta.get_field("destination_city").max_length)
        try:
            province, _city = clean_destination(province_cell, "")  # the city once the person's pooling region is known
        except ServiceError as error:
            raise RowProblem(FIELD_COLUMNS[error.field], error.message) from None
        valid_from = _cell("valid_from", date_cell, v.get("valid_from"), required=True)
        valid_to = _cell("valid_to", date_cell, v.get("valid_to"))
        try:
            check_period(valid_from, valid_to)
        except ServiceError as error:
            raise RowProblem(FIELD_COLUMNS[error.field], error.message) from None
        hospital = _cell("hospital", free_text, v.get("hospital"), max_length=RemoteCareFiling._meta.get_field("hospital").max_length)
        note = _cell("note", free_text, v.get("note"), max_length=RemoteCareFiling._meta.get_field("note").max_length)
        return {"id_number": number, "name": name, "kind": kind, "province": province, "city": city_cell, "valid_from": valid_from,
                "valid_to": valid_to, "hospital": hospital, "note": note}

    def _load_filings(self, person_ids):
        """The stored filings of people this file has not met yet (valid and revoked: a revoked
        one is not filed again). Rows written by an earlier batch of this commit are already in
        the working lists, so each person is read once."""
        new = [pk for pk in person_ids if pk not in self.working]
        for pk in new:
            self.working[pk] = []
        for record in RemoteCareFiling.objects.filter(person_id__in=new).order_by("valid_from", "pk"):
            self.working[record.person_id].append(record)

    def _home(self, path):
        if path not in self.homes:
            self.homes[path] = home_place_of(path)
        return self.homes[path]

    def _check_row(self, outcome: RowOutcome, p: dict, person: Person | None):
        if person is None:
            raise RowProblem("id_number", NOT_REGISTERED)
        if person.name != p["name"]:
            raise RowProblem("name", f"姓名与登记信息（{person.name}）不一致，请核对")
        # The city as stored (武汉 → 武汉市), a place inside the pooling region refused (嘉鱼县, 咸宁).
        p["province"], p["city"] = clean_destination(p["province"], p["city"], self._home(person.region_path))
        label = f"{p['name']} {mask_id_number(p['id_number'])} {KIND_LABELS[p['kind']]} {place_text(p['province'], p['city'])}"
        filings = self.working[person.pk]
        same = [f for f in filings if f.kind == p["kind"] and same_province(f.destination_province, p["province"])
                and city_key(f.destination_city) == city_key(p["city"]) and f.valid_from == p["valid_from"]]
        current = next((f for f in same if f.status == Status.VALID), None)
        if current is None and same:
            outcome.status, outcome.summary = UNCHANGED, f"{label} 该备案已撤销，未重新导入；如需备案请在人员页面办理"
            return
        if current is not None:
            if current.valid_to == p["valid_to"]:
                untouched = " （转入医院、备注未更新）" if (current.hospital, current.note) != (p["hospital"], p["note"]) else ""
                outcome.status, outcome.summary = UNCHANGED, f"{label} 已备案{untouched}"
                return
            self._check_new_end(current, p["valid_to"], filings)
            current.valid_to = p["valid_to"]  # later rows of the file compare against the new end
            outcome.status, outcome.payload = CHANGED, {"filing": current.pk, "valid_to": p["valid_to"]}
            outcome.summary = f"{label} 备案结束日期改为 {p['valid_to'].isoformat() if p['valid_to'] else '长期'}"
            return
        problem = overlap_problem(filings, kind=p["kind"], province=p["province"], city=p["city"], valid_from=p["valid_from"],
                                  valid_to=p["valid_to"])
        if problem:
            raise RowProblem("valid_from", problem)
        filings.append(Planned(None, p["kind"], p["province"], p["city"], p["valid_from"], p["valid_to"]))
        outcome.status, outcome.payload = NEW, {**p, "person": person}
        end = p["valid_to"].isoformat() if p["valid_to"] else "长期"
        outcome.summary = f"{label} {p['valid_from'].isoformat()}至{end}"

    def _check_new_end(self, current: RemoteCareFiling, valid_to, filings):
        """A new end for a stored filing: filing_end's rules, said for the row."""
        if valid_to is not None:
            bills = settled_on(current, after=valid_to)
            if bills:
                raise RowProblem("valid_to", f"该备案已用于 {bills[-1].visit_date.isoformat()} 入院的结算单 {bills[-1].bill_number}，"
                                             f"结束日期不能早于该日；如确需提前结束，请先冲正")
        others = [f for f in filings if f is not current]
        problem = overlap_problem(others, kind=current.kind, province=current.destination_province, city=current.destination_city,
                                  valid_from=current.valid_from, valid_to=valid_to)
        if problem:
            raise RowProblem("valid_to", problem)

    # ---------------------------------------------------------------- writing

    def write(self, outcomes):
        """The batch's new filings through the service the pages call (filings_create: the
        same checks again, under the people's locks, written with COPY), then each new end."""
        filings_create(user=self.user, source_import=self.job, items=[
            FilingInput(person=p["person"], kind=p["kind"], destination_province=p["province"], destination_city=p["city"],
                        valid_from=p["valid_from"], valid_to=p["valid_to"], hospital=p["hospital"], note=p["note"])
            for p in (o.payload for o in outcomes if o.status == NEW)])
        for outcome in outcomes:
            if outcome.status == CHANGED:
                filing = RemoteCareFiling.objects.get(pk=outcome.payload["filing"])
                filing_end(user=self.user, filing=filing, valid_to=outcome.payload["valid_to"], reason=self.reason)
