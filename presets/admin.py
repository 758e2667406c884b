"""Presets in the Django admin: text areas for tiers and lists, sizes in words, checked on save.

Users' secrets are not registered here: the admin shows only how many users saved each one.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count

from presets.models import PresetSecret, TrackerPreset
from presets.planner import PIECE_SIZES, SizeRule, format_size_table, parse_size_table
from presets.services import EDITABLE_FIELDS
from presets.sizes import format_size, parse_size
from presets.trackers import WARNING, format_tiers, parse_lines, parse_tiers

MONOSPACE = {"style": "font-family: monospace; width: 48em;", "spellcheck": "false"}


class TiersField(forms.CharField):
    """Tiers as text: one URL a line, a blank line between tiers."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.Textarea(attrs={"rows": 6, **MONOSPACE}), **kwargs)

    def prepare_value(self, value):
        return format_tiers(value) if isinstance(value, list) else value

    def to_python(self, value):
        return parse_tiers(super().to_python(value))


class LinesField(forms.CharField):
    """A list of strings as text, one a line."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.Textarea(attrs={"rows": 3, **MONOSPACE}), **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return parse_lines(super().to_python(value))


class TagsField(forms.CharField):
    """A list of qBittorrent tags as comma-separated text."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [tag.strip() for tag in super().to_python(value).split(",") if tag.strip()]


class SizeTableField(forms.CharField):
    """The content-size -> piece-size table as text: `4 GiB: 2 MiB`, `*: 8 MiB`."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.Textarea(attrs={"rows": 4, **MONOSPACE}), **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return format_size_table([SizeRule(row["up_to"], row["piece_size"]) for row in value])
        return value

    def to_python(self, value):
        try:
            rows = parse_size_table(super().to_python(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return [{"up_to": row.up_to_bytes, "piece_size": row.piece_size} for row in rows]


class ByteSizeField(forms.CharField):
    """A size in words ("250 KiB", "1 MB") stored as bytes."""

    def prepare_value(self, value):
        return format_size(value) if isinstance(value, int) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_size(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def piece_size_field(help_text: str, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[("", "---------")] + [(size, format_size(size)) for size in PIECE_SIZES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=help_text,
        **kwargs,
    )


class ScopeFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("global", "Global"), ("personal", "Personal")]

    def queryset(self, request, queryset):
        if self.value() in ("global", "personal"):
            return queryset.filter(owner__isnull=self.value() == "global")
        return queryset


class TrackerPresetForm(forms.ModelForm):
    trackers = TiersField(
        required=False,
        label="Tracker URLs",
        help_text="One announce URL a line; a blank line starts the next tier. Write "
        "{passkey} where each user's passkey goes: it is filled in only when a job is made, "
        "and only for the tracker hosts it was saved for (after a change of host, each user "
        "saves theirs again).",
    )
    web_seeds = LinesField(required=False, help_text="One URL a line.")
    tags = TagsField(required=False, help_text="qBittorrent tags, separated by commas.")
    exclude_patterns = LinesField(
        required=False, help_text="One glob pattern a line, e.g. *.nfo (local engine only)."
    )
    piece_size = piece_size_field("Used in fixed mode.", label="Fixed piece size")
    min_piece_size = piece_size_field("The smallest piece size this tracker allows.")
    max_piece_size = piece_size_field("The largest piece size this tracker allows.")
    piece_size_table = SizeTableField(
        required=False,
        label="Content size -> piece size",
        help_text="One rule a line, smallest content first: '4 GiB: 2 MiB' means content up to "
        "4 GiB gets 2 MiB pieces; '*: 8 MiB' covers any larger content.",
    )
    max_torrent_size = ByteSizeField(
        required=False,
        label="Maximum .torrent size",
        help_text="Like 250 KiB or 1 MB (1,000,000 bytes). Empty: no limit.",
    )

    class Meta:
        model = TrackerPreset
        fields = ("owner", *EDITABLE_FIELDS)


@admin.register(TrackerPreset)
class TrackerPresetAdmin(admin.ModelAdmin):
    form = TrackerPresetForm
    list_display = (
        "name",
        "scope",
        "private",
        "source",
        "format",
        "largest_piece",
        "torrent_cap",
        "secrets_count",
    )
    list_filter = (ScopeFilter, "private", "format")
    search_fields = ("name", "description", "source")
    readonly_fields = ("secrets_saved", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "owner")}),
        ("Trackers", {"fields": ("trackers", "private", "source", "comment", "web_seeds")}),
        (
            "Pieces",
            {
                "fields": (
                    "format",
                    "piece_size_mode",
                    "piece_size",
                    ("min_piece_size", "max_piece_size"),
                    ("target_pieces_min", "target_pieces_max"),
                    "piece_size_table",
                    "max_torrent_size",
                )
            },
        ),
        ("Seeding in qBittorrent", {"fields": ("start_seeding", "category", "tags")}),
        (
            "Cross-seeding",
            {
                "fields": (
                    "omit_creation_date",
                    "omit_created_by",
                    "randomize_info_hash",
                    "exclude_patterns",
                )
            },
        ),
        ("Secrets and history", {"fields": ("secrets_saved", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")

    @admin.display(description="Scope", ordering="owner")
    def scope(self, preset: TrackerPreset) -> str:
        return "Global" if preset.is_global else f"Personal ({preset.owner})"

    @admin.display(description="Max piece", ordering="max_piece_size")
    def largest_piece(self, preset: TrackerPreset) -> str:
        return format_size(preset.max_piece_size) if preset.max_piece_size else "-"

    @admin.display(description="Max .torrent", ordering="max_torrent_size")
    def torrent_cap(self, preset: TrackerPreset) -> str:
        return format_size(preset.max_torrent_size) if preset.max_torrent_size else "-"

    @admin.display(description="Secrets saved")
    def secrets_saved(self, preset: TrackerPreset) -> str:
        """How many users saved each secret; never the values."""
        counts = _secret_counts(preset)
        if not counts:
            return "No secrets needed."
        return "; ".join(f"{name}: saved by {_users(n)}" for name, n in counts.items())

    @admin.display(description="Secrets")
    def secrets_count(self, preset: TrackerPreset) -> str:
        counts = _secret_counts(preset)
        return "; ".join(f"{name}: {_users(n)}" for name, n in counts.items()) or "-"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in obj.tracker_report.problems(WARNING):
            self.message_user(request, warning, messages.WARNING)


def _secret_counts(preset: TrackerPreset) -> dict[str, int]:
    """By secret name, how many users saved one for this preset."""
    if preset.pk is None:
        return {}
    saved = dict(
        PresetSecret.objects.filter(preset=preset)
        .values_list("name")
        .annotate(users=Count("user", distinct=True))
    )
    return {name: saved.get(name, 0) for name in sorted(set(preset.secret_names) | set(saved))}


def _users(count: int) -> str:
    return f"{count} user{'s' if count != 1 else ''}"
