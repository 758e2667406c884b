"""The local engine: the torrent is hashed on this server (creator/hashing.py), reading the
content through the instance's path mappings.

It serves qBittorrents too old for the creator API (4.x), unreachable ones (a fallback the job
says plainly), and what qBittorrent's creator cannot do: exclude files, name the torrent. The
whole hashing is one step: it renews the job's lease from its progress callback and stops
within a second when the job is cancelled.
"""

import logging
import threading
import time

from django.conf import settings
from django.utils import timezone

from browser.local import mapped_host_path
from browser.qbittorrent import QbittorrentError, client_for
from config.errors import ServiceError
from creator import hashing
from creator.finish import job_finish, preset_rules, retry_with_piece_size
from creator.jobs import (
    JobOptions,
    StateChanged,
    job_delete_qbittorrent_task,
    job_progress,
    job_transition,
)
from creator.models import Job, JobKind, JobState
from presets import planner
from presets.services import preset_resolve_trackers

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5


def host_path(job: Job) -> str | None:
    """The job's source on this server, through its instance's path mappings (None when none
    shows it). Confined again as at submission: a link leading out of the mapped folders may
    have appeared since (a ServiceError)."""
    return None if job.instance is None else mapped_host_path(job.instance, job.source_path)


def piece_size_for(source: hashing.Source, options: JobOptions, job: Job) -> int:
    """The piece size asked for, else the planner's for these files under the preset's rules."""
    if options.piece_size:
        return options.piece_size
    sizes = [f.size for f in source.files]
    if not sum(sizes):  # nothing to plan for: hashing says why in the user's words
        return planner.MIN_PIECE_SIZE
    plan = planner.plan_pieces(
        total_size=sum(sizes),
        format=options.format,
        file_sizes=sizes,
        rules=preset_rules(job) or planner.PieceRules(),
    )
    return plan.piece_size or planner.MIN_PIECE_SIZE


RESTARTED = "Hashing started again: the worker making this torrent stopped before the end."
MAX_RESTARTS = 2  # a job that keeps stopping its worker (out of memory?) is not run forever


class LocalEngine:
    def __init__(self, job: Job, *, renew):
        self.job = job
        self.renew = renew
        self.cancel = threading.Event()
        self.cancelled = False

    def step(self) -> float | None:
        if self._restarted_too_often():
            return None
        if self.job.kind == JobKind.VERIFY:
            return self._verify()
        delay = self._make()
        if delay is None and self.job.qbt_task_id:
            # the task of a qBittorrent that stopped answering (engines/qbittorrent.py): it
            # may be back, and still hold it; asked after the job ended, so a qBittorrent
            # still down delays no one
            job_delete_qbittorrent_task(self.job.pk)
        return delay

    def _make(self) -> float | None:
        job = self.job
        options = JobOptions.of(job)
        try:
            source_on_host = host_path(job)
        except ServiceError as error:
            job_transition(job, JobState.FAILED, error=error.message)
            return None
        if source_on_host is None:
            return self._unmapped()
        try:
            tiers = preset_resolve_trackers(
                preset_or_tiers=options.trackers, user=job.owner, preset=job.preset
            )
            source = hashing.scan_source(
                source_on_host,
                exclude=options.exclude,
                include_hidden=not options.ignore_dotfiles,
                name=options.name or None,
                tick=self._scanning(),
            )
            piece_size = piece_size_for(source, options, job)
            self.job = job_transition(
                job,
                JobState.HASHING,
                progress=0.0,
                started_at=timezone.now(),
                submitted_at=timezone.now(),
                attempts=job.attempts + 1,
                waiting_reason="",
            )
            data = self._create(source, options, tiers, piece_size)
        except ServiceError as error:
            if self.cancelled:
                raise StateChanged("cancelled while hashing") from error
            job_transition(self.job, JobState.FAILED, error=error.message)
            return None
        job = job_transition(self.job, JobState.FINALIZING, progress=100.0, eta_s=0)
        # qBittorrent is asked for only when the torrent is to be seeded.
        outcome = job_finish(
            job,
            data,
            client=self._client() if options.start_seeding else None,
            renew=self.renew,
        )
        if outcome.retry_piece_size is not None:
            retry_with_piece_size(job, outcome.retry_piece_size, outcome.reason)
            return 0.0
        return None

    def _restarted_too_often(self) -> bool:
        """A job found hashing or finishing was left so by a worker that stopped (killed, or
        the machine restarted): it is started again, saying so, a few times at most."""
        job = self.job
        if job.state not in (JobState.HASHING, JobState.FINALIZING):
            return False
        if job.notes.count(RESTARTED) >= MAX_RESTARTS:
            job_transition(
                job,
                JobState.FAILED,
                error=f"The worker stopped {MAX_RESTARTS + 1} times while making this torrent "
                "(out of memory, or killed): the job is not started again. The worker's log "
                "says more.",
            )
            return True
        self.job = job_transition(job, job.state, notes=[*job.notes, RESTARTED])
        return False

    def _unmapped(self) -> None:
        """Fails the job: its content is not under a path mapping (removed since it was
        submitted), so this server cannot read it."""
        job_transition(
            self.job,
            JobState.FAILED,
            error=(
                f"{self.job.source_path} is not under any path mapping of qBittorrent "
                f"'{self.job.instance_name}': this server cannot read it."
            ),
        )

    def _scanning(self):
        """A callback for the scan of the source: renews the lease every half second, so a
        long scan is not taken for a dead worker's; a cancel (StateChanged) ends the scan."""
        last = [time.monotonic()]

        def tick() -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                self.job = self.renew()

        return tick

    def _progress(self):
        """A progress callback for hashing: saves and broadcasts progress every half second,
        renews the lease, and stops the hashing when the job was cancelled."""
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int, current: str) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY_S and done < total:
                return
            last[0] = now
            try:
                self.job = self.renew()
            except StateChanged:
                self.cancelled = True
                self.cancel.set()
                return
            percent = 100.0 * done / total if total else 100.0
            elapsed = now - started
            eta = int(elapsed * (total - done) / done) if done else None
            self.job = job_progress(self.job, progress=percent, eta_s=eta, current_file=current)

        return progress

    def _create(self, source, options: JobOptions, tiers, piece_size: int) -> bytes:
        return hashing.create(
            source,
            format=options.format,
            piece_size=piece_size,
            trackers=tiers,
            web_seeds=options.web_seeds,
            private=options.private,
            source_tag=options.source,
            comment=options.comment,
            created_by="Torrentsmith",
            creation_date=None if options.omit_creation_date else int(time.time()),
            progress=self._progress(),
            cancel=self.cancel,
        )

    def _verify(self) -> float | None:
        """Checks the content against the uploaded .torrent, piece by piece, file by file."""
        job = self.job
        try:
            content = host_path(job)
        except ServiceError as error:
            job_transition(job, JobState.FAILED, error=error.message)
            return None
        if content is None:
            return self._unmapped()
        try:
            data = (settings.TORRENTS_DIR / job.options["input_torrent"]).read_bytes()
        except OSError as error:
            job_transition(
                job,
                JobState.FAILED,
                error="The .torrent to check against is no longer stored in the data "
                f"directory ({error.strerror or error}): start a new check with it.",
            )
            return None
        self.job = job_transition(
            job,
            JobState.HASHING,
            progress=0.0,
            started_at=timezone.now(),
            attempts=job.attempts + 1,
        )
        try:
            report = hashing.verify(data, content, progress=self._progress(), cancel=self.cancel)
        except ServiceError as error:
            if self.cancelled:
                raise StateChanged("cancelled while verifying") from error
            job_transition(self.job, JobState.FAILED, error=error.message)
            return None
        files = [
            {
                "path": f.path,
                "size": f.size,
                "actualSize": f.actual_size,
                "status": f.status,
                "corruptPieces": f.corrupt_pieces,
                "missingPieces": f.missing_pieces,
            }
            for f in report.files
        ]
        summary = {
            "ok": report.ok,
            "format": report.format,
            "pieceCount": report.piece_count,
            "goodPieces": report.good_pieces,
            "badPieces": list(report.bad_pieces[:1000]),
            "badPieceCount": len(report.bad_pieces),
            "missingPieces": report.missing_pieces,
            "files": files,
        }
        job = job_transition(self.job, JobState.FINALIZING, progress=100.0)
        job_transition(
            job,
            JobState.COMPLETED,
            verify_report=summary,
            total_size=sum(f.size for f in report.files),
            file_count=len(report.files),
            piece_count=report.piece_count,
        )
        return None

    def _client(self):
        """qBittorrent, for seeding the new torrent; None when it cannot be reached."""
        try:
            client = client_for(self.job.instance)
            client.capabilities()
            return client
        except QbittorrentError as error:
            logger.warning(
                "Job %s: qBittorrent unreachable for seeding: %s", self.job.pk, error.message
            )
            return None
