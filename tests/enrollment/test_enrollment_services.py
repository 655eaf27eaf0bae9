"""Registering people, households and enrollments through the services: the conflicts of
RULES.md 2.2 are refused with a Chinese message naming the conflict; every change is audited."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import ServiceError
from assistance.services.identities import identity_certify
from enrollment.models import Category, Channel, EmployeeCoverage, Enrollment, Person, School
from enrollment.rules.terms import PriorCoverage
from enrollment.services import enrollments as svc
from enrollment.services.people import MemberInput, household_add_member, household_register, person_create, person_update
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2022, 10, 20)  # inside the 2023 collection window


def register(clerk, person, **kwargs):
    kwargs.setdefault("category", Category.REGULAR)
    kwargs.setdefault("channel", Channel.VILLAGE_BATCH)
    kwargs.setdefault("today", TODAY)
    return svc.enrollment_register(user=clerk, person=person, **kwargs)


@pytest.fixture
def college(xianan):
    return School.objects.create(code="C1", name="咸宁职业技术学院", kind=School.Kind.COLLEGE, region=xianan)


def test_register_household_derives_birth_and_gender_and_audits(clerk, village):
    head, child = factories.id_number(date(1980, 1, 2)), factories.id_number(date(2012, 6, 1), male=False)
    household = household_register(
        user=clerk, village=village, address="一组3号",
        members=[MemberInput("王大", head, "head", "13900000000"), MemberInput("王小", child, "child")],
    )
    assert household.head.name == "王大"
    daughter = Person.objects.get(id_number=child)
    assert (daughter.birth_date, daughter.gender, daughter.household) == (date(2012, 6, 1), "F", household)
    record = daughter.history.get()
    assert record.history_user == clerk and record.history_type == "+"


def test_household_needs_exactly_one_head(clerk, village):
    with pytest.raises(ServiceError) as error:
        household_register(user=clerk, village=village, address="", members=[MemberInput("甲", factories.id_number(), "spouse")])
    assert "户主" in error.value.message


def test_person_with_bad_check_digit_is_refused_and_nothing_written(clerk, village):
    number = factories.id_number()
    bad = number[:17] + ("1" if number[17] != "1" else "2")
    with pytest.raises(ServiceError) as error:
        household_register(user=clerk, village=village, address="", members=[MemberInput("甲", bad, "head")])
    assert error.value.field == "id_number" and "校验位" in error.value.message
    assert not Person.objects.exists()


def test_second_household_cannot_take_a_member_of_the_first(clerk, village):
    number = factories.id_number()
    household_register(user=clerk, village=village, address="", members=[MemberInput("甲", number, "head")])
    with pytest.raises(ServiceError) as error:
        household_register(user=clerk, village=village, address="", members=[MemberInput("乙", factories.id_number(), "head"), MemberInput("甲", number, "spouse")])
    assert "已属于其他家庭户" in error.value.message


def test_add_member_to_existing_household(clerk, village):
    household = household_register(user=clerk, village=village, address="", members=[MemberInput("甲", factories.id_number(), "head")])
    person = household_add_member(user=clerk, household=household, member=MemberInput("乙", factories.id_number(), "spouse"))
    assert person.household == household
    with pytest.raises(ServiceError):
        household_add_member(user=clerk, household=household, member=MemberInput("丙", factories.id_number(), "head"))


def test_duplicate_id_number_is_refused_with_the_existing_name(clerk, village):
    person = factories.person(village, name="李四")
    with pytest.raises(ServiceError) as error:
        person_create(user=clerk, name="李四四", id_number=person.id_number, village=village)
    assert "李四" in error.value.message


def test_enrollment_in_window_is_paid_for_next_year(clerk, village):
    person = factories.person(village)
    record = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2022, 1, 1))
    enrollment = register(clerk, person, payment_date=date(2022, 10, 8))
    assert (enrollment.benefit_year, enrollment.status) == (2023, Enrollment.Status.PAID)
    assert (enrollment.standard, enrollment.subsidy, enrollment.amount_due) == (Decimal("380.00"), Decimal("342.00"), Decimal("38.00"))
    assert (enrollment.subsidy_identity_record, enrollment.identities) == (record, ["subsistence_allowance"])
    assert enrollment.sources == ["X000 art. 7", "N004 §三"]
    assert enrollment.history.get().history_user == clerk


def test_second_enrollment_same_year_is_refused(clerk, village):
    person = factories.person(village)
    register(clerk, person, payment_date=date(2022, 10, 8))
    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 18))  # before TODAY: a payment is never in the future
    assert error.value.code == "duplicate_year"
    assert "2023年度" in error.value.message


def test_student_enrolled_by_school_is_not_enrolled_by_family(clerk, village, college):
    person = factories.person(village, birth=date(2003, 5, 1))
    register(clerk, person, category=Category.COLLEGE_STUDENT, channel=Channel.SCHOOL_BATCH, school=college, payment_date=date(2022, 9, 20))
    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 8))  # 2023, overlapping Sep 2022 - Dec 2023
    assert error.value.code == "school_family_duplicate"
    assert "咸宁职业技术学院" in error.value.message and "X000 art. 7" in error.value.message


def test_student_enrolled_by_family_is_not_enrolled_by_school(clerk, village, college):
    person = factories.person(village, birth=date(2003, 5, 1))
    register(clerk, person, payment_date=date(2022, 10, 8))
    with pytest.raises(ServiceError) as error:
        register(clerk, person, category=Category.COLLEGE_STUDENT, channel=Channel.SCHOOL_BATCH, school=college, payment_date=date(2022, 10, 9))
    assert error.value.code == "school_family_duplicate"


def test_person_on_employee_list_for_overlapping_period_is_refused(clerk, village, xianan):
    person = factories.person(village)
    EmployeeCoverage.objects.create(id_number=person.id_number, name=person.name, employer="某公司", starts_on=date(2020, 1, 1),
                                    ends_on=date(2023, 6, 30), region=xianan, region_path=xianan.path)
    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 8))
    assert error.value.code == "employee_overlap"
    # The period is named; the employer is not (the employee list is city-wide).
    assert "2020-01-01至2023-06-30参加职工医保" in error.value.message and "某公司" not in error.value.message


def test_employee_cover_ended_before_the_benefit_period_is_no_conflict(clerk, village, xianan):
    person = factories.person(village)
    EmployeeCoverage.objects.create(id_number=person.id_number, name=person.name, starts_on=date(2015, 1, 1),
                                    ends_on=date(2022, 5, 31), region=xianan, region_path=xianan.path)
    enrollment = register(clerk, person, payment_date=date(2022, 6, 10), today=date(2022, 6, 10),
                          prior_coverage=PriorCoverage("employee", date(2022, 5, 31), 7))
    assert (enrollment.benefit_start, enrollment.mid_year, enrollment.prior_coverage_kind) == (date(2022, 6, 10), False, "employee")


def test_deceased_person_cannot_enroll(clerk, village):
    person = factories.person(village)
    person_update(user=clerk, person=person, status=Person.Status.DECEASED, status_date=date(2022, 9, 1))
    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 8))
    assert error.value.code == "deceased" and "死亡" in error.value.message


def test_refund_before_benefit_start_is_allowed(clerk, village):
    enrollment = register(clerk, factories.person(village), payment_date=date(2022, 10, 8))
    cancelled = svc.enrollment_cancel(user=clerk, enrollment=enrollment, reason="重复缴费", today=date(2022, 12, 31))
    assert cancelled.status == Enrollment.Status.CANCELLED
    assert cancelled.history.first().history_change_reason == "注销并退费"


def test_refund_after_benefit_period_started_is_refused(clerk, village):
    enrollment = register(clerk, factories.person(village), payment_date=date(2022, 10, 8))
    with pytest.raises(ServiceError) as error:
        svc.enrollment_cancel(user=clerk, enrollment=enrollment, reason="不想参保了", today=date(2023, 1, 1))
    assert "不予退还" in error.value.message and "X000 art. 10" in error.value.message
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.PAID


def test_cancelled_enrollment_frees_the_year(clerk, village):
    person = factories.person(village)
    first = register(clerk, person, payment_date=date(2022, 10, 8))
    svc.enrollment_cancel(user=clerk, enrollment=first, reason="登记错误", today=TODAY)
    assert register(clerk, person, payment_date=date(2022, 10, 9)).benefit_year == 2023


def test_registration_then_payment_prices_by_payment_date(clerk, village):
    enrollment = register(clerk, factories.person(village), today=date(2022, 10, 1))
    assert (enrollment.status, enrollment.payment_date, enrollment.benefit_year) == (Enrollment.Status.REGISTERED, None, 2023)
    paid = svc.enrollment_record_payment(user=clerk, enrollment=enrollment, payment_date=date(2023, 2, 1), today=date(2023, 2, 1))
    assert (paid.status, paid.mid_year, paid.benefit_start) == (Enrollment.Status.PAID, True, date(2023, 5, 2))
    assert paid.history.first().history_change_reason == "缴费"


def test_payment_buying_another_year_is_refused(clerk, village, current_standards):
    enrollment = register(clerk, factories.person(village), today=date(2022, 10, 1))
    with pytest.raises(ServiceError) as error:
        svc.enrollment_record_payment(user=clerk, enrollment=enrollment, payment_date=date(2023, 9, 5), today=date(2023, 9, 5))
    assert error.value.code == "year_mismatch"


def test_registration_for_a_chosen_year_is_checked(clerk, village):
    with pytest.raises(ServiceError) as error:
        register(clerk, factories.person(village), payment_date=date(2022, 10, 8), benefit_year=2022)
    assert "2023年度" in error.value.message


def test_suspend_and_resume_for_seasonal_employee_cover(clerk, village):
    enrollment = register(clerk, factories.person(village), payment_date=date(2022, 10, 8), today=date(2023, 3, 1))
    suspended = svc.enrollment_suspend(user=clerk, enrollment=enrollment, reason="")
    assert suspended.status == Enrollment.Status.SUSPENDED and "X000 art. 16" in suspended.status_reason
    resumed = svc.enrollment_resume(user=clerk, enrollment=enrollment, today=date(2023, 5, 1))
    assert resumed.status == Enrollment.Status.IN_BENEFIT


def test_statuses_follow_the_calendar(clerk, village):
    enrollment = register(clerk, factories.person(village), payment_date=date(2022, 10, 8))
    assert svc.advance_statuses(date(2022, 12, 31)) == {"in_benefit": 0, "ended": 0}
    svc.advance_statuses(date(2023, 1, 1))
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.IN_BENEFIT
    svc.advance_statuses(date(2024, 1, 1))
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ENDED


def test_household_enroll_is_all_or_nothing(clerk, village):
    household = household_register(user=clerk, village=village, address="", members=[
        MemberInput("甲", factories.id_number(), "head"), MemberInput("乙", factories.id_number(), "spouse")])
    head, spouse = household.members.order_by("pk")
    register(clerk, spouse, payment_date=date(2022, 10, 1))
    with pytest.raises(ServiceError) as error:
        svc.household_enroll(user=clerk, members=[(head, "regular"), (spouse, "regular")], channel="village_batch",
                             payment_date=date(2022, 10, 8), today=TODAY)
    assert error.value.message.startswith("乙：")
    assert not Enrollment.objects.filter(person=head).exists()


def test_renewal_registers_last_years_enrollees_of_the_village(clerk, village, xianan_villages):
    stay, dead, other = factories.person(village), factories.person(village), factories.person(xianan_villages[1])
    identity_certify(user=clerk, person=stay, code="orphan", valid_from=date(2021, 1, 1))
    for p in (stay, dead, other):
        register(clerk, p, payment_date=date(2021, 10, 8), today=date(2021, 10, 8))
    person_update(user=clerk, person=dead, status=Person.Status.DECEASED, status_date=date(2022, 3, 1))
    result = svc.renew_village(user=clerk, village=village, to_year=2023, assessed_on=TODAY)
    assert (result.created, result.refused) == (1, [])
    renewed = Enrollment.objects.get(person=stay, benefit_year=2023)
    assert (renewed.status, renewed.subsidy_identity, renewed.amount_due) == (Enrollment.Status.REGISTERED, "orphan", Decimal("0.00"))
    assert not Enrollment.objects.filter(person__in=[dead, other], benefit_year=2023).exists()
    # Running it again registers nobody twice.
    assert svc.renew_village(user=clerk, village=village, to_year=2023, assessed_on=TODAY).created == 0


def test_clerk_cannot_register_in_another_county(clerk, jiayu_villages):
    with pytest.raises(ServiceError) as error:
        person_create(user=clerk, name="甲", id_number=factories.id_number(), village=jiayu_villages[0])
    assert error.value.code == "region_denied"


def test_identity_valid_on_the_payment_date_decides_the_subsidy(clerk, village):
    """RULES.md 2.3: the identity valid on the assessment date; registered unpaid, then paid
    after the identity started: the payment's date decides."""
    person = factories.person(village)
    identity_certify(user=clerk, person=person, code="extreme_poverty", valid_from=date(2022, 11, 1))
    registered = register(clerk, person, today=date(2022, 10, 20))
    assert registered.subsidy == Decimal("0.00")
    paid = svc.enrollment_record_payment(user=clerk, enrollment=registered, payment_date=date(2022, 11, 1), today=date(2022, 11, 1))
    assert (paid.subsidy, paid.amount_due, paid.subsidy_identity) == (Decimal("380.00"), Decimal("0.00"), "extreme_poverty")


def test_revoked_identity_no_longer_subsidises(clerk, village):
    from assistance.services.identities import identity_revoke

    person = factories.person(village)
    record = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2021, 1, 1))
    identity_revoke(user=clerk, identity=record, exit_date=date(2022, 10, 1), reason="退出低保")
    assert register(clerk, person, payment_date=date(2022, 10, 8)).subsidy == Decimal("0.00")
