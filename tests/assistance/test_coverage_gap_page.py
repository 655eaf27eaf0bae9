"""The coverage-gap list (应保尽保, issue 9): each person's identity by its Chinese name and the
amount due as enrolling today would price it, in one table whose columns are the same for
every village, printable and exported with the same columns."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from assistance.models import HardshipIdentity
from core.models import Department
from enrollment.selectors import quotes_today
from tests import factories

pytestmark = pytest.mark.django_db


def certify(person, code):
    HardshipIdentity.objects.create(person=person, code=code, department=Department.RURAL_REVITALISATION, valid_from=date(2023, 1, 1))


@pytest.fixture
def gap(xianan_villages, jiayu_villages, current_standards):
    """Two unenrolled hardship people in two villages of 咸安区, one in 嘉鱼县; the benefit year
    that registering today buys."""
    monitored = factories.person(xianan_villages[0], name="监测甲", phone="13800000011")
    certify(monitored, "monitored_edge")
    poorest = factories.person(xianan_villages[1], name="特困乙")
    certify(poorest, "extreme_poverty")
    certify(factories.person(jiayu_villages[0], name="嘉鱼丙"), "monitored_edge")
    year = quotes_today([(monitored, "regular")])[monitored.pk].benefit_year
    return {"monitored": monitored, "poorest": poorest, "year": year}


def test_each_person_shows_identity_and_amount_due_in_one_table(clerk_client, gap, xianan_villages):
    # When the clerk opens the coverage gap for the year registering today buys
    page = clerk_client.get(f"/assistance/coverage-gap/?benefit_year={gap['year']}").content.decode()
    # Then one table holds both villages under the same header, each village a group row
    assert page.count('id="gap"') == 1 and page.count("<thead>") == 1
    table = page.split('id="gap"')[1].split("</table>")[0]
    assert table.count('class="table-light village-row"') == 2
    assert xianan_villages[0].name in table and xianan_villages[1].name in table
    # and each person with the identity's Chinese name and the amount due after the subsidy
    rows = {r.split("</a>")[0].rsplit(">", 1)[-1]: r for r in table.split("<tr>")[1:] if "/enrollment/people/" in r}
    assert "边缘易致贫人口（监测对象）" in rows["监测甲"] and 'amount-due">200.00<' in rows["监测甲"]  # 50% of 400.00
    assert "特困人员（特困供养人员）" in rows["特困乙"] and 'amount-due">0.00<' in rows["特困乙"]  # 100%
    assert "monitored_edge" not in page and "extreme_poverty" not in page
    assert 'id="gap-amount">200.00<' in page and "嘉鱼丙" not in page
    # and it prints: the print header and a print button bound by print.js (no inline script)
    assert "应保尽保未参保名单" in page and "data-print" in page and "js/print.js" in page


def test_the_export_has_identity_and_amount_due(clerk_client, gap):
    response = clerk_client.get(f"/assistance/coverage-gap/?benefit_year={gap['year']}&export=1")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, body = rows[0], {r[2]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert "有效身份" in header and "应缴金额（元）" in header and set(body) == {"监测甲", "特困乙"}
    assert body["监测甲"]["有效身份"] == "边缘易致贫人口（监测对象）" and body["监测甲"]["应缴金额（元）"] == 200
    assert body["监测甲"]["身份证号"] == gap["monitored"].id_number  # a clerk sees full numbers


def test_a_year_today_does_not_buy_is_said_instead_of_a_wrong_amount(clerk_client, gap):
    page = clerk_client.get(f"/assistance/coverage-gap/?benefit_year={gap['year'] + 1}").content.decode()
    table = page.split('id="gap"')[1].split("</table>")[0]
    assert f"今日登记对应{gap['year']}年度" in table and 'amount-due">—<' in table
