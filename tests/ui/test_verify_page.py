"""Verifying content in Chromium: the content is chosen with the path picker, as on the creator
form, against a real qBittorrent whose folder this server sees through a path mapping."""

import pytest

from tests.factories import mapped_instance_for
from tests.harness.content import write
from tests.harness.oracle import make_torrent

pytestmark = [pytest.mark.browser, pytest.mark.qbittorrent]


def test_choose_the_content_with_the_picker_and_verify_it(
    logged_in_page, app_server, qbittorrent, content, worker, tmp_path
):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Album/a.flac": b"a" * 40_000, "Album/b.flac": b"b" * 9_000})
    torrent = tmp_path / "album.torrent"
    torrent.write_bytes(make_torrent(host / "Album"))
    page = logged_in_page
    page.goto(f"{app_server.url}/torrents/verify")
    picker = page.locator("#picker")
    picker.get_by_role("button", name=content[1].rsplit("/", 1)[1]).click()
    picker.get_by_role("button", name="Album").click()
    page.wait_for_selector("#picker [aria-current=location]:text('Album')")
    picker.get_by_role("button", name="Use this folder").click()
    assert page.get_by_label("Content (the file").input_value() == f"{qbt}/Album"
    page.get_by_label(".torrent file").set_input_files(str(torrent))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{app_server.url}/jobs/*/")
    page.get_by_role("heading", name="Verification: all good").wait_for(timeout=60_000)
