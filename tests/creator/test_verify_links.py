"""Verifying never reads through a link out of the content folder, as creating never does."""

import os

import pytest

from creator import hashing
from tests.harness.content import write
from tests.harness.oracle import make_torrent

FORMATS = ["v1", "v2", "hybrid"]


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "Set"
    write(folder, {"a.bin": os.urandom(20_000), "b.bin": os.urandom(30_000), "sub/c.bin": b"c"})
    return folder


def statuses(report: hashing.VerifyReport) -> dict[str, str]:
    return {f.path: f.status for f in report.files}


@pytest.mark.parametrize("format", FORMATS)
def test_a_file_linked_from_outside_the_folder_is_missing(content, tmp_path, format):
    torrent = make_torrent(content, format=format)
    outside = tmp_path / "elsewhere.bin"
    outside.write_bytes((content / "b.bin").read_bytes())  # the very bytes the torrent expects
    (content / "b.bin").unlink()
    (content / "b.bin").symlink_to(outside)
    report = hashing.verify(torrent, content)
    assert statuses(report)["Set/b.bin"] == "missing"
    assert statuses(report)["Set/a.bin"] == "ok"
    assert not report.ok and report.missing_pieces > 0


@pytest.mark.parametrize("format", FORMATS)
def test_a_folder_linked_from_outside_the_folder_is_missing(content, tmp_path, format):
    torrent = make_torrent(content, format=format)
    (content / "sub").rename(tmp_path / "sub elsewhere")
    (content / "sub").symlink_to(tmp_path / "sub elsewhere")
    report = hashing.verify(torrent, content)
    assert statuses(report)["Set/sub/c.bin"] == "missing"
    assert not report.ok


@pytest.mark.parametrize("format", FORMATS)
def test_a_link_to_a_file_inside_the_folder_is_read(content, format):
    torrent = make_torrent(content, format=format)
    (content / "b.bin").rename(content / "sub/b copy.bin")
    (content / "b.bin").symlink_to("sub/b copy.bin")
    report = hashing.verify(torrent, content)
    assert statuses(report)["Set/b.bin"] == "ok"
    assert report.ok


def test_a_content_folder_reached_through_a_link_is_read(content, tmp_path):
    torrent = make_torrent(content, format="hybrid")
    (tmp_path / "via").symlink_to(content)
    assert hashing.verify(torrent, tmp_path / "via").ok
