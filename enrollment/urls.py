from django.urls import path

from enrollment import views
from enrollment import views_collection

app_name = "enrollment"

urlpatterns = [
    path("people/", views.people_list, name="people"),
    path("people/export.xlsx", views.people_export, name="people_export"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/enroll/", views.person_enroll, name="person_enroll"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/add-member/", views.household_add_member, name="household_add_member"),
    path("households/<int:pk>/enroll/", views.household_enroll, name="household_enroll"),
    path("households/<int:pk>/pay/", views.household_pay, name="household_pay"),
    path("payments/<int:pk>/receipt/", views.payment_receipt, name="payment_receipt"),
    path("payments/daily/", views.daily_summary, name="daily_summary"),
    path("enrollments/<int:pk>/pay/", views.enrollment_pay, name="enrollment_pay"),
    path("enrollments/<int:pk>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    path("enrollments/<int:pk>/suspend/", views.enrollment_suspend, name="enrollment_suspend"),
    path("enrollments/<int:pk>/resume/", views.enrollment_resume, name="enrollment_resume"),
    path("renew/", views.renew, name="renew"),
    path("collection/", views_collection.collection, name="collection"),
    path("collection/export.xlsx", views_collection.collection_export, name="collection_export"),
    path("collection/print/", views_collection.collection_print, name="collection_print"),
    path("employee-coverage/", views.employee_coverage, name="employee_coverage"),
    path("policy/", views.policy, name="policy"),
]
