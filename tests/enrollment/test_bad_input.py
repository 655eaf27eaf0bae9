"""Bad input in enrollment (issue 8): implausible dates are refused by the services with a
Chinese message on the field, whichever door they come through (page, service call, import,
quote command), and nothing is written; an ID number typed in fullwidth digits or with spaces
is the same person, never a second one."""

import io
import json
import sys
from datetime import date

import pytest
from django.core.management import call_command

from core.errors import ServiceError
from core.imports import ERROR
from enrollment.models import Category, Channel, Enrollment, Household, Person
from enrollment.rules.terms import PriorCoverage
from enrollment.services import enrollments as svc
from enrollment.services.people import person_update
from tests import factories
from tests.spreadsheets import enrollment_list, enrollment_row, previewed, reasons, statuses

pytestmark = pytest.mark.django_db

TODAY = date(2022, 10, 20)  # inside the 2023 collection window
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
RANGE = "不在合理范围内（应在1900-01-01至2099-12-31之间）"


def register(clerk, person, **kwargs):
    kwargs.setdefault("category", Category.REGULAR)
    kwargs.setdefault("channel", Channel.VILLAGE_BATCH)
    kwargs.setdefault("today", TODAY)
    return svc.enrollment_register(user=clerk, person=person, **kwargs)


# ------------------------------------------------------------------------------ dates, in the services


def test_a_future_payment_through_the_service_is_refused_not_stored_as_paid(clerk, village):
    person = factories.person(village)

    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 21))

    assert (error.value.code, error.value.field) == ("date_future", "payment_date")
    assert error.value.message == "缴费日期不能晚于今天（2022-10-21 晚于 2022-10-20）"
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("payment_date", [date(1, 1, 1), date(1899, 12, 31)])
def test_a_payment_before_1900_is_refused_with_the_range(clerk, village, payment_date):
    person = factories.person(village)

    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=payment_date)

    assert (error.value.code, error.value.field) == ("date_range", "payment_date")
    assert error.value.message == f"缴费日期「{payment_date.isoformat()}」{RANGE}"
    assert not Enrollment.objects.exists()


def test_a_previous_cover_ending_in_9999_is_refused_not_an_overflow(clerk, village):
    person = factories.person(village)

    with pytest.raises(ServiceError) as error:
        register(clerk, person, payment_date=date(2022, 10, 8), prior_coverage=PriorCoverage("employee", date(9999, 12, 31), 3))

    assert error.value.field == "prior_coverage"
    assert error.value.message == f"原保障终止日期「9999-12-31」{RANGE}"
    assert not Enrollment.objects.exists()


def test_recording_a_payment_dated_0001_is_refused_and_leaves_the_enrollment_registered(clerk, village):
    enrollment = register(clerk, factories.person(village))

    with pytest.raises(ServiceError) as error:
        svc.enrollment_record_payment(user=clerk, enrollment=enrollment, payment_date=date(1, 1, 1), today=TODAY)

    assert error.value.message == f"缴费日期「0001-01-01」{RANGE}"
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.payment_date) == (Enrollment.Status.REGISTERED, None)


def test_a_death_date_in_the_future_is_refused(clerk, village):
    person = factories.person(village)

    with pytest.raises(ServiceError) as error:
        person_update(user=clerk, person=person, status=Person.Status.DECEASED, status_date=date(2099, 1, 1))

    assert error.value.field == "status_date" and "死亡/迁出日期不能晚于今天" in error.value.message
    person.refresh_from_db()
    assert person.status == Person.Status.NORMAL


# ------------------------------------------------------------------------------ dates, on the pages


def test_the_enroll_page_shows_a_previous_cover_ending_in_9999_on_its_field(clerk_client, village):
    person = factories.person(village)

    response = clerk_client.post(f"/enrollment/people/{person.pk}/enroll/", {
        "category": "regular", "channel": "village_batch",
        "prior_coverage_kind": "employee", "prior_coverage_ended_on": "9999-12-31", "prior_coverage_years": "3"})

    assert response.status_code == 200
    assert response.context["form"].errors["prior_coverage_ended_on"] == [f"「9999-12-31」{RANGE}"]
    assert not Enrollment.objects.exists()


def test_the_quote_command_refuses_a_payment_dated_0001(presets, monkeypatch):
    payload = {"region": "xianning", "category": "regular", "payment_date": "0001-01-01", "identities": [], "prior_coverage": None}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(payload)))
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("enrollment_quote", stdout=out)

    assert exit_.value.code == 2
    assert json.loads(out.getvalue()) == {"error": f"缴费日期「0001-01-01」{RANGE}", "field": "payment_date"}


# ------------------------------------------------------------------------------ fullwidth ID numbers


def members_post(rows, extra):
    data = {"members-TOTAL_FORMS": str(len(rows)), "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "1000"}
    for i, (name, number, relation) in enumerate(rows):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": number, f"members-{i}-relation_to_head": relation, f"members-{i}-phone": ""})
    data.update(extra)
    return data


def test_a_fullwidth_number_in_the_household_form_joins_the_registered_person(clerk_client, village):
    # Given a person registered without a household
    person = factories.person(village, name="王全角")

    # When a clerk registers a household typing his number in fullwidth digits, with a space
    typed = person.id_number[:6].translate(FULLWIDTH) + "\u3000" + person.id_number[6:].translate(FULLWIDTH)
    response = clerk_client.post("/enrollment/households/new/", members_post(
        [("王全角", typed, "head")], {"village": village.pk, "address": "一组", "number": ""}))

    # Then the registered person heads the new household; no second person exists
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Person.objects.count() == 1
    assert Household.objects.get().head == person


def test_a_fullwidth_number_in_a_village_list_is_the_registered_person(clerk, village):
    person = factories.person(village, name="李全角")

    job = previewed(clerk, enrollment_list(enrollment_row("李全角", person.id_number.translate(FULLWIDTH).lower(), village)))

    assert statuses(job)[2] != ERROR, reasons(job)
    assert "新增人员" not in job.preview_rows[0][2]
    from core.services import imports

    imports.import_job_commit(job.pk)
    assert list(Person.objects.values_list("id_number", flat=True)) == [person.id_number]
    assert Enrollment.objects.get().person == person


def test_a_fullwidth_and_a_plain_spelling_of_one_number_repeat_inside_a_list(clerk, village):
    number = factories.id_number()

    job = previewed(clerk, enrollment_list(enrollment_row("甲", number, village),
                                           enrollment_row("甲", number.translate(FULLWIDTH), village)))

    assert "与第3行重复" in reasons(job)[2] and "与第2行重复" in reasons(job)[3]
    assert not Person.objects.exists()
