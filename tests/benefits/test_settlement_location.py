"""Where a visit took place, as settlements store it (RULES.md 3.2; X000 arts. 19-20): in the city
from the facility's level and 市级 flag, outside the city from the person's remote-care filings
valid on the admission date; a bill claiming a filing the records do not hold is refused,
naming it. Through settlement_create and through the facility import."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benefits.models import Facility, RemoteCareFiling, Settlement
from benefits.services.settlements import VisitInput, settlement_create
from core.errors import ServiceError
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2023, 3, 15)
COSTS = {"class_a": "10000"}  # P 10,000 at a level-2 hospital: 5% = 500, 10% = 1,000, 20% = 2,000


@pytest.fixture
def person(clerk, village):
    p = factories.person(village, name="就医人")
    enrollment_register(user=clerk, person=p, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    return p


@pytest.fixture
def hospitals(xianan):
    start = date(2020, 1, 1)
    make = lambda code, level, city_level: Facility.objects.create(  # noqa: E731
        code=code, name=f"医院{code}", level=level, tier="secondary_plus" if level > 1 else "township", region=xianan,
        city_level=city_level, agreement_from=start)
    made = {"city_2": make("C2", 2, True), "city_3": make("C3", 3, True), "city_1": make("C1", 1, True), "county_2": make("K2", 2, False)}
    # A level-2 hospital outside the city, settled directly (its place recorded, as for cross-region settlement).
    made["outside_2"] = Facility.objects.create(code="R2", name="医院R2", level=2, tier="secondary_plus", region=xianan,
                                                agreement_from=start, place_province="湖北省", place_city="武汉市")
    return made


def filing(person, kind, province="湖北省", city="武汉市", start=date(2023, 1, 1), end=None, status="valid"):
    return RemoteCareFiling.objects.create(person=person, kind=kind, destination_province=province, destination_city=city,
                                           valid_from=start, valid_to=end, status=status)


def settle(officer, person, facility, bill="B1", **kw):
    return settlement_create(user=officer, data=VisitInput(person=person, facility=facility, bill_number=bill, kind="inpatient",
                                                           visit_date=DAY, costs=dict(COSTS), **kw))


@pytest.mark.parametrize("facility, said, location, first_pay", [
    ("city_2", "local", "county_at_city", D("500.00")),  # a city-level hospital of level 2: 5%
    ("city_3", "local", "county_at_city", D("500.00")),
    ("city_1", "county_at_city", "local", D("0.00")),  # level 1: as at home, whatever the caller said
    ("county_2", "county_at_city", "local", D("0.00")),  # not city-level
])
def test_in_the_city_the_facility_decides(officer, person, hospitals, facility, said, location, first_pay):
    s = settle(officer, person, hospitals[facility], location=said)
    assert (s.location, s.location_first_pay, s.filing_id, s.in_province) == (location, first_pay, None, True)


def test_outside_the_city_a_referral_filing_gives_the_filed_rate_and_is_recorded(officer, person, hospitals):
    f = filing(person, "referral")
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="湖北省", place_city="武汉市")
    assert (s.location, s.location_first_pay, s.filing_id, s.in_province) == ("remote_filed", D("1000.00"), f.pk, True)


@pytest.mark.parametrize("kind, end, status", [
    (None, None, "valid"),  # nothing on record
    ("referral", date(2023, 3, 14), "valid"),  # ended the day before the admission
    ("referral", None, "revoked"),
])
def test_outside_the_city_without_a_valid_filing_is_unfiled(officer, person, hospitals, kind, end, status):
    if kind:
        filing(person, kind, end=end, status=status)
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="湖北省", place_city="武汉市")
    assert (s.location, s.location_first_pay, s.filing_id) == ("remote_unfiled", D("2000.00"), None)


def test_a_filing_for_another_place_does_not_cover_the_visit(officer, person, hospitals):
    filing(person, "temporary", province="广东省", city="广州市")
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="湖北省", place_city="武汉市")
    assert s.location == "remote_unfiled"


def test_care_outside_the_province_is_recorded_so(officer, person, hospitals):
    f = filing(person, "temporary", province="广东省", city="广州市")
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="广东省", place_city="广州市")
    assert (s.location, s.filing_id, s.in_province) == ("remote_filed", f.pk, False)


def test_a_long_term_residence_filing_settles_as_at_home_also_in_an_emergency(officer, person, hospitals):
    f = filing(person, "long_term", province="广东省", city="深圳市")
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="广东省", place_city="深圳市",
               emergency_nondesignated=True)
    assert (s.location, s.location_first_pay, s.filing_id) == ("remote_long_term", D("0.00"), f.pk)


def test_an_emergency_at_a_non_designated_hospital_without_a_long_term_filing(officer, person, hospitals):
    s = settle(officer, person, hospitals["outside_2"], location="outside", place_province="湖北省", emergency_nondesignated=True)
    assert (s.location, s.location_first_pay) == ("remote_emergency_nondesignated", D("2000.00"))


@pytest.mark.parametrize("claimed, said, named", [
    ("referral", "outside", "转诊备案"),
    ("long_term", "outside", "异地长期居住备案"),
    ("", "remote_filed", "异地就医备案"),  # 市外已备案, no kind said: some filing must be on record
])
def test_a_bill_claiming_a_filing_the_records_do_not_hold_is_refused_naming_it(officer, person, hospitals, claimed, said, named):
    filing(person, "temporary", province="广东省")  # another place: not the one claimed
    with pytest.raises(ServiceError) as refused:
        settle(officer, person, hospitals["outside_2"], location=said, place_province="湖北省", place_city="武汉市", claimed_filing=claimed)
    assert refused.value.code == "missing_filing" and named in refused.value.message
    assert not Settlement.objects.exists()


def test_care_at_a_hospital_in_the_city_is_never_outside_the_city(officer, person, hospitals):
    # The tester's case: a city hospital with 就医地 市外 took the person's long-term filing (0%, 省外).
    filing(person, "long_term", province="海南省", city="三亚市")
    with pytest.raises(ServiceError) as refused:
        settle(officer, person, hospitals["city_3"], location="outside")
    assert refused.value.code == "outside_in_city" and "医院C3在本统筹区内" in refused.value.message
    assert not Settlement.objects.exists()


@pytest.mark.parametrize("city", ["嘉鱼县", "咸宁", "咸宁市", "咸安区"])
def test_a_place_inside_the_pooling_region_is_not_outside_the_city(officer, person, hospitals, city):
    # Before: 湖北省 嘉鱼县 with 市外 was settled as 市外未备案 at 20% (basic 4,200.00 instead of 6,580.00).
    with pytest.raises(ServiceError) as refused:
        settle(officer, person, hospitals["outside_2"], location="outside", place_province="湖北省", place_city=city)
    assert refused.value.code == "inside_home" and "应按市内就医结算" in refused.value.message
    assert not Settlement.objects.exists()


def test_a_facility_outside_the_city_gives_its_place(officer, person, xianan):
    outside = Facility.objects.create(code="WH1", name="武汉协和医院", level=3, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1),
                                      place_province="湖北省", place_city="武汉市")
    f = filing(person, "referral")
    s = settle(officer, person, outside)  # the bill's default "local" cannot place a hospital in 武汉 in the city
    assert (s.location, s.filing_id) == ("remote_filed", f.pk)


# ------------------------------------------------------------------------------ the import

HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "就医省份", "就医城市", "备案类型",
           "急诊非定点", "转诊情况", "转出医院已付起付线", "下转接续治疗", "甲类费用"]


def preview(officer, lines):
    data = write_xlsx(HEADERS, lines)
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("export.xlsx", data))
    return imports.import_job_preview(job.pk)


def line(person, bill, facility="K2", where="", province="", city="", claimed="", emergency="", referral="", from_deductible="",
         down=""):
    return [bill, facility, person.id_number, person.name, "住院", "2023-03-15", "2023-03-20", where, province, city, claimed, emergency,
            referral, from_deductible, down, "10000"]


def test_the_import_takes_the_location_from_the_records_and_names_a_missing_filing(officer, person, hospitals):
    f = filing(person, "referral")
    job = preview(officer, [
        line(person, "A1", facility="R2", where="市外", province="湖北省", city="武汉市", claimed="转诊备案"),
        line(person, "A2", facility="R2", where="市外", province="湖北省", claimed="异地长期居住备案"),
        line(person, "A3", facility="C2", where="县级参保市级就医"),  # an older file's words
        line(person, "A4", facility="C1", where="县级参保市级就医"),
        line(person, "A5", facility="R2", where="市外已备案", province="广东省"),  # claims a filing, none there
        line(person, "A6", where="市内", province="湖北省"),
        line(person, "A7", where="外省"),
    ])
    errors = {e["row"]: (e["column"], e["message"]) for e in job.errors}
    assert job.counts["new"] == 3 and set(errors) == {3, 6, 7, 8}
    assert "异地长期居住备案" in errors[3][1] and "没有有效的" in errors[3][1]
    assert "广东省" in errors[6][1] and "没有有效的" in errors[6][1]
    assert errors[7][0] == "就医地" and "市外" in errors[7][1]
    assert errors[8] == ("就医地", "无法识别「外省」")
    imports.import_job_set_skip(user=officer, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    stored = {s.bill_number: s for s in Settlement.objects.all()}
    assert (stored["A1"].location, stored["A1"].filing_id, stored["A1"].location_first_pay) == ("remote_filed", f.pk, D("1000.00"))
    assert (stored["A3"].location, stored["A4"].location) == ("county_at_city", "local")


def test_the_import_reads_the_emergency_and_jilins_referral_columns(officer, person, hospitals):
    job = preview(officer, [
        line(person, "E1", facility="R2", where="市外", province="湖北省", emergency="是", referral="转诊病种目录外", from_deductible="200", down="否"),
        line(person, "E2", referral="未按规定转诊", down="是"),
        line(person, "E3", referral="转诊了"),
        line(person, "E4", emergency="也许"),
    ])
    errors = {e["row"]: (e["column"], e["message"]) for e in job.errors}
    assert set(errors) == {4, 5}
    assert errors[4][0] == "转诊情况" and "按规定转诊" in errors[4][1]
    assert errors[5] == ("急诊非定点", "无法识别「也许」，请填 是 或 否")
    imports.import_job_set_skip(user=officer, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    e1, e2 = Settlement.objects.get(bill_number="E1"), Settlement.objects.get(bill_number="E2")
    assert (e1.location, e1.referral, e1.referred_from_deductible, e1.downward_referral) == (
        "remote_emergency_nondesignated", "referred_outside_list", D("200.00"), False)
    assert (e2.location, e2.referral, e2.downward_referral) == ("local", "unreferred", True)


def test_an_outside_facilitys_rows_default_to_its_place(officer, person, xianan):
    Facility.objects.create(code="WH1", name="武汉协和医院", level=3, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1),
                            place_province="湖北省", place_city="武汉市")
    f = filing(person, "temporary", city="")  # the whole province
    job = preview(officer, [line(person, "W1", facility="WH1"), line(person, "W2", facility="WH1", where="市内")])
    assert job.counts["new"] == 1
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "就医地")]
    imports.import_job_set_skip(user=officer, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    s = Settlement.objects.get(bill_number="W1")
    assert (s.location, s.filing_id, s.in_province) == ("remote_filed", f.pk, True)


def test_the_template_explains_the_new_columns_in_plain_chinese(officer):
    from benefits.importers import SettlementImporter

    helps = {c.header: c.help for c in SettlementImporter.columns}
    for header in ("就医地", "就医省份", "就医城市", "备案类型", "急诊非定点", "转诊情况", "转出医院已付起付线", "下转接续治疗"):
        assert helps[header] and not any(code in helps[header] for code in ("remote", "local", "referral", "art."))


def test_the_import_refuses_a_hospital_outside_the_agreements_and_a_province_that_is_none(officer, person, hospitals, xianan):
    # A hospital recorded by a manual claim (非定点) is settled only from a paper bill (手工报销).
    Facility.objects.create(code="SG-1", name="某非定点医院", level=2, tier="secondary_plus", region=xianan, designated=False,
                            agreement_from=date(2020, 1, 1), place_province="湖北省", place_city="武汉市")
    job = preview(officer, [
        line(person, "N1", facility="SG-1", where="市外"),
        line(person, "N2", facility="R2", where="市外", province="火星"),
        line(person, "N3", facility="R2", where="市外", province="湖北", city="武汉市"),
    ])
    errors = {e["row"]: (e["column"], e["message"]) for e in job.errors}
    assert errors[2] == ("机构编码", "「SG-1」不是您辖区的定点机构")
    assert errors[3][0] == "就医省份" and "不是省级行政区名称" in errors[3][1]
    assert set(errors) == {2, 3} and job.counts["new"] == 1
    # The preview's line reads money as users do: 10,000.00, not 10000.00.
    summary = next(summary for _n, status, summary, *_ in job.preview_rows if status == "new")
    assert "合计10,000.00" in summary and "个人" in summary
