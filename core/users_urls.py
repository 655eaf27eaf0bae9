from django.urls import path

from core import views_users

app_name = "users"

urlpatterns = [
    path("", views_users.user_list, name="list"),
    path("new/", views_users.user_new, name="new"),
    path("<int:pk>/edit/", views_users.user_edit, name="edit"),
    path("<int:pk>/deactivate/", views_users.user_deactivate, name="deactivate"),
    path("<int:pk>/password/", views_users.user_password, name="password"),
]
