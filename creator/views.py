"""The home page, a job's page, the jobs history, and their HTMX partials.

Each view calls one service from creator.jobs; a ServiceError becomes a message on the job's
page or an error page in words with its 4xx status, never a 500.
"""

from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from accounts.decorators import role_required
from accounts.permissions import CREATE_JOBS, VIEW_JOBS
from config.errors import NotFound, ServiceError
from creator.forms import JobFilterForm
from creator.health import health_report
from creator.jobs import JobOptions, job_cancel, job_get, job_list, job_retry, job_torrent
from creator.models import Job, JobState

JOBS_PER_PAGE = 25
RECENT_JOBS = 5

# Column headers of the history table and the job_list ordering each one sorts by.
SORTABLE_COLUMNS = (
    ("Name", "name"),
    ("State", "state"),
    ("Size", "total_size"),
    ("Created", "created_at"),
)


@role_required(VIEW_JOBS)
def home(request):
    recent = job_list(viewer=request.user, owner_id=request.user.pk)[:RECENT_JOBS]
    return render(
        request,
        "creator/home.html",
        {"health": health_report(viewer=request.user), "recent_jobs": recent},
    )


# --- one job -------------------------------------------------------------------------------


def service_errors(view):
    """A ServiceError the view lets through, in words: a refused action (POST: still running,
    its instance gone) becomes a message on the job's page; anything else, and a job the viewer
    may not see, a page with the error's 4xx status."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ServiceError as error:
            job_id = kwargs.get("job_id")
            if request.method == "POST" and not isinstance(error, NotFound):
                messages.error(request, error.message)
                return redirect("job", job_id=job_id)
            context = {"error": error, "job_id": job_id}
            return render(request, "creator/job_error.html", context, status=error.status)

    return wrapper


def _job_context(job: Job) -> dict:
    return {"job": job, "options": JobOptions.of(job), "state_labels": dict(JobState.choices)}


@role_required(VIEW_JOBS)
@service_errors
def job_page(request, job_id: int):
    job = job_get(viewer=request.user, job_id=job_id)
    return render(request, "creator/job.html", _job_context(job))


@role_required(VIEW_JOBS)
@service_errors
def job_detail(request, job_id: int):
    """The job page's main part alone: the page swaps it in when the job finishes."""
    job = job_get(viewer=request.user, job_id=job_id)
    return render(request, "creator/_job_detail.html", _job_context(job))


@role_required(CREATE_JOBS)
@require_POST
@service_errors
def job_cancel_post(request, job_id: int):
    job = job_cancel(viewer=request.user, job_id=job_id)
    messages.success(request, f"Job {job.pk} is {job.get_state_display().lower()}.")
    return redirect("job", job_id=job.pk)


@role_required(CREATE_JOBS)
@require_POST
@service_errors
def job_retry_post(request, job_id: int):
    """A new job with the same settings; its page is where the user goes next."""
    job = job_retry(viewer=request.user, job_id=job_id)
    messages.success(request, f"Job {job.pk} is queued with the settings of job {job_id}.")
    return redirect("job", job_id=job.pk)


@role_required(VIEW_JOBS)
@service_errors
def job_torrent_download(request, job_id: int):
    job, data = job_torrent(viewer=request.user, job_id=job_id)
    response = HttpResponse(data, content_type="application/x-bittorrent")
    response["Content-Disposition"] = content_disposition_header(True, Path(job.torrent_file).name)
    return response


# --- the history ---------------------------------------------------------------------------


def _sort_columns(ordering: str) -> dict[str, dict]:
    """Each sortable header by field: its label, the ordering its link asks for, its aria-sort."""
    columns = {}
    for label, field in SORTABLE_COLUMNS:
        if ordering == field:
            sort, next_ordering = "ascending", f"-{field}"
        elif ordering == f"-{field}":
            sort, next_ordering = "descending", field
        else:
            # Dates and sizes read best largest first; names and states A to Z.
            sort = "none"
            next_ordering = f"-{field}" if field in ("created_at", "total_size") else field
        columns[field] = {"label": label, "field": field, "ordering": next_ordering, "sort": sort}
    return columns


def _history_context(request) -> tuple[dict, int]:
    """What the history table shows for the request's query, and the status to answer with."""
    form = JobFilterForm(request.GET, viewer=request.user)
    arguments = form.job_list_arguments()
    status, error = 200, ""
    try:
        jobs = job_list(viewer=request.user, **arguments)
    except ServiceError as exc:  # a hand-made link with an unknown ordering
        status, error = exc.status, exc.message
        arguments["ordering"] = "-created_at"
        jobs = job_list(viewer=request.user, **arguments)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    latest = job_list(viewer=request.user).aggregate(latest=Max("pk"))["latest"]
    context = {
        "form": form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "ordering": arguments["ordering"],
        "columns": _sort_columns(arguments["ordering"]),
        "latest_job_id": latest or 0,
        "error": error,
        "state_labels": dict(JobState.choices),
    }
    return context, status


@role_required(VIEW_JOBS)
def jobs_page(request):
    context, status = _history_context(request)
    return render(request, "creator/jobs.html", context, status=status)


@role_required(VIEW_JOBS)
def jobs_table(request):
    """The history table alone, for HTMX; the address bar shows the page's shareable URL."""
    context, status = _history_context(request)
    response = render(request, "creator/_job_table.html", context, status=status)
    query = urlencode([(key, value) for key, value in request.GET.items() if value])
    return push_url(response, reverse("jobs") + (f"?{query}" if query else ""))


@role_required(VIEW_JOBS)
@service_errors
def job_row(request, job_id: int):
    """One history row, fetched again when the job finishes (its size and links appear)."""
    job = job_get(viewer=request.user, job_id=job_id)
    return render(request, "creator/_job_row.html", {"job": job})
