"""待遇政策参数 in the admin read in plain Chinese: the parameter's label, its value with the unit,
the source as document and article; who only reads a row (a county's officer, the city's
parameters) sees no stored key."""

import re

import pytest
from django.contrib.auth.models import Permission

from benefits.models import PolicyParameter
from core.models import Region
from core.roles import CITY_OFFICER
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def annual_cap(presets):
    return PolicyParameter.objects.filter(region__code="421200", name="annual_cap", unit="yuan").first()


def test_the_list_shows_labels_values_with_units_and_sources(client, officer, annual_cap):
    client.force_login(officer)
    text = visible_text(client.get("/admin/benefits/policyparameter/?q=annual_cap").content.decode())
    assert "年度最高支付限额" in text and "元" in text
    assert "annual_cap" not in text and "X000 art" not in text
    assert "咸宁办法" in text


def test_a_reader_of_the_parameter_sees_no_stored_key(client, annual_cap):
    # Given a city user who may read parameters but not change them
    reader = factories.user("reader", CITY_OFFICER, annual_cap.region, staff=True)
    reader.groups.clear()
    reader.user_permissions.add(Permission.objects.get(content_type__app_label="benefits", codename="view_policyparameter"))
    client.force_login(reader)
    response = client.get(f"/admin/benefits/policyparameter/{annual_cap.pk}/change/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "年度最高支付限额" in text and "咸宁办法" in text and "200,000.00 元" in text
    for key in ("annual_cap", "yuan", "X000", "True", "False"):
        assert key not in text, key


def test_the_city_officer_still_changes_a_value_choosing_the_unit_by_its_name(client, officer, annual_cap):
    client.force_login(officer)
    page = client.get(f"/admin/benefits/policyparameter/{annual_cap.pk}/change/").content.decode()
    assert '<option value="yuan" selected>元</option>' in page
    response = client.post(f"/admin/benefits/policyparameter/{annual_cap.pk}/change/",
                           admin_form_data(annual_cap, changes={"value": "210000"}))
    assert response.status_code == 302
    annual_cap.refresh_from_db()
    assert (annual_cap.value, annual_cap.version) == ("210000", 2)
    assert Region.objects.get(code="421200") == annual_cap.region


def test_a_new_parameter_is_chosen_by_its_chinese_name_and_starts_unconfirmed(client, officer):
    client.force_login(officer)
    page = client.get("/admin/benefits/policyparameter/add/").content.decode()
    assert '<option value="annual_cap">年度最高支付限额</option>' in page
    assert '<option value="inpatient_rate.2">住院统筹支付比例（二级医疗机构）</option>' in page
    assert re.search(r'<input type="checkbox" name="confirmed"[^>]*>', page) and "checked" not in re.search(
        r'<input type="checkbox" name="confirmed"[^>]*>', page).group(0)
    # villages and townships are no pooling regions
    assert "龙畈村" not in page.split('name="region"', 1)[1].split("</select>", 1)[0]


def test_a_code_list_is_ticked_by_name_and_stored_as_its_codes(client, officer, presets):
    backstop = PolicyParameter.objects.get(region__code="421200", name="backstop_codes")
    client.force_login(officer)
    page = client.get(f"/admin/benefits/policyparameter/{backstop.pk}/change/").content.decode()
    assert 'type="checkbox" name="value" value="returned_to_poverty"' in page and "返贫致贫人口" in page
    assert 'name="name"' not in page  # the parameter itself is not changed into another one
    data = admin_form_data(backstop)
    data["value"] = ["returned_to_poverty", "orphan"]  # two boxes ticked
    response = client.post(f"/admin/benefits/policyparameter/{backstop.pk}/change/", data)
    assert response.status_code == 302
    backstop.refresh_from_db()
    assert backstop.value == "returned_to_poverty,orphan" and backstop.name == "backstop_codes"


# --- RULES.md 5a: parameters per pooling region only ---------------------------------------------


@pytest.fixture
def county_row(presets):
    """A row for 嘉鱼县 as an installation may hold from before: settlement never reads it."""
    return PolicyParameter.objects.create(region=Region.objects.get(code="421221"), scheme="resident_basic",
                                          name="inpatient_rate.1", value="0.99", unit="rate",
                                          valid_from=annual_cap_start(), source="X000 art. 20(一)2")


def annual_cap_start():
    from benefits.services.policy import PRESET_START

    return PRESET_START


def region_options(page: str) -> str:
    return page.split('name="region"', 1)[1].split("</select>", 1)[0]


def test_a_new_parameter_is_offered_the_pooling_regions_only(client, officer):
    client.force_login(officer)
    options = region_options(client.get("/admin/benefits/policyparameter/add/").content.decode())
    assert "咸宁市" in options
    assert "嘉鱼县" not in options and "咸安区" not in options


def test_a_county_row_posted_for_a_new_parameter_is_refused(client, officer):
    client.force_login(officer)
    response = client.post("/admin/benefits/policyparameter/add/", {
        "region": Region.objects.get(code="421221").pk, "scheme": "resident_basic", "name": "annual_cap", "value": "1",
        "unit": "yuan", "valid_from": "2021-01-01", "source": "X000 art. 22"})
    assert response.status_code == 200 and not PolicyParameter.objects.filter(region__code="421221").exists()


def test_a_county_row_is_shown_as_not_used_and_read_only(client, officer, county_row):
    client.force_login(officer)
    listing = visible_text(client.get("/admin/benefits/policyparameter/?q=inpatient_rate.1").content.decode())
    assert "否（县级参数，不使用）" in listing
    page = client.get(f"/admin/benefits/policyparameter/{county_row.pk}/change/").content.decode()
    assert "结算不使用" in visible_text(page)
    assert 'name="value"' not in page  # read-only: the value cannot be changed
    response = client.post(f"/admin/benefits/policyparameter/{county_row.pk}/change/", admin_form_data(county_row, changes={"value": "0.5"}))
    county_row.refresh_from_db()
    assert county_row.value == "0.99"


def test_a_superuser_deletes_a_county_row(client, county_row):
    from core.models import User

    client.force_login(User.objects.create_superuser("root", password="pass-12345-word"))
    response = client.post(f"/admin/benefits/policyparameter/{county_row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not PolicyParameter.objects.filter(pk=county_row.pk).exists()


def test_a_borrowed_source_reads_as_plain_chinese_on_the_admin_and_the_parameters_page(client, presets):
    from core.models import User

    client.force_login(User.objects.create_superuser("root", password="pass-12345-word"))
    shiyan_cap = PolicyParameter.objects.get(region__code="420300", name="annual_cap")
    for url in (f"/admin/benefits/policyparameter/{shiyan_cap.pk}/change/", "/benefits/parameters/"):
        text = "".join(visible_text(client.get(url).content.decode()).split())
        assert "咸宁办法第二十二条（十堰未规定，沿用咸宁办法）" in text, url
        assert "X000" not in text, url
