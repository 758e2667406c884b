"""creator/_multihash: SHA-1 and SHA-256 of several messages side by side give hashlib's
digests with every kernel this CPU runs, whatever the messages' lengths and however their bytes
are split into parts."""

import hashlib
import mmap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creator import hashing
from tests.harness.hashing import requires_lanes

pytestmark = pytest.mark.database_free  # the PostgreSQL stage leaves it out

ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
# (algorithm, kernel) for each kernel this CPU runs
KERNELS = [
    (algorithm, name)
    for algorithm in ALGORITHMS
    for name, _ in (hashing._multihash.kernels(algorithm) if hashing._multihash else [])
]

# lengths around SHA's 64-byte blocks and the 56 bytes left for its padding
edges = st.sampled_from([0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129])
lengths = st.one_of(edges, st.integers(0, 3000))
parts = st.lists(st.binary(max_size=200) | edges.map(bytes), max_size=6)
messages = st.lists(lengths.map(lambda n: bytes(i % 251 for i in range(n))) | parts, max_size=40)


def one_by_one(algorithm: str, items: list) -> bytes:
    return b"".join(
        ALGORITHMS[algorithm](b"".join(m) if isinstance(m, list) else m).digest() for m in items
    )


def test_this_cpu_hashes_side_by_side_where_it_can():
    requires_lanes()
    assert KERNELS


@pytest.mark.parametrize(("algorithm", "kernel"), KERNELS)
@settings(max_examples=300, deadline=None)
@given(items=messages)
def test_lanes_give_hashlibs_digests(algorithm, kernel, items):
    def many(items):
        return getattr(hashing._multihash, f"{algorithm}_many")(items, kernel=kernel)

    assert many(items) == one_by_one(algorithm, items)
    # the same messages as views, and as tuples of parts
    views = [[memoryview(p) for p in m] if isinstance(m, list) else memoryview(m) for m in items]
    assert many(views) == one_by_one(algorithm, items)
    assert many([tuple(m) if isinstance(m, list) else m for m in items]) == one_by_one(
        algorithm, items
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@settings(max_examples=100, deadline=None)
@given(items=messages)
def test_the_hashing_processes_get_the_same_digests_either_way(lanes, algorithm, items):
    # the lanes take whole rounds of sixteen and leave a few left over to hashlib
    with_lanes = hashing._digests(algorithm, items, lanes=True)
    assert with_lanes == hashing._digests(algorithm, items, lanes=False)
    assert with_lanes == one_by_one(algorithm, items)


@pytest.mark.parametrize(("algorithm", "kernel"), KERNELS)
def test_lanes_read_mapped_files_and_long_messages(algorithm, kernel, tmp_path):
    content = bytes(range(256)) * 40_000 + b"tail"  # 10 MB, not a whole number of blocks
    path = tmp_path / "content.bin"
    path.write_bytes(content)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as mapped:
        view = memoryview(mapped)
        items = [view, view[1:], [view[:100], view[100:5_000_001]], view[:0]]
        many = getattr(hashing._multihash, f"{algorithm}_many")
        try:
            assert many(items, kernel=kernel) == one_by_one(
                algorithm, [content, content[1:], content[:5_000_001], b""]
            )
        finally:
            del items
            view.release()


def test_lanes_refuse_what_is_not_bytes(lanes):
    with pytest.raises(TypeError):
        lanes.sha1_many(["text"])
    with pytest.raises(TypeError):
        lanes.sha256_many([[b"ok", 3]])
    with pytest.raises(TypeError):
        lanes.sha256_many(5)
    with pytest.raises(ValueError, match="cannot run"):
        lanes.sha256_many([b""], kernel="none such")
    with pytest.raises(ValueError, match="sha1"):
        lanes.kernels("md5")
    assert lanes.sha1_many([]) == b""


class Lying(list):
    """A list whose length says otherwise: read as what it holds, never past it."""

    def __len__(self):
        return 100_000


def test_lanes_read_what_a_list_holds_whatever_its_length_says(lanes):
    assert lanes.sha256_many([Lying([b"abc"]), b"d"]) == one_by_one("sha256", [[b"abc"], b"d"])
    assert lanes.sha1_many(Lying([b"abc", [b"a", b"bc"]])) == one_by_one("sha1", [b"abc", b"abc"])


@pytest.fixture(scope="module")
def lanes():
    requires_lanes()
    return hashing._multihash
