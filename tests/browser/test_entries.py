"""A folder's entries: built from qBittorrent's answer and put in natural order the same way by
browser/_listing.c and by the Python it stands in for, whatever the answer holds."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from browser import entries
from browser.entries import make_entry, modified_at
from tests.harness import require

pytestmark = pytest.mark.database_free  # the PostgreSQL stage leaves it out


def requires_listing_module() -> None:
    require(
        entries._listing is not None,
        "browser/_listing (a large folder's entries, a C extension)",
        "bash scripts/build-native.sh",
    )


def test_natural_sort_orders_numbers_by_value_and_ignores_case():
    names = ["Episode 10", "episode 2", "Episode 1", "extras", "Ep 03"]
    assert sorted(names, key=entries.natural_key) == [
        "Ep 03",
        "Episode 1",
        "episode 2",
        "Episode 10",
        "extras",
    ]


def test_folders_come_first_then_files_each_in_natural_order():
    listed = [
        make_entry("b 10", "/d/b 10", "dir"),
        make_entry("A 9.mkv", "/d/A 9.mkv", "file", 1),
        make_entry("a 10.mkv", "/d/a 10.mkv", "file", 2),
        make_entry("b 9", "/d/b 9", "dir"),
    ]
    assert [e["name"] for e in entries.sort_entries(listed)] == [
        "b 9",
        "b 10",
        "A 9.mkv",
        "a 10.mkv",
    ]


# names with digits of every kind: ASCII, leading zeros, long runs, other scripts' digits
digit_runs = st.sampled_from(
    ["0", "00", "007", "10", "9" * 1001, "0" * 5, "\u0663", "\uff11", "A", "\u00df"]
)
names = st.lists(st.one_of(st.text(), digit_runs), max_size=5).map("".join)


@given(st.lists(names))
def test_a_folders_natural_keys_are_each_names_natural_key(listed):
    # one pass over the whole folder must cut and key exactly as a call per name
    assert entries.natural_keys(listed) == [entries.natural_key(name) for name in listed]


@given(
    st.lists(
        st.tuples(names, st.sampled_from(["dir", "file"])).map(
            lambda item: make_entry(item[0], "/d/" + item[0], item[1])
        ),
        max_size=40,
    )
)
def test_the_c_order_is_pythons(listed):
    requires_listing_module()
    listed = listed + [dict(e) for e in listed[:3]]  # names seen twice keep their order
    ordered = entries._listing.natural_order(listed)
    assert [id(e) for e in ordered] == [id(e) for e in entries._sorted(listed)]


def test_numbers_of_every_length_are_ordered_by_value():
    numbers = [
        "0",
        "9",
        "10",
        "9" * 99,
        "1" + "0" * 99,
        "9" * 999,
        "1" + "0" * 999,
        "2" + "0" * 999,
    ]
    listed = [make_entry(f"x {n}", f"/x {n}", "file") for n in reversed(numbers)]
    assert [e["name"] for e in entries.sort_entries(listed)] == [f"x {n}" for n in numbers]
    assert entries._sorted(listed) == entries.sort_entries(listed)


def test_a_name_holding_nul_is_ordered_all_the_same():
    listed = [make_entry("b", "/b", "file"), make_entry("a\0", "/a", "file")]
    assert [e["path"] for e in entries.sort_entries(listed)] == ["/a", "/b"]


# qBittorrent's items, and the odd ones an answer could hold
seconds = st.one_of(
    st.integers(-62135596801, 253402300800),  # years 1 to 9999, and one second beyond each
    st.sampled_from([0, -1, 951782400, 2**63, -(2**70)]),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON can say
    st.booleans(),
    st.text(max_size=3),
)
items = st.fixed_dictionaries(
    {
        "name": names,
        "type": st.sampled_from(["dir", "file", "other", "", 1]),
        "size": st.one_of(
            st.integers(-1, 2**70), st.none(), st.floats(-1e308, 1e308), st.booleans()
        ),
        "last_modification_date": seconds,
        "creation_date": seconds,
    }
).flatmap(lambda item: st.sampled_from([item, {k: v for k, v in item.items() if k != "size"}]))


def json_text(answer, ascii_only: bool, indent: int | None) -> bytes:
    """An answer as JSON text: with \\u escapes for all that is not ASCII, or without."""
    return json.dumps(answer, ensure_ascii=ascii_only, indent=indent).encode()


@given(
    st.lists(items, max_size=30),
    st.sampled_from(["/data/", "/", "D:/films/", "/é/"]),
    st.booleans(),
    st.sampled_from([None, 0, 2]),
)
def test_the_c_entries_are_pythons(answer, prefix, ascii_only, indent):
    requires_listing_module()
    text = json_text(answer, ascii_only, indent)
    made = entries._listing.qbt_entries(text, prefix)
    assert made == entries._sorted(entries._qbt_entries(text, prefix))
    # the API's keys, in its order
    assert all(list(e) == ["name", "path", "type", "size", "modified", "qbtPath"] for e in made)


def read_by_both(text: bytes):
    """What the C reader and the Python one make of `text`: the same entries, or ValueError
    from both."""
    try:
        python = entries._sorted(entries._qbt_entries(text, "/"))
    except ValueError:
        python = ValueError
    try:
        made = entries._listing.qbt_entries(text, "/")
    except ValueError:
        made = ValueError
    assert made == python, text
    return made


@given(st.lists(items, max_size=5), st.data())
def test_a_damaged_answer_is_read_alike_or_refused_by_both(answer, data):
    requires_listing_module()
    text = bytearray(json_text(answer, data.draw(st.booleans()), None))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        change = data.draw(st.sampled_from(["insert", "replace", "delete"]))
        byte = data.draw(st.sampled_from(b'[]{}",:\\u0159eE+-.tfn \x01\x80\xc3\xed\xff'))
        if change == "insert":
            text[at:at] = bytes([byte])
        elif at < len(text):
            text[at : at + 1] = b"" if change == "delete" else bytes([byte])
    read_by_both(bytes(text))


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"<html>Bad gateway</html>",
        b"[",
        b"[1,]",
        b"[] []",
        b'{"name": "a", "type": "file"}',  # an object where a list belongs
        b'[{"name": "a", "type": "file"}',
        b'[{"name" "a"}]',
        b'["\\ud800"]',  # half of a surrogate pair
        b'["\\udc00 x"]',
        b'["\\u12"]',
        b'["\\x"]',
        b'["\x01"]',  # a control character, unescaped
        b'["\xff"]',  # not UTF-8
        b'["\xed\xa0\x80"]',  # a surrogate written as UTF-8
        b"[01]",
        b"[1.]",
        b"[1e]",
        b"[-]",
        b"[tru]",
        b"[" * 2000 + b"]" * 2000,
        b"[null]",
        b'["/data/a"]',  # qBittorrent 5.0/5.1's answer (paths), read as if it had metadata
        b'[{"type": "file"}]',
        b'[{"type": "dir", "name": 7}]',
    ],
)
def test_an_answer_neither_can_read_is_refused_by_both(text):
    requires_listing_module()
    assert read_by_both(text) is ValueError


def test_many_short_items_are_all_read():
    # far more items than their bytes suggest (the reader makes room as it goes)
    requires_listing_module()
    text = b"[" + b",".join(b'{"name":"%d","type":"file"}' % n for n in range(3000)) + b"]"
    made = read_by_both(text)
    assert [e["name"] for e in made] == [str(n) for n in range(3000)]


def test_a_key_said_twice_means_its_last_value_to_both():
    requires_listing_module()
    text = (
        b'[{"name": "a", "type": "dir", "name": "b\\u00e9\\ud83d\\ude00", "type": "file",'
        b' "size": 1, "size": "1", "last_modification_date": 1.5,'
        b' "last_modification_date": 0, "n\\u0061me": "c", "x": [{"name": "d"}]}]'
    )
    (entry,) = read_by_both(text)
    assert (entry["name"], entry["type"], entry["size"]) == ("c", "file", None)
    assert modified_at(entry) == datetime(1970, 1, 1, tzinfo=UTC)


def placed(full_path: str) -> tuple[str, str]:
    return "placed " + full_path.rsplit("/", 1)[-1], "/placed" + full_path


# qBittorrent 5.0/5.1's answers: full paths, most of them in the folder asked for
listed_paths = st.lists(
    st.one_of(names.map(lambda name: "/data/" + name), st.text(max_size=8), names), max_size=30
)


@given(listed_paths, listed_paths, st.booleans())
def test_the_c_path_entries_are_pythons(folders, files, ascii_only):
    requires_listing_module()
    texts = json_text(folders, ascii_only, None), json_text(files, ascii_only, None)
    made = entries._listing.qbt_path_entries(*texts, "/data/", placed)
    assert made == entries._sorted(entries._qbt_path_entries(*texts, "/data/", placed))
    in_folder = [e for e in made if e["path"] == "/data/" + e["name"]]
    assert len(in_folder) + sum(e["name"].startswith("placed ") for e in made) == len(made)
    assert sum(e["type"] == "dir" for e in made) == len(folders)


@pytest.mark.parametrize(
    "folders, files",
    [
        (b"[]", b'{"a": 1}'),
        (b'["/data/a", 7]', b"[]"),
        (b'[{"name": "a", "type": "file"}]', b"[]"),
        (b"[]", b"<html>Bad gateway</html>"),
        (b'["/data/\\ud800"]', b"[]"),
    ],
)
def test_paths_neither_can_read_are_refused_by_both(folders, files):
    requires_listing_module()
    with pytest.raises(ValueError):
        entries._listing.qbt_path_entries(folders, files, "/data/", placed)
    with pytest.raises(ValueError):
        entries._qbt_path_entries(folders, files, "/data/", placed)


def test_entries_say_what_qbittorrent_said():
    answer = [
        {"name": "a.mkv", "type": "file", "size": 5, "last_modification_date": 1795719722},
        {"name": "Season 1", "type": "dir", "size": 4096, "last_modification_date": 0},
        {"name": "sock", "type": "other", "size": 0},
        {"name": "old", "type": "file", "size": 1, "last_modification_date": -62135596801},
    ]
    made = entries.qbt_entries(json.dumps(answer).encode(), "/data/")
    season, film, old = made  # folders first
    assert modified_at(film) == datetime(2026, 11, 26, 19, 2, 2, tzinfo=UTC)
    assert (season["type"], season["size"]) == ("dir", None)
    assert modified_at(season) == datetime(1970, 1, 1, tzinfo=UTC)
    assert modified_at(old) is None  # before year 1: no date rather than a wrong one
    assert json.loads(json.dumps(film)) == {
        "name": "a.mkv",
        "path": "/data/a.mkv",
        "type": "file",
        "size": 5,
        "modified": "2026-11-26T19:02:02+00:00",
        "qbtPath": None,
    }


def test_an_entry_made_in_python_keeps_its_time_to_the_microsecond():
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    entry = make_entry("a", "/a", "file", 1, moment, "/q/a")
    assert (modified_at(entry), entry["qbtPath"]) == (moment, "/q/a")
    assert entry["modified"] == "2026-01-02T03:04:05.678901+00:00"
