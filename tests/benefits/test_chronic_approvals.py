"""门诊慢特病 approvals through benefits.services.chronic as the bureau's staff would meet them:
a clerk submits with evidence, another user decides (never the submitter; of two decisions
only one), renewal keeps the history, revocation and death end an approval, the daily job
marks expired ones; 两病 registration lifts the outpatient cap; settlement follows."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from benefits.models import ChronicApproval, Facility, Settlement
from benefits.services import chronic
from benefits.services.settlements import VisitInput, settlement_create
from core.errors import ServiceError
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from enrollment.services.people import person_update
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def world(clerk, village, xianan, current_standards):
    person = factories.person(village, name="慢病甲")
    enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=date(2025, 10, 8),
                        today=date(2025, 10, 8))
    start = date(2020, 1, 1)
    hospital = Facility.objects.create(code="H2", name="区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start)
    city = Facility.objects.create(code="H3", name="市中心医院", level=3, tier="secondary_plus", region=xianan, agreement_from=start)
    township = Facility.objects.create(code="T1", name="卫生院", level=1, tier="township", region=xianan, agreement_from=start)
    reviewer = factories.user("reviewer_xianan", REVIEWER, xianan)
    return person, hospital, city, township, reviewer


def _submit(clerk, person, facility, code="tuberculosis", files=None, diagnosed_on=date(2025, 12, 1), **extra):
    files = [SimpleUploadedFile("诊断证明.pdf", PDF, "application/pdf")] if files is None else files
    return chronic.approval_submit(user=clerk, person=person, disease=factories.chronic_disease(person, code), diagnosing_hospital="市中心医院",
                                   diagnosed_on=diagnosed_on, facility=facility, files=files, today=TODAY, **extra)


def test_submit_decide_and_the_timeline(world, clerk):
    person, hospital, _city, _township, reviewer = world
    application = _submit(clerk, person, hospital)
    assert application.status == "submitted" and application.evidence.count() == 1
    assert application.evidence.get().content_type == "application/pdf"
    with pytest.raises(ServiceError) as own:
        chronic.approval_decide(user=clerk, approval=application, approve=True, today=TODAY)
    assert own.value.code in ("maker_checker", "denied")
    approved = chronic.approval_decide(user=reviewer, approval=application, approve=True, today=TODAY)
    assert (approved.status, approved.valid_from, approved.valid_to) == ("approved", TODAY, date(2028, 5, 31))  # 24 months
    assert [s.action for s in approved.steps.all()] == ["申报", "认定通过"]
    assert approved.decided_by == reviewer


def test_the_submitter_cannot_decide_even_with_the_permission(world, clerk, officer):
    person, hospital, *_rest, reviewer = world
    application = _submit(officer, person, hospital)
    with pytest.raises(ServiceError) as refused:
        chronic.approval_decide(user=officer, approval=application, approve=True, today=TODAY)
    assert refused.value.code == "maker_checker" and "另一名经办人" in refused.value.message


def test_two_simultaneous_decisions_cannot_both_succeed(world, clerk, officer):
    person, hospital, *_rest, reviewer = world
    application = _submit(clerk, person, hospital)
    stale = ChronicApproval.objects.get(pk=application.pk)  # what the second reviewer's page read
    chronic.approval_decide(user=reviewer, approval=application, approve=False, reason="材料不全", today=TODAY)
    with pytest.raises(ServiceError) as second:
        chronic.approval_decide(user=officer, approval=stale, approve=True, today=TODAY)
    assert second.value.code == "conflict"
    assert ChronicApproval.objects.get(pk=application.pk).status == "rejected"


def test_a_rejection_needs_a_reason_and_dates_are_checked(world, clerk):
    person, hospital, *_rest, reviewer = world
    application = _submit(clerk, person, hospital)
    with pytest.raises(ServiceError) as no_reason:
        chronic.approval_decide(user=reviewer, approval=application, approve=False, reason=" ", today=TODAY)
    assert no_reason.value.field == "reason"
    with pytest.raises(ServiceError) as backwards:
        chronic.approval_decide(user=reviewer, approval=application, approve=True, valid_from=date(2026, 6, 2), valid_to=date(2026, 6, 1),
                                today=TODAY)
    assert backwards.value.message == "有效期止不能早于有效期起"
    with pytest.raises(ServiceError) as absurd:
        chronic.approval_decide(user=reviewer, approval=application, approve=True, valid_from=date(1800, 1, 1), today=TODAY)
    assert absurd.value.field == "valid_from"
    assert ChronicApproval.objects.get(pk=application.pk).status == "submitted"


@pytest.mark.parametrize(("code", "facility_index", "message"), [
    ("tuberculosis", 1, "须在2级及以下"),  # a chronic disease at a level-3 hospital
    ("malignant_tumour", 2, "须在2级及以上"),  # a special disease at a township hospital
    ("hypertension", 0, "属于两病，请办理两病登记"),
])
def test_submissions_refused_by_the_catalogue(world, clerk, code, facility_index, message):
    person, hospital, city, township, _reviewer = world
    with pytest.raises(ServiceError) as refused:
        _submit(clerk, person, (hospital, city, township)[facility_index], code=code)
    assert message in refused.value.message
    assert not ChronicApproval.objects.exists()


def test_evidence_is_checked_by_content_and_nothing_is_half_written(world, clerk, settings):
    person, hospital, *_rest = world
    with pytest.raises(ServiceError) as fake:
        _submit(clerk, person, hospital, files=[SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")])
    assert "不是 PDF、JPG 或 PNG" in fake.value.message
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ServiceError) as large:
        _submit(clerk, person, hospital)
    assert large.value.code == "evidence_size"
    assert not ChronicApproval.objects.exists()


def test_other_county_and_unenrolled_people_are_refused(world, clerk, other_clerk, jiayu_villages):
    person, hospital, *_rest = world
    with pytest.raises(ServiceError) as other:
        _submit(other_clerk, person, hospital)
    assert other.value.code == "region_denied"
    stranger = factories.person(jiayu_villages[0], name="未参保")
    with pytest.raises(ServiceError) as unenrolled:
        _submit(other_clerk, stranger, hospital)
    assert unenrolled.value.code == "not_enrolled"


def test_one_open_application_per_disease_and_renewal_keeps_the_history(world, clerk):
    person, hospital, city, township, reviewer = world
    first = chronic.approval_decide(user=reviewer, approval=_submit(clerk, person, hospital), approve=True, valid_from=date(2026, 1, 1),
                                    valid_to=date(2026, 7, 15), today=TODAY)
    with pytest.raises(ServiceError) as again:
        _submit(clerk, person, hospital)
    assert again.value.code == "duplicate"
    assert [a.pk for a in chronic.renewal_queue(clerk, today=TODAY)] == [first.pk]  # ends within 60 days
    renewal = _submit(clerk, person, township, renews=first)
    assert list(chronic.renewal_queue(clerk, today=TODAY)) == []  # a renewal is under way
    renewed = chronic.approval_decide(user=reviewer, approval=renewal, approve=True, today=TODAY)
    assert renewed.valid_from == date(2026, 7, 16)  # the day after the old one ends
    first.refresh_from_db()
    assert first.valid_to == date(2026, 7, 15) and "已续期" in [s.action for s in first.steps.all()]


def test_revocation_and_death_end_approvals_from_their_day(world, clerk, officer):
    person, hospital, *_rest, reviewer = world
    approval = chronic.approval_decide(user=reviewer, approval=_submit(clerk, person, hospital), approve=True,
                                       valid_from=date(2026, 1, 1), today=TODAY)
    factories.two_diseases_registration(person, date(2026, 1, 1))
    person_update(user=clerk, person=person, status="deceased", status_date=date(2026, 5, 31))
    approval.refresh_from_db()
    assert (approval.status, approval.ended_on, approval.ended_reason) == ("revoked", date(2026, 5, 31), "死亡")
    assert person.two_diseases.get().ended_on == date(2026, 5, 31)
    with pytest.raises(ServiceError):
        chronic.approval_revoke(user=reviewer, approval=approval, reason="复核")  # already revoked


def test_the_daily_job_marks_expired_approvals_once(world, clerk):
    person, hospital, *_rest, reviewer = world
    approval = chronic.approval_decide(user=reviewer, approval=_submit(clerk, person, hospital), approve=True, valid_from=date(2026, 1, 1),
                                       valid_to=date(2026, 5, 31), today=date(2026, 5, 1))
    from benefits.tasks import expire_chronic_approvals_task

    assert chronic.approvals_expire(date(2026, 5, 31)) == 0  # its last day
    assert chronic.approvals_expire(date(2026, 6, 1)) == 1
    assert chronic.approvals_expire(date(2026, 6, 1)) == 0
    assert expire_chronic_approvals_task.delay().get() == 0
    approval.refresh_from_db()
    assert approval.status == "expired" and approval.steps.last().action == "到期"


def test_the_review_queue_flags_overdue_and_own_items(world, clerk):
    person, hospital, *_rest, reviewer = world
    application = _submit(clerk, person, hospital)
    submitted = timezone.localdate(application.submitted_at)
    [item] = chronic.review_queue(reviewer, today=submitted + timedelta(days=16))  # over the 15 days of the parameter
    assert item.pk == application.pk and item.overdue and not item.own
    [mine] = chronic.review_queue(clerk, today=submitted + timedelta(days=15))
    assert mine.own and not mine.overdue


def test_settlement_follows_the_approval_its_facility_and_its_period(world, clerk, officer):
    person, hospital, city, _township, reviewer = world
    chronic.approval_decide(user=reviewer, approval=_submit(clerk, person, hospital), approve=True, valid_from=date(2026, 1, 1),
                            valid_to=date(2026, 5, 31), today=date(2026, 5, 1))

    def visit(bill, facility, day):
        return settlement_create(user=officer, data=VisitInput(person=person, facility=facility, bill_number=bill, kind="chronic",
                                                               visit_date=day, disease="结核病", costs={"class_a": "1000"}))

    assert visit("OK", hospital, date(2026, 5, 31)).chronic_fund == D("600.00")  # 60% of 1,000, its last day
    with pytest.raises(ServiceError) as elsewhere:
        visit("CITY", city, date(2026, 5, 30))
    assert "定点机构为区人民医院" in elsewhere.value.message
    with pytest.raises(ServiceError) as late:
        visit("LATE", hospital, date(2026, 6, 1))
    assert "不在有效期内" in late.value.message
    assert list(Settlement.objects.values_list("bill_number", flat=True)) == ["OK"]


def test_a_two_diseases_registration_lifts_the_outpatient_cap_from_its_date(world, clerk, officer):
    person, hospital, *_rest = world
    hypertension = factories.chronic_disease(person, "hypertension")
    registration = chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 3, 1))
    with pytest.raises(ServiceError) as twice:
        chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 3, 2))
    assert twice.value.code == "duplicate"
    from benefits.services.settlements import eligibility_for

    assert eligibility_for(person, date(2026, 2, 28)).two_diseases_registered is False
    assert eligibility_for(person, date(2026, 3, 1)).two_diseases_registered is True
    assert registration.region_path == person.region_path


def test_a_special_disease_named_on_the_bill_is_paid_at_the_inpatient_rate_and_shown_by_its_name(world, clerk, officer):
    person, hospital, _city, _township, reviewer = world
    chronic.approval_decide(user=reviewer, approval=_submit(clerk, person, hospital, code="uraemia_dialysis"), approve=True,
                            valid_from=date(2026, 1, 1), today=TODAY)
    s = settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="DIAL", kind="chronic",
                                                        visit_date=date(2026, 5, 1), disease="尿毒症透析", costs={"class_a": "1000"}))
    assert (s.disease, s.basic_fund, s.chronic_fund) == ("uraemia_dialysis", D("700.00"), D("0"))  # level 2: 70%, not the chronic pool
    from benefits.selectors import settlement_detail

    assert settlement_detail(s)["disease"] == "尿毒症透析"


def test_after_the_tryout(world, clerk, officer, other_clerk, jiayu_villages):
    """What the tryout found: a facility change is saved (it was a 500); an approval needs
    evidence, a start not before the diagnosis and an end not already past; a revoked approval
    says so; a 嘉鱼 resident may choose a hospital of the city; a revocation is not dated ahead."""
    person, hospital, city, township, reviewer = world
    with pytest.raises(ServiceError) as no_files:
        _submit(clerk, person, hospital, files=[])
    assert no_files.value.field == "evidence" and "请上传证明材料" in no_files.value.message
    application = _submit(clerk, person, hospital, diagnosed_on=date(2026, 5, 20))
    with pytest.raises(ServiceError) as early:
        chronic.approval_decide(user=reviewer, approval=application, approve=True, valid_from=date(2026, 5, 1), today=TODAY)
    assert "不能早于确诊日期（2026-05-20）" in early.value.message
    with pytest.raises(ServiceError) as past:
        chronic.approval_decide(user=reviewer, approval=application, approve=True, valid_from=date(2026, 5, 20),
                                valid_to=date(2026, 5, 31), today=TODAY)
    assert past.value.field == "valid_to" and "已过" in past.value.message
    approval = chronic.approval_decide(user=reviewer, approval=application, approve=True, today=TODAY)
    changed = chronic.approval_change_facility(user=clerk, approval=approval, facility=township, reason="就近")
    assert changed.facility == township and changed.steps.last().comment == "区人民医院 → 卫生院；就近"
    with pytest.raises(ServiceError) as ahead:
        chronic.approval_revoke(user=reviewer, approval=changed, reason="复核", on=timezone.localdate() + timedelta(days=3))
    assert ahead.value.field == "ended_on"
    chronic.approval_revoke(user=reviewer, approval=changed, reason="复核不符合条件", on=date(2026, 6, 1))
    with pytest.raises(ServiceError) as revoked:
        settlement_create(user=officer, data=VisitInput(person=person, facility=township, bill_number="REV", kind="chronic",
                                                        visit_date=date(2026, 6, 2), disease="结核病", costs={"class_a": "100"}))
    assert "结核病的门诊慢特病认定已于2026-06-01撤销" in revoked.value.message
    # a 嘉鱼 resident: the city's hospitals are the county clerk's to choose (city-level pooling)
    resident = factories.person(jiayu_villages[0], name="嘉鱼慢病")
    enrollment_register(user=other_clerk, person=resident, category="regular", channel="individual", payment_date=date(2025, 10, 8),
                        today=date(2025, 10, 8))
    assert _submit(other_clerk, resident, hospital).facility == hospital


def test_a_two_diseases_drug_bill_of_another_disease_is_not_paid_as_two_diseases(world, clerk, officer):
    person, _hospital, _city, township, _reviewer = world
    chronic.registration_create(user=clerk, person=person, disease=factories.chronic_disease(person, "diabetes"),
                                registered_on=date(2026, 1, 1))

    def drug(bill, disease):
        return settlement_create(user=officer, data=VisitInput(person=person, facility=township, bill_number=bill, kind="two_diseases_drug",
                                                               visit_date=date(2026, 5, 1), disease=disease, costs={"class_a": "100"}))

    assert drug("D1", "糖尿病").basic_fund == D("50.00")
    assert drug("D2", "").basic_fund == D("50.00")  # a bill naming no disease: the registration holds
    assert drug("D3", "高血压").basic_fund == D("0")  # registered for diabetes only


def test_an_application_takes_at_most_ten_evidence_files(world, clerk):
    person, hospital, _city, _township, _reviewer = world
    eleven = [SimpleUploadedFile(f"{i}.pdf", PDF, "application/pdf") for i in range(11)]
    with pytest.raises(ServiceError) as refused:
        _submit(clerk, person, hospital, files=eleven)
    assert (refused.value.field, refused.value.message) == ("evidence", "证明材料最多 10 个文件")
    assert not ChronicApproval.objects.exists()
