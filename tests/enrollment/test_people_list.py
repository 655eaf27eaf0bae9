"""The people list's village filter: its options come from selectors.village_choices (the
user's villages only, labelled "乡镇 村"), and a chosen village narrows the list."""

import pytest

from enrollment.selectors import village_choices
from tests import factories

pytestmark = pytest.mark.django_db


def test_village_choices_are_the_users_villages_labelled_with_their_township(clerk, xianan_villages, jiayu_villages):
    choices = village_choices(clerk)

    assert [pk for pk, _ in choices] == [v.pk for v in xianan_villages]
    assert choices[0][1] == f"{xianan_villages[0].parent.name} {xianan_villages[0].name}"


def test_people_list_filtered_by_a_village_shows_its_people_with_the_village_selected(clerk_client, xianan_villages):
    first, second = xianan_villages
    here, there = factories.person(first, name="赵一"), factories.person(second, name="钱二")

    response = clerk_client.get(f"/enrollment/people/?village={first.pk}")

    assert [p.pk for p in response.context["page"].items] == [here.pk]
    html = response.content.decode()
    assert f'<option value="{first.pk}" selected>' in html and there.name not in html


def test_people_list_refuses_a_village_outside_the_users_region(clerk_client, xianan_villages, jiayu_villages):
    response = clerk_client.get(f"/enrollment/people/?village={jiayu_villages[0].pk}")

    assert response.context["form"].errors.get("village")
