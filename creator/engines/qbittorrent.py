"""The qBittorrent engine: addTask, poll status, torrentFile, deleteTask (WebAPI 2.10.4+).

The engine advances a job by one short step at a time (`step`), then the task is queued again:
a worker never sits on one job, so several jobs, the recovery task and the health probe all get
their turn, and a job survives any process dying between two steps.
"""

import logging
import time
from datetime import datetime, timedelta
from urllib.parse import quote, unquote

from django.conf import settings
from django.utils import timezone

from browser import paths
from browser.analysis import content_now, scan
from browser.entries import modified_at
from browser.qbittorrent import QbittorrentClient, QbittorrentError, client_for
from config.errors import ServiceError
from creator import metainfo
from creator.engines.local import host_path
from creator.finish import job_finish, retry_with_piece_size
from creator.jobs import ALIGNMENT_LEFT_OUT, JobOptions, StateChanged, job_progress, job_transition
from creator.models import Engine, Job, JobKind, JobState
from presets import planner
from presets.services import preset_resolve_trackers
from rollout.flags import LOCAL_ENGINE_FALLBACK, switch_active

logger = logging.getLogger(__name__)

# How long one step may keep polling a hashing task before it yields the worker. qBittorrent
# hashes one task at a time, so only one job per instance is hashing: it keeps its worker for a
# while (no queue round trip between polls, so the end is seen within 0.1 s); jobs queued in
# qBittorrent take one poll a step and yield at once.
STEP_S = 10.0
# A failure of qBittorrent worth waiting out (it may come back), rather than failing the job.
WAIT_CODES = {
    "qbittorrent_unreachable",
    "qbittorrent_login_paused",
    "qbittorrent_banned",
    "qbittorrent_error",
}
# Characters addTask reads as delimiters (|) or decodes (%), and everything outside ASCII.
URL_SAFE = "!#$&'()*+,/:;=?@[]~-._"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _urls(urls: list[str], decodes: bool) -> list[str]:
    # From WebAPI 2.11.6 each URL is percent-decoded: encode it so that it arrives unchanged.
    return [quote(url, safe=URL_SAFE) for url in urls] if decodes else urls


def add_task_params(job: Job, caps, tiers: list[list[str]]) -> dict:
    """addTask's parameters for a job; `tiers` are the trackers with secrets filled in."""
    options = JobOptions.of(job)
    decodes = caps.creator_decodes_urls
    # An empty element between URLs starts a new tier: [[a, b], [c]] -> "a|b||c".
    trackers = "||".join("|".join(_urls(tier, decodes)) for tier in tiers)
    params = {
        "sourcePath": job.source_path,
        # qBittorrent seeds by default when it keeps no file of its own: never let it guess.
        "startSeeding": "false",
        "private": _bool(options.private),
        "pieceSize": str(options.piece_size),
        "comment": options.comment,
        "source": options.source,
        "trackers": trackers,
        "urlSeeds": "|".join(_urls(options.web_seeds, decodes)),
    }
    if caps.formats and len(caps.formats) > 1:
        params["format"] = options.format  # an unknown value would mean hybrid
    if caps.alignment_options:
        if options.optimize_alignment is not None:
            params["optimizeAlignment"] = _bool(options.optimize_alignment)
        if options.padded_file_size_limit is not None:
            params["paddedFileSizeLimit"] = str(options.padded_file_size_limit)
    if caps.ignore_dotfiles:
        params["ignoreDotfiles"] = _bool(options.ignore_dotfiles)
    return {k: v for k, v in params.items() if v != ""}


def _made_with(task: dict, params: dict) -> bool:
    """Whether a creator task was made with these addTask parameters, as far as its status
    shows them (trackers without their tiers; URLs as qBittorrent decoded them)."""

    def urls(value) -> list[str]:
        listed = value.split("|") if isinstance(value, str) else value or []
        return [unquote(url) for url in listed if url]

    return (
        urls(task.get("trackers")) == urls(params.get("trackers"))
        and urls(task.get("urlSeeds")) == urls(params.get("urlSeeds"))
        and (task.get("comment") or "") == params.get("comment", "")
        and (task.get("source") or "") == params.get("source", "")
        and bool(task.get("private")) == (params.get("private") == "true")
    )


def parse_time(value) -> datetime | None:
    """A creator task's time: Unix seconds from WebAPI 2.16, Qt's text (local time) before."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=timezone.get_current_timezone())
    try:
        return datetime.strptime(str(value), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None


class QbittorrentEngine:
    def __init__(self, job: Job, *, renew):
        self.job = job
        self.renew = renew  # re-reads the job and extends the lease; raises when cancelled
        self.client: QbittorrentClient = client_for(job.instance)

    def step(self) -> float | None:
        """Advances the job; the seconds until the next step, or None when it is finished."""
        try:
            delay = self._submit() if not self.job.qbt_task_id else self._poll()
        except QbittorrentError as error:
            return self._wait_or_fail(error)
        if self.job.waiting_since is not None:
            Job.objects.filter(pk=self.job.pk).update(waiting_since=None)
        return delay

    # --- submitting ------------------------------------------------------------------------

    def _submit(self) -> float | None:
        job = self.job
        caps = self.client.capabilities()
        if not caps.creator:
            job_transition(
                job,
                JobState.FAILED,
                error=f"qBittorrent '{job.instance.name}' {caps.missing('creator')}",
            )
            return None
        if job.submit_started_at is not None:
            if self._adopt(caps):
                return 0.2
            # An addTask sent by a process that lost its lease (slow qBittorrent, or it died)
            # may still be on its way: adding another now could make the torrent twice.
            in_flight_until = job.submit_started_at + timedelta(seconds=job.instance.timeout_s + 5)
            if timezone.now() < in_flight_until:
                return min(2.0, (in_flight_until - timezone.now()).total_seconds() + 0.1)
            Job.objects.filter(pk=job.pk).update(submit_started_at=None)
            job.submit_started_at = None
        try:
            params = self._task_params(caps)
        except ServiceError as error:
            job_transition(job, JobState.FAILED, error=error.message)
            return None
        # Recorded before addTask: a worker dying between addTask and saving the task id makes
        # its successor look for that task (_adopt) instead of adding a second one.
        Job.objects.filter(pk=job.pk).update(submit_started_at=timezone.now())
        try:
            task_id = self.client.creator_add_task(params)
        except QbittorrentError as error:
            if error.code == "qbittorrent_conflict":
                # Refused for certain (its queue is full): nothing to adopt later.
                Job.objects.filter(pk=job.pk).update(submit_started_at=None)
                job_transition(
                    job,
                    JobState.QUEUED,
                    waiting_reason=error.message + " Waiting for room in its queue.",
                )
                return float(settings.JOB_QUEUE_FULL_RETRY_S)
            # Otherwise (a timeout, a 5xx) the task may exist: the next step looks for it.
            raise
        try:
            job_transition(
                job,
                JobState.SUBMITTED,
                qbt_task_id=task_id,
                attempts=job.attempts + 1,
                submitted_at=timezone.now(),
                waiting_reason="",
                error="",
            )
        except StateChanged:
            self._drop_if_cancelled(task_id)
            raise
        logger.info("Job %s is qBittorrent task %s", job.pk, task_id)
        return 0.2

    def _task_params(self, caps) -> dict:
        """addTask's parameters for this job, its secrets filled in (ServiceError when one is
        missing)."""
        job = self.job
        tiers = preset_resolve_trackers(
            preset_or_tiers=JobOptions.of(job).trackers, user=job.owner, preset=job.preset
        )
        return add_task_params(job, caps, tiers)

    def _adopt(self, caps) -> bool:
        """After a crash during addTask: takes over the task it may have created. Only one
        made with this job's parameters: another user's task of the same content holds their
        passkeys, and adopting it would hand them this job's owner."""
        job = self.job
        try:
            params = self._task_params(caps)
        except ServiceError:
            return False
        since = job.submit_started_at - timedelta(seconds=5)
        taken = set(
            Job.objects.exclude(pk=job.pk)
            .exclude(qbt_task_id="")
            .values_list("qbt_task_id", flat=True)
        )
        for task in self.client.creator_tasks():
            added = parse_time(task.get("timeAdded"))
            if timezone.is_naive(added or since):
                added_ok = True  # text times are the host's local time: the path must do
            else:
                added_ok = added is not None and added >= since
            if (
                task.get("sourcePath") == job.source_path
                and added_ok
                and str(task["taskID"]) not in taken
                and _made_with(task, params)
            ):
                try:
                    job_transition(
                        job,
                        JobState.SUBMITTED,
                        qbt_task_id=str(task["taskID"]),
                        attempts=job.attempts + 1,
                        submitted_at=timezone.now(),
                    )
                except StateChanged:
                    self._drop_if_cancelled(str(task["taskID"]))
                    raise
                logger.warning(
                    "Job %s adopted qBittorrent task %s after a restart", job.pk, task["taskID"]
                )
                return True
        return False

    def _drop_if_cancelled(self, task_id: str) -> None:
        """Deletes a task made for a job cancelled meanwhile: the cancel found no task id on
        the job to stop, and qBittorrent would hash it for nobody (and keep it, counting
        towards its limit of tasks). A job taken over by another worker keeps its task."""
        if not Job.objects.filter(pk=self.job.pk, state=JobState.CANCELLED).exists():
            return
        try:
            self.client.delete_creator_task(task_id)
        except ServiceError as error:
            logger.warning("Job %s: could not delete its task %s: %s", self.job.pk, task_id, error)

    # --- polling -----------------------------------------------------------------------------

    def _poll(self) -> float | None:
        deadline = time.monotonic() + STEP_S
        while True:
            delay = self._poll_once()
            hashing = self.job.state == JobState.HASHING
            if delay is None or not hashing or time.monotonic() + delay > deadline:
                return delay
            time.sleep(delay)
            self.job = self.renew()
            if not self.job.qbt_task_id:  # made again with other pieces: submit in a new step
                return 0.0

    def _poll_once(self) -> float | None:
        job = self.job
        try:
            status = self.client.creator_status(job.qbt_task_id)
        except QbittorrentError as error:
            if error.code != "not_found":
                raise
            return self._submit_again()
        state = status.get("status")
        if state == "Queued":
            if job.state != JobState.SUBMITTED or job.waiting_reason:
                job_transition(job, JobState.SUBMITTED, waiting_reason="")
            return 0.5
        if state == "Running":
            progress = float(status.get("progress") or 0)
            if job.started_at is None:
                job.started_at = timezone.now()
                Job.objects.filter(pk=job.pk).update(started_at=job.started_at)
            elapsed = (timezone.now() - job.started_at).total_seconds()
            eta = int(elapsed * (100 - progress) / progress) if progress > 0.5 else None
            self.job = job_progress(job, progress=progress, eta_s=eta)
            # Near the end look often, to fetch the torrent as soon as it is there: the wait
            # between qBittorrent finishing and the job noticing is the app's main overhead
            # (bench/create.py). Long jobs are looked at less often in the middle.
            if progress > 90 or elapsed < 3:
                return 0.1
            return 0.25 if elapsed < 60 else 0.5
        if state == "Failed":
            message = status.get("errorMessage") or "no reason given"
            self.client.delete_creator_task(job.qbt_task_id)  # clean up before telling anyone
            error = f"qBittorrent could not create the torrent: {message}"
            why = self._source_gone() or self._changed_while_failing(
                parse_time(status.get("timeStarted")), parse_time(status.get("timeFinished"))
            )
            if why:
                error = f"{why} qBittorrent said: {message.rstrip('.')}."
            self.job = job_transition(self.job, JobState.FAILED, error=error)
            return None
        if state == "Finished":
            return self._finish(status)
        logger.warning("Job %s: unknown creator status %r", job.pk, state)
        return 1.0

    def _source_gone(self) -> str | None:
        """Why the job's source can no longer be a torrent's (removed or emptied since it was
        submitted), or None. qBittorrent's own words then mislead: 5.3 says every file "has
        been filtered out by 'Ignore dotfiles'", 5.1 "no files in torrent"."""
        job = self.job
        try:
            source = scan(user=job.owner, path=job.source_path, instance_id=job.instance_id)
        except ServiceError:
            return None
        if source.usable:
            return None
        reason = (source.reason or "It cannot be a torrent's source.").rstrip(".") + "."
        return reason if job.source_path in reason else f"{job.source_path}: {reason}"

    def _finish(self, status: dict) -> float | None:
        job = self.job
        if job.state != JobState.FINALIZING:
            job = job_transition(
                job, JobState.FINALIZING, progress=100.0, eta_s=0, waiting_reason=""
            )
        data = self.client.creator_torrent_file(job.qbt_task_id)
        changed = self._content_changed(
            data, parse_time(status.get("timeStarted")), parse_time(status.get("timeFinished"))
        )
        job = self.job  # renewed by the check
        if changed:
            self.client.delete_creator_task(job.qbt_task_id)
            job_transition(job, JobState.FAILED, error=changed)
            return None
        outcome = job_finish(job, data, client=self.client, renew=self.renew)
        self.client.delete_creator_task(job.qbt_task_id)
        if outcome.retry_piece_size is not None:
            retry_with_piece_size(job, outcome.retry_piece_size, outcome.reason)
            return 0.2
        return None

    def _submit_again(self) -> float | None:
        """qBittorrent lost the job's task (it keeps them in memory only: it was restarted):
        the task is submitted again, a few times at most."""
        job = self.job
        if job.notes.count(TASK_LOST) >= MAX_RESUBMITS:
            job_transition(
                job,
                JobState.FAILED,
                error=(
                    f"qBittorrent '{job.instance_name}' lost this job's task "
                    f"{MAX_RESUBMITS + 1} times (it keeps tasks in memory only, so a restart "
                    "loses them): the job is not submitted again. Retry does it."
                ),
            )
            return None
        self.job = job_transition(
            job,
            JobState.QUEUED,
            qbt_task_id="",
            submit_started_at=None,
            progress=0.0,
            eta_s=None,
            notes=[*job.notes, TASK_LOST],
        )
        return 0.0

    def _content_changed(
        self, data: bytes, started: datetime | None, finished: datetime | None
    ) -> str | None:
        """Why the torrent qBittorrent made no longer matches its content, or None: a file of
        it gone, of another size, or modified after qBittorrent began hashing (its clock gives
        all the times). The torrent is seeded in seed mode, without a check: it would claim
        pieces it does not have. Only qBittorrent 5.2+ lists sizes and times."""
        job = self.job
        try:
            now = self._content_now()
        except ServiceError as error:
            if error.code != "not_found":
                raise
            return f"{job.source_path} was removed while qBittorrent was making the torrent."
        if now is None:
            return None
        kind, entries = now
        listed = {
            e["name"] if kind == "file" else e["path"][len(job.source_path) + 1 :]: e
            for e in entries
            if e["type"] == "file"
        }
        window = _hashing_window(started, finished)
        problems = []
        torrent = metainfo.read(data)
        top = torrent.name + "/"
        for file in torrent.files:
            # (a v2 torrent of a folder holding one file lists that file without the folder)
            key = file.path[len(top) :] if file.path.startswith(top) else file.path
            entry = listed.get(key)
            shown = paths.join(job.source_path, key) if kind == "dir" else job.source_path
            if entry is None:
                if any(paths.is_hidden(part) for part in key.split("/")):
                    continue  # qBittorrent lists no hidden file
                problems.append(f"{shown} is gone")
            elif entry["size"] is not None and entry["size"] != file.size:
                problems.append(f"{shown} is now {entry['size']:,} bytes ({file.size:,} hashed)")
            elif _within(modified_at(entry), window):
                problems.append(f"{shown} was modified at {_clock(modified_at(entry))}")
        return _changed(problems)

    def _changed_while_failing(self, started, finished) -> str | None:
        """Why qBittorrent's task failed, when its content changed meanwhile (its own words
        then say little: "Operation canceled [system:125]" for a file removed mid-hash). A
        folder's time changes when a file in it is added, removed or renamed."""
        window = _hashing_window(started, finished)
        if window is None:
            return None
        try:
            now = self._content_now(itself=True)
        except ServiceError:
            return None
        if now is None:
            return None
        problems = [
            f"{e['path']} was modified at {_clock(modified_at(e))}"
            if e["type"] == "file"
            else f"a file in {e['path']} was added, removed or renamed at {_clock(modified_at(e))}"
            for e in now[1]
            if _within(modified_at(e), window)
        ]
        return _changed(problems)

    def _content_now(self, *, itself: bool = False):
        """content_now of the job's source, walked within half the job's lease (renewed
        first): a walk cut short checks nothing."""
        self.job = self.renew()
        return content_now(
            self.job.instance,
            self.job.source_path,
            seconds=settings.JOB_LEASE_S / 2,
            itself=itself,
        )

    # --- waiting ----------------------------------------------------------------------------

    def _wait_or_fail(self, error: QbittorrentError) -> float | None:
        """An unreachable qBittorrent is waited for (with back-off), up to a limit."""
        job = self.job
        if error.code not in WAIT_CODES:
            job_transition(job, JobState.FAILED, error=error.message)
            return None
        now = timezone.now()
        since = job.waiting_since or now
        if job.waiting_since is None:
            Job.objects.filter(pk=job.pk).update(waiting_since=now)
        waited = (now - since).total_seconds()
        if waited >= settings.JOB_LOCAL_FALLBACK_AFTER_S and self._move_to_local_engine(
            error, waited
        ):
            return 0.0
        if waited > settings.JOB_UNREACHABLE_GIVE_UP_S:
            job_transition(
                job,
                JobState.FAILED,
                error=f"{error.message} Gave up after waiting {_duration(waited)}.",
            )
            return None
        job_transition(job, job.state, waiting_reason=f"Waiting for qBittorrent: {error.message}")
        return min(60.0, 2.0 + waited / 10)

    def _move_to_local_engine(self, error: QbittorrentError, waited: float) -> bool:
        """Hands a job whose qBittorrent stopped answering to this server's local engine, as
        at submission: with the fallback on and a path mapping showing the content here. The
        task qBittorrent may still hold is kept on the job, for the local engine to delete."""
        job = self.job
        if job.kind != JobKind.CREATE or not switch_active(LOCAL_ENGINE_FALLBACK):
            return False
        try:
            if host_path(job) is None:
                return False
        except ServiceError:
            return False
        options = JobOptions.of(job)
        if options.format not in planner.FORMATS:
            return False
        notes = [
            f"qBittorrent '{job.instance_name}' did not answer for {_duration(waited)} "
            f"({error.message.rstrip('.')}): the torrent is made on this server instead "
            "(local engine)."
        ]
        if options.optimize_alignment or options.padded_file_size_limit is not None:
            notes.append(ALIGNMENT_LEFT_OUT)
        self.job = job_transition(
            job,
            JobState.QUEUED,
            engine=Engine.LOCAL,
            submit_started_at=None,
            progress=0.0,
            eta_s=None,
            waiting_reason="",
            waiting_since=None,
            notes=[*job.notes, *notes],
        )
        logger.warning("Job %s moved to the local engine: %s", job.pk, error.message)
        return True


def _hashing_window(started: datetime | None, finished: datetime | None):
    """(from, to) of a task's hashing on qBittorrent's clock, or None when it gave no times.
    A time after the task ended (and the few seconds until it is looked at) is a file dated
    in the future (copied from a machine whose clock runs ahead): no evidence of a change."""
    if started and finished and timezone.is_aware(started) and timezone.is_aware(finished):
        return started, finished + timedelta(seconds=60)
    return None


def _within(moment: datetime | None, window) -> bool:
    return bool(window and moment and window[0] < moment <= window[1])


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S")


def _changed(problems: list[str]) -> str | None:
    if not problems:
        return None
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return (
        "The content changed while qBittorrent was making the torrent, which would not "
        f"match it: {'; '.join(problems[:3])}{more}. Retry makes it again."
    )


TASK_LOST = (
    "qBittorrent lost this job's task (it keeps tasks in memory only, so a restart loses "
    "them): it was submitted again."
)
MAX_RESUBMITS = 2  # a task that makes qBittorrent stop (out of memory?) is not sent forever


def _duration(seconds: float) -> str:
    """A wait in words: seconds under two minutes, whole minutes beyond."""
    if seconds < 120:
        seconds = int(seconds)
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{int(seconds // 60)} minutes"
