"""Yearly resident enrollment: register, record payment, cancel (refund), suspend and
resume, advance statuses with the calendar, renew a village's enrollees. Terms come from
enrollment.services.terms; conflicts (RULES.md 2.2 "Rules") are checked here, in one place,
for pages and imports alike."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import stamp
from core.errors import ServiceError
from core.restrict import region_allowed
from core.validation import check_date
from enrollment import selectors
from enrollment.models import Category, Channel, EmployeeCoverage, Enrollment, Person, School
from enrollment.rules.terms import PriorCoverage, ResidentPolicy, Terms, TermsError
from enrollment.services.policy import scheme_for_region
from enrollment.services.terms import enrollment_terms

Status = Enrollment.Status


def _period(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"


def _describe(enrollment: Enrollment) -> str:
    by = enrollment.school.name if enrollment.school_id else enrollment.get_channel_display()
    return f"{enrollment.benefit_year}年度（{by}，待遇期{_period(enrollment.benefit_start, enrollment.benefit_end)}）"


@dataclass(frozen=True)
class PersonFacts:
    """What the conflict rules need to know about a person, loaded per person or per batch."""

    status: str
    enrollments: tuple  # active Enrollment rows
    employee_periods: tuple  # EmployeeCoverage rows


def person_facts(person: Person) -> PersonFacts:
    enrollments = tuple(
        Enrollment.objects.filter(person=person).exclude(status=Status.CANCELLED).select_related("school")
    )
    employee = tuple(EmployeeCoverage.objects.filter(id_number=person.id_number))
    return PersonFacts(person.status, enrollments, employee)


def find_conflict(facts: PersonFacts, terms: Terms, *, channel: str, exclude_id=None) -> ServiceError | None:
    """The first reason this enrollment may not be made, or None."""
    if facts.status == Person.Status.DECEASED:
        return ServiceError("deceased", "该人员已登记死亡，不能参保", "id_number")
    if facts.status == Person.Status.MOVED_OUT:
        return ServiceError("moved_out", "该人员已登记迁出，请先恢复其状态再参保", "id_number")
    new_by_school = channel == Channel.SCHOOL_BATCH
    for other in facts.enrollments:
        if other.pk == exclude_id:
            continue
        overlaps = other.benefit_start <= terms.benefit_end and terms.benefit_start <= other.benefit_end
        other_by_school = other.channel == Channel.SCHOOL_BATCH
        if (other.benefit_year == terms.benefit_year or overlaps) and other_by_school != new_by_school:
            # X000 art. 7: a student is not enrolled both by the school and by the family.
            if other_by_school:
                message = f"该学生已由{_describe(other)}集中参保，不得再以家庭或个人身份重复参保（X000 art. 7）"
            else:
                message = f"该学生已以家庭或个人身份参保：{_describe(other)}，学校不得重复参保（X000 art. 7）"
            return ServiceError("school_family_duplicate", message, "category")
        if other.benefit_year == terms.benefit_year:
            return ServiceError("duplicate_year", f"该人员已有{_describe(other)}的参保登记，同一年度不能重复参保")
    for cover in facts.employee_periods:
        if cover.starts_on <= terms.benefit_end and (cover.ends_on is None or cover.ends_on >= terms.benefit_start):
            until = cover.ends_on.isoformat() if cover.ends_on else "今"
            # The employer is not named: the employee list is city-wide, and a list of guessed
            # numbers must not tell a county clerk where anyone works (issue 8).
            return ServiceError(
                "employee_overlap",
                f"该人员{cover.starts_on:%Y-%m-%d}至{until}参加职工医保，"
                f"与居民医保待遇期{_period(terms.benefit_start, terms.benefit_end)}重叠，不能同时参保（X000 art. 3）",
                "payment_date",
            )
    return None


def _status_after_payment(terms_start: date, terms_end: date, today: date) -> str:
    if today > terms_end:
        return Status.ENDED
    if today >= terms_start:
        return Status.IN_BENEFIT
    return Status.PAID


def _check_school(category: str, channel: str, school: School | None):
    if channel == Channel.SCHOOL_BATCH and school is None:
        raise ServiceError("school_required", "学校集中参保须选择学校", "school")
    if category == Category.COLLEGE_STUDENT and school is not None and not school.is_college:
        raise ServiceError("school_kind", f"{school.name} 不是大中专院校", "school")


def _apply_terms(enrollment: Enrollment, terms: Terms):
    enrollment.benefit_year = terms.benefit_year
    enrollment.standard = terms.standard
    enrollment.subsidy = terms.subsidy
    enrollment.subsidy_identity = terms.subsidy_identity or ""
    enrollment.amount_due = terms.amount_due
    enrollment.benefit_start = terms.benefit_start
    enrollment.benefit_end = terms.benefit_end
    enrollment.mid_year = terms.mid_year
    enrollment.waiting_days = terms.waiting_days
    enrollment.sources = list(terms.sources)


def terms_for(person: Person, *, category, payment_date, identities=(), prior_coverage=None, policy=None) -> Terms:
    try:
        return enrollment_terms(
            region=person.village, category=category, payment_date=payment_date, birth_date=person.birth_date,
            identities=identities, prior_coverage=prior_coverage, policy=policy,
        )
    except TermsError as error:
        raise ServiceError(error.code, error.message, error.field) from None


def identity_records(person: Person, day: date, records=None) -> list:
    """The person's certified hardship identities valid on the day (RULES.md 2.3: the
    assessment date). `records` is a batch's preloaded list for the person."""
    if records is None:
        from assistance.services.identities import valid_identities

        return valid_identities([person.pk], day).get(person.pk, []) if person.pk else []
    return [r for r in records if r.is_valid_on(day)]


def priced_with_identities(person: Person, *, category, assessed_on: date, records=None, prior_coverage=None, policy=None):
    """Terms for an assessment date with the identities valid that day, and the record that
    gave the subsidy (the most favourable single one, X000 art. 9)."""
    valid = identity_records(person, assessed_on, records)
    codes = sorted({r.code for r in valid})
    terms = terms_for(person, category=category, payment_date=assessed_on, identities=codes, prior_coverage=prior_coverage, policy=policy)
    record = next((r for r in valid if r.code == terms.subsidy_identity), None)
    return terms, codes, record


def check_enrollment(*, user, village, category: str, channel: str, school: School | None, terms: Terms,
                     facts: PersonFacts, benefit_year: int | None = None, assessed_on: date) -> None:
    """Every rule an enrollment must pass besides its pricing, for pages and imports alike:
    the user's region, the school, the chosen year, and the conflicts of RULES.md 2.2."""
    if not region_allowed(user, village):
        raise ServiceError("region_denied", "该人员不在您的管辖区划内", "id_number")
    _check_school(category, channel, school)
    if benefit_year is not None and terms.benefit_year != benefit_year:
        raise ServiceError(
            "year_mismatch",
            f"{assessed_on:%Y-%m-%d} 缴费（登记）对应{terms.benefit_year}年度，不是所选的{benefit_year}年度",
            "payment_date",
        )
    conflict = find_conflict(facts, terms, channel=channel)
    if conflict is not None:
        raise conflict


def initial_status(terms: Terms, payment_date: date | None, today: date) -> str:
    return _status_after_payment(terms.benefit_start, terms.benefit_end, today) if payment_date else Status.REGISTERED


def build_enrollment(
    *, user, person: Person, category: str, channel: str, school: School | None = None, payment_date: date | None = None,
    prior_coverage: PriorCoverage | None = None, today: date | None = None, policy: ResidentPolicy | None = None,
    facts: PersonFacts | None = None, scheme=None, source_import=None, benefit_year: int | None = None,
) -> Enrollment:
    """An unsaved enrollment with its terms, or ServiceError naming the conflict. The subsidy
    comes from the person's certified identities valid on the payment (or registration) date."""
    today = today or timezone.localdate()
    # A payment is recorded once made: never dated after today, whichever door it comes through.
    check_date(payment_date, field="payment_date", label="缴费日期", not_after_today=True, today=today)
    assessed_on = payment_date or today
    terms, codes, record = priced_with_identities(person, category=category, assessed_on=assessed_on,
                                                  prior_coverage=prior_coverage, policy=policy)
    check_enrollment(user=user, village=person.village, category=category, channel=channel, school=school, terms=terms,
                     facts=facts or person_facts(person), benefit_year=benefit_year, assessed_on=assessed_on)
    enrollment = Enrollment(
        person=person, category=category, channel=channel, school=school, village=person.village,
        region_path=person.village.path, registered_on=today, payment_date=payment_date,
        identities=codes, subsidy_identity_record=record, scheme=scheme or scheme_for_region(person.village),
        status=initial_status(terms, payment_date, today),
        prior_coverage_kind=prior_coverage.kind if prior_coverage else "",
        prior_coverage_ended_on=prior_coverage.ended_on if prior_coverage else None,
        prior_coverage_years=prior_coverage.continuous_years if prior_coverage else None,
        created_by=user, source_import=source_import,
    )
    _apply_terms(enrollment, terms)
    return enrollment


@transaction.atomic
def enrollment_register(*, user, person: Person, **kwargs) -> Enrollment:
    # Lock the person so two clerks enrolling the same person at once are serialised.
    person = Person.objects.select_for_update().select_related("village").get(pk=person.pk)
    enrollment = build_enrollment(user=user, person=person, **kwargs)
    stamp(enrollment, user)
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        raise ServiceError("duplicate_year", f"该人员已有{enrollment.benefit_year}年度参保登记，同一年度不能重复参保") from None
    return enrollment


def _locked(enrollment: Enrollment) -> Enrollment:
    # of=("self",): PostgreSQL cannot lock the nullable side (school) of an outer join.
    return Enrollment.objects.select_for_update(of=("self",)).select_related("person", "person__village", "school").get(pk=enrollment.pk)


def price_payment(enrollment: Enrollment, payment_date: date, *, today: date, policy: ResidentPolicy | None = None,
                  records=None) -> Enrollment:
    """Set a registered enrollment's terms and status for its payment date (unsaved), with the
    identities valid on that date. The payment must buy the year it was registered for."""
    prior = None
    if enrollment.prior_coverage_kind:
        prior = PriorCoverage(enrollment.prior_coverage_kind, enrollment.prior_coverage_ended_on, enrollment.prior_coverage_years)
    terms, codes, record = priced_with_identities(enrollment.person, category=enrollment.category, assessed_on=payment_date,
                                                  records=records, prior_coverage=prior, policy=policy)
    if terms.benefit_year != enrollment.benefit_year:
        raise ServiceError(
            "year_mismatch",
            f"{payment_date:%Y-%m-%d} 缴费对应{terms.benefit_year}年度，与登记的{enrollment.benefit_year}年度不符；请注销后重新登记",
            "payment_date",
        )
    _apply_terms(enrollment, terms)
    enrollment.identities = codes
    enrollment.subsidy_identity_record = record
    enrollment.payment_date = payment_date
    enrollment.status = _status_after_payment(terms.benefit_start, terms.benefit_end, today)
    return enrollment


def priced_for_payment(enrollment: Enrollment, payment_date: date, *, today: date) -> Enrollment:
    """A locked registered enrollment set to what paying on `payment_date` gives (unsaved), or
    ServiceError: not unpaid, the date, the price (price_payment) and the conflicts of RULES.md
    2.2. Every door that records a payment goes through here (enrollment_record_payment and
    enrollment.services.payments.payment_record)."""
    if enrollment.status != Status.REGISTERED:
        raise ServiceError("not_registered", f"该参保登记状态为「{enrollment.get_status_display()}」，不能再次缴费")
    check_date(payment_date, field="payment_date", label="缴费日期", not_after_today=True, today=today)
    price_payment(enrollment, payment_date, today=today)
    conflict = find_conflict(
        person_facts(enrollment.person),
        Terms(enrollment.benefit_year, enrollment.standard, enrollment.subsidy, enrollment.subsidy_identity, enrollment.amount_due,
              enrollment.mid_year, enrollment.waiting_days, enrollment.benefit_start, enrollment.benefit_end, tuple(enrollment.sources)),
        channel=enrollment.channel, exclude_id=enrollment.pk,
    )
    if conflict is not None:
        raise conflict
    return enrollment


def locked_for_payment(pks) -> list[Enrollment]:
    """Enrollments locked in key order (two clerks paying overlapping sets wait, never deadlock)."""
    return list(Enrollment.objects.select_for_update(of=("self",)).select_related("person", "person__village", "school", "village")
                .filter(pk__in=pks).order_by("pk"))


@transaction.atomic
def enrollment_record_payment(*, user, enrollment: Enrollment, payment_date: date, today: date | None = None) -> Enrollment:
    """Registered → paid, with the terms the payment date gives, without a counter receipt
    (the staff pages record payments with their receipt through payments.payment_record)."""
    today = today or timezone.localdate()
    enrollment = priced_for_payment(_locked(enrollment), payment_date, today=today)
    return save_paid(enrollment, user=user)


def save_paid(enrollment: Enrollment, *, user, payment=None) -> Enrollment:
    """Write a priced payment (priced_for_payment) with the counter payment it belongs to."""
    enrollment.payment = payment
    stamp(enrollment, user, "缴费")
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_cancel(*, user, enrollment: Enrollment, reason: str, today: date | None = None) -> Enrollment:
    """Cancel (and refund when paid). X000 art. 10: no refund once the benefit period started."""
    today = today or timezone.localdate()
    enrollment = _locked(enrollment)
    if enrollment.status == Status.CANCELLED:
        raise ServiceError("already_cancelled", "该参保登记已注销")
    if not (reason or "").strip():
        raise ServiceError("reason_required", "请填写注销原因", "reason")
    if enrollment.is_paid and today >= enrollment.benefit_start:
        raise ServiceError(
            "benefit_started",
            f"待遇享受期已于{enrollment.benefit_start:%Y-%m-%d}开始，已缴纳的医保费不予退还（X000 art. 10）",
        )
    enrollment.status = Status.CANCELLED
    enrollment.status_reason = reason.strip()
    stamp(enrollment, user, "注销" + ("并退费" if enrollment.payment_date else ""))
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_suspend(*, user, enrollment: Enrollment, reason: str) -> Enrollment:
    """X000 art. 16: resident benefits are suspended while short-term employee cover lasts."""
    enrollment = _locked(enrollment)
    if enrollment.status not in (Status.PAID, Status.IN_BENEFIT):
        raise ServiceError("not_active", f"状态为「{enrollment.get_status_display()}」的参保登记不能暂停")
    enrollment.status = Status.SUSPENDED
    enrollment.status_reason = (reason or "").strip() or "参加职工医保，暂停居民医保待遇（X000 art. 16）"
    stamp(enrollment, user, "暂停")
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_resume(*, user, enrollment: Enrollment, today: date | None = None) -> Enrollment:
    today = today or timezone.localdate()
    enrollment = _locked(enrollment)
    if enrollment.status != Status.SUSPENDED:
        raise ServiceError("not_suspended", "该参保登记未暂停")
    enrollment.status = _status_after_payment(enrollment.benefit_start, enrollment.benefit_end, today)
    enrollment.status_reason = "恢复居民医保待遇（X000 art. 16）"
    stamp(enrollment, user, "恢复")
    enrollment.save()
    return enrollment


def advance_statuses(today: date | None = None) -> dict:
    """Paid → in benefit → ended as the calendar moves (daily task). Bulk updates without
    history rows: the change follows from dates already recorded."""
    today = today or timezone.localdate()
    started = Enrollment.objects.filter(status=Status.PAID, benefit_start__lte=today, benefit_end__gte=today).update(status=Status.IN_BENEFIT)
    ended = Enrollment.objects.filter(status__in=(Status.PAID, Status.IN_BENEFIT), benefit_end__lt=today).update(status=Status.ENDED)
    return {"in_benefit": started, "ended": ended}


def renewal_candidates(*, user, village, to_year: int):
    """People of a village enrolled for the previous year (not cancelled), alive and living
    there, without an enrollment for `to_year`."""
    if not region_allowed(user, village):
        raise ServiceError("region_denied", f"{village.name} 不在您的管辖区划内", "village")
    enrolled_next = Enrollment.objects.filter(benefit_year=to_year).exclude(status=Status.CANCELLED).values("person_id")
    last_year = (
        Enrollment.objects.filter(benefit_year=to_year - 1, person__village=village)
        .exclude(status=Status.CANCELLED)
        .exclude(category=Category.COLLEGE_STUDENT)
        .values("person_id")
    )
    return (
        Person.objects.restrict(user).filter(pk__in=last_year, status=Person.Status.NORMAL, village=village)
        .exclude(pk__in=enrolled_next).select_related("village").order_by("pk")
    )


@dataclass
class RenewalResult:
    created: int
    refused: list  # (person, message)
    ignored: int = 0  # chosen ids that are not candidates of the village (another village or county, already renewed)


def renew_village(*, user, village, to_year: int, assessed_on: date | None = None, person_ids=None) -> RenewalResult:
    """Bulk renewal (续保): register last year's enrollees of a village for `to_year` with their
    previous category (subsidies from the identities valid today), each through
    enrollment_register; a person who cannot be enrolled is reported, the others are registered.
    With `person_ids` (the people the clerk left ticked on the preview), only those of them who
    are candidates; the others are counted as ignored, never registered."""
    assessed_on = assessed_on or timezone.localdate()
    previous = {
        e.person_id: e
        for e in Enrollment.objects.filter(benefit_year=to_year - 1, person__village=village).exclude(status=Status.CANCELLED)
    }
    candidates = renewal_candidates(user=user, village=village, to_year=to_year)
    ignored = 0
    if person_ids is not None:
        chosen = set(person_ids)
        candidates = candidates.filter(pk__in=chosen)
        ignored = len(chosen) - candidates.count()
    created, refused = 0, []
    for person in candidates:
        last = previous[person.pk]
        try:
            enrollment_register(
                user=user, person=person, category=selectors.renewal_category(last.category), channel=last.channel, school=last.school,
                today=assessed_on, benefit_year=to_year,
            )
        except ServiceError as error:
            refused.append((person, error.message))
            continue
        created += 1
    return RenewalResult(created, refused, ignored)


@transaction.atomic
def household_enroll(*, user, members: list, channel: str, payment_date: date | None = None,
                     benefit_year: int | None = None, today: date | None = None) -> list[Enrollment]:
    """Enroll several household members in one go: (person, category) each, with a common
    channel and payment date. All or nothing: one refusal rolls back the others."""
    if not members:
        raise ServiceError("no_members", "请至少选择一名家庭成员")
    created = []
    for person, category in members:
        try:
            created.append(enrollment_register(
                user=user, person=person, category=category, channel=channel, payment_date=payment_date,
                benefit_year=benefit_year, today=today,
            ))
        except ServiceError as error:
            raise ServiceError(error.code, f"{person.name}：{error.message}", error.field) from None
    return created
