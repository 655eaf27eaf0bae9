"""Identity pages: a department user certifies through the form; the person's page shows the
identity, the assistance class and the subsidy enrolling today would get."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assistance.models import HardshipIdentity
from core.models import Department
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil(xianan):
    return factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)


def test_department_user_certifies_and_clerk_sees_class_and_subsidy(client, civil, clerk, village, current_standards):
    person = factories.person(village, name="刘低保")
    client.force_login(civil)
    form = client.get("/assistance/identities/new/").content.decode()
    assert "城乡最低生活保障对象" in form and "返贫致贫人口" not in form  # only 民政's own codes
    today = timezone.localdate()
    response = client.post("/assistance/identities/new/", {
        "id_number": person.id_number, "code": "subsistence_allowance", "valid_from": (today - timedelta(days=10)).isoformat(),
        "document_number": "咸民〔2026〕1号"})
    assert response.status_code == 302
    record = HardshipIdentity.objects.get()
    assert (record.department, record.on_behalf, record.recorded_by) == (Department.CIVIL_AFFAIRS, False, civil)

    client.force_login(clerk)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "城乡最低生活保障对象" in page and "咸民〔2026〕1号" in page
    assert "医疗救助类别：<strong>2类</strong>" in page
    assert "资助 <strong>360.00</strong> 元" in page and "应缴 <strong>40.00</strong> 元" in page


def test_department_cannot_certify_a_code_of_another_department_by_post(client, civil, village):
    person = factories.person(village)
    client.force_login(civil)
    response = client.post("/assistance/identities/new/", {
        "id_number": person.id_number, "code": "returned_to_poverty", "valid_from": "2023-01-01"})
    assert response.status_code == 200
    assert not HardshipIdentity.objects.exists()


def test_unknown_person_is_a_clear_error(client, civil):
    client.force_login(civil)
    response = client.post("/assistance/identities/new/", {
        "id_number": factories.id_number(), "code": "orphan", "valid_from": "2023-01-01"})
    assert "没有登记该身份证号的人员" in response.content.decode()


def test_revoke_page_ends_the_identity(client, civil, village):
    from assistance.services.identities import identity_certify

    person = factories.person(village)
    record = identity_certify(user=civil, person=person, code="orphan", valid_from=date(2023, 1, 1))
    client.force_login(civil)
    response = client.post(f"/assistance/identities/{record.pk}/revoke/", {"exit_date": "2024-01-01", "reason": "已成年"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.revoked_on) == ("revoked", date(2024, 1, 1))


def test_list_filters_and_isolation(client, clerk, village, jiayu_villages, other_clerk):
    from assistance.services.identities import identity_certify

    mine = factories.person(village, name="本县人")
    theirs = factories.person(jiayu_villages[0], name="外县人")
    identity_certify(user=clerk, person=mine, code="orphan", valid_from=date(2023, 1, 1))
    identity_certify(user=other_clerk, person=theirs, code="orphan", valid_from=date(2023, 1, 1))
    identity_certify(user=clerk, person=factories.person(village, name="低保人"), code="subsistence_allowance", valid_from=date(2023, 1, 1))
    client.force_login(clerk)
    page = client.get("/assistance/identities/?code=orphan").content.decode()
    assert "本县人" in page and "外县人" not in page and "低保人" not in page
    # The export holds the same rows as the page: the user's county, the filtered code only
    export = client.get("/assistance/identities/export.xlsx?code=orphan")
    assert export.status_code == 200
    sheet = " ".join(str(c) for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
                     for c in row if c is not None)
    assert "本县人" in sheet and mine.id_number in sheet
    assert "外县人" not in sheet and theirs.id_number not in sheet
    assert "低保人" not in sheet


def test_admin_filters_identities_by_county_code_and_status(client, officer, village, jiayu_villages, clerk, other_clerk):
    from assistance.services.identities import identity_certify

    identity_certify(user=clerk, person=factories.person(village, name="咸安孤儿"), code="orphan", valid_from=date(2023, 1, 1))
    identity_certify(user=other_clerk, person=factories.person(jiayu_villages[0], name="嘉鱼孤儿"), code="orphan", valid_from=date(2023, 1, 1))
    client.force_login(officer)
    both = client.get("/admin/assistance/hardshipidentity/?code=orphan").content.decode()
    assert "咸安孤儿" in both and "嘉鱼孤儿" in both
    only = client.get(f"/admin/assistance/hardshipidentity/?county={village.path[:21]}").content.decode()
    assert "咸安孤儿" in only and "嘉鱼孤儿" not in only


def test_class_3_needs_an_approved_application(clerk_client, clerk, village, xianan):
    from assistance.services.applications import application_accept, application_decide
    from assistance.services.identities import identity_certify
    from core.roles import REVIEWER

    person = factories.person(village, name="边缘户")
    identity_certify(user=clerk, person=person, code="low_income_edge", valid_from=date(2023, 1, 1))
    page = clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "3类" in page and "须经申请批准" in page
    application = application_accept(user=clerk, person=person, kind="class_3_4", reason="申请")
    application_decide(user=factories.user("rev", REVIEWER, xianan), application=application, approve=True, reason="同意")
    assert "须经申请批准" not in clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
