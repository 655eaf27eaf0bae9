"""Two counties' hospitals may share a name (县人民医院): the choice lists that hold the city's
facilities name each by its county, unless the name already does (咸安区人民医院)."""

from datetime import date

import pytest

from benefits.forms_chronic import ApprovalForm, RegistrationForm
from benefits.models import Facility
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def same_names(xianan, jiayu, village, jiayu_villages):
    start = date(2020, 1, 1)
    # two townships' clinics named after their township, whose name both counties use
    for code, town in (("XAT", village.parent), ("JYT", jiayu_villages[0].parent)):
        town.name = "北坪镇"
        town.save(update_fields=["name"])
        Facility.objects.create(code=code, name="北坪镇卫生院", level=1, tier="township", region=town, agreement_from=start)
    return [Facility.objects.create(code=code, name=name, level=level, tier="secondary_plus", region=region, agreement_from=start)
            for code, name, level, region in (("XA1", "县中医院", 2, xianan), ("JY1", "县中医院", 2, jiayu),
                                              ("XA2", "咸安区人民医院", 2, xianan), ("XA3", "咸宁市中心医院", 3, xianan))]


def _labels(form):
    return [label for value, label in form.fields["facility"].choices if value]


def test_the_approval_and_registration_forms_name_each_facility_by_its_county(same_names, village, clerk):
    person = factories.person(village, name="同名甲")
    for form in (ApprovalForm(user=clerk, person=person), RegistrationForm(user=clerk, person=person)):
        labels = _labels(form)
        assert "咸安区 县中医院（XA1，2级）" in labels and "嘉鱼县 县中医院（JY1，2级）" in labels
        assert "咸安区 北坪镇卫生院（XAT，1级）" in labels and "嘉鱼县 北坪镇卫生院（JYT，1级）" in labels
        # a name that says where it is stays as it is: not 咸安区 咸安区人民医院, nor 咸安区 咸宁市中心医院
        assert "咸安区人民医院（XA2，2级）" in labels and "咸宁市中心医院（XA3，3级）" in labels
