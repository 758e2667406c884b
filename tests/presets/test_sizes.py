import pytest
from hypothesis import given
from hypothesis import strategies as st

from presets.sizes import GiB, KiB, MiB, format_size, parse_size


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (1, "1 byte"),
        (512, "512 bytes"),
        (16 * KiB, "16 KiB"),
        (16 * MiB, "16 MiB"),
        (250 * KiB, "250 KiB"),
        (1_000_000, "1 MB"),
        (3 * GiB // 2, "1,536 MiB"),
        (1500, "1.5 KiB"),
        (1_234_567, "1.2 MiB"),
    ],
)
def test_a_size_is_written_in_the_unit_it_is_exact_in(size, words):
    assert format_size(size) == words


@pytest.mark.parametrize(
    ("words", "size"),
    [
        ("16 MiB", 16 * MiB),
        ("16MiB", 16 * MiB),
        ("16 mib", 16 * MiB),
        ("16M", 16 * MiB),
        ("250 KiB", 256_000),
        ("1 MB", 1_000_000),
        ("1.5 GiB", 3 * GiB // 2),
        ("256000", 256_000),
        ("1,000,000 bytes", 1_000_000),
    ],
)
def test_a_size_is_read_from_words(words, size):
    assert parse_size(words) == size


@pytest.mark.parametrize("words", ["", "MiB", "16 parsecs", "-1 MiB", "0.5 bytes", "1.2.3 KiB"])
def test_a_size_that_is_not_one_is_refused(words):
    with pytest.raises(ValueError):
        parse_size(words)


@given(st.integers(min_value=1, max_value=2**50))
def test_an_exact_size_reads_back_as_written(size):
    words = format_size(size)
    if "." not in words:
        assert parse_size(words) == size
