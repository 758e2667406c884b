"""Creation jobs: submitting, the state machine, progress, cancel and retry, and who sees what.

A job's options are frozen when it is submitted; the engine works only from the job row. Every
state change goes through `job_transition`, a compare-and-set on the state, so a cancel and a
worker never overwrite each other.
"""

import logging
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.permissions import CREATE_JOBS, VIEW_JOBS, require
from browser import paths
from browser.analysis import analyze, scan
from browser.browse import confine
from browser.instances import allowed_roots_known, instance_get
from browser.local import host_scan, mapped_host_path
from browser.qbittorrent import QbittorrentError, client_for
from config.errors import NotFound, PermissionDenied, Refusals, ServiceError
from config.texts import torrent_text_problem
from creator import hashing
from creator.models import ACTIVE_STATES, TERMINAL_STATES, Engine, Job, JobKind, JobState
from creator.progress import progress_broadcast
from presets import planner
from presets.departures import preset_departures
from presets.models import TAG_COMMA, TrackerPreset
from presets.services import (
    preset_chosen,
    preset_get,
    preset_resolve_trackers,
    preset_values,
    tracker_validate,
)
from presets.trackers import INVALID, parse_tiers, tidy_tiers
from rollout.flags import LOCAL_ENGINE_FALLBACK, V2_FORMATS, switch_active

logger = logging.getLogger(__name__)

INFO_HASH = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # v1 (SHA-1) or v2 (SHA-256), hex

# Which state may follow which. Terminal states have no successor: a retry is a new job.
TRANSITIONS = {
    JobState.QUEUED: {
        JobState.SUBMITTED,
        JobState.HASHING,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.QUEUED,
    },
    JobState.SUBMITTED: {
        JobState.HASHING,
        JobState.FINALIZING,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.QUEUED,
        JobState.SUBMITTED,
    },
    JobState.HASHING: {
        JobState.HASHING,
        JobState.FINALIZING,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.QUEUED,
    },
    JobState.FINALIZING: {
        # the local engine's torrent was in the memory of a worker that died while finishing
        JobState.HASHING,
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.QUEUED,
        JobState.FINALIZING,
    },
    JobState.COMPLETED: set(),
    JobState.FAILED: set(),
    JobState.CANCELLED: set(),
}


class InvalidJob(ServiceError):
    """A submission that cannot become a job: 422 with the field and the reason."""

    status = 422
    code = "invalid_job"


def check_torrent_texts(*, source: str | None, comment: str | None, category: str = "") -> None:
    """Refuses what torrent_text_problem refuses (InvalidJob at each field)."""
    refusals = Refusals()
    for field_name, value in (("source", source), ("comment", comment), ("category", category)):
        problem = torrent_text_problem(field_name, value)
        if problem:
            refusals.add(InvalidJob(problem, field=field_name))
    refusals.raise_any()


class StateChanged(Exception):
    """The job's state changed under us (a cancel, another worker): reload and decide again."""


@dataclass(frozen=True)
class JobOptions:
    """Everything a job is made with, frozen at submission (stored as Job.options)."""

    trackers: list[list[str]] = field(default_factory=list)  # templates: `{passkey}` unfilled
    private: bool = False
    source: str = ""
    comment: str = ""
    web_seeds: list[str] = field(default_factory=list)
    format: str = "v1"
    piece_size: int = 0  # bytes; 0: qBittorrent's automatic choice
    # the planner chose piece_size, from the content's size at submission (not the user): the
    # finished torrent may be made again with another when that size breaks the preset's rules
    piece_size_planned: bool = False
    optimize_alignment: bool | None = None  # libtorrent 1.2 hosts only
    padded_file_size_limit: int | None = None  # libtorrent 1.2 hosts only
    ignore_dotfiles: bool = True
    start_seeding: bool = False
    category: str = ""
    tags: list[str] = field(default_factory=list)
    omit_creation_date: bool = False
    omit_created_by: bool = False
    randomize_info_hash: bool = False
    name: str = ""  # the torrent's name, when not the source's (local engine)
    exclude: list[str] = field(default_factory=list)  # shell patterns (local engine)

    @classmethod
    def of(cls, job: Job) -> "JobOptions":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in job.options.items() if k in known})


@dataclass
class JobRequest:
    """What a user asks for; None means "the preset's value" (or the default without one)."""

    path: str
    instance_id: int | None = None
    preset_id: int | None = None
    trackers: list[list[str]] | str | None = None
    private: bool | None = None
    source: str | None = None
    comment: str | None = None
    web_seeds: list[str] | None = None
    format: str | None = None
    piece_size: int | None = None
    piece_size_planned: bool = False  # the form's "automatic": the size its planner showed
    optimize_alignment: bool | None = None
    padded_file_size_limit: int | None = None
    ignore_dotfiles: bool | None = None
    start_seeding: bool | None = None
    category: str | None = None
    tags: list[str] | None = None
    omit_creation_date: bool | None = None
    omit_created_by: bool | None = None
    randomize_info_hash: bool | None = None
    name: str | None = None  # the torrent's name (local engine)
    engine: str | None = None  # "auto" (default), "qbittorrent" or "local"


PRESET_FIELDS = (
    "private",
    "source",
    "comment",
    "web_seeds",
    "format",
    "start_seeding",
    "category",
    "tags",
    "omit_creation_date",
    "omit_created_by",
    "randomize_info_hash",
)


def _resolve_options(
    request: JobRequest, preset: TrackerPreset | None, refusals: Refusals
) -> JobOptions:
    """The request's values, the preset's where the request says nothing, else defaults; the
    fields refused are added to `refusals`."""
    values = {}
    defaults = JobOptions()
    for name in PRESET_FIELDS:
        given = getattr(request, name)
        if given is None and preset is not None:
            given = getattr(preset, name)
        values[name] = given if given is not None else getattr(defaults, name)
    trackers = request.trackers
    if trackers is None:
        trackers = preset.trackers if preset is not None else []
    if isinstance(trackers, str):
        trackers = parse_tiers(trackers)
    values["trackers"] = tidy_tiers(trackers)
    # as the form sends them: a stray space in a source tag would change the info hash
    for name in ("source", "comment", "category"):
        values[name] = values[name].strip()
    with refusals.check():
        check_torrent_texts(
            source=values["source"], comment=values["comment"], category=values["category"]
        )
    values["web_seeds"] = [url.strip() for url in values["web_seeds"] if url.strip()]
    values["tags"] = [tag.strip() for tag in values["tags"] if tag.strip()]
    if any("," in tag for tag in values["tags"]):
        refusals.add(InvalidJob(TAG_COMMA, field="tags"))
    for name in ("piece_size", "optimize_alignment", "padded_file_size_limit", "ignore_dotfiles"):
        given = getattr(request, name)
        if given is not None:
            values[name] = given
    values["piece_size_planned"] = bool(request.piece_size) and request.piece_size_planned
    values["name"] = (request.name or "").strip()
    if values["name"]:
        try:
            hashing.checked_name(values["name"])
        except ServiceError as error:
            refusals.add(InvalidJob(error.message, field="name"))
    values["exclude"] = list(preset.exclude_patterns) if preset is not None else []
    if request.piece_size is None and preset is not None and preset.piece_rules.fixed_size:
        values["piece_size"] = preset.piece_rules.fixed_size
    return JobOptions(**values)


def _check_v2_switch(request: JobRequest, options: JobOptions) -> tuple[JobOptions, list[str]]:
    """v1 alone while the administrator's `v2_formats` switch is off, as the form offers: a
    v2 or hybrid preset gives v1 (said in a note), asking for v2 or hybrid is refused."""
    if options.format == "v1" or switch_active(V2_FORMATS):
        return options, []
    if request.format is not None:
        raise InvalidJob(
            "v2 and hybrid torrents are turned off here (the administrator's v2_formats "
            "switch): choose v1.",
            field="format",
        )
    note = f"v1: this preset's {options.format} is turned off here (the v2_formats switch)."
    return JobOptions(**{**asdict(options), "format": "v1"}), [note]


def _check_piece_size(
    options: JobOptions,
    preset: TrackerPreset | None,
    *,
    user,
    path: str,
    instance_id: int,
    engine: str = Engine.QBITTORRENT,
) -> tuple[JobOptions, list[str]]:
    """The options with a piece size that keeps the preset's rules, and notes for the user."""
    notes = []
    if options.piece_size and not planner.is_piece_size(options.piece_size):
        raise InvalidJob(
            "The piece size must be a power of two from 16 KiB to 128 MiB, or 0 "
            "for qBittorrent's automatic choice.",
            field="pieceSize",
        )
    if preset is None:
        return options, notes
    rules = preset.piece_rules
    if options.piece_size:
        total_size = None
        # (qBittorrent lists no hidden files: with them included, the listing's size is short)
        if rules.piece_size_table and engine == Engine.QBITTORRENT and options.ignore_dotfiles:
            # The table's row depends on the content's size: known now, it saves hashing
            # everything before the finished torrent is refused.
            analysis = analyze(user=user, path=path, instance_id=instance_id)
            total_size = None if analysis.truncated else analysis.total_size
        breaches = planner.piece_size_breaches(options.piece_size, rules, total_size=total_size)
        if breaches:
            raise InvalidJob(f"This piece size is {'; '.join(breaches)}.", field="pieceSize")
        return options, notes
    if not (
        rules.min_piece_size
        or rules.max_piece_size
        or rules.piece_size_table
        or rules.max_torrent_size
    ):
        return options, notes
    if engine == Engine.LOCAL:
        return options, notes  # the local engine plans from the files it reads
    # Automatic under a preset's rules: plan from the content's size when it can be known
    # (qBittorrent never lists hidden files: with them included, the listing's size is short,
    # and the walk is not worth making).
    analysis = (
        analyze(user=user, path=path, instance_id=instance_id) if options.ignore_dotfiles else None
    )
    if analysis is None or analysis.total_size is None or analysis.truncated:
        unknown = (
            "The content's size is unknown"
            if options.ignore_dotfiles
            else "Hidden files are included, and qBittorrent lists none"
        )
        notes.append(
            f"{unknown}: qBittorrent chooses the piece size and the finished torrent is "
            "checked against the preset's rules."
        )
        return options, notes
    try:
        plan = planner.plan_pieces(
            total_size=analysis.total_size,
            format=options.format,
            file_sizes=analysis.file_sizes,
            rules=rules,
        )
    except planner.PlanInputError as error:  # content of 0 bytes, seen through a mapping
        raise InvalidJob(str(error), field="path") from None
    notes.append(
        f"Piece size {planner.format_size(plan.piece_size)} chosen by the planner: {plan.reason}"
    )
    planned = {"piece_size": plan.piece_size, "piece_size_planned": True}
    return JobOptions(**{**asdict(options), **planned}), notes


def check_trackers(options: JobOptions, preset: TrackerPreset | None, *, user) -> None:
    """Refuses (422) trackers or web seeds that are malformed or break the preset's rules."""
    report = tracker_validate(
        user=user,
        trackers=options.trackers,
        private=options.private,
        web_seeds=options.web_seeds,
        preset=preset,
    )
    # the first problem of each field: trackers (a URL's, else the set's), web seeds
    refusals = Refusals()
    tracker_problems = [c.sentence for c in report.trackers if c.level == INVALID] + [
        m.message for m in report.messages if m.level == INVALID
    ]
    seed_problems = [c.sentence for c in report.web_seeds if c.level == INVALID]
    for field_name, problems in (("trackers", tracker_problems), ("webSeeds", seed_problems)):
        if problems:
            refusals.add(InvalidJob(problems[0], field=field_name))
    refusals.raise_any()
    # Every placeholder must be fillable now, not only when the worker gets to it.
    preset_resolve_trackers(preset_or_tiers=options.trackers, user=user, preset=preset)


def _check_capabilities(options: JobOptions, caps) -> None:
    if options.format not in caps.formats:
        offered = ", ".join(caps.formats) or "none"
        raise InvalidJob(
            f"This qBittorrent ({caps.app_version}, libtorrent "
            f"{caps.libtorrent_version}) creates {offered} torrents only.",
            field="format",
        )
    if not caps.alignment_options and (
        options.optimize_alignment is not None or options.padded_file_size_limit is not None
    ):
        raise InvalidJob(
            "Alignment options exist only on qBittorrent builds with libtorrent "
            "1.2; this one has libtorrent "
            f"{caps.libtorrent_version}.",
            field="optimizeAlignment"
            if options.optimize_alignment is not None
            else "paddedFileSizeLimit",
        )
    if (
        any(
            "|" in url
            for url in [*(u for tier in options.trackers for u in tier), *options.web_seeds]
        )
        and not caps.creator_decodes_urls
    ):
        raise InvalidJob("This qBittorrent cannot take a URL containing '|'.", field="trackers")


ALIGNMENT_LEFT_OUT = (
    "The local engine lays files out as libtorrent 2 does: the alignment options (for "
    "libtorrent 1.2 hosts) are left out."
)


# What only the local engine can do: qBittorrent's creator cannot exclude files or name the
# torrent, and takes ignoreDotfiles from WebAPI 2.16 only. (Sentences: they start messages.)
def _needs_local_engine(options: JobOptions, caps) -> str | None:
    if options.name:
        return "qBittorrent's creator cannot set the torrent's name"
    if options.exclude:
        return "qBittorrent's creator cannot leave files out"
    if not options.ignore_dotfiles and caps is not None and not caps.ignore_dotfiles:
        return "This qBittorrent cannot include hidden files"
    return None


def _choose_engine(request: JobRequest, options: JobOptions, instance):
    """(engine, capabilities or None, notes): qBittorrent's creator when it can do the job,
    else this server's local engine when a path mapping shows the content here."""
    try:
        caps = client_for(instance).capabilities()
        unusable = (
            None if caps.creator else f"qBittorrent '{instance.name}' " + caps.missing("creator")
        )
    except QbittorrentError as error:
        caps, unusable = None, error.message
    wanted = request.engine or "auto"
    mapped = (
        bool(instance.path_mappings)
        and paths.to_host(request.path.strip() or "/", instance.mappings) is not None
    )
    local_only = _needs_local_engine(options, caps)
    if wanted == Engine.QBITTORRENT:
        if unusable:
            raise InvalidJob(unusable, field="instance", code="qbittorrent_unusable")
        if local_only:
            raise InvalidJob(f"{local_only}: use the local engine.", field="engine")
        return Engine.QBITTORRENT, caps, []
    if wanted == Engine.LOCAL or local_only or unusable:
        if not mapped:
            # the reasons are sentences: their full stop would sit before the comma
            reason = (unusable or local_only or "The local engine").rstrip(".")
            raise InvalidJob(
                f"{reason}, and no path mapping of qBittorrent '{instance.name}' shows "
                f"{request.path} on this server for the local engine.",
                field="instance" if unusable else "path",
                code="no_engine",
            )
        if wanted != Engine.LOCAL and unusable and not switch_active(LOCAL_ENGINE_FALLBACK):
            raise InvalidJob(unusable, field="instance", code="qbittorrent_unusable")
        note = []
        if wanted != Engine.LOCAL:
            why = (unusable or local_only).rstrip(".")
            note = [f"{why}: the torrent is made on this server instead (local engine)."]
        return Engine.LOCAL, caps, note
    return Engine.QBITTORRENT, caps, []


def _check_source(raw_path: str, engine: str, instance, *, user) -> str:
    """The source path (qBittorrent's view), checked by qBittorrent or, for the local engine,
    on this server through the path mapping."""
    if engine == Engine.QBITTORRENT:
        source = scan(user=user, path=raw_path, instance_id=instance.pk)
        usable, path, reason = source.usable, source.path, source.reason
    else:
        try:
            path = paths.normalize(raw_path)
        except paths.PathError as error:
            raise InvalidJob(error.message, field="path") from None
        on_host = paths.to_host(path, instance.mappings)
        if on_host is None:
            raise InvalidJob(
                f"No path mapping of qBittorrent '{instance.name}' shows {path} on this "
                "server: the local engine reads the content here.",
                field="path",
            )
        source = host_scan(instance, on_host)
        usable, reason = source.usable, source.reason
    if not usable:
        raise InvalidJob(
            reason or f"{path} cannot be a torrent's source.", field="path", code="unusable_path"
        )
    return path


def job_limit_check(*, user) -> None:
    """Refuses (429) another job while `user` has JOB_ACTIVE_LIMIT running or queued: every
    way to start one (submit, retry, verify) goes through here."""
    active = Job.objects.filter(owner=user, state__in=ACTIVE_STATES).count()
    if active >= settings.JOB_ACTIVE_LIMIT:
        raise ServiceError(
            ngettext(
                "You have {count} job running or queued, the most allowed; wait for it to finish.",
                "You have {count} jobs running or queued, the most allowed; "
                "wait for one to finish.",
                active,
            ).format(count=active),
            code="too_many_jobs",
            status=429,
        )


def job_submit(*, user, request: JobRequest) -> Job:
    """Checks a request as the engine will need it, stores the job and queues it."""
    require(user, CREATE_JOBS)
    job_limit_check(user=user)
    instance = instance_get(user=user, instance_id=request.instance_id)
    preset = preset_chosen(viewer=user, preset_id=request.preset_id)
    # What needs no qBittorrent is checked first, and all of it: every field refused at once.
    refusals = Refusals()
    options = _resolve_options(request, preset, refusals)
    with refusals.check():
        check_trackers(options, preset, user=user)
    refusals.raise_any()
    options, format_notes = _check_v2_switch(request, options)
    engine, caps, notes = _choose_engine(request, options, instance)
    notes = format_notes + notes
    path = _check_source(request.path, engine, instance, user=user)
    if engine == Engine.QBITTORRENT:
        _check_capabilities(options, caps)
    else:
        if options.format not in planner.FORMATS:
            raise InvalidJob("The format is v1, v2 or hybrid.", field="format")
        if options.optimize_alignment or options.padded_file_size_limit is not None:
            notes.append(ALIGNMENT_LEFT_OUT)
    options, piece_notes = _check_piece_size(
        options, preset, user=user, path=path, instance_id=instance.pk, engine=engine
    )
    notes += piece_notes
    if preset is not None:  # kept with the job, as the form shows them before submitting
        notes += preset_departures(
            preset,
            private=options.private,
            source=options.source,
            tiers=options.trackers,
            format=options.format,
            piece_size=0,  # checked above: a piece size the preset forbids is refused
        )
    return job_open(
        actor=user,
        action="job.created",
        detail={"path": path, "instance": instance.name, "preset": preset.name if preset else None},
        owner=user,
        instance=instance,
        instance_name=instance.name,
        source_path=path,
        engine=engine,
        options=asdict(options),
        preset=preset,
        preset_snapshot=preset_values(preset) if preset else {},
        notes=notes,
        name=options.name or paths.basename(path),
    )


def job_open(*, actor, action: str, detail: dict, **fields) -> Job:
    """Records a new job with `fields` (and who made it, in the audit trail), and starts it
    once the record is committed."""
    with transaction.atomic():
        job = Job.objects.create(**fields)
        audit_record(actor=actor, action=action, target_type="job", target_id=job.pk, detail=detail)
        transaction.on_commit(lambda: job_start(job=job))
    job.refresh_from_db()  # its first step ran when the transaction committed
    job_broadcast(job)
    return job


WEB_WORKER_ID = f"web-{uuid.uuid4().hex[:12]}"  # this process's name on the leases it takes


def job_start(*, job: Job) -> None:
    """Starts a new job. qBittorrent's: its first step (addTask, a few milliseconds) is taken in
    this process at once, as waiting for a worker to notice the job would add its polling delay
    to every job (bench/create.py). The local engine's hashing is the worker's."""
    from creator.runner import job_advance
    from creator.tasks import job_run

    jobs_recover_ensure()
    if job.engine == Engine.QBITTORRENT:
        job_advance(job.pk, worker=WEB_WORKER_ID)
    else:
        job_run.enqueue(job.pk)


# --- state changes -----------------------------------------------------------------------


def job_transition(job: Job, state: str, **fields) -> Job:
    """Moves `job` to `state` (saving `fields` with it) if no one changed it meanwhile.

    Raises StateChanged when the row's state is no longer the one this copy holds, and
    ValueError for a move the state machine forbids.
    """
    if state not in TRANSITIONS[job.state]:
        raise ValueError(f"a job cannot go from {job.state} to {state}")
    now = timezone.now()
    if state != JobState.HASHING:
        fields.setdefault("current_file", "")
    if state in TERMINAL_STATES:
        fields.setdefault("finished_at", now)
        fields.setdefault("lease_owner", "")
        fields.setdefault("lease_until", None)
        fields.setdefault("eta_s", None)
        # an ended job waits for nothing: "Waiting for qBittorrent" beside its error misled
        fields.setdefault("waiting_reason", "")
        fields.setdefault("waiting_since", None)
    updated = Job.objects.filter(pk=job.pk, state=job.state).update(
        state=state, updated_at=now, **fields
    )
    if not updated:
        raise StateChanged(f"job {job.pk} is no longer {job.state}")
    job.state, job.updated_at = state, now
    for name, value in fields.items():
        setattr(job, name, value)
    job_broadcast(job)
    return job


def job_progress(job: Job, *, progress: float, eta_s: int | None, current_file: str = "") -> Job:
    """Records hashing progress (when it moved) and tells whoever watches."""
    if (
        job.state == JobState.HASHING
        and abs(progress - job.progress) < 0.05
        and current_file == job.current_file
    ):
        return job
    return job_transition(
        job,
        JobState.HASHING,
        progress=progress,
        eta_s=eta_s,
        current_file=current_file[:1024],
        waiting_reason="",
    )


def job_event(job: Job) -> dict:
    """What a progress message says about a job; the same for sockets and for polling."""
    return {
        "job": job.pk,
        "state": job.state,
        "phase": job.phase,
        "percentage": job.percentage,
        "progress": round(job.progress, 2),
        "etaS": job.eta_s,
        "currentFile": job.current_file or None,
        "waiting": job.waiting_reason or None,
        "error": job.error or None,
        "name": job.name,
        "updatedAt": job.updated_at.isoformat() if job.updated_at else None,
    }


def job_broadcast(job: Job) -> None:
    try:
        progress_broadcast(owner_id=job.owner_id, event=job_event(job))
    except Exception:  # a channel layer outage must not fail the job: sockets poll instead
        logger.warning("Could not broadcast progress of job %s", job.pk, exc_info=True)


# --- leases: one worker per job ------------------------------------------------------------


def job_claim(job_id: int, *, worker: str) -> Job | None:
    """Takes the job for `worker` unless another live worker holds it; None when it cannot."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.JOB_LEASE_S)
    claimed = (
        Job.objects.filter(pk=job_id, state__in=ACTIVE_STATES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=worker))
        .update(lease_owner=worker, lease_until=until)
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_renew(job: Job, *, worker: str, seconds: float | None = None) -> Job:
    """Extends the lease (by JOB_LEASE_S, or `seconds`) and reloads the job; StateChanged if
    it was cancelled or taken."""
    until = timezone.now() + timedelta(seconds=seconds or settings.JOB_LEASE_S)
    renewed = Job.objects.filter(pk=job.pk, lease_owner=worker, state__in=ACTIVE_STATES).update(
        lease_until=until
    )
    fresh = Job.objects.get(pk=job.pk)
    if not renewed:
        raise StateChanged(f"job {job.pk} is {fresh.state} or held by another worker")
    return fresh


def job_release(job: Job, *, worker: str) -> None:
    Job.objects.filter(pk=job.pk, lease_owner=worker).update(lease_owner="", lease_until=None)


def new_worker_id() -> str:
    return uuid.uuid4().hex[:16]


def jobs_recover() -> int:
    """Queues again every active job that no worker holds and no queued step will advance."""
    from django_tasks_db.models import DBTaskResult

    from creator.tasks import job_run

    now = timezone.now()
    orphans = Job.objects.filter(state__in=ACTIVE_STATES).filter(
        Q(lease_until__lt=now)
        | Q(lease_until__isnull=True, updated_at__lt=now - timedelta(seconds=settings.JOB_LEASE_S))
    )
    pending = set(
        DBTaskResult.objects.filter(task_path=job_run.module_path, status="READY").values_list(
            "args_kwargs__args__0", flat=True
        )
    )
    count = 0
    for job in orphans:
        if job.pk in pending:
            continue  # its next step is queued: the workers are busy, not gone
        logger.warning("Job %s lost its worker; queueing it again", job.pk)
        job_run.enqueue(job.pk)
        count += 1
    return count


def jobs_recover_ensure() -> None:
    """Makes sure a recovery task is waiting in the queue (each run queues its successor)."""
    from django_tasks_db.models import DBTaskResult

    from creator.tasks import jobs_recover_task

    waiting = DBTaskResult.objects.filter(
        task_path=jobs_recover_task.module_path, status="READY"
    ).exists()
    if not waiting:
        jobs_recover_task.enqueue()


# --- user actions ---------------------------------------------------------------------------


def _visible(viewer):
    require(viewer, VIEW_JOBS)
    jobs = Job.objects.select_related("owner", "preset", "instance")
    return jobs if viewer.is_staff else jobs.filter(owner=viewer)


def job_get(*, viewer, job_id: int) -> Job:
    """A job `viewer` may see (their own; staff: any); NotFound otherwise."""
    job = _visible(viewer).filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    return job


def job_get_own(*, viewer, job_id: int, action: str) -> Job:
    """A job of `viewer`'s own, for `action` (words: "download its .torrent"). Staff see
    everyone's jobs but may not act as their owner: the .torrent holds the owner's passkeys,
    and an edit or a retry runs with them."""
    job = job_get(viewer=viewer, job_id=job_id)
    if job.owner_id != viewer.pk:
        raise PermissionDenied(
            f"Job {job.pk} is {job.owner.get_username()}'s: only they may {action}, as its "
            "trackers hold their secrets.",
            code="not_owner",
        )
    return job


def _moment(value, field: str):
    """A date or time to filter by, refused (422) when the database cannot compare with it:
    year 1 or 9999 with a time zone falls outside the years a datetime holds in UTC."""
    if isinstance(value, datetime):
        try:
            return (value if value.tzinfo else timezone.make_aware(value)).astimezone(UTC)
        except (OverflowError, ValueError):
            raise InvalidJob(f"{value.isoformat()} is out of range.", field=field) from None
    return value


def job_list(
    *,
    viewer,
    state: str | None = None,
    preset_id: int | None = None,
    instance_id: int | None = None,
    owner_id: int | None = None,
    since=None,
    until=None,
    search: str = "",
    ordering: str = "-created_at",
):
    """Jobs `viewer` may see, filtered; `search` matches name, path or info hash."""
    jobs = _visible(viewer)
    if state:
        jobs = jobs.filter(state=state)
    if preset_id:
        jobs = jobs.filter(preset_id=preset_id)
    if instance_id:
        jobs = jobs.filter(instance_id=instance_id)
    if owner_id and viewer.is_staff:
        jobs = jobs.filter(owner_id=owner_id)
    if since:
        jobs = jobs.filter(created_at__gte=_moment(since, "since"))
    if until:
        jobs = jobs.filter(created_at__lt=_moment(until, "until"))
    search = search.strip()
    if search:
        matches = Q(name__icontains=search) | Q(source_path__icontains=search)
        # Only a whole info hash can match one: other searches compare names and paths alone
        # (on PostgreSQL, trigram indexes serve those: migration 0004).
        term = search.lower()
        if INFO_HASH.fullmatch(term):
            matches |= Q(info_hash_v1=term) | Q(info_hash_v2=term)
        jobs = jobs.filter(matches)
    allowed = {
        "created_at",
        "-created_at",
        "name",
        "-name",
        "state",
        "-state",
        "total_size",
        "-total_size",
        "finished_at",
        "-finished_at",
    }
    if ordering not in allowed:
        raise ServiceError(f"Sort by one of: {', '.join(sorted(allowed))}.", field="ordering")
    return jobs.order_by(ordering, "-pk")


def job_list_page(jobs, *, start: int, stop: int) -> list[Job]:
    """Jobs `start` to `stop` of a job_list, with their owner, instance and preset.

    The page's ids are found on the jobs table alone (an index holds them), and only those rows
    are joined: an OFFSET over the joined rows joins every row it skips (page 400: 10,000).
    """
    return list(jobs.filter(pk__in=jobs.values("pk")[start:stop]))


def job_cancel(*, viewer, job_id: int) -> Job:
    """Cancels a job (idempotent). qBittorrent's task is stopped by a worker, at once: a
    qBittorrent slow to answer holds up no one's request."""
    from creator.tasks import job_task_delete

    require(viewer, CREATE_JOBS)
    job = job_get(viewer=viewer, job_id=job_id)
    while job.state not in TERMINAL_STATES:
        try:
            job = job_transition(job, JobState.CANCELLED, error="", waiting_reason="")
        except StateChanged:
            job.refresh_from_db()
            continue
        audit_record(actor=viewer, action="job.cancelled", target_type="job", target_id=job.pk)
        if job.qbt_task_id:
            job_task_delete.enqueue(job.pk)
    return job


def job_delete_qbittorrent_task(job_id: int) -> None:
    """Deletes the creator task of a job that ended without it (a cancelled job's; a local
    job's, left in a qBittorrent that stopped answering): otherwise qBittorrent would keep it,
    hashing or finished for nobody, counting towards its limit of tasks."""
    job = Job.objects.select_related("instance").filter(pk=job_id).first()
    if job is None or not job.qbt_task_id or job.instance is None:
        return
    try:
        client_for(job.instance).delete_creator_task(job.qbt_task_id)
    except ServiceError as error:
        logger.warning("Could not delete qBittorrent's task for job %s: %s", job.pk, error.message)


def job_retry(*, viewer, job_id: int) -> Job:
    """A new job with the same frozen options as a finished one: a retry after a failure or a
    cancel, or "create again with these settings" after a success."""
    require(viewer, CREATE_JOBS)
    old = job_get_own(viewer=viewer, job_id=job_id, action="run it again")
    if old.state not in TERMINAL_STATES:
        raise ServiceError(
            "This job is still running: cancel it first, or wait.",
            code="not_retryable",
            status=409,
            field="job",
        )
    if old.instance is None:
        raise ServiceError(
            "The qBittorrent instance of this job was removed.",
            code="no_instance",
            status=409,
            field="job",
        )
    # Checked as a new submission is: the limit, the instance and the preset may have changed
    # for this user since (restricted to others, disabled, made personal).
    job_limit_check(user=viewer)
    instance = instance_get(user=viewer, instance_id=old.instance_id)
    if old.preset_id is not None:
        try:
            preset_get(viewer=viewer, preset_id=old.preset_id)
        except NotFound:
            raise NotFound(
                f"The preset of job {old.pk} is no longer one you may use.", field="preset"
            ) from None
    if old.engine == Engine.LOCAL:
        mapped_host_path(instance, old.source_path)  # no link out of the mapped folders since
    else:
        # within the roots as they are now: an administrator may have narrowed them since
        roots = allowed_roots_known(instance)
        if roots is not None:
            confine(old.source_path, roots)
    # A check runs again against the same .torrent; anything else makes the torrent again
    # (an edit's new trackers and flags included).
    verify = old.kind == JobKind.VERIFY
    if verify and not (settings.TORRENTS_DIR / old.options.get("input_torrent", "")).is_file():
        raise ServiceError(
            "The .torrent this check used is no longer stored: start a new check with it.",
            code="torrent_gone",
            status=410,
        )
    return job_open(
        actor=viewer,
        action="job.retried",
        detail={"retry_of": old.pk},
        owner=viewer,
        instance=instance,
        instance_name=old.instance_name,
        source_path=old.source_path,
        engine=old.engine,
        kind=JobKind.VERIFY if verify else JobKind.CREATE,
        options=old.options,
        preset=old.preset,
        preset_snapshot=old.preset_snapshot,
        retry_of=old,
        name=old.name if verify else paths.basename(old.source_path),
        info_hash_v1=old.info_hash_v1 if verify else "",
        info_hash_v2=old.info_hash_v2 if verify else "",
    )


def stored_torrent(job: Job) -> bytes:
    """The bytes of a completed job's stored .torrent; 410 when the file has gone."""
    try:
        return (settings.TORRENTS_DIR / job.torrent_file).read_bytes()
    except OSError:
        raise ServiceError(
            "The stored .torrent file is missing from the data directory.",
            code="torrent_missing",
            status=410,
        ) from None


def job_torrent(*, viewer, job_id: int) -> tuple[Job, bytes]:
    """The stored .torrent of a completed job (the viewer's own), and records the download."""
    job = job_get_own(viewer=viewer, job_id=job_id, action="download its .torrent")
    if job.state != JobState.COMPLETED or not job.torrent_file:
        raise ServiceError(
            "This job has no .torrent yet.", code="no_torrent", status=409, field="job"
        )
    data = stored_torrent(job)
    audit_record(actor=viewer, action="job.downloaded", target_type="job", target_id=job.pk)
    return job, data
