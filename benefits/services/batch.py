"""Settling many visits at once (facility exports, benchmarks): the same engine and
eligibility as settlement_create, with everything a batch needs loaded in a few queries, the
people's year totals locked together, and the rows written with COPY."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils import timezone

from assistance.models import Application, HardshipIdentity
from benefits.models import PersonYear, PolicyParameter, Settlement
from benefits.rules.settlement import COST_LINES, settle
from benefits.services.policy import settlement_policy_window
from benefits.services.settlements import (NO_ENROLLMENT, SPLIT_FIELDS, VisitInput, apply_split, eligibility_for, explanation_json,
                                           year_to_date)
from core.bulk import copy_rows, update_rows
from enrollment.models import Enrollment

SETTLEMENT_COLUMNS = ("person_id", "facility_id", "bill_number", "kind", "visit_date", "discharge_date", "year", "location", "disease",
                      "referral", "referred_from_deductible", "downward_referral", "in_province", "filing_id", "channel", "claim_received_on",
                      *COST_LINES, *SPLIT_FIELDS, "parameter_versions", "explanation", "status", "reason", "region_path",
                      "source_import_id", "created_by_id", "created_at")


class BatchContext:
    """What the rules read for a batch of visits, loaded once; year totals are kept in memory
    across batches of one run and written at the end of each batch."""

    def __init__(self):
        self.policies = {}
        self.policy_regions = None
        self.totals: dict[tuple, PersonYear] = {}
        self.outpatient_today: dict[tuple, Decimal] = defaultdict(Decimal)

    def policy(self, person, day: date):
        """The policy in force for the person's region on the day, loaded once per chain of
        regions that hold parameters (province, city, a county with its own) and per window in
        which none of them changes."""
        if self.policy_regions is None:
            self.policy_regions = set(PolicyParameter.objects.values_list("region__code", flat=True).distinct())
        chain = tuple(c for c in person.region_path.split("/") if c in self.policy_regions)
        windows = self.policies.setdefault(chain, [])
        for first, last, policy in windows:
            if first <= day and (last is None or day <= last):
                return policy
        policy, first, last = settlement_policy_window(person.village, day)
        windows.append((first, last, policy))
        return policy

    def load(self, items: list[VisitInput], *, lock: bool) -> None:
        people = {i.person.pk for i in items}
        years = {i.visit_date.year for i in items}
        missing = [(p, y) for p in people for y in years if (p, y) not in self.totals]
        missing_set = set(missing)
        if missing:
            self._load_totals(missing, years, lock=lock)
            if lock:  # committing: every total gets its row, created now, locked, updated after the batch
                new = [key for key in missing if key not in self.totals]
                if new:
                    PersonYear.objects.bulk_create([PersonYear(person_id=p, year=y) for p, y in new], ignore_conflicts=True)
                    self._load_totals(new, years, lock=True)
            for p, y in missing:  # a preview writes nothing: a person's first year starts at zero in memory
                self.totals.setdefault((p, y), PersonYear(person_id=p, year=y))
            # Outpatient fund already paid per day (the daily cap), for every day of the newly
            # loaded person-years, since later batches may bring other days of the same people;
            # read by (person, year), the order of an index. Reversals (negative amounts) count
            # too, as in settlement_create: a reversed bill frees its share of the daily cap.
            new_people = list({p for p, _ in missing})
            for pid, day, amount in (Settlement.objects.filter(person__id__any=new_people, year__in=years)
                                     .exclude(outpatient_fund=0).values_list("person_id", "visit_date", "outpatient_fund")):
                if (pid, day.year) in missing_set:
                    self.outpatient_today[(pid, day)] += amount
        ids = list(people)
        self.enrollments = defaultdict(list)
        for e in (Enrollment.objects.filter(person__id__any=ids, status__in=Enrollment.PAID_STATUSES)
                  .only("id", "person_id", "status", "benefit_year", "benefit_start", "benefit_end")):
            self.enrollments[e.person_id].append(e)
        self.identities = defaultdict(list)
        for r in HardshipIdentity.objects.filter(person__id__any=ids).only("person_id", "code", "valid_from", "valid_to", "revoked_on"):
            self.identities[r.person_id].append(r)
        self.approvals = defaultdict(list)
        for a in Application.objects.filter(person__id__any=ids, status=Application.Status.APPROVED).only("person_id", "kind", "decided_on"):
            self.approvals[a.person_id].append(a)

    def _load_totals(self, keys, years, *, lock: bool) -> None:
        rows = PersonYear.objects.filter(person__id__any=list({p for p, _ in keys}), year__in=years)
        for row in rows.select_for_update() if lock else rows:
            self.totals.setdefault((row.person_id, row.year), row)

    def eligibility(self, item: VisitInput):
        day, pid = item.visit_date, item.person.pk
        enrollment = next((e for e in sorted(self.enrollments[pid], key=lambda e: e.benefit_start)
                           if e.benefit_end >= day and e.status != Enrollment.Status.SUSPENDED), None)
        return eligibility_for(
            item.person, day, enrollment=enrollment or NO_ENROLLMENT,
            identities=[r.code for r in self.identities[pid] if r.is_valid_on(day)],
            class_3_4_approved=any(a.kind == "class_3_4" and a.decided_on <= day for a in self.approvals[pid]),
            tilted_approved=any(a.kind == "tilted" and a.decided_on <= day for a in self.approvals[pid]),
            disease=item.disease if item.kind == "chronic" else "",
        )

    def settle(self, item: VisitInput):
        """The split of one visit on the running totals (which it then advances)."""
        totals = self.totals[(item.person.pk, item.visit_date.year)]
        policy = self.policy(item.person, item.visit_date)
        split = settle(policy, item.visit(), self.eligibility(item), year_to_date(totals, self.outpatient_today[(item.person.pk, item.visit_date)]))
        apply_split(totals, split)
        self.outpatient_today[(item.person.pk, item.visit_date)] += split.outpatient_fund
        return split, policy


def write_batch(context: BatchContext, settled: list, *, user=None, source_import=None) -> None:
    """COPY the settled rows ([(VisitInput, split, policy)]) and save the touched year totals."""
    now = timezone.now()
    rows = []
    for item, split, policy in settled:
        costs = item.costs or {}
        rows.append((
            item.person.pk, item.facility.pk, item.bill_number, item.kind, item.visit_date, item.discharge_date, item.visit_date.year,
            item.location, item.disease, item.referral, Decimal(item.referred_from_deductible), item.downward_referral, item.in_province,
            item.filing_id, item.channel, item.claim_received_on, *(Decimal(costs.get(line, 0)) for line in COST_LINES),
            *(getattr(split, f) for f in SPLIT_FIELDS), dict(policy.versions),
            explanation_json(split),
            Settlement.Status.SETTLED, "", item.person.region_path, source_import.pk if source_import else None,
            user.pk if user else None, now,
        ))
    copy_rows(Settlement, SETTLEMENT_COLUMNS, rows)
    touched = {(i.person.pk, i.visit_date.year) for i, _s, _p in settled}
    update_rows(PersonYear, [context.totals[k] for k in touched],
                ["basic_fund", "outpatient_fund", "chronic_fund", "ci_base", "ci_paid", "ma_base", "ma_paid", "extra_paid", "personal"])

