"""A designated facility's upload of 门诊慢特病 applications (issue 11, J003 §二(三)10): an
officer creates the facility's account on 用户管理 and hands over its token; the facility's
system uploads an application with evidence through /api/chronic-applications/, naming
itself; a reviewer decides it as any other; the facility reads the decision back. The account
never opens a staff page, reaches no other facility's uploads and no person outside its
pooling region."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from benefits.models import ChronicApproval, Facility
from benefits.services import chronic
from core.errors import ServiceError
from core.models import ApiToken, Region
from core.roles import CLERK, FACILITY, REVIEWER
from core.services import users as user_services
from enrollment.models import Enrollment, ResidentScheme
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
URL = "/api/chronic-applications/"


def _enrol(person):
    year = timezone.localdate().year
    Enrollment.objects.create(person=person, benefit_year=year, scheme=ResidentScheme.objects.get(code="xianning"), category="regular",
                              channel="individual", village=person.village, region_path=person.village.path, status="paid",
                              registered_on=date(year - 1, 10, 1), standard="400", subsidy="0", amount_due="400",
                              benefit_start=date(year, 1, 1), benefit_end=date(year, 12, 31))
    return person


@pytest.fixture
def world(officer, xianan, jiayu, village, jiayu_villages, current_standards):
    start = date(2020, 1, 1)
    hospital = Facility.objects.create(code="H2", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start)
    other = Facility.objects.create(code="J2", name="嘉鱼县人民医院", level=2, tier="secondary_plus", region=jiayu, agreement_from=start)
    township = Facility.objects.create(code="T1", name="北坪镇卫生院", level=1, tier="township", region=village, agreement_from=start)
    account = user_services.user_create(officer=officer, username="h2_api", full_name="咸安区人民医院（接口）", region=None,
                                        roles=[FACILITY], facility=hospital)
    token, _revoked = user_services.facility_token_issue(officer=officer, user=account)
    person = _enrol(factories.person(village, name="慢病甲"))
    jiayu_person = _enrol(factories.person(jiayu_villages[0], name="嘉鱼慢病", birth=date(1970, 3, 3)))
    return {"hospital": hospital, "other": other, "township": township, "account": account, "token": token, "person": person,
            "jiayu_person": jiayu_person}


def _post(client, token, person=None, *, files=None, **fields):
    data = {"id_number": person.id_number if person else "", "name": person.name if person else "", "disease": "tuberculosis",
            "diagnosing_hospital": "咸宁市中心医院", "diagnosed_on": "2026-01-10"}
    data.update(fields)
    data["evidence"] = [SimpleUploadedFile("诊断证明.pdf", PDF, "application/pdf")] if files is None else files
    return client.post(URL, data, headers={"Authorization": f"Bearer {token}"} if token else {})


def _get(client, token, url=URL, **params):
    return client.get(url, params, headers={"Authorization": f"Bearer {token}"})


def test_the_account_has_no_password_and_its_region_is_the_facility_s(world, xianan):
    account = world["account"]
    assert not account.has_usable_password()
    assert account.region == xianan and account.department == "facility"
    assert [g.name for g in account.groups.all()] == [FACILITY]
    assert ApiToken.objects.filter(user=account, revoked_at__isnull=True).count() == 1
    messages = [e.get_change_message() for e in user_services.user_history(account)]
    assert any("所属定点医疗机构 咸安区人民医院" in m for m in messages) and any("生成接口令牌" in m for m in messages)


def test_an_upload_becomes_an_application_a_reviewer_decides_and_the_facility_reads_back(client, world, xianan):
    response = _post(client, world["token"], world["person"], disease="结核病")
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert (body["status"], body["status_label"], body["disease"]["code"]) == ("submitted", "待审核", "tuberculosis")
    assert body["facility"] == {"code": "H2", "name": "咸安区人民医院"}
    assert body["person"]["id_number"] != world["person"].id_number  # masked
    approval = ChronicApproval.objects.get(pk=body["id"])
    assert approval.facility == world["hospital"] and approval.submitted_by == world["account"]
    assert approval.evidence.count() == 1 and approval.evidence.get().content_type == "application/pdf"
    assert [s.action for s in approval.steps.all()] == ["申报"]

    reviewer = factories.user("reviewer_xianan", REVIEWER, xianan)
    assert approval in chronic.review_queue(reviewer)
    chronic.approval_decide(user=reviewer, approval=approval, approve=True)
    read = _get(client, world["token"], f"{URL}{approval.pk}/").json()
    assert read["status"] == "approved" and read["valid_from"] == timezone.localdate().isoformat()
    listed = _get(client, world["token"], status="approved").json()
    assert [row["id"] for row in listed["results"]] == [approval.pk]
    assert _get(client, world["token"], status="rejected").json()["count"] == 0


def test_the_facility_is_always_the_account_s_own_and_must_suit_the_disease(client, world):
    # A township health centre's account cannot upload a disease that needs a secondary hospital.
    officer = world["account"].region and factories.user("officer2", "市局", Region.objects.get(code="421200"), staff=True)
    account = user_services.user_create(officer=officer, username="t1_api", full_name="北坪镇卫生院（接口）", region=None,
                                        roles=[FACILITY], facility=world["township"])
    assert account.region == world["township"].region.parent  # a village facility's account sits in its township
    token, _revoked = user_services.facility_token_issue(officer=officer, user=account)
    response = _post(client, token, world["person"], disease="malignant_tumour")
    assert response.status_code == 400
    assert response.json()["field"] == "facility" and "北坪镇卫生院" in response.json()["error"]
    assert not ChronicApproval.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"name": "慢病乙"}, "id_number"),  # the right number with another name reads as not found
    ({"id_number": "421202198005170000"}, "id_number"),
    ({"disease": "没有的病"}, "disease"),
    ({"disease": "hypertension"}, "disease"),  # a 两病 is registered, not approved
    ({"diagnosed_on": "2026-13-01"}, "diagnosed_on"),
    ({"diagnosed_on": ""}, "diagnosed_on"),
    ({"diagnosed_on": "2099-01-01"}, "diagnosed_on"),  # after today
    ({"diagnosed_on": "1979-12-31"}, "diagnosed_on"),  # before the person was born (1980-05-17)
    ({"id_number": "42120219800517"}, "id_number"),  # not a valid number: said so, not "not found"
    ({"diagnosing_hospital": "医" * 101}, "diagnosing_hospital"),
])
def test_bad_fields_are_refused_in_chinese_with_the_field_and_nothing_written(client, world, change, field):
    response = _post(client, world["token"], world["person"], **change)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and any("\u4e00" <= ch <= "\u9fff" for ch in body["error"])
    assert not ChronicApproval.objects.exists()


def test_evidence_is_required_checked_by_content_and_counted(client, world):
    assert _post(client, world["token"], world["person"], files=[]).json()["field"] == "evidence"
    fake = SimpleUploadedFile("诊断证明.pdf", b"MZ not a pdf", "application/pdf")
    refused = _post(client, world["token"], world["person"], files=[fake]).json()
    assert refused["field"] == "evidence" and "不是 PDF" in refused["error"]
    many = [SimpleUploadedFile(f"{i}.pdf", PDF, "application/pdf") for i in range(11)]
    assert _post(client, world["token"], world["person"], files=many).json()["field"] == "evidence"
    assert not ChronicApproval.objects.exists()


def test_a_resident_of_another_county_in_the_city_may_choose_the_facility(client, world):
    response = _post(client, world["token"], world["jiayu_person"])
    assert response.status_code == 201, response.content.decode()


def test_a_second_upload_is_a_duplicate_and_one_due_for_renewal_renews(client, world):
    assert _post(client, world["token"], world["person"]).status_code == 201
    again = _post(client, world["token"], world["person"])
    assert again.status_code == 400 and "待审核" in again.json()["error"]
    ChronicApproval.objects.all().delete()
    today = timezone.localdate()
    held = factories.chronic_approval(world["person"], "tuberculosis", world["hospital"], today - timedelta(days=700),
                                      today + timedelta(days=20))
    renewal = _post(client, world["token"], world["person"])
    assert renewal.status_code == 201 and renewal.json()["renews"] == held.pk
    held.valid_to = today + timedelta(days=200)
    held.save()
    ChronicApproval.objects.filter(renews=held).delete()
    early = _post(client, world["token"], world["person"])
    assert early.status_code == 400 and "续期" in early.json()["error"]


def test_tokens_sessions_and_other_accounts_are_refused(client, world, clerk):
    assert _post(client, None, world["person"]).status_code == 401
    assert _post(client, "yb_not-a-token", world["person"]).status_code == 401
    # Staff use the 申报 page: neither a clerk's token nor a clerk's session opens this door.
    from core.services.tokens import token_create

    _record, clerk_token = token_create(user=clerk, name="试算")
    assert _post(client, clerk_token, world["person"]).status_code == 403
    client.force_login(clerk)
    assert client.post(URL, {"id_number": world["person"].id_number}).status_code == 401
    client.logout()
    # A new token replaces the old one.
    fresh, _revoked = user_services.facility_token_issue(officer=factories.user("officer3", "市局", Region.objects.get(code="421200"), staff=True),
                                               user=world["account"])
    assert _get(client, world["token"]).status_code == 401 and _get(client, fresh).status_code == 200
    # A deactivated account's token stops working.
    world["account"].is_active = False
    world["account"].save()
    assert _get(client, fresh).status_code == 401
    assert not ChronicApproval.objects.exists()


def test_a_facility_reads_only_its_own_uploads(client, world, clerk):
    mine = _post(client, world["token"], world["person"]).json()["id"]
    officer = factories.user("officer4", "市局", Region.objects.get(code="421200"), staff=True)
    other = user_services.user_create(officer=officer, username="j2_api", full_name="嘉鱼县人民医院（接口）", region=None,
                                      roles=[FACILITY], facility=world["other"])
    other_token, _revoked = user_services.facility_token_issue(officer=officer, user=other)
    assert _get(client, other_token, f"{URL}{mine}/").status_code == 404
    assert _get(client, other_token).json()["count"] == 0
    assert _get(client, world["token"]).json()["count"] == 1


def test_bad_query_parameters_and_methods(client, world):
    assert _get(client, world["token"], since="yesterday").status_code == 400
    assert _get(client, world["token"], since="0001-01-01").status_code == 400
    assert _get(client, world["token"], status="open").json()["field"] == "status"
    assert client.delete(URL, headers={"Authorization": f"Bearer {world['token']}"}).status_code == 405
    assert client.post(f"{URL}1/", headers={"Authorization": f"Bearer {world['token']}"}).status_code == 405
    broken = client.post(URL, b"--x\r\nnot multipart", content_type="multipart/form-data; boundary=x",
                         headers={"Authorization": f"Bearer {world['token']}"})
    assert broken.status_code == 400


def test_the_account_never_opens_a_staff_page(client, world):
    account = world["account"]
    refused = client.post("/login/", {"username": "h2_api", "password": ""})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session  # no password opens it
    client.force_login(account)  # as if it held a session
    for url in ("/", reverse("benefits:chronic_list"), reverse("enrollment:people"), "/admin/"):
        assert client.get(url).status_code == 403, url


def test_user_management_rules_for_facility_accounts(world, officer, xianan, clerk):
    with pytest.raises(ServiceError) as no_facility:
        user_services.user_create(officer=officer, username="x_api", full_name="某医院", region=None, roles=[FACILITY])
    assert no_facility.value.field == "facility"
    with pytest.raises(ServiceError) as mixed:
        user_services.user_create(officer=officer, username="x_api", full_name="某医院", region=None, roles=[FACILITY, CLERK],
                                  facility=world["hospital"])
    assert mixed.value.code == "role_facility"
    outside = Facility.objects.create(code="OUT", name="北京某医院", level=3, tier="secondary_plus", region=xianan, designated=False,
                                      place_province="北京市", agreement_from=date(2020, 1, 1))
    with pytest.raises(ServiceError):
        user_services.user_create(officer=officer, username="x_api", full_name="某医院", region=None, roles=[FACILITY], facility=outside)
    county_officer = factories.user("xianan_officer", "市局", xianan, staff=True)
    with pytest.raises(ServiceError) as beyond:
        user_services.user_create(officer=county_officer, username="x_api", full_name="某医院", region=None, roles=[FACILITY],
                                  facility=world["other"])
    assert beyond.value.field == "facility"
    with pytest.raises(ServiceError) as no_password:
        user_services.user_set_password(officer=officer, user=world["account"], password="another-pass-2026")
    assert no_password.value.code == "facility_account"
    # Turning the account into a clerk's revokes its tokens; the officer then sets a password.
    user_services.user_update(officer=officer, user=world["account"], full_name="原接口", region=xianan, roles=[CLERK],
                              is_active=True)
    assert not ApiToken.objects.filter(user=world["account"], revoked_at__isnull=True).exists()
    world["account"].refresh_from_db()
    assert world["account"].facility is None and world["account"].department == "bureau"


def test_an_officer_creates_the_account_on_the_users_page_and_sees_its_token_once(client, world, officer):
    client.force_login(officer)
    form = client.get(reverse("users:new")).content.decode()
    assert "所属定点医疗机构" in form and "咸安区 咸安区人民医院" not in form  # the name already says where
    response = client.post(reverse("users:new"), {"username": "h2_api2", "full_name": "咸安区人民医院（接口二）", "roles": FACILITY,
                                                  "facility": world["hospital"].pk, "password_choice": "generate"})
    page = response.content.decode()
    assert response.status_code == 200 and "接口令牌" in page and "咸安区人民医院（H2）" in page
    token = page.split('id="initial-password">')[1].split("<")[0]
    assert token.startswith("yb_")
    assert _get(client, token).status_code == 200
    account = user_services.User.objects.get(username="h2_api2")
    assert account.facility == world["hospital"] and not account.has_usable_password()
    edit = client.get(reverse("users:edit", args=[account.pk])).content.decode()
    assert "生成接口令牌" in edit and "重设密码" not in edit
    renewed = client.post(reverse("users:password", args=[account.pk])).content.decode()
    new_token = renewed.split('id="initial-password">')[1].split("<")[0]
    assert new_token != token and _get(client, token).status_code == 401 and _get(client, new_token).status_code == 200
    # A facility role without a facility is refused on the form, in Chinese.
    refused = client.post(reverse("users:new"), {"username": "h2_api3", "full_name": "某医院", "roles": FACILITY,
                                                 "password_choice": "generate"}).content.decode()
    assert "定点医疗机构账号请选择所属定点医疗机构" in refused


# ------------------------------------------------------------------------------ after the tryout


def test_the_id_number_and_the_hospital_messages_say_what_is_wrong(client, world):
    wrong = _post(client, world["token"], world["person"], id_number="42120219800517").json()
    assert wrong["error"].startswith("身份证号有误：") and "18位" in wrong["error"]
    long = _post(client, world["token"], world["person"], diagnosing_hospital="医" * 101).json()
    assert long["error"] == "确诊医院不能超过100个字"
    born = _post(client, world["token"], world["person"], diagnosed_on="1979-12-31").json()
    assert "不能早于慢病甲的出生日期 1980-05-17" in born["error"]


def test_a_token_stops_when_the_account_changes_facility_or_is_deactivated(client, world, officer, jiayu):
    account, token = world["account"], world["token"]
    user_services.user_update(officer=officer, user=account, full_name=account.full_name, region=None, roles=[FACILITY],
                              is_active=True, facility=world["other"])
    refused = _get(client, token)
    assert refused.status_code == 401 and "已停用或已更换" in refused.json()["error"]
    fresh, revoked = user_services.facility_token_issue(officer=officer, user=account)
    assert revoked == 0 and _get(client, fresh).status_code == 200
    user_services.user_deactivate(officer=officer, user=account)
    account.refresh_from_db()
    user_services.user_update(officer=officer, user=account, full_name=account.full_name, region=None, roles=[FACILITY],
                              is_active=True, facility=world["other"])
    assert _get(client, fresh).status_code == 401  # reactivating does not revive the old token


def test_the_list_pages_with_a_cursor_and_counts_every_upload(client, world, monkeypatch):
    from benefits import views_api

    monkeypatch.setattr(views_api, "LIST_LIMIT", 2)
    people = [world["person"], world["jiayu_person"]]
    ids = [_post(client, world["token"], p).json()["id"] for p in people]
    ids += [_post(client, world["token"], p, disease="尿毒症透析").json()["id"] for p in people]
    first = _get(client, world["token"]).json()
    assert first["count"] == 4 and [r["id"] for r in first["results"]] == sorted(ids, reverse=True)[:2]
    second = _get(client, world["token"], before=first["next_before"]).json()
    assert [r["id"] for r in second["results"]] == sorted(ids, reverse=True)[2:] and second["next_before"] is None
    assert _get(client, world["token"], status="待审核").json()["count"] == 4  # the Chinese label is understood
    assert _get(client, world["token"], before="abc").json()["field"] == "before"


def test_a_body_that_is_not_multipart_or_is_empty_is_refused_as_unreadable(client, world):
    headers = {"Authorization": f"Bearer {world['token']}"}
    as_json = client.post(URL, {"id_number": world["person"].id_number}, content_type="application/json", headers=headers).json()
    assert as_json["field"] == "body" and "multipart/form-data" in as_json["error"]
    empty = client.post(URL, b"", content_type="multipart/form-data; boundary=x", headers=headers).json()
    assert empty["field"] == "body"


def test_user_management_follows_the_role_and_refuses_what_it_would_drop(client, world, officer, xianan):
    # A clerk turned into a facility's account: the department follows the role
    clerk = user_services.user_create(officer=officer, username="was_clerk", full_name="原经办员", region=xianan, roles=[CLERK],
                                      password="clerk-pass-2026x")
    user_services.user_update(officer=officer, user=clerk, full_name="咸安区人民医院（接口三）", region=None, roles=[FACILITY],
                              department="bureau", is_active=True, facility=world["hospital"])
    clerk.refresh_from_db()
    assert clerk.department == "facility" and not clerk.has_usable_password()
    with pytest.raises(ServiceError) as dropped:
        user_services.user_create(officer=officer, username="c_fac", full_name="某经办员", region=xianan, roles=[CLERK],
                                  password="clerk-pass-2026x", facility=world["hospital"])
    assert dropped.value.field == "facility"
    client.force_login(officer)
    page = client.post(reverse("users:new"), {"username": "h2_api9", "full_name": "某医院", "roles": FACILITY,
                                              "facility": world["hospital"].pk, "password_choice": "set",
                                              "password": "pass-word-2026x", "password_confirm": "pass-word-2026x"}).content.decode()
    assert "定点医疗机构账号不设密码" in page and not user_services.User.objects.filter(username="h2_api9").exists()
    listed = client.get(reverse("users:list")).content.decode()
    assert "定点医疗机构（咸安区人民医院）" in listed and "接口未使用" in listed  # its token has not been used yet


def test_a_clerk_sees_an_upload_in_the_queue_as_something_to_look_at(client, world, clerk):
    assert _post(client, world["token"], world["person"]).status_code == 201
    client.force_login(clerk)
    page = client.get(reverse("benefits:chronic_queue")).content.decode()
    assert "（机构上传）" in page and ">审核<" not in page and ">查看<" in page
