"""Generated demo data: a county with townships, villages and schools, households of people
with realistic names and valid ID numbers, and enrollments over two benefit years priced by the
real rules. Written with COPY on PostgreSQL (core.bulk): a million people take minutes.

Demo years beyond the preset standards get standards marked as demo values, unconfirmed.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.bulk import copy_insert, reserve_ids
from core.idnumber import check_char
from core.models import Region, RegionLevel
from enrollment.models import (
    Category,
    Channel,
    ContributionStandard,
    EmployeeCoverage,
    Enrollment,
    Household,
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


@dataclass
class DemoResult:
    townships: int
    villages: int
    schools: int
    households: int
    people: int
    enrollments: int
    employee_records: int


class _Ids:
    """Unique valid ID numbers for a division code."""

    def __init__(self, prefix: str, rng: random.Random):
        self.prefix, self.rng, self.used = prefix, rng, set()

    def make(self, birth: date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{self.prefix}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.used:
                self.used.add(number)
                return number


def _name(rng, surname=None):
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng, today, min_age, max_age):
    return today - timedelta(days=rng.randrange(min_age * 365, max_age * 365 + 1))


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
    n_villages = min(600, max(5, households // 150))
    n_towns = max(2, n_villages // 20)
    towns = []
    existing_towns = Region.objects.filter(parent=county).count()
    for i in range(n_towns):
        code = f"{county.code}{existing_towns + i + 1:03d}"
        towns.append(Region.objects.create(code=code, name=f"{rng.choice(VILLAGE_PREFIXES)}{rng.choice(VILLAGE_WORDS)}{TOWN_SUFFIXES[i % 3]}",
                                           level=RegionLevel.TOWNSHIP, parent=county))
    villages = []
    for i in range(n_villages):
        town = towns[i % n_towns]
        seq = i // n_towns + 1
        suffix = "社区" if town.name.endswith("街道") else "村"
        villages.append(Region(code=f"{town.code}{seq:03d}", name=f"{rng.choice(VILLAGE_PREFIXES)}{rng.choice(VILLAGE_WORDS)}{suffix}",
                               level=RegionLevel.VILLAGE, parent=town, path=f"{town.path}{town.code}{seq:03d}/"))
    Region.objects.bulk_create(villages, batch_size=2000)
    villages = list(Region.objects.filter(parent__in=towns, level=RegionLevel.VILLAGE).order_by("path"))
    schools = []
    for i, town in enumerate(towns):
        schools.append(School(code=f"S{town.code}1", name=f"{town.name}中心小学", kind=School.Kind.PRIMARY, region=town, region_path=town.path))
        schools.append(School(code=f"S{town.code}2", name=f"{town.name}中学", kind=School.Kind.SECONDARY, region=town, region_path=town.path))
    schools.append(School(code=f"S{county.code}V", name=f"{county.name}职业技术学院", kind=School.Kind.COLLEGE, region=county, region_path=county.path))
    School.objects.bulk_create(schools)
    return towns, villages, list(School.objects.filter(region_path__startswith=county.path))


@transaction.atomic
def generate_demo(*, county: Region, households: int, seed: int = 2026, today: date | None = None, progress=None) -> DemoResult:
    """Generate `households` households in `county`, enrolled over the current and the next
    benefit year (the next one partly: its collection is under way)."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    scheme = scheme_for_region(county)
    ensure_demo_standards(scheme)
    policy = resident_policy(scheme)
    towns, villages, schools = _geography(county, households, rng)
    pupils_school = {}
    for s in schools:
        if s.kind == School.Kind.PRIMARY:
            pupils_school[s.region_id] = s
    college = next(s for s in schools if s.kind == School.Kind.COLLEGE)
    ids = _Ids(county.code[:6], rng)
    year = today.year
    people, homes, enrollments, employee = [], [], [], []
    person_ids = iter(reserve_ids(Person, households * 6))
    household_ids = iter(reserve_ids(Household, households))
    now = timezone.now()

    for h in range(households):
        village = villages[h % len(villages)]
        town_id = village.parent_id
        surname = rng.choice(SURNAMES)
        head_male = rng.random() < 0.8
        head_birth = _birth(rng, today, 25, 78)
        members = [(Relation.HEAD, head_male, head_birth, surname)]
        if rng.random() < 0.85:
            members.append((Relation.SPOUSE, not head_male, _birth(rng, today, 23, 78), None))
        if head_birth.year > 1950:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                members.append((Relation.CHILD, rng.random() < 0.52, _birth(rng, today, 0, 30), surname))
        if rng.random() < 0.2 and head_birth.year > 1970:
            members.append((Relation.PARENT, rng.random() < 0.5, _birth(rng, today, 60, 92), surname))
        household = Household(pk=next(household_ids), village=village, region_path=village.path, address=f"{village.name}{rng.randint(1, 200)}号",
                              number=f"{village.code}{h:05d}", created_at=now, updated_at=now)
        identity = rng.choice(SUBSIDISED) if rng.random() < 0.08 else None
        for relation, male, birth, family_name in members[:6]:
            person = Person(
                pk=next(person_ids), name=_name(rng, family_name), id_number=ids.make(birth, male), birth_date=birth,
                gender="M" if male else "F", phone=f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}" if relation == Relation.HEAD else "",
                household_id=household.pk, relation_to_head=relation, village=village, region_path=village.path,
                status=Person.Status.NORMAL, created_at=now, updated_at=now,
            )
            people.append(person)
            if relation == Relation.HEAD:
                household.head_id = person.pk
            age = today.year - birth.year
            if 22 <= age <= 55 and rng.random() < 0.06:
                employee.append(EmployeeCoverage(id_number=person.id_number, name=person.name, employer=f"{county.name}某某有限公司",
                                                 starts_on=date(today.year - rng.randint(1, 10), 1, 1), region=county, region_path=county.path))
                continue
            enrollments.extend(_enrollments(rng, policy, scheme, person, village, age, identity, pupils_school.get(town_id), college, today, year, now))
        homes.append(household)
        if progress and h % 20000 == 0:
            progress(h, households)

    # Households and people point at each other; foreign keys are checked at commit.
    copy_insert(Household, homes)
    copy_insert(Person, people)
    copy_insert(Enrollment, enrollments)
    copy_insert(EmployeeCoverage, employee)
    return DemoResult(len(towns), len(villages), len(schools), len(homes), len(people), len(enrollments), len(employee))


def _pay_date(rng, window_open: date, last_day: date) -> date:
    span = max(0, (last_day - window_open).days)
    return window_open + timedelta(days=rng.randint(0, span))


def _enrollments(rng, policy, scheme, person, village, age, identity, pupil_school, college, today, year, now):
    rows = []
    for benefit_year in (year, year + 1):
        if benefit_year > year and rng.random() < 0.35:
            continue  # next year's collection is under way: not everybody has enrolled yet
        if rng.random() < 0.03:
            continue
        category, channel, school = Category.REGULAR, Channel.VILLAGE_BATCH, None
        window = policy.window_for("resident", benefit_year)
        if person.birth_date.year == benefit_year:
            category = Category.NEWBORN
        elif 6 <= age <= 17 and pupil_school is not None:
            category, channel, school = Category.SCHOOL_PUPIL, Channel.SCHOOL_BATCH, pupil_school
        elif 18 <= age <= 21 and benefit_year == year and rng.random() < 0.5:
            category, channel, school = Category.COLLEGE_STUDENT, Channel.SCHOOL_BATCH, college
            window = policy.window_for("college_student", benefit_year)
        if category == Category.NEWBORN:
            paid = min(today, person.birth_date + timedelta(days=rng.randint(0, 30)))
        else:
            paid = _pay_date(rng, window.opens_on, min(window.closes_on, today))
            if paid > today:
                continue
        unpaid = benefit_year > year and rng.random() < 0.15
        terms = compute_terms(policy, category=category, payment_date=paid, birth_date=person.birth_date,
                              identities=[identity] if identity else [])
        if terms.benefit_year != benefit_year:
            continue
        status = Enrollment.Status.REGISTERED if unpaid else (
            Enrollment.Status.IN_BENEFIT if terms.benefit_start <= today <= terms.benefit_end else
            Enrollment.Status.ENDED if today > terms.benefit_end else Enrollment.Status.PAID)
        rows.append(Enrollment(
            person_id=person.pk, benefit_year=benefit_year, scheme=scheme, category=category, channel=channel, school=school,
            village=village, region_path=village.path, registered_on=paid, payment_date=None if unpaid else paid,
            standard=terms.standard, subsidy=terms.subsidy, subsidy_identity=terms.subsidy_identity or "",
            identities=[identity] if identity else [], amount_due=terms.amount_due, status=status,
            benefit_start=terms.benefit_start, benefit_end=terms.benefit_end, mid_year=terms.mid_year,
            waiting_days=terms.waiting_days, sources=list(terms.sources), created_at=now, updated_at=now,
        ))
    return rows
