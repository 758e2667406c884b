from datetime import datetime
from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from accounts.api_auth import api_auth
from accounts.permissions import CREATE_JOBS, USE_INSTANCES, VIEW_JOBS
from config.schemas import CamelSchema, Id
from creator.health import health_report
from creator.jobs import (
    JobRequest,
    job_cancel,
    job_event,
    job_get,
    job_list,
    job_list_page,
    job_retry,
    job_submit,
    job_torrent,
)
from creator.models import JobState
from creator.planning import path_plan_pieces
from creator.schemas import EditIn, JobIn, JobOut, JobPage, ProgressOut, TorrentInfoOut
from creator.torrents import job_edit, torrent_inspect, upload_data, verify_submit
from creator.views import torrent_response
from presets.api import PiecePlanOut
from presets.planner import MAX_TARGET_PIECES

router = Router()


class CheckOut(Schema):
    status: str
    error: str | None = None


class DatabaseOut(CheckOut):
    engine: str
    latency_ms: float | None = None


class ChannelLayerOut(CheckOut):
    backend: str
    latency_ms: float | None = None


class WorkerOut(CheckOut):
    last_seen: str | None


class InstanceHealthOut(Schema):
    id: int
    name: str
    enabled: bool
    status: str
    error: str | None = None
    capabilities: dict | None = None


class HealthOut(Schema):
    status: str
    database: DatabaseOut
    channel_layer: ChannelLayerOut
    worker: WorkerOut
    instances: list[InstanceHealthOut]


@router.get(
    "/health", auth=api_auth(VIEW_JOBS), response={200: HealthOut, 503: HealthOut}, tags=["health"]
)
def health(request):
    """Database, channel layer and worker status; 503 when one of them is down."""
    report = health_report(viewer=request.user)
    return Status(503 if report["status"] == "down" else 200, report)


class PathPlanIn(CamelSchema):
    path: str
    instance: Id | None = None
    target_pieces: int | None = Field(None, ge=1, le=MAX_TARGET_PIECES)
    format: Literal["v1", "v2", "hybrid"] | None = None
    preset_id: Id | None = None


class PathPlanOut(CamelSchema):
    path: str
    files: int
    total_size: int | None
    size_source: str | None
    size_unknown_reason: str | None
    plan: PiecePlanOut


@router.post(
    "/qbittorrent/calculate-pieces",
    auth=api_auth(USE_INSTANCES),
    response=PathPlanOut,
    by_alias=True,
    tags=["planner"],
)
def qbittorrent_calculate_pieces(request, payload: PathPlanIn):
    """The piece size for a path as qBittorrent sees it: its analysis, then the planner."""
    result = path_plan_pieces(
        user=request.user,
        path=payload.path,
        instance_id=payload.instance,
        target_pieces=payload.target_pieces,
        format=payload.format,
        preset_id=payload.preset_id,
    )
    analysis = result.analysis
    return {
        "path": analysis.path,
        "files": analysis.files,
        "total_size": analysis.total_size,
        "size_source": analysis.size_source,
        "size_unknown_reason": analysis.size_unknown_reason,
        "plan": result.plan,
    }


# --- jobs --------------------------------------------------------------------------------


def _request_of(payload: JobIn) -> JobRequest:
    values = payload.model_dump(exclude={"instance"})
    return JobRequest(instance_id=payload.instance, **values)


@router.post(
    "/jobs", auth=api_auth(CREATE_JOBS), response={201: JobOut}, by_alias=True, tags=["jobs"]
)
@router.post(
    "/create-enhanced",
    auth=api_auth(CREATE_JOBS),
    response={201: JobOut},
    by_alias=True,
    tags=["jobs"],
    operation_id="create_enhanced",
    summary="Create a job (the first design's name for POST /api/jobs)",
)
def job_create(request, payload: JobIn):
    """Start a torrent creation job; every check failure is a 422 naming its field."""
    return Status(201, job_submit(user=request.user, request=_request_of(payload)))


@router.get("/jobs", auth=api_auth(VIEW_JOBS), response=JobPage, by_alias=True, tags=["jobs"])
def job_index(
    request,
    state: JobState | None = None,
    preset: Id | None = None,
    instance: Id | None = None,
    user: Id | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str = "",
    ordering: str = "-created_at",
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200, alias="pageSize"),
):
    """Your jobs (staff: everyone's, `user` to narrow), newest first, filtered and paged."""
    jobs = job_list(
        viewer=request.user,
        state=state,
        preset_id=preset,
        instance_id=instance,
        owner_id=user,
        since=since,
        until=until,
        search=q,
        ordering=ordering,
    )
    start = (page - 1) * page_size
    return {
        "count": jobs.count(),
        "page": page,
        "page_size": page_size,
        "results": job_list_page(jobs, start=start, stop=start + page_size),
    }


@router.get(
    "/jobs/{job_id}", auth=api_auth(VIEW_JOBS), response=JobOut, by_alias=True, tags=["jobs"]
)
def job_detail(request, job_id: Id):
    return job_get(viewer=request.user, job_id=job_id)


@router.get(
    "/jobs/{job_id}/torrent",
    auth=api_auth(VIEW_JOBS),
    url_name="job_download",
    tags=["jobs"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The .torrent file",
                "content": {
                    "application/x-bittorrent": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def job_download(request, job_id: Id):
    """The .torrent file of a completed job."""
    return torrent_response(*job_torrent(viewer=request.user, job_id=job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    auth=api_auth(CREATE_JOBS),
    response=JobOut,
    by_alias=True,
    tags=["jobs"],
)
@router.post(
    "/torrentcreator/cancel/{job_id}",
    auth=api_auth(CREATE_JOBS),
    response=JobOut,
    by_alias=True,
    tags=["jobs"],
    operation_id="torrentcreator_cancel",
    summary="Cancel a job (the first design's name for POST /api/jobs/{id}/cancel)",
)
def job_cancel_endpoint(request, job_id: Id):
    """Stop a job (qBittorrent's task is aborted); cancelling twice is harmless."""
    return job_cancel(viewer=request.user, job_id=job_id)


@router.post(
    "/jobs/{job_id}/retry",
    auth=api_auth(CREATE_JOBS),
    response={201: JobOut},
    by_alias=True,
    tags=["jobs"],
)
def job_retry_endpoint(request, job_id: Id):
    """A new job with the same options as a failed or cancelled one."""
    return Status(201, job_retry(viewer=request.user, job_id=job_id))


@router.post(
    "/torrentcreator/progress/{job_id}",
    auth=api_auth(VIEW_JOBS),
    response=ProgressOut,
    by_alias=True,
    tags=["jobs"],
)
def torrentcreator_progress(request, job_id: Id):
    """The same snapshot the progress socket sends, for clients without WebSockets."""
    return job_event(job_get(viewer=request.user, job_id=job_id))


# --- existing .torrent files -----------------------------------------------------------------


@router.post(
    "/torrents/inspect",
    auth=api_auth(VIEW_JOBS),
    response=TorrentInfoOut,
    by_alias=True,
    tags=["torrents"],
)
def torrent_inspect_endpoint(request, torrent: UploadedFile = File(...)):
    """What a .torrent holds: name, hashes, files, trackers by tier, pieces, flags, magnet."""
    return torrent_inspect(user=request.user, data=upload_data(torrent))


@router.post(
    "/torrents/verify",
    auth=api_auth(CREATE_JOBS),
    response={201: JobOut},
    by_alias=True,
    tags=["torrents"],
)
def torrent_verify_endpoint(
    request,
    torrent: UploadedFile = File(...),
    path: str = Form(...),
    instance: Id | None = Form(None),
):
    """A job checking content (qBittorrent's path, read on this server through the path
    mapping) against a .torrent: good, bad and missing pieces, file by file."""
    job = verify_submit(
        user=request.user, data=upload_data(torrent), path=path, instance_id=instance
    )
    return Status(201, job)


@router.post(
    "/jobs/{job_id}/edit",
    auth=api_auth(CREATE_JOBS),
    response={201: JobOut},
    by_alias=True,
    tags=["torrents"],
)
def job_edit_endpoint(request, job_id: Id, payload: EditIn):
    """A new .torrent from a finished one with other trackers, source, flag or comment, without
    hashing again (the info hash changes with the source or the private flag)."""
    return Status(201, job_edit(viewer=request.user, job_id=job_id, **payload.model_dump()))
