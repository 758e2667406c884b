from django.urls import path

from creator import views

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("jobs/table", views.jobs_table, name="jobs-table"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/detail", views.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/row", views.job_row, name="job-row"),
    path("jobs/<int:job_id>/cancel", views.job_cancel_post, name="job-cancel"),
    path("jobs/<int:job_id>/retry", views.job_retry_post, name="job-retry"),
    path("jobs/<int:job_id>/torrent", views.job_torrent_download, name="job-torrent"),
]
