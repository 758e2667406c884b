from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    path("api/", api.urls),
    path("presets/", include("presets.urls")),
    path("", include("browser.urls")),
    path("", include("rollout.urls")),
    path("", include("creator.urls")),
]

admin.site.site_header = "Torrentsmith administration"
admin.site.site_title = "Torrentsmith admin"
