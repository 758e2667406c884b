"""The job page's progress bar and durations in words (creator/templatetags/job_display.py)."""

import pytest

from creator.templatetags.job_display import duration, segment_fills


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, ""),
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (125, "2 min 5 s"),
        (3600, "1 h"),
        (3720, "1 h 2 min"),
    ],
)
def test_durations_read_in_words(seconds, words):
    assert duration(seconds) == words


@pytest.mark.parametrize(
    ("state", "progress", "fills"),
    [
        ("queued", 0, [0, 0, 0]),
        ("submitted", 0, [50, 0, 0]),
        ("hashing", 40, [100, 40, 0]),
        ("finalizing", 100, [100, 100, 50]),
        ("completed", 100, [100, 100, 100]),
        ("failed", 30, [100, 30, 0]),
        ("cancelled", 0, [0, 0, 0]),
    ],
)
def test_each_phase_fills_its_own_segment(state, progress, fills):
    assert segment_fills(state, progress) == fills
