"""The creator form in Chromium, against a real qBittorrent and a real worker.

The first test walks through a creation as docs/user-guide.md tells it, and takes the guide's
screenshots (docs/img/create-*.png) on qBittorrent 5.3.
"""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from creator.metainfo import read
from creator.models import Job
from tests.factories import PresetFactory, PresetSecretFactory, instance_for
from tests.harness.content import write
from tests.harness.oracle import tiers, torrent_info

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
SCREENSHOTS_ON = "5.3"  # one version's pictures, so the guide stays the same from run to run
KiB, MiB = 1024, 1024 * 1024
PASSKEY = "c0ffee00c0ffee00c0ffee00c0ffee00"
ANNOUNCE = "https://tracker.example.org/{passkey}/announce"
BACKUP = "udp://backup.example.org:6969/announce"
MIRROR = "https://mirror.example.org/announce"


@pytest.fixture
def example_preset(user):
    """A private tracker's preset: two tiers, a source tag, pieces of at most 1 MiB."""
    preset = PresetFactory(
        name="Example Tracker",
        description="A private tracker for the user guide.",
        trackers=[[ANNOUNCE], [BACKUP, MIRROR]],
        source="EX",
        max_piece_size=MiB,
        start_seeding=False,
    )
    PresetSecretFactory(user=user, preset=preset, value=PASSKEY)
    return preset


@pytest.fixture
def film(qbittorrent, content):
    """'Film (2024)' in the qBittorrent's data folder: 256 MiB that cost no disk, and a note.
    The path mapping lets qBittorrent 5.1 (no sizes in its listings) be sized too."""
    instance_for(
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    host, qbt = content
    write(host, {"Film (2024)/film.nfo": "A film.\n"})
    with open(host / "Film (2024)" / "film.mkv", "wb") as handle:
        handle.truncate(256 * MiB)
    return host.name, f"{qbt}/Film (2024)"


def shoot(target, name: str, qbittorrent, **options) -> None:
    """A screenshot for the user guide (of the page or one of its cards)."""
    if qbittorrent.version == SCREENSHOTS_ON:
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(DOCS_IMG / name), animations="disabled", **options)


# Layout shifts (Chromium's Layout Instability API) not caused by the user's own input in the
# half-second before: what "no layout shift while partials load" means, measured.
WATCH_LAYOUT_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.layoutShifts.push(entry.value);
  }
}).observe({ type: "layout-shift", buffered: true });
"""


def url_inputs(page) -> list[list[str]]:
    """The tier editor's URLs, tier by tier, as the page shows them."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.tier')].map(tier =>
            [...tier.querySelectorAll('.tier-url input')].map(input => input.value))"""
    )


def expect_tiers(page, expected: list[list[str]], timeout_s: float = 5) -> None:
    """Waits, as expect() does, for the tier editor to show `expected`."""
    deadline = time.monotonic() + timeout_s
    while (shown := url_inputs(page)) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert shown == expected


def drag_handle(page, label: str):
    return (
        page.locator(".tier-url")
        .filter(has=page.get_by_label(label, exact=True))
        .locator(".drag-handle")
    )


def url_row(page, label: str):
    return page.locator(".tier-url").filter(has=page.get_by_label(label, exact=True))


def pick(page, folder: str, name: str) -> None:
    """Opens `folder` (in the data folder) then `name` in the picker, and uses it."""
    # After a link's click, the page shows before its deferred scripts have run: a click on
    # a picker entry then would do nothing, as htmx has not bound it yet.
    page.wait_for_load_state("load")
    picker = page.locator("#picker")
    picker.get_by_role("button", name=folder).click()
    page.wait_for_selector(f"#picker [aria-current=location]:text-is('{folder}')")
    picker.get_by_role("button", name=name).click()
    page.wait_for_selector(f"#picker [aria-current=location]:text-is('{name}')")
    picker.get_by_role("button", name="Use this folder").click()


@pytest.mark.qbittorrent
@pytest.mark.slow
def test_a_user_picks_a_folder_applies_a_preset_reorders_trackers_and_gets_the_torrent(
    logged_in_page, app_server, worker, qbittorrent, film, example_preset
):
    folder, source = film
    page = logged_in_page
    page.emulate_media(reduced_motion="reduce")
    page.add_init_script(WATCH_LAYOUT_SHIFTS)
    page.get_by_role("link", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="Create a torrent")).to_be_visible()

    # Source: the picker; the analysis follows the chosen folder.
    pick(page, folder, "Film (2024)")
    expect(page.get_by_label("Path", exact=True)).to_have_value(source)
    analysis = page.locator("#analysis")
    expect(analysis).to_contain_text("256 MiB")
    expect(analysis).to_contain_text("film.mkv")
    shoot(page.locator(".source-card"), "create-1-source.png", qbittorrent)

    # Preset: it fills the form and says what it set.
    page.get_by_label("Tracker preset").select_option(label="Example Tracker")
    expect(page.get_by_label("Source tag")).to_have_value("EX")
    expect(page.get_by_label("Private torrent")).to_be_checked()
    expect_tiers(page, [[ANNOUNCE], [BACKUP, MIRROR]])
    note = page.locator("#preset-note")
    expect(note).to_contain_text("Example Tracker sets:")
    expect(note).to_contain_text("Pieces of at most 1 MiB.")
    expect(note).to_contain_text("The form keeps to Example Tracker's settings.")
    passkey_check = url_row(page, "Tier 1, URL 1").locator(".url-check")
    expect(passkey_check).to_have_text("OK; {passkey} is filled from your saved passkey")
    shoot(page.locator("#preset-title").locator(".."), "create-2-preset.png", qbittorrent)

    # Trackers: drag the mirror from tier 2 to the top of tier 1.
    drag_handle(page, "Tier 2, URL 2").drag_to(url_row(page, "Tier 1, URL 1"))
    expect_tiers(page, [[MIRROR, ANNOUNCE], [BACKUP]])
    expect(page.locator("#id_trackers")).to_have_value(f"{MIRROR}\n{ANNOUNCE}\n\n{BACKUP}")
    expect(note).to_contain_text("The trackers are in another order or other tiers")
    expect(url_row(page, "Tier 1, URL 2").locator(".url-check")).to_contain_text("{passkey}")
    shoot(page.locator("#trackers-title").locator(".."), "create-3-trackers.png", qbittorrent)

    # Piece size: Auto aims at the preset's target; a manual size changes the count.
    pieces = page.locator("#plan [data-figure=pieces]")
    expect(pieces).to_have_text("2,049")  # 128 KiB pieces: the closest to 2,750
    page.get_by_label("Piece size", exact=True).select_option(label="512 KiB")
    expect(pieces).to_have_text("513")
    expect(page.locator("#plan")).to_contain_text("512 KiB pieces: 513 pieces")
    expect(page.get_by_label("Target piece count")).to_be_disabled()  # only for Auto
    shoot(page.locator("#pieces-title").locator(".."), "create-4-pieces.png", qbittorrent)

    # Summary, then Create.
    summary = page.locator("#summary")
    expect(summary).to_contain_text("3 URLs in 2 tiers")
    expect(summary).to_contain_text("512 KiB")
    shoot(page.locator(".summary-card"), "create-5-summary.png", qbittorrent)
    shoot(page, "create-page.png", qbittorrent, full_page=True)
    # Everything above loaded partials: none of them moved what the user was looking at.
    shifts = page.evaluate("window.layoutShifts")
    assert sum(shifts) < 0.1, shifts  # 0.1: the "good" cumulative layout shift
    page.emulate_media(color_scheme="dark")
    shoot(page.locator("#trackers-title").locator(".."), "create-dark.png", qbittorrent)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("document.getElementById('trackers-title').scrollIntoView()")
    shoot(page, "create-phone.png", qbittorrent)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Create torrent").click()

    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=90_000)
    shoot(page, "create-6-job.png", qbittorrent)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .torrent").click()
    data = Path(download.value.path()).read_bytes()

    info = torrent_info(data)
    assert tiers(info) == [[MIRROR, ANNOUNCE.replace("{passkey}", PASSKEY)], [BACKUP]]
    assert info.priv()
    assert info.piece_length() == 512 * KiB
    assert info.num_pieces() == 513
    assert info.name() == "Film (2024)"
    assert read(data).source == "EX"
    job = Job.objects.get()
    assert job.options["trackers"] == [[MIRROR, ANNOUNCE], [BACKUP]]  # stored unfilled


@pytest.mark.qbittorrent
@pytest.mark.slow
def test_bad_input_shows_each_message_at_its_field(
    logged_in_page, app_server, qbittorrent, film, example_preset
):
    folder, _ = film
    page = logged_in_page
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{app_server.url}/create/")
    page.get_by_label("Tracker preset").select_option(label="Example Tracker")
    expect(page.get_by_label("Source tag")).to_have_value("EX")
    # A bad URL in a new tier: its verdict shows beside it as it is typed.
    page.get_by_role("button", name="Add a tier").click()
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Tier 3, URL 1")
    page.keyboard.type("htp://bad url/announce")
    bad = url_row(page, "Tier 3, URL 1").locator(".url-check")
    expect(bad).to_have_text("Contains spaces")
    expect(bad).to_have_class(re.compile("check-invalid"))
    page.get_by_label("Piece size", exact=True).select_option(label="4 MiB")

    # No path: the refusal names the path field, and focus goes to the list of problems.
    create = page.get_by_role("button", name="Create torrent")
    create.click()
    path_errors = page.locator("#field-path .field-errors")
    expect(path_errors).to_have_text("Choose a folder or a file with the picker, or type its path.")
    expect(page.get_by_label("Path", exact=True)).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.activeElement.id") == "create-errors"
    expect(url_row(page, "Tier 3, URL 1").locator("input")).to_have_value("htp://bad url/announce")
    expect(page.get_by_label("Piece size", exact=True)).to_have_value(str(4 * MiB))

    # A folder: now the bad URL is refused beside the trackers.
    pick(page, folder, "Film (2024)")
    expect(page.locator("#plan [data-breaches]")).to_contain_text(
        "It is above this preset's maximum of 1 MiB."
    )
    create.click()
    tracker_errors = page.locator("#field-trackers .field-errors")
    expect(tracker_errors).to_have_text("htp://bad url/announce (tier 3): Contains spaces")
    expect(page.locator("#field-path .field-errors")).to_have_count(0)

    # Without it: the piece size the preset forbids is refused beside the piece size.
    page.get_by_role("button", name="Remove tier 3 URL 1").click()
    create.click()
    piece_errors = page.locator("#field-piece_size .field-errors")
    expect(piece_errors).to_have_text("This piece size is above this preset's maximum of 1 MiB.")
    expect(page.locator("#field-trackers .field-errors")).to_have_count(0)
    shoot(page.locator(".error-summary"), "create-errors.png", qbittorrent)
    shoot(page.locator("#pieces-title").locator(".."), "create-errors-pieces.png", qbittorrent)
    assert Job.objects.count() == 0


PASTED = (
    "https://a.example.org/announce\nhttps://b.example.org/announce\n\nudp://c.example.org:6969/a"
)


def test_trackers_move_between_tiers_by_keyboard_and_a_pasted_block_becomes_tiers(
    logged_in_page, app_server
):
    page = logged_in_page
    page.goto(f"{app_server.url}/create/")
    first = page.get_by_label("Tier 1, URL 1", exact=True)
    first.click()
    page.keyboard.type(ANNOUNCE)
    page.keyboard.press("Enter")  # a new URL below, with the focus
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Tier 1, URL 2")
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const paste = new ClipboardEvent("paste", { clipboardData: data, bubbles: true });
            document.activeElement.dispatchEvent(paste);
        }""",
        PASTED,
    )
    a, b, c = (
        "https://a.example.org/announce",
        "https://b.example.org/announce",
        "udp://c.example.org:6969/a",
    )
    expect_tiers(page, [[ANNOUNCE, a, b], [c]])

    # The keyboard moves a URL across the tier boundary and keeps the focus on it.
    page.get_by_role("button", name="Move tier 1 URL 3 down").focus()
    page.keyboard.press("Enter")
    expect_tiers(page, [[ANNOUNCE, a], [b, c]])
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("aria-label", "Move tier 2 URL 1 down")
    expect(page.get_by_role("status").filter(has_text="Moved")).to_have_text(
        f"Moved {b} to tier 2, position 1."
    )
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Shift+Tab")
    expect(focused).to_have_attribute("aria-label", "Move tier 2 URL 1 up")
    page.keyboard.press("Enter")
    expect_tiers(page, [[ANNOUNCE, a, b], [c]])
    expect(page.locator("#id_trackers")).to_have_value(f"{ANNOUNCE}\n{a}\n{b}\n\n{c}")

    # As text, for lists: the same tiers, and edits come back to the editor.
    page.get_by_role("button", name="Edit as text").click()
    expect(page.get_by_role("textbox", name="Tracker URLs")).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nwss://d.example.org/announce")
    page.get_by_role("button", name="Use the tier editor").click()
    expect_tiers(page, [[ANNOUNCE, a, b], [c], ["wss://d.example.org/announce"]])
    verdict = url_row(page, "Tier 1, URL 1").locator(".url-check")
    expect(verdict).to_have_text(
        "Unfilled placeholder {passkey}: save your passkey on the Presets page first"
    )
