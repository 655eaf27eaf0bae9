"""Roles as Django groups. The permission lists here are the single definition; they are
applied after every migrate and by `manage.py setup_roles`."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

CLERK = "经办员"
REVIEWER = "审核员"
CITY_OFFICER = "市局"
# A designated facility's account: uploads 门诊慢特病 applications through the JSON interface
# (benefits.views_api) with its token, naming itself as the facility; no staff page.
FACILITY = "定点医疗机构"
# 月度拨付计划 (RULES.md 7): the city finance bureau re-checks and pays plans into the city bureau's
# expenditure account; the city bureau's fund cashiers pay the facilities and the counties.
FINANCE = "市财政局"
FUND_CASHIER = "基金财务"
DEPARTMENT_GROUPS = {
    "civil_affairs": "民政",
    "rural_revitalisation": "乡村振兴",
    "health": "卫健",
    "veterans": "退役军人事务",
    "disabled_federation": "残联",
    "education": "教育",
}

_PEOPLE_VIEW = ["enrollment.view_person", "enrollment.view_household", "enrollment.view_enrollment", "enrollment.view_school",
                "enrollment.view_payment"]
_PEOPLE_EDIT = [
    "enrollment.add_person", "enrollment.change_person",
    "enrollment.add_household", "enrollment.change_household",
    "enrollment.add_enrollment", "enrollment.change_enrollment",
]
_POLICY = [
    f"enrollment.{action}_{model}"
    for model in ("residentscheme", "contributionstandard", "collectionwindow", "subsidyrule", "schemeassignment")
    for action in ("view", "add", "change")
] + ["benefits.view_policyparameter", "benefits.add_policyparameter", "benefits.change_policyparameter"]
_SETTLEMENT = ["benefits.view_settlement", "benefits.add_settlement", "benefits.reverse_settlement", "benefits.import_settlement",
               "benefits.view_facility", "benefits.add_facility", "benefits.change_facility"]

# 异地就医备案 (X000 arts. 19-20): clerks file, end and revoke; reviewers look.
_FILING = ["benefits.view_remotecarefiling", "benefits.add_remotecarefiling", "benefits.change_remotecarefiling"]

# 门诊慢特病 (RULES.md 3.5): clerks submit, register and end 两病 and change facilities; reviewers decide
# and revoke (never their own submissions, benefits.services.chronic); officers edit the catalogue.
_CHRONIC_SUBMIT = ["benefits.view_chronicapproval", "benefits.add_chronicapproval", "benefits.change_chronicapproval",
                   "benefits.view_chronicdisease", "benefits.view_twodiseasesregistration", "benefits.add_twodiseasesregistration",
                   "benefits.change_twodiseasesregistration"]
_CHRONIC_REVIEW = ["benefits.view_chronicapproval", "benefits.review_chronicapproval", "benefits.view_chronicdisease",
                   "benefits.view_twodiseasesregistration"]

# 基金 (RULES.md 7): officers read the city's ledger; a county's reviewers read their county's lines.
_FUNDS = ["funds.view_journalentry", "funds.view_journalline", "funds.view_account", "funds.view_fundalert",
          "funds.view_warningopinion", "funds.view_paymentplan", "funds.view_paymentplanline", "funds.view_paymentplanevent", "funds.view_budget",
          "funds.view_budgetline", "funds.view_facilitypenalty"]

_IDENTITY = ["assistance.view_hardshipidentity", "assistance.certify_identity", "assistance.import_hardshipidentity",
             "assistance.export_hardshipidentity", "assistance.view_subsidyrun"]

ROLE_PERMISSIONS = {
    CLERK: _PEOPLE_VIEW + _PEOPLE_EDIT + [
        "core.view_full_id_number",
        "enrollment.import_enrollment", "enrollment.import_person", "enrollment.export_person", "enrollment.export_enrollment",
        "core.view_importjob", "enrollment.view_employeecoverage",
        *_IDENTITY, "assistance.add_subsidyrun", "assistance.view_application", "assistance.add_application",
        "benefits.view_settlement", "benefits.view_facility",
        *_FILING, *_CHRONIC_SUBMIT,
        "benefits.add_settlement",  # 手工报销: the county office takes paper bills (S001 市级统筹 §三(三)2)
    ],
    REVIEWER: _PEOPLE_VIEW + [
        "core.view_full_id_number", "enrollment.change_enrollment",
        "enrollment.export_person", "enrollment.export_enrollment", "core.view_importjob",
        "enrollment.view_employeecoverage", "assistance.view_hardshipidentity",
        "assistance.view_application", "assistance.review_application",
        "benefits.view_remotecarefiling", *_CHRONIC_REVIEW, *_FUNDS,
        "funds.submit_paymentplan",  # a county bureau compiles its month's payment plan
    ],
    CITY_OFFICER: _PEOPLE_VIEW + _PEOPLE_EDIT + _POLICY + [
        "core.view_full_id_number", "core.view_region", "core.change_region", "core.add_region",
        "core.view_user", "core.manage_users", "core.view_securityevent", "core.view_importjob",
        "enrollment.import_enrollment", "enrollment.import_person", "enrollment.export_person", "enrollment.export_enrollment",
        "enrollment.add_school", "enrollment.change_school",
        "enrollment.view_employeecoverage", "enrollment.add_employeecoverage", "enrollment.change_employeecoverage",
        "enrollment.import_employeecoverage", "enrollment.export_employeecoverage",
        *_IDENTITY, "assistance.view_assistanceclassrule", "assistance.change_assistanceclassrule", "assistance.add_subsidyrun",
        "assistance.view_application", "assistance.review_application", *_SETTLEMENT,
        *_FILING, *_CHRONIC_SUBMIT, *_CHRONIC_REVIEW, "benefits.change_chronicdisease", "benefits.add_chronicdisease",
        *_FUNDS, "funds.record_warningopinion", "funds.review_paymentplan", "funds.compile_budget",
        "funds.decide_facilitypenalty", "funds.reverse_journalentry",
    ],
    FINANCE: [*_FUNDS, "funds.recheck_paymentplan", "funds.fund_paymentplan", "funds.record_receipt"],
    FUND_CASHIER: [*_FUNDS, "funds.pay_paymentplan", "funds.record_interest", "funds.collect_facilitypenalty"],
    FACILITY: ["benefits.upload_chronicapproval", "benefits.view_chronicdisease"],
    # Departments certify their own codes (checked by the identity service, X000 art. 41).
    **{name: ["enrollment.view_person", "enrollment.view_household", "core.view_importjob", *_IDENTITY]
       for name in DEPARTMENT_GROUPS.values()},
}


def sync_roles() -> None:
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for group_name, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = []
        for full in perm_names:
            app_label, codename = full.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    # Run once, after the last app: every app's permissions exist by then.
    if app_config is not None and app_config.label == list(global_apps.get_app_configs())[-1].label:
        sync_roles()
