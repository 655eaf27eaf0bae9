from django.urls import path

from enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("people/", views.people_list, name="people"),
]
