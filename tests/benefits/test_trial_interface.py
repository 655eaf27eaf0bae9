"""The trial calculation's three doors (command, JSON endpoint, page) over the parameters in
the database: the worked examples exactly, errors, versioned parameters."""

import io
import json
import re
import sys
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from benefits.models import PolicyParameter
from benefits.services.policy import settlement_policy, settlement_policy_window
from core.models import Region
from tests import factories

pytestmark = pytest.mark.django_db
EXAMPLE_1 = {"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, "location": "local",
             "costs": {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}}


def run(payload, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(payload if isinstance(payload, str) else json.dumps(payload)))
    out = io.StringIO()
    try:
        call_command("trial_settlement", stdout=out)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, json.loads(out.getvalue())


def test_worked_example_1_through_the_command(presets, monkeypatch):
    status, out = run(EXAMPLE_1, monkeypatch)
    assert status == 0
    assert {k: out[k] for k in ("total", "out_of_catalogue", "class_b_first_pay", "policy_range", "location_first_pay", "deductible",
                                "basic_fund", "critical_illness", "assistance", "extra_assistance", "personal")} == {
        "total": "10500.00", "out_of_catalogue": "500.00", "class_b_first_pay": "200.00", "policy_range": "9800.00",
        "location_first_pay": "0.00", "deductible": "600.00", "basic_fund": "6440.00", "critical_illness": "0.00",
        "assistance": "0.00", "extra_assistance": "0.00", "personal": "4060.00"}
    assert {"step": "起付标准", "amount": "600.00", "source": "X000 art. 20(一)1"} in out["explanation"]


def test_worked_examples_2_3_4(presets, monkeypatch):
    _, two = run({**EXAMPLE_1, "person": {"identities": ["subsistence_allowance"]}}, monkeypatch)
    assert (two["assistance"], two["personal"]) == ("2352.00", "1708.00")
    _, three = run({"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 3, "location": "remote_unfiled",
                    "costs": {"class_a": 20000}}, monkeypatch)
    assert (three["location_first_pay"], three["deductible"], three["basic_fund"], three["personal"]) == ("4000.00", "1000.00", "9000.00", "11000.00")
    _, four = run({"region": "xianning", "date": "2023-03-15", "visit": "outpatient", "facility_tier": "village", "costs": {"class_a": 40}},
                  monkeypatch)
    assert (four["basic_fund"], four["personal"]) == ("15.00", "25.00")


def test_general_fee_ignores_costs(presets, monkeypatch):
    _, out = run({"region": "shiyan", "date": "2023-03-15", "visit": "general_fee", "facility_tier": "township", "costs": {"class_a": 999}},
                 monkeypatch)
    assert (out["total"], out["basic_fund"], out["personal"]) == ("13.00", "9.00", "4.00")


@pytest.mark.parametrize("payload, field", [
    ({**EXAMPLE_1, "region": "wuhan"}, "region"),
    ({**EXAMPLE_1, "date": "2023-02-30"}, "date"),
    ({**EXAMPLE_1, "visit": "dental"}, "visit"),
    ({**EXAMPLE_1, "location": "moon"}, "location"),
    ({**EXAMPLE_1, "costs": {"class_a": "-5"}}, "costs.class_a"),
    ({**EXAMPLE_1, "costs": {"caviar": "5"}}, "costs"),
    ({**EXAMPLE_1, "person": {"identities": ["rich"]}}, "identities"),
    ({**EXAMPLE_1, "year_to_date": {"basic_fund": "abc"}}, "year_to_date.basic_fund"),
])
def test_bad_input_exits_2(presets, monkeypatch, payload, field):
    status, out = run(payload, monkeypatch)
    assert status == 2 and out["field"] == field and out["error"]


@pytest.mark.parametrize("payload, field", [
    ({**EXAMPLE_1, "in_province": "yes"}, "in_province"),
    ({**EXAMPLE_1, "in_province": 1}, "in_province"),
    ({**EXAMPLE_1, "downward_referral": "false"}, "downward_referral"),
    ({**EXAMPLE_1, "in_province": None}, "in_province"),  # null is no flag: refused as person's flags refuse it
    ({**EXAMPLE_1, "downward_referral": None}, "downward_referral"),
    ({**EXAMPLE_1, "in_province": 0}, "in_province"),
    ({**EXAMPLE_1, "referral": "maybe"}, "referral"),
    ({**EXAMPLE_1, "referral": 3}, "referral"),
    ({**EXAMPLE_1, "referred_from_deductible": "-1"}, "referred_from_deductible"),
    ({**EXAMPLE_1, "referred_from_deductible": "1.005"}, "referred_from_deductible"),
    ({**EXAMPLE_1, "facility_tier": "pharmacy"}, "facility_tier"),
    ({**EXAMPLE_1, "year_to_date": {"maternity_fund": "abc"}}, "year_to_date.maternity_fund"),
    ({**EXAMPLE_1, "year_to_date": {"ma_base_chronic": -3}}, "year_to_date.ma_base_chronic"),
])
def test_bad_values_of_the_new_keys_exit_2_naming_the_field(presets, monkeypatch, payload, field):
    status, out = run(payload, monkeypatch)
    assert status == 2 and out["field"] == field and re.search(r"[\u4e00-\u9fff]", out["error"])


def test_new_keys_default_to_the_old_answers(presets, monkeypatch):
    defaults = {"in_province": True, "referral": "referred", "referred_from_deductible": "0", "downward_referral": False,
                "year_to_date": {"ma_base_chronic": "0", "maternity_fund": "0"}}
    assert run({**EXAMPLE_1, **defaults}, monkeypatch) == run(EXAMPLE_1, monkeypatch)


@pytest.mark.parametrize("day, fund", [("2022-06-01", "900.00"), ("2023-03-15", "1000.00")])
def test_maternity_through_the_command_follows_the_years_cap(presets, monkeypatch, day, fund):
    _, out = run({"region": "xianning", "date": day, "visit": "maternity", "facility_level": 2, "costs": {"class_a": "3000"}}, monkeypatch)
    assert (out["deductible"], out["basic_fund"], out["personal"]) == ("600.00", fund, str(D("3000") - D(fund)))
    _, used = run({"region": "xianning", "date": "2023-03-15", "visit": "maternity", "facility_level": 2, "costs": {"class_a": "3000"},
                   "year_to_date": {"maternity_fund": "999.99"}}, monkeypatch)
    assert used["basic_fund"] == "0.01"


def test_new_locations_and_tiers_through_the_command(presets, monkeypatch):
    _, long_term = run({**EXAMPLE_1, "location": "remote_long_term"}, monkeypatch)
    assert (long_term["location_first_pay"], long_term["basic_fund"]) == ("0.00", "6440.00")
    _, county = run({**EXAMPLE_1, "location": "county_at_city", "facility_level": 1}, monkeypatch)
    assert county["location_first_pay"] == "0.00"
    for tier, fund in (("community_station", "15.00"), ("clinic", "15.00")):
        _, out = run({"region": "xianning", "date": "2023-03-15", "visit": "outpatient", "facility_tier": tier, "costs": {"class_a": 40}},
                     monkeypatch)
        assert out["basic_fund"] == fund
    _, fee = run({"region": "xianning", "date": "2023-03-15", "visit": "general_fee", "facility_tier": "clinic", "costs": {"class_a": 10}},
                 monkeypatch)
    assert (fee["basic_fund"], fee["personal"]) == ("0.00", "10.00")


JILIN_ADMISSION = {"region": "jilin", "date": "2023-03-15", "visit": "inpatient", "facility_level": 3, "costs": {"class_a": "10000"}}


@pytest.mark.parametrize("extra, deductible, fund", [
    ({}, "1000.00", "5400.00"),                                               # 60% x 9,000
    ({"referral": "referred_outside_list"}, "1000.00", "3600.00"),            # 40%
    ({"referral": "unreferred"}, "1000.00", "1800.00"),                       # 20%
    ({"referred_from_deductible": "200"}, "800.00", "5520.00"),               # continuous deductible
    ({"downward_referral": True}, "0.00", "6000.00"),
    ({"location": "remote_unfiled"}, "1000.00", "5400.00"),                   # no location first self-pay
])
def test_jilin_referral_keys_through_the_command(presets, monkeypatch, extra, deductible, fund):
    status, out = run({**JILIN_ADMISSION, **extra}, monkeypatch)
    assert status == 0 and (out["location_first_pay"], out["deductible"], out["basic_fund"]) == ("0.00", deductible, fund)


def test_in_province_false_gives_no_tilted_assistance(presets, monkeypatch):
    payload = {"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 1, "costs": {"class_a": "1200"},
               "person": {"identities": ["low_income_edge"], "assistance_approved": True, "tilted_approved": True},
               "year_to_date": {"ma_base_chronic": "4800"}}
    _, inside = run(payload, monkeypatch)
    _, outside = run({**payload, "in_province": False}, monkeypatch)
    assert (inside["assistance"], inside["extra_assistance"]) == ("0.00", "75.00")  # M = 4,800 + 350 above 5,000
    assert outside["extra_assistance"] == "0.00"
    step = next(s for s in outside["explanation"] if s["step"] == "省外就医，不享受倾斜救助")
    assert step["amount"] == "0.00" and step["source"].startswith("S001 §三(四)4")


def test_endpoint_needs_login_and_answers_400_on_bad_input(client, clerk, presets):
    assert client.post("/api/trial-settlement/", EXAMPLE_1, content_type="application/json").status_code == 401
    client.force_login(clerk)
    ok = client.post("/api/trial-settlement/", EXAMPLE_1, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["personal"] == "4060.00"
    bad = client.post("/api/trial-settlement/", {**EXAMPLE_1, "region": "x"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "region"


def test_trial_page(clerk_client, presets):
    response = clerk_client.post("/benefits/trial/", {
        "region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, "facility_tier": "secondary_plus",
        "location": "local", "class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500", "identities": ["subsistence_allowance"]})
    page = response.content.decode()
    assert 'id="personal">1,708.00<' in page and "十堰救助办法 三(四)2" in page  # amounts and sources as users read them


def test_parameter_changes_are_versioned_and_dated(presets, officer, village):
    xianning = Region.objects.get(code="421200")
    rate = PolicyParameter.objects.get(region=xianning, name="inpatient_rate.2")
    before = settlement_policy(xianning, date(2023, 3, 15))
    rate.value = "0.75"
    rate.save()
    rate.refresh_from_db()
    assert rate.version == 2 and rate.history.count() == 2
    assert settlement_policy(xianning, date(2023, 3, 15)).inpatient_rate[2] == D("0.75")
    assert before.versions["inpatient_rate.2"] == [rate.pk, 1]
    # A new value from a later date: earlier visits keep the old one.
    PolicyParameter.objects.create(region=xianning, scheme="resident_basic", name="inpatient_rate.2", value="0.80", unit="rate",
                                   valid_from=date(2024, 1, 1), source="test")
    assert settlement_policy(xianning, date(2023, 12, 31)).inpatient_rate[2] == D("0.75")
    assert settlement_policy(xianning, date(2024, 1, 1)).inpatient_rate[2] == D("0.80")
    # Batches reuse a policy for the days no parameter of the chain starts or ends: from the
    # latest start before the day (the maternity cap's 1,000 from 2023-01-01) to the new rate.
    assert settlement_policy_window(xianning, date(2023, 3, 15))[1:] == (date(2023, 1, 1), date(2023, 12, 31))
    assert settlement_policy_window(xianning, date(2024, 6, 1))[1:] == (date(2024, 1, 1), None)
    from benefits.services.batch import BatchContext

    person = factories.person(village)
    context = BatchContext()
    rates = [context.policy(person, day).inpatient_rate[2] for day in (date(2023, 3, 15), date(2023, 12, 31), date(2024, 1, 1), date(2023, 6, 1))]
    assert rates == [D(v) for v in ("0.75", "0.75", "0.80", "0.75")]
    assert list(context.policies) == [("421200",)] and len(context.policies[("421200",)]) == 2  # two loads for four days


def test_parameter_page_marks_unconfirmed_values(client, officer, presets):
    client.force_login(officer)
    page = client.get("/benefits/parameters/").content.decode()
    assert "大病保险起付标准" in page and "待确认" in page


@pytest.mark.parametrize("raw, message", [
    ("1e20", "金额过大（最多 9,999,999,999.99 元）"),
    ("12345678901", "金额过大（最多 9,999,999,999.99 元）"),
    ("1.005", "金额最多两位小数（到分）"),
    ("-1", "金额不能为负数"),
    ("八千", "请输入金额（数字，如 1234.56）"),
])
def test_the_trial_page_refuses_a_bad_amount_in_plain_words(clerk_client, presets, raw, message):
    page = clerk_client.post("/benefits/trial/", {
        "region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, "facility_tier": "secondary_plus",
        "location": "local", "class_a": raw}).content.decode()
    assert message in page and "个数字" not in page


def test_parameter_page_orders_numbered_keys_by_number(client, officer, presets):
    client.force_login(officer)
    page = client.get("/benefits/parameters/").content.decode()
    bands = [page.find(f"大病保险分段支付比例（{amount} 元以上）") for amount in ("12,000.00", "50,000.00", "100,000.00")]
    assert -1 not in bands and bands == sorted(bands)


@pytest.mark.parametrize("region, source", [
    ("xianning", "X000 art. 17"),  # RULES.md 3.5: "达到规定标准的,可申报办理"
    ("shiyan", "X000 art. 17（十堰未规定，沿用咸宁办法）"),
    ("jilin", "J003 §二(三)10"),
])
def test_a_chronic_visit_without_a_disease_cites_where_the_application_is_required(presets, monkeypatch, region, source):
    status, out = run({**EXAMPLE_1, "region": region, "visit": "chronic", "disease": ""}, monkeypatch)
    step = next(s for s in out["explanation"] if s["step"] == "未填写慢特病病种，门诊慢特病统筹不支付")
    assert status == 0 and step["source"] == source
