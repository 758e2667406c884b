"""The creator form's starting values: each user's last submitted ones, else the app's defaults."""

from creator.models import CreatorDefaults
from presets import planner

# The ends of the form's target piece-count slider, and where it starts.
TARGET_PIECES_RANGE = planner.DEFAULT_TARGET_PIECES  # 1,500 .. 4,000
DEFAULT_TARGET_PIECES = sum(TARGET_PIECES_RANGE) // 2

# Every value the form remembers, with the value a new user starts from. The source path is not
# among them: the picker remembers the last folder itself.
DEFAULT_VALUES = {
    "instance": None,
    "preset": None,
    "trackers": "",  # as typed: one URL a line, a blank line between tiers, `{passkey}` unfilled
    "web_seeds": "",
    "comment": "",
    "source": "",
    "private": False,
    "format": "v1",
    "piece_size": 0,  # 0: Auto (the planner's choice for the target piece count)
    "target_pieces": DEFAULT_TARGET_PIECES,
    "start_seeding": True,
    "category": "",
    "tags": "",
    "optimize_alignment": False,
    "padded_file_size_limit": -1,  # KiB; -1: no limit
    "omit_creation_date": False,
    "omit_created_by": False,
    "randomize_info_hash": False,
    "engine": "auto",
}


def creator_defaults_get(*, user) -> dict:
    """The values `user` last created a torrent with, over the defaults for anything missing."""
    saved = CreatorDefaults.objects.filter(user=user).values_list("values", flat=True).first()
    known = {name: value for name, value in (saved or {}).items() if name in DEFAULT_VALUES}
    return {**DEFAULT_VALUES, **known}


def creator_defaults_save(*, user, values: dict) -> None:
    """Remember the form's values for `user`'s next torrent (only the names in DEFAULT_VALUES)."""
    known = {name: values[name] for name in DEFAULT_VALUES if name in values}
    CreatorDefaults.objects.update_or_create(user=user, defaults={"values": known})
