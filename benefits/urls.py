from django.urls import path

from benefits import views, views_trial
from benefits import views_filings
from benefits import views_claims
from benefits import views_chronic

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
    path("chronic/", views_chronic.approval_list, name="chronic_list"),
    path("chronic/export.xlsx", views_chronic.approval_export, name="chronic_export"),
    path("chronic/queue/", views_chronic.review_queue, name="chronic_queue"),
    path("chronic/renewals/", views_chronic.renewal_queue, name="chronic_renewals"),
    path("chronic/<int:pk>/", views_chronic.approval_detail, name="chronic_detail"),
    path("chronic/evidence/<int:pk>/", views_chronic.evidence_file, name="chronic_evidence"),
    path("people/<int:pk>/chronic/new/", views_chronic.approval_new, name="chronic_new"),
    path("people/<int:pk>/two-diseases/new/", views_chronic.registration_new, name="two_diseases_new"),
    path("two-diseases/<int:pk>/end/", views_chronic.registration_end, name="two_diseases_end"),
    path("claims/new/", views_claims.claim_new, name="claim_new"),
    path("claims/summary/", views_claims.claim_summary, name="claim_summary"),
    path("claims/summary/print/", views_claims.claim_summary_print, name="claim_summary_print"),
    path("claims/summary/export.xlsx", views_claims.claim_summary_export, name="claim_summary_export"),
]
