"""Bad input in the admin's lists and exports is refused or ignored, never a 500: a NUL
character in a filter or search is a 400 page with a Chinese message, and filters the list
cannot apply (an unknown field, a value of the wrong type) redirect to the list without them
(?e=1), on the export page as on the changelist."""

import io
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from core.roles import CITY_OFFICER
from enrollment.models import EmployeeCoverage
from tests import factories

pytestmark = pytest.mark.django_db

NUL = "\x00"
WRONG_TYPE = "abc"
# Field types whose filter value "abc" cannot be converted (Django raises ValueError or
# ValidationError while building the query).
TYPED_FIELDS = (models.IntegerField, models.DecimalField, models.DateField, models.BooleanField, models.ForeignKey,
                models.AutoField, models.BigAutoField, models.FloatField)


def admin_urls(model_admin):
    """The changelist URL of a registered ModelAdmin and its export URL, if it has one."""
    meta = model_admin.model._meta
    urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
    try:
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_export"))
    except NoReverseMatch:
        pass
    return urls


def bad_queries(model_admin, request):
    """NUL in the named filters, the search and every list filter (by its field's name and its
    parameter), an unknown parameter, and a value of the wrong type for every typed field
    (list filters also by their parameters: `__exact`, `__id__exact`)."""
    queries = [{"status": NUL}, {"county": NUL}, {"kind": NUL}, {"category": NUL}, {"q": NUL}, {"foo": "1"},
               {"village": WRONG_TYPE}]
    filtered = set()
    for entry in model_admin.get_list_filter(request):
        name = entry[0] if isinstance(entry, (tuple, list)) else entry
        if isinstance(name, str):
            filtered.add(name)
            queries += [{name: NUL}, {f"{name}__exact": NUL}]
        else:
            queries.append({name.parameter_name: NUL})
    for field in model_admin.model._meta.concrete_fields:
        # Lookups Django builds but the database refuses when the list is counted.
        if isinstance(field, models.CharField):
            queries.append({f"{field.name}__regex": "("})
        if isinstance(field, models.DateField):
            queries.append({f"{field.name}__year": "99999999"})
        if isinstance(field, TYPED_FIELDS):
            queries.append({field.name: WRONG_TYPE})
            if field.name in filtered:
                queries.append({f"{field.name}__id__exact" if field.is_relation else f"{field.name}__exact": WRONG_TYPE})
    return queries


@pytest.fixture
def rows(village):
    person = factories.person(village, name="咸安人")
    EmployeeCoverage.objects.create(id_number=person.id_number, name="咸安人", employer="某厂", starts_on=date(2020, 1, 1),
                                    region=village)
    return person


@pytest.fixture
def superuser(presets):
    from core.models import User

    return User.objects.create_superuser(username="root", password="pass-12345-word")


@pytest.mark.parametrize("who", ["superuser", "officer"])
def test_no_admin_list_or_export_is_a_500_for_bad_query_parameters(who, request, rows):
    # Given a superuser or a 市局 officer (is_staff) and a row in their region
    user = request.getfixturevalue(who)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    fake_request = type("FakeRequest", (), {"user": user})()
    # When every registered ModelAdmin's changelist and export page is asked with bad parameters
    failures, walked = [], 0
    for model_admin in admin.site._registry.values():
        for url in admin_urls(model_admin):
            for query in bad_queries(model_admin, fake_request):
                response = client.get(url, query)
                walked += 1
                nul = any(NUL in v for v in query.values())
                if response.status_code >= 500 or (nul and response.status_code not in (400, 403)):
                    failures.append((url, query, response.status_code))
    # Then none is a server error, and a NUL is refused (400) or the page is forbidden (403)
    assert walked > 600
    assert failures == [], "\n".join(map(repr, failures))


def test_nul_in_a_filter_is_a_400_page_with_a_chinese_message(client, officer, rows):
    client.force_login(officer)
    for url, query in [
        ("/admin/enrollment/person/", {"status": NUL}),
        ("/admin/enrollment/person/", {"county": NUL}),
        ("/admin/enrollment/enrollment/", {"category": NUL}),
        ("/admin/core/securityevent/", {"kind": NUL}),
        ("/admin/enrollment/person/export/", {"q": NUL}),
    ]:
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert "查询条件含有非法字符" in response.content.decode(), url


def test_export_with_filters_it_cannot_apply_redirects_like_the_changelist(client, officer, rows):
    client.force_login(officer)
    for query in ({"foo": "1"}, {"village": WRONG_TYPE}):
        for path in ("/admin/enrollment/person/", "/admin/enrollment/enrollment/"):
            # The changelist drops the filters and says so with ?e=1 (Django's behaviour) ...
            listing = client.get(path, query)
            # ... and so does its export page, which applies the same filters
            export = client.get(f"{path}export/", query)
            assert (listing.status_code, listing["Location"]) == (302, f"{path}?e=1")
            assert (export.status_code, export["Location"]) == (302, f"{path}export/?e=1")
            assert client.get(export["Location"]).status_code == 200


EXPORT_COLUMNS = ["name", "id_number", "gender", "birth_date", "phone", "village", "status"]


def export_people(client, query):
    """The person export file as the admin's export form posts it, with the list's filters."""
    return client.post(f"/admin/enrollment/person/export/?{query}",
                       {"format": "0", "resource": "0", **{f"personexportresource_{c}": "on" for c in EXPORT_COLUMNS}})


def test_export_applies_a_valid_filter_and_drops_one_the_database_refuses(client, officer, rows, jiayu_villages):
    # Given a person of another status in the officer's city
    factories.person(jiayu_villages[0], name="嘉鱼人", status="deceased")
    client.force_login(officer)
    # When the officer exports the list filtered to 死亡, and with a regex PostgreSQL refuses
    filtered = export_people(client, "status__exact=deceased")
    refused = export_people(client, "name__regex=(")
    # Then the file holds the filtered rows only; the refused filter goes back to the export
    # page without it (?e=1), and the page works afterwards
    names = [r[0] for r in list(load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True))[1:]]
    assert (filtered.status_code, names) == (200, ["嘉鱼人"])
    assert (refused.status_code, refused["Location"]) == (302, "/admin/enrollment/person/export/?e=1")
    assert client.get("/admin/enrollment/person/?name__regex=(").status_code == 302
    assert client.get("/admin/enrollment/person/").status_code == 200


def test_employee_list_masks_id_numbers_without_the_right_to_see_them(client, officer, rows, xianan):
    # Given a staff user who may view the employee list but not full ID numbers, and an officer who may
    viewer_group = Group.objects.create(name="职工名单查看")
    viewer_group.permissions.add(Permission.objects.get(codename="view_employeecoverage"))
    viewer = factories.user("viewer", viewer_group.name, xianan, staff=True)
    number = rows.id_number
    masked = number[:6] + "********" + number[-4:]
    # When each opens the 职工医保参保记录 list
    client.force_login(viewer)
    viewer_page = client.get("/admin/enrollment/employeecoverage/").content.decode()
    client.force_login(officer)
    officer_page = client.get("/admin/enrollment/employeecoverage/").content.decode()
    # Then the viewer sees the number masked, the officer in full
    assert masked in viewer_page and number not in viewer_page
    assert number in officer_page


def test_autocomplete_with_a_nul_finds_nothing(client, officer, rows):
    # Given an officer and a person of their region
    client.force_login(officer)
    # When the raw-id/autocomplete lookup for people and households is asked with a NUL term
    for model_name, field_name in (("enrollment", "person"), ("household", "head")):
        response = client.get("/admin/autocomplete/", {"app_label": "enrollment", "model_name": model_name,
                                                        "field_name": field_name, "term": NUL})
        # Then it answers with no results (no row can hold a NUL), not a server error
        assert (response.status_code, response.json()["results"]) == (200, [])
    assert client.get("/admin/autocomplete/", {"app_label": "enrollment", "model_name": "enrollment",
                                               "field_name": "person", "term": "咸安"}).json()["results"] != []


def test_group_autocomplete_with_a_nul_finds_nothing(client, superuser):
    # Given a superuser, when the groups box of the user form is asked with a NUL term
    client.force_login(superuser)
    response = client.get("/admin/autocomplete/", {"app_label": "core", "model_name": "user", "field_name": "groups",
                                                    "term": NUL})
    # Then it answers with no groups, not a server error
    assert (response.status_code, response.json()["results"]) == (200, [])
