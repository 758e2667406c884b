"""The creator form (/create/ and its live parts) through the Django test client: what a user
sees, and the jobs it makes on a real qBittorrent."""

import html
import json
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from browser.capabilities import Capabilities
from browser.models import Instance, NavigationMode, NavigationPreference
from creator.defaults import DEFAULT_VALUES, creator_defaults_get, creator_defaults_save
from creator.forms import PRESET_FORM_FIELDS, CreateForm, preset_values
from creator.models import CreatorDefaults, Job, JobState
from creator.offer import CreatorOffer, creator_offer, formats_offered
from tests.factories import (
    InstanceFactory,
    JobFactory,
    PresetFactory,
    PresetSecretFactory,
    instance_for,
)
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent

pytestmark = pytest.mark.django_db

KiB, MiB = 1024, 1024 * 1024
PASSKEY = "c0ffee00c0ffee00c0ffee00c0ffee00"
ANNOUNCE = "https://tracker.example.org/{passkey}/announce"
BACKUP = "udp://backup.example.org:6969/announce"


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(page: str, name: str) -> list[str]:
    """The messages shown beside a field (the list its input's aria-describedby names)."""
    match = re.search(rf'<ul class="field-errors" id="id_{name}_error">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def checked(page: str, name: str) -> bool:
    box = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    assert box, f"no {name} checkbox"
    return " checked" in box.group(0)


def top_errors(page: str) -> list[str]:
    match = re.search(r'<div class="error-summary".*?<ul>(.*?)</ul>', page, re.S)
    return (
        [
            re.sub(r"<[^>]+>", "", item).strip()
            for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
        ]
        if match
        else []
    )


def form_data(path: str = "", **changes) -> dict:
    """What the page posts with its defaults, changed as given (absent checkboxes: off)."""
    data = {
        "path": path,
        "preset": "",
        "trackers": "",
        "web_seeds": "",
        "comment": "",
        "source": "",
        "format": "v1",
        "piece_size": "0",
        "target_pieces": "2750",
        "category": "",
        "tags": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def example_preset(user):
    """A private tracker's preset, pieces at most 1 MiB, with the user's passkey saved."""
    preset = PresetFactory(
        name="Example",
        trackers=[[ANNOUNCE], [BACKUP]],
        source="EX",
        max_piece_size=MiB,
        format="hybrid",
        start_seeding=False,
        category="uploads",
        tags=["mine", "new"],
        omit_creation_date=True,
    )
    PresetSecretFactory(user=user, preset=preset, value=PASSKEY)
    return preset


# --- the page --------------------------------------------------------------------------------


def test_create_comes_first_in_the_navigation_and_on_the_home_page(user_client):
    page = text(user_client.get("/"))
    links = re.findall(r'<nav aria-label="Main">.*?</nav>', page, re.S)[0]
    assert re.findall(r'<a href="([^"]+)"', links)[0] == "/create/"
    assert '<a class="button primary" href="/create/">Create a torrent</a>' in page
    create = text(user_client.get("/create/"))
    assert '<a href="/create/" aria-current="page">Create</a>' in create


def test_a_new_user_starts_from_the_defaults(user_client):
    page = text(user_client.get("/create/"))
    assert "<h1>Create a torrent</h1>" in page
    assert checked(page, "start_seeding") and not checked(page, "private")
    assert re.search(r'<option value="0" selected>Auto</option>', page)
    assert 'value="2750"' in page
    # No instance yet: the page says so instead of failing.
    assert "No qBittorrent instance is set up" in page


def test_a_returning_user_starts_from_their_last_values(user_client, user):
    creator_defaults_save(
        user=user,
        values={
            **DEFAULT_VALUES,
            "trackers": f"{ANNOUNCE}\n\n{BACKUP}",
            "private": True,
            "source": "EX",
            "piece_size": 4 * MiB,
            "comment": "Remastered",
        },
    )
    page = text(user_client.get("/create/"))
    assert '<textarea id="id_trackers"' in page
    assert f"{ANNOUNCE}\n\n{BACKUP}</textarea>" in page
    assert checked(page, "private")
    assert 'value="EX"' in page
    assert f'<option value="{4 * MiB}" selected>4 MiB</option>' in page
    assert "Remastered</textarea>" in page


def test_remembered_values_are_only_the_forms(user):
    creator_defaults_save(user=user, values={**DEFAULT_VALUES, "path": "/data/x", "junk": 1})
    saved = CreatorDefaults.objects.get(user=user).values
    assert set(saved) == set(DEFAULT_VALUES)
    CreatorDefaults.objects.filter(user=user).update(values={"source": "EX", "old_field": True})
    assert creator_defaults_get(user=user) == {**DEFAULT_VALUES, "source": "EX"}


def test_a_user_in_local_mode_is_told_of_the_move_and_can_switch(user_client, user):
    NavigationPreference.objects.create(user=user, mode=NavigationMode.LOCAL)
    page = text(user_client.get("/create/"))
    assert "You browse this server's folders (local mode)" in page
    assert "Local mode (this server's folders through path mappings) is deprecated" in page
    response = user_client.post("/create/browse-in-qbittorrent")
    assert response.status_code == 302 and response["Location"] == "/create/"
    assert NavigationPreference.objects.get(user=user).mode == NavigationMode.QBITTORRENT
    page = text(user_client.get("/create/"))
    assert "local mode" not in page
    assert "You now browse as qBittorrent sees its folders." in page


# --- what the form offers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("libtorrent", "setting", "offered"),
    [
        ("2.0.11.0", True, ("v1", "v2", "hybrid")),
        ("2.0.11.0", False, ("v1",)),
        ("1.2.19.0", True, ("v1",)),
    ],
)
def test_v2_formats_are_offered_where_the_host_makes_them_and_the_setting_allows(
    db, libtorrent, setting, offered
):
    caps = Capabilities(
        app_version="v5.1.0", webapi_version="2.11.4", libtorrent_version=libtorrent
    )
    with override_settings(V2_FORMATS_OFFERED=setting):
        assert formats_offered(caps) == offered


@pytest.fixture
def fake_qbittorrent():
    server = FakeQbittorrent()
    yield server
    server.stop()


def test_a_libtorrent_1_2_host_gets_alignment_options_and_v1_only(
    user_client, user, fake_qbittorrent
):
    fake_qbittorrent.routes["/api/v2/app/buildInfo"] = (200, {"libtorrent": "1.2.19.0"})
    fake_qbittorrent.routes["/api/v2/torrents/categories"] = (200, {"Films": {}, "books": {}})
    InstanceFactory(url=fake_qbittorrent.url, is_default=True)
    offer = creator_offer(user=user, instance_id=None)
    assert (offer.formats, offer.alignment_options) == (("v1",), True)
    assert offer.categories == ("books", "Films")
    page = text(user_client.get("/create/"))
    assert "<legend>Alignment (libtorrent 1.2)</legend>" in page
    assert 'name="optimize_alignment"' in page and 'name="padded_file_size_limit"' in page
    assert '<input type="hidden" name="format" value="v1">' in page
    assert 'name="format" value="v2"' not in page
    assert '<option value="books"></option><option value="Films"></option>' in page


def test_a_libtorrent_2_host_gets_every_format_and_no_alignment(user_client, fake_qbittorrent):
    fake_qbittorrent.routes["/api/v2/torrents/categories"] = (200, {})
    InstanceFactory(url=fake_qbittorrent.url, is_default=True)
    page = text(user_client.get("/create/"))
    for value, label in (("v1", "v1"), ("v2", "v2"), ("hybrid", "Hybrid (v1 and v2)")):
        assert re.search(
            rf'<input type="radio" name="format" value="{value}".*?> {re.escape(label)}</label>',
            page,
        )
    assert "Alignment" not in page


def test_alignment_is_posted_in_bytes_as_qbittorrent_takes_it():
    offer = CreatorOffer(instance=None, formats=("v1",), alignment_options=True)
    data = form_data("/data/x", optimize_alignment="on", padded_file_size_limit="512")
    form = CreateForm(data, offer=offer, presets=[])
    assert form.is_valid(), form.errors
    request = form.job_request()
    assert (request.optimize_alignment, request.padded_file_size_limit) == (True, 512 * KiB)
    form = CreateForm(form_data("/data/x"), offer=offer, presets=[])
    assert form.is_valid()
    assert (form.job_request().optimize_alignment, form.job_request().padded_file_size_limit) == (
        False,
        None,
    )
    # Elsewhere the form has no such fields and asks for nothing.
    form = CreateForm(data, offer=CreatorOffer(instance=None), presets=[])
    assert form.is_valid()
    assert (form.job_request().optimize_alignment, form.job_request().padded_file_size_limit) == (
        None,
        None,
    )


# --- the live parts ------------------------------------------------------------------------------


def test_each_tracker_url_gets_its_verdict_and_web_seeds_on_a_private_torrent_a_warning(
    user_client,
):
    response = user_client.get(
        "/create/checks",
        form_data(
            trackers="https://good.example.org/announce\nhtp://bad url/announce\n\nudp://nopt.example.org/announce",
            web_seeds="https://seed.example.org/files/",
            private="on",
        ),
    )
    page = text(response)
    verdicts = re.findall(r'data-url="([^"]*)" data-level="(\w+)" data-message="([^"]*)"', page)
    assert verdicts == [
        ("https://good.example.org/announce", "valid", "OK"),
        ("htp://bad url/announce", "invalid", "Contains spaces"),
        (
            "udp://nopt.example.org/announce",
            "invalid",
            "A UDP tracker needs a port (BEP 15), like udp://host:6969/announce",
        ),
    ]
    assert "https://seed.example.org/files/ (web seed): OK" in page
    assert (
        "Web seeds on a private torrent: most private trackers forbid them or strip them." in page
    )


def test_a_passkey_url_is_fine_once_the_user_saved_their_passkey(user_client, example_preset):
    page = text(
        user_client.get("/create/checks", form_data(trackers=ANNOUNCE, preset=example_preset.pk))
    )
    assert (
        'data-level="valid" data-message="OK; {passkey} is filled from your saved passkey"' in page
    )
    assert PASSKEY not in page
    unsaved = PresetFactory(trackers=[["https://other.example.org/{passkey}/announce"]])
    page = text(
        user_client.get(
            "/create/checks",
            form_data(trackers="https://other.example.org/{passkey}/announce", preset=unsaved.pk),
        )
    )
    assert "Unfilled placeholder {passkey}: save your passkey on the Presets page first" in page


def test_choosing_a_preset_fills_the_options_with_its_settings(user_client, example_preset):
    response = user_client.get(
        "/create/options",
        form_data(path="/data/film", preset=example_preset.pk, comment="mine", apply_preset="1"),
    )
    assert response["HX-Trigger-After-Settle"] == "options-applied"
    page = text(response)
    assert page.lstrip().startswith('<div id="create-options"')
    assert f'<option value="{example_preset.pk}" selected>Example</option>' in page
    assert f"{ANNOUNCE}\n\n{BACKUP}</textarea>" in page
    assert checked(page, "private")
    assert 'name="source" value="EX"' in page
    assert 'name="category" value="uploads"' in page and 'name="tags" value="mine, new"' in page
    assert checked(page, "omit_creation_date")
    assert not checked(page, "start_seeding")  # the preset does not seed
    assert "mine</textarea>" not in page  # the preset's (empty) comment replaces the typed one


def test_choosing_no_preset_clears_what_a_preset_set(user_client, example_preset):
    data = form_data(
        path="/data/film", trackers=ANNOUNCE, private="on", source="EX", category="uploads"
    )
    page = text(user_client.get("/create/options", {**data, "preset": "", "apply_preset": "1"}))
    assert not checked(page, "private")
    assert 'name="source" value=""' in page or 'name="source" value' not in page
    assert ANNOUNCE not in page and "uploads" not in page
    assert checked(page, "start_seeding")  # back to the defaults, not merely emptied
    assert sorted(PRESET_FORM_FIELDS) == sorted(
        set(preset_values(example_preset, offer=CreatorOffer(instance=None))) - {"preset"}
    )


def test_without_javascript_apply_preset_reloads_the_page_filled(user_client, example_preset):
    page = text(user_client.get("/create/", form_data("/data/film", preset=example_preset.pk)))
    assert '<noscript><button type="submit" formmethod="get"' in page
    data = form_data("/data/film", preset=example_preset.pk, apply_preset="1")
    page = text(user_client.get("/create/", data))
    assert f"{ANNOUNCE}\n\n{BACKUP}</textarea>" in page
    assert 'name="source" value="EX"' in page
    assert 'name="path" value="/data/film"' in page


def test_options_reloaded_for_another_instance_keep_the_users_edits(user_client, example_preset):
    data = form_data(
        preset=example_preset.pk, source="MINE", trackers="https://a.example.org/announce"
    )
    page = text(user_client.get("/create/options", data))
    assert 'name="source" value="MINE"' in page
    assert "https://a.example.org/announce</textarea>" in page


def test_the_preset_note_says_what_it_sets_and_where_the_edits_depart(user_client, example_preset):
    as_set = form_data(
        preset=example_preset.pk,
        trackers=f"{ANNOUNCE}\n\n{BACKUP}",
        private="on",
        source="EX",
        format="hybrid",
    )
    page = text(user_client.get("/create/preset", as_set))
    assert "<p>Example sets:</p>" in page
    assert "<li>Pieces of at most 1 MiB.</li>" in page
    assert "The form keeps to Example's settings." in page
    edited = {**as_set, "piece_size": str(4 * MiB), "source": "XX"}
    del edited["private"]
    page = text(user_client.get("/create/preset", edited))
    assert "Your edits depart from Example:" in page
    assert "<li>Private is off: Example takes private torrents only.</li>" in page
    assert '<li>The source tag is "XX": Example sets the source tag "EX".</li>' in page
    assert "<li>A piece size of 4 MiB is above this preset's maximum of 1 MiB.</li>" in page
    assert "No preset: the torrent gets exactly the settings below." in text(
        user_client.get("/create/preset", form_data())
    )


def test_the_summary_describes_the_torrent_the_form_will_make(user_client, example_preset):
    data = form_data(
        path="/data/Film",
        preset=example_preset.pk,
        trackers=f"{ANNOUNCE}\n{ANNOUNCE.replace('tracker.', 'tracker2.')}\n\n{BACKUP}",
        private="on",
        format="hybrid",
        planned_piece_size=str(512 * KiB),
        start_seeding="on",
        category="uploads",
        tags="mine, new",
        randomize_info_hash="on",
    )
    page = re.sub(r"\s+", " ", text(user_client.get("/create/summary", data)))
    for words in (
        "<dt>Source</dt> <dd><code>/data/Film</code></dd>",
        "<dt>Preset</dt><dd>Example</dd>",
        "<dd>3 URLs in 2 tiers</dd>",
        "<dt>Private</dt><dd>Yes</dd>",
        "<dt>Format</dt><dd>Hybrid (v1 and v2)</dd>",
        '<dd>512 KiB <span class="muted">(Auto)</span></dd>',
        "<dd>Seeds in qBittorrent at once, category “uploads”, tags mine, new</dd>",
        "<dt>Also</dt><dd>a random info hash</dd>",
    ):
        assert words in page


# --- refusals --------------------------------------------------------------------------------


def test_a_missing_path_is_refused_beside_the_path_field(user_client):
    response = user_client.post("/create/", form_data(""))
    assert response.status_code == 422
    page = text(response)
    assert field_errors(page, "path") == [
        "Choose a folder or a file with the picker, or type its path."
    ]
    assert 'aria-describedby="id_path_helptext id_path_error"' in page
    assert top_errors(page) == [
        "Path: Choose a folder or a file with the picker, or type its path."
    ]
    assert Job.objects.count() == 0


@override_settings(JOB_ACTIVE_LIMIT=1)
def test_a_refusal_no_field_explains_shows_at_the_top(user_client, user):
    JobFactory(owner=user, state="hashing")
    response = user_client.post("/create/", form_data("/data/x"), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert top_errors(text(response)) == [
        "You have 1 job running or queued, the most allowed; wait for it to finish."
    ]
    assert Job.objects.count() == 1


# --- on a real qBittorrent -------------------------------------------------------------------


@pytest.fixture
def film(db, qbittorrent, content):
    """A folder of 3 MiB in a real qBittorrent's data folder, its sizes seen through a mapping.

    The tests' transaction never commits, so no job they make reaches qBittorrent."""
    instance_for(
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    host, qbt = content
    write(host, {"Film/film.mkv": b"f" * (3 * MiB), "Film/film.nfo": "about"})
    return f"{qbt}/Film"


@pytest.mark.qbittorrent
def test_a_path_in_the_address_preselects_the_source(user_client, film):
    instance = Instance.objects.get(is_default=True)
    page = text(user_client.get("/create/", {"path": film, "instance": instance.pk}))
    assert f'name="path" value="{film}"' in page
    assert f'<input type="hidden" name="instance" value="{instance.pk}"' in page
    assert '<span aria-current="location">Film</span>' in page  # the picker opens there
    assert 'hx-trigger="load, change' in page  # its analysis loads at once


@pytest.mark.qbittorrent
def test_the_plan_counts_pieces_for_a_chosen_size_and_plans_auto(user_client, film, example_preset):
    manual = form_data(film, preset=example_preset.pk, piece_size=str(4 * MiB))
    response = user_client.get("/create/plan", manual)
    assert response["HX-Trigger-After-Settle"] == "plan-updated"
    page = re.sub(r"\s+", " ", text(response))
    assert "<strong>4 MiB pieces: 1 piece</strong>" in page
    assert "This piece size breaks the preset's rules:" in page
    assert "<li>It is above this preset's maximum of 1 MiB.</li>" in page
    assert "planned_piece_size" not in page
    auto = text(user_client.get("/create/plan", form_data(film, preset=example_preset.pk)))
    # 3 MiB aiming at 2,750 pieces: 16 KiB pieces (192) are the closest the sizes come.
    assert "<strong>16 KiB pieces: 193 pieces</strong>" in auto
    assert '<input type="hidden" name="planned_piece_size" value="16384">' in auto
    assert "Content: 3 MiB in 2 files, format v1." in auto


@pytest.mark.qbittorrent
def test_creating_moves_to_the_jobs_live_page_and_remembers_the_values_without_secrets(
    user_client, user, film, example_preset
):
    data = form_data(
        film,
        preset=example_preset.pk,
        trackers=f"{BACKUP}\n\n{ANNOUNCE}",
        private="on",
        source="EX",
        piece_size="0",
        planned_piece_size=str(64 * KiB),
        target_pieces="1500",
        comment="Made by the form",
    )
    response = user_client.post("/create/", data, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/jobs/{job.pk}/"
    assert job.source_path == film
    assert job.preset == example_preset
    assert job.options["trackers"] == [[BACKUP], [ANNOUNCE]]
    assert job.options["piece_size"] == 64 * KiB  # the plan the user saw
    assert (job.options["private"], job.options["source"], job.options["format"]) == (
        True,
        "EX",
        "v1",
    )
    assert job.options["comment"] == "Made by the form"
    remembered = CreatorDefaults.objects.get(user=user).values
    assert remembered["trackers"] == f"{BACKUP}\n\n{ANNOUNCE}"
    assert (remembered["preset"], remembered["target_pieces"], remembered["piece_size"]) == (
        example_preset.pk,
        1500,
        0,
    )
    assert PASSKEY not in json.dumps(remembered)
    # The job ends before its page is read: the message must not say it is under way.
    Job.objects.filter(pk=job.pk).update(state=JobState.COMPLETED, finished_at=timezone.now())
    page = text(user_client.get(f"/jobs/{job.pk}/"))
    assert f"Job {job.pk} was queued." in page
    assert "under way" not in page and "You may leave this page" not in page


@pytest.mark.qbittorrent
def test_without_javascript_creating_redirects_to_the_job(user_client, film):
    response = user_client.post("/create/", form_data(film, piece_size=str(MiB)))
    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/jobs/{job.pk}/")
    assert job.options["piece_size"] == MiB


@pytest.mark.qbittorrent
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"trackers": "htp://bad url/announce"},
            "trackers",
            "htp://bad url/announce (tier 1): Contains spaces",
        ),
        (
            {"piece_size": str(4 * MiB)},
            "piece_size",
            "This piece size is above this preset's maximum of 1 MiB.",
        ),
        ({"path": "/nowhere/at/all"}, "path", "outside"),
    ],
)
def test_a_refusal_is_shown_beside_its_field_with_the_values_kept(
    user_client, film, example_preset, changes, field, words
):
    data = form_data(film, preset=example_preset.pk, trackers=ANNOUNCE, private="on", source="EX")
    response = user_client.post("/create/", {**data, **changes}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    page = text(response)
    assert any(words in error for error in field_errors(page, field)), field_errors(page, field)
    assert 'id="create-errors" role="alert" tabindex="-1" autofocus' in page
    assert 'name="source" value="EX"' in page
    if field == "piece_size":
        assert f'<option value="{4 * MiB}" selected>4 MiB</option>' in page
    assert Job.objects.count() == 0


def test_every_refused_field_is_shown_at_once(user_client, film, example_preset):
    data = form_data(film, preset=example_preset.pk, trackers=ANNOUNCE, private="on")
    changes = {
        "web_seeds": "ftp://127.0.0.1/film/",
        "source": "EX\x01",
        "category": "../../etc",
        "tags": "",
        "trackers": "htp://bad url/announce",
    }
    response = user_client.post("/create/", {**data, **changes}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    page = text(response)
    for field, words in (
        ("web_seeds", "Uses ftp://"),
        ("source", "The source cannot contain control characters."),
        ("category", "A category cannot have '.' or '..' as a part"),
        ("trackers", "Contains spaces"),
    ):
        assert any(words in error for error in field_errors(page, field)), (field, page[-3000:])
    assert Job.objects.count() == 0


def test_the_api_names_every_refused_field(user_client, film):
    body = {"path": film, "category": "a//b", "tags": ["x,y"], "webSeeds": ["ftp://x/"]}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 422, response.content
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["category", "tags", "webSeeds"]
    assert response.json()["detail"] == response.json()["errors"][0]["message"]


def test_the_form_can_ask_for_this_servers_engine_and_a_name(user_client, db, tmp_path):
    from tests.factories import InstanceFactory
    from tests.harness.content import write

    write(tmp_path / "data" / "Rel", {"a.mkv": b"a" * 1000})
    InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}],
    )
    response = user_client.post(
        "/create/", form_data("/data/Rel", engine="local", name="Release.Name")
    )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.engine, job.name, job.options["name"]) == ("local", "Release.Name", "Release.Name")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("category", "Movies/", "cannot start or end with '/'"),
        ("source", "EX\x01", "control characters"),
    ],
)
def test_the_texts_a_job_hands_on_are_refused_beside_their_field(
    user_client, tmp_path, field, value, words
):
    from tests.creator.test_local_submission import here
    from tests.harness.content import write

    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    data = form_data("/data/Set", engine="local", **{field: value})
    response = user_client.post("/create/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422, text(response)[:500]
    assert any(words in error for error in field_errors(text(response), field))
    assert Job.objects.count() == 0


def test_an_unreachable_qbittorrent_is_said_once(user_client, db):
    InstanceFactory(is_default=True, name="seedbox", url="http://127.0.0.1:9")
    page = text(user_client.get("/create/"))
    assert page.count("qBittorrent 'seedbox' cannot be reached") == 1, page
