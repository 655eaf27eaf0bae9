"""Generated demo data: a county with townships, villages and schools, households of people
with realistic names and valid ID numbers, and enrollments over two benefit years priced by the
real rules (enrollment.rules.terms).

Built for a million people in minutes and a few hundred MB: households are generated in
chunks, each chunk streamed with COPY as plain tuples (core.bulk.copy_rows) and dropped before
the next; enrollment terms are computed once per distinct (category, payment date, identity)
and reused; after the commit the tables' planner statistics are refreshed (VACUUM ANALYZE).
Running it again adds households to the same county (its villages are reused and topped up;
ID numbers never collide with people already registered).

Demo years beyond the preset standards get standards marked as demo values, unconfirmed.
Rows are written without simple-history records: generated data has no one who changed it.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from assistance.models import HardshipIdentity
from core.bulk import JsonText, copy_rows, refresh_statistics, reserve_ids
from core.identity_codes import CERTIFYING_DEPARTMENT
from core.idnumber import check_char
from core.models import Region, RegionLevel
from enrollment.models import (
    Category,
    Channel,
    ContributionStandard,
    EmployeeCoverage,
    Enrollment,
    Household,
    Payment,
    PaymentMethod,
    Person,
    Relation,
    School,
)
from enrollment.rules.terms import compute_terms
from enrollment.services.policy import resident_policy, scheme_for_region

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞斌宇浩凯健俊帆帅旭宁龙林欣怡佳雨晨"
         "子涵梓轩浩然一诺欣妍思彤语嫣梦琪博文天佑俊熙志强春梅秋菊国庆建国海燕小红金凤德明永福")
TOWN_SUFFIXES = ("镇", "乡", "街道")
VILLAGE_WORDS = ("桥", "河", "山", "湾", "岭", "坪", "塘", "冲", "港", "畈", "店", "铺", "岗", "垸", "坳")
VILLAGE_PREFIXES = ("东", "西", "南", "北", "上", "下", "新", "大", "小", "高", "马", "石", "柳", "杨", "刘", "黄", "白", "青", "桂", "龙")
DEMO_SOURCE = "演示数据：非政策文件数值，请市局核定"
DEMO_STANDARDS = {2024: ("400", "670"), 2025: ("400", "700"), 2026: ("400", "700"), 2027: ("400", "700")}
SUBSIDISED = ("extreme_poverty", "subsistence_allowance", "monitored_edge", "monitored_unstable", "disabled_unable_to_work",
              "low_income_elder_or_minor", "stable_out_of_poverty", "orphan", "returned_to_poverty")

HOUSEHOLDS_PER_VILLAGE = 150
MAX_VILLAGES = 600
MIN_VILLAGES = 5
VILLAGES_PER_TOWN = 20
MAX_MEMBERS = 6
# Households generated, written and dropped together: bounded memory, few round trips.
CHUNK_HOUSEHOLDS = 5000
PROGRESS_EVERY = 25000
LOOKUP_BATCH = 10000  # ID numbers per query (SQLite allows 32,766 parameters)
# GB 11643-1999: the sequence code 000-999, odd for men, even for women; 500 per sex and day.
SEQUENCES_PER_SEX = 500
# People born in 咸宁 before the 1998 redivision often still carry the old 咸宁市 code.
OLD_DIVISION_CODES = {"421202": "422301"}
OLD_CODE_BEFORE = date(1998, 1, 1)

PERSON_FIELDS = ("id", "name", "id_number", "birth_date", "gender", "phone", "household_id", "relation_to_head",
                 "hukou_region_id", "village_id", "region_path", "status", "created_at", "updated_at")
HOUSEHOLD_FIELDS = ("id", "number", "head_id", "address", "village_id", "region_path", "created_at", "updated_at")
ENROLLMENT_FIELDS = ("person_id", "benefit_year", "scheme_id", "category", "channel", "school_id", "village_id", "region_path",
                     "registered_on", "payment_date", "status", "created_at", "updated_at",
                     # from the terms (see _TermsCache):
                     "standard", "subsidy", "subsidy_identity", "identities", "amount_due", "benefit_start", "benefit_end",
                     "mid_year", "waiting_days", "sources", "prior_coverage_kind", "status_reason",
                     "subsidy_identity_record_id", "payment_id")
ENROLLMENT_SUBSIDY = ENROLLMENT_FIELDS.index("subsidy")
ENROLLMENT_YEAR, ENROLLMENT_CHANNEL = ENROLLMENT_FIELDS.index("benefit_year"), ENROLLMENT_FIELDS.index("channel")
ENROLLMENT_PAID_ON, ENROLLMENT_STATUS = ENROLLMENT_FIELDS.index("payment_date"), ENROLLMENT_FIELDS.index("status")
ENROLLMENT_AMOUNT_DUE = ENROLLMENT_FIELDS.index("amount_due")
PAYMENT_FIELDS = ("id", "receipt_number", "county_id", "amount", "method", "paid_on", "payer_name", "household_id", "village_id",
                  "region_path", "recorded_by_id", "recorded_at")
# How the demo's households pay at the village's collection (weights): cash and QR codes most.
DEMO_PAYMENT_METHODS = ((PaymentMethod.CASH, 35), (PaymentMethod.WECHAT, 25), (PaymentMethod.ALIPAY, 15),
                        (PaymentMethod.TAX_APP, 15), (PaymentMethod.BANK_CARD, 10))
COUNTER_OPENS = time(8, 30)
COUNTER_MINUTES = 8 * 60
IDENTITY_FIELDS = ("id", "person_id", "code", "department", "document_number", "valid_from", "status", "on_behalf",
                   "revoke_reason", "region_path", "created_at", "updated_at")
EMPLOYEE_FIELDS = ("id_number", "name", "employer", "starts_on", "region_id", "region_path")


@dataclass
class DemoResult:
    townships: int
    villages: int
    schools: int
    households: int
    people: int
    enrollments: int
    employee_records: int
    payments: int = 0


@dataclass
class _Member:
    relation: str
    male: bool
    birth: date
    name: str
    id_number: str = ""


class _IdNumbers:
    """Unique valid ID numbers: for each division code, birth date and sex the sequence codes
    are handed out upwards from a random start, so no set of issued numbers is kept."""

    def __init__(self, division_code: str, rng: random.Random):
        self.division_code, self.rng = division_code, rng
        self.old_code = OLD_DIVISION_CODES.get(division_code)
        self.next_sequence: dict[tuple, int] = {}

    def make(self, birth: date, male: bool) -> str:
        codes = [self.division_code]
        if self.old_code and birth < OLD_CODE_BEFORE:
            codes.insert(0 if self.rng.random() < 0.3 else 1, self.old_code)
        for code in codes:
            key = (code, birth, male)
            sequence = self.next_sequence.get(key)
            if sequence is None:
                sequence = self.rng.randrange(0, 40)
            if sequence < SEQUENCES_PER_SEX:
                self.next_sequence[key] = sequence + self.rng.randint(1, 4)
                first17 = f"{code}{birth:%Y%m%d}{sequence * 2 + (1 if male else 0):03d}"
                return first17 + check_char(first17)
        raise RuntimeError(f"{birth} 出生的{'男' if male else '女'}性身份证号顺序码已用完")


def _fits(identity: str | None, age: int) -> bool:
    """Identities that only some ages hold: orphans are minors; the low-income subsidy is for
    elders and minors (X000 art. 9)."""
    if identity == "orphan":
        return age < 18
    if identity == "low_income_elder_or_minor":
        return age < 18 or age >= 60
    return identity is not None


def _name(rng, surname=None):
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng, today, min_age, max_age):
    """A birth date of someone aged min_age to max_age (both whole years included) today."""
    return today - timedelta(days=rng.randrange(min_age * 365, (max_age + 1) * 365))


def ensure_demo_standards(scheme) -> int:
    made = 0
    for year, (individual, fiscal) in DEMO_STANDARDS.items():
        _, created = ContributionStandard.objects.get_or_create(
            scheme=scheme, benefit_year=year,
            defaults={"individual": Decimal(individual), "fiscal_subsidy": Decimal(fiscal), "source": DEMO_SOURCE, "confirmed": False},
        )
        made += created
    return made


def _geography(county: Region, households: int, rng) -> tuple[list[Region], list[Region], list[School]]:
    """The county's townships, villages and schools: the existing ones, topped up to one
    village per HOUSEHOLDS_PER_VILLAGE households (within MIN_VILLAGES..MAX_VILLAGES)."""
    wanted = min(MAX_VILLAGES, max(MIN_VILLAGES, households // HOUSEHOLDS_PER_VILLAGE))
    existing = Region.objects.filter(path__startswith=county.path, level=RegionLevel.VILLAGE).count()
    if existing < wanted:
        _add_villages(county, wanted - existing, rng)
    towns = list(Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("path"))
    villages = list(Region.objects.filter(parent__in=towns, level=RegionLevel.VILLAGE).order_by("path"))
    schools = [School(code=f"S{town.code}{n}", name=f"{town.name}{label}", kind=kind, region=town, region_path=town.path)
               for town in towns for n, label, kind in ((1, "中心小学", School.Kind.PRIMARY), (2, "中学", School.Kind.SECONDARY))]
    schools.append(School(code=f"S{county.code}V", name=f"{county.name}职业技术学院", kind=School.Kind.COLLEGE, region=county, region_path=county.path))
    School.objects.bulk_create(schools, ignore_conflicts=True)
    return towns, villages, list(School.objects.filter(region_path__startswith=county.path))


def _add_villages(county: Region, count: int, rng) -> None:
    n_towns = max(2, count // VILLAGES_PER_TOWN)
    existing_towns = Region.objects.filter(parent=county).count()
    towns = []
    for i in range(n_towns):
        code = f"{county.code}{existing_towns + i + 1:03d}"
        towns.append(Region.objects.create(code=code, name=f"{rng.choice(VILLAGE_PREFIXES)}{rng.choice(VILLAGE_WORDS)}{TOWN_SUFFIXES[i % 3]}",
                                           level=RegionLevel.TOWNSHIP, parent=county))
    villages = []
    for i in range(count):
        town = towns[i % n_towns]
        seq = i // n_towns + 1
        suffix = "社区" if town.name.endswith("街道") else "村"
        villages.append(Region(code=f"{town.code}{seq:03d}", name=f"{rng.choice(VILLAGE_PREFIXES)}{rng.choice(VILLAGE_WORDS)}{suffix}",
                               level=RegionLevel.VILLAGE, parent=town, path=f"{town.path}{town.code}{seq:03d}/"))
    Region.objects.bulk_create(villages, batch_size=2000)


def _family(rng, today) -> list[tuple[str, bool, date, bool]]:
    """(relation, male, birth, takes the head's surname) of one household's members; ages
    follow the head's: a spouse of about the same age, children born when the head was 20-40,
    grandchildren in some older heads' households, a parent 20-35 years older. Wives and
    mothers keep their own surnames."""
    head_male = rng.random() < 0.8
    head_age = rng.randint(25, 78)
    members = [(Relation.HEAD, head_male, _birth(rng, today, head_age, head_age), True)]
    if rng.random() < 0.85:
        spouse_age = min(95, max(20, head_age + rng.randint(-6, 6)))
        members.append((Relation.SPOUSE, not head_male, _birth(rng, today, spouse_age, spouse_age), False))
    youngest, oldest = max(0, head_age - 40), head_age - 20
    if head_age < 76:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            members.append((Relation.CHILD, rng.random() < 0.52, _birth(rng, today, youngest, oldest), True))
    if head_age >= 50 and rng.random() < 0.3:
        for _ in range(rng.choice((1, 1, 2))):
            members.append((Relation.GRANDCHILD, rng.random() < 0.52, _birth(rng, today, 0, min(12, head_age - 45)), True))
    if head_age < 58 and rng.random() < 0.2:
        parent_age, father = min(95, head_age + rng.randint(20, 35)), rng.random() < 0.5
        members.append((Relation.PARENT, father, _birth(rng, today, parent_age, parent_age), father))
    return members[:MAX_MEMBERS]


class _TermsCache:
    """The term columns of an enrollment, computed by the rules once per distinct input: a
    million people share a few thousand (category, payment day, identity) combinations."""

    def __init__(self, policy):
        self.policy = policy
        self._terms = {}

    def get(self, category, paid: date, birth: date, identity):
        key = (category, paid, birth if category == Category.NEWBORN else None, identity)
        found = self._terms.get(key)
        if found is None:
            identities = [identity] if identity else []
            terms = compute_terms(self.policy, category=category, payment_date=paid, birth_date=birth, identities=identities)
            columns = (terms.standard, terms.subsidy, terms.subsidy_identity or "", JsonText.of(identities), terms.amount_due,
                       terms.benefit_start, terms.benefit_end, terms.mid_year, terms.waiting_days, JsonText.of(list(terms.sources)), "", "")
            found = self._terms[key] = (terms, columns)
        return found


class _DemoCounty:
    """Everything a chunk of households needs to know about the county being generated."""

    def __init__(self, *, county, villages, schools, policy, scheme, rng, today, now, check_existing_ids, clerk_id=None):
        self.county, self.villages, self.policy, self.scheme = county, villages, policy, scheme
        self.rng, self.today, self.now, self.year = rng, today, now, today.year
        self.primary = {s.region_id: s for s in schools if s.kind == School.Kind.PRIMARY}
        self.secondary = {s.region_id: s for s in schools if s.kind == School.Kind.SECONDARY}
        self.college = next(s for s in schools if s.kind == School.Kind.COLLEGE)
        self.ids = _IdNumbers(county.code[:6], rng)
        self.terms = _TermsCache(policy)
        self.check_existing_ids = check_existing_ids
        counts = Household.objects.filter(village__in=villages).values("village").annotate(n=Count("pk"))
        self.households_in_village = Counter({row["village"]: row["n"] for row in counts})
        self.next_village = 0
        self.employer = f"{county.name}某某有限公司"
        self._identity_ids = iter(())
        # Demo payments are the county's demo clerk's when that user exists (make demo creates
        # the users afterwards: create_demo_users gives them the unassigned demo payments).
        self.clerk_id = clerk_id

    def next_identity_id(self) -> int:
        """Keys for identity records, reserved from the sequence a thousand at a time."""
        key = next(self._identity_ids, None)
        if key is None:
            self._identity_ids = iter(reserve_ids(HardshipIdentity, 1000))
            key = next(self._identity_ids)
        return key

    def write_chunk(self, size: int) -> tuple[int, int, int, int]:
        """Generate and COPY `size` households; returns (people, enrollments, employee records, payments)."""
        rng = self.rng
        families = []
        for _ in range(size):
            village = self.villages[self.next_village % len(self.villages)]
            self.next_village += 1
            surname = rng.choice(SURNAMES)
            members = [_Member(relation, male, birth, _name(rng, surname if own_surname else None))
                       for relation, male, birth, own_surname in _family(rng, self.today)]
            for m in members:
                m.id_number = self.ids.make(m.birth, m.male)
            identity = rng.choice(SUBSIDISED) if rng.random() < 0.08 else None
            families.append((village, members, identity))
        if self.check_existing_ids:
            self._avoid_registered_numbers([m for _, members, _ in families for m in members])

        household_ids = iter(reserve_ids(Household, len(families)))
        person_ids = iter(reserve_ids(Person, sum(len(members) for _, members, _ in families)))
        households, people, enrollments, employee, identities, payments = [], [], [], [], [], []
        now = self.now
        for village, members, identity in families:
            household_id = next(household_ids)
            head_id = None
            household_rows = []
            shared_paid_on = {}  # benefit year -> the day the household paid at the village's collection
            for m in members:
                person_id = next(person_ids)
                head = m.relation == Relation.HEAD
                if head:
                    head_id = person_id
                phone = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}" if head else ""
                people.append((person_id, m.name, m.id_number, m.birth, "M" if m.male else "F", phone, household_id, m.relation,
                               village.pk, village.pk, village.path, Person.Status.NORMAL, now, now))
                age = self.year - m.birth.year
                if 22 <= age <= 55 and rng.random() < 0.06:
                    # On the employee list, so not in the resident scheme (X000 art. 3).
                    employee.append((m.id_number, m.name, self.employer, date(self.year - rng.randint(1, 10), 1, 1), self.county.pk, self.county.path))
                    continue
                held = identity if _fits(identity, age) else None
                record_id = None
                if held:
                    # Certified by its department two years back, still in force (RULES.md 1).
                    record_id = self.next_identity_id()
                    identities.append((record_id, person_id, held, CERTIFYING_DEPARTMENT[held], f"演示认定〔{self.year - 2}〕{record_id}号",
                                       date(self.year - 2, 1, 1), "certified", False, "", village.path, now, now))
                household_rows.extend(row + (record_id if row[ENROLLMENT_SUBSIDY] else None,)
                                      for row in self._enrollments(person_id, m.birth, age, village, held, shared_paid_on))
            enrollments.extend(self._with_payments(household_rows, household_id, members[0].name, village, payments))
            self.households_in_village[village.pk] += 1
            households.append((household_id, f"{village.code}{self.households_in_village[village.pk]:04d}", head_id,
                               f"{village.name}{rng.randint(1, 200)}号", village.pk, village.path, now, now))

        # Households and people point at each other; foreign keys are checked at commit.
        copy_rows(Household, HOUSEHOLD_FIELDS, households)
        copy_rows(Person, PERSON_FIELDS, people)
        copy_rows(HardshipIdentity, IDENTITY_FIELDS, identities)
        payments, enrollments = self._keyed_payments(payments, enrollments)
        copy_rows(Payment, PAYMENT_FIELDS, payments)
        copy_rows(Enrollment, ENROLLMENT_FIELDS, enrollments)
        copy_rows(EmployeeCoverage, EMPLOYEE_FIELDS, employee)
        return len(people), len(enrollments), len(employee), len(payments)

    def _with_payments(self, rows: list, household_id: int, head_name: str, village, payments: list) -> list:
        """The household's enrollment rows, those paid together at the village's collection
        (one benefit year, one day) under one receipt (a Payment row appended to `payments`)."""
        groups = {}
        for index, row in enumerate(rows):
            if row[ENROLLMENT_CHANNEL] == Channel.VILLAGE_BATCH and row[ENROLLMENT_STATUS] != Enrollment.Status.REGISTERED:
                groups.setdefault((row[ENROLLMENT_YEAR], row[ENROLLMENT_PAID_ON]), []).append(index)
        payment_of = {}
        methods, weights = zip(*DEMO_PAYMENT_METHODS)
        for (_year, paid_on), indexes in groups.items():
            amount = sum((rows[i][ENROLLMENT_AMOUNT_DUE] for i in indexes), Decimal("0.00"))
            recorded_at = timezone.make_aware(datetime.combine(paid_on, COUNTER_OPENS)) + timedelta(minutes=self.rng.randrange(COUNTER_MINUTES))
            # Keyed by position until the chunk's keys are reserved (_keyed_payments).
            payment_of.update({i: len(payments) for i in indexes})
            payments.append((self.county.pk, amount, self.rng.choices(methods, weights)[0], paid_on, head_name, household_id,
                             village.pk, village.path, self.clerk_id, recorded_at))
        return [row + (payment_of.get(i),) for i, row in enumerate(rows)]

    def _keyed_payments(self, payments: list, enrollments: list) -> tuple[list, list]:
        """The chunk's payments with keys reserved in one go and their receipt numbers, and the
        enrollment rows pointing at those keys instead of positions."""
        keys = reserve_ids(Payment, len(payments))
        keyed = [(key, f"DEMO-{self.county.code}-{key:08d}", *payment) for key, payment in zip(keys, payments)]
        return keyed, [row if row[-1] is None else row[:-1] + (keys[row[-1]],) for row in enrollments]

    def _avoid_registered_numbers(self, members: list[_Member]) -> None:
        """Draw again the numbers that people already in the database hold (a second run, or
        people registered through the pages)."""
        while members:
            by_number = {m.id_number: m for m in members}
            numbers = list(by_number)
            taken = [number for start in range(0, len(numbers), LOOKUP_BATCH)
                     for number in Person.objects.filter(id_number__any=numbers[start:start + LOOKUP_BATCH]).values_list("id_number", flat=True)]
            members = [by_number[number] for number in taken]
            for m in members:
                m.id_number = self.ids.make(m.birth, m.male)

    def _enrollments(self, person_id, birth, age, village, identity, shared_paid_on):
        rng, today, year, policy = self.rng, self.today, self.year, self.policy
        rows = []
        for benefit_year in (year, year + 1):
            if benefit_year > year and rng.random() < 0.35:
                continue  # next year's collection is under way: not everybody has enrolled yet
            if rng.random() < 0.03:
                continue
            category, channel, school = Category.REGULAR, Channel.VILLAGE_BATCH, None
            window = policy.window_for("resident", benefit_year)
            if birth.year == benefit_year:
                category = Category.NEWBORN
            elif 6 <= age <= 17:
                by_town = self.primary if age <= 11 else self.secondary
                school = by_town.get(village.parent_id)
                if school is not None:
                    category, channel = Category.SCHOOL_PUPIL, Channel.SCHOOL_BATCH
            elif 18 <= age <= 21 and benefit_year == year and rng.random() < 0.5:
                category, channel, school = Category.COLLEGE_STUDENT, Channel.SCHOOL_BATCH, self.college
                window = policy.window_for("college_student", benefit_year)
            if category == Category.NEWBORN:
                paid = min(today, birth + timedelta(days=rng.randint(0, 30)))
            else:
                opens = max(window.opens_on, birth)  # nobody pays before being born
                # A household pays together at the village's collection; school and college pupils by their school.
                paid = shared_paid_on.get(benefit_year) if channel == Channel.VILLAGE_BATCH else None
                if paid is None or paid < opens:
                    paid = opens + timedelta(days=rng.randint(0, max(0, (min(window.closes_on, today) - opens).days)))
                    if channel == Channel.VILLAGE_BATCH:
                        shared_paid_on.setdefault(benefit_year, paid)
                if paid > today:
                    continue
            terms, term_columns = self.terms.get(category, paid, birth, identity)
            if terms.benefit_year != benefit_year:
                continue
            unpaid = benefit_year > year and rng.random() < 0.15
            status = Enrollment.Status.REGISTERED if unpaid else (
                Enrollment.Status.IN_BENEFIT if terms.benefit_start <= today <= terms.benefit_end else
                Enrollment.Status.ENDED if today > terms.benefit_end else Enrollment.Status.PAID)
            rows.append((person_id, benefit_year, self.scheme.pk, category, channel, school.pk if school else None, village.pk, village.path,
                         paid, None if unpaid else paid, status, self.now, self.now) + term_columns)
        return rows


def _demo_clerk_id(county: Region) -> int | None:
    """The county's first clerk (经办员), who records the demo payments, when there is one."""
    from core.models import User
    from core.roles import CLERK

    return User.objects.filter(region=county, groups__name=CLERK).order_by("pk").values_list("pk", flat=True).first()


@transaction.atomic
def generate_demo(*, county: Region, households: int, seed: int = 2026, today: date | None = None, progress=None) -> DemoResult:
    """Generate `households` households in `county`, enrolled over the current and the next
    benefit year (the next one partly: its collection is under way). All or nothing."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    scheme = scheme_for_region(county)
    ensure_demo_standards(scheme)
    policy = resident_policy(scheme)
    towns, villages, schools = _geography(county, households, rng)
    demo = _DemoCounty(county=county, villages=villages, schools=schools, policy=policy, scheme=scheme, rng=rng,
                       today=today, now=timezone.now(), check_existing_ids=Person.objects.exists(), clerk_id=_demo_clerk_id(county))
    people = enrollments = employee = payments = 0
    for start in range(0, households, CHUNK_HOUSEHOLDS):
        size = min(CHUNK_HOUSEHOLDS, households - start)
        p, e, w, c = demo.write_chunk(size)
        people, enrollments, employee, payments = people + p, enrollments + e, employee + w, payments + c
        if progress and (start + size) // PROGRESS_EVERY > start // PROGRESS_EVERY:
            progress(start + size, households)
    # The pages' plans depend on statistics of the tables just filled (a million rows).
    transaction.on_commit(lambda: refresh_statistics(Region, School, Household, Person, Enrollment, EmployeeCoverage, HardshipIdentity,
                                                     Payment))
    return DemoResult(len(towns), len(villages), len(schools), households, people, enrollments, employee, payments)
