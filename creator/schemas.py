"""Request and answer shapes of the jobs API (camelCase on the wire)."""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Field

from config.schemas import CamelSchema, Id

Format = Literal["v1", "v2", "hybrid"]


class JobIn(CamelSchema):
    path: str = Field(description="The source as qBittorrent sees it (file or folder).")
    instance: Id | None = Field(None, description="Default: the default instance.")
    preset_id: Id | None = None
    trackers: list[list[str]] | str | None = Field(
        None,
        description="Tiers of URLs, or text with a blank line between tiers. "
        "`{passkey}` is filled from your saved secret. Default: the preset's.",
    )
    private: bool | None = None
    source: str | None = Field(None, max_length=200)
    comment: str | None = Field(None, max_length=5000)
    web_seeds: list[str] | None = None
    format: Format | None = None
    piece_size: int | None = Field(None, ge=0, description="Bytes; 0: automatic.")
    optimize_alignment: bool | None = Field(None, description="libtorrent 1.2 hosts only.")
    padded_file_size_limit: int | None = Field(None, ge=-1)
    ignore_dotfiles: bool | None = None
    start_seeding: bool | None = None
    category: str | None = Field(None, max_length=200)
    tags: list[str] | None = None
    omit_creation_date: bool | None = None
    omit_created_by: bool | None = None
    randomize_info_hash: bool | None = None
    name: str | None = Field(None, max_length=255, description="The torrent's name (local engine).")
    engine: Literal["auto", "qbittorrent", "local"] | None = Field(
        None,
        description="auto (default): qBittorrent's creator, else this server's local "
        "engine when a path mapping shows the content here.",
    )


class Ref(CamelSchema):
    id: int
    name: str


class ResultOut(CamelSchema):
    name: str
    info_hash_v1: str | None
    info_hash_v2: str | None
    magnet: str
    total_size: int | None
    file_count: int | None
    piece_size: int | None
    piece_count: int | None
    torrent_size: int | None
    trackers: list[list[str]]
    seeding: str
    download_url: str


class JobOut(CamelSchema):
    id: int
    kind: str
    name: str
    owner: str
    state: str
    phase: str
    percentage: float
    progress: float
    eta_s: int | None
    current_file: str
    waiting_reason: str
    error: str
    notes: list[str]
    instance: Ref | None
    instance_name: str
    source_path: str
    engine: str
    preset: Ref | None
    options: dict
    retry_of: int | None
    created_at: datetime
    submitted_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    result: ResultOut | None
    verify_report: dict | None = Field(
        None, description="A verify job's findings: pieces good, bad, missing, and each file."
    )

    @staticmethod
    def resolve_owner(job) -> str:
        return job.owner.get_username()

    @staticmethod
    def resolve_instance(job):
        return {"id": job.instance_id, "name": job.instance.name} if job.instance_id else None

    @staticmethod
    def resolve_preset(job):
        return {"id": job.preset_id, "name": job.preset.name} if job.preset_id else None

    @staticmethod
    def resolve_options(job) -> dict:
        from pydantic.alias_generators import to_camel

        return {to_camel(k): v for k, v in job.options.items()}

    @staticmethod
    def resolve_retry_of(job):
        return job.retry_of_id

    @staticmethod
    def resolve_result(job):
        if job.state != "completed":
            return None
        return {
            "name": job.name,
            "info_hash_v1": job.info_hash_v1 or None,
            "info_hash_v2": job.info_hash_v2 or None,
            "magnet": job.magnet,
            "total_size": job.total_size,
            "file_count": job.file_count,
            "piece_size": job.piece_size,
            "piece_count": job.piece_count,
            "torrent_size": job.torrent_size,
            "trackers": job.trackers_created,
            "seeding": job.seeding,
            "download_url": reverse("api:job_download", args=[job.pk]),
        }


class JobPage(CamelSchema):
    count: int
    page: int
    page_size: int
    results: list[JobOut]


class ProgressOut(CamelSchema):
    job: int
    state: str
    phase: str
    percentage: float
    progress: float
    eta_s: int | None
    current_file: str | None
    waiting: str | None
    error: str | None
    name: str
    updated_at: str | None


class TorrentFileOut(CamelSchema):
    path: str
    size: int


class TorrentLinkOut(CamelSchema):
    path: str
    target: str = Field(description="Where the link points, as a path in the torrent.")


class TorrentInfoOut(CamelSchema):
    name: str
    format: str
    info_hash_v1: str | None
    info_hash_v2: str | None
    magnet: str
    total_size: int
    file_count: int
    files: list[TorrentFileOut]
    links: list[TorrentLinkOut] = Field(description="Symlinks a client makes; they hold no data.")
    piece_size: int
    piece_count: int
    private: bool
    source: str
    comment: str
    created_by: str
    creation_date: int | None
    trackers: list[list[str]]
    web_seeds: list[str]
    torrent_size: int


class EditIn(CamelSchema):
    trackers: list[list[str]] | None = Field(
        None, description="Tiers of URLs; `{passkey}` is filled from your saved secret."
    )
    web_seeds: list[str] | None = None
    comment: str | None = Field(None, max_length=5000)
    source: str | None = Field(None, max_length=200)
    private: bool | None = None
