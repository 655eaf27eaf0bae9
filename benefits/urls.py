from django.urls import path

from benefits import views

app_name = "benefits"

urlpatterns = [
    path("trial/", views.trial_page, name="trial"),
    path("parameters/", views.parameters, name="parameters"),
]
