"""creator.metainfo reads .torrent files as libtorrent does, and edits them safely."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from creator import metainfo
from creator.metainfo import MetainfoError
from tests.harness.content import write
from tests.harness.oracle import files_of, hashes, make_torrent, tiers, torrent_info

TRACKERS = [
    ["https://a.example.org/announce", "udp://b.example.org:6969/announce"],
    ["https://c.example.org/announce"],
]


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "Album (2024)"
    write(
        root,
        {
            "01 Intro.flac": b"a" * 40_000,
            "02 Song.flac": b"b" * 70_001,
            "cover/front.jpg": b"c" * 3,
            "empty.txt": b"",
        },
    )
    return root


@pytest.mark.parametrize("format", ["v1", "v2", "hybrid"])
def test_it_reads_what_libtorrent_reads(folder, format):
    data = make_torrent(
        folder,
        format=format,
        trackers=TRACKERS,
        private=True,
        comment="hi",
        web_seeds=["https://seed.example.org/"],
    )
    ours = metainfo.read(data)
    theirs = torrent_info(data)
    assert (ours.info_hash_v1, ours.info_hash_v2) == hashes(theirs)
    assert ours.format == format
    assert ours.name == "Album (2024)"
    assert ours.total_size == 110_004
    assert sorted((f.path, f.size) for f in ours.files) == files_of(theirs)
    assert ours.file_count == 4
    assert ours.piece_size == 16384
    if format != "v2":
        assert ours.piece_count == theirs.num_pieces()
    assert [list(t) for t in ours.trackers] == tiers(theirs) == TRACKERS
    assert ours.private is True
    assert ours.comment == "hi"
    assert ours.web_seeds == ("https://seed.example.org/",)
    assert ours.torrent_size == len(data)


def test_the_magnet_link_carries_hashes_name_and_trackers(folder):
    data = make_torrent(folder, format="hybrid", trackers=TRACKERS)
    magnet = metainfo.read(data).magnet
    v1, v2 = hashes(torrent_info(data))
    assert magnet.startswith(f"magnet:?xt=urn:btih:{v1}&xt=urn:btmh:1220{v2}&dn=Album%20%282024%29")
    assert "tr=https%3A%2F%2Fa.example.org%2Fannounce" in magnet


def test_a_single_file_torrent(tmp_path):
    write(tmp_path, {"movie.mkv": b"m" * 50_000})
    ours = metainfo.read(make_torrent(tmp_path / "movie.mkv"))
    assert (ours.name, ours.file_count, ours.total_size) == ("movie.mkv", 1, 50_000)


def test_dropping_dates_keeps_the_info_hash(folder):
    data = make_torrent(folder, format="hybrid")
    before = metainfo.read(data)
    assert before.creation_date and before.created_by
    stripped = metainfo.without_fields(data, creation_date=True, created_by=True)
    after = metainfo.read(stripped)
    assert (after.creation_date, after.created_by) == (None, "")
    assert (after.info_hash_v1, after.info_hash_v2) == (before.info_hash_v1, before.info_hash_v2)
    assert hashes(torrent_info(stripped)) == (before.info_hash_v1, before.info_hash_v2)


def test_entropy_gives_a_new_info_hash_for_the_same_pieces(folder):
    data = make_torrent(folder, format="v1")
    before = metainfo.read(data)
    changed = metainfo.with_entropy(data)
    after = metainfo.read(changed)
    assert after.info_hash_v1 != before.info_hash_v1
    assert after.piece_count == before.piece_count
    assert hashes(torrent_info(changed))[0] == after.info_hash_v1


@given(
    st.recursive(
        st.integers() | st.binary(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.binary(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_bencode_round_trips(value):
    assert metainfo.bdecode(metainfo.bencode(value)) == value


@pytest.mark.parametrize(
    "data", [b"", b"not a torrent", b"d4:infoi1ee", b"de", b"i1e", b"d4:info", b"l" * 5000]
)
def test_garbage_is_refused_with_a_reason(data):
    with pytest.raises(MetainfoError):
        metainfo.read(data)


ONE_HASH = b"h" * 20


@pytest.mark.parametrize(
    "info",
    [
        {b"name": b"t", b"piece length": 16384, b"length": -5, b"pieces": ONE_HASH},
        {b"name": b"t", b"piece length": 0, b"length": 5, b"pieces": ONE_HASH},
        {b"name": b"t", b"piece length": -1, b"length": 5, b"pieces": ONE_HASH},
        {b"name": b"t", b"piece length": 16384, b"length": 5, b"pieces": b"1234567"},
        {b"name": b"t", b"piece length": 16384, b"length": 50_000, b"pieces": ONE_HASH},
        {b"name": b"..", b"piece length": 16384, b"length": 5, b"pieces": ONE_HASH},
        {b"piece length": 16384, b"length": 5, b"pieces": ONE_HASH},
    ],
    ids=[
        "negative length",
        "piece length 0",
        "negative piece length",
        "7 bytes of hashes",
        "too few hashes",
        "named ..",
        "no name",
    ],
)
def test_what_libtorrent_refuses_to_load_is_refused(info, user_client):
    data = metainfo.bencode({b"info": info})
    with pytest.raises(RuntimeError):
        torrent_info(data)
    with pytest.raises(MetainfoError):
        metainfo.read(data)
    upload = SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")
    response = user_client.post("/api/torrents/inspect", {"torrent": upload})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "torrent"


def test_editing_trackers_and_comment_keeps_the_info_hash(folder):
    data = make_torrent(folder, format="hybrid", trackers=TRACKERS, comment="old")
    before = metainfo.read(data)
    new = metainfo.edited(
        data,
        trackers=[["http://127.0.0.1:9/new"], ["udp://127.0.0.1:9/b"]],
        comment="new",
        web_seeds=["http://127.0.0.1:9/ws/"],
    )
    after = metainfo.read(new)
    assert (after.info_hash_v1, after.info_hash_v2) == (before.info_hash_v1, before.info_hash_v2)
    assert tiers(torrent_info(new)) == [["http://127.0.0.1:9/new"], ["udp://127.0.0.1:9/b"]]
    assert (after.comment, after.web_seeds) == ("new", ("http://127.0.0.1:9/ws/",))


def test_editing_source_or_private_gives_a_new_info_hash_libtorrent_agrees_with(folder):
    data = make_torrent(folder, format="hybrid")
    before = metainfo.read(data)
    new = metainfo.edited(data, source="OTHER", private=True)
    after = metainfo.read(new)
    assert after.info_hash_v1 != before.info_hash_v1
    assert (after.source, after.private) == ("OTHER", True)
    assert hashes(torrent_info(new)) == (after.info_hash_v1, after.info_hash_v2)
    assert after.piece_count == before.piece_count
    back = metainfo.read(metainfo.edited(new, source="", private=False))
    assert back.info_hash_v1 == before.info_hash_v1  # the same info dict again


@pytest.mark.parametrize(
    "info",
    [
        {  # a folder named "..": libtorrent makes a name up
            b"name": b"..",
            b"piece length": 16384,
            b"files": [{b"length": 5, b"path": [b"a"]}],
            b"pieces": ONE_HASH,
        },
        {  # marked as a link without a target: no bytes of the stream
            b"name": b"t",
            b"piece length": 16,
            b"files": [
                {b"length": 5, b"path": [b"a"]},
                {b"length": 100, b"path": [b"b"], b"attr": b"l"},
            ],
            b"pieces": ONE_HASH,
        },
    ],
    ids=["folder named ..", "link without a target"],
)
def test_what_libtorrent_loads_is_read(info):
    data = metainfo.bencode({b"info": info})
    torrent_info(data)
    assert metainfo.read(data).piece_count == 1
