"""Bad input in hardship identities (issue 8): certification dates outside 1900-2099 or after
today are refused with a Chinese message on the field (form, service, department list), never an
overflow; a number typed in fullwidth digits finds the registered person."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assistance.models import HardshipIdentity
from assistance.services.identities import identity_certify, identity_revoke
from core.errors import ServiceError
from core.models import Department
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
RANGE = "不在合理范围内（应在1900-01-01至2099-12-31之间）"
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]


@pytest.fixture
def civil(xianan):
    return factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)


def preview(user, rows):
    job = imports.import_job_create(user=user, kind="identity_list", uploaded=SimpleUploadedFile("list.xlsx", write_xlsx(HEADERS, rows)))
    return imports.import_job_preview(job.pk)


def reasons(job) -> dict:
    return {e["row"]: f"{e['column']}：{e['message']}" for e in job.errors}


# ------------------------------------------------------------------------------ service


def test_an_identity_valid_to_9999_merged_with_an_existing_period_is_refused_not_an_overflow(civil, village):
    # Given a certified period
    person = factories.person(village)
    identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1), valid_to=date(2023, 12, 31))

    # When a touching period is certified "until 9999-12-31"
    with pytest.raises(ServiceError) as error:
        identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=date(2024, 1, 1), valid_to=date(9999, 12, 31))

    # Then it is refused on the field, and the record is unchanged
    assert (error.value.field, error.value.message) == ("valid_to", f"有效期至「9999-12-31」{RANGE}")
    assert HardshipIdentity.objects.get().valid_to == date(2023, 12, 31)


def test_a_stored_record_ending_9999_still_merges_with_a_new_period(civil, village):
    # Given a record written before the range was enforced
    person = factories.person(village)
    record = identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    HardshipIdentity.objects.filter(pk=record.pk).update(valid_to=date(9999, 12, 31))

    # When an earlier touching period is certified, it merges rather than raising OverflowError
    merged = identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=date(2022, 6, 1), valid_to=date(2022, 12, 31))

    assert (merged.pk, merged.valid_from, merged.valid_to) == (record.pk, date(2022, 6, 1), date(9999, 12, 31))


def test_an_illness_poverty_certification_starting_9999_is_refused(civil, village):
    person = factories.person(village)

    with pytest.raises(ServiceError) as error:
        identity_certify(user=civil, person=person, code="illness_poverty", valid_from=date(9999, 6, 1))

    assert (error.value.field, error.value.message) == ("valid_from", f"认定日期「9999-06-01」{RANGE}")
    assert not HardshipIdentity.objects.exists()


def test_a_certification_dated_after_today_is_refused(civil, village):
    person = factories.person(village)
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ServiceError) as error:
        identity_certify(user=civil, person=person, code="subsistence_allowance", valid_from=tomorrow)

    assert (error.value.code, error.value.field) == ("date_future", "valid_from")
    assert "认定日期不能晚于今天" in error.value.message
    assert not HardshipIdentity.objects.exists()


def test_an_exit_dated_0001_is_refused(civil, village):
    record = identity_certify(user=civil, person=factories.person(village), code="subsistence_allowance", valid_from=date(2023, 1, 1))

    with pytest.raises(ServiceError) as error:
        identity_revoke(user=civil, identity=record, exit_date=date(1, 1, 1))

    assert (error.value.field, error.value.message) == ("exit_date", f"退出日期「0001-01-01」{RANGE}")
    record.refresh_from_db()
    assert record.revoked_on is None


# ------------------------------------------------------------------------------ form and list


def test_the_certify_form_shows_a_start_in_9999_on_its_field(client, civil, village):
    person = factories.person(village)
    client.force_login(civil)

    response = client.post("/assistance/identities/new/", {"id_number": person.id_number, "code": "illness_poverty", "valid_from": "9999-06-01"})

    assert response.status_code == 200
    assert response.context["form"].errors["valid_from"] == [f"「9999-06-01」{RANGE}"]
    assert not HardshipIdentity.objects.exists()


def test_the_certify_form_finds_the_person_by_a_fullwidth_number(client, civil, village):
    person = factories.person(village, name="刘全角")
    client.force_login(civil)

    response = client.post("/assistance/identities/new/", {
        "id_number": person.id_number.translate(FULLWIDTH), "code": "subsistence_allowance", "valid_from": "2023-01-01"})

    assert response.status_code == 302, response.context["form"].errors
    assert HardshipIdentity.objects.get().person == person


def test_a_department_list_with_a_fullwidth_number_certifies_the_registered_person(civil, village):
    person = factories.person(village, name="甲")

    job = preview(civil, [["甲", person.id_number.translate(FULLWIDTH), "低保", "2023-01-01", "", "咸民〔2023〕5号", "", ""]])

    assert job.counts["new"] == 1, job.preview_rows
    imports.import_job_commit(job.pk)
    assert HardshipIdentity.objects.get().person == person
    assert Person.objects.count() == 1


def test_a_department_list_refuses_implausible_dates_by_row_and_column(civil, village):
    a, b = factories.person(village, name="甲"), factories.person(village, name="乙")

    job = preview(civil, [["甲", a.id_number, "低保", "0001-01-01", "", "", "", ""],
                          ["乙", b.id_number, "因病致贫重病患者", "9999-06-01", "", "", "", ""]])

    assert reasons(job) == {2: f"认定日期：「0001-01-01」{RANGE}", 3: f"认定日期：「9999-06-01」{RANGE}"}
    assert not HardshipIdentity.objects.exists()


def test_a_subsidy_run_assessed_on_0001_is_refused_and_no_run_is_kept(officer, xianan):
    from assistance.models import SubsidyRun
    from assistance.services.subsidies import subsidy_run_create

    with pytest.raises(ServiceError) as error:
        subsidy_run_create(user=officer, region=xianan, benefit_year=2023, assessed_on=date(1, 1, 1))

    assert (error.value.field, error.value.message) == ("assessed_on", f"身份核定日期「0001-01-01」{RANGE}")
    assert not SubsidyRun.objects.exists()
