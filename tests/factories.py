"""Test data builders: valid ID numbers, regions, users and people."""

import itertools
from datetime import date

from django.contrib.auth.models import Group

from core.idnumber import check_char
from core.models import Department, Region, RegionLevel, User
from enrollment.models import Person

_sequence = itertools.count(50)


def id_number(birth: date = date(1980, 5, 17), prefix: str = "421202", male: bool = True) -> str:
    """A fresh valid ID number for the birth date."""
    seq = (next(_sequence) * 2 + (1 if male else 0)) % 1000
    first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def region(code, name, level, parent=None):
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def township_and_villages(county: Region, n_villages=2):
    township = region(county.code + "001", f"{county.name}第一镇", RegionLevel.TOWNSHIP, county)
    villages = [region(f"{township.code}{i:03d}", f"{county.name}{i}村", RegionLevel.VILLAGE, township) for i in range(1, n_villages + 1)]
    return township, villages


def user(username, group, region_obj, *, staff=False, department=Department.BUREAU):
    u = User.objects.create_user(username=username, password="pass-12345-word", region=region_obj, is_staff=staff, department=department)
    u.groups.add(Group.objects.get(name=group))
    return u


def person(village, *, name="张三", birth=date(1980, 5, 17), male=True, **extra):
    number = id_number(birth, village.code[:6], male)
    return Person.objects.create(
        name=name, id_number=number, birth_date=birth, gender="M" if male else "F",
        village=village, region_path=village.path, **extra,
    )


def parameter_set():
    """An empty parameter set, for a settlement row a test stores as it is (not settled)."""
    from benefits.models import ParameterSet
    from benefits.services.settlements import parameter_set_digest

    return ParameterSet.objects.get_or_create(digest=parameter_set_digest({}), defaults={"versions": {}})[0]


def chronic_disease(person, code: str):
    """The catalogue disease of the person's pooling region (the presets must be loaded)."""
    from benefits.models import ChronicDisease
    from benefits.services.policy import pooling_region

    return ChronicDisease.objects.get(region=pooling_region(person.village), code=code)


def chronic_approval(person, code: str, facility, valid_from: date, valid_to: date, *, status="approved"):
    """An approval as the records hold it after its decision (submitted and decided by the
    service in the tests of benefits.services.chronic)."""
    from benefits.models import ChronicApproval

    return ChronicApproval.objects.create(person=person, disease=chronic_disease(person, code), diagnosing_hospital="市中心医院",
                                          diagnosed_on=valid_from, facility=facility, status=status, valid_from=valid_from,
                                          valid_to=valid_to)


def two_diseases_registration(person, registered_on: date, code: str = "hypertension"):
    from benefits.models import TwoDiseasesRegistration

    return TwoDiseasesRegistration.objects.create(person=person, disease=chronic_disease(person, code), registered_on=registered_on)
