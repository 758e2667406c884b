import pytest
from hypothesis import given
from hypothesis import strategies as st

from browser import paths
from browser.paths import PathError, PathMapping

pytestmark = pytest.mark.database_free  # the PostgreSQL stage leaves it out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "/"),
        ("/data", "/data"),
        ("/data/", "/data"),
        ("//data///tv//", "/data/tv"),
        ("/data/./tv/.", "/data/tv"),
        ("/data/movies/../tv", "/data/tv"),
        ("/../../etc", "/etc"),
        ("/data/%2e%2e/x", "/data/%2e%2e/x"),  # percent-encoding is a name, never decoded
        ("/data/\u2025/x", "/data/\u2025/x"),  # a look-alike of '..' is just a name
        ("/data/a\uff0fb", "/data/a\uff0fb"),  # a fullwidth solidus is not a separator
        ("D:\\Media\\TV\\", "D:/Media/TV"),
        ("d:/", "D:/"),
        ("/data/Über Film (2024)", "/data/Über Film (2024)"),
    ],
)
def test_normalize_gives_the_canonical_path(raw, expected):
    assert paths.normalize(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "data/tv", "./data", "~/data", "/data/\x00x", "/a\nb"])
def test_normalize_refuses_relative_empty_or_control_characters(raw):
    with pytest.raises(PathError):
        paths.normalize(raw)


def test_relative_path_has_its_own_code():
    with pytest.raises(PathError) as error:
        paths.normalize("data/tv")
    assert error.value.code == "relative"


@pytest.mark.parametrize(
    "raw",
    ["/data/../etc", "/data/..", "//etc/passwd", "/data2", "/dat", "/data/tv/../../../root"],
)
def test_confine_refuses_anything_outside_the_roots(raw):
    with pytest.raises(PathError) as error:
        paths.confine(raw, ["/data"])
    assert error.value.code == "outside_roots"


def test_confine_accepts_the_root_and_below():
    assert paths.confine("/data/", ["/data"]) == "/data"
    assert paths.confine("/data/tv/../movies", ["/data"]) == "/data/movies"
    assert paths.confine("/anything", ["/"]) == "/anything"


@given(st.lists(st.sampled_from(["data", "..", ".", "", "tv", "x..", "..x"]), max_size=12))
def test_a_confined_path_never_leaves_its_root(parts):
    raw = "/data/" + "/".join(parts)
    try:
        path = paths.confine(raw, ["/data"])
    except PathError:
        return
    assert path == "/data" or path.startswith("/data/")
    assert "/../" not in path + "/" and "//" not in path


def test_breadcrumbs_start_at_the_holding_root():
    crumbs = paths.breadcrumbs("/srv/data/tv/Show", ["/srv/data"])
    assert [(c.name, c.path) for c in crumbs] == [
        ("/srv/data", "/srv/data"),
        ("tv", "/srv/data/tv"),
        ("Show", "/srv/data/tv/Show"),
    ]


def test_parent_stops_at_the_top_of_a_root():
    assert paths.parent_within("/data/tv", ["/data"]) == "/data"
    assert paths.parent_within("/data", ["/data"]) is None
    assert paths.parent_within("/data", ["/"]) == "/"
    assert paths.parent("/") is None


def test_top_directory():
    assert paths.top_directory("/data/downloads/complete") == "/data"
    assert paths.top_directory("/") == "/"
    assert paths.top_directory("D:/Downloads/x") == "D:/Downloads"


def test_mappings_translate_both_ways_by_the_longest_prefix():
    mappings = [
        PathMapping("/mnt/user/data", "/data"),
        PathMapping("/mnt/fast/incoming", "/data/incoming"),
    ]
    assert paths.to_host("/data/tv/Show", mappings) == "/mnt/user/data/tv/Show"
    assert paths.to_host("/data/incoming/x", mappings) == "/mnt/fast/incoming/x"
    assert paths.to_host("/data", mappings) == "/mnt/user/data"
    assert paths.to_host("/database", mappings) is None
    assert paths.to_qbt("/mnt/user/data/tv", mappings) == "/data/tv"
    assert paths.to_qbt("/elsewhere", mappings) is None
