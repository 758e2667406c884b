"""Byte sizes in words and back: "16 MiB", "250 KiB", "1 MB". Pure: no Django.

Trackers publish piece sizes in binary units (16 MiB) and some .torrent caps in decimal ones
(GGn: 1 MB), so both are read, and each number is written in the unit it is exact in.
"""

import re
from decimal import Decimal, InvalidOperation

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

_BINARY = (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB))
_DECIMAL = (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3))
_UNITS = {
    "": 1,
    "b": 1,
    "byte": 1,
    "bytes": 1,
    **{name.lower(): factor for name, factor in _BINARY},
    **{name[0].lower(): factor for name, factor in _BINARY},  # "16M" as qBittorrent shows it
    **{name.lower(): factor for name, factor in _DECIMAL},
}
_SIZE = re.compile(r"\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*")


def format_size(size_bytes: int) -> str:
    """A size in words: exact binary units first (16 MiB), then exact decimal (1 MB)."""
    if size_bytes < KiB:
        return f"{size_bytes} bytes" if size_bytes != 1 else "1 byte"
    for unit, factor in (*_BINARY, *_DECIMAL):
        if size_bytes >= factor and size_bytes % factor == 0:
            return f"{size_bytes // factor:,} {unit}"
    for unit, factor in _BINARY:
        if size_bytes >= factor:
            return f"{size_bytes / factor:,.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def parse_size(text: str) -> int:
    """Bytes from words: "16 MiB", "16M" (binary), "1 MB" (decimal), "1.5 GiB", "256000"."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise ValueError(f"{text.strip()!r} is not a size: write it like 16 MiB, 250 KiB or 1 MB")
    try:
        number = Decimal(match.group(1).replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a size") from None
    size = number * _UNITS[unit]
    if size != size.to_integral_value():
        raise ValueError(f"{text.strip()!r} is not a whole number of bytes")
    return int(size)
