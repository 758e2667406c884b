from django.urls import path

from creator import views

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/detail", views.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/cancel", views.job_cancel_post, name="job-cancel"),
    path("jobs/<int:job_id>/retry", views.job_retry_post, name="job-retry"),
    path("jobs/<int:job_id>/torrent", views.job_torrent_download, name="job-torrent"),
]
