from typing import Literal

from ninja import Field, Router, Schema, Status

from config.schemas import CamelSchema
from creator.health import health_report
from creator.planning import path_plan_pieces
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


@router.get("/health", response={200: HealthOut, 503: HealthOut}, tags=["health"])
def health(request):
    """Database, channel layer and worker status; 503 when one of them is down."""
    report = health_report()
    return Status(503 if report["status"] == "down" else 200, report)


class PathPlanIn(CamelSchema):
    path: str
    instance: int | None = None
    target_pieces: int | None = Field(None, ge=1, le=MAX_TARGET_PIECES)
    format: Literal["v1", "v2", "hybrid"] | None = None
    preset_id: int | None = None


class PathPlanOut(CamelSchema):
    path: str
    files: int
    total_size: int | None
    size_source: str | None
    size_unknown_reason: str | None
    plan: PiecePlanOut


@router.post("/qbittorrent/calculate-pieces", response=PathPlanOut, by_alias=True, tags=["planner"])
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
