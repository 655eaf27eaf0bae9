"""A catalogue disease's own payment rule (RULES.md 3.5, "parameters per region and disease"):
a chronic disease at its own rate and up to its own annual cap (besides the region's chronic
cap), counted over the person's year of that disease only, through the settlement service, a
batch, a reversal, the trial and the admin; the catalogue's kind says which diseases are paid
at the inpatient rates (migration 0016 turned the former parameter into kinds)."""

import re
from datetime import date
from decimal import Decimal as D
from importlib import import_module

import pytest
from django.db.migrations.loader import MigrationLoader

from benefits.admin_chronic import ChronicDiseaseForm
from benefits.models import ChronicDisease, Facility, PolicyParameter, Settlement
from benefits.rules.settlement import SettlementError
from benefits.selectors import parameters_used, person_year_history
from benefits.services.policy import PRESET_START, pooling_region
from benefits.services.settlements import SettlementBatch, VisitInput, settlement_create, settlement_reverse
from benefits.services.trial import trial
from core.errors import ServiceError
from core.models import Region
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 4)


@pytest.fixture
def world(clerk, village, xianan, current_standards):
    person = factories.person(village, name="结核乙")
    enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=date(2025, 10, 8),
                        today=date(2025, 10, 8))
    township = Facility.objects.create(code="T1", name="卫生院", level=1, tier="township", region=xianan, agreement_from=date(2020, 1, 1))
    for code in ("tuberculosis", "severe_mental_illness"):
        factories.chronic_approval(person, code, township, date(2026, 1, 1), date(2027, 12, 31))
    # The bureau sets tuberculosis at 80% up to 1,000 a year
    ChronicDisease.objects.filter(region=pooling_region(village), code="tuberculosis").update(rate=D("0.80"), annual_cap=D("1000"))
    return person, township


def _visit(person, facility, bill, disease="结核病", cost="1000", day=DAY):
    return VisitInput(person=person, facility=facility, bill_number=bill, kind="chronic", visit_date=day, disease=disease,
                      costs={"class_a": cost})


def _steps(settlement):
    return [step["step"] for step in settlement.explanation]


def test_a_diseases_rate_and_cap_over_the_year_and_a_reversal_gives_the_room_back(world, officer):
    person, township = world
    first = settlement_create(user=officer, data=_visit(person, township, "B1"))
    assert (first.basic_fund, first.chronic_fund) == (D("800.00"), D("800.00"))  # its own 80%, not the region's 60%
    second = settlement_create(user=officer, data=_visit(person, township, "B2"))
    assert second.basic_fund == D("200.00")  # 1,000 a year for tuberculosis
    assert "结核病年度支付限额" in _steps(second)
    # the person's year shows the disease's cap beside the region's chronic one
    caps = {c.label: (c.used, c.cap, c.left) for c in person_year_history(person, 2026)["caps"]}
    assert caps["门诊慢性病：结核病"] == (D("1000.00"), D("1000"), D("0"))
    assert caps["门诊慢性病"][:2] == (D("1000.00"), D("6500"))
    assert "门诊慢性病：重性精神病维持治疗" not in caps  # no cap of its own
    third = settlement_create(user=officer, data=_visit(person, township, "B3"))
    assert third.basic_fund == D("0.00")
    settlement_reverse(user=officer, settlement=first, reason="重复上传")
    again = settlement_create(user=officer, data=_visit(person, township, "B4"))
    assert again.basic_fund == D("800.00")  # the reversal freed what the first bill used


def test_another_disease_is_under_the_regions_rule_and_does_not_use_the_diseases_cap(world, officer):
    person, township = world
    settlement_create(user=officer, data=_visit(person, township, "B1", cost="1250"))  # 1,000: the cap in one bill
    mental = settlement_create(user=officer, data=_visit(person, township, "M1", disease="重性精神病维持治疗"))
    assert mental.basic_fund == D("600.00")  # the region's 60%, no cap of its own
    assert "结核病年度支付限额" not in _steps(mental)
    # the bill's 本单使用的政策参数 lists the region's rate only where it was the one used
    used = {p.name for _tier, params in parameters_used(mental) for p in params}
    assert "chronic_rate" in used
    tb = Settlement.objects.get(bill_number="B1")
    assert "chronic_rate" not in {p.name for _tier, params in parameters_used(tb) for p in params}
    assert "基本医保门诊慢性病支付（结核病支付比例）" in _steps(tb)


def test_a_batch_counts_its_own_earlier_rows_and_takes_back_a_refused_one(world):
    person, township = world
    batch = SettlementBatch()
    items = [_visit(person, township, f"B{i}") for i in range(3)]
    batch.load(items, lock=False)
    _item, first, _policy = batch.settle(items[0])
    _item, second, _policy = batch.settle(items[1])
    assert (first.basic_fund, second.basic_fund) == (D("800.00"), D("200.00"))
    batch.undo(items[1], second)  # a row refused after its split
    _item, third, _policy = batch.settle(items[2])
    assert third.basic_fund == D("200.00")
    assert not Settlement.objects.exists()  # a preview writes nothing


def test_a_batch_reads_what_earlier_settlements_paid_for_the_disease(world, officer):
    person, township = world
    settlement_create(user=officer, data=_visit(person, township, "B1", cost="500"))  # 400 paid
    batch = SettlementBatch()
    item = _visit(person, township, "B2")
    batch.load([item], lock=False)
    _item, split, _policy = batch.settle(item)
    assert split.basic_fund == D("600.00")


def test_the_trial_reads_the_diseases_rule_by_name_or_code(world):
    payload = {"region": "xianning", "date": "2026-05-04", "visit": "chronic", "facility_level": 1, "costs": {"class_a": "1000"}}
    assert trial({**payload, "disease": "结核病"})["basic_fund"] == "800.00"
    assert trial({**payload, "disease": "tuberculosis", "year_to_date": {"disease_chronic_fund": "900"}})["basic_fund"] == "100.00"
    assert trial({**payload, "disease": "尿毒症透析"})["basic_fund"] == "850.00"  # special: the level-1 inpatient rate
    with pytest.raises(SettlementError) as outside:
        trial({**payload, "disease": "感冒"})
    assert "不在咸宁市的门诊慢特病目录中" in outside.value.message
    with pytest.raises(SettlementError) as two:
        trial({**payload, "disease": "高血压"})
    assert "两病用药" in two.value.message


def test_a_refused_bill_names_the_catalogue_not_a_parameter(world, officer):
    person, township = world
    with pytest.raises(ServiceError) as outside:
        settlement_create(user=officer, data=_visit(person, township, "X", disease="感冒"))
    assert "不在参保人所在统筹区的门诊慢特病目录中" in outside.value.message


@pytest.mark.parametrize("kind, rate, cap, errors", [
    ("chronic", "0.80", "1000", set()),
    ("chronic", "", "", set()),
    ("chronic", "1", "", set()),
    ("chronic", "0", "", {"rate"}),
    ("chronic", "1.2", "", {"rate"}),
    ("chronic", "", "0", {"annual_cap"}),
    ("chronic", "", "10000001", {"annual_cap"}),
    ("special", "0.80", "", {"rate"}),
    ("two_diseases", "", "500", {"annual_cap"}),
])
def test_the_catalogue_form_allows_a_rate_and_a_cap_for_chronic_diseases_only(presets, kind, rate, cap, errors):
    region = Region.objects.get(code="421200")
    form = ChronicDiseaseForm(data={"region": region.pk, "code": "new_disease", "name": "新病种", "kind": kind, "rate": rate,
                                    "annual_cap": cap, "validity_months": 24, "source": "咸宁市医保局通知", "active": True})
    assert set(form.errors) == errors, form.errors
    if not errors:
        disease = form.save()
        assert disease.rule_text.startswith("支付比例" if rate else "按统筹区")


@pytest.mark.parametrize("field, value, message", [
    ("rate", "0.123456", "最多四位小数"),
    ("rate", "abc", "请输入小数形式的比例"),
    ("annual_cap", "99999999999999", "不超过 10,000,000 元"),
    ("annual_cap", "12.345", "最多两位小数"),
])
def test_the_catalogue_forms_refusals_are_plain(presets, field, value, message):
    data = {"region": Region.objects.get(code="421200").pk, "code": "new_disease", "name": "新病种", "kind": "chronic",
            "validity_months": 24, "source": "咸宁市医保局通知", "active": True, field: value}
    form = ChronicDiseaseForm(data=data)
    assert message in " ".join(form.errors[field])


def test_the_rule_is_shown_in_plain_chinese(presets):
    disease = ChronicDisease.objects.filter(code="tuberculosis").first()
    disease.rate, disease.annual_cap = D("0.8"), D("12000")
    assert disease.rule_text == "支付比例 80%，病种年度限额 12,000.00 元"
    disease.rate = D("0.1250")
    assert disease.rule_text.startswith("支付比例 12.5%，")
    disease.kind = "special"
    assert disease.rule_text == "按住院支付比例（定点机构级别）"


# --- migration 0016 --------------------------------------------------------------------------

migration = import_module("benefits.migrations.0016_disease_rate_cap")


def _apps():
    return MigrationLoader(None, ignore_no_migrations=True).project_state(("benefits", "0015_chronic_records_from_standins")).apps


def test_migration_0016_turns_the_parameter_into_kinds_and_keeps_its_history(presets):
    xianning = Region.objects.get(code="421200")
    # Given an officer who had made severe mental illness a special disease and dropped transplants
    PolicyParameter.objects.create(region=xianning, scheme="resident_basic", name="special_diseases", unit="codes",
                                   value="malignant_tumour,uraemia_dialysis,severe_mental_illness", valid_from=PRESET_START,
                                   source="N004 §八; J003 §二(三)10")
    migration.forward(_apps(), None)
    kinds = dict(ChronicDisease.objects.filter(region=xianning).values_list("code", "kind"))
    assert kinds["severe_mental_illness"] == "special"
    assert kinds["transplant_anti_rejection"] == "chronic"
    assert (kinds["uraemia_dialysis"], kinds["hypertension"]) == ("special", "two_diseases")
    assert not PolicyParameter.objects.filter(name="special_diseases").exists()
    changed = ChronicDisease.history.filter(history_change_reason=migration.REASON).values_list("code", flat=True)
    assert sorted(changed) == ["severe_mental_illness", "transplant_anti_rejection"]
    deleted = PolicyParameter.history.filter(name="special_diseases", history_type="-").get()
    assert deleted.value == "malignant_tumour,uraemia_dialysis,severe_mental_illness"
    # other regions had no such row: their catalogue is as the presets made it
    assert ChronicDisease.objects.filter(region__code="420300", code="transplant_anti_rejection").get().kind == "special"


def test_the_catalogues_history_reads_plainly(client, officer):
    disease = ChronicDisease.objects.get(region__code="421200", code="tuberculosis")
    client.force_login(officer)
    url = f"/admin/benefits/chronicdisease/{disease.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update(rate="0.8", annual_cap="1000", active="on", confirmed="")
    assert client.post(url, data).status_code == 302
    disease.refresh_from_db()
    assert (disease.rate, disease.annual_cap) == (D("0.8"), D("1000"))
    page = client.get(f"/admin/benefits/chronicdisease/{disease.pk}/history/").content.decode()
    history = re.sub(r"\s+", " ", page.replace("&nbsp;", " ").replace("&rarr;", "→"))
    assert "空 → 80%" in history and "空 → 1,000.00" in history
    assert "0.8000" not in history and ">None<" not in history.replace(" ", "").replace("\n", "")


def test_a_batch_settles_a_chronic_visit_after_a_visit_outside_the_city(world):
    """The loader finds a visit's place against the pooling region and a disease in the region's
    catalogue: both, in either order, in one batch (the benchmark found them clashing)."""
    person, township = world
    wuhan = Facility.objects.create(code="W1", name="武汉医院", level=3, tier="secondary_plus", region=township.region,
                                    place_province="湖北省", place_city="武汉市", agreement_from=date(2020, 1, 1))
    outside = VisitInput(person=person, facility=wuhan, bill_number="W1", kind="outpatient", visit_date=DAY, location="outside",
                         place_province="湖北省", place_city="武汉市", costs={"class_a": "100"})
    items = [outside, _visit(person, township, "B1")]
    batch = SettlementBatch()
    batch.load(items, lock=False)
    located, _split, _policy = batch.settle(outside)
    assert located.location == "remote_unfiled"
    _item, chronic, _policy = batch.settle(items[1])
    assert chronic.basic_fund == D("800.00")
