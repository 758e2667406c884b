"""Presets over the API: use them, check trackers, plan pieces; staff and owners change them.

Secrets are write-only here: answers say which secrets are set (`secrets: [{name, isSet}]`),
never what they are.
"""

from typing import Literal

from ninja import Field, Router, Status
from pydantic.alias_generators import to_camel

from accounts.api_auth import api_auth
from accounts.permissions import VIEW_PRESETS
from config.schemas import CamelSchema, Id
from presets import planner
from presets.services import (
    preset_can_edit,
    preset_chosen,
    preset_create,
    preset_delete,
    preset_export,
    preset_get,
    preset_import,
    preset_list,
    preset_plan_pieces,
    preset_secret_delete,
    preset_secret_set,
    preset_update,
    tracker_validate,
)
from presets.sizes import format_size

router = Router(tags=["presets"], auth=api_auth(VIEW_PRESETS))

BYTES_MAX = 2**62  # far above any content, below the database's bigint


class SizeRuleSchema(CamelSchema):
    up_to: int | None = Field(None, ge=1, le=BYTES_MAX, description="Bytes; null: any larger")
    piece_size: int = Field(ge=1, le=BYTES_MAX)


class PresetFields(CamelSchema):
    """A preset's editable fields; sizes in bytes. The body of create, update and import."""

    name: str = Field("", max_length=100)
    description: str = ""
    trackers: list[list[str]] | str = Field(
        default_factory=list, description="Tiers of URLs, or text: a blank line between tiers"
    )
    private: bool = False
    source: str = Field("", max_length=100)
    comment: str = ""
    format: Literal["v1", "v2", "hybrid"] = "v1"
    web_seeds: list[str] = Field(default_factory=list)
    start_seeding: bool = True
    category: str = Field("", max_length=200)
    tags: list[str] = Field(default_factory=list)
    piece_size_mode: Literal["auto", "fixed"] = "auto"
    piece_size: int | None = Field(None, ge=1, le=BYTES_MAX)
    min_piece_size: int | None = Field(None, ge=1, le=BYTES_MAX)
    max_piece_size: int | None = Field(None, ge=1, le=BYTES_MAX)
    target_pieces_min: int = Field(planner.DEFAULT_TARGET_PIECES[0], ge=1)
    target_pieces_max: int = Field(planner.DEFAULT_TARGET_PIECES[1], ge=1)
    piece_size_table: list[SizeRuleSchema] = Field(default_factory=list)
    max_torrent_size: int | None = Field(None, ge=1, le=2**31 - 1)
    omit_creation_date: bool = False
    omit_created_by: bool = False
    randomize_info_hash: bool = False
    exclude_patterns: list[str] = Field(default_factory=list)


class PresetIn(PresetFields):
    personal: bool = Field(False, description="Staff only: make it yours, not global")


class SecretOut(CamelSchema):
    name: str
    is_set: bool
    new_hosts: list[str] = Field(
        description="Tracker hosts the preset's URLs now take it to that it was not saved "
        "for: it is not sent there until saved again."
    )


class PresetOut(PresetFields):
    id: int
    trackers: list[list[str]]
    scope: Literal["global", "personal"]
    can_edit: bool
    secrets: list[SecretOut]
    rules: list[str]

    @staticmethod
    def resolve_scope(obj) -> str:
        return "global" if obj.is_global else "personal"

    @staticmethod
    def resolve_can_edit(obj, context) -> bool:
        return preset_can_edit(user=context["request"].user, preset=obj)

    @staticmethod
    def resolve_secrets(obj) -> list:
        return obj.secret_status  # names and set-or-not only, never values

    @staticmethod
    def resolve_rules(obj) -> list[str]:
        return obj.rules_in_words


class ImportItemError(CamelSchema):
    field: str
    message: str


class ImportItemOut(CamelSchema):
    name: str
    status: Literal["created", "updated", "invalid"]
    id: int | None
    errors: list[ImportItemError]

    @staticmethod
    def resolve_errors(obj) -> list[dict]:
        return [{"field": to_camel(field), "message": message} for field, message in obj.errors]


class ImportOut(CamelSchema):
    results: list[ImportItemOut]


class SecretIn(CamelSchema):
    value: str = Field(max_length=1000)


class ValidateTrackersIn(CamelSchema):
    trackers: list[list[str]] | str | None = Field(
        None, description="Tiers of URLs, or text; default: the preset's"
    )
    private: bool | None = None
    web_seeds: list[str] | None = None
    preset_id: Id | None = None


class UrlCheckOut(CamelSchema):
    tier: int | None
    url: str
    level: str
    message: str


class SetCheckOut(CamelSchema):
    level: str
    message: str


class ValidateTrackersOut(CamelSchema):
    level: str
    valid: bool
    trackers: list[UrlCheckOut]
    web_seeds: list[UrlCheckOut]
    messages: list[SetCheckOut]

    @staticmethod
    def resolve_valid(obj) -> bool:
        return obj.is_valid


class CalculatePiecesIn(CamelSchema):
    total_size: int | None = Field(None, ge=0, le=BYTES_MAX, description="Bytes; null: unknown")
    file_count: int | None = Field(None, ge=0, le=1_000_000)
    file_sizes: list[int] | None = Field(None, max_length=1_000_000)
    format: Literal["v1", "v2", "hybrid"] | None = None
    target_pieces: int | None = Field(None, ge=1, le=planner.MAX_TARGET_PIECES)
    preset_id: Id | None = None


class CandidateOut(CamelSchema):
    piece_size: int
    piece_size_text: str
    piece_count: int
    last_piece_slack_bytes: int
    padding_bytes: int
    torrent_size_bytes: int
    efficiency: float
    in_target: bool
    breaches: list[str]
    recommended: bool

    @staticmethod
    def resolve_piece_size_text(obj) -> str:
        return format_size(obj.piece_size)


class TargetOut(CamelSchema):
    min: int
    max: int


class PiecePlanOut(CamelSchema):
    total_size: int | None
    size_known: bool
    format: str
    piece_size: int = Field(description="Bytes; 0: let qBittorrent choose (automatic)")
    piece_size_text: str
    piece_count: int | None
    reason: str
    breaches: list[str]
    notes: list[str]
    target_pieces: TargetOut
    candidates: list[CandidateOut]

    @staticmethod
    def resolve_piece_size_text(obj) -> str:
        return "Automatic" if obj.automatic else format_size(obj.piece_size)

    @staticmethod
    def resolve_target_pieces(obj) -> dict:
        return {"min": obj.target_pieces[0], "max": obj.target_pieces[1]}


def _preset_or_none(request, preset_id: Id | None):
    return preset_chosen(viewer=request.user, preset_id=preset_id)


# --- using presets ---------------------------------------------------------------------------


@router.get("/torrentcreator/presets", response=list[PresetOut], by_alias=True)
def list_presets(request):
    """The presets you may use: the global ones and your own."""
    return preset_list(viewer=request.user)


@router.post("/torrentcreator/validate-trackers", response=ValidateTrackersOut, by_alias=True)
def validate_trackers(request, payload: ValidateTrackersIn):
    """Check each tracker URL and the set; `{passkey}` is valid only where you saved one."""
    return tracker_validate(
        user=request.user,
        trackers=payload.trackers,
        private=payload.private,
        web_seeds=payload.web_seeds,
        preset=_preset_or_none(request, payload.preset_id),
    )


@router.post("/torrentcreator/calculate-pieces", response=PiecePlanOut, by_alias=True)
def calculate_pieces(request, payload: CalculatePiecesIn):
    """The recommended piece size and every candidate, under a preset's rules if given."""
    return preset_plan_pieces(
        viewer=request.user,
        total_size=payload.total_size,
        file_sizes=payload.file_sizes,
        file_count=payload.file_count,
        format=payload.format,
        target_pieces=payload.target_pieces,
        preset=_preset_or_none(request, payload.preset_id),
    )


# --- changing presets (staff: global ones; everyone: their own) ------------------------------


@router.post("/presets", response={201: PresetOut}, by_alias=True)
def create_preset(request, payload: PresetIn):
    """A new preset: global when staff make it, else personal."""
    fields = payload.model_dump(exclude={"personal"})
    preset = preset_create(user=request.user, fields=fields, personal=payload.personal)
    return Status(201, preset)


@router.get("/presets/export", response=list[PresetFields], by_alias=True)
def export_presets(request):
    """The presets you manage as importable JSON (staff: the global ones). No secrets."""
    return preset_export(user=request.user)


def _given(fields: PresetFields) -> dict:
    """The fields a body gave, each whole: a size table's row keeps its defaults (a row
    without upTo is the last one), where exclude_unset would drop them inside the rows too."""
    return {k: v for k, v in fields.model_dump().items() if k in fields.model_fields_set}


@router.post("/presets/import", response=ImportOut, by_alias=True)
def import_presets(request, payload: list[PresetFields]):
    """Create or update presets by name; each item gets its own result. Fields an item leaves
    out keep their values (a new preset takes the defaults)."""
    items = [_given(item) for item in payload]
    return {"results": preset_import(user=request.user, items=items)}


@router.get("/presets/{preset_id}", response=PresetOut, by_alias=True)
def get_preset(request, preset_id: Id):
    return preset_get(viewer=request.user, preset_id=preset_id)


@router.put("/presets/{preset_id}", response=PresetOut, by_alias=True)
def replace_preset(request, preset_id: Id, payload: PresetFields):
    """Replace every field; those left out take their defaults."""
    preset = preset_get(viewer=request.user, preset_id=preset_id)
    return preset_update(user=request.user, preset=preset, fields=payload.model_dump())


@router.patch("/presets/{preset_id}", response=PresetOut, by_alias=True)
def change_preset(request, preset_id: Id, payload: PresetFields):
    """Change only the fields sent."""
    preset = preset_get(viewer=request.user, preset_id=preset_id)
    return preset_update(user=request.user, preset=preset, fields=_given(payload))


@router.delete("/presets/{preset_id}", response={204: None})
def delete_preset(request, preset_id: Id):
    preset = preset_get(viewer=request.user, preset_id=preset_id)
    preset_delete(user=request.user, preset=preset)
    return Status(204, None)


# --- your secrets (write-only) ---------------------------------------------------------------


@router.put("/presets/{preset_id}/secrets/{name}", response={204: None})
def set_secret(request, preset_id: Id, name: str, payload: SecretIn):
    """Save your secret (e.g. passkey) for a preset. It is never shown again."""
    preset = preset_get(viewer=request.user, preset_id=preset_id)
    preset_secret_set(user=request.user, preset=preset, name=name, value=payload.value)
    return Status(204, None)


@router.delete("/presets/{preset_id}/secrets/{name}", response={204: None})
def delete_secret(request, preset_id: Id, name: str):
    preset = preset_get(viewer=request.user, preset_id=preset_id)
    preset_secret_delete(user=request.user, preset=preset, name=name)
    return Status(204, None)
