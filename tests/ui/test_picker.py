"""The path picker in Chromium, against a real qBittorrent."""

import re

import pytest

from tests.factories import instance_for
from tests.harness.content import write

pytestmark = [pytest.mark.browser, pytest.mark.qbittorrent]


def test_pick_a_folder_with_mouse_and_keyboard_and_see_its_analysis(
    logged_in_page, app_server, qbittorrent, content
):
    instance_for(
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    host, qbt = content
    write(
        host,
        {
            "Movies/Film (2024)/film.mkv": b"f" * 5000,
            "Movies/Film (2024)/.nfo~": "x",
            "Movies/Other (2023)/o.mkv": "o",
            "Music/a.flac": "x",
        },
    )
    page = logged_in_page
    page.goto(f"{app_server.url}/browse/?path={qbt}")
    picker = page.locator("#picker")
    picker.get_by_role("button", name="Movies").click()
    page.wait_for_selector("#picker [aria-current=location]:text('Movies')")
    # Keyboard: the first entry has focus after moving; arrows move; Enter opens.
    focused = "document.activeElement.textContent.trim()"
    assert page.evaluate(focused).endswith("Film (2024)")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused).endswith("Other (2023)")
    page.keyboard.press("ArrowDown")  # wraps round to the first
    assert page.evaluate(focused).endswith("Film (2024)")
    page.keyboard.press("Enter")
    page.wait_for_selector("#picker [aria-current=location]:text('Film (2024)')")
    crumbs = picker.get_by_role("navigation", name="Breadcrumbs")
    assert "Movies" in crumbs.inner_text()
    picker.get_by_role("button", name="Use this folder").click()
    analysis = page.locator("#analysis")
    analysis.get_by_text("1 file in 0 folders").wait_for()
    assert "4.9 KiB" in analysis.inner_text()
    assert ".nfo~" in analysis.inner_text()  # the hidden file qBittorrent will leave out
    # Breadcrumbs lead back up.
    crumbs.get_by_role("button", name="Movies").click()
    page.wait_for_selector("#picker [aria-current=location]:text('Movies')")
    # The chosen folder is a torrent away: the creator opens with it as the source.
    analysis.get_by_role("link", name="Create a torrent from this").click()
    page.wait_for_url(re.compile(r"/create/\?path="))
    assert page.locator("#id_path").input_value() == f"{qbt}/Movies/Film (2024)"


def test_refresh_shows_a_new_folder(logged_in_page, app_server, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    page = logged_in_page
    page.goto(f"{app_server.url}/browse/?path={qbt}")
    page.get_by_text("This folder is empty").wait_for()
    (host / "Brand new").mkdir()
    page.get_by_role("button", name="Refresh").click()
    page.locator("#picker").get_by_role("button", name="Brand new").wait_for()
