"""Contact phone numbers are checked by one rule (core.phone) at every door: the household form
and its member rows, the person form, the people service (whatever calls it) and the village
lists. Accepted: a mainland mobile (11 digits, 13x-19x) or a landline with its area code, typed
with fullwidth digits or not; refused with a Chinese message naming the value."""

import pytest

from core.errors import ServiceError
from core.phone import PhoneError, normalize_phone
from enrollment.models import Household, Person, Relation
from enrollment.services import people
from tests import factories
from tests.spreadsheets import PAID_ON, previewed, reasons, statuses, workbook

pytestmark = pytest.mark.django_db

NOT_A_PHONE = "不是有效的联系电话"


@pytest.mark.parametrize("typed, kept", [
    ("13800000000", "13800000000"),
    ("199-1234-5678", "199-1234-5678"),
    ("１３８ ００００ ００００", "13800000000"),  # fullwidth digits and spaces of a Chinese input method
    ("０７１５－８１２３４５６", "0715-8123456"),  # and a fullwidth hyphen
    ("0715-8123456-801", "0715-8123456-801"),
    ("8123456", "8123456"),
    ("", ""),
])
def test_mobile_and_landline_numbers_are_kept_in_one_spelling(typed, kept):
    assert normalize_phone(typed) == kept


@pytest.mark.parametrize("typed", ["12345678901", "10086123456", "1380000000", "138000000001", "+8613800000000",
                                   "138-0000-abcd", "١٣٨٠٠٠٠٠٠٠٠", "=1+1"])
def test_what_is_not_a_persons_number_is_refused_in_chinese(typed):
    with pytest.raises(PhoneError) as error:
        normalize_phone(typed)
    assert NOT_A_PHONE in error.value.message and "11位手机号" in error.value.message


# ---------------------------------------------------------------------------- the people service


def test_the_service_refuses_a_bad_number_on_the_phone_field_and_registers_nobody(clerk, village):
    with pytest.raises(ServiceError) as error:
        people.person_create(user=clerk, name="王建国", id_number=factories.id_number(), village=village, phone="12345678901")

    assert error.value.field == "phone" and NOT_A_PHONE in error.value.message
    assert not Person.objects.exists()


def test_the_service_keeps_a_fullwidth_number_in_half_width(clerk, village):
    person = people.person_create(user=clerk, name="王建国", id_number=factories.id_number(), village=village, phone="１３９００００００００")
    people.person_update(user=clerk, person=person, phone="０７１５－８１２３４５６")

    person.refresh_from_db()
    assert person.phone == "0715-8123456"


def test_the_service_refuses_a_bad_number_when_changing_a_person(clerk, village):
    person = factories.person(village, phone="13800000000")

    with pytest.raises(ServiceError) as error:
        people.person_update(user=clerk, person=person, phone="138")

    assert error.value.field == "phone"
    person.refresh_from_db()
    assert person.phone == "13800000000"


def test_a_household_with_a_members_bad_number_is_not_registered_and_the_member_is_named(clerk, village):
    members = [people.MemberInput("王建国", factories.id_number(), Relation.HEAD, "13800000000"),
               people.MemberInput("王小明", factories.id_number(), Relation.CHILD, "12000000000")]

    with pytest.raises(ServiceError) as error:
        people.household_register(user=clerk, village=village, address="一组", members=members)

    assert error.value.message.startswith("王小明：") and NOT_A_PHONE in error.value.message
    assert not Household.objects.exists() and not Person.objects.exists()


def test_a_registered_person_joining_a_household_with_a_bad_number_keeps_their_own(clerk, village):
    head = factories.person(village, name="覃晨")
    household = people.household_register(user=clerk, village=village, address="一组",
                                           members=[people.MemberInput("覃晨", head.id_number, Relation.HEAD)])
    loner = factories.person(village, name="覃小", phone="13900000000")

    with pytest.raises(ServiceError):
        people.household_add_member(user=clerk, household=household,
                                    member=people.MemberInput("覃小", loner.id_number, Relation.CHILD, "phone"))

    loner.refresh_from_db()
    assert loner.household is None and loner.phone == "13900000000"


# ---------------------------------------------------------------------------- the forms


def household_post(village, *rows):
    data = {"members-TOTAL_FORMS": str(len(rows)), "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
            "members-MAX_NUM_FORMS": "1000", "village": village.pk, "address": "一组", "number": ""}
    for i, (name, number, relation, phone) in enumerate(rows):
        data.update({f"members-{i}-name": name, f"members-{i}-id_number": number, f"members-{i}-relation_to_head": relation,
                     f"members-{i}-phone": phone})
    return data


def test_the_household_form_is_styled_like_the_other_forms(clerk_client):
    page = clerk_client.get("/enrollment/households/new/").content.decode()

    assert 'name="members-0-name" maxlength="50" class="form-control form-control-sm"' in page
    assert 'class="form-control form-control-sm id-number"' in page
    assert 'class="form-select form-select-sm"' in page
    assert 'inputmode="tel"' in page
    assert "请选择村（社区）" in page and "---------" not in page
    assert "联系电话应为11位手机号或带区号的固定电话" in page


def test_a_members_bad_number_is_marked_on_its_input_and_nothing_is_written(clerk_client, village):
    data = household_post(village, ("王建国", factories.id_number(), "head", "13800000000"),
                          ("王小明", factories.id_number(), "child", "12000000000"))

    response = clerk_client.post("/enrollment/households/new/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="12000000000" inputmode="tel" autocomplete="off" maxlength="20" class="form-control form-control-sm is-invalid"' in page
    assert 'id="id_members-1-phone_error"' in page
    assert f"「12000000000」{NOT_A_PHONE}" in page
    assert not Household.objects.exists() and not Person.objects.exists()


def test_a_members_fullwidth_number_is_registered_in_half_width(clerk_client, village):
    number = factories.id_number()
    data = household_post(village, ("王建国", number, "head", "１３８－００００－０００１"))

    response = clerk_client.post("/enrollment/households/new/", data)

    assert response.status_code == 302
    assert Person.objects.get(id_number=number).phone == "138-0000-0001"


def test_a_service_refusal_of_the_household_form_is_shown_once_above_the_form(clerk_client, village):
    data = household_post(village, ("王建国", factories.id_number(), "head", ""), ("王小明", factories.id_number(), "head", ""))

    page = clerk_client.post("/enrollment/households/new/", data).content.decode()

    assert page.count("每户须有且只有一名户主") == 1
    assert not Household.objects.exists()


def test_the_person_form_refuses_a_service_number_and_keeps_the_old_one(clerk_client, village):
    person = factories.person(village, phone="13800000000")

    response = clerk_client.post(f"/enrollment/people/{person.pk}/edit/", {
        "name": person.name, "phone": "10086", "relation_to_head": "", "status": person.status, "status_date": "",
        "village": village.pk})

    assert response.status_code == 200
    assert NOT_A_PHONE in response.context["form"].errors["phone"][0]
    person.refresh_from_db()
    assert person.phone == "13800000000"


# ---------------------------------------------------------------------------- the village lists


def test_the_village_list_refuses_a_number_by_the_same_rule(clerk, village):
    headers = ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "联系电话", "参保类别", "缴费日期", "家庭住址"]
    rows = [["王建国", factories.id_number(), "", "户主", village.code, "12000000000", "", PAID_ON, ""]]

    job = previewed(clerk, workbook(headers, rows))

    assert statuses(job) == {2: "error"}
    assert reasons(job)[2].startswith("联系电话：") and NOT_A_PHONE in reasons(job)[2]
