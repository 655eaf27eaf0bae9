"""Applications and the applicant's identities (issue 9): what the applicant held at acceptance
is recorded and shown in Chinese; a class 3-4 application needs a class 3-4 identity (S001
§四(六)); tilted and one-time applications without an assistance identity need a confirmation;
the decision records what it granted; the person page lists approved applications."""

from datetime import date

import pytest

from assistance.models import Application, HardshipIdentity
from assistance.services.applications import application_accept, application_decide
from core.errors import ServiceError
from core.models import Department
from core.roles import CLERK, REVIEWER
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_clerk(village):
    return factories.user("xiangzhen", CLERK, village.parent)


@pytest.fixture
def reviewer(xianan):
    return factories.user("shenhe", REVIEWER, xianan)


def certify(person, code, valid_from=date(2023, 1, 1), **extra):
    return HardshipIdentity.objects.create(person=person, code=code, department=Department.CIVIL_AFFAIRS, valid_from=valid_from, **extra)


def test_acceptance_records_the_identities_and_class_the_applicant_holds(client, township_clerk, village):
    # Given a person holding a class 3 identity and an unrelated subsidy-only identity
    person = factories.person(village, name="边缘户")
    certify(person, "low_income_edge")
    certify(person, "disabled_unable_to_work")
    # When the township accepts a class 3-4 application on the page
    client.force_login(township_clerk)
    response = client.post("/assistance/applications/new/", {"id_number": person.id_number, "kind": "class_3_4", "reason": "住院费用负担重"})
    # Then the application keeps what the applicant held that day
    application = Application.objects.get()
    assert response.status_code == 302
    assert (sorted(application.accepted_identities), application.accepted_class) == (["disabled_unable_to_work", "low_income_edge"], 3)
    # and its page shows them by their Chinese names, never the codes
    page = client.get(f"/assistance/applications/{application.pk}/").content.decode()
    standing = page.split('id="accepted-standing"')[1].split("</dd>")[0]
    assert "城乡低保边缘家庭成员" in standing and "丧失劳动能力的残疾人" in standing and "3类" in standing
    assert "low_income_edge" not in page and "disabled_unable_to_work" not in page
    # and so does the review queue
    assert "城乡低保边缘家庭成员" in client.get("/assistance/applications/").content.decode()


def test_a_class_3_4_application_without_a_class_3_4_identity_is_refused(client, township_clerk, village):
    # Given a person with no identity, and one of class 2 (低保)
    nobody = factories.person(village, name="无身份")
    class_2 = factories.person(village, name="低保户")
    certify(class_2, "subsistence_allowance")
    # When the service is asked to accept their class 3-4 applications
    for person in (nobody, class_2):
        with pytest.raises(ServiceError) as error:
            application_accept(user=township_clerk, person=person, kind="class_3_4", reason="申请")
        assert error.value.code == "no_identity"
    # Then nothing is accepted, and the page says why in Chinese
    client.force_login(township_clerk)
    page = client.post("/assistance/applications/new/", {"id_number": nobody.id_number, "kind": "class_3_4", "reason": "申请"}).content.decode()
    assert "没有有效的三、四类医疗救助对象身份" in page and "十堰救助办法" in page and "S001" not in page
    page = client.post("/assistance/applications/new/", {"id_number": class_2.id_number, "kind": "class_3_4", "reason": "申请"}).content.decode()
    assert "2类医疗救助对象，直接享受医疗救助，无需申请" in page
    assert not Application.objects.exists()


def test_an_expired_class_3_identity_does_not_count(township_clerk, village):
    person = factories.person(village)
    certify(person, "low_income_edge", valid_from=date(2022, 1, 1), valid_to=date(2022, 12, 31))
    with pytest.raises(ServiceError):
        application_accept(user=township_clerk, person=person, kind="class_3_4", reason="申请")


def test_a_tilted_application_without_an_assistance_identity_needs_a_confirmation(client, township_clerk, village):
    # Given a person without any assistance identity
    person = factories.person(village)
    client.force_login(township_clerk)
    data = {"id_number": person.id_number, "kind": "tilted", "reason": "转诊住院"}
    # When the township submits a tilted-assistance application
    first = client.post("/assistance/applications/new/", data)
    # Then it is not accepted yet: the page warns and asks for a tick
    page = first.content.decode()
    assert first.status_code == 200 and "目前没有有效的医疗救助对象身份" in page and "已知悉上述提示，仍要受理" in page
    assert not Application.objects.exists()
    # and with the tick it is accepted, recording that the applicant held nothing
    second = client.post("/assistance/applications/new/", {**data, "confirmed": "on"})
    assert second.status_code == 302
    assert (Application.objects.get().accepted_identities, Application.objects.get().accepted_class) == ([], None)


def test_the_form_shows_the_applicant_before_accepting(client, township_clerk, village, jiayu_villages):
    person = factories.person(village, name="查看人")
    certify(person, "monitored_edge")
    client.force_login(township_clerk)
    # 「查看申请人身份」 shows the standing without accepting anything, even with the reason empty
    page = client.post("/assistance/applications/new/", {"id_number": person.id_number, "kind": "class_3_4", "check": "1"}).content.decode()
    assert "查看人" in page and "边缘易致贫人口（监测对象）" in page and "3类" in page and 'id="refusal"' not in page
    # from the person's page (?person=) too
    page = client.get(f"/assistance/applications/new/?person={person.pk}").content.decode()
    assert "边缘易致贫人口（监测对象）" in page
    # a person of another county is not found; a bad number is a Chinese error, not a 500
    elsewhere = factories.person(jiayu_villages[0], name="外县人")
    page = client.post("/assistance/applications/new/", {"id_number": elsewhere.id_number, "kind": "class_3_4", "check": "1"}).content.decode()
    assert "没有登记该身份证号的人员" in page and "外县人" not in page
    response = client.post("/assistance/applications/new/", {"id_number": "12345", "kind": "class_3_4", "check": "1"})
    assert response.status_code == 200 and 'id="lookup-error"' in response.content.decode()
    assert client.get(f"/assistance/applications/new/?person={elsewhere.pk}").status_code == 404
    assert not Application.objects.exists()


def test_the_decision_records_what_was_granted(client, township_clerk, reviewer, village):
    # Given an accepted class 3-4 application
    person = factories.person(village, name="监测户")
    certify(person, "monitored_unstable")
    application = application_accept(user=township_clerk, person=person, kind="class_3_4", reason="大额医疗费用")
    # When the county approves it on its page
    client.force_login(reviewer)
    detail = client.get(f"/assistance/applications/{application.pk}/").content.decode()
    assert "脱贫不稳定人口（监测对象）" in detail  # what the applicant holds today, next to the decision form
    client.post(f"/assistance/applications/{application.pk}/", {"decision": "approve", "reason": "经核实符合三类救助条件", "version": 1})
    # Then the decision keeps the class and identities it granted, from the decision date
    application.refresh_from_db()
    assert (application.status, application.granted_class, application.granted_identities) == ("approved", 3, ["monitored_unstable"])
    page = client.get(f"/assistance/applications/{application.pk}/").content.decode()
    granted = page.split('id="decision"')[1]
    assert "按<strong>3类</strong>医疗救助" in granted and application.decided_on.strftime("%Y-%m-%d") in granted
    assert "经核实符合三类救助条件" in granted


def test_an_approval_is_refused_when_the_class_3_4_identity_has_ended(township_clerk, reviewer, village):
    person = factories.person(village)
    identity = certify(person, "illness_poverty")
    application = application_accept(user=township_clerk, person=person, kind="class_3_4", reason="因病")
    HardshipIdentity.objects.filter(pk=identity.pk).update(revoked_on=date(2023, 6, 1), status="revoked")
    with pytest.raises(ServiceError) as error:
        application_decide(user=reviewer, application=application, approve=True, reason="同意")
    assert error.value.code == "no_identity" and Application.objects.get().status == "accepted"
    # a rejection still goes through
    assert application_decide(user=reviewer, application=application, approve=False, reason="身份已退出").status == "rejected"


def test_the_person_page_shows_approved_applications(client, township_clerk, reviewer, clerk, village):
    # Given one approved and one still waiting application of a person
    person = factories.person(village, name="救助对象")
    certify(person, "low_income_edge")
    approved = application_accept(user=township_clerk, person=person, kind="class_3_4", reason="三类")
    application_decide(user=reviewer, application=approved, approve=True, reason="批准三类救助")
    application_accept(user=township_clerk, person=person, kind="tilted", reason="倾斜")
    # When the clerk opens the person's page
    client.force_login(clerk)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    # Then the card lists the approved one with its class and decision, not the waiting one
    card = page.split('id="approved-applications"')[1].split("</table>")[0]
    assert "三、四类医疗救助" in card and "3类" in card and "批准三类救助" in card
    assert "倾斜救助" not in card


def test_the_admin_shows_the_snapshots_by_chinese_name(client, officer, township_clerk, village):
    person = factories.person(village)
    certify(person, "low_income_edge")
    application = application_accept(user=township_clerk, person=person, kind="class_3_4", reason="申请")
    client.force_login(officer)
    page = client.get(f"/admin/assistance/application/{application.pk}/change/").content.decode()
    assert "受理时有效身份" in page and "城乡低保边缘家庭成员" in page and "low_income_edge" not in page
