"""The home page, a job's page and its HTMX partial.

Each view calls one service from creator.jobs; a ServiceError becomes a message on the job's
page or an error page in words with its 4xx status, never a 500.
"""

from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from config.errors import NotFound, ServiceError
from creator.health import health_report
from creator.jobs import JobOptions, job_cancel, job_get, job_retry, job_torrent
from creator.models import Job, JobState


def home(request):
    return render(request, "creator/home.html", {"health": health_report()})


# --- one job -------------------------------------------------------------------------------


def _job_or_404(request, job_id: int) -> Job:
    try:
        return job_get(viewer=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _job_context(job: Job) -> dict:
    return {"job": job, "options": JobOptions.of(job), "state_labels": dict(JobState.choices)}


def job_page(request, job_id: int):
    job = _job_or_404(request, job_id)
    return render(request, "creator/job.html", _job_context(job))


def job_detail(request, job_id: int):
    """The job page's main part alone: the page swaps it in when the job finishes."""
    job = _job_or_404(request, job_id)
    return render(request, "creator/_job_detail.html", _job_context(job))


@require_POST
def job_cancel_post(request, job_id: int):
    try:
        job = job_cancel(viewer=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Job {job.pk} is {job.get_state_display().lower()}.")
    return redirect("job", job_id=job_id)


@require_POST
def job_retry_post(request, job_id: int):
    """A new job with the same settings; its page is where the user goes next."""
    try:
        job = job_retry(viewer=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("job", job_id=job_id)
    messages.success(request, f"Job {job.pk} is queued with the settings of job {job_id}.")
    return redirect("job", job_id=job.pk)


def job_torrent_download(request, job_id: int):
    try:
        job, data = job_torrent(viewer=request.user, job_id=job_id)
    except ServiceError as error:
        context = {"error": error, "job_id": job_id}
        return render(request, "creator/job_error.html", context, status=error.status)
    response = HttpResponse(data, content_type="application/x-bittorrent")
    response["Content-Disposition"] = content_disposition_header(True, Path(job.torrent_file).name)
    return response
