"""Working with .torrent files that exist: inspect one, verify content against one, and make a
new one from a stored one with other trackers, source, flag or comment (no rehashing)."""

import uuid
from dataclasses import asdict

from django.conf import settings
from django.db import transaction

from accounts.audit import audit_record
from accounts.permissions import CREATE_JOBS, VIEW_JOBS, require
from browser import paths
from browser.instances import instance_get
from browser.local import mapped_host_path
from creator import metainfo
from creator.finish import masked_trackers, torrent_store
from creator.jobs import (
    InvalidJob,
    JobOptions,
    check_torrent_texts,
    check_trackers,
    job_broadcast,
    job_get_own,
    job_limit_check,
    job_open,
    stored_torrent,
)
from creator.metainfo import Metainfo, MetainfoError
from creator.models import TERMINAL_STATES, Engine, Job, JobKind, JobState
from presets.services import preset_resolve_trackers
from presets.trackers import tidy_tiers

MAX_TORRENT_BYTES = 50 * 1024 * 1024  # larger than any .torrent a tracker accepts
MAX_CONTENT_BYTES = 2**60
MAX_NAME_CHARACTERS = 1000  # Job.name


def upload_data(upload) -> bytes:
    """An uploaded .torrent's bytes, refused by its size before it is read into memory."""
    if upload.size > MAX_TORRENT_BYTES:
        raise InvalidJob("This file is too large to be a .torrent.", field="torrent")
    return upload.read()


def _read(data: bytes) -> Metainfo:
    if len(data) > MAX_TORRENT_BYTES:
        raise InvalidJob("This file is too large to be a .torrent.", field="torrent")
    try:
        return metainfo.read(data)
    except MetainfoError as error:
        raise InvalidJob(not_a_torrent(data, error), field="torrent") from None


def not_a_torrent(data: bytes, error: MetainfoError) -> str:
    """Why `data` is not a .torrent, in words: what it looks like where that is clear."""
    start = data.lstrip()[:16].lower()
    if not data:
        return "This file is empty: it is not a .torrent."
    if start.startswith(b"magnet:"):
        return "This is a magnet link, not a .torrent file."
    if start.startswith(b"<"):  # <!doctype, <html, <?xml: markup
        return (
            "This is not a .torrent file but a web page (HTML): the site may have asked for a "
            "login instead of sending the .torrent."
        )
    return f"This is not a .torrent file: {error}."


def torrent_inspect(*, user, data: bytes) -> Metainfo:
    """Everything a .torrent says: name, hashes, files, trackers by tier, pieces, flags."""
    require(user, VIEW_JOBS)
    return _read(data)


def verify_submit(*, user, data: bytes, path: str, instance_id: int | None = None) -> Job:
    """A job checking the content at `path` (qBittorrent's view) against a .torrent, on this
    server through the instance's path mapping."""
    require(user, CREATE_JOBS)
    job_limit_check(user=user)
    meta = _read(data)
    # What the job records of it must fit its columns.
    if meta.total_size > MAX_CONTENT_BYTES:
        raise InvalidJob(
            "This .torrent lists more content than any storage holds (over 1 EiB).",
            field="torrent",
        )
    if len(meta.name) > MAX_NAME_CHARACTERS:
        raise InvalidJob(
            f"This .torrent's name is longer than {MAX_NAME_CHARACTERS:,} characters.",
            field="torrent",
        )
    instance = instance_get(user=user, instance_id=instance_id)
    try:
        qbt_path = paths.normalize(path)
    except paths.PathError as error:
        raise InvalidJob(error.message, field="path") from None
    if mapped_host_path(instance, qbt_path) is None:
        raise InvalidJob(
            f"No path mapping of qBittorrent '{instance.name}' shows {qbt_path} "
            "on this server: verifying reads the content here.",
            field="path",
        )
    name = f"verify/{uuid.uuid4().hex}.torrent"
    folder = settings.TORRENTS_DIR / "verify"
    folder.mkdir(parents=True, exist_ok=True)
    (settings.TORRENTS_DIR / name).write_bytes(data)
    _forget_old_verify_inputs(user)
    return job_open(
        actor=user,
        action="job.created",
        detail={"kind": "verify", "path": qbt_path, "torrent": meta.name},
        owner=user,
        instance=instance,
        instance_name=instance.name,
        source_path=qbt_path,
        engine=Engine.LOCAL,
        kind=JobKind.VERIFY,
        name=meta.name,
        options={**asdict(JobOptions()), "input_torrent": name},
        info_hash_v1=meta.info_hash_v1 or "",
        info_hash_v2=meta.info_hash_v2 or "",
    )


# A check keeps the .torrent it was given (up to MAX_TORRENT_BYTES) for "Check again": a
# user's most recent ones are kept, the older ones deleted, so checks cannot fill the disk.
KEPT_VERIFY_INPUTS = 20


def _forget_old_verify_inputs(user) -> None:
    """Deletes the .torrent files of `user`'s ended checks but the KEPT_VERIFY_INPUTS newest
    (Check again on an older one says it is no longer stored)."""
    old = (
        Job.objects.filter(owner=user, kind=JobKind.VERIFY, state__in=TERMINAL_STATES)
        .order_by("-pk")
        .values_list("options", flat=True)[KEPT_VERIFY_INPUTS - 1 :]
    )
    for options in old:
        name = (options or {}).get("input_torrent", "")
        if name.startswith("verify/"):
            (settings.TORRENTS_DIR / name).unlink(missing_ok=True)


def job_edit(
    *,
    viewer,
    job_id: int,
    trackers: list[list[str]] | None = None,
    web_seeds: list[str] | None = None,
    comment: str | None = None,
    source: str | None = None,
    private: bool | None = None,
) -> Job:
    """A new completed job whose .torrent is a finished job's with other trackers, web seeds,
    comment, source or private flag. `{passkey}` placeholders are filled from the viewer's
    secrets; the info hash changes only when the source or the private flag does."""
    require(viewer, CREATE_JOBS)
    original = job_get_own(viewer=viewer, job_id=job_id, action="edit its .torrent")
    if original.state != JobState.COMPLETED or not original.torrent_file:
        raise InvalidJob("Only a finished torrent can be edited.", field="job", code="not_editable")
    data = stored_torrent(original)
    if trackers is not None:
        trackers = tidy_tiers(trackers)
    if web_seeds is not None:
        web_seeds = [url.strip() for url in web_seeds if url.strip()]
    # as a new job takes them (the edit form sends None for a field left as shown)
    source = source.strip() if source is not None else None
    comment = comment.strip() if comment is not None else None
    check_torrent_texts(source=source, comment=comment)
    options = JobOptions.of(original)
    changed = {
        k: v
        for k, v in (
            ("trackers", trackers),
            ("web_seeds", web_seeds),
            ("comment", comment),
            ("source", source),
            ("private", private),
        )
        if v is not None
    }
    # The new .torrent is only stored: the original's seeding choices are not this job's.
    options = JobOptions(
        **{**asdict(options), **changed, "start_seeding": False, "category": "", "tags": []}
    )
    # Checked as the new .torrent will hold them: trackers left alone are the URLs it already
    # has (filled, so no secret is needed again); the original preset is not for another tracker.
    if trackers is None:
        checked = JobOptions(
            **{**asdict(options), "trackers": [list(t) for t in metainfo.read(data).trackers]}
        )
    else:
        checked = options
    check_trackers(checked, None, user=viewer)
    filled = (
        preset_resolve_trackers(preset_or_tiers=trackers, user=viewer)
        if trackers is not None
        else None
    )
    new = metainfo.edited(
        data, trackers=filled, web_seeds=web_seeds, comment=comment, source=source, private=private
    )
    meta = metainfo.read(new)
    with transaction.atomic():
        job = Job.objects.create(
            owner=viewer,
            instance=original.instance,
            instance_name=original.instance_name,
            source_path=original.source_path,
            engine=original.engine,
            kind=JobKind.EDIT,
            options=asdict(options),
            preset=original.preset,
            preset_snapshot=original.preset_snapshot,
            retry_of=original,
            name=meta.name,
            state=JobState.COMPLETED,
            progress=100.0,
        )
        masked, secret_urls = masked_trackers(job, meta)
        job.torrent_file = torrent_store(job, meta.name, new)
        job.info_hash_v1, job.info_hash_v2 = meta.info_hash_v1 or "", meta.info_hash_v2 or ""
        job.magnet = meta.without_trackers(secret_urls).magnet
        job.total_size, job.file_count = meta.total_size, meta.file_count
        job.piece_size, job.piece_count = meta.piece_size, meta.piece_count
        job.torrent_size, job.trackers_created = len(new), masked
        job.finished_at = job.created_at
        job.save()
        audit_record(
            actor=viewer,
            action="job.edited",
            target_type="job",
            target_id=job.pk,
            detail={"from": original.pk, "changed": sorted(changed)},
        )
    job_broadcast(job)
    return job
