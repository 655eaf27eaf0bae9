"""One settlement path: a single visit is a batch of one. Settling visits one by one
(settlement_create, settlement_reverse) and as a batch (the import's SettlementBatch and
settlements_write) gives the same rows and year totals; the Split ↔ PersonYear mapping is one
place; eligibility says what the rulebook says (waiting period, 门诊慢特病 approvals)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.services.identities import identity_certify
from benefits.models import Facility, PersonYear, RemoteCareFiling, Settlement
from benefits.rules.location import LocationError
from benefits.rules.settlement import COST_LINES, SettlementError, Split
from benefits.services.policy import settlement_policy
from benefits.services.settlements import (SPLIT_FIELDS, YEAR_FIELDS, SettlementBatch, VisitInput, eligibility_for, settlement_create,
                                           settlement_reverse, settlements_write, split_columns, stored_year_amounts, year_amounts)
from core.errors import ServiceError
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
YEAR_START = date(2023, 1, 1)
ROW_FIELDS = ("bill_number", "status", "kind", "visit_date", "location", "filing_id", "in_province", "channel", *COST_LINES,
              *SPLIT_FIELDS, "explanation", "parameter_set_id", "reason")


@pytest.fixture
def world(officer, clerk, village, xianan):
    """Three insured people (one plain with a 结核病 approval at the level-2 hospital and 两病 registered, one on subsistence
    allowance with a referral filing to 武汉, one insured mid-year in a waiting period) and
    four facilities (a city-level level-3 hospital, a level-2 hospital, a township centre, a
    village clinic)."""
    people = []
    for name, payment in (("甲", date(2022, 10, 8)), ("乙", date(2022, 10, 8)), ("丙", date(2023, 2, 1))):
        person = factories.person(village, name=name)
        enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=payment, today=payment)
        people.append(person)
    identity_certify(user=clerk, person=people[1], code="subsistence_allowance", valid_from=date(2022, 1, 1))
    RemoteCareFiling.objects.create(person=people[1], kind="referral", destination_province="湖北省", destination_city="武汉市",
                                    valid_from=date(2023, 1, 1), valid_to=date(2023, 6, 30))
    start = date(2020, 1, 1)
    facilities = [
        Facility.objects.create(code="H3", name="市中心医院", level=3, tier="secondary_plus", region=xianan, city_level=True, agreement_from=start),
        Facility.objects.create(code="H2", name="区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start),
        Facility.objects.create(code="T1", name="卫生院", level=1, tier="township", region=xianan, agreement_from=start),
        Facility.objects.create(code="V1", name="卫生室", level=1, tier="village", region=xianan, agreement_from=start),
    ]
    factories.chronic_approval(people[0], "tuberculosis", facilities[1], date(2022, 1, 1), date(2024, 12, 31))
    factories.two_diseases_registration(people[0], date(2022, 1, 1))
    return people, facilities


amounts = st.integers(min_value=0, max_value=4000).map(lambda n: D(n) * 25)  # up to 100,000: caps are reached in a few visits
visit_ops = st.tuples(
    st.just("visit"),
    st.integers(0, 2),  # person
    st.integers(0, 3),  # facility
    st.sampled_from(["inpatient", "outpatient", "outpatient", "outpatient", "two_diseases_drug", "chronic", "general_fee", "maternity"]),
    st.sampled_from([0, 59, 60]),  # day of 2023: few days, so visits share a day's outpatient cap
    st.dictionaries(st.sampled_from(["class_a", "class_b_drug", "blood", "out_of_catalogue"]), amounts, min_size=1, max_size=3),
    st.sampled_from(["local", "local", "local", "outside"]),
    st.sampled_from(["", "tuberculosis"]),  # person 0's approval is at facility 1: elsewhere and for others refused
)
# About one operation in six reverses an earlier settlement (picked by position).
operations = st.lists(st.tuples(st.integers(0, 5), visit_ops, st.integers(0, 20)), min_size=1, max_size=14).map(
    lambda drawn: [("reverse", target) if roll == 0 else visit for roll, visit, target in drawn])


def _visit(world, n, op) -> VisitInput:
    people, facilities = world
    _tag, person, facility, kind, day, costs, location, disease = op
    small = kind in ("outpatient", "two_diseases_drug", "general_fee")
    return VisitInput(person=people[person], facility=facilities[facility], bill_number=f"P{n:03d}", kind=kind,
                      visit_date=YEAR_START + timedelta(days=day), location=location, place_province="湖北省", place_city="武汉市",
                      disease=disease, costs={k: v / 100 if small else v for k, v in costs.items()})


def _state():
    rows = [tuple(getattr(s, f) for f in ROW_FIELDS) for s in Settlement.objects.order_by("bill_number", "status")]
    totals = {(t.person_id, t.year): tuple(getattr(t, f) for f in YEAR_FIELDS) for t in PersonYear.objects.all()}
    return rows, {k: v for k, v in totals.items() if any(v)}  # a total row left at zero is no difference


def _one_by_one(world, user, ops):
    outcomes, settled = [], []
    for n, op in enumerate(ops):
        try:
            if op[0] == "visit":
                settled.append(settlement_create(user=user, data=_visit(world, n, op)))
                outcomes.append("ok")
            else:
                target = settled[op[1] % len(settled)] if settled else None
                if target is None:
                    outcomes.append("nothing")
                    continue
                settlement_reverse(user=user, settlement=target, reason="重复结算")
                outcomes.append("ok")
        except ServiceError as error:
            outcomes.append(error.code)
    return outcomes


def _as_batches(world, user, ops):
    """Visits in batches as the import settles them; a reversal ends a batch."""
    outcomes, settled, pending = [], [], []

    def flush():
        if not pending:
            return
        batch = SettlementBatch()
        batch.load([item for _i, item in pending], lock=True)
        done = []
        for index, item in pending:
            try:
                done.append(batch.settle(item))
                outcomes[index] = "ok"
            except (SettlementError, LocationError) as error:  # the import's row error
                outcomes[index] = error.code
        settlements_write(batch=batch, settled=done, user=user)
        settled.extend(item.bill_number for item, _s, _p in done)
        pending.clear()

    for n, op in enumerate(ops):
        outcomes.append(None)
        if op[0] == "visit":
            pending.append((n, _visit(world, n, op)))
            continue
        flush()
        if not settled:
            outcomes[n] = "nothing"
            continue
        target = Settlement.objects.get(bill_number=settled[op[1] % len(settled)], reverses__isnull=True)
        try:
            settlement_reverse(user=user, settlement=target, reason="重复结算")
            outcomes[n] = "ok"
        except ServiceError as error:
            outcomes[n] = error.code
    flush()
    return outcomes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_one_by_one_and_as_a_batch_give_the_same_rows_and_year_totals(world, officer, ops):
    results = []
    for path in (_one_by_one, _as_batches):
        with transaction.atomic():
            outcomes = path(world, officer, ops)
            results.append((outcomes, *_state()))
            transaction.set_rollback(True)  # each path starts from the same data
    (outcomes_1, rows_1, totals_1), (outcomes_2, rows_2, totals_2) = results
    assert outcomes_1 == outcomes_2
    assert rows_1 == rows_2
    assert totals_1 == totals_2


def test_the_batch_path_sees_other_days_of_the_daily_cap_already_stored(world, officer):
    """Given a clinic visit stored by settlement_create, a batch with a second visit the same
    day pays only what is left of the daily cap of 15 (RULES.md 3.3)."""
    people, facilities = world
    first = settlement_create(user=officer, data=VisitInput(person=people[0], facility=facilities[3], bill_number="A", kind="outpatient",
                                                            visit_date=date(2023, 3, 2), costs={"class_a": "20"}))
    batch = SettlementBatch()
    item = VisitInput(person=people[0], facility=facilities[3], bill_number="B", kind="outpatient", visit_date=date(2023, 3, 2),
                      costs={"class_a": "20"})
    batch.load([item], lock=True)
    _item, split, _policy = batch.settle(item)
    assert (first.outpatient_fund, split.outpatient_fund) == (D("10.00"), D("5.00"))


# ------------------------------------------------------------------------------ Split ↔ year totals


def _split(**amounts) -> Split:
    base = dict(total=D(0), out_of_catalogue=D(0), class_b_first_pay=D(0), policy_range=D(0), location_first_pay=D(0), deductible=D(0),
                basic_fund=D(0), critical_illness=D(0), assistance=D(0), extra_assistance=D(0), personal=D(0), explanation=())
    return Split(**{**base, **amounts})


@pytest.mark.parametrize("kind, split, year", [
    ("inpatient", _split(basic_fund=D("700"), ma_base=D("300"), ci_base=D("300"), assistance=D("100"), personal=D("200")),
     {"basic_fund": D("700"), "ma_base": D("300"), "ma_base_chronic": D(0), "ci_base": D("300"), "ma_paid": D("100"),
      "maternity_fund": D(0), "personal": D("200")}),
    ("chronic", _split(basic_fund=D("600"), chronic_fund=D("600"), ma_base_chronic=D("400"), assistance=D("200")),
     {"basic_fund": D("600"), "chronic_fund": D("600"), "ma_base": D(0), "ma_base_chronic": D("400"), "ma_paid": D("200"),
      "maternity_fund": D(0)}),
    ("maternity", _split(basic_fund=D("900"), maternity_fund=D("900"), ma_base=D("50")),
     {"basic_fund": D("900"), "maternity_fund": D("900"), "ma_base": D("50"), "ma_base_chronic": D(0)}),
    ("outpatient", _split(basic_fund=D("15"), outpatient_fund=D("15"), critical_illness=D("0"), extra_assistance=D("0")),
     {"basic_fund": D("15"), "outpatient_fund": D("15"), "ci_paid": D(0), "extra_paid": D(0)}),
])
def test_a_split_adds_to_the_year_as_its_stored_row_is_taken_back(kind, split, year):
    """What a visit adds to PersonYear (year_amounts) is what a reversal of its stored row takes
    back (stored_year_amounts): the chronic base goes to ma_base_chronic, a maternity visit's
    basic fund to maternity_fund, and the Settlement column ma_base holds whichever base grew."""
    added = year_amounts(split)
    for name, value in year.items():
        assert added[name] == value, name
    row = Settlement(kind=kind, **split_columns(split))
    assert row.ma_base == split.ma_base + split.ma_base_chronic
    assert stored_year_amounts(row) == added
    assert set(added) == set(YEAR_FIELDS)


def test_settling_and_reversing_every_kind_leaves_the_year_at_zero(world, officer):
    people, facilities = world
    plan = [("inpatient", 1, {"class_a": "30000"}), ("chronic", 1, {"class_a": "3000"}), ("maternity", 2, {"class_a": "5000"}),
            ("outpatient", 3, {"class_a": "60"}), ("general_fee", 2, {}), ("two_diseases_drug", 3, {"class_a": "100"})]
    factories.chronic_approval(people[1], "tuberculosis", facilities[1], date(2023, 1, 1), date(2023, 12, 31))
    for person in (people[0], people[1]):
        for n, (kind, facility, costs) in enumerate(plan):
            s = settlement_create(user=officer, data=VisitInput(person=person, facility=facilities[facility], bill_number=f"{person.pk}-{n}",
                                                                kind=kind, visit_date=date(2023, 4, 1), disease="tuberculosis", costs=costs))
            settlement_reverse(user=officer, settlement=s, reason="录入错误")
        totals = PersonYear.objects.get(person=person, year=2023)
        assert {f: getattr(totals, f) for f in YEAR_FIELDS} == {f: D(0) for f in YEAR_FIELDS}


# ------------------------------------------------------------------------------ eligibility


def test_the_waiting_period_step_is_plain_chinese_and_cites_the_regions_source(world, officer):
    people, facilities = world
    s = settlement_create(user=officer, data=VisitInput(person=people[2], facility=facilities[1], bill_number="W", kind="inpatient",
                                                        visit_date=date(2023, 3, 15), costs={"class_a": "5000"}))
    step = next(step for step in s.explanation if "等待期" in step["step"])
    assert step["step"] == "待遇等待期内（2023-05-02起享受待遇），基本医保不支付"
    assert "art." not in step["step"] and "X000" not in step["step"]
    assert step["source"] == settlement_policy(people[2].village, date(2023, 3, 15)).source("waiting_period") != ""


def test_a_chronic_visit_is_paid_only_under_its_approval_and_refused_otherwise_with_the_reason(world, officer):
    people, facilities = world
    assert eligibility_for(people[0], date(2023, 4, 1), disease="tuberculosis", facility_id=facilities[1].pk).chronic_approved is True
    assert eligibility_for(people[0], date(2023, 4, 1), disease="结核病", facility_id=facilities[1].pk).chronic_approved is True
    assert eligibility_for(people[0], date(2023, 4, 1), disease="tuberculosis", facility_id=facilities[0].pk).chronic_approved is False
    assert eligibility_for(people[0], date(2023, 4, 1), disease="", facility_id=facilities[1].pk).chronic_approved is False
    assert eligibility_for(people[0], date(2023, 4, 1), disease="diabetes_insulin", facility_id=facilities[1].pk).chronic_approved is False

    def chronic(bill, disease, facility=facilities[1], day=date(2023, 4, 2)):
        return settlement_create(user=officer, data=VisitInput(person=people[0], facility=facility, bill_number=bill, kind="chronic",
                                                               visit_date=day, disease=disease, costs={"class_a": "1000"}))

    assert chronic("C1", "tuberculosis").chronic_fund > 0
    for bill, disease, facility, day, message in (
            ("C2", "", facilities[1], date(2023, 4, 2), "门诊慢特病结算须填写病种"),
            ("C3", "tuberculosis", facilities[0], date(2023, 4, 2), "结核病的门诊慢特病认定的定点机构为区人民医院，不是市中心医院"),
            ("C4", "diabetes_insulin", facilities[1], date(2023, 4, 2), "无糖尿病胰岛素治疗的门诊慢特病认定"),
            ("C5", "流感", facilities[1], date(2023, 4, 2), "病种「流感」不在参保人所在统筹区的门诊慢特病目录中"),
            ("C6", "hypertension", facilities[1], date(2023, 4, 2), "高血压属于两病，请按“两病用药”结算"),
            ("C7", "tuberculosis", facilities[1], date(2025, 1, 1), "不在有效期内（2022-01-01至2024-12-31）")):
        with pytest.raises(ServiceError) as refused:
            chronic(bill, disease, facility, day)
        assert message in refused.value.message and refused.value.field == "disease"
    assert not Settlement.objects.filter(bill_number__in=["C2", "C3", "C4", "C5", "C6", "C7"]).exists()


def test_eligibility_for_one_person_is_the_loaders_answer(world):
    """The trial form's prefill reads eligibility_for: identities valid that day, the 两病 flag."""
    people, _facilities = world
    e = eligibility_for(people[1], date(2023, 4, 1))
    assert (e.insured, e.identities) == (True, ("subsistence_allowance",))
    assert eligibility_for(people[0], date(2023, 4, 1)).two_diseases_registered is True
    assert eligibility_for(people[2], date(2023, 3, 1)).insured is False


# ------------------------------------------------------------------------------ manual claims and agreements


def test_a_non_designated_hospital_is_settled_only_from_a_paper_bill(world, officer, xianan):
    people, _facilities = world
    outside = Facility.objects.create(code="X1", name="外地医院", level=2, tier="secondary_plus", region=xianan, designated=False,
                                      place_province="湖北省", place_city="武汉市", agreement_from=date(2024, 1, 1))
    data = dict(person=people[0], facility=outside, kind="inpatient", visit_date=date(2023, 5, 1), costs={"class_a": "8000"})
    with pytest.raises(ServiceError) as refused:
        settlement_create(user=officer, data=VisitInput(bill_number="D1", **data))
    assert refused.value.code == "no_agreement"
    manual = settlement_create(user=officer, data=VisitInput(bill_number="M1", channel="manual", claim_received_on=date(2023, 6, 1), **data))
    assert (manual.channel, manual.claim_received_on, manual.location) == ("manual", date(2023, 6, 1), "remote_unfiled")
