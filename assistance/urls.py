from django.urls import path

from assistance import views

app_name = "assistance"

urlpatterns = [
    path("identities/", views.identity_list, name="identities"),
    path("identities/export.xlsx", views.identity_export, name="identities_export"),
    path("identities/new/", views.identity_certify, name="identity_certify"),
    path("identities/<int:pk>/revoke/", views.identity_revoke, name="identity_revoke"),
]
