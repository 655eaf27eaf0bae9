"""Officers import townships and villages below their counties."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Region
from core.services import imports
from core.xlsx import write_xlsx

pytestmark = pytest.mark.django_db
HEADERS = ["区划代码", "名称", "层级", "上级区划代码"]


def run(user, rows, commit=True):
    job = imports.import_job_create(user=user, kind="regions", uploaded=SimpleUploadedFile("r.xlsx", write_xlsx(HEADERS, rows)))
    job = imports.import_job_preview(job.pk)
    return imports.import_job_commit(job.pk) if commit and job.can_commit else job


def test_townships_and_villages_are_created_in_one_file(officer):
    job = run(officer, [["421202100001", "桥头村", "村", "421202100"], ["421202100", "桥头镇", "乡镇", "421202"],
                        ["421202100002", "河口社区", "社区", "421202100"]])
    assert job.status == "committed" and job.counts["new"] == 3
    village = Region.objects.get(code="421202100001")
    assert village.path == "420000/421200/421202/421202100/421202100001/"
    assert village.parent.name == "桥头镇"


def test_same_file_twice_changes_nothing_and_a_rename_is_a_change(officer):
    rows = [["421202100", "桥头镇", "乡镇", "421202"]]
    run(officer, rows)
    assert run(officer, rows, commit=False).counts["unchanged"] == 1
    job = run(officer, [["421202100", "桥头街道", "街道", "421202"]])
    assert job.counts["changed"] == 1 and Region.objects.get(code="421202100").name == "桥头街道"


def test_bad_rows_are_explained(officer):
    job = run(officer, [["4212021", "短码镇", "乡镇", "421202"], ["421202200001", "孤村", "村", "421202200"],
                        ["421221100", "外县镇", "乡镇", "421221"], ["420302100", "十堰镇", "乡镇", "420302"]], commit=False)
    errors = {e["row"]: e["message"] for e in job.errors}
    assert "9位" in errors[2] and "不存在" in errors[3]
    assert 5 in errors and "不在您的管辖区划内" in errors[5]  # 十堰 is not 咸宁's officer's
    assert 4 not in errors  # 嘉鱼县 is inside 咸宁市


def test_a_clerk_cannot_import_regions(clerk):
    from core.errors import ServiceError

    with pytest.raises(ServiceError):
        run(clerk, [["421202100", "桥头镇", "乡镇", "421202"]])
