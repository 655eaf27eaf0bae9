"""The bureau's current caseload imported (issue 11): the previous system's approvals list and the
facilities' 两病 lists, previewed with errors by row and column, committed, and idempotent (the
same list again changes nothing)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from benefits.models import ChronicApproval, Facility, TwoDiseasesRegistration
from benefits.services.settlements import eligibility_for
from core.models import ImportJob
from core.services import imports
from core.tasks import commit_import
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
APPROVAL_HEADERS = ["身份证号", "姓名", "病种", "确诊医院", "确诊日期", "定点机构编码", "有效期起", "有效期止"]
TWO_HEADERS = ["身份证号", "姓名", "病种", "登记日期", "登记机构编码"]


@pytest.fixture
def world(village, xianan, jiayu_villages, clerk, other_clerk, current_standards):
    """甲 and 嘉鱼人 enrolled for the coming year; 乙 not enrolled."""
    people = [factories.person(village, name=n, birth=date(1970, 1, 1 + i)) for i, n in enumerate(("甲", "乙"))]
    stranger = factories.person(jiayu_villages[0], name="嘉鱼人", birth=date(1970, 2, 1))
    today = timezone.localdate()
    for person, user in ((people[0], clerk), (stranger, other_clerk)):
        enrollment_register(user=user, person=person, category="regular", channel="individual", payment_date=today, today=today)
    start = date(2020, 1, 1)
    Facility.objects.create(code="H2", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start)
    Facility.objects.create(code="H3", name="咸宁市中心医院", level=3, tier="secondary_plus", region=xianan, agreement_from=start)
    return people, stranger


def _run(user, kind, headers, rows):
    job = imports.import_job_create(user=user, kind=kind, uploaded=SimpleUploadedFile("list.xlsx", write_xlsx(headers, rows)),
                                    skip_bad_rows=True)
    job = imports.import_job_preview(job.pk)
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    return job


def test_the_approvals_list_is_checked_by_row_and_column_and_imported_once(world, officer):
    (a, b), stranger = world
    rows = [
        [a.id_number, "甲", "结核病", "咸宁市中心医院", "2025-03-01", "H2", "2025-04-01", ""],  # new, 24 months by default
        [b.id_number, "乙", "恶性肿瘤门诊放化疗", "同济医院", "2025-05-01", "H3", "2025-05-10", "2026-05-09"],  # new, special at level 3
        [b.id_number, "乙", "结核病", "咸宁市中心医院", "2025-03-01", "H3", "2025-04-01", ""],  # chronic at level 3: refused
        [a.id_number, "甲", "流感", "咸宁市中心医院", "2025-03-01", "H2", "2025-04-01", ""],  # not in the catalogue
        [a.id_number, "甲", "高血压", "咸宁市中心医院", "2025-03-01", "H2", "2025-04-01", ""],  # 两病: another list
        [a.id_number, "甲", "结核病", "咸宁市中心医院", "2025-03-01", "H2", "2026-01-01", ""],  # overlaps the first row
        [stranger.id_number, "嘉鱼人", "结核病", "咸宁市中心医院", "2025-03-01", "H2", "2025-04-01", ""],  # 嘉鱼: the city officer's too
        [a.id_number, "甲", "糖尿病胰岛素治疗", "咸宁市中心医院", "2025-03-01", "H2", "2025-04-01", "2025-03-31"],  # backwards
        # 乙 is not enrolled: an approval still in force is refused (it could never be renewed); the ended one above is history
        [b.id_number, "乙", "尿毒症透析", "同济医院", "2025-05-01", "H3", "2025-06-01", "2099-05-31"],
    ]
    job = _run(officer, "chronic_approvals", APPROVAL_HEADERS, rows)
    assert job.counts == {"new": 3, "changed": 0, "unchanged": 0, "error": 6}
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "定点机构编码"), (5, "病种"), (6, "病种"), (7, "有效期起"), (9, "有效期止"),
                                                             (10, "身份证号")]
    assert "须在2级及以下" in job.errors[0]["message"]
    assert "乙 未参加居民医保（或待遇已结束），仍在有效期内的认定不能导入" in job.errors[-1]["message"]
    first = ChronicApproval.objects.get(person=a)
    assert (first.status, first.valid_from, first.valid_to, first.facility.code) == ("approved", date(2025, 4, 1), date(2027, 3, 31), "H2")
    assert first.steps.get().action == "导入" and first.source_import_id == job.pk
    # the same list again: nothing new
    again = _run(officer, "chronic_approvals", APPROVAL_HEADERS, rows[:2])
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}
    assert ChronicApproval.objects.count() == 3
    # and settlement reads the imported approval at its facility
    h2 = Facility.objects.get(code="H2")
    assert eligibility_for(a, date(2026, 1, 5), disease="结核病", facility_id=h2.pk).chronic_approved is True


def test_a_clerk_may_not_import_approvals_a_reviewer_decides(world, clerk):
    from benefits.importers_chronic import ChronicApprovalImporter

    assert ChronicApprovalImporter.refusal(clerk)  # 经办员 submit; the list of decided approvals is a reviewer's or officer's


def test_the_two_diseases_list_lifts_the_cap_from_the_registration_date_and_is_idempotent(world, clerk):
    (a, b), stranger = world
    rows = [[a.id_number, "甲", "高血压", "2026-01-05", "H2"], [b.id_number, "乙", "糖尿病", "2026-02-01", ""],
            [b.id_number, "乙", "结核病", "2026-02-01", ""], [stranger.id_number, "嘉鱼人", "高血压", "2026-01-05", ""]]
    job = _run(clerk, "two_diseases", TWO_HEADERS, rows)
    assert job.counts == {"new": 2, "changed": 0, "unchanged": 0, "error": 2}
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "病种"), (5, "身份证号")]
    assert eligibility_for(a, date(2026, 1, 4)).two_diseases_registered is False
    assert eligibility_for(a, date(2026, 1, 5)).two_diseases_registered is True
    assert _run(clerk, "two_diseases", TWO_HEADERS, rows[:2]).counts["unchanged"] == 2
    assert TwoDiseasesRegistration.objects.count() == 2
    # 甲's registration ended in March: a list registering him again from February is an error row, from April new
    from benefits.services.chronic import registration_end

    registration_end(user=clerk, registration=TwoDiseasesRegistration.objects.get(person=a), ended_on=date(2026, 3, 1), reason="不再治疗")
    early = _run(clerk, "two_diseases", TWO_HEADERS, [[a.id_number, "甲", "高血压", "2026-02-01", ""]])
    assert early.counts["error"] == 1 and (early.errors[0]["row"], early.errors[0]["column"]) == (2, "登记日期")
    assert "不能早于 2026-03-01" in early.errors[0]["message"]
    assert _run(clerk, "two_diseases", TWO_HEADERS, [[a.id_number, "甲", "高血压", "2026-04-01", ""]]).counts["new"] == 1
