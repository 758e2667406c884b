from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from accounts.encryption import EncryptedTextField
from config.texts import torrent_text_problem
from presets import planner
from presets.trackers import INVALID, TrackerReport, tiers_placeholders, validate_tiers


class TrackerPreset(models.Model):
    """A tracker's rules for new torrents: where to announce, flags, and piece-size limits.

    Global when `owner` is empty (edited by admins), else the personal preset of that user.
    Tracker URLs are templates: `{passkey}` and the like are filled from each user's
    PresetSecret only when a job is made.
    """

    class Format(models.TextChoices):
        V1 = "v1", "v1"
        V2 = "v2", "v2"
        HYBRID = "hybrid", "Hybrid (v1 and v2)"

    class PieceSizeMode(models.TextChoices):
        AUTO = "auto", "Automatic, within the rules"
        FIXED = "fixed", "Fixed"

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="presets",
        help_text="Empty for a global preset; a user for that user's personal preset.",
    )
    trackers = models.JSONField(
        default=list, blank=True, help_text="Tiers of announce URLs: a list of lists of strings."
    )
    private = models.BooleanField(
        default=False, help_text="Set the private flag (BEP 27): no DHT or peer exchange."
    )
    source = models.CharField(
        max_length=100, blank=True, help_text='The "source" tag some trackers require.'
    )
    comment = models.TextField(blank=True)
    format = models.CharField(max_length=6, choices=Format, default=Format.V1)
    web_seeds = models.JSONField(default=list, blank=True, help_text="Web seed URLs.")
    start_seeding = models.BooleanField(
        default=True, help_text="Add the new torrent to qBittorrent and seed it at once."
    )
    category = models.CharField(max_length=200, blank=True, help_text="qBittorrent category.")
    tags = models.JSONField(default=list, blank=True, help_text="qBittorrent tags.")

    piece_size_mode = models.CharField(
        max_length=5, choices=PieceSizeMode, default=PieceSizeMode.AUTO
    )
    piece_size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Bytes; the piece size in fixed mode."
    )
    min_piece_size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    max_piece_size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    target_pieces_min = models.PositiveIntegerField(default=planner.DEFAULT_TARGET_PIECES[0])
    target_pieces_max = models.PositiveIntegerField(default=planner.DEFAULT_TARGET_PIECES[1])
    piece_size_table = models.JSONField(
        default=list,
        blank=True,
        help_text='Content size -> piece size: [{"up_to": bytes or null, "piece_size": bytes}].',
    )
    max_torrent_size = models.PositiveIntegerField(
        null=True,
        blank=True,
        # the same bound on every database (SQLite would take 2**63): the API's
        validators=[MaxValueValidator(2**31 - 1)],
        help_text="Bytes; the largest .torrent file the tracker accepts.",
    )

    # (named as the creator form names them)
    omit_creation_date = models.BooleanField("leave out the creation date", default=False)
    omit_created_by = models.BooleanField("leave out \u201ccreated by\u201d", default=False)
    randomize_info_hash = models.BooleanField(
        "randomise the info hash",
        default=False,
        help_text="Add a random entropy key to the info dictionary, so the info hash is new "
        "even for content already on another tracker (cross-seeding).",
    )
    exclude_patterns = models.JSONField(
        default=list, blank=True, help_text="Glob patterns of files to leave out (local engine)."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(owner__isnull=True),
                name="presets_global_name_unique",
                violation_error_message="A global preset with this name already exists.",
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="presets_personal_name_unique",
                violation_error_message="You already have a preset with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name if self.owner_id is None else f"{self.name} ({self.owner})"

    @property
    def is_global(self) -> bool:
        return self.owner_id is None

    @property
    def piece_rules(self) -> planner.PieceRules:
        return planner.PieceRules(
            piece_size_mode=self.piece_size_mode,
            piece_size=self.piece_size,
            min_piece_size=self.min_piece_size,
            max_piece_size=self.max_piece_size,
            target_pieces_min=self.target_pieces_min,
            target_pieces_max=self.target_pieces_max,
            piece_size_table=tuple(
                planner.SizeRule(row["up_to"], row["piece_size"]) for row in self.piece_size_table
            ),
            max_torrent_size=self.max_torrent_size,
        )

    @property
    def secret_names(self) -> list[str]:
        """The placeholders its tracker URLs hold: the secrets each user must save."""
        return tiers_placeholders(self.trackers)

    @property
    def tracker_report(self) -> TrackerReport:
        return validate_tiers(self.trackers, private=self.private, web_seeds=self.web_seeds)

    @property
    def rules_in_words(self) -> list[str]:
        """What a torrent made with this preset gets, one sentence each."""
        tiers = [tier for tier in self.trackers if tier]
        urls = sum(len(tier) for tier in tiers)
        words = [
            "Private: no DHT or peer exchange."
            if self.private
            else "Public: DHT and peer exchange allowed.",
            f"Announces to {urls} tracker{'s' if urls != 1 else ''} in {len(tiers)} "
            f"tier{'s' if len(tiers) != 1 else ''}."
            if tiers
            else "No trackers.",
        ]
        if self.source:
            words.append(f'Source tag "{self.source}".')
        words.append(f"Format {self.get_format_display()}.")
        words += planner.describe_rules(self.piece_rules)
        if self.web_seeds:
            words.append(
                f"{len(self.web_seeds)} web seed{'s' if len(self.web_seeds) != 1 else ''}."
            )
        if self.start_seeding:
            where = [f'category "{self.category}"'] if self.category else []
            where += [f"tags {', '.join(self.tags)}"] if self.tags else []
            words.append(
                "Seeds in qBittorrent at once" + (f" ({'; '.join(where)})." if where else ".")
            )
        options = {
            "no creation date": self.omit_creation_date,
            'no "created by"': self.omit_created_by,
            "a random info hash (entropy key)": self.randomize_info_hash,
        }
        chosen = [text for text, on in options.items() if on]
        if chosen:
            words.append(f"Cross-seeding: {', '.join(chosen)}.")
        if self.exclude_patterns:
            words.append(f"Leaves out files matching {', '.join(self.exclude_patterns)}.")
        return words

    def clean(self) -> None:
        errors = _shape_errors(self)
        if not errors:
            errors.update(planner.rules_problems(self.piece_rules))
            report = self.tracker_report
            tracker_problems = [c.sentence for c in report.trackers if c.level == INVALID]
            tracker_problems += [m.message for m in report.messages if m.level == INVALID]
            seed_problems = [c.sentence for c in report.web_seeds if c.level == INVALID]
            if tracker_problems:
                errors["trackers"] = tracker_problems
            if seed_problems:
                errors["web_seeds"] = seed_problems
            if any("," in tag for tag in self.tags):
                errors["tags"] = TAG_COMMA
            for name in ("source", "comment", "category"):
                problem = torrent_text_problem(name, getattr(self, name))
                if problem:
                    errors[name] = problem
        if errors:
            raise ValidationError(errors)


# qBittorrent takes a torrent's tags as one comma-separated text: "a,b" would be two tags.
TAG_COMMA = "A tag cannot contain a comma: qBittorrent separates tags with commas."


def _shape_errors(preset: TrackerPreset) -> dict:
    """The JSON columns hold what their code expects (the API and imports can send anything)."""
    errors = {}
    if not _is_list_of(preset.trackers, lambda tier: _is_list_of(tier, _is_str)):
        errors["trackers"] = "Tiers must be a list of lists of URLs."
    for name in ("web_seeds", "tags", "exclude_patterns"):
        if not _is_list_of(getattr(preset, name), _is_str):
            errors[name] = "This must be a list of strings."
    if not _is_list_of(preset.piece_size_table, _is_table_row):
        errors["piece_size_table"] = 'Each row needs "up_to" (bytes or null) and "piece_size".'
    return errors


def _is_str(value) -> bool:
    return isinstance(value, str)


def _is_list_of(value, check) -> bool:
    return isinstance(value, list) and all(check(item) for item in value)


def _is_table_row(row) -> bool:
    def whole(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62

    return (
        isinstance(row, dict)
        and set(row) == {"up_to", "piece_size"}
        and (row["up_to"] is None or whole(row["up_to"]))
        and whole(row["piece_size"])
    )


class PresetSecret(models.Model):
    """One user's secret for one preset, by placeholder name (e.g. "passkey"), encrypted at rest.

    Read only to fill tracker URLs when a job is made; never shown, exported or logged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preset_secrets"
    )
    preset = models.ForeignKey(TrackerPreset, on_delete=models.CASCADE, related_name="secrets")
    name = models.CharField(max_length=32)
    value = EncryptedTextField()
    # The hosts of the preset's tracker URLs taking it when it was saved: it goes to no other,
    # so a preset pointed at another host (by its editor) does not carry users' passkeys there.
    hosts = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "preset", "name"], name="presets_secret_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.user} for {self.preset}"

    def __repr__(self) -> str:
        return f"<PresetSecret {self.name} of user {self.user_id} for preset {self.preset_id}>"
