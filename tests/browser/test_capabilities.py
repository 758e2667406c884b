import pytest

from browser.capabilities import Capabilities, parse_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v5.1.0", (5, 1, 0)),
        ("2.11.4", (2, 11, 4)),
        ("v5.1.0beta1", (5, 1, 0)),
        ("2.0.11.0", (2, 0, 11, 0)),
        ("", ()),
    ],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_qbittorrent_4_5_can_neither_create_nor_browse():
    caps = Capabilities("v4.5.2", "2.8.19", "2.0.8.0")
    assert not caps.creator and not caps.directory_content
    assert caps.formats == ()
    assert caps.missing("creator") == (
        "v4.5.2 (WebAPI 2.8.19) is too old: this needs qBittorrent 5.0 or later."
    )
    assert caps.seed_mode_param == "skip_checking"


def test_qbittorrent_5_1_browses_without_metadata_and_answers_in_text():
    caps = Capabilities("v5.1.0", "2.11.4", "2.0.11.0")
    assert caps.creator and caps.directory_content
    assert not caps.with_metadata
    assert not caps.epoch_timestamps
    assert caps.login_answer == "text" and caps.add_answer == "text"
    assert caps.formats == ("v1", "v2", "hybrid")
    assert not caps.alignment_options


def test_qbittorrent_5_3_has_metadata_epoch_times_seed_mode_and_dotfiles():
    caps = Capabilities("v5.3.0", "2.16.2", "2.0.11.0")
    assert caps.with_metadata and caps.epoch_timestamps and caps.ignore_dotfiles
    assert caps.seed_mode_param == "seedMode"
    assert caps.login_answer == "status" and caps.add_answer == "json"


def test_libtorrent_1_2_builds_offer_alignment_but_only_v1():
    caps = Capabilities("v5.0.2", "2.11.2", "1.2.19.0")
    assert caps.formats == ("v1",)
    assert caps.alignment_options
