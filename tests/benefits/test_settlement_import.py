"""Facilities' monthly exports settled through the import pages' engine."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benefits.models import Facility, PersonYear, Settlement
from core.models import ImportJob
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]


@pytest.fixture
def setup(officer, clerk, village, xianan):
    person = factories.person(village, name="结算人")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    Facility.objects.create(code="V001", name="村卫生室", level=1, tier="village", region=xianan, agreement_from=date(2020, 1, 1))
    return person


def rows(person):
    return [["ZY1", "H001", person.id_number, "结算人", "住院", "2023-03-15", "2023-03-20", "市内", "", "8000", "2000", "500"],
            ["MZ1", "V001", person.id_number, "结算人", "普通门诊", "2023-03-16", "", "", "", "40", "", ""],
            ["MZ2", "V001", person.id_number, "结算人", "普通门诊", "2023-03-16", "", "", "", "40", "", ""]]


def upload(user, data, name="export.xlsx"):
    job = imports.import_job_create(user=user, kind="settlements", uploaded=SimpleUploadedFile(name, data))
    return imports.import_job_preview(job.pk)


def test_preview_shows_each_split_then_commit_writes_and_the_same_file_again_changes_nothing(officer, setup):
    data = write_xlsx(HEADERS, rows(setup))
    job = upload(officer, data)
    assert job.counts["new"] == 3 and not Settlement.objects.exists() and not PersonYear.objects.exists()  # a preview writes nothing
    summaries = {r[0]: r[2] for r in job.preview_rows}
    assert "基本医保6,440.00" in summaries[2] and "个人4,060.00" in summaries[2]
    assert "基本医保15" in summaries[3] and "基本医保0" in summaries[4]  # the clinic's daily cap
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert Settlement.objects.count() == 3
    assert PersonYear.objects.get(person=setup, year=2023).basic_fund == D("6455.00")
    again = upload(officer, data)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 3, "error": 0}


def test_csv_exports_in_gbk_are_accepted(officer, setup):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows(setup)[:1])
    job = upload(officer, buffer.getvalue().encode("gbk"), name="export.csv")
    assert job.counts["new"] == 1


def test_bad_rows(officer, setup):
    bad = [["X1", "NOPE", setup.id_number, "", "住院", "2023-03-15", "", "", "", "100", "", ""],
           ["X2", "H001", setup.id_number, "", "牙科", "2023-03-15", "", "", "", "100", "", ""],
           ["X3", "H001", factories.id_number(), "", "住院", "2023-03-15", "2023-03-18", "", "", "100", "", ""],
           ["X4", "H001", setup.id_number, "", "住院", "2023-03-15", "2023-03-01", "", "", "100", "", ""],
           # an admission is settled at discharge: without 出院日期 the stay is still going on
           ["X5", "H001", setup.id_number, "", "住院", "2023-03-15", "", "", "", "100", "", ""],
           ["X6", "H001", setup.id_number, "", "住院分娩", "2023-03-15", "", "", "", "100", "", ""]]
    job = upload(officer, write_xlsx(HEADERS, bad))
    errors = {e["row"]: e["message"] for e in job.errors}
    assert "不是您辖区的定点机构" in errors[2] and "无法识别" in errors[3] and "未在您的辖区登记" in errors[4] and "早于入院日期" in errors[5]
    columns = {e["row"]: e["column"] for e in job.errors}
    assert errors[6] == errors[7] == "住院（住院分娩）须填写出院日期：出院结算后再导入" and columns[6] == columns[7] == "出院日期"


def test_a_clerk_may_not_import_settlements(clerk):
    from core.errors import ServiceError

    with pytest.raises(ServiceError):
        upload(clerk, write_xlsx(HEADERS, []))


def test_facility_list_import(officer, xianan):
    headers = ["机构编码", "机构名称", "级别", "门诊机构类别", "所在县（市、区）", "市级医疗机构", "药品零差率", "协议开始", "协议结束"]
    data = write_xlsx(headers, [["H9", "咸宁市中心医院", "三级", "医院", "421202", "是", "否", "2026-01-01", ""],
                                ["V9", "某村卫生室", "1", "村卫生室", "咸安区", "", "", "2026-01-01", "2025-01-01"]])
    job = imports.import_job_create(user=officer, kind="facilities", uploaded=SimpleUploadedFile("f.xlsx", data))
    job = imports.import_job_preview(job.pk)
    assert job.counts["new"] == 1 and job.counts["error"] == 1 and "协议结束（2025-01-01）早于协议开始（2026-01-01）" in job.errors[0]["message"]
    job.skip_bad_rows = True
    job.save()
    imports.import_job_commit(job.pk)
    facility = Facility.objects.get(code="H9")
    assert (facility.level, facility.tier, facility.city_level, facility.zero_markup) == (3, "secondary_plus", True, False)
    again = imports.import_job_preview(imports.import_job_create(user=officer, kind="facilities", uploaded=SimpleUploadedFile("f.xlsx", data)).pk)
    assert again.counts["unchanged"] == 1


def test_the_daily_outpatient_cap_counts_earlier_imports_of_that_day_in_any_batch(officer, setup, settings):
    settings.IMPORT_BATCH_SIZE = 1  # each row its own batch: the person is loaded by the first
    first = upload(officer, write_xlsx(HEADERS, [rows(setup)[1]]))  # 2023-03-16 at the clinic: 15.00, the daily cap
    imports.import_job_commit(first.pk)
    later = [["MZ7", "V001", setup.id_number, "结算人", "普通门诊", "2023-03-15", "", "", "", "40", "", ""],
             ["MZ8", "V001", setup.id_number, "结算人", "普通门诊", "2023-03-16", "", "", "", "40", "", ""]]
    imports.import_job_commit(upload(officer, write_xlsx(HEADERS, later)).pk)
    fund = dict(Settlement.objects.values_list("bill_number", "basic_fund"))
    assert fund == {"MZ1": D("15.00"), "MZ7": D("15.00"), "MZ8": D("0.00")}


def test_a_bill_without_any_cost_is_a_row_error(officer, xianan, village):
    from benefits.models import Facility
    from enrollment.services.enrollments import enrollment_register

    person = factories.person(village)
    enrollment_register(user=officer, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    headers = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "甲类费用", "乙类药品"]
    rows = [["Z0", "H001", person.id_number, person.name, "住院", "2023-03-01", "2023-03-05", "0", ""],
            ["Z1", "H001", person.id_number, person.name, "住院", "2023-04-01", "2023-04-05", "100", ""]]
    job = imports.import_job_preview(imports.import_job_create(
        user=officer, kind="settlements", uploaded=SimpleUploadedFile("z.xlsx", write_xlsx(headers, rows))).pk)
    assert job.counts["new"] == 1 and [(e["row"], e["column"]) for e in job.errors] == [(2, "甲类费用")]
    assert "没有可结算的费用" in job.errors[0]["message"]
