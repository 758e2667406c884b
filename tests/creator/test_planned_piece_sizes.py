"""A piece size the planner chose at submission is the app's choice, not the user's: when the
finished torrent breaks the preset's rules (the content was not what the listing showed), the
torrent is made again with the right size instead of failing for good."""

import pytest

from creator import metainfo
from creator.finish import _correction
from creator.models import Job
from presets import planner
from tests.creator.conftest import wait_for
from tests.creator.test_create_form import form_data
from tests.creator.test_local_submission import here
from tests.factories import JobFactory, PresetFactory, instance_for
from tests.harness.content import write
from tests.harness.oracle import make_torrent, torrent_info

KiB = 1024
TABLE = [{"up_to": 100_000, "piece_size": 16 * KiB}, {"up_to": None, "piece_size": 64 * KiB}]


@pytest.fixture
def qbittorrent_53(transactional_db, qbittorrent_pool):
    qbittorrent = qbittorrent_pool.get("5.3")  # the one whose creator takes hidden files
    instance_for(qbittorrent)
    return qbittorrent


def submit_with_hidden_files(client, qbittorrent, name: str, **body):
    """A job under TABLE of a folder holding 60 kB listed and 200 kB hidden, hidden included."""
    write(
        qbittorrent.host_data_dir / name,
        {"visible.bin": b"v" * 60_000, ".hidden.bin": b"h" * 200_000},
    )
    preset = PresetFactory(trackers=[], private=False, piece_size_table=TABLE)
    body = {
        "path": f"{qbittorrent.qbt_data_dir}/{name}",
        "presetId": preset.pk,
        "ignoreDotfiles": False,
        **body,
    }
    return client.post("/api/jobs", body, content_type="application/json")


@pytest.mark.qbittorrent
def test_hidden_files_under_a_size_table_get_the_tables_piece_size(
    user_client, qbittorrent_53, worker
):
    made = submit_with_hidden_files(user_client, qbittorrent_53, "hidden-table")
    assert made.status_code == 201, made.content
    assert any("Hidden files are included" in note for note in made.json()["notes"])
    job = wait_for(made.json()["id"], worker=worker)
    assert job.state == "completed", job.error
    data = user_client.get(f"/api/jobs/{job.pk}/torrent").content
    assert torrent_info(data).piece_length() == 64 * KiB
    assert job.file_count == 2


@pytest.mark.parametrize(("planned", "again"), [(True, 64 * KiB), (False, None)])
def test_a_planned_size_the_table_refuses_is_corrected_a_chosen_one_is_not(
    db, tmp_path, planned, again
):
    write(tmp_path / "Grown", {"a.bin": b"a" * 300_000})  # grew past the 16 KiB row
    data = make_torrent(tmp_path / "Grown", piece_size=16 * KiB)
    job: Job = JobFactory(options={"piece_size": 16 * KiB, "piece_size_planned": planned})
    rules = planner.PieceRules(
        piece_size_table=tuple(planner.SizeRule(r["up_to"], r["piece_size"]) for r in TABLE)
    )
    correction = _correction(job, metainfo.read(data), len(data), rules)
    assert correction is not None
    assert correction.piece_size == again


@pytest.mark.parametrize(("chosen", "planned"), [("0", True), (str(64 * KiB), False)])
def test_the_forms_automatic_size_is_the_planners_a_chosen_one_the_users(
    user_client, tmp_path, chosen, planned
):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    preset = PresetFactory(trackers=[], private=False, max_piece_size=1024 * KiB)
    data = form_data(
        "/data/Set", engine="local", preset=preset.pk, piece_size=chosen, planned_piece_size="16384"
    )
    user_client.post("/create/", data)
    options = Job.objects.get().options
    assert (options["piece_size_planned"], bool(options["piece_size"])) == (planned, True)


@pytest.mark.qbittorrent
def test_a_chosen_size_right_for_the_hidden_files_too_is_taken(user_client, qbittorrent_53):
    # the table's size for all 260 kB, not for the 60 kB listed
    made = submit_with_hidden_files(
        user_client, qbittorrent_53, "hidden-chosen", pieceSize=64 * KiB
    )
    assert made.status_code == 201, made.content
    user_client.post(f"/api/jobs/{made.json()['id']}/cancel")
