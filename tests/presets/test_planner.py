"""The piece-size planner: invariants held by hypothesis, then worked examples."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presets.planner import (
    AUTOMATIC,
    MAX_PIECE_SIZE,
    MIN_PIECE_SIZE,
    PIECE_SIZES,
    PieceRules,
    PlanInputError,
    SizeRule,
    describe_rules,
    format_size_table,
    next_piece_size,
    parse_size_table,
    piece_size_breaches,
    plan_pieces,
    rules_problems,
)
from presets.sizes import GiB, KiB, MiB, TiB

piece_sizes = st.sampled_from(PIECE_SIZES)


@st.composite
def rule_sets(draw) -> PieceRules:
    low = draw(st.none() | piece_sizes)
    high = draw(st.none() | piece_sizes)
    target_low = draw(st.integers(1, 20_000))
    target_high = draw(st.integers(target_low, 40_000))
    ups = sorted(draw(st.sets(st.integers(1, 64 * TiB), max_size=3)))
    table = [SizeRule(up, draw(piece_sizes)) for up in ups]
    if draw(st.booleans()):
        table.append(SizeRule(None, draw(piece_sizes)))
    return PieceRules(
        piece_size_mode=draw(st.sampled_from(["auto", "fixed"])),
        piece_size=draw(piece_sizes),
        min_piece_size=low,
        max_piece_size=high,
        target_pieces_min=target_low,
        target_pieces_max=target_high,
        piece_size_table=tuple(table),
        max_torrent_size=draw(st.none() | st.integers(KiB, 10_000_000)),
    )


@st.composite
def contents(draw) -> dict:
    """Content as the planner may see it: a total, or file sizes, or a total and a file count."""
    kind = draw(st.sampled_from(["total", "files", "count"]))
    if kind == "files":
        files = draw(st.lists(st.integers(0, 64 * GiB), min_size=1, max_size=40))
        if sum(files) == 0:
            files[0] = 1
        return {"total_size": None, "file_sizes": files}
    total = draw(st.integers(1, 64 * TiB))
    count = draw(st.integers(1, 5000)) if kind == "count" else None
    return {"total_size": total, "file_count": count}


formats = st.sampled_from(["v1", "v2", "hybrid"])


@settings(max_examples=300, deadline=None)
@given(content=contents(), format=formats, rules=rule_sets())
def test_the_recommendation_keeps_every_rule_that_can_be_kept(content, format, rules):
    plan = plan_pieces(format=format, rules=rules, **content)
    chosen = next(c for c in plan.candidates if c.recommended)
    fewest = min(len(c.breaches) for c in plan.candidates)
    assert len(chosen.breaches) == fewest
    if any(not c.breaches for c in plan.candidates):
        assert chosen.breaches == ()
    assert plan.breaches == chosen.breaches


@settings(max_examples=300, deadline=None)
@given(content=contents(), format=formats, rules=rule_sets())
def test_the_piece_count_is_in_the_target_range_where_an_allowed_size_allows(
    content, format, rules
):
    plan = plan_pieces(format=format, rules=rules, **content)
    chosen = next(c for c in plan.candidates if c.recommended)
    pool = [c for c in plan.candidates if len(c.breaches) == len(chosen.breaches)]
    in_range = [c for c in pool if c.in_target]
    if in_range:
        assert chosen.in_target
        assert rules.target_pieces_min <= plan.piece_count <= rules.target_pieces_max
        assert chosen.piece_size == min(c.piece_size for c in in_range)


@settings(max_examples=300, deadline=None)
@given(content=contents(), format=formats, rules=rule_sets())
def test_the_piece_size_is_a_power_of_two_from_16_kib_to_128_mib(content, format, rules):
    plan = plan_pieces(format=format, rules=rules, **content)
    assert MIN_PIECE_SIZE <= plan.piece_size <= MAX_PIECE_SIZE
    assert plan.piece_size & (plan.piece_size - 1) == 0
    assert [c.piece_size for c in plan.candidates] == list(PIECE_SIZES)
    assert sum(c.recommended for c in plan.candidates) == 1


@settings(max_examples=200, deadline=None)
@given(content=contents(), format=formats, rules=rule_sets())
def test_every_row_names_exactly_the_rules_it_breaks(content, format, rules):
    plan = plan_pieces(format=format, rules=rules, **content)
    for row in plan.candidates:
        text = " | ".join(row.breaches)
        above = rules.max_piece_size is not None and row.piece_size > rules.max_piece_size
        below = rules.min_piece_size is not None and row.piece_size < rules.min_piece_size
        not_fixed = rules.piece_size_mode == "fixed" and row.piece_size != rules.piece_size
        too_big = (
            rules.max_torrent_size is not None and row.torrent_size_bytes > rules.max_torrent_size
        )
        assert above == ("above this preset's maximum" in text)
        assert below == ("below this preset's minimum" in text)
        assert not_fixed == ("not this preset's fixed piece size" in text)
        assert too_big == ("above this preset's limit of" in text)


@settings(deadline=None)
@given(content=contents(), format=formats)
def test_larger_pieces_never_mean_more_pieces(content, format):
    plan = plan_pieces(format=format, **content)
    counts = [c.piece_count for c in plan.candidates]
    assert counts == sorted(counts, reverse=True)
    for row in plan.candidates:
        assert row.last_piece_slack_bytes >= 0
        assert 0 <= row.efficiency <= 100


@given(format=formats, rules=rule_sets())
def test_an_unknown_size_is_said_and_left_to_qbittorrent_unless_fixed(format, rules):
    plan = plan_pieces(total_size=None, format=format, rules=rules)
    assert not plan.size_known
    assert plan.candidates == ()
    assert "unknown" in plan.reason
    if rules.piece_size_mode == "fixed":
        assert plan.piece_size == rules.piece_size
    else:
        assert plan.piece_size == AUTOMATIC
        assert plan.automatic


# --- worked examples ---------------------------------------------------------------------


def test_a_50_gib_film_under_a_16_mib_maximum_gets_16_mib_pieces():
    plan = plan_pieces(total_size=50 * GiB, rules=PieceRules(max_piece_size=16 * MiB))
    assert (plan.piece_size, plan.piece_count) == (16 * MiB, 3200)
    assert plan.reason == "16 MiB gives 3,200 pieces, within the target of 1,500 to 4,000."
    too_big = next(c for c in plan.candidates if c.piece_size == 32 * MiB)
    assert too_big.in_target
    assert too_big.breaches == ("above this preset's maximum of 16 MiB",)


def test_the_smallest_size_in_the_target_range_wins():
    plan = plan_pieces(total_size=4 * GiB)
    assert [c.piece_size for c in plan.candidates if c.in_target] == [2 * MiB]
    assert plan.piece_size == 2 * MiB
    wide = plan_pieces(total_size=4 * GiB, target_pieces=(100, 100_000))
    assert wide.piece_size == 64 * KiB  # 65,536 pieces: the first in range


def test_a_single_target_count_reads_as_one_number():
    plan = plan_pieces(total_size=4 * GiB, target_pieces=(2750, 2750))
    assert plan.reason == (
        "2 MiB gives 2,048 pieces, fewer than the target of 2,750: no piece size comes closer "
        "in proportion."
    )


def test_more_content_than_the_maximum_allows_gets_the_maximum_and_says_why():
    plan = plan_pieces(total_size=500 * GiB, rules=PieceRules(max_piece_size=16 * MiB))
    assert (plan.piece_size, plan.piece_count) == (16 * MiB, 32_000)
    assert plan.breaches == ()
    assert plan.reason == (
        "16 MiB gives 32,000 pieces, more than the target of 1,500 to 4,000: no allowed piece "
        "size comes closer in proportion."
    )


def test_tiny_content_gets_the_smallest_piece_size():
    plan = plan_pieces(total_size=100 * KiB)
    assert (plan.piece_size, plan.piece_count) == (16 * KiB, 7)
    assert "fewer than the target" in plan.reason
    assert plan.candidates[0].last_piece_slack_bytes == 7 * 16 * KiB - 100 * KiB


def test_a_single_target_picks_the_closest_count():
    plan = plan_pieces(total_size=10 * GiB, target_pieces=(1000, 1000))
    assert (plan.piece_size, plan.piece_count) == (8 * MiB, 1280)


def test_a_fixed_piece_size_wins_over_the_target():
    rules = PieceRules(piece_size_mode="fixed", piece_size=4 * MiB)
    plan = plan_pieces(total_size=100 * GiB, rules=rules)
    assert plan.piece_size == 4 * MiB
    assert plan.breaches == ()
    other = next(c for c in plan.candidates if c.piece_size == 16 * MiB)
    assert other.breaches == ("not this preset's fixed piece size of 4 MiB",)


def test_the_content_size_table_sets_the_piece_size():
    rules = PieceRules(piece_size_table=parse_size_table("1 GiB: 1 MiB\n*: 4 MiB"))
    assert plan_pieces(total_size=2 * GiB, rules=rules).piece_size == 4 * MiB
    small = plan_pieces(total_size=GiB // 2, rules=rules)
    assert small.piece_size == MiB
    other = next(c for c in small.candidates if c.piece_size == 256 * KiB)
    assert other.breaches == ("not the 1 MiB this preset's table sets for content up to 1 GiB",)


def test_a_torrent_cap_that_cannot_be_met_is_named_in_the_plan():
    anthelion = PieceRules(max_torrent_size=250 * KiB)
    plan = plan_pieces(total_size=3 * TiB, rules=anthelion)
    assert plan.piece_size == 128 * MiB
    assert len(plan.breaches) == 1
    assert plan.breaches[0].endswith("above this preset's limit of 250 KiB")
    assert plan.reason.startswith("No piece size keeps every rule of this preset; 128 MiB")


def test_a_torrent_cap_pushes_the_piece_size_up():
    ggn = PieceRules(max_piece_size=64 * MiB, max_torrent_size=1_000_000)
    plan = plan_pieces(total_size=2 * TiB, rules=ggn)
    # 32 MiB (65,536 pieces) makes a .torrent of about 1.25 MiB; 64 MiB fits under 1 MB.
    assert plan.piece_size == 64 * MiB
    assert plan.breaches == ()
    row = next(c for c in plan.candidates if c.piece_size == 64 * MiB)
    assert row.torrent_size_bytes < 1_000_000


def test_v1_pieces_run_across_files_but_v2_aligns_each_file():
    files = [10 * MiB, 3, 0, 5 * MiB + 1]
    v1 = plan_pieces(total_size=None, file_sizes=files, format="v1").candidates[0]
    v2 = plan_pieces(total_size=None, file_sizes=files, format="v2").candidates[0]
    hybrid = plan_pieces(total_size=None, file_sizes=files, format="hybrid").candidates[0]
    assert v1.piece_count == -(-(15 * MiB + 4) // (16 * KiB)) == 961
    assert v2.piece_count == hybrid.piece_count == 640 + 1 + 321  # the empty file takes none
    assert v1.padding_bytes == v2.padding_bytes == 0
    assert hybrid.padding_bytes == 16 * KiB - 3  # pad after every file but the last
    assert v2.last_piece_slack_bytes == (16 * KiB - 3) + (16 * KiB - 1)


def test_v2_adds_32_bytes_a_piece_for_files_larger_than_a_piece():
    v1 = plan_pieces(total_size=GiB, format="v1").candidates[0]
    v2 = plan_pieces(total_size=GiB, format="v2").candidates[0]
    hybrid = plan_pieces(total_size=GiB, format="hybrid").candidates[0]
    assert v1.torrent_size_bytes >= 20 * 65_536
    assert v2.torrent_size_bytes >= 32 * 65_536
    assert hybrid.torrent_size_bytes >= (20 + 32) * 65_536


def test_announce_urls_count_towards_the_torrent_size():
    url = "https://please.passthepopcorn.me/0123456789abcdef0123456789abcdef/announce"
    bare = plan_pieces(total_size=GiB).candidates[-1].torrent_size_bytes
    announced = plan_pieces(total_size=GiB, announce_urls=[url]).candidates[-1].torrent_size_bytes
    assert announced - bare >= 2 * len(url)


def test_without_file_sizes_a_file_count_is_taken_as_equal_files():
    plan = plan_pieces(total_size=GiB, file_count=1000, format="v2")
    assert plan.candidates[0].piece_count == 1000 * 66  # 1,073,741 or 1,073,742 bytes each
    assert "as if the 1,000 files were equal in size" in plan.notes[0]


def test_an_unknown_size_warns_that_qbittorrent_ignores_the_rules():
    plan = plan_pieces(total_size=None, rules=PieceRules(max_piece_size=16 * MiB))
    assert plan.piece_size == AUTOMATIC
    assert plan.reason == (
        "The content's size is unknown, so qBittorrent chooses the piece size (automatic)."
    )
    assert "(maximum 16 MiB)" in plan.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"total_size": 0}, "total_size"),
        ({"total_size": 10, "file_sizes": [4, 5]}, "file_sizes"),
        ({"total_size": None, "file_sizes": [0, 0]}, "file_sizes"),
        ({"total_size": None, "file_sizes": [-1, 5]}, "file_sizes"),
        ({"total_size": 10, "file_count": 0}, "file_count"),
        ({"total_size": 10, "format": "v3"}, "format"),
        ({"total_size": 10, "target_pieces": (10, 5)}, "target_pieces"),
    ],
)
def test_impossible_input_is_refused_naming_the_argument(kwargs, field):
    with pytest.raises(PlanInputError) as error:
        plan_pieces(**kwargs)
    assert error.value.field == field


def test_rules_are_described_in_words():
    rules = PieceRules(
        max_piece_size=16 * MiB,
        max_torrent_size=1_000_000,
        piece_size_table=parse_size_table("4 GiB: 2 MiB\n*: 8 MiB"),
    )
    assert describe_rules(rules) == [
        "Piece size chosen for 1,500 to 4,000 pieces.",
        "Pieces of at most 16 MiB.",
        "2 MiB pieces for content up to 4 GiB.",
        "8 MiB pieces for larger content.",
        "The .torrent file may be at most 1 MB.",
    ]


def test_a_size_table_reads_back_as_written():
    text = "512 MiB: 512 KiB\n4 GiB: 2 MiB\n*: 8 MiB"
    assert format_size_table(parse_size_table(text)) == text
    with pytest.raises(ValueError, match="Line 2"):
        parse_size_table("1 GiB: 1 MiB\n2 GiB 2 MiB")


def test_inconsistent_rules_are_named():
    rules = PieceRules(
        piece_size_mode="fixed",
        min_piece_size=3 * MiB,
        max_piece_size=MiB,
        target_pieces_min=500,
        target_pieces_max=10,
        piece_size_table=(SizeRule(None, 2 * MiB), SizeRule(GiB, MiB)),
        max_torrent_size=100,
    )
    assert rules_problems(rules) == {
        "min_piece_size": "3 MiB is not a piece size: it must be a power of two between 16 KiB "
        "and 128 MiB.",
        "piece_size": "A fixed piece size needs a size.",
        "target_pieces_max": "The target's maximum is smaller than its minimum.",
        "max_torrent_size": "A .torrent cap below 1 KiB cannot be met.",
        "piece_size_table": "Row 1: only the last row may be * (any larger content).",
    }
    assert rules_problems(PieceRules(min_piece_size=2 * MiB, max_piece_size=MiB)) == {
        "max_piece_size": "The maximum is smaller than the minimum."
    }
    assert rules_problems(PieceRules()) == {}


def test_piece_size_breaches_names_each_broken_rule():
    rules = PieceRules(min_piece_size=64 * KiB, max_piece_size=16 * MiB, max_torrent_size=1000)
    assert piece_size_breaches(16 * MiB, rules) == ()
    assert piece_size_breaches(32 * MiB, rules) == ("above this preset's maximum of 16 MiB",)
    assert piece_size_breaches(16 * MiB, rules, torrent_size=5000)[0].startswith(
        "makes a .torrent of about"
    )


def test_next_piece_size_stays_within_the_rules():
    rules = PieceRules(max_piece_size=4 * MiB)
    assert next_piece_size(1 * MiB, rules) == 2 * MiB
    assert next_piece_size(4 * MiB, rules) is None
    assert next_piece_size(0, PieceRules()) == MIN_PIECE_SIZE
