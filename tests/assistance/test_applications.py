"""依申请救助: township accepts, county decides, maker-checker, concurrent decisions, evidence."""

import threading
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from assistance.models import Application, HardshipIdentity
from assistance.services.applications import application_accept, application_decide, approved_on, review_queue
from core.errors import ServiceError
from core.models import Department, Region
from core.roles import CLERK, REVIEWER
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def township_clerk(village):
    return factories.user("xiangzhen", CLERK, village.parent)


@pytest.fixture
def reviewer(xianan):
    return factories.user("shenhe", REVIEWER, xianan)


def with_class_3_identity(person):
    """A class 3 identity (S001 §二), which a class 3-4 application needs."""
    HardshipIdentity.objects.create(person=person, code="low_income_edge", department=Department.CIVIL_AFFAIRS, valid_from=date(2023, 1, 1))
    return person


@pytest.fixture
def applicant(village):
    return with_class_3_identity(factories.person(village, name="申请人"))


def accept(user, person, **kwargs):
    kwargs.setdefault("kind", "class_3_4")
    kwargs.setdefault("reason", "因病致贫，申请三类救助")
    return application_accept(user=user, person=person, **kwargs)


def test_township_accepts_and_county_approves_effective_from_decision(township_clerk, reviewer, applicant):
    application = accept(township_clerk, applicant, files=[SimpleUploadedFile("诊断证明.pdf", PDF)])
    assert application.status == Application.Status.ACCEPTED and application.evidence.count() == 1
    assert [a.pk for a in review_queue(reviewer)] == [application.pk]
    today = timezone.localdate()
    decided = application_decide(user=reviewer, application=application, approve=True, reason="符合条件", today=today)
    assert (decided.status, decided.decided_by, decided.decided_on) == (Application.Status.APPROVED, reviewer, today)
    assert [s.action for s in decided.steps.all()] == ["受理", "批准"]
    assert approved_on(applicant.pk, "class_3_4", today) == decided
    assert approved_on(applicant.pk, "class_3_4", today - timedelta(days=1)) is None
    assert decided.history.first().history_user == reviewer


def test_the_acceptor_cannot_decide_their_own_application(village, xianan, applicant):
    both = factories.user("both", REVIEWER, xianan)
    both.groups.add(__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.get(name=CLERK))
    application = accept(both, applicant)
    with pytest.raises(ServiceError) as error:
        application_decide(user=both, application=application, approve=True, reason="")
    assert error.value.code == "maker_checker"
    assert Application.objects.get().status == Application.Status.ACCEPTED


def test_rejection_needs_a_reason(township_clerk, reviewer, applicant):
    application = accept(township_clerk, applicant)
    with pytest.raises(ServiceError):
        application_decide(user=reviewer, application=application, approve=False, reason="")
    rejected = application_decide(user=reviewer, application=application, approve=False, reason="家庭财产超标")
    assert rejected.status == Application.Status.REJECTED


def test_two_reviewers_deciding_the_same_version_cannot_both_succeed(township_clerk, reviewer, xianan, applicant):
    other = factories.user("shenhe2", REVIEWER, xianan)
    application = accept(township_clerk, applicant)
    seen_by_first = Application.objects.get(pk=application.pk)
    seen_by_second = Application.objects.get(pk=application.pk)
    application_decide(user=reviewer, application=seen_by_first, approve=True, reason="同意")
    with pytest.raises(ServiceError) as error:
        application_decide(user=other, application=seen_by_second, approve=False, reason="不同意")
    assert error.value.code == "conflict"
    assert Application.objects.get().status == Application.Status.APPROVED


@pytest.mark.services
def test_simultaneous_decisions_in_two_connections(transactional_db, presets):
    """Two threads, two database connections, the same application: one decision wins."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database for two real connections")
    township = factories.township_and_villages(Region.objects.get(code="421202"))[0]
    village = township.children.first()
    clerk = factories.user("t_clerk", CLERK, township)
    reviewers = [factories.user(f"r{i}", REVIEWER, Region.objects.get(code="421202")) for i in range(2)]
    application = accept(clerk, with_class_3_identity(factories.person(village)))
    barrier, results = threading.Barrier(2), []

    def decide(user, approve):
        try:
            copy = Application.objects.get(pk=application.pk)
            barrier.wait()
            application_decide(user=user, application=copy, approve=approve, reason="并发")
            results.append("ok")
        except ServiceError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(r, i == 0)) for i, r in enumerate(reviewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert Application.objects.get().steps.count() == 2


def test_evidence_must_really_be_pdf_jpg_or_png(township_clerk, applicant):
    with pytest.raises(ServiceError) as error:
        accept(township_clerk, applicant, files=[SimpleUploadedFile("证明.pdf", b"MZ\x90\x00not a pdf")])
    assert "不是 PDF、JPG 或 PNG" in error.value.message
    assert not Application.objects.exists()


def test_evidence_size_is_limited(township_clerk, applicant, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ServiceError):
        accept(township_clerk, applicant, files=[SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)])


def test_evidence_is_served_only_inside_the_region(client, township_clerk, reviewer, applicant, other_clerk):
    application = accept(township_clerk, applicant, files=[SimpleUploadedFile("证明.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)])
    evidence = application.evidence.get()
    client.force_login(reviewer)
    response = client.get(f"/assistance/evidence/{evidence.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(other_clerk)
    assert client.get(f"/assistance/evidence/{evidence.pk}/").status_code == 404


def test_queue_highlights_overdue_and_pages_work(client, township_clerk, reviewer, applicant):
    old = accept(township_clerk, applicant)
    Application.objects.filter(pk=old.pk).update(accepted_at=timezone.now() - timedelta(days=16))
    accept(township_clerk, applicant, kind="tilted")
    client.force_login(reviewer)
    page = client.get("/assistance/applications/").content.decode()
    assert page.count("超期") >= 1 and page.count("table-danger") == 1
    response = client.post(f"/assistance/applications/{old.pk}/", {"decision": "approve", "reason": "同意", "version": 1})
    assert response.status_code == 302 and Application.objects.get(pk=old.pk).status == Application.Status.APPROVED
    detail = client.get(f"/assistance/applications/{old.pk}/").content.decode()
    assert "受理" in detail and "批准" in detail


def test_accept_page_with_upload(client, township_clerk, applicant):
    client.force_login(township_clerk)
    response = client.post("/assistance/applications/new/", {
        "id_number": applicant.id_number, "kind": "one_time", "reason": "认定前住院费用", "amount_claimed": "12000",
        "evidence": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.jpg", b"\xff\xd8\xff\xe0" + b"0" * 10)]})
    assert response.status_code == 302
    assert Application.objects.get().evidence.count() == 2
