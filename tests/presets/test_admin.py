"""Presets in the Django admin: tiers and lists as text, sizes in words, checked on save."""

import pytest
from playwright.sync_api import expect

from presets.models import TrackerPreset
from presets.trackers import format_tiers
from tests.factories import PresetFactory, PresetSecretFactory

MiB = 1024 * 1024
CHANGELIST = "/admin/presets/trackerpreset/"


def change_url(preset) -> str:
    return f"{CHANGELIST}{preset.pk}/change/"


def form_data(preset: TrackerPreset, **changes) -> dict:
    """The change form as the admin page would submit it, with `changes` typed in."""

    def size(value):
        return "" if value is None else str(value)

    def flag(value):
        return "on" if value else ""

    data = {
        "name": preset.name,
        "description": preset.description,
        "owner": preset.owner_id or "",
        "trackers": format_tiers(preset.trackers),
        "private": flag(preset.private),
        "source": preset.source,
        "comment": preset.comment,
        "web_seeds": "\n".join(preset.web_seeds),
        "format": preset.format,
        "piece_size_mode": preset.piece_size_mode,
        "piece_size": size(preset.piece_size),
        "min_piece_size": size(preset.min_piece_size),
        "max_piece_size": size(preset.max_piece_size),
        "target_pieces_min": preset.target_pieces_min,
        "target_pieces_max": preset.target_pieces_max,
        "piece_size_table": "",
        "max_torrent_size": size(preset.max_torrent_size),
        "start_seeding": flag(preset.start_seeding),
        "category": preset.category,
        "tags": ", ".join(preset.tags),
        "omit_creation_date": flag(preset.omit_creation_date),
        "omit_created_by": flag(preset.omit_created_by),
        "randomize_info_hash": flag(preset.randomize_info_hash),
        "exclude_patterns": "\n".join(preset.exclude_patterns),
        "_save": "Save",
    }
    return {**data, **changes}


def test_the_list_shows_scope_limits_in_words_and_how_many_saved_a_passkey(
    staff_client, user, builtin_presets
):
    PresetSecretFactory(user=user, preset=builtin_presets["PTP"])
    PresetFactory(owner=user, name="Personal one")
    page = staff_client.get(CHANGELIST).content.decode()
    assert "16 MiB" in page  # PTP's max piece
    assert "1 MB" in page  # GGn's .torrent cap
    assert "250 KiB" in page  # Anthelion's
    assert "passkey: 1 user" in page
    assert "passkey: 0 users" in page
    assert f"Personal ({user.username})" in page


def test_the_list_filters_global_and_personal_presets(staff_client, user, builtin_presets):
    PresetFactory(owner=user, name="Personal one")
    personal = staff_client.get(f"{CHANGELIST}?scope=personal").content.decode()
    assert "Personal one" in personal
    assert "Anthelion" not in personal
    assert "Personal one" not in staff_client.get(f"{CHANGELIST}?scope=global").content.decode()


def test_the_change_form_shows_tiers_as_blank_line_separated_text(staff_client):
    preset = PresetFactory(
        trackers=[
            ["https://a.example.org/announce", "https://b.example.org/announce"],
            ["udp://c.example.org:6969"],
        ]
    )
    page = staff_client.get(change_url(preset)).content.decode()
    assert (
        "https://a.example.org/announce\nhttps://b.example.org/announce\n\nudp://c.example.org:6969"
        in page
    )


def test_the_change_form_shows_sizes_in_words(staff_client, builtin_presets):
    ggn = staff_client.get(change_url(builtin_presets["GGn"])).content.decode()
    assert 'value="1 MB"' in ggn
    assert '<option value="67108864" selected>64 MiB</option>' in ggn


def test_the_change_form_names_options_as_the_creator_form_does(staff_client):
    page = staff_client.get(change_url(PresetFactory())).content.decode()
    for label in (
        "Leave out the creation date",
        "Leave out \u201ccreated by\u201d",
        "Randomise the info hash",
    ):
        assert f">{label}</label>" in page, label


def test_saving_tiers_as_text_stores_ordered_lists(staff_client, ptp):
    text = "https://please.passthepopcorn.me/{passkey}/announce\r\n\r\n\r\nhttps://backup.example.org/{passkey}/announce\r\n"
    response = staff_client.post(change_url(ptp), form_data(ptp, trackers=text))
    assert response.status_code == 302
    ptp.refresh_from_db()
    assert ptp.trackers == [
        ["https://please.passthepopcorn.me/{passkey}/announce"],
        ["https://backup.example.org/{passkey}/announce"],
    ]


def test_a_bad_url_is_refused_at_the_trackers_field(staff_client, ptp):
    text = (
        "https://please.passthepopcorn.me/{passkey}/announce\n\nudp://backup.example.org/announce"
    )
    response = staff_client.post(change_url(ptp), form_data(ptp, trackers=text))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["trackers"] == [
        "udp://backup.example.org/announce (tier 2): A UDP tracker needs a port (BEP 15), like "
        "udp://host:6969/announce"
    ]
    assert 'id="id_trackers_error"' in response.content.decode()
    ptp.refresh_from_db()
    assert len(ptp.trackers) == 1


def test_a_private_preset_without_trackers_is_refused(staff_client, ptp):
    response = staff_client.post(change_url(ptp), form_data(ptp, trackers=""))
    errors = response.context["adminform"].form.errors
    assert errors["trackers"][0].startswith("A private torrent needs a tracker")


def test_a_bad_web_seed_is_refused_at_its_field(staff_client, ptp):
    response = staff_client.post(change_url(ptp), form_data(ptp, web_seeds="udp://x:1/seed"))
    assert "web seed needs http://" in response.context["adminform"].form.errors["web_seeds"][0]


def test_sizes_and_the_table_are_typed_in_words(staff_client, ptp):
    data = form_data(
        ptp,
        max_torrent_size="250 KiB",
        piece_size_table="1 GiB: 1 MiB\n*: 4 MiB",
        tags="film, ptp ,",
        exclude_patterns="*.nfo\n\nSample/*",
    )
    assert staff_client.post(change_url(ptp), data).status_code == 302
    ptp.refresh_from_db()
    assert ptp.max_torrent_size == 256_000
    assert ptp.piece_size_table == [
        {"up_to": 1024 * MiB, "piece_size": MiB},
        {"up_to": None, "piece_size": 4 * MiB},
    ]
    assert ptp.tags == ["film", "ptp"]
    assert ptp.exclude_patterns == ["*.nfo", "Sample/*"]
    page = staff_client.get(change_url(ptp)).content.decode()
    assert "1 GiB: 1 MiB\n*: 4 MiB" in page
    assert 'value="250 KiB"' in page


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"max_torrent_size": "big"}, "max_torrent_size", "is not a size"),
        ({"piece_size_table": "1 GiB = 1 MiB"}, "piece_size_table", "Line 1"),
        ({"piece_size_table": "1 GiB: 3 MiB"}, "piece_size_table", "Row 1: 3 MiB"),
        ({"min_piece_size": str(32 * MiB)}, "max_piece_size", "smaller than the minimum"),
        ({"piece_size_mode": "fixed"}, "piece_size", "needs a size"),
        ({"target_pieces_max": "10"}, "target_pieces_max", "smaller than its minimum"),
        ({"max_piece_size": str(3 * MiB)}, "max_piece_size", "Select a valid choice"),
    ],
)
def test_bad_rules_are_refused_at_their_field(staff_client, ptp, changes, field, reason):
    response = staff_client.post(change_url(ptp), form_data(ptp, **changes))
    assert response.status_code == 200
    assert reason in " ".join(response.context["adminform"].form.errors[field])


def test_warnings_are_shown_after_saving(staff_client, ptp):
    data = form_data(ptp, trackers="https://please.passthepopcorn.me/{passkey}/")
    response = staff_client.post(change_url(ptp), data, follow=True)
    page = response.content.decode()
    assert "Has no &#x27;announce&#x27; in its path" in page


def test_an_admin_adds_a_preset(staff_client, db):
    data = form_data(
        TrackerPreset(
            name="New tracker",
            trackers=[["https://new.example.org/{passkey}/announce"]],
            private=True,
        )
    )
    assert staff_client.post(f"{CHANGELIST}add/", data).status_code == 302
    assert TrackerPreset.objects.get(name="New tracker").is_global


def test_an_admin_deletes_a_builtin_preset(staff_client, builtin_presets):
    mtv = builtin_presets["MTV"]
    response = staff_client.post(f"{CHANGELIST}{mtv.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TrackerPreset.objects.filter(name="MTV").exists()


def test_the_change_form_shows_who_saved_secrets_but_no_value(staff_client, ptp, passkey):
    PresetSecretFactory(preset=ptp, value=passkey)
    page = staff_client.get(change_url(ptp)).content.decode()
    assert "passkey: saved by 1 user" in page
    assert passkey not in page


def test_users_secrets_have_no_admin_page(staff_client, db):
    assert staff_client.get("/admin/presets/presetsecret/").status_code == 404


@pytest.mark.browser
def test_an_admin_edits_tiers_in_the_browser_and_sees_a_bad_url_at_the_field(
    page, app_server, staff_user, password
):
    preset = PresetFactory(
        name="Browser tracker", trackers=[["https://a.example.org/{passkey}/announce"]]
    )
    page.goto(f"{app_server.url}/admin/login/")
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{app_server.url}{change_url(preset)}")

    tiers = "https://a.example.org/{passkey}/announce\nhttps://b.example.org/{passkey}/announce\n\nudp://c.example.org:6969/announce"
    page.get_by_label("Tracker URLs").fill(tiers)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.get_by_label("Tracker URLs")).to_have_value(tiers)
    preset.refresh_from_db()
    assert preset.trackers == [
        ["https://a.example.org/{passkey}/announce", "https://b.example.org/{passkey}/announce"],
        ["udp://c.example.org:6969/announce"],
    ]

    page.get_by_label("Tracker URLs").fill(
        "https://a.example.org/{passkey}/announce\n\nftp://bad.example.org/announce"
    )
    page.get_by_role("button", name="Save and continue editing").click()
    row = page.locator(".form-row.field-trackers")
    expect(row.locator(".errorlist")).to_have_text(
        "ftp://bad.example.org/announce (tier 2): Uses ftp://; a tracker needs http://, "
        "https://, udp:// or wss://"
    )
    expect(page.get_by_label("Tracker URLs")).to_have_value(
        "https://a.example.org/{passkey}/announce\n\nftp://bad.example.org/announce"
    )
    preset.refresh_from_db()
    assert len(preset.trackers) == 2
    assert "ftp://" not in str(preset.trackers)
