"""用户管理: an officer creates, changes and deactivates the users of their own subtree, with
the roles they may grant; another county's users are out of reach; a deactivated user's
session stops working."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client

from core.errors import ServiceError
from core.models import Department, Region, SecurityEvent, User
from core.roles import CITY_OFFICER, CLERK, DEPARTMENT_GROUPS, REVIEWER
from core.services import users as user_services
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "strong-pass-2026"


@pytest.fixture
def township(xianan):
    return factories.township_and_villages(xianan)[0]


@pytest.fixture
def county_officer(xianan):
    return factories.user("xianan_officer", CITY_OFFICER, xianan, staff=True)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def log_in(client, username, password) -> bool:
    """Through the login page, as a person does (django-axes wants the request)."""
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302 and client.session.get("_auth_user_id") is not None


def new_user_data(region, *, username="new_clerk", roles=(CLERK,), password_choice="set", password=PASSWORD, **extra):
    return {"username": username, "full_name": "王经办", "region": region.pk if isinstance(region, Region) else region,
            "roles": list(roles), "department": "", "password_choice": password_choice, "password": password,
            "password_confirm": password, **extra}


def edit_data(user, **changes):
    data = {"full_name": user.full_name or "某人", "region": user.region_id, "roles": user_services.role_names(user),
            "department": user.department, "is_active": "on" if user.is_active else ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


# ---------------------------------------------------------------------------- creating


def test_a_city_officer_creates_a_clerk_in_a_township_of_the_city_with_a_password_shown_once(officer, township):
    # Given the city officer on 用户管理
    client = logged_in(officer)
    assert "用户管理" in client.get("/enrollment/people/").content.decode()

    # When they create a clerk of 咸安区第一镇 with a generated password
    response = client.post("/users/new/", new_user_data(township, password_choice="generate", password=""))

    # Then the page shows the one-time password, with which the clerk logs in
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode() and "只显示这一次" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    clerk = User.objects.get(username="new_clerk")
    assert (clerk.region, clerk.full_name, clerk.department, clerk.is_staff, clerk.is_superuser) == \
        (township, "王经办", Department.BUREAU, False, False)
    assert user_services.role_names(clerk) == [CLERK]
    assert log_in(Client(), "new_clerk", password)
    # and the creation is recorded with the officer and the values
    entry = LogEntry.objects.get(object_id=str(clerk.pk))
    assert entry.user == officer and "角色 经办员" in entry.change_message and "咸安区第一镇" in entry.change_message


def test_a_password_set_by_the_officer_must_pass_the_password_rules(officer, xianan):
    client = logged_in(officer)

    weak = client.post("/users/new/", new_user_data(xianan, password="12345678"))
    mismatched = client.post("/users/new/", {**new_user_data(xianan), "password_confirm": "other-pass-2026"})
    created = client.post("/users/new/", new_user_data(xianan))

    assert weak.status_code == 200 and "密码" in str(weak.context["form"].errors["password"])
    assert "全部为数字" in weak.content.decode() or "太常见" in weak.content.decode()
    assert "两次输入的密码不一致" in mismatched.content.decode()
    assert created.status_code == 302
    assert User.objects.filter(username="new_clerk").count() == 1
    assert log_in(Client(), "new_clerk", PASSWORD)


def test_a_taken_username_is_a_form_error_whatever_its_case(officer, xianan, clerk):
    response = logged_in(officer).post("/users/new/", new_user_data(xianan, username="CLERK_XIANAN"))

    assert response.status_code == 200
    assert "已被使用" in str(response.context["form"].errors["username"])
    assert not User.objects.filter(username="CLERK_XIANAN").exists()


def test_a_county_officer_cannot_create_a_user_in_another_county(county_officer, jiayu):
    client = logged_in(county_officer)

    response = client.post("/users/new/", new_user_data(jiayu))

    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert not User.objects.filter(username="new_clerk").exists()
    # nor by the service, whatever door calls it
    with pytest.raises(ServiceError) as error:
        user_services.user_create(officer=county_officer, username="x_user", full_name="某", region=jiayu, roles=[CLERK], password=PASSWORD)
    assert error.value.field == "region" and "不在您的管辖区划内" in error.value.message


@pytest.mark.parametrize("region", ["abc", "99999999999", "-1", "1.5"])
def test_a_bad_region_id_is_a_form_error_not_a_server_error(county_officer, region):
    response = logged_in(county_officer).post("/users/new/", new_user_data(region))

    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert not User.objects.filter(username="new_clerk").exists()


def test_a_county_officer_cannot_grant_the_city_role(county_officer, xianan):
    client = logged_in(county_officer)
    page = client.get("/users/new/")

    response = client.post("/users/new/", new_user_data(xianan, roles=(CITY_OFFICER,)))

    assert CITY_OFFICER not in dict(page.context["form"].fields["roles"].choices)
    assert response.status_code == 200 and response.context["form"].errors["roles"]
    assert not User.objects.filter(username="new_clerk").exists()
    with pytest.raises(ServiceError) as error:
        user_services.user_create(officer=county_officer, username="x_user", full_name="某", region=xianan,
                                  roles=[CITY_OFFICER], password=PASSWORD)
    assert error.value.code == "role_denied" and "市局" in error.value.message


def test_the_city_officer_grants_the_city_role_to_a_county_officer_who_may_open_the_admin(officer, xianan):
    response = logged_in(officer).post("/users/new/", new_user_data(xianan, username="xianan_chief", roles=(CITY_OFFICER,)))

    assert response.status_code == 302
    chief = User.objects.get(username="xianan_chief")
    assert user_services.role_names(chief) == [CITY_OFFICER] and chief.is_staff and not chief.is_superuser
    # and that county officer may not grant it in turn
    assert CITY_OFFICER not in user_services.grantable_roles(chief)


def test_a_department_user_gets_the_department_of_their_role_and_cannot_also_be_a_clerk(officer, xianan):
    client = logged_in(officer)

    mixed = client.post("/users/new/", new_user_data(xianan, username="mixed", roles=(CLERK, DEPARTMENT_GROUPS["civil_affairs"])))
    wrong = client.post("/users/new/", new_user_data(xianan, username="wrong", roles=(DEPARTMENT_GROUPS["health"],),
                                                      department=Department.CIVIL_AFFAIRS))
    created = client.post("/users/new/", new_user_data(xianan, username="civil", roles=(DEPARTMENT_GROUPS["civil_affairs"],)))

    assert "部门用户不能同时担任" in str(mixed.context["form"].errors["roles"])
    assert "应授予「民政」角色" in str(wrong.context["form"].errors["department"])
    assert created.status_code == 302
    assert User.objects.get(username="civil").department == Department.CIVIL_AFFAIRS
    assert not User.objects.filter(username__in=["mixed", "wrong"]).exists()


# ---------------------------------------------------------------------------- listing


def test_the_list_shows_the_users_of_the_officers_subtree_with_their_roles_in_chinese(county_officer, clerk, other_clerk, xianan):
    reviewer = factories.user("xianan_reviewer", REVIEWER, xianan)
    client = logged_in(county_officer)

    page = client.get("/users/").content.decode()
    reviewers = client.get("/users/", {"role": REVIEWER}).content.decode()

    assert "clerk_xianan" in page and "经办员" in page and "xianan_reviewer" in page and "从未登录" in page
    assert other_clerk.username not in page and "嘉鱼" not in page
    assert reviewer.username in reviewers and clerk.username not in reviewers


@pytest.mark.parametrize("query", ["region=abc", "region=99999999999", "active=2", "role=superuser", "q=%00"])
def test_bad_list_filters_are_a_400_page(county_officer, query):
    response = logged_in(county_officer).get(f"/users/?{query}")

    assert response.status_code == 400
    assert "查询条件" in response.content.decode()


def test_another_countys_region_as_a_list_filter_is_refused(county_officer, other_clerk, jiayu):
    response = logged_in(county_officer).get("/users/", {"region": jiayu.pk})

    assert response.status_code == 400
    assert other_clerk.username not in response.content.decode()


def test_a_clerk_has_no_user_management(clerk_client):
    assert clerk_client.get("/users/").status_code == 403
    assert clerk_client.get("/users/new/").status_code == 403
    assert "用户管理" not in clerk_client.get("/enrollment/people/").content.decode()


# ---------------------------------------------------------------------------- changing and deactivating


def test_an_officer_changes_a_clerks_roles_and_region_and_the_change_is_recorded(county_officer, clerk, township):
    client = logged_in(county_officer)

    response = client.post(f"/users/{clerk.pk}/edit/", edit_data(clerk, roles=[REVIEWER], region=township.pk, full_name="李审核"))

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert (user_services.role_names(clerk), clerk.region, clerk.full_name) == ([REVIEWER], township, "李审核")
    entry = LogEntry.objects.get(object_id=str(clerk.pk))
    assert entry.user == county_officer
    assert "角色：经办员 → 审核员" in entry.change_message and "所属区划：" in entry.change_message
    assert "角色：经办员 → 审核员" in client.get(f"/users/{clerk.pk}/edit/").content.decode()


def test_deactivating_a_user_ends_their_session(county_officer, clerk):
    # Given the clerk logged in
    clerk_browser = Client()
    assert log_in(clerk_browser, clerk.username, "pass-12345-word")
    assert clerk_browser.get("/enrollment/people/").status_code == 200
    officer_client = logged_in(county_officer)

    # When the officer confirms the deactivation
    confirm = officer_client.get(f"/users/{clerk.pk}/deactivate/")
    response = officer_client.post(f"/users/{clerk.pk}/deactivate/")

    # Then the clerk's next request is sent to the login page, and they cannot log in again
    assert "确认停用" in confirm.content.decode()
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    after = clerk_browser.get("/enrollment/people/")
    assert after.status_code == 302 and after["Location"].startswith("/login/")
    assert not log_in(Client(), clerk.username, "pass-12345-word")
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(clerk.pk)]
    assert "停用账号" in LogEntry.objects.get(object_id=str(clerk.pk)).change_message


def test_unticking_in_use_on_the_edit_page_also_ends_the_session(county_officer, clerk):
    clerk_browser = Client()
    assert log_in(clerk_browser, clerk.username, "pass-12345-word")

    logged_in(county_officer).post(f"/users/{clerk.pk}/edit/", edit_data(clerk, is_active=""))

    clerk.refresh_from_db()
    assert not clerk.is_active
    assert clerk_browser.get("/enrollment/people/").status_code == 302


def test_an_officer_cannot_deactivate_themselves(county_officer):
    client = logged_in(county_officer)

    response = client.post(f"/users/{county_officer.pk}/deactivate/")

    assert response.status_code == 200 and "不能在这里修改或停用自己的账号" in response.content.decode()
    county_officer.refresh_from_db()
    assert county_officer.is_active
    assert client.get("/users/").status_code == 200


def test_a_county_officer_cannot_change_a_city_role_user_of_their_county(county_officer, xianan):
    peer = factories.user("xianan_peer", CITY_OFFICER, xianan, staff=True)
    client = logged_in(county_officer)

    page = client.get(f"/users/{peer.pk}/edit/")
    client.post(f"/users/{peer.pk}/edit/", edit_data(peer, roles=[CLERK]))
    client.post(f"/users/{peer.pk}/deactivate/")

    assert "您无权修改其账号" in page.content.decode() and page.context["form"] is None
    peer.refresh_from_db()
    assert peer.is_active and user_services.role_names(peer) == [CITY_OFFICER]


def test_another_countys_user_is_a_404_and_a_recorded_attempt(county_officer, other_clerk, jiayu):
    client = logged_in(county_officer)

    pages = [client.get(f"/users/{other_clerk.pk}/edit/"), client.post(f"/users/{other_clerk.pk}/edit/", edit_data(other_clerk)),
             client.post(f"/users/{other_clerk.pk}/deactivate/")]

    assert [p.status_code for p in pages] == [404, 404, 404]
    assert all(other_clerk.username not in p.content.decode() for p in pages)
    other_clerk.refresh_from_db()
    assert other_clerk.is_active
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_DENIED, object_type="core.User",
                                        object_id=str(other_clerk.pk)).count() == 3
    # and the service refuses the same, whatever door calls it
    with pytest.raises(ServiceError):
        user_services.user_deactivate(officer=county_officer, user=other_clerk)


def test_a_deactivated_user_is_put_back_in_use_from_the_edit_page(county_officer, clerk):
    user_services.user_deactivate(officer=county_officer, user=clerk)
    client = logged_in(county_officer)

    listed = client.get("/users/", {"active": "0"}).content.decode()
    response = client.post(f"/users/{clerk.pk}/edit/", edit_data(User.objects.get(pk=clerk.pk), is_active="on"))

    assert clerk.username in listed and "已停用" in listed
    assert response.status_code == 302
    assert log_in(Client(), clerk.username, "pass-12345-word")
    assert "状态：已停用 → 在用" in LogEntry.objects.filter(object_id=str(clerk.pk)).latest("action_time").change_message


def test_an_officer_resets_a_forgotten_password_and_the_old_session_ends(county_officer, clerk):
    # Given the clerk logged in somewhere
    old_browser = Client()
    assert log_in(old_browser, clerk.username, "pass-12345-word")
    client = logged_in(county_officer)

    # When the officer resets the password with a generated one
    response = client.post(f"/users/{clerk.pk}/password/", {"password_choice": "generate"})

    # Then the new password is shown once, works, and the old one and the old session do not
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode() and "新密码只显示这一次" in response.content.decode()
    assert old_browser.get("/enrollment/people/").status_code == 302
    assert not log_in(Client(), clerk.username, "pass-12345-word")
    assert log_in(Client(), clerk.username, password)
    assert "重设密码" in LogEntry.objects.get(object_id=str(clerk.pk)).change_message
    assert password not in LogEntry.objects.get(object_id=str(clerk.pk)).change_message


def test_a_reset_password_must_pass_the_password_rules_and_others_passwords_are_out_of_reach(county_officer, clerk, other_clerk):
    client = logged_in(county_officer)

    weak = client.post(f"/users/{clerk.pk}/password/", {"password_choice": "set", "password": "clerk_xianan", "password_confirm": "clerk_xianan"})
    other = client.post(f"/users/{other_clerk.pk}/password/", {"password_choice": "generate"})
    own = client.post(f"/users/{county_officer.pk}/password/", {"password_choice": "generate"})

    assert weak.status_code == 200 and weak.context["form"].errors["password"]
    assert other.status_code == 404
    assert own.status_code == 200 and "不能在这里修改或停用自己的账号" in own.content.decode()
    assert log_in(Client(), clerk.username, "pass-12345-word")
    assert log_in(Client(), other_clerk.username, "pass-12345-word")
