"""Excel lists of the enrollment app, run by the import engine (core.imports).

Village household lists and school student lists (参保名单) create or update people and
households and register (or record payment of) their enrollment for a benefit year, through the
same terms and conflict rules as the pages (enrollment.services.enrollments). The employee-
insurance list (职工医保名单) keeps EmployeeCoverage current. Each batch is validated with one
query per table and written with bulk inserts; history rows record the importing user.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.bulk import reserve_ids
from core.errors import ServiceError
from core.history import insert_with_history
from core.idnumber import IdNumberError, mask_id_number, normalize, parse_id_number
from core.imports import (CHANGED, ERROR, NEW, UNCHANGED, CellError, Column, Importer, RowIn, RowOutcome, choice_text, date_cell,
                          example_id_number, free_text, id_text, identifier_text, text)
from core.phone import PhoneError, normalize_phone
from core.models import Region, RegionLevel
from core.restrict import path_allowed, region_allowed
from assistance.models import HardshipIdentity
from enrollment.models import (
    Category,
    Channel,
    CollectionWindow,
    ContributionStandard,
    EmployeeCoverage,
    Enrollment,
    Household,
    Person,
    Relation,
    ResidentScheme,
    SchemeAssignment,
    School,
    SubsidyRule,
)
from enrollment.rules.terms import Terms, TermsError, compute_terms
from enrollment.services.enrollments import PersonFacts, check_enrollment, find_conflict, initial_status, price_payment
from enrollment.services.people import NOT_REGISTRABLE_HERE
from enrollment.services.policy import PolicyCache

CATEGORY_LABELS = {
    **{label: code for code, label in Category.choices},
    **{code: code for code in Category.values},
    "居民": Category.REGULAR, "普通居民": Category.REGULAR, "城乡居民": Category.REGULAR,
    "大中专学生": Category.COLLEGE_STUDENT, "大学生": Category.COLLEGE_STUDENT,
    "中小学生": Category.SCHOOL_PUPIL, "幼儿": Category.SCHOOL_PUPIL, "学生": Category.SCHOOL_PUPIL,
    # The label as earlier templates and pages spelt it, and as it may be renamed (the "/"
    # is not a separator between choices): both stay accepted.
    "中小学生/幼儿": Category.SCHOOL_PUPIL, "中小学生（含幼儿）": Category.SCHOOL_PUPIL, "中小学生(含幼儿)": Category.SCHOOL_PUPIL,
}
RELATION_LABELS = {
    **{label: code for code, label in Relation.choices},
    **{code: code for code in Relation.values},
    "本人": Relation.HEAD, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "妻子": Relation.SPOUSE, "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD, "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD,
    "父亲": Relation.PARENT, "母亲": Relation.PARENT, "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD,
    "外孙子女": Relation.GRANDCHILD, "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW,
}
CATEGORY_NAMES = dict(Category.choices)
# The columns the batch check reads (everything else stays in the database).
IDENTITY_FIELDS = ("id", "person_id", "code", "valid_from", "valid_to", "revoked_on")
PERSON_FIELDS = ("id", "name", "id_number", "birth_date", "phone", "village_id", "region_path", "relation_to_head", "household_id", "status")
ENROLLMENT_FIELDS = ("id", "person_id", "benefit_year", "category", "channel", "school_id", "village_id", "payment_date", "identities",
                     "status", "benefit_start", "benefit_end", "prior_coverage_kind", "prior_coverage_ended_on", "prior_coverage_years",
                     "standard", "subsidy", "subsidy_identity", "amount_due", "mid_year", "waiting_days", "sources")


def _id_key(value) -> str:
    """An ID number cell as the rows are matched on (id_text without its number check)."""
    return normalize(text(value))


# A kept plan's fields, in order (see EnrollmentListImporter.freeze).
FROZEN_PERSON = ("name", "id_number", "birth_date", "gender", "phone", "relation_to_head")
FROZEN_ENROLLMENT = ("benefit_year", "scheme_id", "category", "channel", "school_id", "registered_on", "payment_date",
                     "standard", "subsidy", "subsidy_identity", "subsidy_identity_record_id", "identities", "amount_due",
                     "status", "benefit_start",
                     "benefit_end", "mid_year", "waiting_days", "sources")
DATE_KEYS = frozenset(["birth_date", "registered_on", "payment_date", "benefit_start", "benefit_end"])
MONEY_KEYS = frozenset(["standard", "subsidy", "amount_due"])


def _to_json(value):
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value


def _from_json(key, value):
    if value is None:
        return None
    return date.fromisoformat(value) if key in DATE_KEYS else Decimal(value) if key in MONEY_KEYS else value


class RowProblem(Exception):
    def __init__(self, header: str, message: str):
        super().__init__(message)
        self.header = header
        self.message = message


def _max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def _cell(header: str, read, value, **kwargs) -> str:
    """A text cell read by one of core.imports' readers, or the row's error in its column."""
    try:
        return read(value, **kwargs)
    except CellError as error:
        raise RowProblem(header, str(error)) from None


def _phone(header: str, value) -> str:
    """A contact number: not formula-like text (identifier_text), within Person.phone, and a
    mobile or landline number (core.phone), in its one spelling."""
    raw = _cell(header, identifier_text, value, max_length=_max_length(Person, "phone"))
    try:
        return normalize_phone(raw)
    except PhoneError as error:
        raise RowProblem(header, error.message) from None


@dataclass(slots=True)
class EnrollmentRow:
    """What one valid row will do, kept between check and write: plain values for what is
    new (written with COPY), model instances only for rows that already exist."""

    id_number: str
    head_id_number: str
    is_head: bool
    village: Region
    person: Person | None = None  # an existing person
    new_person: dict | None = None  # the values of a new person
    person_changes: list = field(default_factory=list)
    household: Household | None = None  # existing household to join
    new_household: bool = False
    address: str = ""
    enrollment: dict | None = None  # the values of a new enrollment
    paid_enrollment: Enrollment | None = None  # an existing registration now paid
    person_id: int | None = None  # assigned at write


class EnrollmentListImporter(Importer):
    kind = "enrollment_list"
    title = "参保名单导入"
    permission = "enrollment.import_enrollment"
    duplicate_key = "id_number"
    columns = [
        Column("name", "姓名", required=True, example="示例张三", help="与身份证一致"),
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219900307123"),
               help="18位；单元格保持文本格式", text=True),
        Column("head_id_number", "户主身份证号", example="", help="本人是户主时留空或填本人身份证号；家庭成员填户主的身份证号",
               text=True),
        Column("relation", "与户主关系", example=Relation.HEAD.label, choices=tuple(Relation.labels),
               help="本人是户主时填“户主”或留空；家庭成员必填"),
        Column("village", "村/社区", required=True, example="421202001001", help="村（社区）代码或名称", aliases=("村（社区）", "村社区"),
               format="12位村（社区）代码，或村（社区）名称", text=True),
        Column("phone", "联系电话", example="13800000000", help="手机号11位，或带区号的固定电话", text=True),
        Column("category", "参保类别", example=Category.REGULAR.label, choices=tuple(Category.labels), help="留空为城乡居民"),
        Column("payment_date", "缴费日期", example="2026-10-08", help="留空表示只登记、尚未缴费；不能晚于今天", date=True),
        Column("school", "学校", help="学校集中参保时填写学校名称或代码"),
        Column("benefit_year", "参保年度", help="可选；填写时须与缴费日期对应的待遇年度一致", format="四位年份，如 2027"),
        Column("address", "家庭住址", help="户主一行填写即可"),
    ]
    template_rules = (
        "每人一行：户主和每位家庭成员各占一行；成员填写户主身份证号和与户主关系，户主的行也须在本文件中或已登记。",
        "参保类别“中小学生/幼儿”是一个选项（在校中小学生和幼儿园幼儿）；“中小学生”“幼儿”单独填写也能识别。",
    )

    @classmethod
    def example_rows(cls, user):
        """A household of three: the head, the spouse and a pupil, in the user's first village
        (its code), with valid ID numbers, so the form of every column is shown once."""
        head, = super().example_rows(user)
        village = Region.objects.restrict(user).filter(level=RegionLevel.VILLAGE).order_by("code").first() if user else None
        if village is not None:
            head["village"] = village.code
        spouse = head | {"name": "示例李四", "id_number": example_id_number("42120219920515124"), "head_id_number": head["id_number"],
                         "relation": Relation.SPOUSE.label, "phone": "", "address": ""}
        pupil = spouse | {"name": "示例张小明", "id_number": example_id_number("42120220150901125"),
                          "relation": Relation.CHILD.label, "category": Category.SCHOOL_PUPIL.label}
        return [head, spouse, pupil]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        villages = list(Region.objects.restrict(self.user).filter(level=RegionLevel.VILLAGE))
        self.village_by_code = {v.code: v for v in villages}
        self.village_by_id = {v.pk: v for v in villages}
        self.villages_by_name: dict[str, list[Region]] = {}
        for v in villages:
            self.villages_by_name.setdefault(v.name, []).append(v)
        schools = list(School.objects.restrict(self.user))
        self.school_by_key = {s.code: s for s in schools} | {s.name: s for s in schools}
        self.policies = PolicyCache()
        self.file_heads: dict[str, int] = {}
        self.head_rows: set[int] = set()
        self._terms_cache: dict = {}
        self._ids: dict = {}
        self.failed_heads: set[str] = set()
        self.household_by_head: dict[str, Household] = {}
        self.reason = f"导入 {self.job.original_name}" if self.job else "导入参保名单"

    # -------------------------------------------------------------------- parsing

    def describe(self, row: RowIn) -> str:
        number = _id_key(row.values.get("id_number"))
        return f"{text(row.values.get('name'))} {mask_id_number(number) if len(number) == 18 else number}".strip()

    def _is_head_row(self, values) -> bool:
        head = _id_key(values.get("head_id_number"))
        return not head or head == _id_key(values.get("id_number")) or text(values.get("relation")) in ("户主", "本人", "head")

    def prepare(self, rows):
        self.head_rows = {r.number for r in rows if self._is_head_row(r.values)}
        self.file_heads = {_id_key(r.values.get("id_number")): r.number for r in rows if r.number in self.head_rows}

    def order(self, rows):
        # Heads first, so that members find the household their head's row creates.
        return [r for r in rows if r.number in self.head_rows] + [r for r in rows if r.number not in self.head_rows]

    def _parse(self, row: RowIn) -> dict:
        v = row.values
        h = self.header_of
        if not text(v.get("name")):
            raise RowProblem(h("name"), "不能为空")
        try:
            parsed = self._id(id_text(v.get("id_number")))
        except (IdNumberError, CellError) as error:
            raise RowProblem(h("id_number"), error.message if isinstance(error, IdNumberError) else str(error)) from None
        # The name's text after the number that names the row: a row wrong in both says the number.
        name = _cell(h("name"), identifier_text, v.get("name"), max_length=_max_length(Person, "name"))
        try:
            head_id = id_text(v.get("head_id_number")) or parsed.number
        except CellError as error:
            raise RowProblem(h("head_id_number"), str(error)) from None
        if head_id != parsed.number:
            try:
                head_id = self._id(head_id).number
            except IdNumberError as error:
                raise RowProblem(h("head_id_number"), error.message) from None
        relation_raw = text(v.get("relation"))
        relation = RELATION_LABELS.get(relation_raw) if relation_raw else (Relation.HEAD if head_id == parsed.number else None)
        if relation is None:
            raise RowProblem(h("relation"), f"无法识别「{relation_raw}」" if relation_raw else "本人不是户主时须填写与户主关系")
        if (relation == Relation.HEAD) != (head_id == parsed.number):
            raise RowProblem(h("relation"), "与户主关系为“户主”时，户主身份证号应为本人身份证号（或留空）")
        village = self._village(text(v.get("village")))
        category_raw = text(v.get("category"))
        category = CATEGORY_LABELS.get(category_raw, None) if category_raw else Category.REGULAR
        if category is None:
            raise RowProblem(h("category"), f"无法识别「{category_raw}」，应为 {choice_text(Category.labels)}")
        try:
            payment_date = date_cell(v.get("payment_date"))
        except CellError as error:
            raise RowProblem(h("payment_date"), str(error)) from None
        if payment_date and payment_date > self.today:
            raise RowProblem(h("payment_date"), "缴费日期不能晚于今天")
        school = None
        school_raw = text(v.get("school"))
        if school_raw:
            school = self.school_by_key.get(school_raw)
            if school is None:
                raise RowProblem(h("school"), f"「{school_raw}」不是您辖区内登记的学校")
        year_raw = text(v.get("benefit_year")).replace("年", "").replace("度", "")
        if year_raw and not (year_raw.isdigit() and len(year_raw) == 4):
            raise RowProblem(h("benefit_year"), f"「{year_raw}」不是有效年度")
        phone = _phone(h("phone"), v.get("phone"))
        address = _cell(h("address"), free_text, v.get("address"), max_length=_max_length(Household, "address"))
        return {
            "name": name, "parsed": parsed, "head_id": head_id, "relation": relation, "village": village,
            "phone": phone, "category": category, "payment_date": payment_date, "school": school,
            "benefit_year": int(year_raw) if year_raw else None, "address": address,
        }

    def _id(self, raw: str):
        """parse_id_number, once per number: a head's number is on every member's row."""
        parsed = self._ids.get(raw)
        if parsed is None:
            parsed = self._ids[raw] = parse_id_number(raw, today=self.today)
        return parsed

    def _village(self, raw: str) -> Region:
        header = self.header_of("village")
        if not raw:
            raise RowProblem(header, "不能为空")
        if raw in self.village_by_code:
            return self.village_by_code[raw]
        matches = self.villages_by_name.get(raw, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise RowProblem(header, f"「{raw}」在您的辖区内有{len(matches)}个同名村（社区），请填写村（社区）代码")
        raise RowProblem(header, f"「{raw}」不是您管辖区划内的村（社区）")

    # -------------------------------------------------------------------- checking

    def check(self, rows):
        parsed, outcomes = {}, {}
        for row in rows:
            try:
                parsed[row.number] = self._parse(row)
            except RowProblem as problem:
                outcomes[row.number] = RowOutcome(row.number).fail(problem.header, problem.message)
        # One query per table for the whole batch, loading only what the rules compare.
        ids = list({p["parsed"].number for p in parsed.values()} | {p["head_id"] for p in parsed.values()})
        people = {
            p.id_number: p for p in Person.objects.filter(id_number__any=ids)
            .select_related("household").only(*PERSON_FIELDS, "household__head_id")
        }
        households = {
            h.head_number: h for h in Household.objects.filter(head__id_number__any=ids)
            .annotate(head_number=F("head__id_number")).only("id", "head_id", "village_id", "region_path")
        }
        enrollments: dict[int, list] = {}
        for e in (Enrollment.objects.filter(person__id__any=[p.pk for p in people.values()])
                  .exclude(status=Enrollment.Status.CANCELLED).only(*ENROLLMENT_FIELDS)):
            enrollments.setdefault(e.person_id, []).append(e)
        employee: dict[str, list] = {}
        for c in EmployeeCoverage.objects.filter(id_number__any=ids):
            employee.setdefault(c.id_number, []).append(c)
        # Certified hardship identities: the subsidy comes from those valid on each row's date.
        self.batch_identities = {}
        for record in HardshipIdentity.objects.filter(person__id__any=[p.pk for p in people.values()]).only(*IDENTITY_FIELDS):
            self.batch_identities.setdefault(record.person_id, []).append(record)

        for row in rows:
            if row.number in outcomes:
                self._note_failed_head(row)
                continue
            outcome = RowOutcome(row.number)
            try:
                self._check_row(outcome, parsed[row.number], people, households, enrollments, employee)
            except RowProblem as problem:
                outcome.fail(problem.header, problem.message)
            except (ServiceError, TermsError) as error:
                outcome.fail(self._header_for_field(error.field), error.message)
            if outcome.status == ERROR:
                self._note_failed_head(row)
            outcomes[row.number] = outcome
        return [outcomes[r.number] for r in rows]

    def _note_failed_head(self, row):
        if row.number in self.head_rows:
            self.failed_heads.add(_id_key(row.values.get("id_number")))

    def _header_for_field(self, field_name):
        mapping = {"payment_date": "payment_date", "category": "category", "school": "school", "id_number": "id_number",
                   "birth_date": "id_number", "village": "village"}
        key = mapping.get(field_name)
        return self.header_of(key) if key else ""

    def _check_row(self, outcome, p, people, households, enrollments, employee):
        h = self.header_of
        parsed = p["parsed"]
        number = parsed.number
        person = people.get(number)
        is_new = person is None
        plan = EnrollmentRow(id_number=number, head_id_number=p["head_id"], is_head=p["head_id"] == number,
                             village=p["village"], address=p["address"])
        summary = [f"{p['name']} {mask_id_number(number)}"]
        if is_new:
            plan.new_person = {"name": p["name"], "id_number": number, "birth_date": parsed.birth_date, "gender": parsed.gender,
                               "phone": p["phone"], "relation_to_head": p["relation"]}
            summary.append("新增人员")
            facts = PersonFacts(Person.Status.NORMAL, (), tuple(employee.get(number, ())))
        else:
            if not path_allowed(self.user, person.region_path):
                raise RowProblem(h("id_number"), NOT_REGISTRABLE_HERE)
            plan.person = person
            plan.person_changes = self._person_changes(person, p)
            facts = PersonFacts(person.status, tuple(enrollments.get(person.pk, ())), tuple(employee.get(number, ())))

        # Household: heads keep or open their own; members join their head's.
        if plan.is_head:
            current = households.get(number)
            if current is not None:
                plan.household = current
                if not is_new and person.household_id != current.pk:
                    plan.person_changes.append("household")
            else:
                plan.new_household = True
                summary.append("新建家庭户")
        else:
            head_household = households.get(p["head_id"])
            # A household of another region reads as one not registered here (its existence,
            # like a person's, is not told outside the region).
            foreign_household = head_household is not None and not path_allowed(self.user, head_household.region_path)
            if head_household is None or foreign_household:
                if p["head_id"] in self.failed_heads:
                    raise RowProblem(h("head_id_number"), f"户主（第{self.file_heads.get(p['head_id'], '?')}行）有错误，本行无法入户")
                if p["head_id"] not in self.file_heads:
                    raise RowProblem(h("head_id_number"), f"户主 {mask_id_number(p['head_id'])} 未在您的辖区登记，也不在本文件中")
                if foreign_household:
                    raise RowProblem(h("head_id_number"), NOT_REGISTRABLE_HERE)
            plan.household = head_household
            if not is_new and (person.household_id is None or head_household is None or person.household_id != head_household.pk):
                if person.household_id and person.household.head_id == person.pk and person.household_id != getattr(head_household, "pk", None):
                    raise RowProblem(h("head_id_number"), "该人员是另一家庭户的户主，请先在系统中调整其家庭户")
                plan.person_changes.append("household")

        # Enrollment: the same pricing and rules as the pages (enrollment.services).
        channel = Channel.SCHOOL_BATCH if p["school"] else Channel.VILLAGE_BATCH
        policy = self.policies.policy(p["village"])
        assessed_on = p["payment_date"] or self.today
        valid = [r for r in self.batch_identities.get(person.pk, ()) if r.is_valid_on(assessed_on)] if not is_new else []
        codes = sorted({r.code for r in valid})
        terms = self._terms(policy, p["category"], assessed_on, parsed.birth_date, codes)
        subsidy_record = next((r for r in valid if r.code == terms.subsidy_identity), None)
        if p["benefit_year"] and p["benefit_year"] != terms.benefit_year:
            raise RowProblem(h("benefit_year"), f"按缴费日期对应{terms.benefit_year}年度，与填写的{p['benefit_year']}年度不一致")
        existing = [e for e in facts.enrollments if e.benefit_year == terms.benefit_year]
        if existing:
            existing[0].person = person
            if self._compare_existing(existing[0], p, channel, policy, facts):
                plan.paid_enrollment = existing[0]
                summary.append(f"{terms.benefit_year}年度登记缴费（{p['payment_date']}）")
        else:
            check_enrollment(user=self.user, village=p["village"], category=p["category"], channel=channel, school=p["school"],
                             terms=terms, facts=facts, assessed_on=assessed_on)
            plan.enrollment = {
                "benefit_year": terms.benefit_year, "scheme_id": self.policies.scheme(p["village"]).pk, "category": p["category"],
                "channel": channel, "school_id": p["school"].pk if p["school"] else None, "village_id": p["village"].pk,
                "region_path": p["village"].path, "registered_on": self.today, "payment_date": p["payment_date"],
                "standard": terms.standard, "subsidy": terms.subsidy, "subsidy_identity": terms.subsidy_identity or "",
                "identities": codes, "subsidy_identity_record_id": subsidy_record.pk if subsidy_record else None,
                "amount_due": terms.amount_due,
                "status": initial_status(terms, p["payment_date"], self.today),
                "benefit_start": terms.benefit_start, "benefit_end": terms.benefit_end, "mid_year": terms.mid_year,
                "waiting_days": terms.waiting_days, "sources": list(terms.sources),
            }
            summary.append(f"{terms.benefit_year}年度参保登记（{CATEGORY_NAMES[p['category']]}，应缴{terms.amount_due}元"
                           + (f"，资助{terms.subsidy}元" if terms.subsidy else "") + "）" + ("已缴费" if p["payment_date"] else "待缴费"))
        if plan.person_changes:
            summary.append("变更：" + "、".join(self._change_labels(plan.person_changes)))
        outcome.payload = plan
        outcome.summary = "，".join(summary)
        if is_new or plan.enrollment is not None or plan.new_household:
            outcome.status = NEW
        elif plan.person_changes or plan.paid_enrollment is not None:
            outcome.status = CHANGED
        else:
            outcome.status = UNCHANGED

    def _terms(self, policy, category, assessed_on, birth_date, identities):
        """compute_terms, remembered: a list repeats a few payment dates and identities
        thousands of times. The birth date matters only for newborns."""
        key = (id(policy), category, assessed_on, birth_date if category == Category.NEWBORN else None, tuple(identities))
        terms = self._terms_cache.get(key)
        if terms is None:
            terms = self._terms_cache[key] = compute_terms(
                policy, category=category, payment_date=assessed_on, birth_date=birth_date, identities=identities)
        return terms

    def _person_changes(self, person: Person, p) -> list[str]:
        changes = []
        if person.name != p["name"]:
            changes.append("name")
        if p["phone"] and person.phone != p["phone"]:
            changes.append("phone")
        if person.village_id != p["village"].pk:
            changes.append("village")
        if person.relation_to_head != p["relation"]:
            changes.append("relation_to_head")
        if changes:
            person._import_values = p
        return changes

    @staticmethod
    def _change_labels(changes):
        labels = {"name": "姓名", "phone": "联系电话", "village": "居住村（社区）", "relation_to_head": "与户主关系", "household": "家庭户"}
        return [labels[c] for c in changes]

    def _compare_existing(self, existing: Enrollment, p, channel, policy, facts: PersonFacts) -> bool:
        """The row describes an enrollment the person already has for that year: unchanged
        (False), a payment to record (True, the enrollment priced), or a conflict the clerk
        must resolve by hand (RowProblem)."""
        same = (existing.category == p["category"] and existing.channel == channel
                and existing.school_id == (p["school"].pk if p["school"] else None)
)
        if same and existing.payment_date == p["payment_date"]:
            return False
        if same and existing.status == Enrollment.Status.REGISTERED and p["payment_date"]:
            price_payment(existing, p["payment_date"], today=self.today, policy=policy,
                          records=self.batch_identities.get(existing.person_id, []))
            # The same conflict rules as enrollment_record_payment (e.g. X000 art. 3: not while
            # on the employee list for an overlapping period).
            terms = Terms(existing.benefit_year, existing.standard, existing.subsidy, existing.subsidy_identity,
                          existing.amount_due, existing.mid_year, existing.waiting_days, existing.benefit_start,
                          existing.benefit_end, tuple(existing.sources))
            conflict = find_conflict(facts, terms, channel=existing.channel, exclude_id=existing.pk)
            if conflict is not None:
                raise conflict
            return True
        by = existing.school.name if existing.school_id else existing.get_channel_display()
        raise RowProblem(
            self.header_of("payment_date"),
            f"该人员已有{existing.benefit_year}年度参保登记（{by}，{existing.get_status_display()}），与本行内容不一致；"
            "如需更改请在人员页面处理",
        )

    # -------------------------------------------------------------------- kept plans

    def data_version(self) -> str:
        """Everything the checks read: people, households, enrollments and the employee list
        (every write leaves a history row), the policy parameters, regions and schools, the
        user's region and the assessment day. Unchanged version, unchanged verdicts."""
        tracked = (Person, Household, Enrollment, EmployeeCoverage, ContributionStandard, CollectionWindow, SubsidyRule,
                   ResidentScheme, SchemeAssignment)
        parts = [m.history.model.objects.aggregate(v=Max("history_id"))["v"] for m in tracked]
        for model in (Region, School):
            parts.append(list(model.objects.aggregate(n=Count("pk"), m=Max("pk")).values()))
        parts += [self.user.region_id, self.today.isoformat()]
        return json.dumps(parts)

    def freeze(self, plan: EnrollmentRow):
        # Only rows that create everything they touch: their write needs no loaded objects.
        # A flat list in a fixed order keeps a 100,000-row plan small.
        if plan.person is not None or plan.paid_enrollment is not None or plan.enrollment is None:
            return None
        person, enrollment = plan.new_person, plan.enrollment
        return [
            plan.id_number, plan.head_id_number, plan.is_head, plan.village.pk, plan.address, plan.new_household,
            plan.household.pk if plan.household is not None else None,
            [_to_json(person[k]) for k in FROZEN_PERSON], [_to_json(enrollment[k]) for k in FROZEN_ENROLLMENT],
        ]

    def thaw(self, frozen) -> EnrollmentRow:
        id_number, head, is_head, village_pk, address, new_household, household_pk, person, enrollment = frozen
        village = self.village_by_id[village_pk]
        enrollment = {k: _from_json(k, v) for k, v in zip(FROZEN_ENROLLMENT, enrollment)}
        enrollment.update(village_id=village.pk, region_path=village.path)
        return EnrollmentRow(
            id_number=id_number, head_id_number=head, is_head=is_head, village=village, address=address,
            new_household=new_household, household=Household(pk=household_pk) if household_pk else None,
            new_person={k: _from_json(k, v) for k, v in zip(FROZEN_PERSON, person)}, enrollment=enrollment,
        )

    # -------------------------------------------------------------------- writing

    def write(self, outcomes):
        """New rows go in with COPY (and their history rows likewise); existing rows that
        change are updated with history. Keys are reserved first so that households, people
        and enrollments can point at each other before any of them is inserted."""
        plans = [o.payload for o in outcomes]
        now = timezone.now()
        history = {"user": self.user, "reason": self.reason, "when": now}
        new_people = [plan for plan in plans if plan.new_person is not None]
        for plan, pk in zip(new_people, reserve_ids(Person, len(new_people))):
            plan.person_id = pk
        for plan in plans:
            if plan.person is not None:
                plan.person_id = plan.person.pk
        opening = [plan for plan in plans if plan.new_household]
        household_rows = []
        for plan, pk in zip(opening, reserve_ids(Household, len(opening))):
            self.household_by_head[plan.id_number] = pk
            household_rows.append({"id": pk, "number": "", "head_id": plan.person_id, "address": plan.address,
                                   "village_id": plan.village.pk, "region_path": plan.village.path, "created_at": now, "updated_at": now})
        missing = {p.head_id_number for p in plans if not p.is_head and p.household is None and p.head_id_number not in self.household_by_head}
        if missing:
            for head_number, pk in Household.objects.filter(head__id_number__in=missing).values_list("head__id_number", "pk"):
                self.household_by_head[head_number] = pk
        insert_with_history(Household, household_rows, **history)

        person_rows, updated = [], []
        for plan in plans:
            household_id = plan.household.pk if plan.household is not None else self.household_by_head.get(plan.head_id_number)
            if plan.new_person is not None:
                person_rows.append({**plan.new_person, "id": plan.person_id, "household_id": household_id, "hukou_region_id": None,
                                    "village_id": plan.village.pk, "region_path": plan.village.path, "status": Person.Status.NORMAL,
                                    "status_date": None, "created_at": now, "updated_at": now})
            elif plan.person_changes:
                updated.append(self._apply_person_changes(plan, household_id))
        insert_with_history(Person, person_rows, **history)
        if updated:
            bulk_update_with_history(
                updated, Person, ["name", "phone", "village", "region_path", "relation_to_head", "household"],
                batch_size=1000, default_user=self.user, default_change_reason=self.reason,
            )

        enrollment_rows = [
            {**plan.enrollment, "person_id": plan.person_id, "prior_coverage_kind": "", "prior_coverage_ended_on": None,
             "prior_coverage_years": None, "status_reason": "", "source_import_id": self.job.pk if self.job else None,
             "created_by_id": self.user.pk, "created_at": now, "updated_at": now}
            for plan in plans if plan.enrollment is not None
        ]
        insert_with_history(Enrollment, enrollment_rows, **history)
        paid = [plan.paid_enrollment for plan in plans if plan.paid_enrollment is not None]
        if paid:
            bulk_update_with_history(
                paid, Enrollment, ["payment_date", "status", "standard", "subsidy", "subsidy_identity", "subsidy_identity_record",
                                   "identities", "amount_due",
                                   "benefit_start", "benefit_end", "mid_year", "waiting_days", "sources"],
                batch_size=1000, default_user=self.user, default_change_reason=self.reason + "（缴费）",
            )

    def _apply_person_changes(self, plan: EnrollmentRow, household_id) -> Person:
        person = plan.person
        values = getattr(person, "_import_values", None)
        if values:
            person.name = values["name"]
            person.phone = values["phone"] or person.phone
            person.village = values["village"]
            person.region_path = values["village"].path
            person.relation_to_head = values["relation"]
        if household_id is not None:
            person.household_id = household_id
        return person


class EmployeeCoverageImporter(Importer):
    """职工医保参保名单: who holds employee insurance for which period (X000 art. 3)."""

    kind = "employee_coverage"
    title = "职工医保名单导入"
    permission = "enrollment.import_employeecoverage"
    duplicate_key = ("id_number", "starts_on")  # the table's own uniqueness
    columns = [
        Column("name", "姓名", required=True, example="示例李四"),
        Column("id_number", "身份证号", required=True, example=example_id_number("42120219850101123"), text=True),
        Column("employer", "参保单位", example="咸宁市某某公司"),
        Column("starts_on", "参保开始日期", required=True, example="2020-01-01", date=True),
        Column("ends_on", "参保终止日期", example="", help="仍在参保留空", date=True),
        Column("region", "参保地", help="县（市、区）代码或名称；留空为导入人所属区划", format="6位区划代码，或县（市、区）名称"),
    ]
    template_rules = ("同一人多段参保各占一行（参保开始日期不同）；再次导入同一段会更新单位和终止日期。",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        regions = list(Region.objects.restrict(self.user).filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY]))
        self.region_by_key = {r.code: r for r in regions} | {r.name: r for r in regions}
        self.reason = f"导入 {self.job.original_name}" if self.job else "导入职工医保名单"

    def duplicate_value(self, row):
        # Dates compared as dates: 2020/1/1 typed as text and a date cell are the same day.
        try:
            starts = date_cell(row.values.get("starts_on"))
        except CellError:
            return None
        return super().duplicate_value(RowIn(row.number, {**row.values, "starts_on": starts}))

    def check(self, rows):
        parsed, outcomes = {}, {}
        for row in rows:
            outcome = RowOutcome(row.number)
            try:
                parsed[row.number] = self._parse(row)
            except RowProblem as problem:
                outcome.fail(problem.header, problem.message)
            outcomes[row.number] = outcome
        keys = {(p["id_number"], p["starts_on"]) for p in parsed.values()}
        existing = {
            (c.id_number, c.starts_on): c
            for c in EmployeeCoverage.objects.filter(id_number__in={k[0] for k in keys}).select_related("region")
        }
        for number, p in parsed.items():
            outcome = outcomes[number]
            current = existing.get((p["id_number"], p["starts_on"]))
            label = f"{p['name']} {mask_id_number(p['id_number'])} {p['starts_on']}至{p['ends_on'] or '今'}"
            if current is None:
                outcome.status, outcome.summary = NEW, label
                outcome.payload = EmployeeCoverage(source_import=self.job, region_path=p["region"].path, **p)
            elif not region_allowed(self.user, current.region):
                outcome.fail(self.header_of("id_number"), "该记录属于其他区划")
            else:
                fields = [f for f in ("name", "employer", "ends_on") if getattr(current, f) != p[f]]
                if current.region_id != p["region"].pk:
                    fields.append("region")
                if fields:
                    for f in fields:
                        setattr(current, f, p[f])
                    current.region_path = p["region"].path
                    outcome.status, outcome.summary, outcome.payload = CHANGED, label, current
                else:
                    outcome.status, outcome.summary = UNCHANGED, label
        return [outcomes[r.number] for r in rows]

    def _parse(self, row):
        v, h = row.values, self.header_of
        name = _cell(h("name"), identifier_text, v.get("name"), max_length=_max_length(EmployeeCoverage, "name"))
        if not name:
            raise RowProblem(h("name"), "不能为空")
        employer = _cell(h("employer"), identifier_text, v.get("employer"), max_length=_max_length(EmployeeCoverage, "employer"))
        try:
            number = parse_id_number(id_text(v.get("id_number"))).number
        except IdNumberError as error:
            raise RowProblem(h("id_number"), error.message) from None
        except CellError as error:
            raise RowProblem(h("id_number"), str(error)) from None
        try:
            starts = date_cell(v.get("starts_on"), required=True)
        except CellError as error:
            raise RowProblem(h("starts_on"), str(error)) from None
        try:
            ends = date_cell(v.get("ends_on"))
        except CellError as error:
            raise RowProblem(h("ends_on"), str(error)) from None
        if ends and ends < starts:
            raise RowProblem(h("ends_on"), "终止日期早于开始日期")
        region_raw = text(v.get("region"))
        region = self.region_by_key.get(region_raw) if region_raw else self.user.region
        if region is None or not region_allowed(self.user, region):
            raise RowProblem(h("region"), f"「{region_raw}」不是您管辖的区划")
        return {"name": name, "id_number": number, "employer": employer, "starts_on": starts, "ends_on": ends, "region": region}

    def write(self, outcomes):
        new = [o.payload for o in outcomes if o.status == NEW]
        changed = [o.payload for o in outcomes if o.status == CHANGED]
        if new:
            bulk_create_with_history(new, EmployeeCoverage, batch_size=1000, default_user=self.user, default_change_reason=self.reason)
        if changed:
            bulk_update_with_history(changed, EmployeeCoverage, ["name", "employer", "ends_on", "region", "region_path"],
                                     batch_size=1000, default_user=self.user, default_change_reason=self.reason)
