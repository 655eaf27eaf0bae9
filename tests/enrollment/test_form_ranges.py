"""Numbers and phone numbers typed into the enrollment pages are checked on their field: a
number the column cannot hold (职工医保连续参保年数 32768 was a 500, `smallint out of range`)
or a phone number that is not one is shown on the form again, and nothing is written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enrollment.forms import PRIOR_COVERAGE_YEARS_MAX
from enrollment.models import Enrollment, Household, Person
from tests import factories

pytestmark = pytest.mark.django_db


def enroll(client, person, years):
    # Registration is priced as of today (the page records no payment): the cover ended last month.
    ended = timezone.localdate().replace(day=1) - timedelta(days=1)
    return client.post(f"/enrollment/people/{person.pk}/enroll/", {
        "category": "regular", "channel": "village_batch",
        "prior_coverage_kind": "employee", "prior_coverage_ended_on": ended.isoformat(), "prior_coverage_years": years})


@pytest.mark.parametrize("years", ["32768", "99999999999999999999", str(PRIOR_COVERAGE_YEARS_MAX + 1), "-1"])
def test_continuous_years_beyond_a_working_life_are_a_field_error(clerk_client, village, years):
    person = factories.person(village)

    response = enroll(client=clerk_client, person=person, years=years)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["prior_coverage_years"]
    assert not Enrollment.objects.exists()


def test_a_working_life_of_continuous_years_is_recorded(clerk_client, village, current_standards):
    person = factories.person(village)

    response = enroll(client=clerk_client, person=person, years=str(PRIOR_COVERAGE_YEARS_MAX))

    assert response.status_code == 302
    assert Enrollment.objects.get().prior_coverage_years == PRIOR_COVERAGE_YEARS_MAX


def edit(client, person, phone):
    return client.post(f"/enrollment/people/{person.pk}/edit/", {
        "name": person.name, "phone": phone, "relation_to_head": "", "status": person.status, "status_date": "",
        "village": person.village_id, "former_head_relation": ""})


@pytest.mark.parametrize("phone", ['=HYPERLINK("x")', "1380000000", "138-0000-abcd", "+8613800000000"])
def test_a_phone_number_that_is_not_one_is_a_field_error_on_the_person_page(clerk_client, village, phone):
    person = factories.person(village, phone="13800000000")

    response = edit(clerk_client, person, phone)

    assert response.status_code == 200
    assert "不是有效的联系电话" in response.context["form"].errors["phone"][0]
    assert Person.objects.get().phone == "13800000000"


def test_a_phone_number_in_fullwidth_digits_is_kept_in_half_width(clerk_client, village):
    person = factories.person(village)

    response = edit(clerk_client, person, "０７１５－８１２３４５６")

    assert response.status_code == 302
    assert Person.objects.get().phone == "0715-8123456"


def test_a_member_with_a_phone_number_that_is_not_one_registers_no_household(clerk_client, village):
    data = {"members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "1000",
            "members-0-name": "王建国", "members-0-id_number": factories.id_number(), "members-0-relation_to_head": "head",
            "members-0-phone": "@13800000000", "village": village.pk, "address": "一组", "number": ""}

    response = clerk_client.post("/enrollment/households/new/", data)

    assert response.status_code == 200
    assert not Person.objects.exists() and not Household.objects.exists()
    assert "不是有效的联系电话" in response.content.decode()
