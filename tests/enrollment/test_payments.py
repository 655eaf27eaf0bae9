"""Recording payments at the counter (缴费): a receipt number, the amount received equal to
what is due on the payment date, the method; a household in one step; the receipt (缴费凭证)
with the total in capital numerals; the clerk's daily summary (日结单)."""

import re
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from assistance.services.identities import identity_certify
from core.errors import ServiceError
from core.roles import REVIEWER
from enrollment.models import CollectionWindow, Enrollment, Payment
from enrollment.receipts import amount_in_words
from enrollment.services.enrollments import enrollment_record_payment, enrollment_register
from enrollment.services.payments import payment_record
from enrollment.services.people import MemberInput, household_register
from enrollment.services.policy import scheme_for_region
from tests import factories

pytestmark = pytest.mark.django_db
REGISTERED_ON = date(2022, 10, 1)  # inside the 2023 collection window: 380.00 a head (N004)
PAID_ON = date(2022, 10, 20)


def registered_household(clerk, village, names=("王大", "王二"), today=REGISTERED_ON):
    household = household_register(user=clerk, village=village, address="一组", members=[
        MemberInput(name, factories.id_number(), "head" if i == 0 else "child") for i, name in enumerate(names)])
    members = list(household.members.order_by("pk"))
    enrollments = [enrollment_register(user=clerk, person=p, category="regular", channel="village_batch", today=today) for p in members]
    return household, enrollments


def pay(clerk, enrollments, amount, *, receipt="HB0001", household=None, method="cash", paid_on=PAID_ON):
    return payment_record(user=clerk, enrollments=enrollments, receipt_number=receipt, amount_received=D(amount), method=method,
                          payment_date=paid_on, household=household, today=paid_on)


# ---------------------------------------------------------------------------- the service


def test_a_household_paid_in_one_step_with_the_exact_amount(clerk, village):
    # Given a household of two registered for 2023, unpaid
    household, enrollments = registered_household(clerk, village)

    # When the clerk records 760.00 received in cash for both under one receipt number
    payment = pay(clerk, enrollments, "760.00", receipt=" ｈｂ２０２２－０００１ ", household=household)

    # Then one payment holds both, the receipt number normalised, the head as payer, in the village's county
    assert (payment.receipt_number, payment.amount, payment.payer_name, payment.county.code) == ("HB2022-0001", D("760.00"), "王大", "421202")
    paid = Enrollment.objects.filter(pk__in=[e.pk for e in enrollments])
    assert {(e.status, e.payment_id, e.payment_date) for e in paid} == {(Enrollment.Status.PAID, payment.pk, PAID_ON)}
    # and both changes are audited with the clerk and the reason
    assert {(e.history.first().history_user, e.history.first().history_change_reason) for e in paid} == {(clerk, "缴费")}
    assert payment.history.get().history_user == clerk


def test_an_amount_received_that_differs_from_the_amount_due_is_refused_and_nothing_is_written(clerk, village):
    household, enrollments = registered_household(clerk, village)

    with pytest.raises(ServiceError) as error:
        pay(clerk, enrollments, "380.00", household=household)

    assert error.value.message == "实收金额 380.00 元与应缴金额 760.00 元不一致"
    assert error.value.field == "amount_received"
    assert not Payment.objects.exists()
    assert set(Enrollment.objects.values_list("status", "payment_date")) == {(Enrollment.Status.REGISTERED, None)}


def test_the_amount_due_is_priced_for_the_payment_date_with_the_identities_valid_then(clerk, village):
    # Given a person registered at 380.00 and certified 低保 before paying
    _, (enrollment,) = registered_household(clerk, village, names=("李低保",))
    identity_certify(user=clerk, person=enrollment.person, code="subsistence_allowance", valid_from=date(2022, 10, 10))

    # When the clerk records the full standard, then the subsidised amount
    with pytest.raises(ServiceError) as error:
        pay(clerk, [enrollment], "380.00")
    payment = pay(clerk, [enrollment], "38.00")

    # Then the first is refused naming 38.00, and the second pays with the 低保 subsidy
    assert "应缴金额 38.00 元" in error.value.message
    enrollment.refresh_from_db()
    assert (payment.amount, enrollment.subsidy, enrollment.subsidy_identity) == (D("38.00"), D("342.00"), "subsistence_allowance")


def test_a_receipt_number_is_used_once_in_a_county_and_may_repeat_in_another(clerk, village, other_clerk, jiayu_villages):
    _, (first,) = registered_household(clerk, village, names=("甲",))
    _, (second,) = registered_household(clerk, village, names=("乙",))
    _, (elsewhere,) = registered_household(other_clerk, jiayu_villages[0], names=("丙",))
    pay(clerk, [first], "380.00", receipt="HB0001")

    # When the same number is entered again, in another spelling (fullwidth, lower case)
    with pytest.raises(ServiceError) as error:
        pay(clerk, [second], "380.00", receipt="ｈｂ0001")

    # Then it is refused, and the second enrollment stays unpaid; 嘉鱼县 may use the number
    assert error.value.code == "duplicate_receipt_number" and "票据号 HB0001 在咸安区已经使用" in error.value.message
    assert Enrollment.objects.get(pk=second.pk).status == Enrollment.Status.REGISTERED
    assert pay(other_clerk, [elsewhere], "380.00", receipt="HB0001").county.code == "421221"


def test_a_receipt_number_with_other_characters_is_refused(clerk, village):
    _, (enrollment,) = registered_household(clerk, village, names=("甲",))
    with pytest.raises(ServiceError) as error:
        pay(clerk, [enrollment], "380.00", receipt="HB 0001")
    assert error.value.message == "票据号只能由字母、数字和“-”组成"


def test_an_enrollment_already_paid_is_refused(clerk, village):
    _, enrollments = registered_household(clerk, village)
    enrollment_record_payment(user=clerk, enrollment=enrollments[0], payment_date=PAID_ON, today=PAID_ON)

    with pytest.raises(ServiceError) as error:
        pay(clerk, enrollments, "760.00")

    assert error.value.code == "not_registered" and error.value.message.startswith("王大：")
    assert "已缴费" in error.value.message
    assert not Payment.objects.exists() and Enrollment.objects.get(pk=enrollments[1].pk).status == Enrollment.Status.REGISTERED


def test_another_countys_enrollment_is_refused(clerk, village, other_clerk, jiayu_villages):
    _, (own,) = registered_household(clerk, village, names=("甲",))
    _, (foreign,) = registered_household(other_clerk, jiayu_villages[0], names=("丙",))

    with pytest.raises(ServiceError) as error:
        pay(clerk, [own, foreign], "760.00")

    assert error.value.code == "region_denied" and "丙不在您的管辖区划内" == error.value.message
    assert not Payment.objects.exists()
    assert set(Enrollment.objects.values_list("status", flat=True)) == {Enrollment.Status.REGISTERED}


@pytest.mark.parametrize("amount, words", [
    ("400.00", "人民币肆佰元整"), ("0.00", "人民币零元整"), ("38.00", "人民币叁拾捌元整"), ("10.50", "人民币壹拾元伍角整"),
    ("2.05", "人民币贰元零伍分"), ("0.35", "人民币叁角伍分"), ("1005.30", "人民币壹仟零伍元叁角整"),
    ("100500.00", "人民币壹拾万零伍佰元整"), ("1000100.00", "人民币壹佰万零壹佰元整"), ("20000.00", "人民币贰万元整"),
    ("1234567.89", "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"), ("110000000.01", "人民币壹亿壹仟万元零壹分"),
])
def test_amounts_in_capital_numerals(amount, words):
    assert amount_in_words(D(amount)) == words


# ---------------------------------------------------------------------------- the pages


@pytest.fixture
def window_today(village, current_standards):
    """Next year's collection is open today, whatever the calendar says (400.00 a head)."""
    today = timezone.localdate()
    CollectionWindow.objects.create(scheme=scheme_for_region(village), benefit_year=today.year + 1, kind="resident",
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=30), source="test")
    return today.year + 1


def form(receipt, amount, method="cash", **extra):
    return {"receipt_number": receipt, "amount_received": amount, "method": method, "payment_date": timezone.localdate().isoformat(), **extra}


def test_the_household_page_pays_the_whole_household_and_shows_the_receipt(clerk_client, clerk, village, window_today):
    # Given a household of three registered for next year, unpaid
    household, enrollments = registered_household(clerk, village, names=("张一", "张二", "张三"), today=timezone.localdate())

    # When the clerk opens 整户缴费: every member is listed, ticked, with the total
    page = clerk_client.get(f"/enrollment/households/{household.pk}/pay/?year={window_today}").content.decode()
    assert page.count('name="enrollments"') == 3 and page.count(" checked") == 3
    assert 'id="amount-due">1,200.00<' in page

    # ... and records 1,200.00 received by WeChat Pay under one receipt number
    response = clerk_client.post(f"/enrollment/households/{household.pk}/pay/?year={window_today}",
                                 form("WX0001", "1,200.00".replace(",", ""), "wechat", enrollments=[e.pk for e in enrollments]))

    # Then one payment holds the three, and the clerk lands on its receipt
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/enrollment/payments/{payment.pk}/receipt/"
    receipt = clerk_client.get(response["Location"]).content.decode()
    assert "缴费凭证" in receipt and "WX0001" in receipt and "张一（户主，全户缴费）" in receipt
    assert re.search(r'id="receipt-total">1,200\.00<', receipt) and "人民币壹仟贰佰元整" in receipt and "微信支付" in receipt
    assert receipt.count("400.00") >= 6  # each person's standard and amount due
    assert enrollments[0].person.id_number not in receipt  # masked
    # and the household page links each paid member to the receipt
    assert clerk_client.get(f"/enrollment/households/{household.pk}/").content.decode().count(f"/enrollment/payments/{payment.pk}/receipt/") == 3


def test_unticked_members_are_left_unpaid(clerk_client, clerk, village, window_today):
    household, enrollments = registered_household(clerk, village, names=("张一", "张二"), today=timezone.localdate())
    response = clerk_client.post(f"/enrollment/households/{household.pk}/pay/?year={window_today}",
                                 form("XJ0009", "400.00", enrollments=[enrollments[1].pk]))
    assert response.status_code == 302
    assert dict(Enrollment.objects.values_list("person__name", "status")) == {"张一": "registered", "张二": "paid"}


def test_a_wrong_amount_on_the_payment_form_names_both_amounts(clerk_client, clerk, village, window_today):
    _, (enrollment,) = registered_household(clerk, village, names=("赵一",), today=timezone.localdate())
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/", form("XJ0001", "40"))
    assert response.status_code == 200
    assert "实收金额 40.00 元与应缴金额 400.00 元不一致" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_single_payment_form_records_a_receipt(clerk_client, clerk, village, window_today):
    _, (enrollment,) = registered_household(clerk, village, names=("赵一",), today=timezone.localdate())
    page = clerk_client.get(f"/enrollment/enrollments/{enrollment.pk}/pay/").content.decode()
    assert 'id="amount-due">400.00<' in page and "票据号" in page and "支付宝" in page
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/", form("ZFB01", "400.00", "alipay"))
    payment = Payment.objects.get()
    assert response["Location"] == f"/enrollment/payments/{payment.pk}/receipt/"
    assert (payment.payer_name, payment.household, payment.method) == ("赵一", None, "alipay")


def test_the_daily_summary_totals_a_clerks_day_by_method(client, clerk, village, xianan, window_today):
    # Given a clerk's three payments today (cash twice, WeChat Pay once) and a colleague's one
    colleague = factories.user("clerk_two", "经办员", xianan)
    _, (a,) = registered_household(clerk, village, names=("甲",), today=timezone.localdate())
    household, (b, c) = registered_household(clerk, village, names=("乙", "丙"), today=timezone.localdate())
    _, (d,) = registered_household(clerk, village, names=("丁",), today=timezone.localdate())
    _, (e,) = registered_household(clerk, village, names=("戊",), today=timezone.localdate())
    today = timezone.localdate()
    payment_record(user=clerk, enrollments=[a], receipt_number="R1", amount_received=D("400.00"), method="cash", payment_date=today)
    payment_record(user=clerk, enrollments=[b, c], receipt_number="R2", amount_received=D("800.00"), method="cash", payment_date=today,
                   household=household)
    payment_record(user=clerk, enrollments=[d], receipt_number="R3", amount_received=D("400.00"), method="wechat", payment_date=today)
    payment_record(user=colleague, enrollments=[e], receipt_number="R4", amount_received=D("400.00"), method="cash", payment_date=today)

    # When the clerk opens 日结单
    client.force_login(clerk)
    page = client.get("/enrollment/payments/daily/").content.decode()

    # Then their three payments of four people are listed, 1,600.00 in all: cash 1,200.00, WeChat 400.00
    rows = re.search(r'<table class="table table-sm" id="summary-payments">.*?</table>', page, re.S).group(0)
    assert all(n in rows for n in ("R1", "R2", "R3")) and "R4" not in rows
    methods = re.search(r'id="summary-methods">.*?</table>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", methods, re.S)]
    assert cells[4:] == ["现金", "2", "3", "1,200.00", "微信支付", "1", "1", "400.00", "合计", "3", "4", "1,600.00"]
    assert "经办人（签字）" in page and "复核人（签字）" in page

    # And a reviewer of the county may open the colleague's summary
    reviewer = factories.user("reviewer_x", REVIEWER, xianan)
    client.force_login(reviewer)
    other = client.get(f"/enrollment/payments/daily/?clerk={colleague.pk}&date={today.isoformat()}").content.decode()
    assert 'id="summary-total">400.00<' in other and "R4" in other


@pytest.mark.parametrize("query", ["date=2026-13-01", "date=yesterday", "date=0001-01-01", "date=20260101", "clerk=abc", "clerk=0"])
def test_bad_query_parameters_of_the_daily_summary_are_a_400_page(clerk_client, query):
    response = clerk_client.get(f"/enrollment/payments/daily/?{query}")
    assert response.status_code == 400
    assert "日期" in response.content.decode() or "经办人" in response.content.decode()


def test_another_countys_clerk_is_refused_on_the_daily_summary(clerk_client, other_clerk):
    response = clerk_client.get(f"/enrollment/payments/daily/?clerk={other_clerk.pk}")
    assert response.status_code == 400 and "不在您的管辖区划内" in response.content.decode()


def test_recalculating_for_another_payment_date_prices_that_day_and_records_nothing(clerk_client, clerk, village, window_today):
    # Given a person registered for next year and certified 低保 from today on
    _, (enrollment,) = registered_household(clerk, village, names=("钱一",), today=timezone.localdate())
    identity_certify(user=clerk, person=enrollment.person, code="subsistence_allowance", valid_from=timezone.localdate())
    # When the clerk asks for the amounts of a day before the certification
    day_before = timezone.localdate() - timedelta(days=1)
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/",
                                 {"payment_date": day_before.isoformat(), "receipt_number": "", "amount_received": "", "recalculate": "1"})
    # Then the page prices that day (400.00, no subsidy yet), shows no other errors, and records nothing
    page = response.content.decode()
    assert response.status_code == 200 and f"按{day_before:%Y-%m-%d}缴费核定" in page and 'id="amount-due">400.00<' in page
    assert "必填" not in page and not Payment.objects.exists()
    # and today's price is the subsidised one
    assert 'id="amount-due">40.00<' in clerk_client.get(f"/enrollment/enrollments/{enrollment.pk}/pay/").content.decode()


def test_the_admin_shows_an_enrollments_payment_as_its_receipt_and_never_changes_payments(client, clerk, officer, village):
    # Given an enrollment paid at the counter
    _, (enrollment,) = registered_household(clerk, village, names=("孙一",))
    payment = pay(clerk, [enrollment], "380.00", receipt="HB0100")

    # When the city officer opens it in the admin
    client.force_login(officer)
    page = client.get(f"/admin/enrollment/enrollment/{enrollment.pk}/change/").content.decode()

    # Then the payment is a link to its receipt page (which the officer may open), not into the payments' admin
    assert f'href="/enrollment/payments/{payment.pk}/receipt/">缴费凭证（票据号 HB0100）' in page
    assert f"/admin/enrollment/payment/{payment.pk}/" not in page
    assert client.get(f"/enrollment/payments/{payment.pk}/receipt/").status_code == 200
    # and the payments' admin offers no way to add, change or delete one
    from django.contrib import admin
    payment_admin = admin.site._registry[Payment]
    request = type("Request", (), {"user": officer})()
    assert not (payment_admin.has_add_permission(request) or payment_admin.has_change_permission(request, payment)
                or payment_admin.has_delete_permission(request, payment))


def test_a_department_user_sees_no_receipt_link_they_could_not_open(client, clerk, village, xianan):
    from core.roles import DEPARTMENT_GROUPS

    household, (enrollment,) = registered_household(clerk, village, names=("周一",))
    payment = pay(clerk, [enrollment], "380.00", receipt="HB0200", household=household)
    civil = factories.user("civil_x", DEPARTMENT_GROUPS["civil_affairs"], xianan, department="civil_affairs")
    client.force_login(civil)
    receipt = f"/enrollment/payments/{payment.pk}/receipt/"
    for url in (f"/enrollment/people/{enrollment.person_id}/", f"/enrollment/households/{household.pk}/"):
        response = client.get(url)
        assert response.status_code == 200 and receipt not in response.content.decode()
    assert client.get(receipt).status_code == 403
