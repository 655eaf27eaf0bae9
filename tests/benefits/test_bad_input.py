"""Bad input from outside (issue 8): settlement files with amounts that are not amounts or do
not fit, identifier cells that look like formulas, trial requests of the wrong types or shapes,
and reversal numbers that meet a facility's own numbers. Each is refused with the row and
column or the field, never a 500, never a job left 校验中."""

import csv
import importlib
import io
import json
import sys
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from benefits.importers import SettlementImporter
from benefits.models import Facility, PersonYear, Settlement
from benefits.services.settlements import VisitInput, settlement_create, settlement_reverse
from core.errors import ServiceError
from core.models import ImportJob
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.spreadsheets import Text, workbook

pytestmark = pytest.mark.django_db
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]
TRIAL = {"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, "location": "local",
         "costs": {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}}


@pytest.fixture
def person(clerk, village, xianan):
    person = factories.person(village, name="结算人")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    return person


@pytest.fixture
def hospital(xianan):
    return Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                   agreement_from=date(2020, 1, 1))


def bill(person, number="ZY1", class_a="8000", class_b="2000", ooc="500", name="结算人", id_number=None, facility="H001"):
    return [number, facility, id_number or person.id_number, name, "住院", "2023-03-15", "2023-03-20", "市内", "", class_a, class_b, ooc]


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload_page(client, data, name):
    """Upload as an officer does, on the import page (the preview runs in the request)."""
    response = client.post("/imports/new/settlements/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.status_code
    return ImportJob.objects.latest("pk")


def errors_by_row(job) -> dict:
    return {(e["row"], e["column"]): e["message"] for e in job.errors}


# ------------------------------------------------------------------------------ amounts


def test_amounts_that_are_not_finite_cent_amounts_are_row_errors_with_the_column(client, officer, person, hospital):
    # Given a facility's CSV export with NaN, infinities, huge exponents, fractions of a cent
    rows = [bill(person, "A1", class_a="NaN"), bill(person, "A2", class_a="Infinity"), bill(person, "A3", class_b="1e999999"),
            bill(person, "A4", ooc="-Infinity"), bill(person, "A5", class_a="sNaN"), bill(person, "A6", class_a="12.345"),
            bill(person, "A7", class_b="-5"), bill(person, "A8", class_a="1_000"), bill(person, "A9", class_a="1e13"),
            bill(person, "A10", class_a="8000.50")]
    client.force_login(officer)
    # When it is uploaded on the import page
    job = upload_page(client, csv_bytes(rows), "export.csv")
    # Then the job waits for the officer with one error per bad row, in its column
    assert job.status == ImportJob.Status.PREVIEWED
    errors = errors_by_row(job)
    assert "「NaN」不是有效金额" in errors[(2, "甲类费用")]
    assert "「Infinity」不是有效金额" in errors[(3, "甲类费用")]
    assert "超出可记录的范围" in errors[(4, "乙类药品")]
    assert "不是有效金额" in errors[(5, "目录外费用")]
    assert "不是有效金额" in errors[(6, "甲类费用")]
    assert "超过两位小数" in errors[(7, "甲类费用")]
    assert "不能为负数" in errors[(8, "乙类药品")]
    assert "不是有效金额" in errors[(9, "甲类费用")]
    assert "超出可记录的范围" in errors[(10, "甲类费用")]
    assert job.counts == {"new": 1, "changed": 0, "unchanged": 0, "error": 9}
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200 and "不是有效金额" in page.content.decode()


def test_an_amount_the_preview_accepts_is_written_at_commit(officer, person, hospital):
    # Given the largest amount a settlement can hold, and a row whose lines together exceed it
    rows = [bill(person, "B1", class_a="999999999999.99", class_b="", ooc=""),
            bill(person, "B2", class_a="600000000000", class_b="600000000000", ooc="")]
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.xlsx", write_xlsx(HEADERS, rows))).pk)
    # Then the preview refuses the row that would overflow the total, and the other one commits
    assert "费用合计超出可记录的范围" in errors_by_row(job)[(3, "")]
    job.skip_bad_rows = True
    job.save()
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert Settlement.objects.get(bill_number="B1").total == D("999999999999.99")


def test_a_year_total_that_would_overflow_is_refused_at_preview(officer, person, hospital):
    # Given two bills of one person that each fit but together exceed a year's total
    rows = [bill(person, "C1", class_a="", class_b="", ooc="900000000000"), bill(person, "C2", class_a="", class_b="", ooc="900000000000"),
            bill(person, "C3")]
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.xlsx", write_xlsx(HEADERS, rows))).pk)
    # Then the second is an error and the third is settled on the totals without it
    assert "年度累计金额将超出可记录的范围" in errors_by_row(job)[(3, "")]
    assert job.counts["new"] == 2
    job.skip_bad_rows = True
    job.save()
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
    assert PersonYear.objects.get(person=person, year=2023).personal == D("900000000000") + Settlement.objects.get(bill_number="C3").personal


def test_an_unexpected_error_while_checking_fails_the_job_instead_of_leaving_it_checking(officer, person, hospital, monkeypatch):
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("e.csv", csv_bytes([bill(person)])))

    def broken(self, rows):
        raise ArithmeticError("a bug")

    monkeypatch.setattr(SettlementImporter, "check", broken)
    with pytest.raises(ArithmeticError):
        imports.import_job_preview(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "校验时发生内部错误" in job.failure
    monkeypatch.undo()
    assert imports.import_job_preview(job.pk).status == ImportJob.Status.PREVIEWED  # may be checked again


# ------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize("row, column, message", [
    ({"number": '=HYPERLINK("http://evil.example/","ZY1")'}, "结算单号", "会被表格软件当作公式"),
    ({"number": "+ZY1"}, "结算单号", "会被表格软件当作公式"),
    ({"number": "-ZY1"}, "结算单号", "会被表格软件当作公式"),
    ({"number": "@SUM(A1)"}, "结算单号", "会被表格软件当作公式"),
    ({"number": "ZY\u200b1"}, "结算单号", "控制字符或不可见字符"),
    ({"number": "ZY\x071"}, "结算单号", "控制字符或不可见字符"),
    ({"number": "Z" * 61}, "结算单号", "超过上限 60"),
    ({"facility": "=H001"}, "机构编码", "会被表格软件当作公式"),
    ({"name": "=1+1"}, "姓名", "会被表格软件当作公式"),
    ({"id_number": "=A1"}, "身份证号", "会被表格软件当作公式"),
])
def test_identifier_cells_that_look_like_formulas_are_refused(officer, person, hospital, row, column, message):
    # Given a facility's CSV export with one good row and one bad identifier
    data = csv_bytes([bill(person, "OK1"), bill(person, **row)])
    # When it is previewed
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.csv", data)).pk)
    # Then the bad row is an error in its column and the good one stands
    assert message in errors_by_row(job)[(3, column)]
    assert job.counts["new"] == 1


def test_a_formula_like_text_cell_in_a_workbook_is_refused(officer, person, hospital):
    # Excel keeps '=HYPERLINK(...) typed with an apostrophe as the text =HYPERLINK(...)
    row = [Text(v) if isinstance(v, str) and v.startswith("=") else v for v in bill(person, '=HYPERLINK("http://evil.example/","ZY1")')]
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.xlsx", workbook(HEADERS, [row]))).pk)
    assert "会被表格软件当作公式" in errors_by_row(job)[(2, "结算单号")]
    assert not Settlement.objects.exists()


def test_a_bill_number_with_a_dash_inside_is_a_number_like_any_other(officer, person, hospital):
    data = write_xlsx(HEADERS, [bill(person, "ZY-2023-001")])
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.xlsx", data)).pk)
    assert job.counts["new"] == 1


def test_facility_and_region_names_that_look_like_formulas_are_refused(officer, xianan):
    headers = ["机构编码", "机构名称", "级别", "门诊机构类别", "所在县（市、区）", "市级医疗机构", "药品零差率", "协议开始", "协议结束"]
    data = workbook(headers, [["H9", Text("=cmd|' /C calc'!A0"), "三级", "医院", "421202", "", "", "2026-01-01", ""],
                              ["@H8", "某医院", "二级", "医院", "421202", "", "", "2026-01-01", ""]])
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="facilities", uploaded=SimpleUploadedFile("f.xlsx", data)).pk)
    errors = errors_by_row(job)
    assert "会被表格软件当作公式" in errors[(2, "机构名称")] and "会被表格软件当作公式" in errors[(3, "机构编码")]
    data = workbook(["区划代码", "名称", "层级", "上级区划代码"], [["421202100", "+桥头镇", "乡镇", "421202"]])
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="regions", uploaded=SimpleUploadedFile("r.xlsx", data)).pk)
    assert "会被表格软件当作公式" in errors_by_row(job)[(2, "名称")]


# ------------------------------------------------------------------------------ trial interface


DEEP = '{"region": "xianning", "costs": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("body, field", [
    ({**TRIAL, "costs": {"class_a": 1e28}}, "costs.class_a"),
    ('{"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "costs": {"class_a": 1e28}}', "costs.class_a"),
    ({**TRIAL, "costs": {"class_a": "1e28"}}, "costs.class_a"),
    ({**TRIAL, "costs": {"class_a": 10**30}}, "costs.class_a"),
    ({**TRIAL, "costs": {"class_a": "800000000000", "class_b_drug": "800000000000"}}, "costs"),
    ({**TRIAL, "costs": {"class_a": "0.001"}}, "costs.class_a"),
    ({**TRIAL, "costs": {"class_a": True}}, "costs.class_a"),
    ({**TRIAL, "costs": {"class_a": {"x": 1}}}, "costs.class_a"),
    ({**TRIAL, "costs": []}, "costs"),
    ('{"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "costs": {"class_a": NaN}}', "input"),
    ({**TRIAL, "costs": {"class_a": "NaN"}}, "costs.class_a"),
    ({**TRIAL, "year_to_date": {"basic_fund": "Infinity"}}, "year_to_date.basic_fund"),
    ({**TRIAL, "year_to_date": {"basic_funds": "1"}}, "year_to_date"),
    ({**TRIAL, "person": {"identities": [["subsistence_allowance"]]}}, "identities"),
    ({**TRIAL, "person": {"identities": [{}]}}, "identities"),
    ({**TRIAL, "person": {"identities": "subsistence_allowance"}}, "identities"),
    ({**TRIAL, "person": {"assistance_approved": "yes"}}, "person.assistance_approved"),
    ({**TRIAL, "person": []}, "person"),
    (DEEP, "input"),
    ('{"region": "xianning", "costs": {"class_a": ' + "9" * 5000 + "}}", "input"),
    ({**TRIAL, "facility_level": 2.5}, "facility_level"),
    ('{"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2.5}', "facility_level"),
    ({**TRIAL, "facility_level": True}, "facility_level"),
    ({**TRIAL, "facility_level": "2"}, "facility_level"),
    ({**TRIAL, "facility_level": 4}, "facility_level"),
    ({**TRIAL, "date": 20230315}, "date"),
    ({**TRIAL, "date": "20230315"}, "date"),
    ({**TRIAL, "date": ["2023-03-15"]}, "date"),
    ({**TRIAL, "date": "9999-12-31"}, "date"),
    ({**TRIAL, "date": "0001-01-01"}, "date"),
    ({**TRIAL, "costs": {"class_a": "\u0661\u0662"}}, "costs.class_a"),  # Arabic-Indic digits
    ({**TRIAL, "visit": ["inpatient"]}, "visit"),
    ({**TRIAL, "location": {"local": 1}}, "location"),
    ({**TRIAL, "facility_levl": 2}, "input"),
    ([TRIAL], "input"),
])
def test_the_trial_interface_answers_400_with_the_field(client, clerk, presets, body, field):
    client.force_login(clerk)
    response = client.post("/api/trial-settlement/", body if isinstance(body, str) else json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["field"] == field and response.json()["error"]


def test_the_trial_interface_still_reads_numbers_and_strings_as_amounts(client, clerk, presets):
    client.force_login(clerk)
    body = '{"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, ' \
           '"costs": {"class_a": 8000.00, "class_b_drug": "2000", "out_of_catalogue": 5e2}, "person": {"identities": [], "tilted_approved": false}}'
    response = client.post("/api/trial-settlement/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["personal"] == "4060.00"


def test_fullwidth_digits_read_as_the_amount_they_show(client, clerk, presets):
    # Given an amount typed with a Chinese input method's fullwidth digits
    client.force_login(clerk)
    body = {**TRIAL, "costs": {"class_a": "８０００．００"}}
    # Then it is read as 8000.00, as ASCII digits would be
    response = client.post("/api/trial-settlement/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["total"] == "8000.00"


@pytest.mark.parametrize("payload, field", [
    ('{"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "costs": {"class_a": 1e28}}', "costs.class_a"),
    (DEEP, "input"),
    (json.dumps({**TRIAL, "facility_level": 2.5}), "facility_level"),
])
def test_the_trial_command_refuses_the_same_input(presets, monkeypatch, payload, field):
    monkeypatch.setattr(sys, "stdin", io.StringIO(payload))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("trial_settlement", stdout=out)
    assert exit_.value.code == 2 and json.loads(out.getvalue())["field"] == field


# ------------------------------------------------------------------------------ reversal numbers


def settle(officer, person, facility, number):
    return settlement_create(user=officer, data=VisitInput(person=person, facility=facility, bill_number=number, kind="inpatient",
                                                           visit_date=date(2023, 3, 15), costs={"class_a": D("8000")}))


def test_reversing_a_bill_whose_number_plus_r_the_facility_already_used(client, officer, person, hospital):
    # Given the facility's own bills "B1" and "B1-R"
    first, own = settle(officer, person, hospital, "B1"), settle(officer, person, hospital, "B1-R")
    client.force_login(officer)
    # When an officer reverses B1 on the person's page
    response = client.post(f"/benefits/settlements/{first.pk}/reverse/", {"reason": "费用录入错误", "confirm": "1"})
    # Then it is reversed, and the facility's B1-R is untouched
    assert response.status_code == 302
    first.refresh_from_db()
    own.refresh_from_db()
    assert first.status == Settlement.Status.REVERSED and own.status == Settlement.Status.SETTLED
    reversal = first.reversed_by
    assert reversal.bill_number == "B1" and reversal.total == -first.total


def test_a_facilitys_bill_numbered_like_a_reversal_is_imported_after_the_reversal(officer, person, hospital):
    # Given B1 settled and reversed
    first = settle(officer, person, hospital, "B1")
    settlement_reverse(user=officer, settlement=first, reason="费用录入错误")
    # When the facility sends B1 again and its own B1-R
    data = write_xlsx(HEADERS, [bill(person, "B1"), bill(person, "B1-R")])
    job = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements",
                                                               uploaded=SimpleUploadedFile("e.xlsx", data)).pk)
    # Then B1 is already settled and B1-R is a new bill, written at commit
    assert job.counts == {"new": 1, "changed": 0, "unchanged": 1, "error": 0}
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
    assert Settlement.objects.get(facility=hospital, bill_number="B1-R").status == Settlement.Status.SETTLED
    with pytest.raises(ServiceError) as error:  # a facility's bill is still settled once
        settle(officer, person, hospital, "B1-R")
    assert error.value.code == "duplicate_bill"


def test_the_migration_gives_existing_reversals_their_bills_number(officer, person, hospital):
    first = settle(officer, person, hospital, "B7")
    reversal = settlement_reverse(user=officer, settlement=first, reason="旧数据")
    Settlement.objects.filter(pk=reversal.pk).update(bill_number="B7-R")  # as reversals were numbered before
    migration = importlib.import_module("benefits.migrations.0005_reversal_keeps_bill_number")
    # What the migration's RunPython is given of the schema editor (SQLite opens no editor
    # inside the test's transaction, so the same two attributes stand in for it).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.reversals_keep_the_bill_number(django_apps, editor)
    reversal.refresh_from_db()
    assert reversal.bill_number == "B7"


# ------------------------------------------------------------------------------ visit dates


def test_a_visit_after_today_is_refused_by_the_import_and_the_service(officer, person, hospital):
    # Given an export with an admission after today, a discharge after today, and a past visit
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    later = (today + timedelta(days=19)).isoformat()
    future_admission = bill(person, "F1")
    future_admission[5:7] = [later, later]
    future_discharge = bill(person, "F2")
    future_discharge[6] = later
    job = imports.import_job_preview(imports.import_job_create(
        user=officer, kind="settlements",
        uploaded=SimpleUploadedFile("f.xlsx", write_xlsx(HEADERS, [future_admission, future_discharge, bill(person, "P1")]))).pk)
    # Then the preview refuses both future rows by their column, and only the past visit is settleable
    errors = errors_by_row(job)
    assert errors[(2, "入院（就诊）日期")] == f"入院（就诊）日期不能晚于今天（{later} 晚于 {today.isoformat()}）"
    assert errors[(3, "出院日期")] == f"出院日期不能晚于今天（{later} 晚于 {today.isoformat()}）"
    assert {r for r, _ in errors} == {2, 3}
    # ... and the one-by-one service refuses it too, writing nothing
    with pytest.raises(ServiceError) as error:
        settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="F3", kind="inpatient",
                                                        visit_date=today + timedelta(days=1), costs={"class_a": D("100")}))
    assert error.value.field == "visit_date"
    assert not Settlement.objects.exists()
