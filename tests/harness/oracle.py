"""libtorrent as the test oracle: it makes reference torrents and reads ours back."""

import warnings
from pathlib import Path

import libtorrent as lt

FLAGS = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}


def make_torrent(
    source: Path,
    *,
    piece_size: int = 16384,
    format: str = "v1",
    trackers: list[list[str]] | None = None,
    private: bool = False,
    comment: str = "",
    web_seeds: list[str] | None = None,
) -> bytes:
    """A .torrent of `source` (file or folder) made by libtorrent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = lt.file_storage()
        lt.add_files(storage, str(source))
        creator = lt.create_torrent(storage, piece_size, FLAGS[format])
    for tier, urls in enumerate(trackers or []):
        for url in urls:
            creator.add_tracker(url, tier)
    for url in web_seeds or []:
        creator.add_url_seed(url)
    creator.set_priv(private)
    creator.set_creator("libtorrent (test oracle)")
    if comment:
        creator.set_comment(comment)
    lt.set_piece_hashes(creator, str(source.parent))
    return lt.bencode(creator.generate())


def torrent_info(data: bytes) -> lt.torrent_info:
    return lt.torrent_info(lt.bdecode(data))


def tiers(info: lt.torrent_info) -> list[list[str]]:
    """Tracker URLs grouped by tier, in order."""
    grouped: dict[int, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        entries = list(info.trackers())
    for entry in entries:
        grouped.setdefault(entry.tier, []).append(entry.url)
    return [grouped[tier] for tier in sorted(grouped)]


def hashes(info: lt.torrent_info) -> tuple[str | None, str | None]:
    """(v1 hex, v2 hex) as libtorrent computes them; None where the format has none."""
    both = info.info_hashes()
    v1 = str(both.v1) if both.has_v1() else None
    v2 = str(both.v2) if both.has_v2() else None
    return v1, v2


def files_of(info: lt.torrent_info) -> list[tuple[str, int]]:
    """(path, size) of each content file, pad files left out, sorted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = info.files()
    return sorted(
        (storage.file_path(i), storage.file_size(i))
        for i in range(storage.num_files())
        if not storage.file_flags(i) & lt.file_storage.flag_pad_file
    )
