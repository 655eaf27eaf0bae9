"""Demo 门诊慢特病 casework for a first look (`manage.py generate_settlement_demo`, after the
year's settlements): the county's demo clerk submits applications with a generated evidence
file, the city's demo officer decides most of them (one rejected, two left in the review
queue, one ending within the renewal window), and the approved people's chronic visits at
their facility are settled through the batch path. Generated, never shipped: every write goes
through benefits.services.chronic and the settlement writer."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from benefits.models import ChronicApproval, ChronicDisease, Settlement
from benefits.services.chronic import approval_decide, approval_submit
from benefits.services.demo import demo_bill_prefix, demo_facilities, demo_facility_code
from benefits.services.policy import pooling_region
from benefits.services.settlements import SettlementBatch, VisitInput, settlements_write
from core.models import Region, User
from core.services.users import user_upsert
from enrollment.models import Enrollment, Person

# (disease code, the demo facility suffix: the county hospital (level 2) for chronic diseases,
# the city hospital (level 3) for the special one, RULES.md 3.5 / J003 §二(三)10)
CASES = [("tuberculosis", "H2"), ("diabetes_insulin", "H2"), ("severe_mental_illness", "H2"), ("uraemia_dialysis", "H3")]
DEMO_PDF = b"%PDF-1.4\n% demo diagnosis certificate, generated\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class ChronicDemoResult:
    approved: int = 0
    waiting: int = 0
    rejected: int = 0
    settlements: int = 0
    skipped: str = ""


def demo_officer() -> User | None:
    """The city's demo officer (create_demo_users; made here without a usable password when the
    users are not made yet), who reviews: never the clerk who submitted."""
    from core.management.commands.create_demo_users import DEMO_USERS

    for username, _password, group, region_code, staff, full_name in DEMO_USERS:
        if username == "officer":
            return User.objects.filter(username=username).first() or user_upsert(
                username=username, password=None, group=group, region_code=region_code, is_staff=staff, full_name=full_name)
    return None


def generate_chronic_demo(*, county: Region, clerk: User, seed: int = 2026, today: date | None = None) -> ChronicDemoResult:
    today = today or timezone.localdate()
    reviewer = demo_officer()
    if reviewer is None:
        return ChronicDemoResult(skipped="没有演示审核人员，跳过门诊慢特病演示数据")
    rng = random.Random(seed)
    # Adults: a diagnosis is dated a month to a year before the year began, never before birth.
    adult = date(today.year - 18, today.month, 1)
    insured = list(Enrollment.objects.filter(region_path__startswith=county.path, benefit_year=today.year,
                                             status__in=Enrollment.PAID_STATUSES, benefit_end__gte=today, person__birth_date__lt=adult)
                   .order_by("person_id").values_list("person_id", flat=True).distinct())
    taken = set(ChronicApproval.objects.filter(person_id__in=insured).values_list("person_id", flat=True))
    people = list(Person.objects.filter(pk__in=rng.sample([p for p in insured if p not in taken], min(12, len(insured) - len(taken))),
                                        status=Person.Status.NORMAL).select_related("village").order_by("pk"))
    if len(people) < 4:
        return ChronicDemoResult(skipped="参保人员太少，跳过门诊慢特病演示数据")
    demo_facilities(county)  # the county's demo hospitals, made once
    from benefits.models import Facility

    facilities = {suffix: Facility.objects.get(code=demo_facility_code(county, suffix)) for suffix in ("H2", "H3")}
    diseases = {d.code: d for d in ChronicDisease.objects.filter(region=pooling_region(county))}
    year_start = date(today.year, 1, 1)
    result = ChronicDemoResult()
    approved = []
    with transaction.atomic():
        for n, person in enumerate(people):
            code, suffix = CASES[n % len(CASES)]
            diagnosed = year_start - timedelta(days=rng.randint(30, 400))
            application = approval_submit(
                user=clerk, person=person, disease=diseases[code], diagnosing_hospital="咸宁市中心医院", diagnosed_on=diagnosed,
                facility=facilities[suffix], files=[SimpleUploadedFile(f"诊断证明-{n + 1}.pdf", DEMO_PDF, "application/pdf")])
            if n in (0, 1):  # left for the reviewer's queue
                result.waiting += 1
            elif n == 2:
                approval_decide(user=reviewer, approval=application, approve=False, reason="诊断证明未加盖医院公章，请补充后重新申报")
                result.rejected += 1
            else:
                # one approval ends within the renewal window (it shows in 续期提醒); the others run their default validity
                valid_to = today + timedelta(days=30) if n == 3 else None
                approved.append(approval_decide(user=reviewer, approval=application, approve=True, valid_from=max(diagnosed, year_start),
                                                valid_to=valid_to))
                result.approved += 1
        result.settlements = _chronic_visits(county, approved, clerk, rng, today)
    return result


def _chronic_visits(county: Region, approvals: list[ChronicApproval], user, rng, today: date) -> int:
    """Two to four visits of each approved person at the approval's facility this year."""
    visits = []
    for approval in approvals:
        days = (today - approval.valid_from).days
        if days < 1:
            continue
        for _ in range(rng.randint(2, 4)):
            visits.append(VisitInput(person=approval.person, facility=approval.facility, bill_number="", kind="chronic",
                                     visit_date=approval.valid_from + timedelta(days=rng.randrange(days)), disease=approval.disease.code,
                                     costs={"class_a": str(rng.randint(200, 2500)), "class_b_drug": str(rng.randint(0, 600))}))
    visits.sort(key=lambda v: v.visit_date)
    prefix = demo_bill_prefix(county, today.year) + "MB"
    first = Settlement.objects.filter(bill_number__startswith=prefix).count()
    for n, visit in enumerate(visits, start=first):
        visit.bill_number = f"{prefix}{n:06d}"
    batch = SettlementBatch()
    batch.load(visits, lock=True)
    settlements_write(batch=batch, settled=[batch.settle(v) for v in visits], user=user)
    return len(visits)
