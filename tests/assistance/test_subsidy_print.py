"""The subsidy list per payer on paper (资助参保名单, issue 9): each payer's people with the
identity by its Chinese name, amounts as 1,102.00, a total per payer, masked ID numbers."""

from datetime import date

import pytest

from assistance.services.identities import identity_certify
from assistance.services.subsidies import subsidy_run_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(officer, clerk, village, jiayu_villages, other_clerk):
    """The city's run: 特困甲 and 低保乙 paid by the MA fund, 监测丙 by rural revitalisation (咸安区), 孤儿丁 (嘉鱼县)."""
    for name, code in (("特困甲", "extreme_poverty"), ("低保乙", "subsistence_allowance"), ("监测丙", "monitored_unstable")):
        identity_certify(user=clerk, person=factories.person(village, name=name), code=code, valid_from=date(2022, 1, 1))
    identity_certify(user=other_clerk, person=factories.person(jiayu_villages[0], name="孤儿丁"), code="orphan", valid_from=date(2022, 1, 1))
    return subsidy_run_create(user=officer, region=officer.region, benefit_year=2023, assessed_on=date(2022, 11, 1))


def sections(page):
    return {s.split("资金来源：")[1].split("（")[0]: s for s in page.split('<section class="payer-list')[1:]}


def test_the_print_view_lists_each_payer_with_its_total(client, officer, run):
    # When the officer opens the print view of the whole run
    client.force_login(officer)
    page = client.get(f"/assistance/subsidy-runs/{run.pk}/print/").content.decode()
    # Then each payer has its own list and total, identities by their Chinese names
    by_payer = sections(page)
    assert set(by_payer) == {"医疗救助基金", "乡村振兴部门"}
    fund = by_payer["医疗救助基金"]
    assert "特困甲" in fund and "低保乙" in fund and "孤儿丁" in fund and "监测丙" not in fund
    assert "城乡最低生活保障对象（低保）" in fund and "subsistence_allowance" not in page
    assert 'payer-total">1,102.00<' in fund  # 380.00 + 342.00 + 380.00
    assert 'payer-total">190.00<' in by_payer["乡村振兴部门"]
    assert 'id="print-total">1,292.00<' in page
    # and the sources read as documents, ID numbers are masked, the page prints
    assert "X000" not in page and "RULES.md" not in page
    assert "资助参保名单" in page and "data-print" in page and "js/print.js" in page


def test_one_payer_only(client, officer, run):
    client.force_login(officer)
    page = client.get(f"/assistance/subsidy-runs/{run.pk}/print/?payer=rural_revitalisation").content.decode()
    assert set(sections(page)) == {"乡村振兴部门"} and "特困甲" not in page
    assert client.get(f"/assistance/subsidy-runs/{run.pk}/print/?payer=nobody").status_code == 400


def test_another_countys_clerk_cannot_print_the_run(client, other_clerk, clerk, run):
    own = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=date(2022, 11, 1))
    client.force_login(other_clerk)
    assert client.get(f"/assistance/subsidy-runs/{own.pk}/print/").status_code == 404
