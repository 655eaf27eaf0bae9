"""A user above every pooling region (the 市局 group bound to 湖北省, above 咸宁 and 十堰) supervises:
it reads a person's filings but files, ends and revokes none, takes no paper bills, and no page
or menu offers it either (benefits.services.casework, issue 10). The city's officer (咸宁市) and
a county clerk still do the casework, and so does a user bound to 吉林省, whose pooling region
is the province itself."""

from datetime import date

import pytest

from benefits.models import RemoteCareFiling
from benefits.services.claims import may_take_claims
from benefits.services.filings import filing_create, filing_end, filing_revoke
from core.errors import ServiceError
from core.models import ImportJob, Region, RegionLevel
from core.roles import CITY_OFFICER, CLERK
from tests import factories
from tests.spreadsheets import previewed, workbook

pytestmark = pytest.mark.django_db

READ_ONLY = "省级用户只能查看备案，请由参保地县（市、区）医保经办机构办理"
GZ = {"destination_province": "广东省", "destination_city": "广州市"}
NEW_FILING = {"kind": "referral", "destination_province": "北京市", "destination_city": "", "valid_from": "2026-03-01",
              "valid_to": "2026-04-30", "hospital": "北京协和医院"}
CLAIM_LINK = 'href="/benefits/claims/new/"'


@pytest.fixture
def province(presets):
    return factories.user("province", CITY_OFFICER, Region.objects.get(code="420000"), staff=True)


@pytest.fixture
def person(village):
    return factories.person(village, name="李外出")


@pytest.fixture
def filing(clerk, person):
    return filing_create(user=clerk, person=person, kind="temporary", valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30), **GZ)


def refused(call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call(**kwargs)
    return raised.value


def stored(filing) -> tuple:
    filing.refresh_from_db()
    return filing.status, filing.valid_to, filing.revoked_reason, filing.history.count(), RemoteCareFiling.objects.count()


# ---------------------------------------------------------------------------- filings


def test_the_province_user_sees_a_persons_filings_without_their_buttons(client, province, officer, clerk, person, filing):
    # Given a filing of a 咸安区 person, when the province's user opens the person page
    client.force_login(province)
    page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
    # Then it reads the filing but is offered no 办理备案, 修改结束日期 or 撤销
    assert "临时外出就医备案" in page and "广东省广州市" in page and "2026-01-01 至 2026-06-30" in page
    assert "/filings/new/" not in page and f"/filings/{filing.pk}/end/" not in page and f"/filings/{filing.pk}/revoke/" not in page
    assert "办理备案" not in page and "修改结束日期" not in page
    # while the city's officer and the county clerk are offered all three
    for user in (officer, clerk):
        client.force_login(user)
        page = client.get(f"/enrollment/people/{person.pk}/").content.decode()
        assert f"/benefits/people/{person.pk}/filings/new/" in page, user
        assert f"/benefits/filings/{filing.pk}/end/" in page and f"/benefits/filings/{filing.pk}/revoke/" in page, user


def test_the_province_user_reads_the_filing_list_which_says_it_only_reads(client, province, clerk, filing):
    client.force_login(province)
    page = client.get("/benefits/filings/").content.decode()
    assert "李外出" in page and READ_ONLY in page and "办理备案请在人员页面操作" not in page
    client.force_login(clerk)
    page = client.get("/benefits/filings/").content.decode()
    assert "李外出" in page and READ_ONLY not in page and "办理备案请在人员页面操作" in page


def test_the_services_refuse_the_province_user_and_write_nothing(province, person, filing):
    before = stored(filing)
    error = refused(filing_create, user=province, person=person, kind="referral", valid_from=date(2026, 3, 1), destination_province="北京市")
    assert (error.code, error.message) == ("read_only", READ_ONLY)
    assert refused(filing_end, user=province, filing=filing, valid_to=date(2026, 2, 28), reason="已返乡").message == READ_ONLY
    assert refused(filing_revoke, user=province, filing=filing, reason="录入错误").message == READ_ONLY
    assert stored(filing) == before


def test_a_direct_post_by_the_province_user_is_refused_in_chinese_and_writes_nothing(client, province, person, filing):
    before = stored(filing)
    client.force_login(province)
    for url, data in ((f"/benefits/people/{person.pk}/filings/new/", NEW_FILING),
                      (f"/benefits/filings/{filing.pk}/end/", {"valid_to": "2026-02-28", "reason": "已返乡"}),
                      (f"/benefits/filings/{filing.pk}/revoke/", {"reason": "录入错误", "confirm": "on"})):
        for response in (client.get(url), client.post(url, data)):
            page = response.content.decode()
            # Then the page refuses in Chinese, offers no form to submit, and nothing is written
            assert response.status_code == 403 and page.count(READ_ONLY) == 1, url
            assert '<form method="post" class="col-lg-6">' not in page and "确认撤销" not in page, url
    assert stored(filing) == before


def test_the_city_officer_and_a_county_clerk_still_file_end_and_revoke(client, officer, clerk, person):
    for user, reason in ((officer, "市局办理"), (clerk, "县区办理")):
        client.force_login(user)
        response = client.post(f"/benefits/people/{person.pk}/filings/new/", NEW_FILING)
        assert response.status_code == 302, user
        filing = RemoteCareFiling.objects.get(status="valid", created_by=user)
        assert client.post(f"/benefits/filings/{filing.pk}/end/", {"valid_to": "2026-03-31", "reason": reason}).status_code == 302
        assert client.post(f"/benefits/filings/{filing.pk}/revoke/", {"reason": reason, "confirm": "on"}).status_code == 302
        filing.refresh_from_db()
        assert (filing.valid_to, filing.status, filing.revoked_reason) == (date(2026, 3, 31), "revoked", reason)


def test_the_province_users_filing_list_import_is_refused_saying_why(client, province, clerk, person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports

    data = workbook(["身份证号", "姓名", "备案类型", "就医省份", "就医城市", "备案开始日期", "备案结束日期"],
                    [[person.id_number, person.name, "临时外出就医备案", "广东省", "广州市", "2026-01-01", "2026-06-30"]])
    # The job is not even started (the import list does not offer it either)
    error = refused(imports.import_job_create, user=province, kind="remote_filings", uploaded=SimpleUploadedFile("备案名单.xlsx", data))
    assert "省级用户只能查看备案，不能导入异地就医备案名单" in error.message and "请由参保地县（市、区）医保经办机构导入" in error.message
    # and a job that reaches the preview by another door fails there, saying the same
    importer = imports.importer_class("remote_filings")(user=province)
    assert refused(importer.prepare, rows=[]).code == "read_only"
    assert not ImportJob.objects.exists() and not RemoteCareFiling.objects.exists()
    # The county clerk's same file previews as new
    assert previewed(clerk, data, kind="remote_filings", name="备案名单.xlsx").status == ImportJob.Status.PREVIEWED


# ---------------------------------------------------------------------------- paper bills


def test_the_province_user_has_no_manual_claim_link_and_the_city_and_county_have(client, province, officer, clerk):
    client.force_login(province)
    home = client.get("/").content.decode()
    assert "手工报销季度汇总" in home  # the menu is there; the province supervises the claims
    assert CLAIM_LINK not in home and "手工报销录入" not in home
    assert CLAIM_LINK not in client.get("/benefits/filings/").content.decode()
    assert client.get("/benefits/claims/new/").status_code == 403
    assert not may_take_claims(province)
    for user in (officer, clerk):
        client.force_login(user)
        assert CLAIM_LINK in client.get("/").content.decode(), user
        assert client.get("/benefits/claims/new/").status_code == 200, user
        assert may_take_claims(user), user


# ---------------------------------------------------------------------------- a province that pools


def test_a_user_of_jilin_where_the_province_is_the_pooling_region_does_the_casework(client, presets):
    # 吉林's resident insurance pools at the province (RULES.md 3.7): its province users are the
    # pooling region's agency, not above it.
    jilin = Region.objects.get(code="220000")
    county = factories.region("220102", "南关区", RegionLevel.COUNTY, jilin)
    person = factories.person(factories.township_and_villages(county)[1][0], name="吉林人")
    agency = factories.user("jilin_officer", CITY_OFFICER, jilin, staff=True)
    filing = filing_create(user=agency, person=person, kind="temporary", valid_from=date(2026, 1, 1), destination_province="辽宁省",
                           destination_city="沈阳市")
    assert filing_revoke(user=agency, filing=filing, reason="录入错误").status == "revoked"
    assert may_take_claims(agency) and may_take_claims(factories.user("clerk_nanguan", CLERK, county))
    client.force_login(agency)
    assert CLAIM_LINK in client.get("/").content.decode()


# ---------------------------------------------------------------------------- bills and imports


@pytest.fixture
def bill(officer, person, xianan):
    from decimal import Decimal

    from benefits.models import Facility
    from benefits.services.settlements import VisitInput, settlement_create
    from enrollment.services.enrollments import enrollment_register

    enrollment_register(user=officer, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    hospital = Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    return settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="ZY1", kind="inpatient",
                                                           visit_date=date(2023, 3, 1), costs={"class_a": Decimal("5000")}))


def test_the_province_user_reads_a_bill_but_does_not_reverse_it(client, province, officer, bill):
    from benefits.models import Settlement
    from benefits.services.settlements import settlement_reverse

    # The page offers no 冲正 to the province's user; the city's officer has it.
    client.force_login(province)
    page = client.get(f"/benefits/settlements/{bill.pk}/").content.decode()
    assert "ZY1" in page and "reverse-dialog" not in page
    year_page = client.get(f"/benefits/people/{bill.person_id}/settlements/?year=2023").content.decode()
    assert "ZY1" in year_page and "reverse-dialog" not in year_page
    # A direct POST writes nothing; the service says why.
    response = client.post(f"/benefits/settlements/{bill.pk}/reverse/", {"reason": "重复", "confirm": "1"}, follow=True)
    assert "省级用户只能查看结算单" in response.content.decode()
    assert Settlement.objects.get(pk=bill.pk).status == "settled" and Settlement.objects.count() == 1
    assert refused(settlement_reverse, user=province, settlement=bill, reason="重复").code == "read_only"
    client.force_login(officer)
    assert "reverse-dialog" in client.get(f"/benefits/settlements/{bill.pk}/").content.decode()


def test_the_province_user_is_not_offered_the_settlement_or_filing_imports(client, province, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports

    assert not imports.can_import(province, "settlements") and not imports.can_import(province, "remote_filings")
    assert imports.can_import(officer, "settlements") and imports.can_import(officer, "remote_filings")
    client.force_login(province)
    page = client.get("/imports/").content.decode()
    assert "定点机构结算数据导入" not in page and "异地就医备案名单导入" not in page
    error = refused(imports.import_job_create, user=province, kind="settlements", uploaded=SimpleUploadedFile("a.csv", b"x"))
    assert "省级用户只能查看结算单" in error.message and not ImportJob.objects.exists()


@pytest.mark.parametrize("kind, menu", [("settlements", "导入定点机构结算数据"), ("remote_filings", "导入异地就医备案"),
                                        ("chronic_approvals", "导入门诊慢特病认定名单")])
def test_neither_the_menu_nor_the_form_offers_the_province_user_an_import_it_would_refuse(client, province, officer, kind, menu):
    client.force_login(province)
    assert menu not in client.get("/").content.decode()
    form = client.get(f"/imports/new/{kind}/")
    assert form.status_code == 403
    assert client.get(f"/imports/template/{kind}.xlsx").status_code == 403
    client.force_login(officer)  # the city's officer is offered it
    assert menu in client.get("/").content.decode()
    assert client.get(f"/imports/new/{kind}/").status_code == 200
