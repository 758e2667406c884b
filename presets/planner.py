"""The piece-size planner: which piece size suits some content under a preset's rules. Pure.

Candidates are the powers of two from 16 KiB to 128 MiB: BEP 52 requires v2 (and so hybrid)
pieces to be powers of two of at least 16 KiB, and qBittorrent offers nothing larger than 128 MiB.

How the numbers are counted:
- v1: pieces run across file boundaries, so the count is ceil(total / piece size) and only the
  last piece has slack (unused space).
- v2 and hybrid: every file starts on a piece boundary (BEP 52), so the count is the sum over
  files of ceil(file / piece size); empty files take no piece. Each file's last piece has slack.
  Hybrid torrents fill that slack in their v1 part with pad files (BEP 47) after every file but
  the last: those bytes are `padding_bytes`. Pure v2 has no pad files; the cost of its alignment
  is the extra pieces (and piece hashes) counted above.
- The .torrent size is an estimate: 20 bytes a v1 piece, per-file entries (path bytes plus about
  40 bytes in v1, 80 in v2's file tree), 32 bytes a piece in v2's piece layers for each file
  larger than one piece, pad-file entries for hybrid, plus the announce URLs.
- The efficiency score is the share, in percent, of what peers handle (the piece space, slack
  included, plus the .torrent) that is content: 100 is perfect, slack and metadata lower it.

The recommendation: among the candidates that break none of the preset's rules (fixed size,
minimum, maximum, content-size table, .torrent cap), the smallest whose piece count falls in the
target range (as qBittorrent and mkbrr prefer), else the one closest to the range. When no
candidate keeps every rule, the one breaking the fewest, named in the plan. When the content's
size is unknown, the plan says so and recommends 0: qBittorrent's automatic choice.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from presets.sizes import KiB, MiB, format_size, parse_size

MIN_PIECE_SIZE = 16 * KiB
MAX_PIECE_SIZE = 128 * MiB
PIECE_SIZES = tuple(1 << exponent for exponent in range(14, 28))  # 16 KiB .. 128 MiB
AUTOMATIC = 0  # qBittorrent's pieceSize=0: let libtorrent choose
FORMATS = ("v1", "v2", "hybrid")
DEFAULT_TARGET_PIECES = (1500, 4000)
MAX_TARGET_PIECES = 10_000_000

# Estimation constants for the bencoded .torrent, in bytes (see the module docstring).
TORRENT_BASE_BYTES = 200  # keys, name, creation date, created by, source, private flag
V1_PIECE_HASH_BYTES = 20
V2_PIECE_HASH_BYTES = 32
V1_FILE_ENTRY_BYTES = 40
V2_FILE_ENTRY_BYTES = 80
PAD_FILE_ENTRY_BYTES = 60
DEFAULT_PATH_BYTES = 50


class PlanInputError(ValueError):
    """Input the planner cannot work with; `field` names the argument at fault."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SizeRule:
    """One row of a content-size table: content up to `up_to_bytes` (None: any larger content)
    takes pieces of `piece_size`."""

    up_to_bytes: int | None
    piece_size: int


@dataclass(frozen=True)
class PieceRules:
    """A preset's piece-size rules. Sizes in bytes; None means no such rule."""

    piece_size_mode: str = "auto"  # "auto" or "fixed"
    piece_size: int | None = None  # the fixed size, in "fixed" mode
    min_piece_size: int | None = None
    max_piece_size: int | None = None
    target_pieces_min: int = DEFAULT_TARGET_PIECES[0]
    target_pieces_max: int = DEFAULT_TARGET_PIECES[1]
    piece_size_table: tuple[SizeRule, ...] = ()
    max_torrent_size: int | None = None

    @property
    def fixed_size(self) -> int | None:
        return self.piece_size if self.piece_size_mode == "fixed" else None


@dataclass(frozen=True)
class Candidate:
    """One row of the plan's table: what a piece size would give."""

    piece_size: int
    piece_count: int
    last_piece_slack_bytes: int
    padding_bytes: int
    torrent_size_bytes: int
    efficiency: float
    in_target: bool
    breaches: tuple[str, ...]
    recommended: bool = False


@dataclass(frozen=True)
class PiecePlan:
    """The recommendation (piece_size 0 = automatic), why, and every candidate."""

    total_size: int | None
    format: str
    piece_size: int
    piece_count: int | None
    reason: str
    target_pieces: tuple[int, int]
    breaches: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def size_known(self) -> bool:
        return self.total_size is not None

    @property
    def automatic(self) -> bool:
        return self.piece_size == AUTOMATIC


def is_piece_size(size: int) -> bool:
    """A power of two from 16 KiB to 128 MiB: a size every format and qBittorrent accept."""
    return size in PIECE_SIZES


def table_piece_size(table: Sequence[SizeRule], total_size: int) -> SizeRule | None:
    """The table row that applies to content of `total_size` bytes, if any."""
    for row in table:
        if row.up_to_bytes is None or total_size <= row.up_to_bytes:
            return row
    return None


def parse_size_table(text: str) -> tuple[SizeRule, ...]:
    """Rows from text, one a line: `<content size>: <piece size>`, `*` for any larger content.

    For example "4 GiB: 2 MiB" then "*: 8 MiB". ValueError names the line at fault.
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        up_to, colon, piece = line.partition(":")
        if not colon:
            raise ValueError(f"Line {number}: write it as <content size>: <piece size>.")
        try:
            rows.append(
                SizeRule(None if up_to.strip() == "*" else parse_size(up_to), parse_size(piece))
            )
        except ValueError as exc:
            raise ValueError(f"Line {number}: {exc}.") from None
    return tuple(rows)


def format_size_table(table: Sequence[SizeRule]) -> str:
    """The text form of a table, the inverse of parse_size_table."""
    return "\n".join(
        f"{'*' if row.up_to_bytes is None else format_size(row.up_to_bytes)}: "
        f"{format_size(row.piece_size)}"
        for row in table
    )


def rules_problems(rules: PieceRules) -> dict[str, str]:
    """What is wrong with a set of rules, by rule name (the PieceRules attribute)."""
    problems: dict[str, str] = {}
    sizes = ", ".join(format_size(s) for s in (PIECE_SIZES[0], PIECE_SIZES[-1]))
    power = f"must be a power of two between {sizes.replace(', ', ' and ')}"
    for name in ("piece_size", "min_piece_size", "max_piece_size"):
        value = getattr(rules, name)
        if value is not None and not is_piece_size(value):
            problems[name] = f"{format_size(value)} is not a piece size: it {power}."
    if rules.piece_size_mode not in ("auto", "fixed"):
        problems["piece_size_mode"] = "Choose auto or fixed."
    if rules.piece_size_mode == "fixed" and rules.piece_size is None:
        problems["piece_size"] = "A fixed piece size needs a size."
    low, high = rules.min_piece_size, rules.max_piece_size
    checked = "min_piece_size" not in problems and "max_piece_size" not in problems
    if low is not None and high is not None and low > high and checked:
        problems["max_piece_size"] = "The maximum is smaller than the minimum."
    fixed = rules.fixed_size
    outside = fixed is not None and (
        (low is not None and fixed < low) or (high is not None and fixed > high)
    )
    if outside and "piece_size" not in problems:
        problems["piece_size"] = "The fixed piece size is outside the minimum and maximum."
    if not 1 <= rules.target_pieces_min <= MAX_TARGET_PIECES:
        problems["target_pieces_min"] = f"Choose a number from 1 to {MAX_TARGET_PIECES:,}."
    if not 1 <= rules.target_pieces_max <= MAX_TARGET_PIECES:
        problems["target_pieces_max"] = f"Choose a number from 1 to {MAX_TARGET_PIECES:,}."
    elif rules.target_pieces_max < rules.target_pieces_min:
        problems["target_pieces_max"] = "The target's maximum is smaller than its minimum."
    if rules.max_torrent_size is not None and rules.max_torrent_size < KiB:
        problems["max_torrent_size"] = "A .torrent cap below 1 KiB cannot be met."
    table_problem = _table_problem(rules.piece_size_table, power)
    if table_problem:
        problems["piece_size_table"] = table_problem
    return problems


def _table_problem(table: Sequence[SizeRule], power: str) -> str:
    previous = 0
    for number, row in enumerate(table, start=1):
        if not is_piece_size(row.piece_size):
            return f"Row {number}: {format_size(row.piece_size)} {power}."
        if row.up_to_bytes is None:
            if number != len(table):
                return f"Row {number}: only the last row may be * (any larger content)."
            continue
        if row.up_to_bytes <= previous:
            return f"Row {number}: content sizes must grow from one row to the next."
        previous = row.up_to_bytes
    return ""


def describe_rules(rules: PieceRules) -> list[str]:
    """The rules in words, one sentence each, for pages and API answers."""
    words = []
    if rules.fixed_size is not None:
        words.append(f"Pieces are always {format_size(rules.fixed_size)}.")
    else:
        words.append(
            f"Piece size chosen for {rules.target_pieces_min:,} to "
            f"{rules.target_pieces_max:,} pieces."
        )
    low, high = rules.min_piece_size, rules.max_piece_size
    if low is not None and high is not None:
        words.append(f"Pieces from {format_size(low)} to {format_size(high)}.")
    elif low is not None:
        words.append(f"Pieces of at least {format_size(low)}.")
    elif high is not None:
        words.append(f"Pieces of at most {format_size(high)}.")
    for row in rules.piece_size_table:
        content = (
            "larger content"
            if row.up_to_bytes is None
            else (f"content up to {format_size(row.up_to_bytes)}")
        )
        words.append(f"{format_size(row.piece_size)} pieces for {content}.")
    if rules.max_torrent_size is not None:
        words.append(f"The .torrent file may be at most {format_size(rules.max_torrent_size)}.")
    return words


def plan_pieces(
    *,
    total_size: int | None,
    format: str = "v1",
    file_sizes: Sequence[int] | None = None,
    file_count: int | None = None,
    rules: PieceRules | None = None,
    target_pieces: tuple[int, int] | None = None,
    announce_urls: Sequence[str] = (),
    path_bytes_per_file: int = DEFAULT_PATH_BYTES,
) -> PiecePlan:
    """Recommend a piece size for content of `total_size` bytes and tabulate every candidate.

    `file_sizes` (in the torrent's order) make v2/hybrid counts exact; without them `file_count`
    files of equal size are assumed, and without either one file. `target_pieces` overrides the
    rules' target range. `total_size` None means unknown: the plan recommends automatic.
    """
    rules = rules or PieceRules()
    if format not in FORMATS:
        raise PlanInputError(
            f"Format {format!r} is not one of {', '.join(FORMATS)}.", field="format"
        )
    low, high = target_pieces or (rules.target_pieces_min, rules.target_pieces_max)
    if not 1 <= low <= high:
        raise PlanInputError(
            "The target piece count must be a range from 1 up.", field="target_pieces"
        )
    sizes, notes = _file_sizes(total_size, file_sizes, file_count)
    if sizes is None:
        return _unknown_size_plan(format, rules, (low, high))
    total = sum(sizes)
    announce_bytes = _announce_bytes(announce_urls)
    table_row = table_piece_size(rules.piece_size_table, total)
    rows = []
    for piece_size in PIECE_SIZES:
        row = _candidate(
            piece_size, sizes, format, announce_bytes, path_bytes_per_file, (low, high)
        )
        breaches = _breaches(piece_size, row.torrent_size_bytes, rules, table_row)
        rows.append(replace(row, breaches=breaches))
    chosen = _choose(rows, (low, high))
    rows = [replace(row, recommended=row is chosen) for row in rows]
    if format != "v1" and file_sizes is None and (file_count or 1) > 1:
        notes.append(
            f"File sizes unknown: v2 alignment estimated as if the {file_count:,} files were "
            "equal in size."
        )
    return PiecePlan(
        total_size=total,
        format=format,
        piece_size=chosen.piece_size,
        piece_count=chosen.piece_count,
        reason=_reason(chosen, rows, (low, high)),
        target_pieces=(low, high),
        breaches=chosen.breaches,
        notes=tuple(notes),
        candidates=tuple(rows),
    )


def _file_sizes(
    total_size: int | None, file_sizes: Sequence[int] | None, file_count: int | None
) -> tuple[list[int] | None, list[str]]:
    """The file sizes to count with (None: size unknown), and notes on any estimate."""
    if file_sizes is not None:
        if any(size < 0 for size in file_sizes):
            raise PlanInputError("A file size cannot be negative.", field="file_sizes")
        if not file_sizes or sum(file_sizes) == 0:
            raise PlanInputError(
                "The files are empty: there is nothing to hash.", field="file_sizes"
            )
        if total_size is not None and total_size != sum(file_sizes):
            raise PlanInputError(
                f"The file sizes add up to {sum(file_sizes):,} bytes, not {total_size:,}.",
                field="file_sizes",
            )
        return list(file_sizes), []
    if total_size is None:
        return None, []
    if total_size < 1:
        raise PlanInputError("The content is empty: there is nothing to hash.", field="total_size")
    count = 1 if file_count is None else file_count
    if count < 1:
        raise PlanInputError("The file count must be at least 1.", field="file_count")
    count = min(count, total_size)  # more files than bytes: some are empty and take no piece
    share, extra = divmod(total_size, count)
    return [share + 1] * extra + [share] * (count - extra), []


def _unknown_size_plan(format: str, rules: PieceRules, target: tuple[int, int]) -> PiecePlan:
    fixed = rules.fixed_size
    if fixed is not None:
        size = format_size(fixed)
        return PiecePlan(
            total_size=None,
            format=format,
            piece_size=fixed,
            piece_count=None,
            reason=f"The content's size is unknown; this preset fixes pieces at {size}.",
            target_pieces=target,
        )
    notes = ()
    limits = [
        f"{word} {format_size(size)}"
        for word, size in (("minimum", rules.min_piece_size), ("maximum", rules.max_piece_size))
        if size is not None
    ]
    if limits or rules.piece_size_table or rules.max_torrent_size is not None:
        notes = (
            "qBittorrent's automatic choice does not know this preset's rules"
            + (f" ({', '.join(limits)})" if limits else "")
            + ": the finished torrent is checked against them.",
        )
    return PiecePlan(
        total_size=None,
        format=format,
        piece_size=AUTOMATIC,
        piece_count=None,
        reason="The content's size is unknown, so qBittorrent chooses the piece size (automatic).",
        target_pieces=target,
        notes=notes,
    )


def _announce_bytes(urls: Sequence[str]) -> int:
    if not urls:
        return 0
    # "announce" holds the first URL; "announce-list" holds every URL in its tier lists.
    return len(urls[0]) + 16 + sum(len(url) + 6 for url in urls) + 20


def _candidate(
    piece_size: int,
    sizes: list[int],
    format: str,
    announce_bytes: int,
    path_bytes: int,
    target: tuple[int, int],
) -> Candidate:
    total = sum(sizes)
    files = [size for size in sizes if size > 0]
    if format == "v1":
        count = -(-total // piece_size)
        padding = 0
    else:
        per_file = [-(-size // piece_size) for size in files]
        count = sum(per_file)
        # Hybrid pads every file but the last to a piece boundary in its v1 part.
        padding = sum(
            n * piece_size - size for n, size in zip(per_file[:-1], files[:-1], strict=True)
        )
        padding = padding if format == "hybrid" else 0
    slack = count * piece_size - total
    torrent_size = _torrent_bytes(piece_size, count, sizes, format, announce_bytes, path_bytes)
    return Candidate(
        piece_size=piece_size,
        piece_count=count,
        last_piece_slack_bytes=slack,
        padding_bytes=padding,
        torrent_size_bytes=torrent_size,
        efficiency=round(100 * total / (count * piece_size + torrent_size), 2),
        in_target=target[0] <= count <= target[1],
        breaches=(),
    )


def _torrent_bytes(
    piece_size: int, count: int, sizes: list[int], format: str, announce: int, path_bytes: int
) -> int:
    size = TORRENT_BASE_BYTES + announce
    files = len(sizes)
    if format in ("v1", "hybrid"):
        size += V1_PIECE_HASH_BYTES * count
        if files > 1:
            size += files * (V1_FILE_ENTRY_BYTES + path_bytes)
    if format in ("v2", "hybrid"):
        size += files * (V2_FILE_ENTRY_BYTES + path_bytes)
        # Piece layers: a key (the file's 32-byte root) and 32 bytes a piece, for each file
        # larger than one piece; smaller files are described by their root alone.
        for file_size in sizes:
            if file_size > piece_size:
                size += 40 + V2_PIECE_HASH_BYTES * -(-file_size // piece_size)
    if format == "hybrid":
        size += PAD_FILE_ENTRY_BYTES * max(0, len([s for s in sizes if s > 0]) - 1)
    return size


def _breaches(
    piece_size: int, torrent_size: int, rules: PieceRules, table_row: SizeRule | None
) -> tuple[str, ...]:
    breaches = []
    fixed = rules.fixed_size
    if fixed is not None and piece_size != fixed:
        breaches.append(f"not this preset's fixed piece size of {format_size(fixed)}")
    if rules.min_piece_size is not None and piece_size < rules.min_piece_size:
        breaches.append(f"below this preset's minimum of {format_size(rules.min_piece_size)}")
    if rules.max_piece_size is not None and piece_size > rules.max_piece_size:
        breaches.append(f"above this preset's maximum of {format_size(rules.max_piece_size)}")
    if table_row is not None and piece_size != table_row.piece_size:
        content = (
            "content this large"
            if table_row.up_to_bytes is None
            else (f"content up to {format_size(table_row.up_to_bytes)}")
        )
        breaches.append(
            f"not the {format_size(table_row.piece_size)} this preset's table sets for {content}"
        )
    cap = rules.max_torrent_size
    if cap is not None and torrent_size > cap:
        breaches.append(
            f"makes a .torrent of about {format_size(torrent_size)}, above this preset's "
            f"limit of {format_size(cap)}"
        )
    return tuple(breaches)


def _distance(count: int, target: tuple[int, int]) -> Fraction:
    """How far a piece count is from the target range, as a ratio (1 = inside)."""
    low, high = target
    if count < low:
        return Fraction(low, count)
    if count > high:
        return Fraction(count, high)
    return Fraction(1)


def _choose(rows: list[Candidate], target: tuple[int, int]) -> Candidate:
    fewest = min(len(row.breaches) for row in rows)
    pool = [row for row in rows if len(row.breaches) == fewest]
    # The smallest size in range (rows are in ascending size), else the closest to the range.
    return min(pool, key=lambda row: (_distance(row.piece_count, target), row.piece_size))


def _reason(chosen: Candidate, rows: list[Candidate], target: tuple[int, int]) -> str:
    size = format_size(chosen.piece_size)
    pieces = f"{chosen.piece_count:,} piece{'s' if chosen.piece_count != 1 else ''}"
    low, high = target
    wanted = f"the target of {low:,}" + (f" to {high:,}" if high != low else "")
    if chosen.breaches:
        return (
            f"No piece size keeps every rule of this preset; {size} ({pieces}) breaks the "
            f"fewest: {'; '.join(chosen.breaches)}."
        )
    if chosen.in_target:
        return f"{size} gives {pieces}, within {wanted}."
    side = "fewer" if chosen.piece_count < target[0] else "more"
    limit = "allowed piece size" if any(row.breaches for row in rows) else "piece size"
    # closeness is a ratio: 3,840 pieces (1.4x the target) is closer than 1,920 (1.43x fewer)
    return f"{size} gives {pieces}, {side} than {wanted}: no {limit} comes closer in proportion."


def piece_size_breaches(
    piece_size: int,
    rules: PieceRules,
    *,
    total_size: int | None = None,
    torrent_size: int | None = None,
) -> tuple[str, ...]:
    """The preset rules `piece_size` breaks, in words (the content-size table and the .torrent
    cap only when the content's size and the .torrent's size are known)."""
    table_row = (
        table_piece_size(rules.piece_size_table, total_size) if total_size is not None else None
    )
    return _breaches(piece_size, torrent_size or 0, rules, table_row)


def next_piece_size(piece_size: int, rules: PieceRules) -> int | None:
    """The next larger piece size the rules allow (a smaller .torrent), or None."""
    for size in PIECE_SIZES:
        if size > piece_size and not piece_size_breaches(size, replace(rules, piece_size_table=())):
            return size
    return None
