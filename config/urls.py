from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from benefits import views_api, views_trial
from core import views_inbox
from enrollment import views as enrollment_views

admin.site.site_header = "医保经办管理系统"
admin.site.site_title = "医保经办"
admin.site.index_title = "后台管理"

handler500 = "core.error_views.server_error"
handler403 = "core.error_views.permission_denied"

urlpatterns = [
    path("", enrollment_views.dashboard, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("enrollment/", include("enrollment.urls")),
    path("imports/", include("core.urls")),
    path("assistance/", include("assistance.urls")),
    path("benefits/", include("benefits.urls")),
    path("users/", include("core.users_urls")),
    path("funds/", include("funds.urls")),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views_inbox.inbox_open, name="inbox_open"),
    path("inbox/read-all/", views_inbox.inbox_read_all, name="inbox_read_all"),
    path("api/trial-settlement/", views_trial.trial_api, name="trial_api"),
    path("api/chronic-applications/", views_api.applications, name="chronic_applications_api"),
    path("api/chronic-applications/<int:pk>/", views_api.application, name="chronic_application_api"),
    path("admin/", admin.site.urls),
]
