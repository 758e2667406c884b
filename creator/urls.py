from django.urls import path

from creator import views

urlpatterns = [
    path("", views.home, name="home"),
]
