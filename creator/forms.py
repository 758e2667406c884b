"""The creator form (its values in, a JobRequest out) and the history page's filters."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from browser.instances import instances_for
from browser.models import Instance
from config.errors import ServiceError
from creator.defaults import DEFAULT_VALUES, TARGET_PIECES_RANGE
from creator.jobs import PRESET_FIELDS, JobRequest
from creator.models import Job, JobState
from creator.offer import CreatorOffer
from presets.models import TrackerPreset
from presets.planner import PIECE_SIZES, is_piece_size
from presets.services import preset_list
from presets.sizes import format_size
from presets.trackers import format_tiers, parse_lines

FORMAT_LABELS = {"v1": "v1", "v2": "v2", "hybrid": "Hybrid (v1 and v2)"}

# job_submit's fields (camelCase, as its errors name them) -> the form's fields. An error on a
# field the form lacks is shown at the top of the page.
ERROR_FIELDS = {
    "path": "path",
    "instance": "path",
    "trackers": "trackers",
    "webSeeds": "web_seeds",
    "pieceSize": "piece_size",
    "format": "format",
    "optimizeAlignment": "optimize_alignment",
    "paddedFileSizeLimit": "padded_file_size_limit",
    "engine": "engine",
    "name": "name",
    "presetId": "preset",
    "source": "source",
    "comment": "comment",
    "category": "category",
    "tags": "tags",
}


class CreateForm(forms.Form):
    """The creator form. Every option is posted explicitly, so a preset only adds its rules and
    its record to the job; the values shown are the values used.

    Bound to POST data it validates a submission; bound to the query of an HTMX request it reads
    the page's current values (`values()`), leaving out what does not parse.
    """

    path = forms.CharField(
        label="Path",
        max_length=4096,
        help_text="Pick a folder or a file on the left, or type its path as qBittorrent sees it.",
        error_messages={"required": "Choose a folder or a file with the picker, or type its path."},
        # The source card sits outside the <form> element, beside the picker.
        widget=forms.TextInput(
            attrs={"form": "create-form", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    instance = forms.IntegerField(
        required=False, widget=forms.HiddenInput(attrs={"form": "create-form"})
    )
    preset = forms.TypedChoiceField(
        label="Tracker preset",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Fills in the tracker's settings; every field stays editable.",
    )
    private = forms.BooleanField(
        label="Private torrent",
        required=False,
        help_text="No DHT and no peer exchange: peers come from the trackers alone (BEP 27).",
    )
    trackers = forms.CharField(
        label="Tracker URLs",
        required=False,
        help_text="One URL a line; a blank line starts the next tier. Write {passkey} where "
        "your passkey goes: it is filled from the one you saved on the Presets page.",
    )
    web_seeds = forms.CharField(
        label="Web seed URLs",
        required=False,
        help_text="One HTTP or HTTPS URL a line, serving the same files (BEP 19).",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source = forms.CharField(
        label="Source tag",
        required=False,
        max_length=200,
        help_text="The source tag some private trackers require, e.g. PTP; it changes the "
        "info hash.",
    )
    format = forms.ChoiceField(label="Format", widget=forms.RadioSelect)
    engine = forms.ChoiceField(
        label="Made by",
        choices=[
            ("auto", "qBittorrent's creator, else this server"),
            ("qbittorrent", "qBittorrent's creator"),
            ("local", "This server (the content through the path mapping)"),
        ],
        initial="auto",
        required=False,
        help_text="This server can also name the torrent and leave out the preset's excluded "
        "files; qBittorrent 4.x and an unreachable qBittorrent need it.",
    )
    name = forms.CharField(
        label="Torrent name",
        required=False,
        max_length=255,
        help_text="Empty: the folder's or file's name. Another name needs this server's engine.",
    )
    piece_size = forms.TypedChoiceField(
        label="Piece size",
        coerce=int,
        choices=[(0, "Auto"), *((size, format_size(size)) for size in PIECE_SIZES)],
        help_text="Auto: the size whose piece count comes closest to the target.",
    )
    # The plan partial's choice for Auto, as the user saw it; absent when the size is unknown.
    planned_piece_size = forms.IntegerField(required=False, widget=forms.HiddenInput)
    target_pieces = forms.IntegerField(
        label="Target piece count",
        required=False,  # a disabled slider (a manual piece size) is not posted
        min_value=TARGET_PIECES_RANGE[0],
        max_value=TARGET_PIECES_RANGE[1],
    )
    start_seeding = forms.BooleanField(
        label="Start seeding at once",
        required=False,
        help_text="Adds the torrent to qBittorrent as complete: no recheck.",
    )
    category = forms.CharField(
        label="Category",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "qbittorrent-categories", "autocomplete": "off"}),
    )
    tags = forms.CharField(
        label="Tags", required=False, max_length=1000, help_text="Separated by commas."
    )
    optimize_alignment = forms.BooleanField(
        label="Optimize alignment",
        required=False,
        help_text="Pads files so that each starts at a piece boundary (libtorrent 1.2).",
    )
    padded_file_size_limit = forms.IntegerField(
        label="Align only files larger than (KiB)",
        required=False,
        min_value=-1,
        help_text="-1: align every file.",
    )
    omit_creation_date = forms.BooleanField(
        label="Leave out the creation date",
        required=False,
        help_text="The .torrent does not tell when it was made.",
    )
    omit_created_by = forms.BooleanField(
        label="Leave out \u201ccreated by\u201d",
        required=False,
        help_text="The .torrent does not name the program that made it.",
    )
    randomize_info_hash = forms.BooleanField(
        label="Randomise the info hash",
        required=False,
        help_text="Adds a random key to the info dictionary, so the info hash is new even "
        "for content already on another tracker (cross-seeding).",
    )

    def __init__(self, data=None, *, offer: CreatorOffer, presets: list[TrackerPreset], **kwargs):
        super().__init__(data, **kwargs)
        self.offer = offer
        self.presets = presets
        self.fields["preset"].choices = [("", "No preset"), *((p.pk, p.name) for p in presets)]
        self.fields["format"].choices = [(f, FORMAT_LABELS[f]) for f in offer.formats]
        if not offer.alignment_options:
            del self.fields["optimize_alignment"]
            del self.fields["padded_file_size_limit"]

    def clean_planned_piece_size(self):
        size = self.cleaned_data["planned_piece_size"]
        return size if size is not None and is_piece_size(size) else None

    def values(self) -> dict:
        """The form's values in DEFAULT_VALUES' shape: what parsed, the text as typed for text
        that did not, the defaults for the rest."""
        self.is_valid()
        values = {}
        for name, default in DEFAULT_VALUES.items():
            if name in self.cleaned_data and self.cleaned_data[name] is not None:
                values[name] = self.cleaned_data[name]
            elif isinstance(default, str) and name in self.data:
                values[name] = self.data[name]
            else:
                values[name] = default
        values["path"] = self.cleaned_data.get("path") or self.data.get("path", "")
        values["planned_piece_size"] = self.cleaned_data.get("planned_piece_size")
        return values

    def job_request(self) -> JobRequest:
        """The submission as job_submit takes it; call after is_valid()."""
        data = self.cleaned_data
        piece_size = data["piece_size"] or data["planned_piece_size"] or None
        alignment = "optimize_alignment" in self.fields
        padded_kib = data.get("padded_file_size_limit")
        padded = None
        if alignment and data["optimize_alignment"] and padded_kib is not None:
            padded = -1 if padded_kib < 0 else padded_kib * 1024  # qBittorrent takes bytes
        return JobRequest(
            path=data["path"].strip(),
            instance_id=data["instance"],
            preset_id=data["preset"],
            trackers=data["trackers"],
            private=data["private"],
            source=data["source"].strip(),
            comment=data["comment"].strip(),
            web_seeds=parse_lines(data["web_seeds"]),
            format=data["format"],
            piece_size=piece_size,
            piece_size_planned=not data["piece_size"] and piece_size is not None,
            optimize_alignment=data["optimize_alignment"] if alignment else None,
            padded_file_size_limit=padded,
            start_seeding=data["start_seeding"],
            category=data["category"].strip(),
            tags=tags_of(data["tags"]),
            omit_creation_date=data["omit_creation_date"],
            omit_created_by=data["omit_created_by"],
            randomize_info_hash=data["randomize_info_hash"],
            engine=data.get("engine") or "auto",
            name=(data.get("name") or "").strip() or None,
        )

    def add_service_error(self, error: ServiceError) -> None:
        """Shows a refusal from job_submit (and those gathered with it) beside its field, or
        at the top without one."""
        kept = dict(self.cleaned_data)
        for refusal in (error, *error.more):
            field = ERROR_FIELDS.get(refusal.field or "")
            self.add_error(field if field in self.fields else None, refusal.message)
        self.cleaned_data = kept  # add_error drops the value: the page shows it with its message


def tags_of(text: str) -> list[str]:
    """qBittorrent tags from text: separated by commas, as qBittorrent writes them."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


# What choosing a preset sets in the form: its options (but its format, kept when the host
# cannot make it), its trackers and its piece size rules.
PRESET_FORM_FIELDS = (
    *(name for name in PRESET_FIELDS if name != "format"),
    "trackers",
    "piece_size",
    "target_pieces",
)


def preset_values(preset: TrackerPreset, *, offer: CreatorOffer) -> dict:
    """The form values a preset sets: every option it holds; a fixed piece size, else Auto aimed
    at the middle of its target piece count (within the slider's range)."""
    low, high = TARGET_PIECES_RANGE
    target = (preset.target_pieces_min + preset.target_pieces_max) // 2
    values = {
        "preset": preset.pk,
        "trackers": format_tiers(preset.trackers),
        "web_seeds": "\n".join(preset.web_seeds),
        "comment": preset.comment,
        "source": preset.source,
        "private": preset.private,
        "piece_size": preset.piece_rules.fixed_size or 0,
        "target_pieces": min(max(round(target, -1), low), high),
        "start_seeding": preset.start_seeding,
        "category": preset.category,
        "tags": ", ".join(preset.tags),
        "omit_creation_date": preset.omit_creation_date,
        "omit_created_by": preset.omit_created_by,
        "randomize_info_hash": preset.randomize_info_hash,
    }
    if preset.format in offer.formats:  # else the form keeps its format; the note says why
        values["format"] = preset.format
    return values


class JobFilterForm(forms.Form):
    """Filters, search and sort order of the history page; every field may be left empty.

    A value that does not parse (a deleted preset, a mistyped date) shows an error beside its
    field and filters nothing, so an old shared link still opens.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Name, path or info hash"}),
    )
    state = forms.ChoiceField(label="State", required=False)
    preset = forms.TypedChoiceField(label="Preset", required=False, coerce=int, empty_value=None)
    instance = forms.TypedChoiceField(
        label="qBittorrent", required=False, coerce=int, empty_value=None
    )
    user = forms.TypedChoiceField(label="User", required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Created to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ordering = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, viewer):
        super().__init__(data)
        self.fields["state"].choices = [("", "Any state"), *JobState.choices]
        self.fields["preset"].choices = [
            ("", "Any preset"),
            *((p.pk, p.name) for p in preset_list(viewer=viewer)),
        ]
        # others' instances (restricted or disabled ones included) are not a user's to know
        instances = Instance.objects.all()
        if not viewer.is_staff:
            instances = instances.filter(
                Q(pk__in=Job.objects.filter(owner=viewer).values("instance_id"))
                | Q(pk__in=instances_for(viewer).values("pk"))
            )
        self.fields["instance"].choices = [
            ("", "Any instance"),
            *instances.order_by("name").values_list("pk", "name"),
        ]
        if viewer.is_staff:
            users = get_user_model().objects.order_by("username").values_list("pk", "username")
            self.fields["user"].choices = [("", "Everyone"), *users]
        else:
            del self.fields["user"]  # job_list shows a user only their own jobs anyway

    def clean(self):
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and since > until:
            # said, not answered with an empty list that looks like no jobs were made
            self.add_error("until", "This day is before the 'from' day: no job can fall between.")
        return self.cleaned_data

    def job_list_arguments(self) -> dict:
        """The valid filters as job_list's keyword arguments (invalid ones left out)."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that parsed
        since, until = data.get("since"), data.get("until")
        return {
            "search": data.get("q") or "",
            "state": data.get("state") or None,
            "preset_id": data.get("preset"),
            "instance_id": data.get("instance"),
            "owner_id": data.get("user"),
            "since": _start_of(since) if since else None,
            # "to" a day includes that day: job_list's `until` is exclusive (and the last day
            # a date holds has no day after it: no upper bound then).
            "until": _start_of(until + timedelta(days=1)) if until and until < date.max else None,
            "ordering": data.get("ordering") or "-created_at",
        }


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
