"""Manual claims (手工报销): a paper bill entered by the county office, computed by the same
writer as a direct settlement, refused when late or not the office's own; the quarterly summary
per county, its export and print."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from benefits.models import Facility, PersonYear, PolicyParameter, Settlement
from benefits.presets_claims import CLAIM_DEADLINE, CLAIM_PRESETS
from benefits.selectors_claims import quarter_claims
from benefits.services.claims import ClaimInput, OutsideHospital, manual_claim_preview, manual_claim_record
from benefits.services.settlements import SPLIT_FIELDS, VisitInput, settlement_create, settlement_reverse
from core.errors import ServiceError
from core.models import Region
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
BILL = {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}


@pytest.fixture
def deadlines(presets):
    """The claim deadline parameters (loaded with the settlement presets)."""
    from benefits.services.policy import PRESET_START

    for code, scheme, name, value, unit, source, confirmed in CLAIM_PRESETS:
        PolicyParameter.objects.get_or_create(region=Region.objects.get(code=code), scheme=scheme, name=name, valid_from=PRESET_START,
                                              defaults={"value": value, "unit": unit, "source": source, "confirmed": confirmed})


@pytest.fixture
def hospital(xianan):
    return Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                   agreement_from=date(2020, 1, 1))


def insured_person(user, village, name):
    person = factories.person(village, name=name, birth=date(1980, 5, 17 if name != "乙" else 18))
    enrollment_register(user=user, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    return person


@pytest.fixture
def insured(clerk, village):
    return insured_person(clerk, village, "甲")


@pytest.fixture
def jiayu_insured(other_clerk, jiayu_villages):
    return insured_person(other_clerk, jiayu_villages[0], "嘉鱼参保人")


def claim(person, facility=None, **overrides) -> ClaimInput:
    values = {"id_number": person.id_number, "kind": "inpatient", "visit_date": date(2023, 3, 15), "discharge_date": date(2023, 3, 20),
              "received_on": date(2023, 4, 10), "facility": facility, "costs": dict(BILL)}
    values.update(overrides)
    return ClaimInput(**values)


def written():
    return Settlement.objects.count(), Facility.objects.count(), PersonYear.objects.count()


# ------------------------------------------------------------------------------ the same engine

def test_a_manual_claim_is_split_as_the_same_bill_settled_directly(deadlines, clerk, officer, village, hospital):
    # Given two people alike, one settled directly by the hospital, the other's paper bill claimed
    direct_person, manual_person = insured_person(clerk, village, "甲"), insured_person(clerk, village, "乙")
    direct = settlement_create(user=officer, data=VisitInput(person=direct_person, facility=hospital, bill_number="B1", kind="inpatient",
                                                              visit_date=date(2023, 3, 15), discharge_date=date(2023, 3, 20), costs=dict(BILL)))
    # When the clerk records the claim
    manual = manual_claim_record(user=clerk, claim=claim(manual_person, hospital))
    # Then the split is the same to the cent (worked example 1), stored as a manual claim
    assert [getattr(manual, f) for f in SPLIT_FIELDS] == [getattr(direct, f) for f in SPLIT_FIELDS]
    assert (manual.basic_fund, manual.personal) == (D("6440.00"), D("4060.00"))
    assert (manual.channel, manual.claim_received_on, manual.created_by) == ("manual", date(2023, 4, 10), clerk)
    assert manual.bill_number == "SG421202202300001"
    totals = PersonYear.objects.get(person=manual_person, year=2023)
    assert totals.basic_fund == D("6440.00")


def test_bill_numbers_of_the_county_office_follow_each_other(deadlines, clerk, insured, hospital):
    first = manual_claim_record(user=clerk, claim=claim(insured, hospital))
    second = manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 5, 2), discharge_date=date(2023, 5, 6),
                                                           received_on=date(2024, 1, 8)))
    assert (first.bill_number, second.bill_number) == ("SG421202202300001", "SG421202202400001")
    third = manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 6, 2), discharge_date=date(2023, 6, 6),
                                                          received_on=date(2024, 1, 9)))
    assert third.bill_number == "SG421202202400002"


def test_the_preview_computes_the_claim_and_writes_nothing(deadlines, clerk, insured, hospital):
    before = written()
    preview = manual_claim_preview(user=clerk, claim=claim(insured,
                                                           outside=OutsideHospital(name="武汉协和医院", level=3, province="湖北省", city="武汉市"),
                                                           place="remote"))
    assert written() == before
    assert preview.facility.name == "武汉协和医院" and not preview.facility.designated
    recorded = manual_claim_record(user=clerk, claim=claim(insured,
                                                           outside=OutsideHospital(name="武汉协和医院", level=3, province="湖北省", city="武汉市"),
                                                           place="remote"))
    assert [getattr(preview, f) for f in SPLIT_FIELDS] == [getattr(recorded, f) for f in SPLIT_FIELDS]
    assert preview.bill_number == recorded.bill_number


# ------------------------------------------------------------------------------ outside hospitals

def test_an_outside_hospital_is_recorded_once_by_the_county_office(deadlines, clerk, insured, xianan):
    outside = OutsideHospital(name="广州市第一人民医院", level=3, province="广东省", city="广州市")
    first = manual_claim_record(user=clerk, claim=claim(insured, outside=outside, place="remote", emergency=True))
    hospital = first.facility
    assert (hospital.code, hospital.designated, hospital.region, hospital.place_province, hospital.zero_markup) == (
        "SG-421202-1", False, xianan, "广东省", False)
    assert hospital.history.first().history_user == clerk
    # An emergency (ticked) at a non-designated hospital outside the city, without a long-term filing: 20% first (X000 art. 20(二)1)
    assert first.location == "remote_emergency_nondesignated"
    assert first.location_first_pay == D("1960.00")  # 20% of the policy range 9,800 (8,000 + 2,000 less the class-B 10%)
    assert first.in_province is False
    # An earlier bill of the same hospital reuses it
    second = manual_claim_record(user=clerk, claim=claim(insured, outside=outside, place="remote", visit_date=date(2023, 1, 5),
                                                           discharge_date=date(2023, 1, 9)))
    assert second.facility == hospital and Facility.objects.filter(designated=False).count() == 1
    hospital.refresh_from_db()
    assert hospital.agreement_from == date(2023, 1, 5)


def test_a_recorded_hospital_outside_the_clerks_reach_is_refused(deadlines, clerk, insured, jiayu):
    other = Facility.objects.create(code="JY01", name="嘉鱼县人民医院", level=2, tier="secondary_plus", region=jiayu, agreement_from=date(2020, 1, 1))
    with pytest.raises(ServiceError) as refused:
        manual_claim_record(user=clerk, claim=claim(insured, other))
    assert refused.value.message == "所选医疗机构不存在或不在您的管辖区划内"


def test_a_city_hospital_may_be_named_by_a_county_clerk(deadlines, clerk, insured):
    city = Facility.objects.create(code="C01", name="咸宁市中心医院", level=3, tier="secondary_plus", region=Region.objects.get(code="421200"),
                                   city_level=True, agreement_from=date(2020, 1, 1))
    s = manual_claim_record(user=clerk, claim=claim(insured, city))
    assert s.facility == city and s.location == "county_at_city"  # X000 art. 20(一)3


# ------------------------------------------------------------------------------ refusals

def refused(user, claim_input) -> ServiceError:
    before = written()
    with pytest.raises(ServiceError) as error:
        manual_claim_record(user=user, claim=claim_input)
    assert written() == before
    return error.value


@pytest.mark.parametrize("received, refused_", [(date(2024, 3, 31), False), (date(2024, 4, 1), True)])
def test_a_claim_after_march_of_the_next_year_is_refused(deadlines, clerk, insured, hospital, received, refused_):
    if not refused_:
        assert manual_claim_record(user=clerk, claim=claim(insured, hospital, received_on=received)).claim_received_on == received
        return
    error = refused(clerk, claim(insured, hospital, received_on=received))
    assert (error.code, error.field) == ("claim_late", "received_on")
    assert error.message == "2023年发生的医疗费用应于2024年3月31日前申请报销，2024-04-01受理已逾期，不予办理"


def test_a_stay_over_new_year_counts_in_the_discharge_year(deadlines, clerk, insured, hospital):
    s = manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 12, 28), discharge_date=date(2024, 1, 3),
                                                      received_on=date(2025, 3, 31)))
    assert s.claim_received_on == date(2025, 3, 31)


def test_another_countys_person_is_refused_without_naming_them(deadlines, clerk, jiayu_insured, hospital):
    error = refused(clerk, claim(jiayu_insured, hospital))
    assert error.field == "id_number"
    assert error.message == "在您的管辖区划内没有该身份证号的参保人（手工报销由参保地经办机构办理）"
    assert jiayu_insured.name not in error.message


def test_a_region_without_the_deadline_is_refused(deadlines, clerk, insured, hospital):
    PolicyParameter.objects.filter(name=CLAIM_DEADLINE, region__code="421200").delete()
    error = refused(clerk, claim(insured, hospital))
    assert error.code == "no_claim_deadline" and "请联系市医保局" in error.message


def test_a_user_without_the_permission_is_refused(deadlines, xianan, insured, hospital):
    reviewer = factories.user("reviewer_x", REVIEWER, xianan)
    assert refused(reviewer, claim(insured, hospital)).message == "您没有办理手工报销的权限"


@pytest.mark.parametrize("line, raw, message", [
    ("class_a", "-5", "甲类费用：金额不能为负数"),
    ("class_a", "12.345", "甲类费用：金额 12.345 超过两位小数（应精确到分）"),
    ("blood", "abc", "血液制品：「abc」不是有效金额"),
    ("class_a", "1000000000000", "甲类费用：金额 1000000000000 超出可记录的范围（最大 999,999,999,999.99）"),
])
def test_bad_amounts_are_refused_in_chinese(deadlines, clerk, insured, hospital, line, raw, message):
    error = refused(clerk, claim(insured, hospital, costs={**BILL, line: raw}))
    assert (error.field, error.message) == (line, message)


def test_a_bill_without_costs_is_refused(deadlines, clerk, insured, hospital):
    assert refused(clerk, claim(insured, hospital, costs={})).message == "请填写票据上的费用（各项费用合计须大于 0）"


@pytest.mark.parametrize("overrides, field, message", [
    ({"discharge_date": date(2023, 3, 10)}, "discharge_date", "出院日期早于入院日期"),
    ({"discharge_date": None}, "discharge_date", "住院费用请填写出院日期"),
    ({"received_on": date(2023, 3, 19)}, "received_on", "受理日期（2023-03-19）早于出院日期（2023-03-20）"),
    ({"received_on": date(2099, 1, 1)}, "received_on", None),
    ({"visit_date": date(2099, 1, 1), "discharge_date": date(2099, 1, 2)}, "visit_date", None),
])
def test_bad_dates_are_refused_in_chinese(deadlines, clerk, insured, hospital, overrides, field, message):
    error = refused(clerk, claim(insured, hospital, **overrides))
    assert error.field == field
    if message:
        assert error.message == message
    else:
        assert "不能晚于今天" in error.message


def test_a_bad_id_number_is_refused(deadlines, clerk, insured, hospital):
    error = refused(clerk, claim(insured, hospital, id_number="123"))
    assert error.field == "id_number" and "身份证号" in error.message


# ------------------------------------------------------------------------------ the parameter

def test_load_settlement_presets_creates_the_claim_deadlines(presets):
    rows = {p.region.code: p for p in PolicyParameter.objects.filter(name=CLAIM_DEADLINE).select_related("region")}
    assert {code: (p.value, p.confirmed) for code, p in rows.items()} == {"220000": ("3", True), "421200": ("3", False), "420300": ("3", False)}
    assert rows["220000"].source.startswith("J003 §二(三)12")


# ------------------------------------------------------------------------------ the quarterly summary

@pytest.fixture
def quarter(deadlines, clerk, other_clerk, officer, insured, jiayu_insured, hospital, jiayu):
    """Q2 2023: two claims of 咸安 and one of 嘉鱼; a claim of Q1 and one of Q3 around them."""
    jiayu_hospital = Facility.objects.create(code="JY01", name="嘉鱼县人民医院", level=2, tier="secondary_plus", region=jiayu,
                                             agreement_from=date(2020, 1, 1))
    made = {
        "a1": manual_claim_record(user=clerk, claim=claim(insured, hospital, received_on=date(2023, 4, 10))),
        "a2": manual_claim_record(user=clerk, claim=claim(insured, hospital, kind="outpatient", visit_date=date(2023, 6, 1), discharge_date=None,
                                                            received_on=date(2023, 6, 30), costs={"class_a": "100"})),
        "b1": manual_claim_record(user=other_clerk, claim=claim(jiayu_insured, jiayu_hospital, received_on=date(2023, 5, 5))),
        "q1": manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 1, 3), discharge_date=date(2023, 1, 8),
                                                            received_on=date(2023, 3, 31))),
        "q3": manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 6, 3), discharge_date=date(2023, 6, 8),
                                                            received_on=date(2023, 7, 1))),
    }
    settlement_create(user=officer, data=VisitInput(person=insured, facility=hospital, bill_number="DIRECT1", kind="inpatient",
                                                    visit_date=date(2023, 5, 1), discharge_date=date(2023, 5, 3), costs=dict(BILL)))
    return made


def test_the_county_summary_lists_its_quarter_and_nothing_else(quarter, clerk):
    rows, totals = quarter_claims(clerk, 2023, 2)
    assert [r.settlement.bill_number for r in rows] == [quarter["a1"].bill_number, quarter["a2"].bill_number]
    a1, a2 = quarter["a1"], quarter["a2"]
    assert totals["n"] == 2
    assert totals["total"] == a1.total + a2.total == D("10600.00")
    fund = sum((getattr(s, f) for s in (a1, a2) for f in ("basic_fund", "critical_illness", "assistance", "extra_assistance")), D(0))
    assert totals["fund_total"] == fund and totals["personal"] == a1.personal + a2.personal
    assert totals["fund_total"] + totals["personal"] == totals["total"]


def test_the_city_summary_has_every_county(quarter, officer):
    rows, totals = quarter_claims(officer, 2023, 2)
    assert [(r.county.name, r.settlement.bill_number) for r in rows] == [
        ("咸安区", quarter["a1"].bill_number), ("咸安区", quarter["a2"].bill_number), ("嘉鱼县", quarter["b1"].bill_number)]
    assert totals["n"] == 3


def test_a_reversal_counts_in_the_quarter_it_was_made(quarter, officer, clerk):
    settlement_reverse(user=officer, settlement=quarter["a1"], reason="票据重复")
    today = date.today()
    q = (today.month - 1) // 3 + 1
    rows, totals = quarter_claims(clerk, today.year, q)
    assert [(r.settlement.status, r.settlement.total) for r in rows] == [("reversal", -quarter["a1"].total)]
    rows, totals = quarter_claims(clerk, 2023, 2)  # the quarter already reported stays as it was
    assert totals["total"] == D("10600.00") and rows[0].settlement.status == "reversed"


def test_the_summary_page_export_and_print(quarter, client, clerk, officer):
    client.force_login(clerk)
    page = client.get("/benefits/claims/summary/?year=2023&quarter=2").content.decode()
    assert quarter["a1"].bill_number in page and quarter["b1"].bill_number not in page and "嘉鱼" not in page
    assert "县（市、区）</th>" not in page  # one county: no county column
    export = client.get("/benefits/claims/summary/export.xlsx?year=2023&quarter=2")
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["序号", "县（市、区）", "受理日期", "报销单号"]
    assert [row[3] for row in cells[1:-1]] == [quarter["a1"].bill_number, quarter["a2"].bill_number]
    assert cells[1][5] == quarter["a1"].person.masked_id_number
    assert cells[-1][0] == "合计" and cells[-1][3] == "2 笔" and D(str(cells[-1][10])) == D("10600.00")
    assert D(str(cells[-1][15])) + D(str(cells[-1][16])) == D("10600.00")
    printed = client.get("/benefits/claims/summary/print/?year=2023&quarter=2").content.decode()
    assert "print-landscape" in printed and all(f"{who}：" in printed for who in ("经办人", "审核人", "负责人"))
    assert "咸安区2023年第2季度手工报销汇总表" in printed
    client.force_login(officer)
    page = client.get("/benefits/claims/summary/?year=2023&quarter=2").content.decode()
    assert quarter["b1"].bill_number in page and "嘉鱼县" in page


def test_a_county_outside_the_clerks_region_is_refused(quarter, client, clerk, jiayu):
    client.force_login(clerk)
    response = client.get(f"/benefits/claims/summary/?year=2023&quarter=2&county={jiayu.pk}")
    assert response.status_code == 400 and "不在您的管辖区划内" in response.content.decode()
    assert client.get("/benefits/claims/summary/?quarter=5").status_code == 400


# ------------------------------------------------------------------------------ the entry pages

def form_post(person, hospital, **overrides):
    data = {"id_number": person.id_number, "facility": hospital.pk if hospital else "", "kind": "inpatient", "visit_date": "2023-03-15",
            "discharge_date": "2023-03-20", "place": "local", "referral": "referred", "received_on": "2023-04-10",
            "class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500", "action": "preview"}
    data.update(overrides)
    return data


def test_the_clerk_previews_then_confirms_and_gets_the_bill(deadlines, client, clerk, insured, hospital):
    client.force_login(clerk)
    assert "手工报销录入" in client.get("/benefits/claims/new/").content.decode()
    before = written()
    preview = client.post("/benefits/claims/new/", form_post(insured, hospital)).content.decode()
    assert written() == before
    assert "核对手工报销" in preview and "6,440.00" in preview and "4,060.00" in preview
    response = client.post("/benefits/claims/new/", form_post(insured, hospital, action="confirm"))
    s = Settlement.objects.get(channel="manual")
    assert response.status_code == 302 and response["Location"] == f"/benefits/settlements/{s.pk}/bill/"
    bill = client.get(response["Location"]).content.decode()
    assert "手工报销结算单" in bill and "受理日期" in bill and "2023年4月10日" in bill and "经办机构（盖章）" in bill
    # The settlement page says so too: how it was settled and when the office took the bill.
    detail = client.get(f"/benefits/settlements/{s.pk}/").content.decode()
    assert "结算方式</dt>" in detail and "手工报销 · 受理日期 2023-04-10" in detail


def test_the_entry_page_shows_the_refusal_and_keeps_the_input(deadlines, client, clerk, insured, hospital):
    client.force_login(clerk)
    before = written()
    page = client.post("/benefits/claims/new/", form_post(insured, hospital, received_on="2024-04-01", action="confirm"))
    assert page.status_code == 200 and "受理已逾期，不予办理" in page.content.decode()
    page = client.post("/benefits/claims/new/", form_post(insured, hospital, class_a="八千"))
    assert "甲类费用：「八千」不是有效金额" in page.content.decode()
    page = client.post("/benefits/claims/new/", form_post(insured, None))
    assert "请选择定点机构，或填写票据上的医院名称" in page.content.decode()
    assert written() == before


def test_an_outside_hospital_named_on_the_form_is_recorded_on_confirmation(deadlines, client, clerk, insured):
    client.force_login(clerk)
    data = form_post(insured, None, outside_name="上海瑞金医院", outside_level="3", outside_tier="secondary_plus", outside_province="上海市",
                     outside_city="上海市", place="remote", emergency="on")
    assert "上海瑞金医院" in client.post("/benefits/claims/new/", data).content.decode()
    assert not Facility.objects.filter(name="上海瑞金医院").exists()
    client.post("/benefits/claims/new/", {**data, "action": "confirm"})
    s = Settlement.objects.get(channel="manual")
    assert (s.facility.name, s.facility.designated, s.location) == ("上海瑞金医院", False, "remote_emergency_nondesignated")


def test_a_reviewer_has_no_entry_page(deadlines, client, xianan):
    client.force_login(factories.user("reviewer_y", REVIEWER, xianan))
    assert client.get("/benefits/claims/new/").status_code == 403


# ------------------------------------------------------------------------------ where the care was

def test_remote_care_takes_its_location_from_the_persons_filings(deadlines, clerk, insured):
    from benefits.models import RemoteCareFiling

    filing = RemoteCareFiling.objects.create(person=insured, kind="referral", destination_province="湖北省", destination_city="武汉市",
                                             valid_from=date(2023, 3, 1), created_by=clerk)
    wuhan = Facility.objects.create(code="WH01", name="武汉同济医院", level=3, tier="secondary_plus", region=insured.village,
                                    place_province="湖北省", place_city="武汉市", agreement_from=date(2020, 1, 1))
    s = manual_claim_record(user=clerk, claim=claim(insured, wuhan, place="remote"))
    assert (s.location, s.filing, s.in_province) == ("remote_filed", filing, True)
    assert s.location_first_pay == D("980.00")  # 10% of 9,800 (X000 art. 20(二)1)


def test_a_long_term_resident_pays_no_location_share_even_at_a_non_designated_hospital(deadlines, clerk, insured):
    from benefits.models import RemoteCareFiling

    RemoteCareFiling.objects.create(person=insured, kind="long_term", destination_province="广东省", destination_city="深圳市",
                                    valid_from=date(2022, 1, 1), created_by=clerk)
    outside = OutsideHospital(name="深圳市人民医院", level=3, province="广东省", city="深圳市")
    s = manual_claim_record(user=clerk, claim=claim(insured, outside=outside, place="remote"))
    assert (s.location, s.location_first_pay, s.in_province) == ("remote_long_term", D("0.00"), False)  # X000 art. 20(二)2


def test_a_hospital_recorded_outside_the_city_is_not_claimed_as_in_the_city(deadlines, clerk, insured):
    wuhan = Facility.objects.create(code="WH01", name="武汉同济医院", level=3, tier="secondary_plus", region=insured.village,
                                    place_province="湖北省", place_city="武汉市", agreement_from=date(2020, 1, 1))
    error = refused(clerk, claim(insured, wuhan, place="local"))
    assert (error.field, error.message) == ("place", "武汉同济医院在市外（湖北省武汉市），就医地请选择“市外”")


# ------------------------------------------------------------------------------ two clerks at once

@pytest.mark.services
def test_two_claims_entered_at_the_same_moment_get_two_numbers(transactional_db, deadlines):
    import threading

    from django.db import connection

    from core.roles import CLERK

    if connection.vendor != "postgresql":
        pytest.skip("needs a server database for two real connections")
    county = Region.objects.get(code="421202")
    village = factories.township_and_villages(county)[1][0]
    clerks = [factories.user(f"c{i}", CLERK, county) for i in range(2)]
    people = [insured_person(clerks[0], village, name) for name in ("甲", "乙")]
    hospitals = [Facility.objects.create(code=f"H{i}", name=f"医院{i}", level=1, tier="secondary_plus", region=county,
                                         agreement_from=date(2020, 1, 1)) for i in range(2)]
    barrier, errors = threading.Barrier(2), []

    def go(i):
        try:
            barrier.wait()
            manual_claim_record(user=clerks[i], claim=claim(people[i], hospitals[i]))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Settlement.objects.values_list("bill_number", flat=True)) == ["SG421202202300001", "SG421202202300002"]


# ------------------------------------------------------------------------------ emergency or planned (issue 10, finding 1)

WUHAN_NEW = OutsideHospital(name="武汉市新洲区人民医院", level=3, province="湖北省", city="武汉市")
TEN_THOUSAND = {"class_a": "10000"}


def _filing(person, user, kind, province="湖北省", city="武汉市", valid_from=date(2023, 1, 1)):
    from benefits.models import RemoteCareFiling

    return RemoteCareFiling.objects.create(person=person, kind=kind, destination_province=province, destination_city=city,
                                           valid_from=valid_from, created_by=user)


@pytest.mark.parametrize("filing_kind, emergency, location, share, basic", [
    # RULES.md 3.2 (X000 art. 20(二)): 市外 level 3, 住院, 甲类 10,000 (deductible 1,000 × 0.6 rates)
    ("referral", False, "remote_filed", D("1000.00"), D("4800.00")),  # filed: 10%, even at a new non-designated hospital
    (None, False, "remote_unfiled", D("2000.00"), D("4200.00")),  # not filed: 20%
    (None, True, "remote_emergency_nondesignated", D("2000.00"), D("4200.00")),  # emergency at a non-designated hospital: 20%
    ("long_term", True, "remote_long_term", D("0.00"), None),  # long-term residence: no location share
    ("long_term", False, "remote_long_term", D("0.00"), None),
])
def test_a_new_outside_hospital_takes_the_persons_filing_unless_the_bill_is_an_emergency(
        deadlines, clerk, insured, filing_kind, emergency, location, share, basic):
    if filing_kind:
        _filing(insured, clerk, filing_kind)
    s = manual_claim_record(user=clerk, claim=claim(insured, outside=WUHAN_NEW, place="remote", emergency=emergency, costs=dict(TEN_THOUSAND)))
    assert (s.location, s.location_first_pay) == (location, share)
    if basic is not None:
        assert s.basic_fund == basic


def test_a_planned_referral_bill_does_not_say_emergency(deadlines, client, clerk, insured):
    _filing(insured, clerk, "referral")
    client.force_login(clerk)
    data = form_post(insured, None, outside_name="武汉市新洲区人民医院", outside_level="3", outside_tier="secondary_plus",
                     outside_province="湖北省", outside_city="武汉市", place="remote", class_a="10000", class_b_drug="", out_of_catalogue="")
    preview = client.post("/benefits/claims/new/", data).content.decode()
    filed = str(Settlement.Location.REMOTE_FILED.label)  # the label as the model names it
    assert filed in preview and "4,800.00" in preview and "急诊" not in preview.split("就医地</th>")[1].split("</tr>")[0]
    client.post("/benefits/claims/new/", {**data, "action": "confirm"})
    s = Settlement.objects.get(channel="manual")
    bill = client.get(f"/benefits/settlements/{s.pk}/bill/").content.decode()
    assert s.location == "remote_filed" and "急诊" not in bill and filed in bill


# ------------------------------------------------------------------------------ places of a hospital (issue 10, findings 2 and 3)

@pytest.mark.parametrize("province, city, field, message", [
    ("火星", "火星市", "outside_province", "「火星」不是省、自治区、直辖市或特别行政区的名称"),
    ("湖北省", "咸宁市", "outside_city", "湖北省咸宁市在本统筹区内，不是市外医院"),
    ("湖北", "咸宁", "outside_city", "湖北省咸宁在本统筹区内，不是市外医院"),
    ("湖北省", "嘉鱼县", "outside_city", "湖北省嘉鱼县在本统筹区内，不是市外医院"),
    ("湖北省", "咸安区", "outside_city", "湖北省咸安区在本统筹区内，不是市外医院"),
    ("湖北省", "赤壁市", "outside_city", "湖北省赤壁市在本统筹区内，不是市外医院"),
    ("湖北省", "武昌区", "outside_city", "「武昌区」是县（区），就医城市请填写其所在的市"),  # a county is no city (as filings say)
])
def test_an_outside_hospital_must_be_in_a_real_province_and_outside_the_city(deadlines, clerk, insured, province, city, field, message):
    before = written()
    error = refused(clerk, claim(insured, outside=OutsideHospital(name="某医院", level=3, province=province, city=city), place="remote"))
    assert error.field == field and error.message.startswith(message)
    assert written() == before


def test_a_province_spelled_short_is_stored_by_its_full_name(deadlines, clerk, insured):
    s = manual_claim_record(user=clerk, claim=claim(insured, outside=OutsideHospital(name="武汉协和医院", level=3, province="湖北", city="武汉"),
                                                   place="remote"))
    assert (s.facility.place_province, s.facility.place_city, s.location, s.in_province) == ("湖北省", "武汉市", "remote_unfiled", True)


def test_a_hospital_in_the_city_is_not_claimed_as_outside_it(deadlines, clerk, insured, hospital):
    # 咸安区人民医院 with 市外 and a long-term filing: refused, not 异地长期居住
    _filing(insured, clerk, "long_term", province="广东省", city="深圳市", valid_from=date(2022, 1, 1))
    before = written()
    error = refused(clerk, claim(insured, hospital, place="remote"))
    assert (error.field, error.message) == ("place", "咸安区人民医院是本市的医疗机构，就医地请选择“市内”；市外医院请填写其所在省份和城市")
    assert written() == before


# ------------------------------------------------------------------------------ reversals in the summary (issue 10, finding 4)

def test_a_reversal_made_after_midnight_in_china_is_dated_that_day_and_counted_as_a_reversal(quarter, client, officer, clerk):
    from datetime import datetime
    from datetime import timezone as tz

    reversal = settlement_reverse(user=officer, settlement=quarter["a1"], reason="票据重复")
    # 2023-06-30 17:30 UTC is 2023-07-01 01:30 in 咸宁: the reversal belongs to the third quarter
    Settlement.objects.filter(pk=reversal.pk).update(created_at=datetime(2023, 6, 30, 17, 30, tzinfo=tz.utc))
    rows, totals = quarter_claims(clerk, 2023, 3)
    reversal_row = next(r for r in rows if r.settlement.status == "reversal")
    assert reversal_row.quarter_day == date(2023, 7, 1)
    assert (totals["n"], totals["received"], totals["reversals"]) == (2, 1, 1)
    client.force_login(clerk)
    page = client.get("/benefits/claims/summary/?year=2023&quarter=3").content.decode()
    assert "本季度受理 1 笔，冲正 1 笔" in page and "2023-07-01" in page and "2023-06-30" not in page


# ------------------------------------------------------------------------------ the form and the bill (issue 10, findings 7-8)

def test_the_received_date_defaults_to_today(deadlines, client, clerk):
    from django.utils import timezone

    client.force_login(clerk)
    page = client.get("/benefits/claims/new/").content.decode()
    assert f'name="received_on" value="{timezone.localdate().isoformat()}"' in page


def test_the_manual_bill_names_a_non_designated_hospital_as_such(deadlines, client, clerk, insured, hospital):
    client.force_login(clerk)
    outside = manual_claim_record(user=clerk, claim=claim(insured, outside=WUHAN_NEW, place="remote"))
    bill = client.get(f"/benefits/settlements/{outside.pk}/bill/").content.decode()
    assert "<th>医疗机构</th><td>武汉市新洲区人民医院（非定点）</td>" in bill and "<th>定点机构</th>" not in bill
    designated = manual_claim_record(user=clerk, claim=claim(insured, hospital, visit_date=date(2023, 3, 2), discharge_date=date(2023, 3, 6)))
    bill = client.get(f"/benefits/settlements/{designated.pk}/bill/").content.decode()
    assert "<th>医疗机构</th><td>咸安区人民医院（定点）</td>" in bill


# ------------------------------------------------------------------------------ who takes paper bills (issue 10, finding 12)

def test_the_province_supervises_and_takes_no_paper_bills(deadlines, client, officer, insured, hospital):
    from core.roles import CITY_OFFICER

    province = factories.user("province_officer", CITY_OFFICER, Region.objects.get(code="420000"), staff=True)
    before = written()
    error = refused(province, claim(insured, hospital))
    assert error.code == "denied" and "县级医保经办机构受理" in error.message
    assert written() == before
    client.force_login(province)
    assert client.get("/benefits/claims/new/").status_code == 403
    summary = client.get("/benefits/claims/summary/?year=2023&quarter=2")
    assert summary.status_code == 200 and 'href="/benefits/claims/new/"' not in summary.content.decode().split("<main")[1]
    # The city's officer still may (README: clerks and officers)
    assert manual_claim_record(user=officer, claim=claim(insured, hospital)).channel == "manual"


def test_the_persons_year_page_marks_a_manual_claim(client, deadlines, clerk, insured, hospital):
    recorded = manual_claim_record(user=clerk, claim=claim(insured, hospital))
    client.force_login(clerk)
    page = client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023").content.decode()
    row = page[page.index(recorded.bill_number):][:400]
    assert "手工报销" in row
