"""A previewed list is written at commit from the kept plan when nothing it was checked
against has changed; otherwise every row is checked again."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ImportJob
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Enrollment, Household, Person
from enrollment.services.people import person_create
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "缴费日期"]


def upload(user, rows):
    job = imports.import_job_create(user=user, kind="enrollment_list", uploaded=SimpleUploadedFile("list.xlsx", write_xlsx(HEADERS, rows)))
    return imports.import_job_preview(job.pk)


def household_rows(village):
    head, wife = factories.id_number(), factories.id_number(male=False)
    return head, wife, [["周一", head, head, "户主", village.code, ""], ["吴二", wife, head, "配偶", village.code, ""]]


def test_an_all_new_list_keeps_its_plan_and_commit_writes_it(clerk, village, current_standards):
    head, wife, rows = household_rows(village)
    job = upload(clerk, rows)
    plan_file = job.plan_file
    assert plan_file and default_storage.exists(plan_file)
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert not job.plan_file and not default_storage.exists(plan_file)
    household = Household.objects.get()
    assert household.head.id_number == head
    assert Person.objects.get(id_number=wife).household == household
    assert Enrollment.objects.count() == 2
    assert Person.objects.get(id_number=wife).history.get().history_user == clerk


def test_a_change_after_preview_makes_the_commit_check_again(clerk, village, current_standards):
    head, wife, rows = household_rows(village)
    job = upload(clerk, rows)
    assert job.plan_file
    # Meanwhile another clerk registers the wife by hand.
    person_create(user=clerk, name="吴二", id_number=wife, village=village)
    job = imports.import_job_commit(job.pk)
    # Checked again: the wife now exists, so her row is no longer "new person" but the file
    # still commits correctly, attaching her to the new household.
    assert job.status == ImportJob.Status.COMMITTED
    assert Person.objects.filter(id_number=wife).count() == 1
    assert Person.objects.get(id_number=wife).household.head.id_number == head


def test_a_conflict_created_after_preview_writes_nothing(clerk, village, current_standards):
    from enrollment.services.enrollments import enrollment_register

    head, wife, rows = household_rows(village)
    job = upload(clerk, rows)
    person = person_create(user=clerk, name="吴二", id_number=wife, village=village)
    enrollment_register(user=clerk, person=person, category="regular", channel="individual")
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.PREVIEWED
    assert "发生了变化" in job.failure
    assert not Household.objects.exists()
    assert Enrollment.objects.count() == 1


def test_a_list_touching_existing_people_keeps_no_plan(clerk, village, current_standards):
    existing = factories.person(village, name="郑三")
    job = upload(clerk, [["郑三", existing.id_number, existing.id_number, "户主", village.code, ""]])
    assert job.counts["new"] == 1 and not job.plan_file
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
