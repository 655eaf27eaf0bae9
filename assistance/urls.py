from django.urls import path

from assistance import views

app_name = "assistance"

urlpatterns = [
    path("identities/", views.identity_list, name="identities"),
    path("identities/export.xlsx", views.identity_export, name="identities_export"),
    path("identities/new/", views.identity_certify, name="identity_certify"),
    path("identities/<int:pk>/revoke/", views.identity_revoke, name="identity_revoke"),
    path("subsidy-runs/", views.subsidy_runs, name="subsidy_runs"),
    path("subsidy-runs/<int:pk>/", views.subsidy_run, name="subsidy_run"),
    path("subsidy-runs/<int:pk>/export.xlsx", views.subsidy_run_export, name="subsidy_run_export"),
    path("subsidy-runs/<int:pk>/print/", views.subsidy_run_print, name="subsidy_run_print"),
    path("coverage-gap/", views.coverage_gap, name="coverage_gap"),
    path("applications/", views.application_queue, name="applications"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
