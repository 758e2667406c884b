from django.urls import path

from creator import views

urlpatterns = [
    path("", views.home, name="home"),
    path("create/", views.create_page, name="create"),
    path("create/options", views.create_options, name="create-options"),
    path("create/plan", views.create_plan, name="create-plan"),
    path("create/checks", views.create_checks, name="create-checks"),
    path("create/preset", views.create_preset_note, name="create-preset-note"),
    path("create/summary", views.create_summary, name="create-summary"),
    path(
        "create/browse-in-qbittorrent",
        views.create_browse_in_qbittorrent,
        name="create-browse-in-qbittorrent",
    ),
    path("jobs/", views.jobs_page, name="jobs"),
    path("jobs/table", views.jobs_table, name="jobs-table"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/detail", views.job_detail, name="job-detail"),
    path("jobs/<int:job_id>/row", views.job_row, name="job-row"),
    path("jobs/<int:job_id>/cancel", views.job_cancel_post, name="job-cancel"),
    path("jobs/<int:job_id>/retry", views.job_retry_post, name="job-retry"),
    path("jobs/<int:job_id>/torrent", views.job_torrent_download, name="job-torrent"),
    path("jobs/<int:job_id>/edit", views.job_edit_post, name="job-edit"),
    path("torrents/inspect", views.torrent_inspect_page, name="torrent-inspect"),
    path("torrents/verify", views.torrent_verify_page, name="torrent-verify"),
]
