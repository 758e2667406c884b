"""Where a torrent's settings depart from its preset, in words. Pure: no Django.

The creator form fills itself from a preset and leaves every field editable; these sentences tell
the user which edits break the tracker's rules (a public torrent for a private tracker, another
source tag, a piece size outside the limits) or simply differ from the preset (tracker order).
"""

from collections.abc import Sequence
from typing import Protocol

from presets import planner
from presets.sizes import format_size
from presets.trackers import tidy_tiers


class PresetLike(Protocol):
    name: str
    private: bool
    source: str
    format: str
    trackers: list[list[str]]

    @property
    def piece_rules(self) -> planner.PieceRules: ...


def preset_departures(
    preset: PresetLike,
    *,
    private: bool,
    source: str,
    tiers: Sequence[Sequence[str]],
    format: str,
    piece_size: int,
) -> list[str]:
    """One sentence for each setting that differs from `preset` (piece_size 0: automatic)."""
    name = preset.name
    words = []
    if preset.private and not private:
        words.append(f"Private is off: {name} takes private torrents only.")
    elif private and not preset.private:
        words.append(f"Private is on: {name} makes public torrents.")
    if source.strip() != preset.source:
        wanted = f'the source tag "{preset.source}"' if preset.source else "no source tag"
        given = f'"{source.strip()}"' if source.strip() else "empty"
        words.append(f"The source tag is {given}: {name} sets {wanted}.")
    words += _tracker_departures(name, tidy_tiers(preset.trackers), tidy_tiers(tiers))
    if format != preset.format:
        words.append(f"The format is {format}: {name} asks for {preset.format}.")
    if piece_size:
        breaches = planner.piece_size_breaches(piece_size, preset.piece_rules)
        if breaches:
            words.append(f"A piece size of {format_size(piece_size)} is {'; '.join(breaches)}.")
    return words


def _tracker_departures(name: str, wanted: list[list[str]], given: list[list[str]]) -> list[str]:
    wanted_urls = [url for tier in wanted for url in tier]
    given_urls = [url for tier in given for url in tier]
    missing = [url for url in wanted_urls if url not in given_urls]
    added = [url for url in given_urls if url not in wanted_urls]
    words = []
    if missing:
        words.append(f"The trackers leave out {name}'s {_urls(missing)}.")
    if added:
        words.append(f"{name} does not announce to {_urls(added)}.")
    if not missing and not added and given != wanted:
        words.append(f"The trackers are in another order or other tiers than {name}'s.")
    return words


def _urls(urls: list[str]) -> str:
    if len(urls) > 3:
        return f"{', '.join(urls[:3])} and {len(urls) - 3} more"
    return " and ".join(urls) if len(urls) < 3 else f"{urls[0]}, {urls[1]} and {urls[2]}"
