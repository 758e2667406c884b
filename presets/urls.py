from django.urls import path

from presets import views

urlpatterns = [
    path("", views.preset_list_page, name="presets"),
    path("<int:preset_id>/secrets/<slug:name>/", views.secret_save, name="preset-secret"),
]
