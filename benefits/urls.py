from django.urls import path

from benefits import views, views_trial
from benefits import views_filings
from benefits import views_claims

app_name = "benefits"

urlpatterns = [
    path("trial/", views_trial.trial_page, name="trial"),
    path("parameters/", views.parameters, name="parameters"),
    path("settlements/", views.facility_settlements, name="facility_settlements"),
    path("people/<int:pk>/settlements/", views.person_settlements, name="person_settlements"),
    path("settlements/export.xlsx", views.facility_settlements_export, name="facility_settlements_export"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/bill/", views.settlement_bill, name="settlement_bill"),
    path("settlements/<int:pk>/reverse/", views.settlement_reverse, name="settlement_reverse"),
    path("applications/<int:pk>/one-time/", views.one_time_pay, name="one_time_pay"),
    path("filings/", views_filings.filing_list, name="filings"),
    path("filings/export.xlsx", views_filings.filing_export, name="filings_export"),
    path("people/<int:pk>/filings/new/", views_filings.filing_new, name="filing_new"),
    path("filings/<int:pk>/end/", views_filings.filing_end, name="filing_end"),
    path("filings/<int:pk>/revoke/", views_filings.filing_revoke, name="filing_revoke"),
    path("claims/new/", views_claims.claim_new, name="claim_new"),
    path("claims/summary/", views_claims.claim_summary, name="claim_summary"),
    path("claims/summary/print/", views_claims.claim_summary_print, name="claim_summary_print"),
    path("claims/summary/export.xlsx", views_claims.claim_summary_export, name="claim_summary_export"),
]
