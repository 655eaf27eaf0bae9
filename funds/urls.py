from django.urls import path

from funds import views, views_budget, views_penalties, views_plans, views_treasury

app_name = "funds"

urlpatterns = [
    path("balances/", views.balance_list, name="balances"),
    path("balances/export.xlsx", views.balance_export, name="balances_export"),
    path("entries/", views.entry_list, name="entries"),
    path("entries/export.xlsx", views.entry_export, name="entries_export"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("alerts/", views.alert_list, name="alerts"),
    path("deficit/", views.deficit, name="deficit"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("statement/", views.statement, name="statement"),
    path("statement/export.xlsx", views.statement_export, name="statement_export"),
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/new/", views_plans.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan"),
    path("plans/<int:pk>/export.xlsx", views_plans.plan_export, name="plan_export"),
    path("budgets/", views_budget.budget_list, name="budgets"),
    path("budgets/<int:pk>/", views_budget.budget_detail, name="budget"),
    path("execution/", views_budget.execution, name="execution"),
    path("execution/export.xlsx", views_budget.execution_export, name="execution_export"),
    path("interest/", views_treasury.interest, name="interest"),
    path("advances/", views_treasury.advances, name="advances"),
    path("receipts/", views_treasury.receipts, name="receipts"),
    path("penalties/", views_penalties.penalty_list, name="penalties"),
    path("penalties/<int:pk>/", views_penalties.penalty_detail, name="penalty"),
]
