"""The admin has no side doors: its history pages use the same rows and permissions as its
change pages, it does not edit what services compute, and a table shared by a city or a
province is changed only by users bound at that level or above."""

from datetime import date

import pytest
from django.contrib import admin

from assistance.models import Application, AssistanceClassRule, HardshipIdentity
from benefits.models import PolicyParameter
from core.models import Region
from core.roles import CITY_OFFICER
from enrollment.models import ContributionStandard, Enrollment, Household, ResidentScheme, SubsidyRule
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db


def form_data(obj, **changes):
    """What the admin's form for the row posts, with some values changed."""
    return admin_form_data(obj, changes=changes)


def history_url(obj):
    meta = obj._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/history/"


def version_url(obj):
    return f"{history_url(obj)}{obj.history.earliest().history_id}/"


@pytest.fixture
def county_officer(client, xianan):
    """市局 user bound to 咸安区 (the issue's attacker)."""
    user = factories.user("xianan_officer", CITY_OFFICER, xianan, staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def foreign_person(jiayu_villages):
    return factories.person(jiayu_villages[0], name="嘉鱼人")


def test_history_pages_of_another_countys_person_are_403_and_save_nothing(client, county_officer, foreign_person, village):
    # Given a person of 嘉鱼县 and an officer bound to 咸安区
    # When the officer opens the person's history list and a version, and posts the version form
    listing = client.get(history_url(foreign_person))
    version = client.get(version_url(foreign_person))
    posted = client.post(version_url(foreign_person), form_data(foreign_person, name="改名", village=village.pk))
    # Then every door is refused, shows nothing of the person, and the person is unchanged
    assert (listing.status_code, version.status_code, posted.status_code) == (403, 403, 403)
    for response in (listing, version, posted):
        page = response.content.decode()
        assert "嘉鱼人" not in page and foreign_person.id_number not in page
    foreign_person.refresh_from_db()
    assert (foreign_person.name, foreign_person.village_id) == ("嘉鱼人", foreign_person.village_id)
    assert foreign_person.history.count() == 1


def test_history_form_does_not_rewrite_read_only_rows(client, county_officer, village):
    # Given an identity and an accepted application of the officer's own county
    person = factories.person(village, name="咸安人")
    identity = HardshipIdentity.objects.create(person=person, code="orphan", department="civil_affairs", valid_from=date(2024, 1, 1))
    clerk = factories.user("township", "经办员", village.parent)
    application = Application.objects.create(person=person, kind="class_3_4", reason="因病", accepted_by=clerk)
    # When the officer posts their history forms: the identity revoked, the application approved
    # by nobody (maker-checker) and accepted by the officer
    refused_identity = client.post(version_url(identity), form_data(identity, status="revoked", revoked_on="2024-06-01"))
    refused_application = client.post(
        version_url(application), form_data(application, status="approved", accepted_by=county_officer.pk, decided_by=""))
    # Then both are refused and nothing changed; reading the versions still works
    assert (refused_identity.status_code, refused_application.status_code) == (403, 403)
    identity.refresh_from_db()
    application.refresh_from_db()
    assert (identity.status, identity.revoked_on) == ("certified", None)
    assert (application.status, application.accepted_by, application.decided_by) == ("accepted", clerk, None)
    assert client.get(version_url(application)).status_code == 200


def test_a_city_parameter_is_out_of_a_county_officers_reach_even_by_history(client, county_officer, xianan):
    # Given a parameter of 咸宁市 (the presets)
    parameter = PolicyParameter.objects.filter(region__code="421200").first()
    before = (parameter.value, parameter.region_id, parameter.version)
    # When the 咸安 officer opens and posts its version, moving it to 咸安区
    page = client.get(version_url(parameter))
    posted = client.post(version_url(parameter), form_data(parameter, value="0.99", region=xianan.pk))
    # Then both are refused and the parameter is unchanged
    assert (page.status_code, posted.status_code) == (403, 403)
    parameter.refresh_from_db()
    assert (parameter.value, parameter.region_id, parameter.version) == before


def test_a_city_officer_still_reverts_a_parameter_of_the_city(client, presets):
    # Given a 咸宁 parameter changed once in the admin
    city = Region.objects.get(code="421200")
    officer = factories.user("city", CITY_OFFICER, city, staff=True)
    client.force_login(officer)
    parameter = PolicyParameter.objects.filter(region=city).first()
    original = parameter.value
    changed = client.post(f"/admin/benefits/policyparameter/{parameter.pk}/change/", form_data(parameter, value="12345"))
    assert changed.status_code == 302
    # When the officer reverts to the first version
    reverted = client.post(version_url(parameter), form_data(parameter, value=original))
    # Then the old value is back, as a new version
    assert reverted.status_code == 302
    parameter.refresh_from_db()
    assert (parameter.value, parameter.version) == (original, 3)


def test_admin_does_not_edit_what_enrollment_services_compute(client, county_officer, village, presets):
    # Given an unpaid enrollment of the officer's county
    person = factories.person(village, name="咸安人")
    enrollment = Enrollment.objects.create(
        person=person, benefit_year=2023, scheme=ResidentScheme.objects.get(code="xianning"), category="regular",
        channel="individual", village=village, region_path=village.path, registered_on="2022-10-01",
        standard="380", subsidy="0", amount_due="380", benefit_start="2023-01-01", benefit_end="2023-12-31",
    )
    url = f"/admin/enrollment/enrollment/{enrollment.pk}/change/"
    # When the officer posts status, payment date and category in the admin
    posted = client.post(url, form_data(enrollment, status="paid", payment_date="2022-11-01", category="college_student"))
    # Then the page is read-only and the enrollment unchanged
    assert posted.status_code == 403
    assert 'name="_save"' not in client.get(url).content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.payment_date, enrollment.category) == ("registered", None, "regular")


def test_admin_does_not_change_an_id_number_without_its_birth_date(client, county_officer, village, xianan_villages):
    # Given a person of the officer's county
    person = factories.person(village, name="咸安人")
    number, other_village = person.id_number, xianan_villages[1]
    # When the officer posts a new ID number, another village and a new name
    posted = client.post(f"/admin/enrollment/person/{person.pk}/change/",
                         form_data(person, id_number=factories.id_number(date(2001, 2, 3)), village=other_village.pk, name="新名"))
    # Then only the name changed: ID number and village are the services' (staff pages)
    assert posted.status_code == 302
    person.refresh_from_db()
    assert (person.id_number, person.village_id, person.name) == (number, village.pk, "新名")
    assert client.get("/admin/enrollment/person/add/").status_code == 403


@pytest.mark.parametrize("level_code, allowed", [("421202", False), ("421200", False), ("420000", True)])
def test_a_standard_shared_by_two_cities_is_changed_at_province_level(client, presets, level_code, allowed):
    # Given the X000 standard that 咸宁 and 十堰 share, and an officer bound to a county, a city or the province
    standard = ContributionStandard.objects.filter(scheme__code="xianning").first()
    officer = factories.user("o", CITY_OFFICER, Region.objects.get(code=level_code), staff=True)
    client.force_login(officer)
    url = f"/admin/enrollment/contributionstandard/{standard.pk}/change/"
    # When the officer opens and posts its change form
    page = client.get(url)
    posted = client.post(url, form_data(standard, individual="999.00"))
    # Then only the province officer changes it; the others read it
    assert page.status_code == 200
    assert ('name="_save"' in page.content.decode()) is allowed
    assert posted.status_code == (302 if allowed else 403)
    standard.refresh_from_db()
    assert (str(standard.individual) == "999.00") is allowed


def test_shared_tables_are_read_only_for_a_county_officer(client, county_officer):
    # Given the city's and the installation's tables
    rows = [ResidentScheme.objects.get(code="xianning"), SubsidyRule.objects.filter(scheme__code="xianning").first(),
            AssistanceClassRule.objects.first()]
    for row in rows:
        meta = row._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/{row.pk}/change/"
        before = form_data(row)
        # When the county officer posts a change of the source
        posted = client.post(url, form_data(row, source="县级改动"))
        # Then it is refused and the row unchanged
        assert posted.status_code == 403, url
        row.refresh_from_db()
        assert form_data(row) == before
    # and a new standard cannot be given to a scheme the county shares
    add = client.get("/admin/enrollment/contributionstandard/add/").content.decode()
    assert "咸宁" not in add.split('name="scheme"')[1].split("</select>")[0]


def test_lookups_and_filters_show_no_other_county(client, county_officer, foreign_person, village, xianan):
    # Given a household of 嘉鱼县 and a parameter of the officer's county
    household = Household.objects.create(number="JY001", village=foreign_person.village, head=foreign_person, address="嘉鱼路")
    PolicyParameter.objects.create(region=xianan, scheme="resident_basic", name="县级参数", value="1", unit="元",
                                   valid_from="2024-01-01", source="test")
    # When the officer opens lookups with the other county's rows and the filtered lists
    pages = [
        client.get(f"/admin/enrollment/household/add/?head={foreign_person.pk}"),
        client.get(f"/admin/enrollment/person/add/?household={household.pk}"),
        client.get(f"/admin/enrollment/household/?head={foreign_person.pk}"),
        client.get(f"/admin/enrollment/person/?household={household.pk}&_popup=1&_to_field=id"),
        client.get("/admin/benefits/policyparameter/"),
        client.get("/admin/enrollment/person/"),
    ]
    # Then none names the other county, its villages or its people
    for response in pages:
        assert response.status_code in (200, 302, 403)
        page = response.content.decode()
        for leak in ("嘉鱼", "十堰", foreign_person.masked_id_number):
            assert leak not in page, (response.request["PATH_INFO"], leak)
    assert "咸安区" in pages[4].content.decode()  # the filter lists the officer's own region


def test_a_raw_id_box_names_only_rows_the_user_may_see(rf, county_officer, foreign_person, village):
    # Given the household admin's 户主 raw-id box, as the 咸安 officer sees it
    own = factories.person(village, name="咸安人")
    request = rf.get("/admin/enrollment/household/add/")
    request.user = county_officer
    household_admin = admin.site._registry[Household]
    field = household_admin.formfield_for_foreignkey(Household._meta.get_field("head"), request)
    # When it shows a person of another county, and one of the officer's county
    foreign_box = field.widget.render("head", foreign_person.pk)
    own_box = field.widget.render("head", own.pk)
    # Then only the officer's own person is named
    assert "嘉鱼人" not in foreign_box and foreign_person.masked_id_number not in foreign_box
    assert "咸安人" in own_box


def test_admin_search_finds_a_person_by_a_fullwidth_id_number(client, officer, village):
    # Given a registered person, and an officer typing the number with a Chinese input method
    person = factories.person(village, name="全角查询")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in person.id_number[:-1]) + " " + person.id_number[-1].lower()
    client.force_login(officer)
    # When the admin's person list is searched with it
    page = client.get("/admin/enrollment/person/", {"q": fullwidth}).content.decode()
    # Then the person is found, as the staff pages' search finds them
    assert "全角查询" in page
