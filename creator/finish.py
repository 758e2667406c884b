"""What happens to a finished .torrent, whichever engine made it: read it, hold it to the
preset's rules, adjust it, store it, have qBittorrent seed it, and complete the job."""

import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import models

from browser import paths
from browser.qbittorrent import ADDED_WITHIN_S, QbittorrentClient, QbittorrentError
from config.errors import ServiceError
from creator import metainfo
from creator.jobs import JobOptions, StateChanged, job_transition
from creator.metainfo import Metainfo, MetainfoError
from creator.models import Job, JobState
from presets import planner
from presets.models import TrackerPreset
from presets.sizes import format_size
from presets.trackers import template_matcher

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # addTask calls per job, counting piece-size corrections


@dataclass(frozen=True)
class FinishOutcome:
    retry_piece_size: int | None = None  # make the torrent again with this piece size
    reason: str = ""


def preset_rules(job: Job) -> planner.PieceRules | None:
    """The piece-size rules of the job's preset as they were at submission."""
    snapshot = job.preset_snapshot
    if not snapshot:
        return None
    names = {f.name for f in TrackerPreset._meta.get_fields() if isinstance(f, models.Field)}
    return TrackerPreset(**{k: v for k, v in snapshot.items() if k in names}).piece_rules


class Correction(NamedTuple):
    piece_size: int | None  # to make the torrent again with; None: none helps
    why: str  # the rule broken, in words
    failure: str  # the job's error when it is not made again


def _correction(
    job: Job, meta: Metainfo, size: int, rules: planner.PieceRules
) -> Correction | None:
    """What to do when the torrent breaks a rule of the preset; None when it breaks none."""
    breaches = planner.piece_size_breaches(
        meta.piece_size, rules, total_size=meta.total_size, torrent_size=size
    )
    if not breaches:
        return None
    why = f"The torrent's {format_size(meta.piece_size)} pieces are {'; '.join(breaches)}."
    options = JobOptions.of(job)
    if (
        options.piece_size
        and not options.piece_size_planned
        and not (rules.max_torrent_size and size > rules.max_torrent_size)
    ):
        # the user chose this size (the content-size table could only be checked at
        # submission when qBittorrent gave the size)
        chosen = why + " Make it again with a piece size the preset allows, or automatic."
        return Correction(None, why, chosen)
    failure = why + " No piece size the preset allows avoids that."
    if rules.max_torrent_size and size > rules.max_torrent_size:
        return Correction(planner.next_piece_size(meta.piece_size, rules), why, failure)
    plan = planner.plan_pieces(
        total_size=meta.total_size,
        format=meta.format,
        file_sizes=[f.size for f in meta.files],
        rules=rules,
    )
    return Correction(
        plan.piece_size if plan.piece_size and not plan.breaches else None, why, failure
    )


def torrent_store(job: Job, name: str, data: bytes) -> str:
    """Writes the .torrent under TORRENTS_DIR atomically; its path relative to that folder."""
    safe = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", name).strip(" .")[:150] or "torrent"
    folder = settings.TORRENTS_DIR / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / f"{safe}.torrent")
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return f"{job.pk}/{safe}.torrent"


def masked_trackers(job: Job, meta: Metainfo) -> tuple[list[list[str]], set[str]]:
    """The torrent's tiers with every filled-in secret shown as its placeholder again, and the
    URLs that held a secret. Matched by the job's templates, not by filling them again: a
    secret deleted or changed since must not leave the old one in clear."""
    matcher_of = {
        url: template_matcher(url) for tier in JobOptions.of(job).trackers for url in tier
    }
    matchers = [(url, m) for url, m in matcher_of.items() if m is not None]
    secret_urls: set[str] = set()
    masked = []
    for tier in meta.trackers:
        shown = []
        for url in tier:
            # a URL the job lists as it is held no secret, even if a template would match it
            literal = url in matcher_of and matcher_of[url] is None
            template = None if literal else next((t for t, m in matchers if m.fullmatch(url)), None)
            if template is not None:
                secret_urls.add(url)
            shown.append(template or url)
        masked.append(shown)
    return masked, secret_urls


def seed_params(
    *,
    save_path: str,
    category: str,
    tags: list[str],
    caps,
    top_folder: bool = True,
    start: bool = True,
) -> dict:
    """torrents/add parameters that seed content already in `save_path`, with no recheck.
    Without `top_folder`, a folder torrent's files go straight into `save_path`."""
    stopped = "false" if start else "true"
    params = {
        "savepath": save_path,
        "category": category,
        "tags": ",".join(tags),
        # never an extra (or a missing) top folder
        "contentLayout": "Original" if top_folder else "NoSubfolder",
        "autoTMM": "false",  # a category's own save path must not move it
        "stopped": stopped,  # 5.0+ name
        "paused": stopped,  # its name before 5.0
        caps.seed_mode_param: "true",  # seedMode from WebAPI 2.16, skip_checking before
    }
    return {name: value for name, value in params.items() if value != ""}


def _seed(
    job: Job, data: bytes, meta: Metainfo, client: QbittorrentClient
) -> tuple[str, str | None]:
    """Adds the torrent to qBittorrent as complete (no recheck): a sentence on the outcome, and
    the torrent's id in qBittorrent once it was added.

    The content is where it was made. A torrent named otherwise than its source (the name
    option) must still find it there: a folder's files are placed in the folder itself, with no
    top folder of the new name; a single file is added stopped, renamed back to its name on
    disk, then started (started first, qBittorrent marks its file missing for good)."""
    options = JobOptions.of(job)
    on_disk = paths.basename(job.source_path)
    only = meta.files[0].path if len(meta.files) == 1 else None
    single_file = only == meta.name
    # BEP 52 puts a folder's lone file at the top of a v2-only torrent's file tree, as for a
    # single-file torrent: libtorrent reads it as that file alone, named by the tree, so it is
    # found in the folder itself. (A hybrid's v1 file list keeps the folder.)
    lone_file = only is not None and not single_file and "/" not in only
    renamed_folder = meta.name != on_disk and not single_file and not lone_file
    renamed_file = meta.name != on_disk and single_file
    added = None
    try:
        caps = client.capabilities()
        torrent_id = caps.torrent_id(meta.info_hash_v1, meta.info_hash_v2)
        params = seed_params(
            save_path=job.source_path
            if renamed_folder or lone_file
            else paths.parent(job.source_path) or job.source_path,
            category=options.category,
            tags=options.tags,
            caps=caps,
            top_folder=not renamed_folder,
            start=not renamed_file,
        )
        try:
            client.add_torrent(data, params)
        except QbittorrentError as error:
            refused = error.code in ("qbittorrent_conflict", "qbittorrent_add_failed")
            if not refused or not client.has_torrent(torrent_id):
                raise
            # made again with the same info hash (a retry of a finished job): already seeded,
            # and not this job's to take out again on a cancel
            return f"Seeding in qBittorrent '{job.instance_name}' (it had this torrent).", None
        added = torrent_id
        if renamed_file:
            try:
                client.rename_file(torrent_id, meta.name, on_disk)
            except ServiceError:
                # left as it is, it would look for a file of the new name, missing for good
                try:
                    client.remove_torrent(torrent_id)
                    added = None
                except ServiceError as error:
                    logger.warning("Job %s: could not remove it again: %s", job.pk, error)
                raise
            client.start_torrent(torrent_id)
    except ServiceError as error:
        logger.warning("Job %s: adding for seeding failed: %s", job.pk, error.message)
        return f"Not seeding: {error.message}", added
    where = f" in category {options.category}" if options.category else ""
    return f"Seeding in qBittorrent '{job.instance_name}'{where}.", added


def _seeding_lease_s(client: QbittorrentClient) -> float:
    """How long seeding may take: its capabilities, add, rename and start (or a removal), each
    within the instance's timeout, a login, and the wait for qBittorrent to list the torrent."""
    return 6 * client.instance.timeout_s + ADDED_WITHIN_S + 10


def _discard(job: Job, stored: str, client: QbittorrentClient | None, seeded: str | None) -> None:
    """Undoes a finish that lost its job: cancelled meanwhile, nothing of it is kept. (Taken
    over by another worker, the job is that worker's to finish: its .torrent is left alone.)"""
    job.refresh_from_db(fields=["state"])
    if job.state != JobState.CANCELLED:
        return
    (settings.TORRENTS_DIR / stored).unlink(missing_ok=True)
    if seeded is not None and client is not None:
        try:
            client.remove_torrent(seeded)
        except ServiceError as error:
            logger.warning("Job %s: could not remove the cancelled torrent: %s", job.pk, error)


def job_finish(
    job: Job, data: bytes, *, client: QbittorrentClient | None, renew: Callable[..., Job]
) -> FinishOutcome:
    """Completes a job from the .torrent its engine made (or asks for a new piece size).
    `renew(seconds=)` extends the job's lease, or raises StateChanged when it was cancelled."""
    options = JobOptions.of(job)
    try:
        meta = metainfo.read(data)
    except MetainfoError as error:
        job_transition(job, JobState.FAILED, error=f"The .torrent made cannot be read: {error}")
        return FinishOutcome()
    if options.omit_creation_date or options.omit_created_by:
        data = metainfo.without_fields(
            data, creation_date=options.omit_creation_date, created_by=options.omit_created_by
        )
    if options.randomize_info_hash:
        data = metainfo.with_entropy(data)
    meta = metainfo.read(data)

    rules = preset_rules(job)
    if rules is not None:
        correction = _correction(job, meta, len(data), rules)
        if correction is not None:
            size = correction.piece_size
            if size is not None and size != meta.piece_size and job.attempts < MAX_ATTEMPTS:
                return FinishOutcome(retry_piece_size=size, reason=correction.why)
            job_transition(job, JobState.FAILED, error=correction.failure)
            return FinishOutcome()

    try:
        stored = torrent_store(job, meta.name, data)
    except OSError as error:
        job_transition(
            job,
            JobState.FAILED,
            error=f"The .torrent could not be stored in the "
            f"data directory: {error.strerror or error}.",
        )
        return FinishOutcome()

    seeding, seeded = "", None
    try:
        if options.start_seeding and client is None:
            seeding = "Not seeding: qBittorrent could not be reached."
        elif options.start_seeding:
            # Not seeded when cancelled by now; and held for as long as seeding may take, so
            # that no other worker takes the job over and finishes it a second time.
            renew(seconds=_seeding_lease_s(client))  # `job` stays the engine's copy
            seeding, seeded = _seed(job, data, meta, client)
        _complete(job, data, meta, stored, seeding)
    except StateChanged:
        _discard(job, stored, client, seeded)
        raise
    return FinishOutcome()


def _complete(job: Job, data: bytes, meta: Metainfo, stored: str, seeding: str) -> None:
    masked, secret_urls = masked_trackers(job, meta)
    job_transition(
        job,
        JobState.COMPLETED,
        torrent_file=stored,
        name=meta.name,
        info_hash_v1=meta.info_hash_v1 or "",
        info_hash_v2=meta.info_hash_v2 or "",
        magnet=meta.without_trackers(secret_urls).magnet,
        total_size=meta.total_size,
        file_count=meta.file_count,
        piece_size=meta.piece_size,
        piece_count=meta.piece_count,
        torrent_size=len(data),
        trackers_created=masked,
        seeding=seeding,
        progress=100.0,
        waiting_reason="",
        error="",
    )


def retry_with_piece_size(job: Job, piece_size: int, reason: str) -> None:
    """Makes the torrent again with another piece size, in the same job, saying why."""
    changed = {"piece_size": piece_size, "piece_size_planned": True}
    options = JobOptions(**{**asdict(JobOptions.of(job)), **changed})
    note = f"{reason} Making it again with {format_size(piece_size)} pieces."
    job_transition(
        job,
        JobState.QUEUED,
        options={**job.options, **asdict(options)},
        qbt_task_id="",
        submit_started_at=None,
        progress=0.0,
        eta_s=None,
        notes=[*job.notes, note],
    )
