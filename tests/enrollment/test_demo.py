"""The demo generator (enrollment.services.demo): valid, unique ID numbers; households with a
head and plausible ages; enrollments priced by the rules; a second run adds to the first.
On SQLite these run core.bulk.copy_rows' bulk_create door; PostgreSQL's COPY door is
exercised by bench/pages.py."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from core.idnumber import parse_id_number
from core.models import Region, RegionLevel
from core.roles import CLERK
from enrollment.models import Enrollment, Household, Payment, Person, Relation
from enrollment.rules.terms import compute_terms
from enrollment.services.demo import generate_demo
from enrollment.services.policy import resident_policy, scheme_for_region
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)  # the 2027 collection window is open


def test_people_have_valid_unique_id_numbers_matching_birth_and_sex(xianan):
    result = generate_demo(county=xianan, households=40, seed=1, today=TODAY)

    people = list(Person.objects.all())
    assert len(people) == result.people >= 40
    assert len({p.id_number for p in people}) == len(people)
    for person in people:
        parsed = parse_id_number(person.id_number, today=TODAY)
        assert (parsed.birth_date, parsed.gender) == (person.birth_date, person.gender)
    connection.check_constraints()  # households and heads point at rows that exist


def test_every_household_has_its_head_and_children_are_younger(xianan):
    generate_demo(county=xianan, households=40, seed=2, today=TODAY)

    for household in Household.objects.select_related("head"):
        members = list(household.members.all())
        assert household.head in members and household.head.relation_to_head == Relation.HEAD
        assert household.region_path == household.village.path and household.village.level == RegionLevel.VILLAGE
        for child in (m for m in members if m.relation_to_head == Relation.CHILD):
            assert child.birth_date > household.head.birth_date


def test_enrollments_carry_the_terms_the_rules_compute(xianan):
    generate_demo(county=xianan, households=40, seed=3, today=TODAY)
    policy = resident_policy(scheme_for_region(xianan))

    enrollments = list(Enrollment.objects.select_related("person"))
    assert {e.benefit_year for e in enrollments} == {2026, 2027}
    for e in enrollments:
        terms = compute_terms(policy, category=e.category, payment_date=e.registered_on, birth_date=e.person.birth_date,
                              identities=e.identities)
        assert terms.benefit_year == e.benefit_year
        assert (e.standard, e.subsidy, e.amount_due) == (terms.standard, terms.subsidy, terms.amount_due)
        assert (e.benefit_start, e.benefit_end, e.waiting_days) == (terms.benefit_start, terms.benefit_end, terms.waiting_days)
        assert e.sources == list(terms.sources)
        assert e.registered_on >= e.person.birth_date


def test_a_second_run_adds_households_to_the_same_villages(xianan):
    first = generate_demo(county=xianan, households=30, seed=4, today=TODAY)
    villages = Region.objects.filter(level=RegionLevel.VILLAGE).count()

    second = generate_demo(county=xianan, households=30, seed=4, today=TODAY)  # same seed: same draws

    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() == villages
    assert Household.objects.count() == 60
    assert Person.objects.count() == first.people + second.people
    assert Person.objects.values("id_number").distinct().count() == Person.objects.count()
    assert Household.objects.values("number").distinct().count() == 60


@pytest.mark.django_db
def test_demo_subsidies_come_from_certified_identities(presets):
    from django.core.management import call_command

    from assistance.models import HardshipIdentity
    from enrollment.models import Enrollment

    call_command("generate_demo", households=400, stdout=__import__("io").StringIO())
    subsidised = Enrollment.objects.filter(subsidy__gt=0)
    assert subsidised.exists()
    assert not subsidised.filter(subsidy_identity_record__isnull=True).exists()
    for enrollment in subsidised.select_related("subsidy_identity_record")[:50]:
        record = enrollment.subsidy_identity_record
        assert record.person_id == enrollment.person_id and record.code == enrollment.subsidy_identity
        assert record.is_valid_on(enrollment.payment_date or enrollment.registered_on)
    assert HardshipIdentity.objects.filter(status="certified").count() >= subsidised.values("person").distinct().count()


def test_demo_households_pay_together_under_one_receipt_of_the_demo_clerk(xianan):
    # Given the county's clerk, and demo data generated afterwards
    clerk = factories.user("demo_clerk_x", CLERK, xianan)
    result = generate_demo(county=xianan, households=40, seed=7, today=TODAY)

    # Then each payment holds a household's village enrollments of one year and day, summing their amounts
    payments = list(Payment.objects.prefetch_related("enrollments"))
    assert result.payments == len(payments) > 0
    for payment in payments:
        enrollments = list(payment.enrollments.all())
        assert enrollments and payment.amount == sum(e.amount_due for e in enrollments)
        assert {(e.person.household_id, e.benefit_year, e.payment_date, e.channel) for e in enrollments} == {
            (payment.household_id, enrollments[0].benefit_year, payment.paid_on, "village_batch")}
        assert payment.recorded_by == clerk and payment.county == xianan
        assert timezone.localtime(payment.recorded_at).date() == payment.paid_on
    # and every paid village enrollment has its payment
    assert not Enrollment.objects.filter(channel="village_batch", payment__isnull=True).exclude(status="registered").exists()
