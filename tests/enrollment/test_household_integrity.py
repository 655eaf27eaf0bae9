"""Household integrity through the clerk's pages: 添加成员 never overwrites a registered person,
and every household keeps exactly one 户主 (issue 8, found by a tester)."""

from datetime import date

import pytest

from enrollment.models import Household, Person, Relation
from enrollment.services.people import MemberInput, household_register
from tests import factories
from tests.spreadsheets import committed, enrollment_list, enrollment_row, previewed, reasons

pytestmark = pytest.mark.django_db


def fullwidth(number: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in number)


@pytest.fixture
def family(clerk, village):
    """覃晨 (户主, phone 13800000000) and 覃小 (子女)."""
    return household_register(user=clerk, village=village, address="一组", members=[
        MemberInput("覃晨", factories.id_number(date(1970, 5, 5)), Relation.HEAD, "13800000000"),
        MemberInput("覃小", factories.id_number(date(2005, 5, 5)), Relation.CHILD)])


def add_member(client, household, name, number, relation=Relation.CHILD, phone="13900000000"):
    return client.post(f"/enrollment/households/{household.pk}/add-member/",
                       {"name": name, "id_number": number, "relation_to_head": relation, "phone": phone})


def edit_person(client, person, **changes):
    data = {"name": person.name, "phone": person.phone, "relation_to_head": person.relation_to_head,
            "status": person.status, "status_date": "", "village": person.village_id, "former_head_relation": ""}
    data.update(changes)
    return client.post(f"/enrollment/people/{person.pk}/edit/", data)


def assert_one_head(household, expected: Person):
    household.refresh_from_db()
    heads = list(household.members.filter(relation_to_head=Relation.HEAD))
    assert household.head == expected and heads == [expected]


@pytest.mark.parametrize("typed", [lambda n: n, fullwidth], ids=["ascii", "fullwidth"])
def test_adding_the_head_again_under_another_name_is_refused_and_changes_nothing(clerk_client, family, typed):
    # Given 覃晨, 户主 of the household
    head = family.head
    # When the clerk adds 别名 with 覃晨's ID number as 子女
    response = add_member(clerk_client, family, "别名", typed(head.id_number))
    # Then the page says the person is already a member, and 覃晨 is still the head, unchanged
    assert response.status_code == 200
    assert "已是本户成员" in response.content.decode()
    head.refresh_from_db()
    assert (head.name, head.phone, head.relation_to_head) == ("覃晨", "13800000000", Relation.HEAD)
    assert_one_head(family, head)


def test_adding_a_member_of_this_household_is_refused(clerk_client, family):
    child = family.members.get(relation_to_head=Relation.CHILD)
    response = add_member(clerk_client, family, child.name, child.id_number, relation=Relation.SPOUSE)
    assert response.status_code == 200 and "已是本户成员" in response.content.decode()
    child.refresh_from_db()
    assert child.relation_to_head == Relation.CHILD


def test_a_registered_person_under_another_name_is_refused_not_renamed(clerk_client, family, village):
    # Given 李四, registered without a household
    person = factories.person(village, name="李四")
    # When the clerk adds him as 李思
    response = add_member(clerk_client, family, "李思", person.id_number)
    # Then the page shows the registered name and nothing changes
    page = response.content.decode()
    assert response.status_code == 200 and "已登记为 李四" in page and "李思" in page
    person.refresh_from_db()
    assert (person.name, person.household) == ("李四", None)


def test_a_member_of_another_household_moves_and_that_household_keeps_its_head(clerk_client, clerk, family, village):
    # Given 王大's household with 王二 (配偶)
    other = household_register(user=clerk, village=village, address="二组", members=[
        MemberInput("王大", factories.id_number(date(1960, 1, 1)), Relation.HEAD),
        MemberInput("王二", factories.id_number(date(1962, 1, 1), male=False), Relation.SPOUSE)])
    wang_er = other.members.get(relation_to_head=Relation.SPOUSE)
    # When the clerk adds 王二 to 覃晨's household
    response = add_member(clerk_client, family, "王二", wang_er.id_number, relation=Relation.OTHER)
    # Then she moves, the message says from where, and 王大 stays head of his household
    assert response.status_code == 302
    page = clerk_client.get(response["Location"]).content.decode()
    assert "由原王大户转入" in page
    wang_er.refresh_from_db()
    assert (wang_er.household, wang_er.relation_to_head) == (family, Relation.OTHER)
    assert_one_head(other, other.head)
    assert list(other.members.all()) == [other.head]


def test_the_head_of_another_household_cannot_move_here(clerk_client, clerk, family, village):
    other = household_register(user=clerk, village=village, address="", members=[
        MemberInput("王大", factories.id_number(date(1960, 1, 1)), Relation.HEAD),
        MemberInput("王二", factories.id_number(date(1962, 1, 1), male=False), Relation.SPOUSE)])
    response = add_member(clerk_client, family, "王大", other.head.id_number)
    assert response.status_code == 200 and "另一家庭户的户主" in response.content.decode()
    assert_one_head(other, other.head)
    assert other.head.household == other


def test_a_second_head_is_refused(clerk_client, family):
    # Given a household whose head is 覃晨
    head, child = family.head, family.members.get(relation_to_head=Relation.CHILD)
    # When the clerk sets 覃小 to 户主 without saying what 覃晨 becomes
    response = edit_person(clerk_client, child, relation_to_head=Relation.HEAD)
    # Then it is refused and the household has one head
    page = response.content.decode()
    assert response.status_code == 200 and "该户已有户主覃晨" in page and "原户主改为" in page
    child.refresh_from_db()
    assert child.relation_to_head == Relation.CHILD
    assert_one_head(family, head)


def test_the_only_head_cannot_be_demoted(clerk_client, family):
    head = family.head
    response = edit_person(clerk_client, head, relation_to_head=Relation.SPOUSE)
    assert response.status_code == 200 and "是本户户主" in response.content.decode()
    assert_one_head(family, head)


def test_changing_the_head_is_explicit_and_demotes_the_former_head(clerk_client, family):
    # Given 覃晨 (户主) and 覃小 (子女)
    head, child = family.head, family.members.get(relation_to_head=Relation.CHILD)
    # When the clerk makes 覃小 the head and says 覃晨 becomes 父母
    response = edit_person(clerk_client, child, relation_to_head=Relation.HEAD, former_head_relation=Relation.PARENT)
    # Then 覃小 is the one head and 覃晨 is 父母
    assert response.status_code == 302
    head.refresh_from_db()
    assert head.relation_to_head == Relation.PARENT
    assert_one_head(family, Person.objects.get(pk=child.pk))
    assert str(Household.objects.get(pk=family.pk)) == "覃小户"


def test_a_household_with_two_heads_from_before_is_repaired_by_demoting_one(clerk_client, family):
    # Given a household damaged before the check: 覃小 is also recorded as 户主
    head, child = family.head, family.members.get(relation_to_head=Relation.CHILD)
    Person.objects.filter(pk=child.pk).update(relation_to_head=Relation.HEAD)
    # When the clerk demotes the household's recorded head, 覃晨
    response = edit_person(clerk_client, head, relation_to_head=Relation.PARENT)
    # Then 覃小 is the one head left
    assert response.status_code == 302
    assert_one_head(family, Person.objects.get(pk=child.pk))


# The enrollment list (参保名单) writes people in bulk, not through person_update; its own check
# must keep the same rule.

def test_an_import_cannot_list_a_head_as_a_member_of_another_household(clerk, family, village, current_standards):
    # Given 王大's household, and a list that names 覃晨 (户主 of his own) as 王大's 子女
    other = household_register(user=clerk, village=village, address="", members=[
        MemberInput("王大", factories.id_number(date(1960, 1, 1)), Relation.HEAD)])
    job = previewed(clerk, enrollment_list(enrollment_row("覃晨", family.head.id_number, village,
                                                          head=other.head.id_number, relation="子女")))
    # Then the row is refused and both households keep their head
    assert "另一家庭户的户主" in reasons(job)[2]
    assert_one_head(family, family.head)
    assert_one_head(other, other.head)


def test_an_import_that_makes_a_member_a_head_opens_a_household_and_the_old_one_keeps_its_head(
        clerk, family, village, current_standards):
    child = family.members.get(relation_to_head=Relation.CHILD)
    committed(clerk, enrollment_list(enrollment_row(child.name, child.id_number, village)))
    child.refresh_from_db()
    assert child.household != family and child.household.head == child
    assert_one_head(child.household, child)
    assert_one_head(family, family.head)
