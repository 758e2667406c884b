"""The home page, the creator form, a job's page, the jobs history, and their HTMX partials.

Each job view calls one service from creator.jobs; a ServiceError becomes a message on the job's
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
from django_htmx.http import HttpResponseClientRedirect, push_url

from accounts.decorators import role_required
from accounts.permissions import CREATE_JOBS, VIEW_JOBS
from browser.instances import instance_id_of, instances_for
from browser.local import DEPRECATION
from browser.models import NavigationMode
from browser.preferences import preference_mode, preference_update
from browser.views import picker_context
from config.errors import NotFound, ServiceError
from creator.defaults import (
    DEFAULT_VALUES,
    TARGET_PIECES_RANGE,
    creator_defaults_get,
    creator_defaults_save,
)
from creator.forms import PRESET_FORM_FIELDS, CreateForm, JobFilterForm, preset_values, tags_of
from creator.health import health_report
from creator.jobs import (
    InvalidJob,
    JobOptions,
    job_cancel,
    job_get,
    job_get_own,
    job_list,
    job_list_page,
    job_retry,
    job_submit,
    job_torrent,
)
from creator.models import Job, JobState
from creator.offer import CreatorOffer, creator_offer
from creator.planning import path_plan_pieces, plan_candidate
from creator.torrents import job_edit, torrent_inspect, upload_data, verify_submit
from presets.departures import preset_departures
from presets.services import preset_list, tracker_validate
from presets.trackers import format_tiers, parse_lines, parse_tiers

JOBS_PER_PAGE = 25
RECENT_JOBS = 5

# Column headers of the history table and the job_list ordering each one sorts by.
SORTABLE_COLUMNS = (
    ("Name", "name"),
    ("State", "state"),
    ("Size", "total_size"),
    ("Created", "created_at"),
)


def home(request):
    """Recent jobs and the app's health; for an account without a role yet (where every other
    page is refused), what to ask an administrator for, rather than a refusal at login."""
    if not request.user.has_perm(VIEW_JOBS):
        return render(request, "creator/home.html", {"no_role": True})
    recent = job_list(viewer=request.user, owner_id=request.user.pk)[:RECENT_JOBS]
    return render(
        request,
        "creator/home.html",
        {"health": health_report(viewer=request.user), "recent_jobs": recent},
    )


# --- one job -------------------------------------------------------------------------------


def service_errors(view):
    """A ServiceError the view lets through, in words: a refused action (POST: still running,
    its instance gone or closed to the user) becomes a message on the job's page; anything
    else, and a job the viewer may not see, a page with the error's 4xx status."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ServiceError as error:
            job_id = kwargs.get("job_id")
            # a NotFound naming a field is about something the job uses, not the job itself
            job_unseen = isinstance(error, NotFound) and error.field is None
            if request.method == "POST" and not job_unseen:
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
    messages.success(request, f"Job {job.pk} was queued with the settings of job {job_id}.")
    return redirect("job", job_id=job.pk)


@role_required(VIEW_JOBS)
@service_errors
def job_torrent_download(request, job_id: int):
    return torrent_response(*job_torrent(viewer=request.user, job_id=job_id))


def torrent_response(job, data: bytes) -> HttpResponse:
    """A job's .torrent as a download under its stored name (the page's link and the API)."""
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


class JobRows:
    """A job_list as Paginator reads it: its count, and its pages from job_list_page."""

    def __init__(self, jobs):
        self.jobs = jobs

    def count(self) -> int:
        return self.jobs.count()

    def __getitem__(self, rows: slice) -> list[Job]:
        return job_list_page(self.jobs, start=rows.start, stop=rows.stop)


def _history_context(request) -> tuple[dict, int]:
    """What the history table shows for the request's query, and the status to answer with."""
    form = JobFilterForm(request.GET, viewer=request.user)
    arguments = form.job_list_arguments()
    status, error = 200, ""
    try:
        jobs = job_list(viewer=request.user, **arguments)
    except ServiceError as exc:  # a hand-made link: an unknown ordering, a date out of range
        status, error = exc.status, exc.message
        arguments["ordering"] = "-created_at"
        arguments["since"] = arguments["until"] = None
        jobs = job_list(viewer=request.user, **arguments)
    page = Paginator(JobRows(jobs), JOBS_PER_PAGE).get_page(request.GET.get("page"))
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


# --- the creator form ----------------------------------------------------------------------

# Reads any value a page may send: the live partials only show what services make of them.
ANY_OFFER = CreatorOffer(instance=None, formats=("v1", "v2", "hybrid"), alignment_options=True)


def _form(request, data, *, offer: CreatorOffer | None = None) -> CreateForm:
    offer = offer or creator_offer(
        user=request.user, instance_id=instance_id_of(data.get("instance"))
    )
    return CreateForm(data, offer=offer, presets=preset_list(viewer=request.user))


def _preset(form: CreateForm):
    """The preset the form names, or None (also for one deleted since the page was made: the
    form accepts only the presets it lists)."""
    chosen = form.values()["preset"]
    return next((preset for preset in form.presets if preset.pk == chosen), None)


def _values_with_preset(form: CreateForm) -> dict:
    """The form's values, with the chosen preset's settings written over them; "No preset"
    sets them back to the defaults, so that nothing the last preset set (a private flag, its
    source tag) rides along unseen into a torrent for elsewhere."""
    values = form.values()
    preset = _preset(form)
    if preset is not None:
        values.update(preset_values(preset, offer=form.offer))
    else:
        values.update({name: DEFAULT_VALUES[name] for name in PRESET_FORM_FIELDS})
    return values


def _options_context(
    request, *, values: dict, form: CreateForm | None = None, read: CreateForm | None = None
) -> dict:
    """What _create_form.html shows: `form`, or a new one showing `values` (with the instance's
    offer and the presets of `read`, the form the values were just read from, if any)."""
    if form is None:
        if read is not None:
            offer, presets = read.offer, read.presets
        else:
            offer = creator_offer(user=request.user, instance_id=values["instance"])
            presets = preset_list(viewer=request.user)
        if values["preset"] not in {preset.pk for preset in presets}:
            values["preset"] = None
        if values["format"] not in offer.formats:
            values["format"] = offer.formats[0]
        form = CreateForm(initial=values, offer=offer, presets=presets)
    if form.offer.instance is not None:
        values["instance"] = form.offer.instance.pk
    return {
        "form": form,
        "values": values,
        "offer": form.offer,
        "presets": form.presets,
        "target_range": TARGET_PIECES_RANGE,
    }


def _page_context(
    request, *, values: dict, form: CreateForm | None = None, read: CreateForm | None = None
) -> dict:
    context = _options_context(request, values=values, form=form, read=read)
    path = values["path"]
    picker = picker_context(request, path=path or None, instance_id=values["instance"])
    if "error" in picker and path:  # a file, or a path since removed: show its folder
        parent = path.rstrip("/").rsplit("/", 1)[0] or "/"
        picker = picker_context(request, path=parent, instance_id=values["instance"])
    local = preference_mode(user=request.user) == NavigationMode.LOCAL
    return {**context, **picker, "local_mode": local, "deprecation": DEPRECATION}


@role_required(CREATE_JOBS)
def create_page(request):
    """The creator form. `?path=&instance=` preselects a source; POST creates the torrent."""
    if request.method == "POST":
        return _create_submit(request)
    read = None
    if "apply_preset" in request.GET:  # "Apply preset" without JavaScript: the form's values
        read = _form(request, request.GET)
        values = _values_with_preset(read)
    else:
        values = {**creator_defaults_get(user=request.user), "path": request.GET.get("path", "")}
        if "instance" in request.GET:
            values["instance"] = instance_id_of(request.GET["instance"])
    return render(request, "creator/create.html", _page_context(request, values=values, read=read))


def _create_submit(request):
    """A job from the form, then its live page; a refusal shows beside its field (422)."""
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            job = job_submit(user=request.user, request=form.job_request())
        except ServiceError as error:
            form.add_service_error(error)
        else:
            creator_defaults_save(user=request.user, values=form.values())
            # Read on the job's page, perhaps after it has ended: it says what happened, and
            # the page itself says it may be left while the job runs.
            messages.success(request, f"Job {job.pk} was queued.")
            url = reverse("job", args=[job.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _page_context(request, values=form.values(), form=form)
    return render(request, "creator/create.html", context, status=422)


@role_required(CREATE_JOBS)
def create_options(request):
    """The form's options again: after choosing a preset (`apply_preset`, which fills them) or
    another instance (whose formats and alignment options may differ)."""
    read = _form(request, request.GET)
    values = _values_with_preset(read) if "apply_preset" in request.GET else read.values()
    response = render(
        request, "creator/_create_form.html", _options_context(request, values=values, read=read)
    )
    response["HX-Trigger-After-Settle"] = "options-applied"  # the live parts look again
    return response


@role_required(CREATE_JOBS)
def create_plan(request):
    """Piece count, slack, .torrent size and efficiency for the form's piece size."""
    values = _form(request, request.GET, offer=ANY_OFFER).values()
    context = {"values": values}
    if values["path"]:
        try:
            result = path_plan_pieces(
                user=request.user,
                path=values["path"],
                instance_id=values["instance"],
                target_pieces=values["target_pieces"],
                format=values["format"],
                preset_id=values["preset"],
            )
        except ServiceError as error:
            context["error"] = error.message
        else:
            candidate = plan_candidate(result.plan, piece_size=values["piece_size"])
            context.update(analysis=result.analysis, plan=result.plan, candidate=candidate)
    response = render(request, "creator/_plan.html", context)
    response["HX-Trigger-After-Settle"] = "plan-updated"  # the summary names the planned size
    return response


@role_required(CREATE_JOBS)
def create_checks(request):
    """Each tracker and web seed URL checked, and the set as a whole."""
    form = _form(request, request.GET, offer=ANY_OFFER)
    values = form.values()
    context = {}
    try:
        context["report"] = tracker_validate(
            user=request.user,
            trackers=values["trackers"],
            private=values["private"],
            web_seeds=parse_lines(values["web_seeds"]),
            preset=_preset(form),
        )
    except ServiceError as error:
        context["error"] = error.message
    return render(request, "creator/_link_checks.html", context)


@role_required(CREATE_JOBS)
def create_preset_note(request):
    """What the chosen preset sets, and where the form's values depart from it."""
    form = _form(request, request.GET, offer=ANY_OFFER)
    values = form.values()
    preset = _preset(form)
    context = {"preset": preset}
    if preset is not None:
        context["departures"] = preset_departures(
            preset,
            private=values["private"],
            source=values["source"],
            tiers=parse_tiers(values["trackers"]),
            format=values["format"],
            piece_size=values["piece_size"],
        )
    return render(request, "creator/_preset_note.html", context)


@role_required(CREATE_JOBS)
def create_summary(request):
    """The torrent the form will make, in a few lines."""
    form = _form(request, request.GET, offer=ANY_OFFER)
    values = form.values()
    tiers = parse_tiers(values["trackers"])
    extras = {
        "no creation date": values["omit_creation_date"],
        "no \u201ccreated by\u201d": values["omit_created_by"],
        "a random info hash": values["randomize_info_hash"],
    }
    context = {
        "values": values,
        "preset": _preset(form),
        "tiers": tiers,
        "tracker_count": sum(len(tier) for tier in tiers),
        "web_seeds": parse_lines(values["web_seeds"]),
        "tags": tags_of(values["tags"]),
        "extras": [words for words, chosen in extras.items() if chosen],
    }
    return render(request, "creator/_summary.html", context)


@role_required(CREATE_JOBS)
@require_POST
def create_browse_in_qbittorrent(request):
    """Leaves local mode for browsing through qBittorrent, from the notice on the form."""
    preference_update(user=request.user, mode=NavigationMode.QBITTORRENT)
    messages.success(request, "You now browse as qBittorrent sees its folders.")
    return redirect("create")


# --- existing .torrent files ----------------------------------------------------------------


@role_required(CREATE_JOBS)
@require_POST
@service_errors
def job_edit_post(request, job_id: int):
    """The edit form of a finished job: a new job with the edited .torrent; refused, the
    job's page again with the error at its field and what the user typed."""
    values = {
        "trackers": request.POST.get("trackers", ""),
        "source": request.POST.get("source", "").strip(),
        "comment": request.POST.get("comment", "").replace("\r\n", "\n").strip(),
        "private": request.POST.get("private") == "on",
    }
    # A field left as the form showed it is not edited: the stored value stays as it is, where
    # the text sent back may differ from it (stripped, line breaks as CRLF) and, for the
    # source, change the info hash the form promises to keep.
    shown = job_get_own(viewer=request.user, job_id=job_id, action="edit its .torrent").options
    trackers = parse_tiers(values["trackers"])
    try:
        job = job_edit(
            viewer=request.user,
            job_id=job_id,
            trackers=_edited(trackers, parse_tiers(format_tiers(shown.get("trackers") or []))),
            source=_edited(values["source"], (shown.get("source") or "").strip()),
            comment=_edited(values["comment"], (shown.get("comment") or "").strip()),
            private=_edited(values["private"], bool(shown.get("private"))),
        )
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        context = _job_context(job_get(viewer=request.user, job_id=job_id))
        context |= {"edit_error": error, "edit_values": values}
        return render(request, "creator/job.html", context, status=error.status)
    return redirect("job", job_id=job.pk)


def _edited(value, shown):
    """`value` when the user changed the field, None when they left it as it was shown."""
    return None if value == shown else value


@role_required(VIEW_JOBS)
def torrent_inspect_page(request):
    """Upload a .torrent and see what it holds."""
    context = {}
    if request.method == "POST":
        upload = request.FILES.get("torrent")
        try:
            if upload is None:
                raise InvalidJob("Choose a .torrent file.", field="torrent")
            context["meta"] = torrent_inspect(user=request.user, data=upload_data(upload))
        except ServiceError as error:
            context["error"] = error
            return render(request, "creator/inspect.html", context, status=error.status)
    return render(request, "creator/inspect.html", context)


@role_required(CREATE_JOBS)
def torrent_verify_page(request):
    """Upload a .torrent and name the content: a verify job checks one against the other."""
    instances = list(instances_for(request.user))
    instance_id = instance_id_of(request.POST.get("instance"))
    context = {
        # the path picker, as on the creator form: choosing fills the content's path
        **picker_context(request, path=None, instance_id=instance_id),
        "instances": instances,
        # said before a .torrent is chosen, not after the upload is refused for it
        "unmapped": [i.name for i in instances if not i.path_mappings],
        "path": request.POST.get("path", ""),
        "instance_id": instance_id,
    }
    if request.method == "POST":
        upload = request.FILES.get("torrent")
        try:
            if upload is None:
                raise InvalidJob("Choose a .torrent file.", field="torrent")
            job = verify_submit(
                user=request.user,
                data=upload_data(upload),
                path=context["path"],
                instance_id=context["instance_id"],
            )
        except ServiceError as error:
            context["refusal"] = error  # ("error" is the picker's)
            return render(request, "creator/verify.html", context, status=error.status)
        return redirect("job", job_id=job.pk)
    return render(request, "creator/verify.html", context)
