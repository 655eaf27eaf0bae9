"""The clerk's pages, through the test client: dashboard figures, search, household
registration, enrollment of one person and of a household, payment, renewal, admin import."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assistance.services.identities import identity_certify
from core.xlsx import write_xlsx
from enrollment.models import Enrollment, Household, Person
from enrollment.services import enrollments as svc
from tests import factories

pytestmark = pytest.mark.django_db


def members_post(rows, extra=None):
    data = {"members-TOTAL_FORMS": str(len(rows)), "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "1000"}
    for i, (name, number, relation) in enumerate(rows):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": number, f"members-{i}-relation_to_head": relation, f"members-{i}-phone": ""})
    data.update(extra or {})
    return data


def test_register_household_page_creates_household(clerk_client, village):
    head, wife = factories.id_number(date(1975, 3, 3)), factories.id_number(date(1977, 4, 4), male=False)
    response = clerk_client.post("/enrollment/households/new/", members_post(
        [("刘一", head, "head"), ("陈二", wife, "spouse")], {"village": village.pk, "address": "二组", "number": ""}))
    household = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/enrollment/households/{household.pk}/"
    page = clerk_client.get(response["Location"]).content.decode()
    assert "刘一" in page and "陈二" in page and "未参保" in page


def test_register_household_with_bad_id_shows_chinese_error_and_writes_nothing(clerk_client, village):
    good = factories.id_number()
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    response = clerk_client.post("/enrollment/households/new/", members_post(
        [("刘一", bad, "head")], {"village": village.pk, "address": "", "number": ""}))
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Household.objects.exists()


def test_enroll_household_page_shows_benefit_period(clerk_client, clerk, village, current_standards):
    from enrollment.services.people import MemberInput, household_register

    household = household_register(user=clerk, village=village, address="", members=[
        MemberInput("刘一", factories.id_number(date(1975, 3, 3)), "head"), MemberInput("刘二", factories.id_number(date(2010, 3, 3)), "child")])
    head, child = household.members.order_by("pk")
    today = timezone.localdate()
    identity_certify(user=clerk, person=child, code="orphan", valid_from=today - timedelta(days=30))
    assert "孤儿" in clerk_client.get(f"/enrollment/households/{household.pk}/enroll/").content.decode()
    data = {"channel": "village_batch", "benefit_year": "",
            "m-TOTAL_FORMS": "2", "m-INITIAL_FORMS": "2", "m-MIN_NUM_FORMS": "0", "m-MAX_NUM_FORMS": "1000",
            "m-0-person_id": head.pk, "m-0-include": "on", "m-0-category": "regular",
            "m-1-person_id": child.pk, "m-1-include": "on", "m-1-category": "school_pupil"}
    response = clerk_client.post(f"/enrollment/households/{household.pk}/enroll/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    enrollments = {e.person_id: e for e in Enrollment.objects.all()}
    assert enrollments[child.pk].amount_due == 0 and enrollments[child.pk].subsidy_identity == "orphan"
    page = clerk_client.get(f"/enrollment/households/{household.pk}/").content.decode()
    e = enrollments[head.pk]
    assert f"{e.benefit_start:%Y-%m-%d} 至 {e.benefit_end:%Y-%m-%d}" in page


def test_enroll_person_form_reports_the_conflict_in_chinese(clerk_client, clerk, village, current_standards):
    person = factories.person(village)
    svc.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch")
    response = clerk_client.post(f"/enrollment/people/{person.pk}/enroll/", {"category": "regular", "channel": "individual"})
    assert response.status_code == 200
    assert "同一年度不能重复参保" in response.content.decode()
    assert Enrollment.objects.count() == 1


def test_pay_page_records_payment(clerk_client, clerk, village, current_standards):
    person = factories.person(village)
    enrollment = svc.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch")
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/", {
        "payment_date": timezone.localdate().isoformat(), "receipt_number": "XJ0002", "amount_received": str(enrollment.amount_due),
        "method": "cash"})
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=enrollment.pk).payment_date == timezone.localdate()


def test_search_by_full_id_goes_to_the_person(clerk_client, village):
    person = factories.person(village, name="钱七")
    response = clerk_client.get(f"/enrollment/people/?q={person.id_number}")
    assert response.status_code == 302 and response["Location"] == f"/enrollment/people/{person.pk}/"
    by_name = clerk_client.get("/enrollment/people/?q=钱").content.decode()
    assert "钱七" in by_name


def test_people_list_pages_by_key(clerk_client, village):
    people = [factories.person(village, name=f"人{i:03d}") for i in range(120)]
    first = clerk_client.get("/enrollment/people/")
    page = first.context["page"]
    assert len(page.items) == 50 and page.count_display == "120"
    second = clerk_client.get(f"/enrollment/people/?after={page.next_after}").context["page"]
    assert second.items[0].pk == people[50].pk
    back = clerk_client.get(f"/enrollment/people/?before={second.items[0].pk}").context["page"]
    assert [p.pk for p in back.items] == [p.pk for p in people[:50]]


def test_dashboard_shows_the_years_figures(clerk_client, clerk, village, current_standards):
    today = timezone.localdate()
    last_year_person, renewed = factories.person(village), factories.person(village)
    for person in (last_year_person, renewed):
        svc.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                                payment_date=date(today.year - 1, 3, 1), today=date(today.year - 1, 3, 1))
    identity_certify(user=clerk, person=renewed, code="orphan", valid_from=date(today.year, 1, 1))
    svc.enrollment_register(user=clerk, person=renewed, category="regular", channel="village_batch",
                            payment_date=date(today.year, 3, 1), today=date(today.year, 3, 1))
    page = clerk_client.get("/").content.decode()
    year = today.year
    assert f'data-figure="enrolled-{year}">1<' in page
    assert f'data-figure="subsidised-{year}">1<' in page
    assert f'data-figure="not-renewed-{year}">1<' in page


def test_renewal_page_previews_then_registers(clerk_client, clerk, village, current_standards):
    today = timezone.localdate()
    person = factories.person(village)
    svc.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=today - timedelta(days=400), today=today - timedelta(days=400))
    last_year = Enrollment.objects.get().benefit_year
    preview = clerk_client.get(f"/enrollment/renew/?village={village.pk}&to_year={last_year + 1}")
    assert 'id="candidate-count">1<' in preview.content.decode()
    assert not Enrollment.objects.filter(benefit_year=last_year + 1).exists()


def test_officer_imports_through_admin(client, officer, village, current_standards):
    client.force_login(officer)
    data = write_xlsx(["姓名", "身份证号", "村/社区"], [["孙八", factories.id_number(), village.code]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post("/admin/enrollment/enrollment/import/", {
        "format": "0", "resource": "0", "import_file": SimpleUploadedFile("list.xlsx", data)})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "孙八" in body and "新增" in body
    assert not Person.objects.exists()  # dry run
    confirm = preview.context["confirm_form"]
    done = client.post("/admin/enrollment/enrollment/process_import/", {**confirm.initial, "resource": "0"})
    assert done.status_code == 302
    assert Person.objects.get().name == "孙八"
    assert Enrollment.objects.count() == 1


def test_admin_refuses_a_file_that_is_not_xlsx(client, officer):
    client.force_login(officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/admin/enrollment/enrollment/import/", {
        "format": "0", "resource": "0", "import_file": SimpleUploadedFile("list.xlsx", b"name,id\n")})
    assert response.status_code == 200
    assert "不是有效的 .xlsx 文件" in response.content.decode()
