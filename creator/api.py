from ninja import Router, Schema, Status

from creator.health import health_report

router = Router(tags=["health"])


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


@router.get("/health", response={200: HealthOut, 503: HealthOut})
def health(request):
    """Database, channel layer and worker status; 503 when one of them is down."""
    report = health_report()
    return Status(503 if report["status"] == "down" else 200, report)
