"""Demo settlements (benefits.services.demo): this year's visits of demo people, settled by the
engine, consistent with the people's year totals, shown on the settlement pages."""

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from benefits.models import Facility, PersonYear, Settlement
from benefits.services.demo import generate_settlement_demo
from enrollment.services.demo import generate_demo

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


def test_demo_settlements_are_the_engines_and_match_the_year_totals(xianan):
    generate_demo(county=xianan, households=120, seed=3, today=TODAY)
    result = generate_settlement_demo(county=xianan, share=0.5, seed=3, today=TODAY)
    settlements = list(Settlement.objects.all())
    assert len(settlements) == result.settlements > result.people > 0
    assert {s.kind for s in settlements} == {"outpatient", "general_fee", "inpatient", "two_diseases_drug"}
    for s in settlements:
        assert date(2026, 1, 1) <= s.visit_date < TODAY
        assert s.basic_fund + s.critical_illness + s.assistance + s.extra_assistance + s.personal == s.total
        assert s.parameter_versions and s.explanation
    assert any(s.basic_fund > 0 for s in settlements if s.kind == "two_diseases_drug")  # their people are registered
    for total in PersonYear.objects.filter(year=2026)[:40]:
        mine = Settlement.objects.filter(person_id=total.person_id, year=2026).aggregate(b=Sum("basic_fund"), p=Sum("personal"))
        assert (total.basic_fund, total.personal) == (mine["b"], mine["p"])
    assert Facility.objects.filter(code__startswith="DEMO-421202-", region_path__startswith=xianan.path).count() == result.facilities


def test_the_command_runs_once_and_the_pages_show_the_settlements(xianan, clerk_client):
    call_command("generate_demo", households=60, stdout=io.StringIO())
    out = io.StringIO()
    call_command("generate_settlement_demo", stdout=out)
    count = Settlement.objects.count()
    assert count > 0 and f"{count} 条结算单" in out.getvalue()
    call_command("generate_settlement_demo", "--if-empty", stdout=io.StringIO())
    assert Settlement.objects.count() == count
    hospital = Facility.objects.get(code="DEMO-421202-H2")
    month = Settlement.objects.filter(facility=hospital).values_list("visit_date", flat=True).first()
    page = clerk_client.get(f"/benefits/settlements/?facility={hospital.pk}&year={month.year}&month={month.month}").content.decode()
    bill = Settlement.objects.filter(facility=hospital, visit_date__year=month.year, visit_date__month=month.month).first().bill_number
    assert bill in page
    # the month's totals row holds each tier's sum to the cent, with thousands separators
    month_rows = Settlement.objects.filter(facility=hospital, visit_date__year=month.year, visit_date__month=month.month)
    sums = month_rows.aggregate(*(Sum(t) for t in ("total", "basic_fund", "critical_illness")))
    totals_row = page.split('id="totals-row"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="money">([^<]*)</td>', totals_row)
    assert cells[:3] == [f"{sums[f'{t}__sum']:,.2f}" for t in ("total", "basic_fund", "critical_illness")]
