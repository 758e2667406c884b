from django.urls import path

from browser import views

urlpatterns = [
    path("browse/", views.browse_page, name="browse"),
    path("browse/picker", views.picker, name="picker"),
    path("browse/analysis", views.analysis, name="analysis"),
    path("browse/preferences", views.preferences_page, name="navigation-preferences"),
    path("instances/<int:pk>/", views.instance_status, name="instance-status"),
    path(
        "navigation/banner/dismiss", views.migration_banner_dismiss, name="migration-banner-dismiss"
    ),
    path("instances/<int:pk>/login-retry", views.instance_login_retry, name="instance-login-retry"),
]
