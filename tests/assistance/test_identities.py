"""Hardship identities (RULES.md section 1): who may certify which code, validity by date,
the 12 months of illness_poverty, merging of touching periods, revocation, expiry, classes."""

from datetime import date, timedelta

import pytest

from assistance.models import HardshipIdentity
from assistance.services.identities import assistance_class, expire_identities, identity_certify, identity_revoke, valid_identities
from django.utils import timezone

from core.errors import ServiceError
from core.money import add_months
from core.identity_codes import CERTIFYING_DEPARTMENT
from core.models import Department
from tests import factories

pytestmark = pytest.mark.django_db

GROUP_OF = {
    Department.CIVIL_AFFAIRS: "民政", Department.RURAL_REVITALISATION: "乡村振兴", Department.HEALTH: "卫健",
    Department.VETERANS: "退役军人事务", Department.DISABLED_FEDERATION: "残联", Department.COUNTY_GOVERNMENT: "民政",
}


def department_user(department, region, name=None):
    return factories.user(name or f"dept_{department}", GROUP_OF[department], region, department=department)


@pytest.fixture
def person(village):
    return factories.person(village, name="困难户")


# --- RULES.md section 1: class and certifying department of every code -------------------------


@pytest.mark.parametrize(
    "code, department, klass",
    [
        ("extreme_poverty", Department.CIVIL_AFFAIRS, 1),
        ("orphan", Department.CIVIL_AFFAIRS, 1),
        ("subsistence_allowance", Department.CIVIL_AFFAIRS, 2),
        ("returned_to_poverty", Department.RURAL_REVITALISATION, 2),
        ("low_income_edge", Department.CIVIL_AFFAIRS, 3),
        ("monitored_unstable", Department.RURAL_REVITALISATION, 3),
        ("monitored_edge", Department.RURAL_REVITALISATION, 3),
        ("monitored_sudden", Department.RURAL_REVITALISATION, 3),
        ("illness_poverty", Department.CIVIL_AFFAIRS, 4),
        ("county_special", Department.COUNTY_GOVERNMENT, 4),
        ("disabled_unable_to_work", Department.DISABLED_FEDERATION, None),
        ("entitled_veteran", Department.VETERANS, None),
        ("severe_mental_illness", Department.HEALTH, None),
        ("family_planning_hardship", Department.HEALTH, None),
        ("low_income_elder_or_minor", Department.CIVIL_AFFAIRS, None),
        ("stable_out_of_poverty", Department.RURAL_REVITALISATION, None),
    ],
)
def test_every_code_has_its_department_and_class(code, department, klass, person, xianan):
    assert CERTIFYING_DEPARTMENT[code] == department
    assert assistance_class([code]) == klass
    record = identity_certify(user=department_user(department, xianan), person=person, code=code, valid_from=date(2023, 1, 1))
    assert record.department == department and not record.on_behalf


def test_most_favourable_class_of_several_identities(presets):
    assert assistance_class(["monitored_edge", "subsistence_allowance", "illness_poverty"]) == 2
    assert assistance_class(["stable_out_of_poverty", "entitled_veteran"]) is None


def test_a_department_cannot_certify_another_departments_code(person, xianan):
    civil = department_user(Department.CIVIL_AFFAIRS, xianan)
    with pytest.raises(ServiceError) as error:
        identity_certify(user=civil, person=person, code="returned_to_poverty", valid_from=date(2023, 1, 1))
    assert "乡村振兴" in error.value.message and "咸宁办法 第四十一条" in error.value.message
    assert not HardshipIdentity.objects.exists()


def test_the_bureau_records_on_a_departments_behalf(person, clerk):
    record = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    assert (record.department, record.on_behalf) == (Department.CIVIL_AFFAIRS, True)
    assert record.history.get().history_change_reason == "代部门录入"
    with pytest.raises(ServiceError):
        identity_certify(user=clerk, person=person, code="orphan", valid_from=date(2023, 1, 1), on_behalf_of=Department.HEALTH)


def test_a_department_of_another_county_cannot_reach_the_person(person, jiayu):
    civil = department_user(Department.CIVIL_AFFAIRS, jiayu)
    with pytest.raises(ServiceError) as error:
        identity_certify(user=civil, person=person, code="orphan", valid_from=date(2023, 1, 1))
    assert error.value.code == "region_denied"


# --- validity on the assessment date ----------------------------------------------------------


@pytest.mark.parametrize("day, valid", [(date(2023, 2, 28), False), (date(2023, 3, 1), True), (date(2023, 8, 31), True), (date(2023, 9, 1), False)])
def test_validity_day_before_first_day_last_day_day_after(person, clerk, day, valid):
    identity_certify(user=clerk, person=person, code="orphan", valid_from=date(2023, 3, 1), valid_to=date(2023, 8, 31))
    assert bool(valid_identities([person.pk], day)) is valid


def test_illness_poverty_lasts_twelve_months_unless_shorter(person, clerk):
    record = identity_certify(user=clerk, person=person, code="illness_poverty", valid_from=date(2023, 3, 15))
    assert record.valid_to == date(2024, 3, 14)
    other = factories.person(person.village)
    shorter = identity_certify(user=clerk, person=other, code="illness_poverty", valid_from=date(2023, 3, 15), valid_to=date(2023, 6, 30))
    assert shorter.valid_to == date(2023, 6, 30)
    longer = identity_certify(user=clerk, person=factories.person(person.village), code="illness_poverty",
                              valid_from=date(2023, 3, 15), valid_to=date(2025, 1, 1))
    assert longer.valid_to == date(2024, 3, 14)


def test_touching_periods_of_the_same_code_are_merged(person, clerk):
    first = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1), valid_to=date(2023, 6, 30))
    second = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 7, 1), valid_to=date(2023, 12, 31))
    assert second.pk == first.pk
    assert (second.valid_from, second.valid_to) == (date(2023, 1, 1), date(2023, 12, 31))
    assert HardshipIdentity.objects.count() == 1
    apart = identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2024, 3, 1))
    assert apart.pk != first.pk and HardshipIdentity.objects.count() == 2


def test_certifying_the_same_period_twice_changes_nothing(person, clerk):
    first = identity_certify(user=clerk, person=person, code="orphan", valid_from=date(2023, 1, 1))
    again = identity_certify(user=clerk, person=person, code="orphan", valid_from=date(2023, 1, 1))
    assert again.pk == first.pk and first.history.count() == 1


def test_revocation_ends_validity_from_the_exit_date(person, xianan):
    civil = department_user(Department.CIVIL_AFFAIRS, xianan)
    record = identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    identity_revoke(user=civil, identity=record, exit_date=date(2023, 5, 1), reason="收入超标")
    assert valid_identities([person.pk], date(2023, 4, 30))
    assert not valid_identities([person.pk], date(2023, 5, 1))
    record.refresh_from_db()
    assert record.status == HardshipIdentity.Status.REVOKED and record.revoke_reason == "收入超标"
    health = department_user(Department.HEALTH, xianan)
    with pytest.raises(ServiceError):
        identity_revoke(user=health, identity=record, exit_date=date(2023, 4, 1))


def test_expiry_job_marks_ended_identities(person, clerk):
    today = timezone.localdate()
    record = identity_certify(user=clerk, person=person, code="illness_poverty", valid_from=add_months(today, -12) + timedelta(days=1))
    assert record.valid_to == today and record.status == HardshipIdentity.Status.CERTIFIED
    assert expire_identities(today) == 0
    assert expire_identities(today + timedelta(days=1)) == 1
    record.refresh_from_db()
    assert record.status == HardshipIdentity.Status.EXPIRED
