"""Money shown right: the batch path counts a reversal against the daily outpatient cap as
one-by-one settlement does; one-time assistance nets a reversed bill out; demo data for two
counties never collide."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from assistance.services.applications import application_accept, application_decide
from assistance.services.identities import identity_certify
from benefits.models import Facility, Settlement
from benefits.services.demo import generate_settlement_demo
from benefits.services.one_time import one_time_assistance_pay
from benefits.services.settlements import VisitInput, settlement_create, settlement_reverse
from core.roles import REVIEWER
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Person
from enrollment.services.demo import generate_demo
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]
OUTPATIENT_DAY = date(2023, 3, 16)


def _insured(clerk, village, name):
    person = factories.person(village, name=name)
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    return person


def _import(user, rows):
    job = imports.import_job_create(user=user, kind="settlements", uploaded=SimpleUploadedFile("export.xlsx", write_xlsx(HEADERS, rows)))
    imports.import_job_commit(imports.import_job_preview(job.pk).pk)


def test_a_corrected_bill_after_a_reversal_is_paid_the_same_by_the_import_as_one_by_one(officer, clerk, village, xianan):
    # Given two insured people, each with a 40.00 clinic visit that took the whole daily cap (15.00), then reversed
    clinic = Facility.objects.create(code="V001", name="村卫生室", level=1, tier="village", region=xianan, agreement_from=date(2020, 1, 1))
    by_import, by_one = _insured(clerk, village, "导入人"), _insured(clerk, village, "逐笔人")
    for person in (by_import, by_one):
        first = settlement_create(user=officer, data=VisitInput(person=person, facility=clinic, bill_number=f"MZ-{person.pk}",
                                                                kind="outpatient", visit_date=OUTPATIENT_DAY, costs={"class_a": "40"}))
        assert first.basic_fund == D("15.00")
        settlement_reverse(user=officer, settlement=first, reason="费用录入错误")

    # When the corrected bill of the same day is settled one by one, and the other's through the facility import
    one = settlement_create(user=officer, data=VisitInput(person=by_one, facility=clinic, bill_number="MZ-ONE-B", kind="outpatient",
                                                          visit_date=OUTPATIENT_DAY, costs={"class_a": "40"}))
    _import(officer, [["MZ-IMP-B", "V001", by_import.id_number, "导入人", "普通门诊", OUTPATIENT_DAY.isoformat(), "", "", "", "40", "", ""]])

    # Then both are paid the daily cap again, 15.00
    imported = Settlement.objects.get(bill_number="MZ-IMP-B")
    assert one.basic_fund == D("15.00")
    assert (imported.basic_fund, imported.personal) == (one.basic_fund, one.personal)


def test_one_time_assistance_nets_out_a_reversed_admission(clerk, village, xianan, officer):
    # Given a person who was 低保 until March 2022, with an admission then (6,440 basic fund, MA paid) that was reversed,
    person = factories.person(village)
    for paid in (date(2021, 10, 8), date(2022, 10, 8)):
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=paid, today=paid)
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2021, 1, 1), valid_to=date(2022, 3, 31))
    hospital = Facility.objects.create(code="H1", name="医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    costs = {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}
    reversed_admission = settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="ZY-R", kind="inpatient",
                                                                         visit_date=date(2022, 3, 1), costs=costs))
    assert reversed_admission.basic_fund == D("6440.00") and reversed_admission.assistance > 0
    settlement_reverse(user=officer, settlement=reversed_admission, reason="重复上传")
    # and a later admission without assistance, before being certified 低保 again on 2023-02-01
    inside = settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="ZY-B", kind="inpatient",
                                                             visit_date=date(2022, 9, 1), costs={"class_a": "8000", "class_b_drug": "2000"}))
    assert inside.assistance == D("0")
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 2, 1))
    application = application_accept(user=clerk, person=person, kind="one_time", reason="认定前住院")
    reviewer = factories.user("rev", REVIEWER, xianan)
    application = application_decide(user=reviewer, application=application, approve=True, reason="同意", today=date(2023, 3, 1))

    # When the one-time assistance is paid
    payment = one_time_assistance_pay(user=reviewer, application=application)

    # Then the reversed admission counts for nothing: the later one gets what it would without it
    assert payment.settlements == [inside.pk]
    assert payment.amount == D("2352.00")  # class 2: 70% of the 3,360 left after basic insurance


def test_demo_data_for_two_counties_never_collide(xianan, jiayu):
    # Given demo people and settlements generated for 咸安区
    today = date(2026, 11, 20)
    generate_demo(county=xianan, households=40, seed=3, today=today)
    first = generate_settlement_demo(county=xianan, share=0.5, seed=3, today=today)

    # When the same is done for 嘉鱼县 with the same seed
    generate_demo(county=jiayu, households=40, seed=3, today=today)
    second = generate_settlement_demo(county=jiayu, share=0.5, seed=3, today=today)

    # Then each county has its own facilities and bills, prefixed by its code
    assert first.settlements > 0 and second.settlements > 0
    assert Settlement.objects.count() == first.settlements + second.settlements
    for county, result in ((xianan, first), (jiayu, second)):
        facilities = Facility.objects.filter(region_path__startswith=county.path)
        assert facilities.count() == result.facilities
        assert all(f.code.startswith(f"DEMO-{county.code}-") for f in facilities)
        bills = Settlement.objects.filter(region_path__startswith=county.path).values_list("bill_number", flat=True)
        assert len(bills) == result.settlements and all(b.startswith(f"DEMO{county.code}-") for b in bills)
        assert not Settlement.objects.filter(region_path__startswith=county.path).exclude(facility__region_path__startswith=county.path).exists()


def test_the_demo_commands_with_if_empty_fill_a_second_county(xianan, jiayu):
    # Given 咸安区 already has demo data (as `make demo` leaves it)
    for county in ("421202", "421221"):
        # When both commands run with --if-empty for each county, as `make demo` would
        call_command("generate_demo", "--households", "30", "--county", county, "--if-empty", stdout=io.StringIO())
        call_command("generate_settlement_demo", "--county", county, "--if-empty", stdout=io.StringIO())
    # Then the second county was not skipped, and running again adds nothing
    counts = {code: (Person.objects.filter(region_path__contains=f"/{code}/").count(),
                     Settlement.objects.filter(region_path__contains=f"/{code}/").count()) for code in ("421202", "421221")}
    assert all(people > 0 and bills > 0 for people, bills in counts.values())
    out = io.StringIO()
    call_command("generate_settlement_demo", "--county", "421221", "--if-empty", stdout=out)
    call_command("generate_demo", "--households", "30", "--county", "421221", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
    assert Settlement.objects.filter(region_path__contains="/421221/").count() == counts["421221"][1]
