from django.urls import path

from rollout import views

urlpatterns = [
    path("feedback/", views.feedback_post, name="feedback"),
    path("metrics/navigation/", views.metrics_page, name="navigation-metrics"),
    path("metrics", views.prometheus_metrics, name="prometheus-metrics"),
]
