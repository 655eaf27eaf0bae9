"""A settlement import's commit writes the plan its preview kept (each piece's rows and what
they add to the people's years) instead of settling every row again, and stores exactly what
settling again would store. When anything the preview read has changed since (a settlement or
reversal of one of the file's people, an identity, a filing, a parameter), the pieces from
there on are settled again from the data as it now is."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from assistance.services.identities import identity_certify
from benefits.importers import PLAN_FORMAT, SettlementImporter
from benefits.models import Facility, ParameterSet, PersonYear, Settlement
from benefits.services.settlements import SPLIT_FIELDS, YEAR_FIELDS, VisitInput, settlement_create, settlement_reverse
from core.models import ImportJob
from core.services import imports
from core.tasks import commit_import
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]


@pytest.fixture
def world(clerk, village, xianan, settings):
    settings.IMPORT_CHUNK_ROWS = 3  # 10 rows: four pieces, each resting on the totals the ones before it left
    people = []
    for i in range(3):
        person = factories.person(village, name=f"计划{i}")
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
        people.append(person)
    hospital = Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    clinic = Facility.objects.create(code="V001", name="示例村卫生室", level=1, tier="village", region=xianan, agreement_from=date(2020, 1, 1))
    return people, hospital, clinic


def _rows(people):
    """Admissions large enough to cross the deductible and the critical-illness threshold in
    later pieces, general-outpatient visits on one day (the daily cap across pieces), and one
    row whose name is wrong (an error row, skipped)."""
    rows = []
    for n in range(7):
        p = people[n % 3]
        rows.append([f"ZY{n}", "H001", p.id_number, p.name, "住院", f"2023-0{1 + n // 3}-1{n % 3}", f"2023-0{1 + n // 3}-2{n % 3}", "市内", "",
                     str(9000 + 3000 * n), "3000", "200"])
    for n in range(2):
        p = people[0]
        rows.append([f"MZ{n}", "V001", p.id_number, p.name, "普通门诊", "2023-05-06", "", "市内", "", "60", "0", "0"])
    rows.append(["ZY9", "H001", people[1].id_number, "别人", "住院", "2023-06-01", "2023-06-05", "市内", "", "5000", "0", "0"])
    return rows


def _previewed(officer, rows):
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("plan.xlsx", write_xlsx(HEADERS, rows)),
                                    skip_bad_rows=True)
    return imports.import_job_preview(job.pk)


def _committed(job):
    commit_import.delay(job.pk)  # eager here: each piece's task sends the next
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    return job


def _stored():
    """Every stored settlement (its split, explanation, location, status) and every year's totals."""
    rows = {(s.bill_number, s.status): (tuple(getattr(s, f) for f in SPLIT_FIELDS), s.explanation, s.location, s.parameter_set.versions)
            for s in Settlement.objects.all()}
    years = {(y.person_id, y.year): tuple(getattr(y, f) for f in YEAR_FIELDS) for y in PersonYear.objects.all()}
    return rows, years


def _checked_again(monkeypatch):
    """Count the rows the commit settles again (SettlementImporter.check while committing)."""
    checked = []
    real = SettlementImporter.check

    def check(self, rows):
        if self.committing:
            checked.extend(rows)
        return real(self, rows)

    monkeypatch.setattr(SettlementImporter, "check", check)
    return checked


def _both_ways(officer, rows, monkeypatch, meanwhile=lambda: None):
    """(kept plan, settled again): the same file previewed, `meanwhile` done, then committed;
    once with the preview's plan, once (rolled back first) with no plan kept."""
    checked = _checked_again(monkeypatch)
    with transaction.atomic():
        job = _previewed(officer, rows)
        assert job.plan_file and job.plan_version
        meanwhile()
        job = _committed(job)
        planned, planned_checked, planned_counts = _stored(), len(checked), job.counts
        transaction.set_rollback(True)
    checked.clear()
    with monkeypatch.context() as m:
        m.setattr(SettlementImporter, "data_version", lambda self: None)
        job = _previewed(officer, rows)
        assert not job.plan_file
        meanwhile()
        job = _committed(job)
    assert planned_counts == job.counts
    return planned, planned_checked, _stored(), len(checked)


def test_the_commit_writes_the_kept_plan_exactly_as_settling_again_would(world, officer, monkeypatch):
    people, _hospital, _clinic = world
    planned, checked, again, checked_again = _both_ways(officer, _rows(people), monkeypatch)
    assert checked == 0 and checked_again == 10  # no row settled twice with the plan
    assert planned == again
    rows, years = planned
    assert len(rows) == 9 and len(years) == 3
    # The pieces rest on each other: the third admission of a person pays critical-illness insurance.
    assert any(split[SPLIT_FIELDS.index("critical_illness")] > 0 for split, *_ in rows.values())
    # The daily cap counted across the two visits of one day.
    assert sum(split[SPLIT_FIELDS.index("outpatient_fund")] for (bill, _s), (split, *_x) in rows.items() if bill.startswith("MZ")) > 0


def test_rows_name_their_parameter_set_which_the_preview_does_not_write(world, officer):
    """A preview writes nothing, parameter sets included; the commit stores each set its rows
    name once, and every row names the versions it was computed with."""
    people, _hospital, _clinic = world
    job = _previewed(officer, _rows(people))
    assert ParameterSet.objects.count() == 0
    _committed(job)
    sets = {s.parameter_set_id for s in Settlement.objects.all()}
    assert sets == set(ParameterSet.objects.values_list("digest", flat=True)) and len(sets) == 1
    versions = ParameterSet.objects.get().versions
    assert {"inpatient_rate.2", "inpatient_deductible.2"} <= set(versions)


def test_a_plan_of_another_format_is_settled_again_with_the_same_result(world, officer, monkeypatch):
    """A plan kept before an upgrade changed the rows' columns is not written: its rows are
    settled again, and the same rows and totals are stored."""
    people, _hospital, _clinic = world
    checked = _checked_again(monkeypatch)
    with transaction.atomic():
        _committed(_previewed(officer, _rows(people)))
        expected = _stored()
        transaction.set_rollback(True)
    assert not checked
    job = _previewed(officer, _rows(people))
    monkeypatch.setattr("benefits.importers.PLAN_FORMAT", PLAN_FORMAT + 1)
    _committed(job)
    assert len(checked) == 10 and _stored() == expected


def test_the_pieces_report_the_previews_counts_and_error_rows(world, officer):
    people, _hospital, _clinic = world
    job = _committed(_previewed(officer, _rows(people)))
    assert job.counts == {"new": 9, "changed": 0, "unchanged": 0, "error": 1}
    assert [(e["row"], e["column"]) for e in job.errors] == [(11, "姓名")]
    assert list(job.chunks.values_list("first_row", "last_row")) == [(2, 4), (5, 7), (8, 10), (11, 11)]
    assert not job.plan_file and not job.plan_version  # the plan's files are gone once written


def test_a_settlement_of_one_of_the_files_people_meanwhile_is_counted(world, officer, monkeypatch):
    people, hospital, _clinic = world

    def another_admission():
        settlement_create(user=officer, data=VisitInput(person=people[1], facility=hospital, bill_number="OTHER1", kind="inpatient",
                                                        visit_date=date(2023, 1, 2), costs={"class_a": D("20000")}))

    planned, checked, again, _checked_again_ = _both_ways(officer, _rows(people), monkeypatch, another_admission)
    assert planned == again
    assert checked > 0  # the pieces with that person's year were settled again
    rows, years = planned
    # The year's totals hold every stored bill: the admission in between and the file's.
    mine = [split for (bill, _s), (split, *_x) in rows.items() if bill in ("OTHER1", "ZY1", "ZY4")]
    assert len(mine) == 3
    assert years[(people[1].pk, 2023)][YEAR_FIELDS.index("basic_fund")] == sum(s[SPLIT_FIELDS.index("basic_fund")] for s in mine)


def test_a_reversal_meanwhile_is_counted(world, officer, monkeypatch):
    people, hospital, _clinic = world
    before = settlement_create(user=officer, data=VisitInput(person=people[0], facility=hospital, bill_number="OLD1", kind="inpatient",
                                                             visit_date=date(2023, 1, 1), costs={"class_a": D("30000")}))
    planned, checked, again, _ = _both_ways(officer, _rows(people), monkeypatch,
                                            lambda: settlement_reverse(user=officer, settlement=before, reason="重复结算"))
    assert planned == again and checked > 0
    assert ("OLD1", "reversal") in planned[0]


def test_an_identity_certified_meanwhile_is_counted(world, officer, clerk, monkeypatch):
    people, _hospital, _clinic = world

    def certified():
        identity_certify(user=clerk, person=people[2], code="subsistence_allowance", valid_from=date(2022, 12, 1))

    planned, checked, again, _ = _both_ways(officer, _rows(people), monkeypatch, certified)
    assert planned == again and checked == 10  # the data version changed: every piece settled again
    assert any(split[SPLIT_FIELDS.index("assistance")] > 0 for (bill, _s), (split, *_x) in planned[0].items())


def test_a_bill_of_the_file_settled_meanwhile_comes_back_settled(world, officer):
    people, hospital, _clinic = world
    job = _previewed(officer, _rows(people))
    # Someone settles row 5's bill (ZY3, the second piece) by hand after the preview.
    settlement_create(user=officer, data=VisitInput(person=people[0], facility=hospital, bill_number="ZY3", kind="inpatient",
                                                    visit_date=date(2023, 2, 10), costs={"class_a": D("100")}))
    job = _committed(job)
    assert job.counts == {"new": 8, "changed": 0, "unchanged": 1, "error": 1}
    assert Settlement.objects.get(bill_number="ZY3").total == D("100.00")


def test_a_bill_number_taken_meanwhile_for_someone_else_stops_its_piece_with_a_message(world, officer, village):
    people, hospital, _clinic = world
    stranger = factories.person(village, name="他人")
    job = _previewed(officer, _rows(people))
    # The facility's number ZY3 (the second piece) is settled for a person who is not in the file.
    settlement_create(user=officer, data=VisitInput(person=stranger, facility=hospital, bill_number="ZY3", kind="inpatient",
                                                    visit_date=date(2023, 2, 10), costs={"class_a": D("100")}))
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "同一单号" in job.failure and "此前各段已导入 3 行" in job.failure
    # The first piece stands; of the second nothing is written.
    assert sorted(Settlement.objects.values_list("bill_number", flat=True)) == ["ZY0", "ZY1", "ZY2", "ZY3"]
    assert Settlement.objects.get(bill_number="ZY3").person == stranger
