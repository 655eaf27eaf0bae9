"""门诊慢特病 pages as staff use them: the list by county with its export, bad filters answered in
Chinese, the dashboard's counts and the notice to the submitter, a decision only for a reviewer
who did not submit, and a province user who only reads."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from benefits.models import ChronicApproval, Facility
from benefits.services import chronic
from core.models import Region
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clerk, village, xianan, current_standards):
    person = factories.person(village, name="页面甲")
    enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=date(2025, 10, 8),
                        today=date(2025, 10, 8))
    hospital = Facility.objects.create(code="H2", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    reviewer = factories.user("reviewer_xianan", REVIEWER, xianan)
    application = chronic.approval_submit(user=clerk, person=person, disease=factories.chronic_disease(person, "tuberculosis"),
                                          diagnosing_hospital="咸宁市中心医院", diagnosed_on=date(2026, 5, 20), facility=hospital,
                                          files=[SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n", "application/pdf")])
    return person, hospital, reviewer, application


def test_the_submitter_sees_no_decision_and_a_forged_post_changes_nothing(world, client, clerk):
    person, _hospital, _reviewer, application = world
    client.force_login(clerk)
    page = client.get(f"/benefits/chronic/{application.pk}/")
    assert page.status_code == 200 and "保存审核结论" not in page.content.decode() and "须由另一名审核员审核" in page.content.decode()
    forged = client.post(f"/benefits/chronic/{application.pk}/", {"action": "decide", "d-decision": "approve",
                                                                   "d-version": application.version})
    assert forged.status_code == 302
    assert ChronicApproval.objects.get(pk=application.pk).status == "submitted"


def test_the_reviewer_decides_on_the_page_and_the_submitter_is_told_on_the_dashboard(world, client, clerk):
    person, _hospital, reviewer, application = world
    client.force_login(reviewer)
    response = client.post(f"/benefits/chronic/{application.pk}/", {"action": "decide", "d-decision": "reject", "d-reason": "",
                                                                     "d-version": application.version})
    assert response.status_code == 200 and "不予认定须说明理由" in response.content.decode()
    client.post(f"/benefits/chronic/{application.pk}/", {"action": "decide", "d-decision": "approve", "d-version": application.version})
    assert ChronicApproval.objects.get(pk=application.pk).status == "approved"
    client.force_login(clerk)
    dashboard = client.get("/").content.decode()
    assert "您申报的认定近期审核结果" in dashboard and "页面甲 结核病：已认定" in dashboard
    assert 'data-figure="chronic-approved">1<' in dashboard


def test_a_stale_decision_is_refused_with_the_reason(world, client, clerk, officer):
    _person, _hospital, reviewer, application = world
    client.force_login(officer)
    client.post(f"/benefits/chronic/{application.pk}/", {"action": "decide", "d-decision": "approve", "d-version": application.version})
    client.force_login(reviewer)
    response = client.post(f"/benefits/chronic/{application.pk}/", {"action": "decide", "d-decision": "reject", "d-reason": "材料不全",
                                                                     "d-version": application.version})
    assert response.status_code == 302  # the page no longer offers the decision
    assert ChronicApproval.objects.get(pk=application.pk).status == "approved"


def test_the_list_by_county_and_its_export(world, client, clerk, xianan, jiayu):
    person, _hospital, _reviewer, _application = world
    client.force_login(clerk)
    listed = client.get("/benefits/chronic/", {"region": xianan.pk}).content.decode()
    assert "页面甲" in listed and "结核病" in listed and "待审核 1" in listed
    other = Region.objects.get(code="421221")
    refused = client.get("/benefits/chronic/", {"region": other.pk})
    assert refused.status_code == 400 and "所选区划不存在或不在您的管辖范围内" in refused.content.decode()
    assert client.get("/benefits/chronic/", {"status": "nonsense"}).status_code == 400
    export = client.get("/benefits/chronic/export.xlsx", {"status": "submitted"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "身份证号", "村/社区", "病种") and rows[1][0] == "页面甲" and rows[1][1] == person.id_number
    assert rows[1][10] == "待审核"


def test_a_province_user_reads_but_does_not_submit(world, client):
    person, _hospital, _reviewer, application = world
    from core.roles import CITY_OFFICER

    province = factories.user("province_officer", CITY_OFFICER, Region.objects.get(code="420000"))
    client.force_login(province)
    assert client.get(f"/benefits/chronic/{application.pk}/").status_code == 200
    page = client.get(f"/benefits/people/{person.pk}/chronic/new/")
    assert page.status_code == 403 and "省级用户只能查看门诊慢特病认定" in page.content.decode()
    assert "保存审核结论" not in client.get(f"/benefits/chronic/{application.pk}/").content.decode()


def test_a_clerk_ends_a_two_diseases_registration_on_the_person_page(world, client, clerk, other_clerk):
    """终止两病登记: a reason and a day not before the registration nor after today; ended on its
    registration day (entered by mistake) it never held, and the person may be registered again;
    ended twice, or by a clerk of another county, it is refused; the person page shows it ended."""
    from datetime import timedelta

    from django.utils import timezone

    from benefits.services.settlements import eligibility_for
    from core.errors import ServiceError

    person = world[0]
    hypertension = factories.chronic_disease(person, "hypertension")
    registration = chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 3, 1))
    client.force_login(clerk)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    end_url = f"/benefits/two-diseases/{registration.pk}/end/"
    assert end_url in page
    refused = client.post(end_url, {"ended_on": "2026-02-28", "reason": "登记有误"}).content.decode()
    assert "终止日期不能早于登记日期（2026-03-01）" in refused
    assert "这个字段是必填项" in client.post(end_url, {"ended_on": "2026-03-01", "reason": " "}).content.decode()
    ahead = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert "终止日期不能晚于今天" in client.post(end_url, {"ended_on": ahead, "reason": "不再治疗"}).content.decode()
    registration.refresh_from_db()
    assert registration.ended_on is None
    response = client.post(end_url, {"ended_on": "2026-03-01", "reason": "登记有误"})
    assert response.status_code == 302 and response["Location"] == f"/enrollment/people/{person.pk}/"
    registration.refresh_from_db()
    assert (registration.ended_on, registration.ended_reason) == (date(2026, 3, 1), "登记有误")
    assert eligibility_for(person, date(2026, 3, 1)).two_diseases_registered is False  # it never held
    assert end_url not in client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "已于 2026-03-01 终止" in client.get(end_url, follow=True).content.decode()
    with pytest.raises(ServiceError) as twice:
        chronic.registration_end(user=clerk, registration=registration, ended_on=date(2026, 4, 1), reason="再次")
    assert twice.value.code == "ended"
    again = chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 4, 1))
    assert eligibility_for(person, date(2026, 4, 1)).two_diseases_registered is True
    # a registration that held (April to June) is not registered over again
    chronic.registration_end(user=clerk, registration=again, ended_on=date(2026, 7, 1), reason="不再治疗")
    with pytest.raises(ServiceError) as overlap:
        chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 6, 30))
    assert (overlap.value.field, overlap.value.message) == (
        "registered_on", f"{person.name} 的高血压登记（2026-04-01起）至 2026-07-01 终止，新登记的登记日期不能早于 2026-07-01")
    again = chronic.registration_create(user=clerk, person=person, disease=hypertension, registered_on=date(2026, 7, 1))
    with pytest.raises(ServiceError) as stranger:
        chronic.registration_end(user=other_clerk, registration=again, ended_on=date(2026, 5, 1), reason="迁出")
    assert stranger.value.code == "region_denied"
    client.force_login(other_clerk)
    assert client.get(f"/benefits/two-diseases/{again.pk}/end/").status_code == 404


def test_the_evidence_opens_beside_the_approval(world, client, clerk):
    """A reviewer reads the certificate while deciding: its link opens a new tab, the page stays."""
    _person, _hospital, _reviewer, application = world
    client.force_login(clerk)
    evidence = application.evidence.get()
    page = client.get(f"/benefits/chronic/{application.pk}/").content.decode()
    assert f'href="/benefits/chronic/evidence/{evidence.pk}/" target="_blank" rel="noopener">证明.pdf' in page
