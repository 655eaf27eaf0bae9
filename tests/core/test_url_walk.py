"""The permanent isolation walk: every URL pattern of the project and of the admin (walked
from the resolver), filled with objects of another county and requested by every role of one
county, GET and POST with a valid CSRF token, with the other county's ids in query strings and
forms. No response may carry the other county's data, none may be a 500, and nothing in the
database may change.

A new URL pattern with a parameter this walk does not know fails the test: map it in
`STAFF_OBJECTS` (or `fill`) to an object of the other county."""

import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from openpyxl import load_workbook

from assistance.models import Application, Evidence, HardshipIdentity, SubsidyRun, SubsidyRunLine
from benefits.models import Facility, OneTimeAssistance, PolicyParameter, Settlement
from benefits.models import ChronicApproval, ChronicEvidence, RemoteCareFiling, TwoDiseasesRegistration
from core.models import ApiToken, Department, ImportChunk, ImportJob, Region, RegionLevel, SecurityEvent
from core.roles import CITY_OFFICER, CLERK, DEPARTMENT_GROUPS, FACILITY, FINANCE, FUND_CASHIER, REVIEWER
from enrollment.models import EmployeeCoverage, Enrollment, Household, Person, ResidentScheme, SchemeAssignment, School
from enrollment.models import Payment
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
# Rows that change on every request by design: sessions, security events and login logs.
VOLATILE_MODELS = {"sessions.session", "core.securityevent", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
VOLATILE_FIELDS = {"last_login", "last_used_at"}  # a token's last use is written as it is used
logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- the other county


@dataclass
class Foreign:
    """The other county's (嘉鱼县) objects and the strings that must never reach county A."""

    objects: dict
    markers: list
    home_village: Region | None = None  # county A's: where an attacker moves a row


def build_foreign(jiayu, current_year) -> Foreign:
    township = factories.region(jiayu.code + "009", "嘉鱼泄露镇", RegionLevel.TOWNSHIP, jiayu)
    village = factories.region(township.code + "009", "嘉鱼泄露村", RegionLevel.VILLAGE, township)
    clerk = factories.user("jiayu_clerk", CLERK, jiayu)
    clerk.full_name = "嘉鱼经办员"
    clerk.save()
    reviewer = factories.user("jiayu_reviewer", REVIEWER, jiayu)
    head = factories.person(village, name="嘉鱼甲", phone="13900000001")
    member = factories.person(village, name="嘉鱼乙", male=False)
    household = Household.objects.create(number="JYHH0001", address="嘉鱼泄露路1号", village=village, head=head)
    Person.objects.filter(pk__in=[head.pk, member.pk]).update(household=household)
    scheme = ResidentScheme.objects.get(code="xianning")
    school = School.objects.create(code="JYSC0001", name="嘉鱼泄露中学", kind="secondary", region=village)
    enrollment = Enrollment.objects.create(
        person=head, benefit_year=current_year, scheme=scheme, category="regular", channel="individual", village=village,
        region_path=village.path, registered_on=date(current_year - 1, 10, 1), standard="400", subsidy="0", amount_due="400",
        benefit_start=date(current_year, 1, 1), benefit_end=date(current_year, 12, 31),
    )
    payment = Payment.objects.create(receipt_number="JYPAY0001", county=jiayu, amount="400", method="cash", paid_on=date(current_year - 1, 10, 2),
                                     payer_name="嘉鱼乙", village=village, recorded_by=clerk)
    Enrollment.objects.create(
        person=member, benefit_year=current_year, scheme=scheme, category="regular", channel="individual", village=village,
        region_path=village.path, registered_on=date(current_year - 1, 10, 1), payment_date=date(current_year - 1, 10, 2), status="paid",
        standard="400", subsidy="0", amount_due="400", benefit_start=date(current_year, 1, 1), benefit_end=date(current_year, 12, 31),
        payment=payment,
    )
    identity = HardshipIdentity.objects.create(person=member, code="orphan", department=Department.CIVIL_AFFAIRS,
                                               document_number="嘉鱼认定001", valid_from=date(current_year - 1, 1, 1))
    application = Application.objects.create(person=member, kind="class_3_4", reason="嘉鱼申请理由", accepted_by=clerk)
    evidence = Evidence(application=application, original_name="嘉鱼证明.pdf", content_type="application/pdf", size=len(PDF),
                        sha256="0" * 64, uploaded_by=clerk)
    evidence.file.save("jiayu.pdf", ContentFile(PDF), save=False)
    evidence.save()
    approved = Application.objects.create(person=head, kind="one_time", reason="嘉鱼一次性救助", accepted_by=clerk,
                                          status="approved", decided_by=reviewer, decided_on=date(current_year, 1, 5))
    OneTimeAssistance.objects.create(application=approved, certified_on=date(current_year, 1, 1), period_from=date(current_year - 1, 1, 1),
                                     amount=Decimal("123.45"))
    facility = Facility.objects.create(code="JYFA0001", name="嘉鱼泄露医院", level=1, tier="township", region=township,
                                       agreement_from=date(2020, 1, 1))
    settlement = Settlement.objects.create(parameter_set=factories.parameter_set(), person=head, facility=facility, bill_number="JYBILL0001", kind="outpatient",
                                           visit_date=date(current_year, 2, 1), year=current_year, total="88.00",
                                           region_path=village.path, created_by=clerk)
    Settlement.objects.create(parameter_set=factories.parameter_set(), person=head, facility=facility, bill_number="JYSG0001", kind="outpatient", visit_date=date(current_year, 2, 1),
                              year=current_year, total="66.00", channel="manual", claim_received_on=date(current_year, 2, 3),
                              region_path=village.path, created_by=clerk)  # a manual claim of the other county (手工报销)
    job = ImportJob.objects.create(
        kind="enrollment_list", file="imports/jiayu.xlsx", original_name="嘉鱼名单.xlsx", sha256="1" * 64, size=100, user=clerk,
        region=jiayu, status=ImportJob.Status.PREVIEWED, total_rows=2, counts={"error": 1, "new": 1},
        errors=[{"row": 2, "column": "姓名", "message": "嘉鱼乙 身份证号有误", "value": member.id_number}],
    )
    ImportChunk.objects.create(job=job, number=1, first_row=2, last_row=3, rows=2, file="chunks/jiayu.json.gz")
    run = SubsidyRun.objects.create(region=jiayu, region_path=jiayu.path, benefit_year=current_year, assessed_on=date(current_year, 1, 1),
                                    created_by=clerk, people=1, total="400.00")
    SubsidyRunLine.objects.create(run=run, person=member, identity=identity, code="orphan", payer="assistance_fund", county=jiayu,
                                  standard="400", subsidy="400", source="嘉鱼依据")
    parameter = PolicyParameter.objects.create(region=jiayu, scheme="resident_basic", name="嘉鱼参数", value="777.77", unit="元",
                                               valid_from=date(current_year, 1, 1), source="嘉鱼文件")
    assignment = SchemeAssignment.objects.create(region=jiayu, scheme=scheme)
    coverage = EmployeeCoverage.objects.create(id_number=factories.id_number(prefix="421221"), name="嘉鱼职工", employer="嘉鱼泄露厂",
                                               starts_on=date(2020, 1, 1), region=jiayu)
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.EXPORT, user=clerk, path="/jiayu/", detail="嘉鱼导出")
    token = ApiToken.objects.create(user=clerk, name="嘉鱼令牌", prefix="jy000000", key_hash="2" * 64)
    filing = RemoteCareFiling.objects.create(person=member, kind="referral", destination_province="广东省", destination_city="广州市",
                                             valid_from=date(current_year, 1, 1), hospital="嘉鱼泄露转入医院", created_by=clerk)
    objects = {
        "region": village, "township": township, "county": jiayu, "user": clerk, "person": head, "member": member,
        "payment": payment,
        "household": household, "school": school, "enrollment": enrollment, "identity": identity, "application": application,
        "approved_application": approved, "evidence": evidence, "facility": facility, "settlement": settlement, "import_job": job,
        "subsidy_run": run, "parameter": parameter, "assignment": assignment, "coverage": coverage, "event": event, "token": token,
    }
    objects["filing"] = filing  # 异地就医备案
    # 门诊慢特病: an approval awaiting decision with its evidence, and a 两病 registration
    chronic = ChronicApproval.objects.create(person=member, disease=factories.chronic_disease(member, "tuberculosis"),
                                             diagnosing_hospital="嘉鱼泄露确诊医院", diagnosed_on=date(current_year, 1, 5), facility=facility,
                                             submitted_by=clerk)
    chronic_evidence = ChronicEvidence(approval=chronic, original_name="嘉鱼慢病证明.pdf", content_type="application/pdf", size=len(PDF),
                                       sha256="3" * 64, uploaded_by=clerk)
    chronic_evidence.file.save("jiayu-chronic.pdf", ContentFile(PDF), save=False)
    chronic_evidence.save()
    registration = TwoDiseasesRegistration.objects.create(person=head, disease=factories.chronic_disease(head, "hypertension"),
                                                          registered_on=date(current_year, 1, 2), note="嘉鱼两病登记")
    objects.update(chronic_approval=chronic, chronic_evidence=chronic_evidence, registration=registration)
    # 基金: an entry whose lines are all the other county's
    from funds.models import AccountKind, Fund, SourceKind
    from funds.services import ledger

    city = jiayu.parent
    lines = [ledger.Line(ledger.account(Fund.RESIDENT_BASIC, AccountKind.BENEFIT_EXPENSE, city), Decimal("98765.43"), jiayu),
             ledger.Line(ledger.account(Fund.RESIDENT_BASIC, AccountKind.PERSON_PAYABLE, jiayu), Decimal("-98765.43"), jiayu)]
    objects["journal_entry"] = ledger.post(city=city, posted_on=date(current_year, 1, 5), source_kind=SourceKind.MANUAL_CLAIMS,
                                           key="walk-jiayu", memo="嘉鱼泄露凭证", lines=lines)[0]
    from core.models import Notification

    from funds.models import FundAlert

    objects["fund_account"] = lines[1].account  # 嘉鱼县's 应付参保人
    objects["fund_alert"] = FundAlert.objects.create(fund=Fund.RESIDENT_BASIC, region=jiayu, kind="surplus_low", period=f"{current_year}-01", value="0.0123",
                             threshold="0.05", income="1", expenditure="1", balance="1", as_of=date(current_year, 1, 5),
                             source="嘉鱼泄露依据", region_path=jiayu.path)
    objects["notification"] = Notification.objects.create(user=clerk, title="嘉鱼泄露消息", body="嘉鱼县的预警", url="/funds/alerts/")
    # 月度拨付计划: the other county's plan awaiting the city's review, a line for its hospital
    from funds.models import PaymentPlan, PaymentPlanEvent, PaymentPlanLine

    plan = PaymentPlan.objects.create(city=city, county=jiayu, year=current_year - 1, month=12, status="submitted", note="嘉鱼泄露说明",
                                      created_by=reviewer, submitted_by=reviewer, region_path=jiayu.path)
    PaymentPlanLine.objects.create(plan=plan, fund=Fund.RESIDENT_BASIC, kind="facility", facility=facility, due="97531.24", amount="97531.24")
    PaymentPlanEvent.objects.create(plan=plan, action="submit", from_status="draft", to_status="submitted", user=reviewer)
    objects["payment_plan"] = plan
    # 基金预算: the city's budget (city-wide, no county's page) with the other county's line
    from funds.models import Budget, BudgetLine

    budget = Budget.objects.create(city=city, fund=Fund.RESIDENT_BASIC, year=current_year, version=1, reason="嘉鱼泄露预算说明",
                                   created_by=reviewer, recorded_by=reviewer, region_path=city.path)
    BudgetLine.objects.create(budget=budget, county=jiayu, item="contribution_income", amount="86420.13")
    objects["budget"] = budget
    # 定点机构违约金: the other county's hospital owes a fund
    from funds.models import FacilityPenalty

    objects["penalty"] = FacilityPenalty.objects.create(
        city=city, facility=facility, county=jiayu, fund=Fund.RESIDENT_BASIC, kind="breach", amount="75319.62", document="嘉鱼泄露文号",
        decided_on=date(current_year, 1, 5), due_on=date(current_year, 12, 31), reason="嘉鱼泄露事由", created_by=reviewer,
        region_path=jiayu.path)
    markers = ["75,319.62", "75319.62"] + ["JYPAY0001", "98,765.43", "98765.43", "1.23%", "97,531.24", "97531.24", "86,420.13", "86420.13"]
    markers += ["JYSG0001"]  # the manual claim
    markers += ["嘉鱼", "JYHH0001", "JYSC0001", "JYFA0001", "JYBILL0001", "jiayu_clerk", "jiayu_reviewer", "13900000001"]
    for person in (head, member):
        markers += [person.id_number, person.masked_id_number]
    markers += [coverage.id_number]
    return Foreign(objects=objects, markers=markers)


# ---------------------------------------------------------------------------- the resolver


@dataclass
class Route:
    name: str  # namespaced, "" for an unnamed pattern
    pattern: URLPattern
    model: type | None  # the admin's model for a model admin's pattern
    prefix: str  # the routes of the resolvers above it, e.g. "admin/enrollment/person/"

    @property
    def params(self) -> tuple[list[str], int]:
        """Named parameters and the count of positional ones."""
        pattern = self.pattern.pattern
        if isinstance(pattern, RoutePattern):
            return list(pattern.converters), 0
        regex = pattern.regex
        return list(regex.groupindex), regex.groups - len(regex.groupindex)


def walk(resolver, namespace="", model=None, prefix=""):
    admin_prefixes = {f"{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from walk(entry, inner, admin_prefixes.get(str(entry.pattern), model), prefix + str(entry.pattern))
        else:
            name = ":".join(n for n in (namespace, entry.name) if n) if entry.name else ""
            yield Route(name, entry, model, prefix)


# The other county's object behind each staff page's <pk>.
STAFF_OBJECTS = {
    "enrollment:person": "person", "enrollment:person_edit": "person", "enrollment:person_enroll": "person",
    "enrollment:household": "household", "enrollment:household_add_member": "household", "enrollment:household_enroll": "household",
    "enrollment:enrollment_pay": "enrollment", "enrollment:enrollment_cancel": "enrollment",
    "enrollment:enrollment_suspend": "enrollment", "enrollment:enrollment_resume": "enrollment",
    "enrollment:household_pay": "household", "enrollment:payment_receipt": "payment",
    "assistance:identity_revoke": "identity", "assistance:subsidy_run": "subsidy_run", "assistance:subsidy_run_export": "subsidy_run",
    "assistance:application": "application", "assistance:evidence": "evidence",
    "benefits:person_settlements": "person", "benefits:settlement_detail": "settlement", "benefits:settlement_reverse": "settlement",
    "benefits:one_time_pay": "approved_application",
    "assistance:subsidy_run_print": "subsidy_run",
    "benefits:settlement_bill": "settlement",
    "users:edit": "user", "users:deactivate": "user", "users:password": "user",
}
for _name in ("detail", "progress", "commit", "cancel", "choose", "error_rows", "resume"):
    STAFF_OBJECTS[f"imports:{_name}"] = "import_job"
STAFF_OBJECTS.update({"benefits:filing_new": "person", "benefits:filing_end": "filing", "benefits:filing_revoke": "filing"})
STAFF_OBJECTS.update({"funds:plan": "payment_plan", "funds:plan_export": "payment_plan", "funds:budget": "budget",
                      "funds:penalty": "penalty"})
STAFF_OBJECTS.update({"funds:alert": "fund_alert", "inbox_open": "notification", "funds:entry": "journal_entry", "chronic_application_api": "chronic_approval", "benefits:chronic_detail": "chronic_approval", "benefits:chronic_evidence": "chronic_evidence",
                      "benefits:chronic_new": "person", "benefits:two_diseases_new": "person",
                      "benefits:two_diseases_end": "registration"})


def admin_object(model, foreign: Foreign):
    """The other county's row of an admin's model; a shared table's first row otherwise."""
    for obj in foreign.objects.values():
        if type(obj) is model:
            return obj
    return model._default_manager.order_by("pk").first()


def fill(route: Route, foreign: Foreign) -> list[tuple[tuple, dict]]:
    """(args, kwargs) for a route, every parameter an object of the other county."""
    names, positional = route.params
    objects = foreign.objects
    obj = admin_object(route.model, foreign) if route.model is not None else None
    pk = obj.pk if obj is not None else 0
    kwargs = {}
    for name in names:
        if name == "pk":
            assert route.name in STAFF_OBJECTS, f"{route.name}: map its <pk> to an object of the other county in STAFF_OBJECTS"
            kwargs["pk"] = objects[STAFF_OBJECTS[route.name]].pk
        elif name == "kind":
            kwargs["kind"] = objects["import_job"].kind
        elif name == "object_id" and route.model is not None:
            kwargs["object_id"] = pk
        elif name == "object_id":  # admin:view_on_site
            kwargs["object_id"] = objects["person"].pk
        elif name == "content_type_id":
            kwargs["content_type_id"] = ContentType.objects.get_for_model(Person).pk
        elif name == "id" and route.model is not None:  # a user's password page
            kwargs["id"] = pk
        elif name == "app_label":
            return [((), {"app_label": label}) for label in sorted({m._meta.app_label for m in admin.site._registry})]
        else:
            raise AssertionError(f"{route.name or route.pattern}: unknown URL parameter {name!r}, fill it with the other county's object")
    if positional:
        assert positional == 2 and route.name.endswith("_simple_history"), f"{route.name}: unknown positional parameters"
        record = obj.history.order_by("-history_id").first() if obj is not None else None
        return [((pk, record.history_id if record else 0), {})]
    return [((), kwargs)]


def urls_for(route: Route, foreign: Foreign) -> list[str]:
    if not route.name and isinstance(route.pattern.pattern, RoutePattern):  # e.g. the admin's <object_id>/ redirect
        return [f"/{route.prefix}" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), str(route.pattern.pattern))
                for _args, kwargs in fill(route, foreign)]
    if not route.name:
        assert "catch_all" in getattr(route.pattern.callback, "__name__", ""), f"unnamed URL pattern {route.pattern}"
        return [f"/{route.prefix}no-such-app/no-such-model/"]
    return [reverse(route.name, args=args, kwargs=kwargs) for args, kwargs in fill(route, foreign)]


# ---------------------------------------------------------------------------- what is sent


def form_data(obj, marker="改动") -> dict:
    """A model form's POST for the row with its first text field changed."""
    return admin_form_data(obj, marker=marker)


def post_data(route: Route, foreign: Foreign, year: int) -> dict:
    objects = foreign.objects
    head, member, village = objects["person"], objects["member"], objects["region"]
    by_name = {
        "assistance:identity_certify": {"id_number": member.id_number, "code": "orphan", "valid_from": f"{year}-01-01"},
        "assistance:application_new": {"id_number": member.id_number, "kind": "class_3_4", "reason": "越权"},
        "assistance:subsidy_runs": {"region": objects["county"].pk, "benefit_year": year, "assessed_on": f"{year}-01-01"},
        "enrollment:renew": {"village": village.pk, "to_year": year + 1, "confirm": "1"},
        "enrollment:household_new": {"village": village.pk, "number": "X", "address": "X", "members-TOTAL_FORMS": "1",
                                     "members-INITIAL_FORMS": "0", "members-0-name": head.name,
                                     "members-0-id_number": head.id_number, "members-0-relation_to_head": "head"},
        "enrollment:employee_coverage": {"id_number": objects["coverage"].id_number},
        "enrollment:household_pay": {"enrollments": objects["enrollment"].pk, "receipt_number": "A1", "amount_received": "400.00",
                                     "method": "cash", "payment_date": f"{year - 1}-10-02"},
        "enrollment:enrollment_pay": {"receipt_number": "A2", "amount_received": "400.00", "method": "cash",
                                      "payment_date": f"{year - 1}-10-02"},
        # 用户管理: a user created in, or moved into, the other county
        "users:new": {"username": "walk_new_user", "full_name": "越权用户", "region": objects["county"].pk, "roles": CLERK,
                      "password_choice": "set", "password": "walk-pass-2026x", "password_confirm": "walk-pass-2026x"},
        "users:edit": {"full_name": "越权改名", "region": objects["county"].pk, "roles": CLERK, "is_active": "on"},
        "users:password": {"password_choice": "set", "password": "walk-pass-2026x", "password_confirm": "walk-pass-2026x"},
        # A county A facility's upload for the other county's person (no evidence: refused, nothing written)
        "chronic_applications_api": {"id_number": head.id_number, "name": head.name, "disease": "tuberculosis",
                                     "diagnosed_on": f"{year}-01-10"},
        "funds:alert": {"text": "越权预警意见", "on": f"{year}-01-10"},
        # 月度拨付计划: a plan compiled for the other county; the other county's plan moved on
        "funds:plan_new": {"county": objects["county"].pk, "year": year - 1, "month": 11},
        "funds:plan": {"action": "advance", "reason": "越权", "on": f"{year}-01-10"},
        # 基金预算: a budget compiled, and the city's budget changed, by a county's user
        "funds:budgets": {"fund": "resident_basic", "year": year, "reason": "越权"},
        "funds:budget": {"action": "lines", f"amount_{objects['county'].pk}_contribution_income": "1"},
        "funds:advances": {"action": "manual", "county": objects["county"].pk, "amount": "1", "on": f"{year}-01-10"},
        # 定点机构违约金: a decision on the other county's hospital; its penalty paid or cancelled
        "funds:penalties": {"facility": objects["penalty"].facility.code, "fund": "resident_basic", "kind": "breach", "amount": "1",
                            "document": "越权文号", "decided_on": f"{year}-01-10", "reason": "越权"},
        "funds:receipts": {"source": "fiscal_county", "county": objects["county"].pk, "amount": "1", "on": f"{year}-01-10",
                           "document": "越权到账"},
        "funds:penalty": {"action": "pay", "step": "owed", "paid_on": f"{year}-01-10", "receipt": "越权"},
        "funds:interest": {"fund": "resident_basic", "kind": "county_expenditure", "holder": objects["county"].pk, "amount": "1",
                           "on": f"{year}-01-10"},
        # 异地就医备案: the other county's person and filing, with forms the pages would accept
        "benefits:filing_new": {"kind": "temporary", "destination_province": "广东省", "destination_city": "深圳市", "valid_from": f"{year}-01-01"},
        "benefits:filing_end": {"valid_to": f"{year}-01-31", "reason": "越权"},
        "benefits:filing_revoke": {"reason": "越权", "confirm": "on"},
        # 手工报销: the other county's person, at a hospital the form names (the form is valid; the service refuses)
        "benefits:claim_new": {"id_number": head.id_number, "outside_name": "越权医院", "outside_level": "2", "outside_tier": "secondary_plus",
                               "kind": "outpatient", "visit_date": f"{year}-02-01", "place": "local", "referral": "referred",
                               "received_on": f"{year}-02-03", "class_a": "100", "action": "confirm"},
    }
    if route.name in by_name:
        return by_name[route.name]
    if route.model is not None:
        obj = admin_object(route.model, foreign)
        action = route.name.rsplit("_", 1)[-1]
        if action == "delete" and obj is not None:
            return {"post": "yes"}
        if action == "changelist" and obj is not None:
            return {"action": "delete_selected", "_selected_action": obj.pk, "index": "0", "post": "yes"}
        if obj is not None and action in ("change", "history", "add"):
            data = form_data(obj)
            for name in ("village", "region"):  # the attack: another county's row moved into county A
                if name in data and action != "add" and foreign.home_village is not None:
                    data[name] = str(foreign.home_village.pk)
            return data
    return {}


def query_probes(route: Route, foreign: Foreign, year: int) -> list[str]:
    """Query strings that carry the other county's ids and names."""
    objects = foreign.objects
    head, village = objects["person"], objects["region"]
    # Search terms that find the other county's rows without being markers themselves (a page
    # may echo what was typed).
    searches = ["q=嘉", f"q={head.id_number[:10]}"]
    by_name = {
        "enrollment:people": searches + [f"village={village.pk}"],
        "enrollment:people_export": searches + [f"village={village.pk}"],
        "assistance:identities": searches,
        "assistance:identities_export": searches,
        "assistance:identity_certify": [f"person={head.pk}", f"person={objects['member'].pk}"],
        "assistance:application_new": [f"person={objects['member'].pk}"],
        "assistance:coverage_gap": [f"region={objects['county'].pk}&benefit_year={year}", f"village={village.pk}&benefit_year={year}"],
        "assistance:subsidy_run_print": ["payer=assistance_fund"],
        "benefits:trial": [f"id_number={head.id_number}&date={year}-02-01", f"id_number={objects['member'].id_number}"],
        **{name: searches + [f"region={village.pk}", f"region={objects['county'].pk}&kind=referral", f"valid_on={year}-02-01"]
           for name in ("benefits:filings", "benefits:filings_export")},
        "benefits:facility_settlements": [f"facility={objects['facility'].pk}"],
        **{name: [f"county={objects['county'].pk}", f"year={year}&quarter=1", f"county={objects['county'].pk}&year={year}&quarter=1"]
           for name in ("benefits:claim_summary", "benefits:claim_summary_export", "benefits:claim_summary_print")},
        "benefits:facility_settlements_export": [f"facility={objects['facility'].pk}", f"year={year}&month=2"],
        "enrollment:renew": [f"village={village.pk}&to_year={year + 1}"],
        # 征缴清单: the other county's region (village, township, county) and school as filters, and searches
        **{name: searches + [f"region={village.pk}", f"region={objects['township'].pk}&status=unpaid", f"region={objects['county'].pk}",
                             f"school={objects['school'].pk}", f"year={year}&status=paid", f"year={year + 1}&status=not_renewed"]
           for name in ("enrollment:collection", "enrollment:collection_export", "enrollment:collection_print")},
        "enrollment:daily_summary": [f"clerk={objects['user'].pk}", f"clerk={objects['user'].pk}&date={year - 1}-10-02"],
        "enrollment:employee_coverage": [f"q={objects['coverage'].id_number[:10]}", "q=嘉"],
        "imports:list": ["q=嘉"],
        "users:list": ["q=嘉", "q=jiayu", f"region={objects['county'].pk}", f"region={objects['township'].pk}&active=1"],
    }
    probes = list(by_name.get(route.name, []))
    if route.model is not None and route.name.endswith("_add"):  # initial values: raw-id labels, choices
        for field in route.model._meta.concrete_fields:
            target = admin_object(field.related_model, foreign) if field.is_relation else None
            if target is not None and field.related_model in admin.site._registry:
                probes.append(f"{field.name}={target.pk}")
    if route.model is not None and route.name.endswith("_changelist"):  # lookup popups, search, a foreign filter value
        probes += ["_popup=1&_to_field=id", "q=嘉"]
        fields = {f.name for f in route.model._meta.concrete_fields}
        probes += [f"{name}__id__exact={objects['region'].pk}" for name in ("region", "village") if name in fields]
    if route.name == "admin:autocomplete":
        for model, model_admin in admin.site._registry.items():
            for field in model._meta.concrete_fields:
                remote = admin.site._registry.get(field.related_model) if field.is_relation else None
                if remote is not None and remote.search_fields:
                    probes.append(f"app_label={model._meta.app_label}&model_name={model._meta.model_name}"
                                  f"&field_name={field.name}&term=嘉")
    return probes


# ---------------------------------------------------------------------------- what comes back


def response_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace") + response.get("Location", "")
    if "spreadsheetml" in response.get("Content-Type", "") and body:
        sheet_cells = []
        for sheet in load_workbook(io.BytesIO(body), read_only=True).worksheets:
            for row in sheet.iter_rows(values_only=True):
                sheet_cells += [str(v) for v in row if v is not None]
        text += "\n".join(sheet_cells)
    return text


def database_snapshot() -> dict:
    snapshot = {}
    for model in apps.get_models():
        if model._meta.label_lower in VOLATILE_MODELS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in VOLATILE_FIELDS]
        snapshot[model._meta.label_lower] = list(model._base_manager.order_by("pk").values_list(*fields))
    return snapshot


def county_roles(xianan) -> dict:
    """Every role of county A, each a staff user, so the admin's permissions are what stops them."""
    users = {name: factories.user(f"a_{i}", name, xianan, staff=True)
             for i, name in enumerate((CLERK, REVIEWER, CITY_OFFICER, FINANCE, FUND_CASHIER))}
    for department, group in DEPARTMENT_GROUPS.items():
        users[group] = factories.user(f"a_{department}", group, xianan, staff=True, department=department)
    hospital = Facility.objects.create(code="A_H2", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    users[FACILITY] = factories.user("a_facility", FACILITY, xianan, department=Department.FACILITY)
    users[FACILITY].facility = hospital
    users[FACILITY].set_unusable_password()
    users[FACILITY].save()
    from core.services.tokens import token_create

    users[FACILITY].walk_token = token_create(user=users[FACILITY], name="walk")[1]  # before the walk's first snapshot
    return users


class TokenWalker:
    """A 定点医疗机构 account: its token on every request, no session (it has no password)."""

    def __init__(self, user):
        self.user = user
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {user.walk_token}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, data):
        return self.client.post(url, data, headers=self.headers)


class Walker:
    def __init__(self, user):
        self.user = user
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.login()

    def login(self):
        self.client.force_login(self.user)
        page = self.client.get("/").content.decode()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def get(self, url):
        return self.client.get(url)

    def post(self, url, data):
        response = self.client.post(url, {**data, "csrfmiddlewaretoken": self.token})
        if self.client.session.get("_auth_user_id") is None:  # a logout page: log in again
            self.login()
        return response


@pytest.fixture
def quiet_request_log():
    """The walk's thousands of refusals are expected: no warning line for each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def exchange(walker, route, url, foreign, year, *, admin_too: bool):
    """The requests of one URL: GET, GET with each probe, POST."""
    if route.prefix.startswith("admin/") and not admin_too:
        return []
    probes = [url] + [f"{url}?{query}" for query in query_probes(route, foreign, year)]
    sent = [("GET", u, walker.get(u), {}) for u in probes]
    data = post_data(route, foreign, year)
    sent.append(("POST", url, walker.post(url, data), data))
    return sent


def leaked(response, data, markers) -> list[str]:
    text = response_text(response)
    for value in data.values():  # what the user typed may come back in the form
        if isinstance(value, str) and len(value) >= 3:
            text = text.replace(value, "")
    return [marker for marker in markers if marker in text]


def test_no_page_of_the_project_or_the_admin_reaches_another_county(xianan, xianan_villages, jiayu, current_standards,
                                                                    quiet_request_log):
    # Given the other county's objects, and every role of county A
    year = date.today().year
    foreign = build_foreign(jiayu, year)
    foreign.home_village = xianan_villages[0]
    roles = county_roles(xianan)
    # The department groups hold the same permissions: one walks the admin, all walk the staff pages.
    admin_walkers = {CLERK, REVIEWER, CITY_OFFICER, DEPARTMENT_GROUPS["civil_affairs"]}
    routes = list(walk(get_resolver()))
    urls = [(route, url) for route in routes for url in urls_for(route, foreign)]
    before = database_snapshot()
    started = time.monotonic()

    # When each role requests every URL
    count, leaks, errors, csrf_failures, changes = 0, [], [], [], []
    for role, user in roles.items():
        walker = TokenWalker(user) if role == FACILITY else Walker(user)
        for route, url in urls:
            for method, sent, response, data in exchange(walker, route, url, foreign, year, admin_too=role in admin_walkers):
                count += 1
                where = f"{role} {method} {sent} → {response.status_code}"
                if response.status_code >= 500:
                    errors.append(where)
                    continue
                if response.status_code == 403 and b"CSRF" in response.content:
                    csrf_failures.append(where)
                if response.status_code == 302 and response["Location"].startswith("/login/?next="):
                    continue  # refused: the login page, which names only the URL the caller asked for
                leaks += [f"{where}: {marker}" for marker in leaked(response, data, foreign.markers)]
        # Then nothing changed
        after = database_snapshot()
        changes += [f"as {role}: {label}" for label in before if before[label] != after[label]]
        before = after
    seconds = time.monotonic() - started

    # and no response was a 500, refused for CSRF (every POST reached its view), or carried the other county's data
    logger.info("URL walk: %d patterns, %d URLs, %d roles, %d requests, %d leaks, %d server errors, %d changed tables, %.0f s",
                len(routes), len(urls), len(roles), count, len(leaks), len(errors), len(changes), seconds)
    assert not changes, "\n".join(changes)
    assert not errors, "\n".join(errors[:40])
    assert not csrf_failures, "\n".join(csrf_failures[:10])
    assert not leaks, "\n".join(leaks[:60])
