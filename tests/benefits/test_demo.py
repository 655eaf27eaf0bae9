"""Demo settlements (benefits.services.demo): this year's visits of demo people, settled by the
engine, consistent with the people's year totals, shown on the settlement pages."""

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from benefits.demo_remote import generate_remote_demo
from benefits.models import ChronicApproval, Facility, PersonYear, RemoteCareFiling, Settlement
from benefits.services.demo import generate_settlement_demo
from core.models import User
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
        assert s.parameter_set.versions and s.explanation
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
    # in the city, from the facilities (the chronic visits of the approved people come after)
    year_visits = Settlement.objects.filter(channel="direct", filing__isnull=True).exclude(kind="chronic").count()
    assert year_visits > 0 and f"{year_visits} 条结算单" in out.getvalue()
    # then the county's demo clerk files remote care and takes paper bills (benefits.demo_remote)
    chronic_visits = Settlement.objects.filter(kind="chronic")
    remote = count - year_visits - chronic_visits.count()
    assert "异地就医演示：6 条备案，4 条市外结算单，3 笔手工报销（经办员 clerk）" in out.getvalue() and remote == 7
    # and 门诊慢特病 (benefits.demo_chronic): the clerk submits, the city officer decides, the approved are settled
    approvals = ChronicApproval.objects.all()
    assert {a.status for a in approvals} == {"approved", "submitted", "rejected"}
    assert {a.submitted_by.username for a in approvals} == {"clerk"}
    assert {a.decided_by.username for a in approvals if a.decided_by} == {"officer"}
    assert all(a.evidence.exists() for a in approvals)
    approved = [a for a in approvals if a.status == "approved"]
    assert f"{len(approved)} 人已认定（{chronic_visits.count()} 条慢特病结算单），2 人待审核，1 人未通过" in out.getvalue()
    for s in chronic_visits:
        assert any(a.person_id == s.person_id and a.facility_id == s.facility_id and a.disease.code == s.disease for a in approved)
    assert any(s.chronic_fund > 0 for s in chronic_visits)  # paid by the chronic pool under the approval
    from benefits.services.chronic import renewal_queue

    assert len(renewal_queue(User.objects.get(username="officer"))) == 1  # one approval ends within the renewal window
    demo_clerk = User.objects.get(username="clerk")
    assert not demo_clerk.has_usable_password()  # create_demo_users sets the password
    assert set(RemoteCareFiling.objects.values_list("created_by", flat=True)) == {demo_clerk.pk}
    assert "转诊备案" in clerk_client.get(f"/enrollment/people/{RemoteCareFiling.objects.first().person_id}/").content.decode()
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


def _remote_demo(xianan, clerk):
    generate_demo(county=xianan, households=120, seed=3, today=TODAY)
    generate_settlement_demo(county=xianan, share=0.5, seed=3, today=TODAY)
    return generate_remote_demo(county=xianan, user=clerk, seed=3, today=TODAY)


def test_the_demo_files_remote_care_and_settles_outside_the_city_on_the_filings(xianan, clerk, clerk_client):
    # Given the county's demo people and their year's visits, when the remote-care demo runs
    result = _remote_demo(xianan, clerk)
    # Then the clerk has filed each kind, one ended early and one revoked with its reason
    filings = list(RemoteCareFiling.objects.filter(region_path__startswith=xianan.path).select_related("person"))
    assert result.filings == len(filings) == 6
    assert {f.kind for f in filings} == {"referral", "temporary", "long_term"}
    assert {f.created_by_id for f in filings} == {clerk.pk}
    revoked = [f for f in filings if f.status == "revoked"]
    assert len(revoked) == 1 and revoked[0].revoked_reason.startswith("录入错误")
    assert sum(1 for f in filings if f.kind == "temporary" and f.valid_to and f.valid_to < date(2026, 9, 1)) == 2  # both ended early
    # and the remote hospitals' bills rest on the filing valid on the admission date
    remote = list(Settlement.objects.filter(facility__place_province__gt="", channel="direct").select_related("filing", "facility"))
    assert result.settlements == len(remote) == 4
    assert {s.location for s in remote} == {"remote_filed", "remote_long_term"}
    for s in remote:
        assert s.filing is not None and s.filing.status == "valid" and s.filing.person_id == s.person_id
        assert s.filing.valid_from <= s.visit_date <= (s.filing.valid_to or s.visit_date)
        assert s.filing.destination_province == s.facility.place_province
        assert s.basic_fund > 0 and s.basic_fund + s.critical_illness + s.assistance + s.extra_assistance + s.personal == s.total
    assert not any(s.in_province for s in remote if s.facility.place_province != "湖北省")
    # and the clerk sees them: the person page lists the filings, the settlement page the filing it rests on
    referral = next(s for s in remote if s.facility.place_city == "武汉市")
    person_page = clerk_client.get(f"/enrollment/people/{referral.person_id}/").content.decode()
    assert "转诊备案" in person_page and "湖北省武汉市" in person_page
    revoked_page = clerk_client.get(f"/enrollment/people/{revoked[0].person_id}/").content.decode()
    assert "已撤销" in revoked_page and revoked[0].revoked_reason in revoked_page
    detail = clerk_client.get(f"/benefits/settlements/{referral.pk}/").content.decode()
    assert "依据转诊备案（湖北省武汉市" in detail
    month = f"year={referral.visit_date.year}&month={referral.visit_date.month}"
    listing = clerk_client.get(f"/benefits/settlements/?facility={referral.facility_id}&{month}").content.decode()
    assert referral.bill_number in listing


def test_the_demo_takes_manual_claims_the_clerk_finds_in_the_quarters_summary(xianan, clerk, clerk_client):
    result = _remote_demo(xianan, clerk)
    claims = list(Settlement.objects.filter(channel="manual", region_path__startswith=xianan.path).order_by("bill_number"))
    assert result.claims == len(claims) == 3
    assert {s.location for s in claims} == {"remote_filed", "remote_emergency_nondesignated", "local"}
    assert all(s.created_by_id == clerk.pk and s.claim_received_on <= TODAY for s in claims)
    assert next(s for s in claims if s.location == "remote_filed").filing_id is not None
    quarters = {(s.claim_received_on.year, (s.claim_received_on.month - 1) // 3 + 1) for s in claims}
    shown = "".join(clerk_client.get(f"/benefits/claims/summary/?year={y}&quarter={q}").content.decode() for y, q in quarters)
    assert all(s.bill_number in shown for s in claims)
    assert "长沙市中心医院" in shown
    bill = clerk_client.get(f"/benefits/settlements/{claims[0].pk}/").content.decode()
    assert "手工报销" in bill


def test_the_remote_demo_run_again_adds_nothing(xianan, clerk):
    _remote_demo(xianan, clerk)
    counts = (RemoteCareFiling.objects.count(), Settlement.objects.count(), Facility.objects.count())
    again = generate_remote_demo(county=xianan, user=clerk, seed=3, today=TODAY)
    assert (again.filings, again.settlements, again.claims) == (0, 0, 0)
    assert (RemoteCareFiling.objects.count(), Settlement.objects.count(), Facility.objects.count()) == counts
