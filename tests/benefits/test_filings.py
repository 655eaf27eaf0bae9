"""Remote-care filings (异地就医备案, X000 arts. 19-20): the service that records, ends and revokes
them (benefits.services.filings) and the pages around it — the person page's list, the filing
form, the revoke confirmation, the region's list and its export. Bad input gets a Chinese
error and writes nothing; another county's person or filing is a 404, never a leak."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from benefits.models import Facility, RemoteCareFiling, Settlement
from benefits.rules.location import Filing
from benefits.services.filings import FilingInput, filing_create, filing_end, filing_revoke, filings_create, filings_valid_on
from core.errors import ServiceError
from core.models import SecurityEvent
from core.roles import REVIEWER
from tests import factories

pytestmark = pytest.mark.django_db

GZ = {"destination_province": "广东省", "destination_city": "广州市"}


@pytest.fixture
def person(village):
    return factories.person(village, name="李外出")


@pytest.fixture
def foreign(jiayu_villages):
    return factories.person(jiayu_villages[0], name="嘉鱼人")


@pytest.fixture
def reviewer(xianan):
    return factories.user("reviewer_xianan", REVIEWER, xianan)


def file(user, person, kind="temporary", valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30), **extra):
    """A filing for 广东省广州市 unless `extra` names another destination."""
    return filing_create(user=user, person=person, kind=kind, valid_from=valid_from, valid_to=valid_to, **{**GZ, **extra})


def refused(call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call(**kwargs)
    return raised.value


def settled_on(filing, person, day, bill="GZ0001"):
    facility = Facility.objects.create(code=f"F-{bill}", name="广州某医院", level=3, tier="secondary_plus", region=person.village,
                                       agreement_from=date(2020, 1, 1), designated=False, place_province="广东省", place_city="广州市")
    return Settlement.objects.create(parameter_set=factories.parameter_set(), person=person, facility=facility, bill_number=bill, kind="inpatient", visit_date=day, year=day.year,
                                     location="remote_filed", filing=filing, region_path=person.region_path)


# ---------------------------------------------------------------------------- recording


def test_a_clerk_files_and_the_filing_carries_who_when_and_its_history(clerk, person):
    filing = file(clerk, person, hospital="中山大学附属第一医院", note="随子女务工")
    stored = RemoteCareFiling.objects.get()
    assert (stored.kind, stored.destination_province, stored.destination_city) == ("temporary", "广东省", "广州市")
    assert (stored.valid_from, stored.valid_to, stored.hospital, stored.status) == (date(2026, 1, 1), date(2026, 6, 30), "中山大学附属第一医院", "valid")
    assert stored.created_by == clerk and stored.region_path == person.region_path
    record = filing.history.get()
    assert (record.history_user, record.history_change_reason) == (clerk, "办理异地就医备案")


@pytest.mark.parametrize("typed, stored", [("湖南", "湖南省"), ("广西", "广西壮族自治区"), ("内蒙古", "内蒙古自治区"), ("北京", "北京市"),
                                           (" 广东 省", "广东省")])
def test_a_province_typed_short_is_stored_by_its_full_name(clerk, person, typed, stored):
    filing = file(clerk, person, destination_province=typed, destination_city="")
    assert filing.destination_province == stored


@pytest.mark.parametrize("province, city, field, message", [
    ("广东国", "", "destination_province", "「广东国」不是省级行政区名称"),
    ("", "广州市", "destination_province", "请填写就医省份"),
    ("广东省", "湖南省", "destination_city", "是另一个省级行政区"),
    ("广东省", "广东省", "destination_city", "全省有效请将就医城市留空"),
    ("广东省", "广" * 51, "destination_city", "就医城市过长"),
])
def test_a_destination_that_is_no_place_is_refused_on_its_field(clerk, person, province, city, field, message):
    error = refused(file, user=clerk, person=person, destination_province=province, destination_city=city)
    assert error.field == field and message in error.message
    assert not RemoteCareFiling.objects.exists()


@pytest.mark.parametrize("city", ["咸宁市", "咸宁", "咸安区", "咸安", "嘉鱼县", "嘉鱼", "赤壁市", "通山县", "湖北省咸宁市", "湖北咸宁"])
def test_a_destination_inside_the_persons_own_city_is_refused(clerk, person, city):
    # Any city or county of the pooling region (core.models.Region under 咸宁市), with or
    # without its 市/县/区: a county typed as the city is inside 咸宁, not somewhere else.
    # X000 arts. 19-20: a filing is for care outside the city (市外异地就医).
    error = refused(file, user=clerk, person=person, destination_province="湖北", destination_city=city)
    assert error.code == "inside_home" and "在参保人所在统筹区（湖北省咸宁市）内" in error.message
    assert not RemoteCareFiling.objects.exists()


def test_where_the_province_is_the_pooling_region_every_city_of_it_is_home(presets):
    # 吉林's resident insurance pools at the province (RULES.md 3.7): care in 长春 is care at home.
    from core.models import Region, RegionLevel

    jilin = Region.objects.get(code="220000")
    county = factories.region("220102", "南关区", RegionLevel.COUNTY, jilin)
    village = factories.township_and_villages(county)[1][0]
    clerk = factories.user("clerk_jilin", "经办员", county)
    person = factories.person(village, name="吉林人")
    error = refused(file, user=clerk, person=person, destination_province="吉林", destination_city="长春市")
    assert "在参保人所在统筹区（吉林省）内" in error.message
    assert file(clerk, person, destination_province="辽宁省", destination_city="沈阳市").destination_province == "辽宁省"


@pytest.mark.parametrize("province, typed, stored", [
    ("湖北", "武汉", "武汉市"), ("湖北省", "武汉市", "武汉市"), ("湖北", "湖北省武汉", "武汉市"), ("湖北", "十堰", "十堰市"),
    ("湖北", "恩施土家族苗族自治州", "恩施土家族苗族自治州"), ("湖北", "神农架林区", "神农架林区"), ("新疆", "阿克苏地区", "阿克苏地区"),
    ("内蒙古", "锡林郭勒盟", "锡林郭勒盟"), ("北京", "北京", ""), ("上海", "上海市", ""), ("重庆市", "", ""),
    # A city ending in 州 is still a city; an autonomous prefecture's short name stays as typed.
    ("广东", "广州", "广州市"), ("湖北", "荆州", "荆州市"), ("湖北", "恩施州", "恩施州"),
])
def test_a_city_is_stored_in_one_form(clerk, person, province, typed, stored):
    # A bare name gets 市; a municipality is its own city (blank, shown as 北京市).
    filing = file(clerk, person, destination_province=province, destination_city=typed)
    assert filing.destination_city == stored


@pytest.mark.parametrize("province, city, message", [
    ("湖南省", "长沙县", "「长沙县」是县（区），就医城市请填写其所在的市、自治州、地区或盟"),
    ("广东省", "天河区", "「天河区」是县（区）"),
    ("上海市", "浦东新区", "上海市是直辖市，就医城市请留空"),
    ("北京市", "北京市朝阳区", "北京市是直辖市，就医城市请留空"),
    ("浙江省", "Hangzhou", "应为中文地名"),
])
def test_a_city_that_cannot_be_a_city_is_refused(clerk, person, province, city, message):
    error = refused(file, user=clerk, person=person, destination_province=province, destination_city=city)
    assert error.field == "destination_city" and message in error.message
    assert not RemoteCareFiling.objects.exists()


def test_a_municipality_reads_as_itself_never_twice_nor_as_a_whole_province(clerk, person):
    from benefits.places import place_text

    assert place_text("北京市", "") == "北京市" and place_text("上海市", "上海市") == "上海市"
    assert place_text("广东省", "") == "广东省（全省）" and place_text("广东省", "广州市") == "广东省广州市"
    file(clerk, person, kind="referral", destination_province="上海", destination_city="上海市")
    error = refused(file, user=clerk, person=person, kind="referral", destination_province="上海市", destination_city="")
    assert "转诊备案 上海市 2026-01-01" in error.message and "上海市上海市" not in error.message


def test_pages_show_a_municipality_as_itself(clerk, clerk_client, person):
    file(clerk, person, kind="referral", destination_province="北京", destination_city="")
    for url in (f"/enrollment/people/{person.pk}/", "/benefits/filings/"):
        page = clerk_client.get(url).content.decode()
        assert "北京市" in page and "北京市（全省）" not in page, url


def test_place_in_pooling_region_reads_the_region_tree(presets):
    # The one test of "inside the pooling region" the filing and the settlement services share.
    from benefits.places import place_in_pooling_region
    from benefits.services.filings import pooling_area
    from core.models import Region

    xianning, jilin = pooling_area(Region.objects.get(code="421200")), pooling_area(Region.objects.get(code="220000"))
    assert xianning.text == "湖北省咸宁市" and jilin.text == "吉林省"
    for city in ("咸宁市", "咸宁", "嘉鱼县", "嘉鱼", "咸安区", "赤壁"):
        assert place_in_pooling_region("湖北", city, xianning), city
    for province, city in (("湖北省", "武汉市"), ("湖北省", "十堰"), ("湖北省", "张湾区"), ("湖北省", ""), ("湖南省", "嘉鱼县"), ("", "咸宁市")):
        assert not place_in_pooling_region(province, city, xianning), (province, city)
    assert place_in_pooling_region("吉林", "长春市", jilin) and place_in_pooling_region("吉林省", "", jilin)
    assert not place_in_pooling_region("湖北省", "咸宁市", None)


def test_another_city_of_the_home_province_or_the_whole_province_may_be_filed(clerk, person):
    assert file(clerk, person, destination_province="湖北省", destination_city="武汉市").destination_city == "武汉市"
    assert file(clerk, person, kind="referral", destination_province="湖北省", destination_city="").destination_city == ""


@pytest.mark.parametrize("valid_from, valid_to, field, message", [
    (date(2026, 7, 1), date(2026, 6, 30), "valid_to", "备案结束日期（2026-06-30）早于备案开始日期（2026-07-01）"),
    (date(1899, 12, 31), None, "valid_from", "不在合理范围内"),
    (date(2026, 1, 1), date(2100, 1, 1), "valid_to", "不在合理范围内"),
])
def test_a_period_that_cannot_be_is_refused(clerk, person, valid_from, valid_to, field, message):
    error = refused(file, user=clerk, person=person, valid_from=valid_from, valid_to=valid_to)
    assert error.field == field and message in error.message
    assert not RemoteCareFiling.objects.exists()


def test_an_unknown_kind_is_refused(clerk, person):
    error = refused(file, user=clerk, person=person, kind="forever")
    assert error.field == "kind" and "转诊备案、临时外出就医备案、异地长期居住备案" in error.message


def test_another_countys_person_is_refused_without_saying_more(clerk, foreign):
    error = refused(file, user=clerk, person=foreign)
    assert error.code == "region_denied" and "嘉鱼" not in error.message
    assert not RemoteCareFiling.objects.exists()


def test_a_reviewer_may_look_but_not_file(reviewer, person):
    assert reviewer.has_perm("benefits.view_remotecarefiling")
    assert refused(file, user=reviewer, person=person).code == "denied"


# ---------------------------------------------------------------------------- overlapping filings


def test_a_second_valid_filing_of_the_same_kind_for_the_same_place_and_days_is_refused(clerk, person):
    file(clerk, person)
    error = refused(file, user=clerk, person=person, valid_from=date(2026, 6, 1), valid_to=date(2026, 12, 31))
    assert error.code == "overlap"
    assert "已有覆盖该地的有效临时外出就医备案：临时外出就医备案 广东省广州市 2026-01-01至2026-06-30" in error.message
    assert RemoteCareFiling.objects.count() == 1


def test_a_whole_province_filing_covers_its_cities_for_the_overlap(clerk, person):
    file(clerk, person, destination_province="广东省", destination_city="")
    assert refused(file, user=clerk, person=person).code == "overlap"


def test_the_next_period_another_city_or_another_kind_may_be_filed(clerk, person):
    file(clerk, person)
    file(clerk, person, valid_from=date(2026, 7, 1), valid_to=None)  # the day after the first ends
    file(clerk, person, destination_province="广东省", destination_city="深圳市")
    file(clerk, person, kind="referral")
    assert RemoteCareFiling.objects.count() == 4


def test_one_long_term_residence_at_a_time_wherever_it_is(clerk, person):
    file(clerk, person, kind="long_term", valid_to=None)
    error = refused(file, user=clerk, person=person, kind="long_term", destination_province="上海市", destination_city="",
                    valid_from=date(2027, 1, 1), valid_to=None)
    assert "同一期间只能有一个异地长期居住备案" in error.message and "请先结束原备案" in error.message


def test_a_batch_is_written_whole_or_not_at_all(clerk, person, village):
    other = factories.person(village, name="王二")
    good = FilingInput(person=other, kind="temporary", destination_province="广东", destination_city="广州", valid_from=date(2026, 1, 1))
    first = FilingInput(person=person, kind="referral", destination_province="上海市", valid_from=date(2026, 1, 1))
    overlapping = FilingInput(person=person, kind="referral", destination_province="上海", valid_from=date(2026, 3, 1))
    # When the batch's third item overlaps its second, nothing of the batch is written
    error = refused(filings_create, user=clerk, items=[good, first, overlapping])
    assert error.code == "overlap" and not RemoteCareFiling.objects.exists()
    # and a batch that holds is written with its history
    created = filings_create(user=clerk, items=[good, first])
    assert [(f.person, f.kind, f.destination_province) for f in created] == [(other, "temporary", "广东省"), (person, "referral", "上海市")]
    assert all(f.history.get().history_user == clerk for f in created)


def test_a_revoked_filing_does_not_stand_in_the_way(clerk, person):
    filing_revoke(user=clerk, filing=file(clerk, person), reason="录入错误")
    assert file(clerk, person).status == "valid"


# ---------------------------------------------------------------------------- ending and revoking


def test_ending_a_filing_early_or_extending_it_is_kept_in_its_history(clerk, person):
    filing = file(clerk, person)
    filing_end(user=clerk, filing=filing, valid_to=date(2026, 3, 31), reason="已返乡")
    filing_end(user=clerk, filing=filing, valid_to=None, reason="长期在外")
    filing.refresh_from_db()
    assert filing.valid_to is None
    reasons = list(filing.history.order_by("history_id").values_list("valid_to", "history_change_reason"))
    assert reasons == [(date(2026, 6, 30), "办理异地就医备案"), (date(2026, 3, 31), "已返乡"), (None, "长期在外")]


def test_an_end_before_the_start_or_before_a_settled_admission_is_refused(clerk, person):
    filing = file(clerk, person)
    assert refused(filing_end, user=clerk, filing=filing, valid_to=date(2025, 12, 31)).field == "valid_to"
    settled_on(filing, person, date(2026, 5, 10))
    error = refused(filing_end, user=clerk, filing=filing, valid_to=date(2026, 4, 30))
    assert "已用于 GZ0001（2026-05-10） 的结算" in error.message and "请先冲正" in error.message
    filing_end(user=clerk, filing=filing, valid_to=date(2026, 5, 10))  # the admission day itself still holds
    filing.refresh_from_db()
    assert filing.valid_to == date(2026, 5, 10)


def test_extending_into_another_filing_of_the_same_kind_and_place_is_refused(clerk, person):
    first = file(clerk, person, valid_to=date(2026, 3, 31))
    file(clerk, person, valid_from=date(2026, 5, 1), valid_to=None)
    assert refused(filing_end, user=clerk, filing=first, valid_to=date(2026, 5, 1)).code == "overlap"


def test_revoking_needs_a_reason_and_is_kept_with_it(clerk, person):
    filing = file(clerk, person)
    assert refused(filing_revoke, user=clerk, filing=filing, reason="  ").field == "reason"
    filing_revoke(user=clerk, filing=filing, reason="录入错误")
    filing.refresh_from_db()
    assert (filing.status, filing.revoked_reason) == ("revoked", "录入错误")
    assert filing.history.latest("history_id").history_change_reason == "撤销备案：录入错误"
    histories = filing.history.count()
    # A second revocation is refused, saying when it was revoked and why, and records nothing
    error = refused(filing_revoke, user=clerk, filing=filing, reason="再次")
    assert error.code == "already_revoked" and error.message == "该备案已撤销（撤销原因：录入错误），不能重复撤销"
    filing.refresh_from_db()
    assert filing.revoked_reason == "录入错误" and filing.history.count() == histories
    error = refused(filing_end, user=clerk, filing=filing, valid_to=None)
    assert error.code == "revoked" and "撤销原因：录入错误" in error.message


def test_a_filing_a_standing_bill_rests_on_is_not_revoked_until_the_bill_is_reversed(clerk, person):
    filing = file(clerk, person)
    bill = settled_on(filing, person, date(2026, 2, 1))
    error = refused(filing_revoke, user=clerk, filing=filing, reason="录入错误")
    assert "GZ0001（2026-02-01）" in error.message
    Settlement.objects.filter(pk=bill.pk).update(status=Settlement.Status.REVERSED)
    assert filing_revoke(user=clerk, filing=filing, reason="录入错误").status == "revoked"


def test_another_countys_filing_is_not_ended_or_revoked(clerk, other_clerk, foreign):
    filing = file(other_clerk, foreign)
    assert refused(filing_revoke, user=clerk, filing=filing, reason="越权").code == "region_denied"
    assert refused(filing_end, user=clerk, filing=filing, valid_to=None).code == "region_denied"
    filing.refresh_from_db()
    assert (filing.status, filing.valid_to) == ("valid", date(2026, 6, 30))


def test_the_filings_valid_on_a_day_are_what_the_location_rule_reads(clerk, person, village):
    other = factories.person(village, name="王二")
    temporary = file(clerk, person)
    file(clerk, person, kind="referral", valid_from=date(2026, 7, 1), valid_to=None)
    filing_revoke(user=clerk, filing=file(clerk, other), reason="重复")
    assert filings_valid_on([person.pk, other.pk], date(2026, 6, 30)) == {person.pk: (Filing(temporary.pk, "temporary", "广东省", "广州市"),)}
    assert [f.kind for f in filings_valid_on([person.pk], date(2026, 7, 1))[person.pk]] == ["referral"]


# ---------------------------------------------------------------------------- pages


def test_the_person_page_lists_the_filings_with_their_actions(client, clerk, reviewer, person):
    file(clerk, person, hospital="广州某医院")
    client.force_login(clerk)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "异地就医备案" in page and "临时外出就医备案" in page and "广东省广州市" in page and "2026-01-01 至 2026-06-30" in page
    assert f"/benefits/people/{person.pk}/filings/new/" in page and "撤销" in page
    client.force_login(reviewer)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "广东省广州市" in page and "/filings/new/" not in page and "/revoke/" not in page


def test_a_clerk_files_from_the_person_page(client, clerk, person):
    client.force_login(clerk)
    assert "办理异地就医备案" in client.get(f"/benefits/people/{person.pk}/filings/new/").content.decode()
    response = client.post(f"/benefits/people/{person.pk}/filings/new/", {
        "kind": "referral", "destination_province": "北京市", "destination_city": "", "valid_from": "2026-03-01",
        "valid_to": "2026-04-30", "hospital": "北京协和医院"})
    assert response.status_code == 302 and response["Location"] == f"/enrollment/people/{person.pk}/"
    filing = RemoteCareFiling.objects.get()
    assert (filing.kind, filing.destination_province, filing.hospital, filing.created_by) == ("referral", "北京市", "北京协和医院", clerk)


@pytest.mark.parametrize("data, message", [
    ({"destination_province": "湖北省", "destination_city": "咸宁市"}, "市内就医无需办理异地就医备案"),
    ({"valid_to": "2025-01-01"}, "早于备案开始日期"),
    ({"destination_province": "火星"}, "选择一个有效的选项"),
    ({"valid_from": "2026-02-30"}, "输入一个有效的日期"),
])
def test_bad_input_on_the_form_is_shown_in_chinese_and_nothing_is_written(client, clerk, person, data, message):
    client.force_login(clerk)
    form = {"kind": "temporary", "destination_province": "广东省", "destination_city": "广州市", "valid_from": "2026-01-01", **data}
    response = client.post(f"/benefits/people/{person.pk}/filings/new/", form)
    assert response.status_code == 200 and message in response.content.decode()
    assert not RemoteCareFiling.objects.exists()


def test_another_countys_person_and_filing_are_404_and_recorded(client, clerk, other_clerk, foreign):
    filing = file(other_clerk, foreign)
    client.force_login(clerk)
    assert client.get(f"/benefits/people/{foreign.pk}/filings/new/").status_code == 404
    assert client.post(f"/benefits/people/{foreign.pk}/filings/new/", {"kind": "temporary", "destination_province": "广东省",
                                                                       "valid_from": "2026-01-01"}).status_code == 404
    assert client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": "越权", "confirm": "on"}).status_code == 404
    assert client.post(f"/benefits/filings/{filing.pk}/end/", {"valid_to": "2026-01-31", "reason": "越权"}).status_code == 404
    filing.refresh_from_db()
    assert (filing.status, filing.valid_to, RemoteCareFiling.objects.count()) == ("valid", date(2026, 6, 30), 1)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_DENIED).count() >= 3


def test_revoking_asks_for_a_reason_and_a_confirmation(client, clerk, person):
    filing = file(clerk, person)
    client.force_login(clerk)
    page = client.get(f"/benefits/filings/{filing.pk}/revoke/").content.decode()
    assert "撤销异地就医备案" in page and "广东省广州市" in page and "确认撤销" in page
    response = client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": "录入错误"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == "valid"
    response = client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": "录入错误", "confirm": "on"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert (filing.status, filing.revoked_reason) == ("revoked", "录入错误")
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    assert "已撤销" in page and "录入错误" in page


@pytest.mark.parametrize("action, data", [("revoke", {"reason": "再次", "confirm": "on"}), ("end", {"valid_to": "2026-02-28", "reason": "再改"})])
def test_a_revoked_filing_is_read_only_on_its_pages(client, clerk, person, action, data):
    filing = file(clerk, person)
    filing_revoke(user=clerk, filing=filing, reason="录入错误")
    histories = filing.history.count()
    client.force_login(clerk)
    notice = "该备案已撤销（撤销原因：录入错误），不能再撤销或修改"
    for response in (client.get(f"/benefits/filings/{filing.pk}/{action}/"), client.post(f"/benefits/filings/{filing.pk}/{action}/", data)):
        page = response.content.decode()
        assert response.status_code == 200 and page.count(notice) == 1
        assert "<form method=\"post\" class=\"col-lg-6\">" not in page and "确认撤销" not in page and "已撤销 李外出" not in page
    filing.refresh_from_db()
    assert (filing.status, filing.valid_to, filing.revoked_reason) == ("revoked", date(2026, 6, 30), "录入错误")
    assert filing.history.count() == histories


def test_a_refusal_without_a_field_is_said_once(client, clerk, person, monkeypatch):
    from benefits.services import filings as services

    filing = file(clerk, person)
    client.force_login(clerk)

    def refuse(**kwargs):
        raise ServiceError("busy", "该备案正在被其他经办人修改，请稍后重试")

    monkeypatch.setattr(services, "filing_end", refuse)
    page = client.post(f"/benefits/filings/{filing.pk}/end/", {"valid_to": "2026-02-28", "reason": "已返乡"}).content.decode()
    assert page.count("该备案正在被其他经办人修改") == 1


def test_a_revoke_refused_by_the_service_is_said_on_the_page(client, clerk, person):
    filing = file(clerk, person)
    settled_on(filing, person, date(2026, 2, 1))
    client.force_login(clerk)
    response = client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": "录入错误", "confirm": "on"})
    assert response.status_code == 200 and "请先冲正这些结算单" in response.content.decode()


def test_the_end_page_changes_the_last_day(client, clerk, person):
    filing = file(clerk, person)
    client.force_login(clerk)
    response = client.post(f"/benefits/filings/{filing.pk}/end/", {"valid_to": "2026-02-28", "reason": "已返乡"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.valid_to == date(2026, 2, 28)


def test_a_reviewer_gets_403_on_the_writing_pages(client, reviewer, clerk, person):
    filing = file(clerk, person)
    client.force_login(reviewer)
    assert client.get(f"/benefits/people/{person.pk}/filings/new/").status_code == 403
    assert client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": "x", "confirm": "on"}).status_code == 403
    assert client.get("/benefits/filings/").status_code == 200


def test_the_list_shows_the_regions_filings_filtered(client, clerk, other_clerk, person, foreign, village, xianan_villages):
    neighbour = factories.person(xianan_villages[1], name="赵长住")
    file(clerk, person)
    file(clerk, neighbour, kind="long_term", destination_province="海南省", destination_city="三亚市", valid_to=None)
    file(other_clerk, foreign)
    client.force_login(clerk)
    page = client.get("/benefits/filings/").content.decode()
    assert "李外出" in page and "赵长住" in page and "嘉鱼人" not in page and "共 2 条" in page
    assert person.id_number not in page  # masked on a list
    assert "赵长住" not in client.get("/benefits/filings/?kind=temporary").content.decode()
    on_day = client.get("/benefits/filings/?valid_on=2026-07-01").content.decode()
    assert "赵长住" in on_day and "李外出" not in on_day
    assert "李外出" not in client.get(f"/benefits/filings/?region={xianan_villages[1].pk}").content.decode()
    assert "赵长住" in client.get("/benefits/filings/?q=赵").content.decode()


@pytest.mark.parametrize("query, message", [
    ("kind=forever", "备案类型：选择一个有效的选项"), ("valid_on=2026-13-01", "在该日有效：输入一个有效的日期"),
    ("valid_on=1800-01-01", "不在合理范围内"), ("region=999999", "所选区划不存在或不在您的管辖范围内"), ("status=gone", "状态：选择一个有效的选项"),
])
def test_a_bad_filter_is_a_400_with_a_chinese_message(client, clerk, query, message):
    client.force_login(clerk)
    response = client.get(f"/benefits/filings/?{query}")
    assert response.status_code == 400 and message in response.content.decode()


def test_another_countys_region_as_a_filter_is_refused(client, clerk, jiayu_villages):
    client.force_login(clerk)
    response = client.get(f"/benefits/filings/?region={jiayu_villages[0].pk}")
    assert response.status_code == 400 and "所选区划不存在或不在您的管辖范围内" in response.content.decode()


def test_the_export_holds_the_filtered_filings_and_is_recorded(client, clerk, other_clerk, person, foreign):
    file(clerk, person, hospital="广州某医院")
    file(other_clerk, foreign)
    client.force_login(clerk)
    response = client.get("/benefits/filings/export.xlsx?kind=temporary")
    assert response.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert rows[0][:8] == ["姓名", "身份证号", "村/社区", "备案类型", "就医省份", "就医城市", "备案开始日期", "备案结束日期"]
    assert len(rows) == 2 and rows[1][:6] == ["李外出", person.id_number, person.village.name, "临时外出就医备案", "广东省", "广州市"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, object_type="benefits.RemoteCareFiling").exists()


def test_the_admin_history_says_its_changes_in_chinese(client, clerk, person, officer):
    filing = file(clerk, person)
    filing_end(user=clerk, filing=filing, valid_to=None, reason="延长")
    filing_revoke(user=clerk, filing=filing, reason="录入错误")
    client.force_login(officer)
    response = client.get(f"/admin/benefits/remotecarefiling/{filing.pk}/history/")
    page = response.content.decode()
    assert response.status_code == 200 and "变更内容" in page and "Changes" not in page
    table = " ".join(re.sub(r"<[^>]+>|&nbsp;", " ", page[page.index('id="change-history"'):page.index('class="paginator"')]).split())
    assert "状态: 有效 &rarr; 已撤销" in table and "valid" not in table and "revoked" not in table
    assert "备案结束日期: 2026-06-30 &rarr; 空" in table  # the open end



def test_a_bill_on_a_temporary_filing_is_not_called_a_referral(client, clerk, person):
    # remote_filed rests on a referral or a temporary-travel filing (X000 art. 20(二)1).
    filing = file(clerk, person, kind="temporary")
    bill = settled_on(filing, person, date(2026, 2, 1))
    assert bill.get_location_display() == "市外已备案（转诊或临时外出）"
    client.force_login(clerk)
    page = client.get(f"/benefits/settlements/{bill.pk}/").content.decode()
    assert "市外已备案（转诊或临时外出）" in page and "依据临时外出就医备案" in page and "已转诊备案" not in page
