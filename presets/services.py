"""Presets: who may use and change which, users' secrets, and what edges ask of them.

Visibility: everyone may use the global presets (owner empty) and their own personal ones.
Staff change global presets; every Creator changes their own personal presets and secrets
(Viewers only read). Secrets are written
here, read only by preset_resolve_trackers, and never returned, exported or logged.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from pydantic.alias_generators import to_camel

from accounts.permissions import CREATE_JOBS, VIEW_PRESETS, require
from config.errors import NotFound, PermissionDenied, ServiceError
from presets.models import PresetSecret, TrackerPreset
from presets.planner import PiecePlan, PieceRules, PlanInputError, plan_pieces
from presets.trackers import (
    TrackerReport,
    fill_placeholders,
    parse_lines,
    parse_tiers,
    placeholders,
    url_host,
    validate_tiers,
)

logger = logging.getLogger(__name__)

# What the API, imports and exports may set: every column but identity, owner and timestamps.
EDITABLE_FIELDS = (
    "name",
    "description",
    "trackers",
    "private",
    "source",
    "comment",
    "format",
    "web_seeds",
    "start_seeding",
    "category",
    "tags",
    "piece_size_mode",
    "piece_size",
    "min_piece_size",
    "max_piece_size",
    "target_pieces_min",
    "target_pieces_max",
    "piece_size_table",
    "max_torrent_size",
    "omit_creation_date",
    "omit_created_by",
    "randomize_info_hash",
    "exclude_patterns",
)
# Passkeys are URL-safe tokens; refusing anything else catches a pasted announce URL.
SECRET_VALUE = re.compile(r"[A-Za-z0-9._~+=-]{1,256}")
# Announce URLs in .torrent size estimates: a placeholder stands for a typical 32-character key.
TYPICAL_SECRET = "x" * 32


class InvalidInput(ServiceError):
    """Fields a user got wrong, each with its reasons; on the wire fields are camelCase."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, Sequence[str]]):
        self.errors = {field: list(messages) for field, messages in errors.items()}
        detail = "; ".join(
            f"{to_camel(field)}: {message}"
            for field, messages in self.errors.items()
            for message in messages
        )
        super().__init__(detail, field=next(iter(self.errors)))

    def as_dict(self) -> dict:
        return {
            "detail": self.message,
            "code": self.code,
            "errors": [
                {"field": to_camel(field), "message": message}
                for field, messages in self.errors.items()
                for message in messages
            ],
        }


@dataclass(frozen=True)
class SecretStatus:
    name: str
    is_set: bool
    # hosts the preset's URLs now send it to that it was not saved for: it goes there once
    # saved again
    new_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    name: str
    status: str  # "created", "updated" or "invalid"
    id: int | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (field, message)


# --- reading ---------------------------------------------------------------------------------


def _usable(viewer):
    return TrackerPreset.objects.filter(Q(owner__isnull=True) | Q(owner=viewer))


def preset_list(*, viewer) -> list[TrackerPreset]:
    """The presets `viewer` may use, global first, each with `secret_status` attached."""
    require(viewer, VIEW_PRESETS)
    presets = list(_usable(viewer).order_by(F("owner").asc(nulls_first=True), "name"))
    return _with_secret_status(presets, viewer)


def preset_get(*, viewer, preset_id: int) -> TrackerPreset:
    """One preset `viewer` may use, with `secret_status` attached; NotFound otherwise."""
    require(viewer, VIEW_PRESETS)
    preset = _usable(viewer).filter(pk=preset_id).first()
    if preset is None:
        raise NotFound("No such preset.")
    return _with_secret_status([preset], viewer)[0]


def preset_chosen(*, viewer, preset_id: int | None) -> TrackerPreset | None:
    """The preset a request names in its `presetId` (None: no preset); NotFound at that field."""
    if preset_id is None:
        return None
    try:
        return preset_get(viewer=viewer, preset_id=preset_id)
    except NotFound:
        raise NotFound(f"There is no preset {preset_id} you may use.", field="presetId") from None


def preset_can_edit(*, user, preset: TrackerPreset) -> bool:
    return preset.owner_id == user.pk if preset.owner_id is not None else user.is_staff


def _with_secret_status(presets: list[TrackerPreset], viewer) -> list[TrackerPreset]:
    """Attach `secret_status`: each secret the preset needs or the viewer saved, set or not."""
    saved: dict[int, dict[str, set[str]]] = defaultdict(dict)  # preset: name: hosts
    rows = PresetSecret.objects.filter(user=viewer, preset__in=presets)
    for preset_id, name, hosts in rows.values_list("preset_id", "name", "hosts"):
        saved[preset_id][name] = set(hosts)
    for preset in presets:
        mine = saved[preset.pk]
        preset.secret_status = [
            SecretStatus(
                name,
                name in mine,
                tuple(h for h in secret_hosts(preset.trackers, name) if h not in mine[name])
                if name in mine
                else (),
            )
            for name in sorted(set(preset.secret_names) | set(mine))
        ]
    return presets


def secret_hosts(tiers: list[list[str]], name: str) -> list[str]:
    """The hosts of the tracker URLs in `tiers` that take `{name}`, sorted: where a secret of
    that name saved for them may go."""
    return sorted({url_host(url) for tier in tiers for url in tier if name in placeholders(url)})


def preset_values(preset: TrackerPreset) -> dict[str, Any]:
    """A preset as plain data (tracker templates, never secrets): for exports and job records."""
    return {name: getattr(preset, name) for name in EDITABLE_FIELDS}


def preset_export(*, user) -> list[dict[str, Any]]:
    """The presets `user` manages (staff: the global ones; others: their own), without secrets."""
    require(user, VIEW_PRESETS)
    return [preset_values(p) for p in _managed(user).order_by("name")]


def _managed(user):
    if user.is_staff:
        return TrackerPreset.objects.filter(owner__isnull=True)
    return TrackerPreset.objects.filter(owner=user)


# --- writing ---------------------------------------------------------------------------------


def _check_can_edit(user, preset: TrackerPreset) -> None:
    if preset.owner_id is not None and preset.owner_id != user.pk:
        raise NotFound("No such preset.")
    if not preset_can_edit(user=user, preset=preset):
        raise PermissionDenied("Only an administrator can change a global preset.")


def _apply(preset: TrackerPreset, fields: Mapping[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput({name: ["There is no such preset field."] for name in unknown})
    for name, value in fields.items():
        setattr(preset, name, _normalised(name, value))


def _normalised(name: str, value: Any) -> Any:
    """Lists may come as text; spaces around entries and empty entries (and tiers) are dropped,
    as the validator's warnings promise. Anything of the wrong type is left to the model."""
    if name == "trackers" and isinstance(value, str):
        return parse_tiers(value)
    if name == "trackers" and isinstance(value, list) and all(isinstance(t, list) for t in value):
        return [tier for tier in map(_tidy, value) if tier]
    if name in ("web_seeds", "tags", "exclude_patterns"):
        if isinstance(value, str):
            return parse_lines(value)
        if isinstance(value, list):
            return _tidy(value)
    if name in ("name", "source", "category") and isinstance(value, str):
        return value.strip()
    return value


def _tidy(values: list) -> list:
    stripped = [v.strip() if isinstance(v, str) else v for v in values]
    return [v for v in stripped if v != ""]


def _save(preset: TrackerPreset) -> TrackerPreset:
    try:
        preset.full_clean()
    except ValidationError as exc:
        errors = dict(exc.message_dict)
        if NON_FIELD_ERRORS in errors:  # the unique-name constraints
            errors["name"] = errors.pop(NON_FIELD_ERRORS)
        raise InvalidInput(errors) from None
    try:
        with transaction.atomic():
            preset.save()
    except IntegrityError:  # a concurrent save took the name between the check and the insert
        raise InvalidInput({"name": ["A preset with this name already exists."]}) from None
    return preset


@transaction.atomic
def preset_create(*, user, fields: Mapping[str, Any], personal: bool = False) -> TrackerPreset:
    """A new preset: global when staff make it (unless `personal`), else the user's own."""
    require(user, CREATE_JOBS)
    preset = TrackerPreset(owner=user if personal or not user.is_staff else None)
    _apply(preset, fields)
    _save(preset)
    logger.info("%s created preset %r (%s)", user, preset.name, _scope(preset))
    return _with_secret_status([preset], user)[0]


@transaction.atomic
def preset_update(*, user, preset: TrackerPreset, fields: Mapping[str, Any]) -> TrackerPreset:
    """Change the given fields of a preset `user` may edit; the others keep their values."""
    require(user, CREATE_JOBS)
    _check_can_edit(user, preset)
    _apply(preset, fields)
    _save(preset)
    logger.info("%s changed preset %r (%s)", user, preset.name, _scope(preset))
    return _with_secret_status([preset], user)[0]


@transaction.atomic
def preset_delete(*, user, preset: TrackerPreset) -> None:
    """Delete a preset `user` may edit, with every user's secrets for it."""
    require(user, CREATE_JOBS)
    _check_can_edit(user, preset)
    logger.info("%s deleted preset %r (%s)", user, preset.name, _scope(preset))
    preset.delete()


def preset_import(*, user, items: Sequence[Mapping[str, Any]]) -> list[ImportResult]:
    """Create or update presets by name within what `user` manages (staff: global presets,
    others: their own). Each item is applied on its own: a bad one does not stop the rest."""
    require(user, CREATE_JOBS)
    results = []
    for item in items:
        name = str(item.get("name", "")).strip()
        try:
            with transaction.atomic():
                existing = _managed(user).filter(name=name).first()
                if existing is None:
                    preset = preset_create(user=user, fields=item, personal=not user.is_staff)
                else:
                    preset = preset_update(user=user, preset=existing, fields=item)
            results.append(ImportResult(name, "updated" if existing else "created", preset.pk))
        except InvalidInput as exc:
            errors = tuple((f, m) for f, messages in exc.errors.items() for m in messages)
            results.append(ImportResult(name, "invalid", errors=errors))
    return results


def _scope(preset: TrackerPreset) -> str:
    return "global" if preset.is_global else f"personal of user {preset.owner_id}"


# --- secrets ---------------------------------------------------------------------------------


def _check_can_use(user, preset: TrackerPreset) -> None:
    if preset.owner_id is not None and preset.owner_id != user.pk:
        raise NotFound("No such preset.")


def preset_secret_set(*, user, preset: TrackerPreset, name: str, value: str) -> None:
    """Save (or replace) `user`'s secret `name` for `preset`, encrypted. Never echoed or logged."""
    require(user, CREATE_JOBS)
    _check_can_use(user, preset)
    if name not in preset.secret_names:
        raise ServiceError(
            f"{preset.name}'s tracker URLs have no {{{name}}} placeholder.",
            code="unknown_secret",
            field="name",
        )
    value = value.strip()
    if "://" in value or "/" in value:
        raise ServiceError(f"Paste only your {name}, not the whole announce URL.", field="value")
    if not SECRET_VALUE.fullmatch(value):
        raise ServiceError(
            f"A {name} is 1 to 256 letters, digits and . _ ~ + = - (no spaces).", field="value"
        )
    PresetSecret.objects.update_or_create(
        user=user,
        preset=preset,
        name=name,
        defaults={"value": value, "hosts": secret_hosts(preset.trackers, name)},
    )
    logger.info("%s saved their %s for preset %r", user, name, preset.name)


def preset_secret_delete(*, user, preset: TrackerPreset, name: str) -> None:
    """Forget `user`'s secret `name` for `preset`; nothing happens when none is saved."""
    require(user, CREATE_JOBS)
    _check_can_use(user, preset)
    deleted, _ = PresetSecret.objects.filter(user=user, preset=preset, name=name).delete()
    if deleted:
        logger.info("%s removed their %s for preset %r", user, name, preset.name)


class _SecretBook:
    """The secrets a user saved, and the rule for where each may go.

    A secret saved for a preset fills a URL only when that URL's host is one of the preset's
    tracker hosts, and one it was saved for: a passkey is never sent to another tracker, even
    after the preset's URLs were changed to point elsewhere. The given preset's secret comes
    first; otherwise any preset of the user's with that host, when their values agree.
    """

    def __init__(self, *, user, preset: TrackerPreset | None):
        self.preset = preset
        # preset: (its hosts, {name: (value, the hosts it was saved for)})
        self.by_preset: dict[int, tuple[set[str], dict[str, tuple[str, set[str]]]]] = {}
        rows = PresetSecret.objects.filter(user=user).filter(
            Q(preset__owner__isnull=True) | Q(preset__owner=user)
        )
        for secret in rows.select_related("preset"):
            _, values = self.by_preset.setdefault(
                secret.preset_id, (_hosts(secret.preset.trackers), {})
            )
            if secret.value:  # empty: unreadable after a SECRET_KEY change
                values[secret.name] = (secret.value, set(secret.hosts))

    def find(self, url: str, name: str) -> tuple[str | None, str]:
        """The value for `name` in `url`, or None and the reason."""
        host = url_host(url)
        moved = False  # saved for this preset's URLs, before they went to this host
        if self.preset is not None and self.preset.pk in self.by_preset:
            hosts, values = self.by_preset[self.preset.pk]
            if host in hosts and name in values:
                value, saved_for = values[name]
                if host in saved_for:
                    return value, ""
                moved = True
        found = set()
        for hosts, values in self.by_preset.values():
            if host in hosts and name in values:
                value, saved_for = values[name]
                if host in saved_for:
                    found.add(value)
                else:
                    moved = True
        if len(found) == 1:
            return found.pop(), ""
        if found:
            return None, (
                f"Several of your presets hold a different {name} for {host}: "
                "choose the preset to use."
            )
        where = f" for {self.preset.name}" if self.preset is not None else ""
        if moved:
            return None, (
                f"Your {name}{where} was saved for another tracker host than {host}, where "
                f"the preset's URLs now go: save it again on the Presets page to send it there."
            )
        return (
            None,
            f"No {name} saved for {host or url}: save your {name}{where} on the Presets page.",
        )

    def fillable(self, url: str) -> set[str]:
        return {name for name in placeholders(url) if self.find(url, name)[0] is not None}


def _hosts(tiers: list[list[str]]) -> set[str]:
    return {url_host(url) for tier in tiers for url in tier} - {""}


def preset_resolve_trackers(
    *, preset_or_tiers, user, preset: TrackerPreset | None = None
) -> list[list[str]]:
    """Tiers with `{name}` placeholders filled from `user`'s secrets, for a job's engine only.

    Takes a preset or tiers (e.g. a preset's tiers the user edited, with `preset` the one they
    chose: its secrets come first). Raises ServiceError on the field "trackers" naming the
    missing secret. The answer holds secrets in clear: hand it to qBittorrent, never to a log,
    a job record or an API answer.
    """
    if isinstance(preset_or_tiers, TrackerPreset):
        preset, tiers = preset_or_tiers, preset_or_tiers.trackers
    else:
        tiers = preset_or_tiers
    if preset is not None:
        _check_can_use(user, preset)
    book = _SecretBook(user=user, preset=preset)
    resolved = []
    for tier in tiers:
        urls = []
        for url in tier:
            values = {}
            for name in placeholders(url):
                value, reason = book.find(url, name)
                if value is None:
                    raise ServiceError(reason, code="missing_secret", field="trackers")
                values[name] = quote(value, safe="")
            urls.append(fill_placeholders(url.strip(), values))
        if urls:
            resolved.append(urls)
    return resolved


# --- checking trackers and planning pieces ---------------------------------------------------


def tracker_validate(
    *,
    user,
    trackers: list[list[str]] | str | None = None,
    private: bool | None = None,
    web_seeds: list[str] | None = None,
    preset: TrackerPreset | None = None,
) -> TrackerReport:
    """Check trackers as a job would use them: `{passkey}` is fine only where `user` saved one.

    A preset supplies whatever is not given: its trackers, private flag and web seeds.
    """
    require(user, VIEW_PRESETS)
    if preset is not None:
        _check_can_use(user, preset)
    if trackers is None:
        trackers = preset.trackers if preset is not None else []
    tiers = parse_tiers(trackers) if isinstance(trackers, str) else trackers
    if private is None:
        private = preset.private if preset is not None else False
    if web_seeds is None:
        web_seeds = preset.web_seeds if preset is not None else []
    book = _SecretBook(user=user, preset=preset)
    filled = {url: book.fillable(url) for tier in tiers for url in tier if placeholders(url)}
    return validate_tiers(tiers, private=private, web_seeds=web_seeds, filled=filled)


def preset_plan_pieces(
    *,
    viewer,
    total_size: int | None,
    file_sizes: Sequence[int] | None = None,
    file_count: int | None = None,
    format: str | None = None,
    target_pieces: int | None = None,
    preset: TrackerPreset | None = None,
) -> PiecePlan:
    """The piece-size plan for content under a preset's rules (or none): see presets.planner.

    `format` defaults to the preset's; a `target_pieces` number asks for the closest count.
    """
    require(viewer, VIEW_PRESETS)
    if preset is not None:
        _check_can_use(viewer, preset)
    announce = []
    if preset is not None:
        typical = defaultdict(lambda: TYPICAL_SECRET)
        announce = [fill_placeholders(url, typical) for tier in preset.trackers for url in tier]
    try:
        return plan_pieces(
            total_size=total_size,
            format=format or (preset.format if preset is not None else "v1"),
            file_sizes=file_sizes,
            file_count=file_count,
            rules=preset.piece_rules if preset is not None else PieceRules(),
            target_pieces=(target_pieces, target_pieces) if target_pieces else None,
            announce_urls=announce,
        )
    except PlanInputError as exc:
        raise InvalidInput({exc.field: [str(exc)]}) from None
