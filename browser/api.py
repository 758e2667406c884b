from datetime import datetime

import orjson
from django.http import HttpResponse
from ninja import Field, Router

from accounts.api_auth import api_auth
from accounts.permissions import USE_INSTANCES
from browser.analysis import Analysis, Scan, analyze, scan
from browser.browse import Listing, browse, default_paths
from browser.local import DEPRECATION
from browser.models import NavigationMode
from browser.preferences import preference_get, preference_mode, preference_update
from browser.unified import unified_browse, unified_scan
from config.schemas import CamelSchema, Id

# A path with NUL, control characters or unpaired surrogates is a malformed path: refused by
# paths.normalize with a 400 at the field, as other malformed paths are.
PATH_CHECKED = frozenset({"path"})

router = Router(tags=["browse"], auth=api_auth(USE_INSTANCES))


class InstanceRef(CamelSchema):
    id: int
    name: str


class BrowseIn(CamelSchema):
    text_checked_by_service = PATH_CHECKED
    path: str | None = None
    instance: Id | None = None
    show_hidden: bool | None = Field(
        None, description="Local mode: show hidden files (default: your navigation preference)."
    )
    refresh: bool = False


class UnifiedBrowseIn(BrowseIn):
    mode: NavigationMode | None = None


class EntryOut(CamelSchema):
    name: str
    path: str
    type: str
    size: int | None
    modified: datetime | None
    qbt_path: str | None = None


class CrumbOut(CamelSchema):
    name: str
    path: str


class BrowseOut(CamelSchema):
    instance: InstanceRef
    mode: NavigationMode
    path: str
    qbt_path: str | None
    parent: str | None
    breadcrumbs: list[CrumbOut]
    entries: list[EntryOut]
    roots: list[str]
    sizes_known: bool
    cached: bool
    notes: list[str]
    fallback_reason: str | None = None
    deprecation: str | None = None


class ScanIn(CamelSchema):
    text_checked_by_service = PATH_CHECKED
    path: str
    instance: Id | None = None


class UnifiedScanIn(ScanIn):
    mode: NavigationMode | None = None


class ScanOut(CamelSchema):
    instance: InstanceRef
    mode: NavigationMode
    path: str
    usable: bool
    type: str | None
    reason: str | None
    files: int
    folders: int
    size: int | None
    fallback_reason: str | None = None
    deprecation: str | None = None


class AnalyzeIn(CamelSchema):
    text_checked_by_service = PATH_CHECKED
    path: str
    instance: Id | None = None
    include_size: bool = True
    recursive: bool = True


class FileOut(CamelSchema):
    path: str
    name: str
    size: int | None


class KindOut(CamelSchema):
    kind: str
    files: int
    size: int | None


class WarningOut(CamelSchema):
    code: str
    message: str


class AnalyzeOut(CamelSchema):
    instance: InstanceRef
    path: str
    type: str
    files: int
    folders: int
    total_size: int | None
    size_source: str | None
    size_unknown_reason: str | None
    largest: list[FileOut]
    kinds: list[KindOut]
    hidden_known: bool
    hidden_files: list[str]
    hidden_note: str
    warnings: list[WarningOut]
    truncated: bool
    elapsed_s: float
    qbittorrent_requests: int


class QuickPathOut(CamelSchema):
    label: str
    path: str
    kind: str
    allowed: bool
    exists: bool | None


class DefaultPathsOut(CamelSchema):
    instance: InstanceRef
    paths: list[QuickPathOut]


class PreferencesIn(CamelSchema):
    mode: NavigationMode | None = Field(
        None, description="null: back to the administrator's default; left out: unchanged."
    )
    show_hidden: bool | None = None
    remember_last_path: bool | None = None


class PreferencesOut(CamelSchema):
    mode: NavigationMode | None = Field(None, description="Your choice; null: never chosen.")
    effective_mode: NavigationMode = Field(
        description="The mode you browse in: your choice, else the administrator's rollout default."
    )
    show_hidden: bool
    remember_last_path: bool


def preferences_out(user, preference) -> PreferencesOut:
    return PreferencesOut(
        mode=preference.mode or None,
        effective_mode=preference_mode(user=user, preference=preference),
        show_hidden=preference.show_hidden,
        remember_last_path=preference.remember_last_path,
    )


def listing_response(listing: Listing) -> HttpResponse:
    """A listing as BrowseOut's JSON, written directly.

    Validating 10,000 entries through pydantic took longer than qBittorrent's own answer
    (bench/browse.py); the tests check these answers against BrowseOut.
    """
    body = {
        "instance": {"id": listing.instance.pk, "name": listing.instance.name},
        "mode": listing.mode,
        "path": listing.path,
        "qbtPath": listing.qbt_path,
        "parent": listing.parent,
        "breadcrumbs": [{"name": c.name, "path": c.path} for c in listing.breadcrumbs],
        "entries": listing.entries,  # each already in the API's shape (browser/entries.py)
        "roots": listing.roots,
        "sizesKnown": listing.sizes_known,
        "cached": listing.cached,
        "notes": listing.notes,
        "fallbackReason": listing.fallback_reason,
        "deprecation": listing.deprecation,
    }
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def scan_out(result: Scan, mode: str, fallback_reason: str | None = None) -> ScanOut:
    return ScanOut(
        instance=InstanceRef(id=result.instance.pk, name=result.instance.name),
        mode=mode,
        path=result.path,
        usable=result.usable,
        type=result.type,
        reason=result.reason,
        files=result.files,
        folders=result.folders,
        size=result.size,
        fallback_reason=fallback_reason,
        deprecation=DEPRECATION if mode == NavigationMode.LOCAL else None,
    )


@router.post("/qbittorrent/browse", response=BrowseOut, by_alias=True)
def qbittorrent_browse(request, payload: BrowseIn):
    """A folder's content as qBittorrent sees it: folders first, natural order."""
    return listing_response(
        browse(
            user=request.user,
            path=payload.path,
            instance_id=payload.instance,
            show_hidden=payload.show_hidden,
            refresh=payload.refresh,
        )
    )


@router.post("/qbittorrent/scan", response=ScanOut, by_alias=True)
def qbittorrent_scan(request, payload: ScanIn):
    """Whether a path can be a torrent's source, with the reason when it cannot."""
    return scan_out(
        scan(user=request.user, path=payload.path, instance_id=payload.instance),
        NavigationMode.QBITTORRENT,
    )


@router.post("/qbittorrent/analyze", response=AnalyzeOut, by_alias=True)
def qbittorrent_analyze(request, payload: AnalyzeIn):
    """Totals, largest files, kinds, hidden files and warnings for a folder or file."""
    result: Analysis = analyze(
        user=request.user,
        path=payload.path,
        instance_id=payload.instance,
        include_size=payload.include_size,
        recursive=payload.recursive,
    )
    return AnalyzeOut.model_validate(result, from_attributes=True)


@router.get("/qbittorrent/default-paths", response=DefaultPathsOut, by_alias=True)
def qbittorrent_default_paths(request, instance: Id | None = None):
    """Quick-access folders, each saying whether it exists and may be browsed."""
    chosen, quick = default_paths(user=request.user, instance_id=instance)
    return DefaultPathsOut(
        instance=InstanceRef(id=chosen.pk, name=chosen.name),
        paths=[QuickPathOut.model_validate(q, from_attributes=True) for q in quick],
    )


@router.post("/unified/browse", response=BrowseOut, by_alias=True)
def unified_browse_endpoint(request, payload: UnifiedBrowseIn):
    """Browse in either mode; qBittorrent mode falls back to local when it must, and says so."""
    return listing_response(
        unified_browse(
            user=request.user,
            path=payload.path,
            mode=payload.mode,
            instance_id=payload.instance,
            show_hidden=payload.show_hidden,
            refresh=payload.refresh,
        )
    )


@router.post("/unified/scan", response=ScanOut, by_alias=True)
def unified_scan_endpoint(request, payload: UnifiedScanIn):
    result, mode, fallback = unified_scan(
        user=request.user, path=payload.path, mode=payload.mode, instance_id=payload.instance
    )
    return scan_out(result, mode, fallback)


@router.post("/scan", response=ScanOut, by_alias=True)
def legacy_scan(request, payload: ScanIn):
    """The first design's scan of a path on this server (local mode, deprecated)."""
    result, mode, fallback = unified_scan(
        user=request.user,
        path=payload.path,
        mode=NavigationMode.LOCAL,
        instance_id=payload.instance,
    )
    return scan_out(result, mode, fallback)


@router.get("/navigation/preferences", response=PreferencesOut, by_alias=True)
def navigation_preferences(request):
    return preferences_out(request.user, preference_get(user=request.user))


@router.put("/navigation/preferences", response=PreferencesOut, by_alias=True)
def navigation_preferences_update(request, payload: PreferencesIn):
    preference = preference_update(
        user=request.user,
        mode=(payload.mode or "") if "mode" in payload.model_fields_set else None,
        show_hidden=payload.show_hidden,
        remember_last_path=payload.remember_last_path,
    )
    return preferences_out(request.user, preference)
