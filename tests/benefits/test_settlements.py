"""Settlements from the data: eligibility from enrollment, identities and approvals; totals kept
per person and year; reversal; concurrent settlements of one person."""

import re
import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from assistance.services.identities import identity_certify
from benefits.models import Facility, PersonYear, PolicyParameter, Settlement
from benefits.services.settlements import VisitInput, settlement_create, settlement_reverse
from core.errors import ServiceError
from core.models import Region
from core.roles import CITY_OFFICER, CLERK
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
EXAMPLE = {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}


@pytest.fixture
def hospital(xianan):
    return Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))


@pytest.fixture
def insured(clerk, village):
    person = factories.person(village, name="参保人")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    return person


def settle_for(user, person, facility, bill, day=date(2023, 3, 15), kind="inpatient", costs=EXAMPLE, **kw):
    return settlement_create(user=user, data=VisitInput(person=person, facility=facility, bill_number=bill, kind=kind, visit_date=day,
                                                        costs=dict(costs), **kw))


def test_an_enrolled_person_is_settled_as_worked_example_1(officer, insured, hospital):
    s = settle_for(officer, insured, hospital, "B1")
    assert (s.basic_fund, s.personal, s.status) == (D("6440.00"), D("4060.00"), "settled")
    assert s.parameter_set.versions["inpatient_rate.2"][1] == 1
    assert {"step": "起付标准", "amount": "600.00", "source": "X000 art. 20(一)1"} in s.explanation  # stored to the cent
    assert all(re.fullmatch(r"-?\d+\.\d\d", step["amount"]) for step in s.explanation)
    totals = PersonYear.objects.get(person=insured, year=2023)
    assert (totals.basic_fund, totals.ci_base, totals.personal) == (D("6440.00"), D("3360.00"), D("4060.00"))


def test_identity_valid_on_the_visit_date_gives_assistance(officer, clerk, insured, hospital):
    identity_certify(user=clerk, person=insured, code="subsistence_allowance", valid_from=date(2023, 3, 1))
    before = settle_for(officer, insured, hospital, "B1", day=date(2023, 2, 28))
    after = settle_for(officer, insured, hospital, "B2", day=date(2023, 3, 1))
    assert before.assistance == D("0") and after.assistance > 0


def test_an_expired_or_revoked_identity_gives_no_assistance_after_its_end(officer, clerk, insured, hospital, village):
    from assistance.services.identities import identity_revoke

    identity_certify(user=clerk, person=insured, code="subsistence_allowance", valid_from=date(2022, 1, 1), valid_to=date(2023, 3, 31))
    last_day = settle_for(officer, insured, hospital, "B1", day=date(2023, 3, 31))
    expired = settle_for(officer, insured, hospital, "B2", day=date(2023, 4, 1))
    assert last_day.assistance > 0 and expired.assistance == D("0")

    other = factories.person(village, name="退出人")
    enrollment_register(user=clerk, person=other, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    identity = identity_certify(user=clerk, person=other, code="subsistence_allowance", valid_from=date(2022, 1, 1))
    identity_revoke(user=clerk, identity=identity, exit_date=date(2023, 5, 1), reason="收入超标")
    assert settle_for(officer, other, hospital, "C1", day=date(2023, 4, 30)).assistance > 0
    assert settle_for(officer, other, hospital, "C2", day=date(2023, 5, 1)).assistance == D("0")


def test_waiting_period_pays_nothing_and_says_why(officer, clerk, village, hospital):
    person = factories.person(village)
    enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=date(2023, 2, 1), today=date(2023, 2, 1))
    s = settle_for(officer, person, hospital, "B1", day=date(2023, 3, 15))
    assert s.basic_fund == D("0") and s.personal == s.total
    assert any("等待期" in step["step"] for step in s.explanation)


def test_a_bill_is_settled_once(officer, insured, hospital):
    settle_for(officer, insured, hospital, "B1")
    with pytest.raises(ServiceError) as error:
        settle_for(officer, insured, hospital, "B1")
    assert error.value.code == "duplicate_bill"


def test_a_visit_outside_the_facilitys_agreement_is_refused(officer, insured, hospital):
    hospital.agreement_to = date(2023, 3, 14)
    hospital.save()
    with pytest.raises(ServiceError) as error:
        settle_for(officer, insured, hospital, "B1")  # visits on 2023-03-15
    assert error.value.code == "no_agreement" and "不在协议期内" in error.value.message
    assert not Settlement.objects.exists()


def test_reversal_negates_and_restores_the_totals_then_a_new_record_corrects(officer, insured, hospital):
    first = settle_for(officer, insured, hospital, "B1")
    reversal = settlement_reverse(user=officer, settlement=first, reason="费用录入错误")
    first.refresh_from_db()
    assert first.status == "reversed" and reversal.status == "reversal" and reversal.reverses == first
    assert reversal.basic_fund == -first.basic_fund and reversal.bill_number == "B1" and str(reversal) == "B1（冲正）"
    totals = PersonYear.objects.get(person=insured, year=2023)
    assert totals.basic_fund == D("0") and totals.ci_base == D("0")
    corrected = settle_for(officer, insured, hospital, "B1-2", costs={"class_a": "9000"})
    assert PersonYear.objects.get(person=insured, year=2023).basic_fund == corrected.basic_fund
    with pytest.raises(ServiceError):
        settlement_reverse(user=officer, settlement=first, reason="again")


def test_annual_cap_holds_across_settlements(officer, insured, hospital):
    big = {"class_a": "150000"}
    a = settle_for(officer, insured, hospital, "B1", costs=big)
    b = settle_for(officer, insured, hospital, "B2", costs=big, day=date(2023, 6, 1))
    assert a.basic_fund + b.basic_fund == D("200000")


@pytest.mark.services
def test_concurrent_settlements_of_one_person_never_exceed_the_cap(transactional_db, presets):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database for two real connections")
    county = Region.objects.get(code="421202")
    village = factories.township_and_villages(county)[1][0]
    clerk = factories.user("c", CLERK, county)
    officer = factories.user("o", CITY_OFFICER, Region.objects.get(code="421200"), staff=True)
    person = factories.person(village)
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    hospital = Facility.objects.create(code="H9", name="医院", level=1, tier="secondary_plus", region=county, agreement_from=date(2020, 1, 1))
    barrier, errors = threading.Barrier(2), []

    def go(bill):
        try:
            barrier.wait()
            settle_for(officer, person, hospital, bill, costs={"class_a": "150000"})
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(f"C{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = Settlement.objects.filter(person=person)
    assert sum(r.basic_fund for r in rows) == D("200000")
    assert PersonYear.objects.get(person=person, year=2023).basic_fund == D("200000")


def test_the_batch_path_settles_exactly_like_one_by_one(officer, clerk, insured, hospital, village):
    """Facility exports and the benchmark settle many visits in one SettlementBatch; it must give
    the same splits and totals as settlement_create, in the same order."""
    from django.db import transaction

    from benefits.services.settlements import SettlementBatch, settlements_write

    identity_certify(user=clerk, person=insured, code="low_income_edge", valid_from=date(2023, 1, 1))
    other = factories.person(village, name="另一人")
    enrollment_register(user=clerk, person=other, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    clinic = Facility.objects.create(code="V1", name="村卫生室", level=1, tier="village", region=hospital.region, agreement_from=date(2020, 1, 1))
    plan = [(insured, hospital, "inpatient", date(2023, 3, 1), {"class_a": "30000", "class_b_drug": "5000"}),
            (insured, clinic, "outpatient", date(2023, 3, 2), {"class_a": "40"}),
            (insured, clinic, "outpatient", date(2023, 3, 2), {"class_a": "40"}),
            (other, hospital, "inpatient", date(2023, 4, 1), {"class_a": "150000"}),
            (other, hospital, "inpatient", date(2023, 5, 1), {"class_a": "150000"})]
    one_by_one = [settle_for(officer, p, f, f"S{i}", day=d, kind=k, costs=c) for i, (p, f, k, d, c) in enumerate(plan)]
    expected_totals = {py.person_id: py.basic_fund for py in PersonYear.objects.all()}
    Settlement.objects.all().delete()
    PersonYear.objects.all().delete()

    batch = SettlementBatch()
    items = [VisitInput(person=p, facility=f, bill_number=f"T{i}", kind=k, visit_date=d, costs=dict(c)) for i, (p, f, k, d, c) in enumerate(plan)]
    with transaction.atomic():
        batch.load(items, lock=True)
        settlements_write(batch=batch, settled=[batch.settle(item) for item in items], user=officer)
    rows = list(Settlement.objects.order_by("bill_number"))
    fields = ("basic_fund", "critical_illness", "assistance", "extra_assistance", "personal")
    assert [[getattr(s, f) for f in fields] for s in rows] == [[getattr(s, f) for f in fields] for s in one_by_one]
    assert {py.person_id: py.basic_fund for py in PersonYear.objects.all()} == expected_totals
    assert rows[2].basic_fund == D("0")  # the clinic's daily cap of 15 was used by the first visit


def test_pages_list_a_facilitys_month_and_a_persons_year_with_caps(client, officer, insured, hospital):
    settle_for(officer, insured, hospital, "B1", day=date(2023, 3, 15))
    second = settle_for(officer, insured, hospital, "B2", day=date(2023, 3, 20), costs={"class_a": "1000"})
    client.force_login(officer)
    month = client.get(f"/benefits/settlements/?facility={hospital.pk}&year=2023&month=3").content.decode()
    assert "2 笔" in month and "B1" in month and "B2" in month
    history = client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023").content.decode()
    assert '<td class="money">6,440.00</td><td class="money">6,440.00</td>' in history  # this bill, the year so far
    assert (f'<td class="money">{second.basic_fund:,.2f}</td><td class="money">{D("6440.00") + second.basic_fund:,.2f}</td>'
            in history)
    assert "200,000.00" in history  # the annual cap shown
    assert re.search(r'<td>大病保险</td><td class="money">0\.00</td>', history)  # year totals to the cent, zero included
    response = client.post(f"/benefits/settlements/{second.pk}/reverse/", {"reason": "重复结算", "confirm": "1"})
    assert response.status_code == 302 and Settlement.objects.get(pk=second.pk).status == "reversed"


def test_the_settlement_page_explains_each_amount_with_the_parameter_values_used(client, officer, insured, hospital):
    s = settle_for(officer, insured, hospital, "B1")
    rate = PolicyParameter.objects.get(region__code="421200", name="inpatient_rate.2")
    rate.value = "0.80"  # changed after the settlement: the page shows the value it used
    rate.save()
    client.force_login(officer)
    page = client.get(f"/benefits/settlements/{s.pk}/").content.decode()
    assert "起付标准" in page and "咸宁办法 第二十条(一)1" in page and "6,440.00" in page
    assert re.search(r'<td>住院统筹支付比例（二级医疗机构）</td><td class="text-end">70%</td>.*?<td class="text-nowrap">第 1 版</td>', page)
    assert "市内" in page and "甲类" in page
    history = client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023").content.decode()
    assert f'href="/benefits/settlements/{s.pk}/"' in history
    reversal = settlement_reverse(user=officer, settlement=s, reason="录入错误")
    page = client.get(f"/benefits/settlements/{s.pk}/").content.decode()
    assert f"/benefits/settlements/{reversal.pk}/" in page and "录入错误" in page
