"""The enrollment admin in plain Chinese (issue 9): scheme names without their source key;
identity codes, sources and the scheme's article map as users read them for those who only
look; the region path kept out of sight. A superuser still edits the stored keys, told their
format, and sees what the pages will show."""

import re
from datetime import date
from decimal import Decimal as D
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from assistance.services.identities import identity_certify
from enrollment import presets as enrollment_presets
from enrollment.admin import ARTICLE_LABELS
from enrollment.models import ContributionStandard, Enrollment, ResidentScheme, SubsidyRule
from enrollment.rules.terms import ARTICLE_KEYS
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db

SOURCE_KEY = re.compile(r"(X000|S001|W002|J003|N004)(?![0-9])|art\.|§")
rename = import_module("enrollment.migrations.0008_scheme_names_without_source_keys")


def visible(html: str) -> str:
    """The page's text without tags, attributes, scripts and styles (what a reader sees)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def superuser_client(client, presets):
    client.force_login(get_user_model().objects.create_superuser("root", password="pass-12345-word"))
    return client


def test_the_preset_schemes_are_named_without_their_source_key(presets):
    # load_policies creates the schemes from the presets: a page title and a select option each
    assert {values["name"] for values in enrollment_presets.SCHEMES.values()} == set(ResidentScheme.objects.values_list("name", flat=True))
    assert set(ResidentScheme.objects.values_list("name", flat=True)) == {"咸宁市城乡居民基本医疗保险", "吉林省城乡居民基本医疗保险"}


def test_the_migration_renames_only_schemes_still_holding_a_former_preset_name(presets):
    # Given one scheme loaded under its former preset name and one an officer has renamed
    ResidentScheme.objects.filter(code="xianning").update(name="咸宁市城乡居民基本医疗保险（X000）")
    ResidentScheme.objects.filter(code="jilin").update(name="吉林省居民医保（试点）")

    # When the data migration runs
    rename.forwards(apps, None)

    # Then the former preset name lost its key and the officer's name is untouched
    assert dict(ResidentScheme.objects.values_list("code", "name")) == {
        "xianning": "咸宁市城乡居民基本医疗保险", "jilin": "吉林省居民医保（试点）"}


def test_every_rule_of_the_article_map_has_a_chinese_name():
    assert set(ARTICLE_LABELS) == set(ARTICLE_KEYS)


def test_a_subsidy_rule_reads_by_its_identity_name():
    rule = SubsidyRule(identity_code="disabled_unable_to_work", from_year=2021, percent=D("100.00"), source="X000 art. 9")
    fixed = SubsidyRule(identity_code="stable_out_of_poverty", from_year=2022, to_year=2022, fixed_amount=D("128"), source="")

    assert str(rule) == "丧失劳动能力的残疾人 2021年度起 资助100%"
    assert str(fixed) == "未纳入监测的稳定脱贫人口 2022-2022年度 定额资助128.00元"


def test_the_officer_reads_subsidy_rules_by_identity_name_and_document(client, officer):
    rule = SubsidyRule.objects.get(scheme__code="xianning", identity_code="disabled_unable_to_work")
    client.force_login(officer)

    for url in ("/admin/enrollment/subsidyrule/", f"/admin/enrollment/subsidyrule/{rule.pk}/change/"):
        text = visible(client.get(url).content.decode())
        assert "丧失劳动能力的残疾人" in text and "咸宁办法 第九条" in text, url
        assert "disabled_unable_to_work" not in text and not SOURCE_KEY.search(text), url
    # The list's filter names identities too, and filters by them
    response = client.get("/admin/enrollment/subsidyrule/?identity_code=orphan")
    assert "孤儿（含事实无人抚养儿童）" in visible(response.content.decode())
    assert {r.identity_code for r in response.context["cl"].result_list} == {"orphan"}


def test_the_officer_reads_the_scheme_articles_as_a_table_of_rules(client, officer):
    scheme = ResidentScheme.objects.get(code="xianning")
    client.force_login(officer)

    text = visible(client.get(f"/admin/enrollment/residentscheme/{scheme.pk}/change/").content.decode())

    assert re.search(r"中途参保等待期\s+咸宁办法 第十一条", text)
    assert re.search(r"学生免等待期\s+—", text)
    assert "咸宁办法 第七至十六条" in text and "各条规则对应的政策条款" not in text
    assert "mid_year" not in text and '{"' not in text and not SOURCE_KEY.search(text)


def test_the_officer_reads_contribution_standards_and_windows_by_document(client, officer):
    standard = ContributionStandard.objects.get(scheme__code="xianning", benefit_year=2021)
    client.force_login(officer)

    for url in ("/admin/enrollment/contributionstandard/", f"/admin/enrollment/contributionstandard/{standard.pk}/change/",
                "/admin/enrollment/collectionwindow/"):
        text = visible(client.get(url).content.decode())
        assert not SOURCE_KEY.search(text) and "figures" not in text, url
    assert "咸宁2022年通知 一 （2022年标准减30元）" in visible(client.get("/admin/enrollment/contributionstandard/").content.decode())


def test_a_superuser_edits_the_stored_keys_told_their_format(superuser_client):
    rule = SubsidyRule.objects.get(scheme__code="xianning", identity_code="disabled_unable_to_work")
    scheme = ResidentScheme.objects.get(code="xianning")

    page = superuser_client.get(f"/admin/enrollment/subsidyrule/{rule.pk}/change/").content.decode()

    # The identity is chosen by its name, the code stored; the source typed as its key, with
    # the format explained and the page's reading shown
    assert '<option value="disabled_unable_to_work" selected>丧失劳动能力的残疾人</option>' in page
    assert 'name="source"' in page and 'value="X000 art. 9"' in page
    assert "如 X000 art. 20 表示咸宁办法第二十条" in page and "咸宁办法 第九条" in visible(page)
    scheme_page = superuser_client.get(f"/admin/enrollment/residentscheme/{scheme.pk}/change/").content.decode()
    assert 'name="articles"' in scheme_page and "各条规则对应的政策条款" in scheme_page
    assert re.search(r"中途参保等待期\s+咸宁办法 第十一条", visible(scheme_page))


def test_a_superuser_saves_a_subsidy_rule_chosen_by_identity_name(superuser_client):
    scheme = ResidentScheme.objects.get(code="xianning")

    response = superuser_client.post("/admin/enrollment/subsidyrule/add/", {
        "scheme": scheme.pk, "identity_code": "illness_poverty", "from_year": 2030, "percent": "50", "source": "X000 art. 9",
    })

    assert response.status_code == 302
    assert SubsidyRule.objects.filter(scheme=scheme, identity_code="illness_poverty", from_year=2030).exists()


def test_the_enrollment_and_the_person_show_sources_and_identities_by_name_and_no_region_path(client, officer, clerk, village):
    person = factories.person(village, name="刘低保")
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2022, 9, 1))
    enrollment = enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", today=date(2022, 10, 1))
    assert enrollment.subsidy_identity == "subsistence_allowance" and enrollment.sources
    client.force_login(officer)

    text = visible(client.get(f"/admin/enrollment/enrollment/{enrollment.pk}/change/").content.decode())
    assert re.search(r"政策依据:\s+咸宁办法 第七条", text)
    assert re.search(r"资助身份:\s+城乡最低生活保障对象（低保）", text)
    assert re.search(r"核定时有效身份:\s+城乡最低生活保障对象（低保）", text)
    assert "subsistence_allowance" not in text and '["' not in text and not SOURCE_KEY.search(text)
    person_text = visible(client.get(f"/admin/enrollment/person/{person.pk}/change/").content.decode())
    for shown in (text, person_text):
        assert "Region path" not in shown and "区划路径" not in shown and person.region_path not in shown
    assert Enrollment.objects.get(pk=enrollment.pk).region_path == village.path
