"""The collection worklist (参保征缴清单), the dashboard's figures that open it, and the village
renewal's preview → confirmation → done: what a county clerk sees during the collection season."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assistance.services.identities import identity_certify
from core.models import SecurityEvent
from enrollment import exports, views_collection
from enrollment.models import CollectionWindow, Enrollment, Person, School
from enrollment.services import enrollments as svc
from enrollment.services.policy import scheme_for_region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(village, current_standards):
    """Next year's collection is open today, whatever the calendar says (400.00 a year)."""
    today = timezone.localdate()
    CollectionWindow.objects.create(scheme=scheme_for_region(village), benefit_year=today.year + 1, kind="resident",
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=30), source="test")
    return today.year + 1


def registered(clerk, village, name, **kwargs):
    """A person registered today for the year being collected, unpaid unless paid_today."""
    paid = kwargs.pop("paid_today", False)
    person = factories.person(village, name=name, **kwargs)
    svc.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=timezone.localdate() if paid else None)
    return person


def enrolled_last_year(clerk, village, name, year, category="regular", **kwargs):
    """A person enrolled and paid for the year before `year` (mid-year, on 1 March)."""
    person = factories.person(village, name=name, **kwargs)
    day = date(year - 1, 3, 1)
    svc.enrollment_register(user=clerk, person=person, category=category, channel="village_batch", payment_date=day, today=day)
    return person


def rows_of(page: str) -> list[str]:
    table = re.search(r'<table class="table table-sm table-hover" id="collection-rows">.*?</table>', page, re.S).group(0)
    return re.findall(r'<tr data-person="\d+">.*?</tr>', table, re.S)


def names(rows) -> set[str]:
    return {re.search(r'<a href="/enrollment/people/\d+/">([^<]+)</a>', r).group(1) for r in rows}


# ------------------------------------------------------------------------------ the list


def test_the_unpaid_list_of_a_village_shows_exactly_its_registered_unpaid_people_priced_today(
        clerk_client, clerk, xianan_villages, year):
    # Given in 村1: two registered unpaid (one certified 低保 after registering), one paid; in 村2: one unpaid
    village, other = xianan_villages
    certified = registered(clerk, village, "甲未缴")
    registered(clerk, village, "乙未缴")
    registered(clerk, village, "丙已缴", paid_today=True)
    registered(clerk, other, "丁别村")
    identity_certify(user=clerk, person=certified, code="subsistence_allowance", valid_from=timezone.localdate())

    # When the clerk asks who in 村1 has registered but not paid
    response = clerk_client.get(f"/enrollment/collection/?year={year}&region={village.pk}&status=unpaid")

    # Then exactly the two unpaid of 村1 are listed, each with 缴费, and the certified one owes today's 40.00
    assert response.status_code == 200
    page = response.content.decode()
    rows = rows_of(page)
    assert names(rows) == {"甲未缴", "乙未缴"}
    by_name = {n: r for r in rows for n in names([r])}
    assert re.search(r'<td class="money">40\.00', by_name["甲未缴"]) and "低保" in by_name["甲未缴"]
    assert re.search(r'<td class="money">400\.00', by_name["乙未缴"])
    for name, row in by_name.items():
        enrollment = Enrollment.objects.get(person__name=name)
        assert f'href="/enrollment/enrollments/{enrollment.pk}/pay/"' in row
    # and the ID numbers are masked
    assert certified.id_number not in page and certified.masked_id_number in page


def test_the_paid_and_subsidised_lists_show_what_was_collected(clerk_client, clerk, village, year):
    # Given one paid at 400.00, one orphan paid at 0.00 (subsidised), one unpaid
    registered(clerk, village, "已缴甲", paid_today=True)
    orphan = factories.person(village, name="孤儿乙")
    identity_certify(user=clerk, person=orphan, code="orphan", valid_from=timezone.localdate() - timedelta(days=30))
    svc.enrollment_register(user=clerk, person=orphan, category="regular", channel="village_batch", payment_date=timezone.localdate())
    registered(clerk, village, "未缴丙")

    paid = rows_of(clerk_client.get(f"/enrollment/collection/?year={year}&status=paid").content.decode())
    subsidised = rows_of(clerk_client.get(f"/enrollment/collection/?year={year}&status=subsidised").content.decode())
    everyone = rows_of(clerk_client.get(f"/enrollment/collection/?year={year}").content.decode())

    assert names(paid) == {"已缴甲", "孤儿乙"}
    assert names(subsidised) == {"孤儿乙"}
    assert names(everyone) == {"已缴甲", "孤儿乙", "未缴丙"}
    paid_row = next(r for r in paid if "已缴甲" in r)
    assert re.findall(r'<td class="money">([\d,.]+)', paid_row) == ["400.00", "400.00"]  # due, collected
    assert "/pay/" not in paid_row


def test_per_village_totals_count_and_sum_every_registration_of_the_scope(clerk_client, clerk, xianan_villages, year):
    # Given 村1: two unpaid and one paid, one enrolled last year not renewed; 村2: one unpaid
    village, other = xianan_villages
    registered(clerk, village, "甲")
    registered(clerk, village, "乙")
    registered(clerk, village, "丙", paid_today=True)
    enrolled_last_year(clerk, village, "丁", year)
    registered(clerk, other, "戊")

    # When the worklist of the county is opened with a status filter (the totals ignore it)
    page = clerk_client.get(f"/enrollment/collection/?year={year}&status=paid").content.decode()

    # Then each village has its counts and amounts, and the total row sums them
    def cells(row_html):
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]

    first = re.search(rf'<tr data-village="{village.pk}">.*?</tr>', page, re.S).group(0)
    second = re.search(rf'<tr data-village="{other.pk}">.*?</tr>', page, re.S).group(0)
    total = re.search(r'<tr class="fw-bold" id="totals-row">.*?</tr>', page, re.S).group(0)
    # registered, paid, unpaid, subsidised, not renewed, amount due, collected
    assert cells(first)[2:] == ["3", "1", "2", "0", "1", "800.00", "400.00"]
    assert cells(second)[2:] == ["1", "0", "1", "0", "0", "400.00", "0.00"]
    assert cells(total)[1:] == ["4", "1", "3", "0", "1", "1,200.00", "400.00"]
    # and a village's unpaid count opens its unpaid list
    assert f'href="/enrollment/collection/?year={year}&amp;status=unpaid&amp;region={village.pk}">2</a>' in first


def test_the_not_renewed_list_shows_last_years_people_with_their_category_and_todays_renewal_price(
        clerk_client, clerk, village, year):
    # Given three enrolled last year: one not renewed (a pupil certified 低保 since), one renewed, one deceased
    waiting = enrolled_last_year(clerk, village, "未续保甲", year, category="school_pupil", birth=date(2012, 4, 4))
    identity_certify(user=clerk, person=waiting, code="subsistence_allowance", valid_from=timezone.localdate())
    renewed = enrolled_last_year(clerk, village, "已续保乙", year)
    svc.enrollment_register(user=clerk, person=renewed, category="regular", channel="village_batch")
    deceased = enrolled_last_year(clerk, village, "已故丙", year)
    Person.objects.filter(pk=deceased.pk).update(status=Person.Status.DECEASED)

    # When the not-renewed list is opened
    page = clerk_client.get(f"/enrollment/collection/?year={year}&status=not_renewed").content.decode()

    # Then only the one waiting is listed, as 中小学生, owing 40.00 if renewed today, with 参保登记 instead of 缴费
    rows = rows_of(page)
    assert names(rows) == {"未续保甲"}
    assert "中小学生/幼儿" in rows[0] and re.search(r'<td class="money">40\.00', rows[0])
    assert f"/enrollment/people/{waiting.pk}/enroll/" in rows[0] and "/pay/" not in rows[0]


def test_the_list_searches_by_name_and_pages_by_key(clerk_client, clerk, village, year):
    # Given 55 unpaid people and one named 龙某
    for i in range(55):
        registered(clerk, village, f"人{i:02d}")
    registered(clerk, village, "龙某")
    # When the first page, the next page and a search are opened
    first = clerk_client.get(f"/enrollment/collection/?year={year}&status=unpaid")
    page = first.context["page"]
    second = clerk_client.get(f"/enrollment/collection/?year={year}&status=unpaid&after={page.next_after}")
    found = clerk_client.get(f"/enrollment/collection/?year={year}&status=unpaid&q=龙").content.decode()
    # Then 50 rows, then the remaining 6, and the search finds the one
    assert len(page.items) == 50 and page.count_display == "56"
    assert len(second.context["page"].items) == 6
    assert names(rows_of(found)) == {"龙某"}


def test_the_school_filter_lists_the_schools_pupils(clerk_client, clerk, village, year):
    # Given a pupil enrolled by the school and a villager
    school = School.objects.create(code="SC0001", name="龙畈小学", kind="primary", region=village)
    pupil = factories.person(village, name="学生甲", birth=date(2015, 5, 5))
    svc.enrollment_register(user=clerk, person=pupil, category="school_pupil", channel="school_batch", school=school)
    registered(clerk, village, "村民乙")
    # When the school's list is opened
    rows = rows_of(clerk_client.get(f"/enrollment/collection/?year={year}&school={school.pk}").content.decode())
    # Then only the pupil
    assert names(rows) == {"学生甲"}


# ------------------------------------------------------------------------------ export and print


def test_the_export_holds_every_row_of_the_filters(clerk_client, clerk, xianan_villages, year):
    # Given two unpaid in 村1 (one 低保 since registering) and one in 村2
    village, other = xianan_villages
    certified = registered(clerk, village, "甲")
    registered(clerk, village, "乙")
    registered(clerk, other, "丙")
    identity_certify(user=clerk, person=certified, code="subsistence_allowance", valid_from=timezone.localdate())

    # When 村1's unpaid list is exported
    response = clerk_client.get(f"/enrollment/collection/export.xlsx?year={year}&region={village.pk}&status=unpaid")

    # Then the workbook has its two rows with full ID numbers (the clerk may see them) and today's amounts
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows, total = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == exports.EXPORT_HEADERS
    by_name = {r[2]: dict(zip(header, r)) for r in rows}
    assert set(by_name) == {"甲", "乙"}
    # ... and a 合计 row: two people, 440.00 due, nothing collected yet
    total = dict(zip(header, total))
    assert (total["乡镇（街道）"], total["姓名"], D(str(total["应缴金额"])), D(str(total["已缴金额"]))) == ("合计", "2 人", D("440.00"), D("0.00"))
    assert by_name["甲"]["身份证号"] == certified.id_number
    assert (D(str(by_name["甲"]["应缴金额"])), by_name["甲"]["资助身份"]) == (D("40.00"), "城乡最低生活保障对象（低保）")
    assert D(str(by_name["乙"]["应缴金额"])) == D("400.00") and D(str(by_name["乙"]["已缴金额"])) == D("0.00")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, detail__startswith="导出参保征缴清单").exists()


def test_the_print_view_lists_every_row_with_the_totals_up_to_its_limit(clerk_client, clerk, village, year, monkeypatch):
    # Given three unpaid people
    for name in ("甲", "乙", "丙"):
        registered(clerk, village, name)
    # When the print view is opened
    page = clerk_client.get(f"/enrollment/collection/print/?year={year}&region={village.pk}&status=unpaid").content.decode()
    # Then it has the print header, a print button, every row and the village totals
    assert "参保征缴清单（已登记未缴费）" in page and "data-print" in page and 'class="print-only' in page
    assert page.count('<td class="id-number">') == 3 and 'id="totals-row"' in page
    assert 'id="print-truncated"' not in page
    # and over its limit it prints the first rows and says so
    monkeypatch.setattr(views_collection, "PRINT_ROW_LIMIT", 2)
    page = clerk_client.get(f"/enrollment/collection/print/?year={year}&status=unpaid").content.decode()
    assert page.count('<td class="id-number">') == 2 and 'id="print-truncated"' in page


# ------------------------------------------------------------------------------ refusals and isolation


@pytest.mark.parametrize("query", [
    "year=abc", "year=1800", "status=registered", "region=abc", "school=x", f"q={'长' * 101}", "q=%00",
])
def test_bad_parameters_are_a_400_page(clerk_client, year, query):
    response = clerk_client.get(f"/enrollment/collection/?{query}")
    assert response.status_code == 400 and "查询条件有误" in response.content.decode()
    assert clerk_client.get(f"/enrollment/collection/export.xlsx?{query}").status_code == 400
    assert clerk_client.get(f"/enrollment/collection/print/?{query}").status_code == 400


def test_a_bad_page_key_is_a_400_page(clerk_client, year):
    assert clerk_client.get("/enrollment/collection/?after=-1").status_code == 400
    assert clerk_client.get("/enrollment/collection/?before=abc").status_code == 400


def test_another_county_is_invisible(clerk_client, clerk, other_clerk, village, jiayu_villages, year):
    # Given an unpaid registration in 嘉鱼县 and one in 咸安区
    foreign_village = jiayu_villages[0]
    foreign = factories.person(foreign_village, name="嘉鱼人")
    svc.enrollment_register(user=other_clerk, person=foreign, category="regular", channel="village_batch")
    foreign_school = School.objects.create(code="JY0001", name="嘉鱼中学", kind="secondary", region=foreign_village)
    registered(clerk, village, "咸安人")

    # When the 咸安区 clerk opens the county's lists, the export, and asks for 嘉鱼县's village or school
    page = clerk_client.get(f"/enrollment/collection/?year={year}&status=unpaid").content.decode()
    export = clerk_client.get(f"/enrollment/collection/export.xlsx?year={year}")
    by_region = clerk_client.get(f"/enrollment/collection/?year={year}&region={foreign_village.pk}")
    by_school = clerk_client.get(f"/enrollment/collection/?year={year}&school={foreign_school.pk}")

    # Then 嘉鱼县 appears nowhere: not in the rows, the totals, the export or the filters' choices
    assert "嘉鱼" not in page and names(rows_of(page)) == {"咸安人"}
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).active
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["咸安人", "1 人"]  # the row and the 合计 row
    for response in (by_region, by_school):
        assert response.status_code == 400
        assert "嘉鱼" not in response.content.decode() and "不在您的管辖范围内" in response.content.decode()


def test_a_user_without_enrollment_rights_is_refused(client, xianan, year):
    from core.roles import DEPARTMENT_GROUPS

    client.force_login(factories.user("civil", DEPARTMENT_GROUPS["civil_affairs"], xianan, department="civil_affairs"))
    assert client.get("/enrollment/collection/").status_code == 403
    assert client.get("/enrollment/collection/export.xlsx").status_code == 403


# ------------------------------------------------------------------------------ the dashboard


def test_every_dashboard_figure_opens_its_list_and_the_collected_amount_is_shown(clerk_client, clerk, xianan_villages, year):
    # Given 村1: two unpaid, one paid at 400.00, one not renewed; 村2: one unpaid
    village, other = xianan_villages
    registered(clerk, village, "甲")
    registered(clerk, village, "乙")
    registered(clerk, village, "丙", paid_today=True)
    enrolled_last_year(clerk, village, "丁", year)
    registered(clerk, other, "戊")

    # When the clerk opens the dashboard
    page = clerk_client.get("/").content.decode()

    # Then each figure of the year being collected links to the list behind it, with its count
    base = f"/enrollment/collection/?year={year}"
    for figure, status, count in (("enrolled", "", 4), ("paid", "paid", 1), ("unpaid", "unpaid", 3),
                                  ("subsidised", "subsidised", 0), ("not-renewed", "not_renewed", 1)):
        href = base + (f"&amp;status={status}" if status else "")
        assert f'href="{href}" data-figure="{figure}-{year}">{count}<' in page, figure
    # and the amount collected so far, and what is registered but unpaid
    assert f'data-figure="collected-{year}">400.00<' in page
    assert f'data-figure="unpaid-amount-{year}">1,200.00<' in page
    # and 各村征缴进度 lists 村1 first (most unpaid), its count one click from its unpaid list
    table = re.search(r'<table class="table table-sm table-hover mb-4" id="village-progress">.*?</table>', page, re.S).group(0)
    links = re.findall(r'data-village-unpaid="(\d+)" href="([^"]+)">(\d+)<', table)
    assert links == [(str(village.pk), f"{base}&amp;status=unpaid&amp;region={village.pk}", "2"),
                     (str(other.pk), f"{base}&amp;status=unpaid&amp;region={other.pk}", "1")]
    # and the link's list has exactly those two
    assert names(rows_of(clerk_client.get(links[0][1].replace("&amp;", "&")).content.decode())) == {"甲", "乙"}


# ------------------------------------------------------------------------------ renewal


def test_the_renewal_preview_shows_category_and_amount_and_leaves_out_who_is_unticked(clerk_client, clerk, village, year,
                                                                                      jiayu_villages, other_clerk):
    # Given three enrolled last year in the village, one a pupil, and a person of 嘉鱼县 enrolled last year
    keep = enrolled_last_year(clerk, village, "续保甲", year)
    pupil = enrolled_last_year(clerk, village, "学生乙", year, category="school_pupil", birth=date(2013, 3, 3))
    leave = enrolled_last_year(clerk, village, "不续丙", year)
    foreign = enrolled_last_year(other_clerk, jiayu_villages[0], "嘉鱼丁", year)

    # When the preview is opened
    preview = clerk_client.get(f"/enrollment/renew/?village={village.pk}&to_year={year}").content.decode()
    # Then each candidate has a ticked box, the category they renew in and today's amount
    for person in (keep, pupil, leave):
        assert re.search(rf'name="person" value="{person.pk}" id="renew-{person.pk}" checked', preview)
    pupil_row = re.search(rf'<tr>\s*<td><input[^>]+value="{pupil.pk}".*?</tr>', preview, re.S).group(0)
    assert "中小学生/幼儿" in pupil_row and 'class="amount-due">400.00' in pupil_row

    # When 不续丙 is unticked (and a tampered id of 嘉鱼县 is slipped in) and 下一步 is pressed
    chosen = {"village": village.pk, "to_year": year, "person": [keep.pk, pupil.pk, foreign.pk]}
    review = clerk_client.post("/enrollment/renew/", {**chosen, "review": "1"}).content.decode()
    # Then the confirmation shows two people, 800.00, the one left out, and the ignored id, and registers nothing
    assert 'id="chosen-count">2<' in review and 'id="chosen-total">800.00<' in review
    assert re.search(r'<ul id="left-out"><li>不续丙', review) and 'id="ignored"' in review and "嘉鱼" not in review
    assert not Enrollment.objects.filter(benefit_year=year).exists()

    # When the renewal is confirmed
    done = clerk_client.post("/enrollment/renew/", {**chosen, "confirm": "1"}, follow=True).content.decode()
    # Then exactly the two ticked are registered, with the pupil's category; the other county's person is not
    renewed = dict(Enrollment.objects.filter(benefit_year=year).values_list("person__name", "category"))
    assert renewed == {"续保甲": "regular", "学生乙": "school_pupil"}
    assert "登记 2 人" in done and "已忽略" in done
    # and 不续丙 is still a candidate
    assert 'id="candidate-count">1<' in done


def test_going_back_from_the_confirmation_keeps_the_boxes_as_they_were(clerk_client, clerk, village, year):
    # Given two candidates, one unticked on the preview
    keep = enrolled_last_year(clerk, village, "甲", year)
    leave = enrolled_last_year(clerk, village, "乙", year)
    # When the clerk goes on to the confirmation and then back (返回修改)
    data = {"village": village.pk, "to_year": year, "person": [keep.pk]}
    page = clerk_client.post("/enrollment/renew/", {**data, "back": "1"}).content.decode()
    # Then the preview shows 甲 ticked and 乙 not, and nothing is registered
    assert re.search(rf'value="{keep.pk}" id="renew-{keep.pk}" checked', page)
    assert re.search(rf'value="{leave.pk}" id="renew-{leave.pk}" aria-label', page)
    assert not Enrollment.objects.filter(benefit_year=year).exists()


def test_confirming_with_no_one_ticked_registers_no_one(clerk_client, clerk, village, year):
    enrolled_last_year(clerk, village, "甲", year)
    page = clerk_client.post("/enrollment/renew/", {"village": village.pk, "to_year": year, "confirm": "1"}).content.decode()
    assert "请至少勾选一人" in page
    assert not Enrollment.objects.filter(benefit_year=year).exists()


def test_tampered_ids_that_are_not_numbers_are_ignored_not_a_server_error(clerk_client, clerk, village, year):
    person = enrolled_last_year(clerk, village, "甲", year)
    data = {"village": village.pk, "to_year": year, "person": [person.pk, "abc", "9" * 30], "confirm": "1"}
    page = clerk_client.post("/enrollment/renew/", data).content.decode()
    assert "有 2 个所选人员不在本村可续保名单中" in page
    assert Enrollment.objects.filter(benefit_year=year, person=person).exists()
