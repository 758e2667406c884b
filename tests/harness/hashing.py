"""Whether the tests can run creator/_multihash, hashing several messages side by side (with
the CPU's SHA instructions or AVX-512)."""

from pathlib import Path

import pytest

from creator import hashing
from tests.harness import require


def cpu_can_run_lanes() -> bool:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return {"sha_ni", "sse4_1", "ssse3"} <= flags or {"avx512f", "avx512bw"} <= flags
    return False


def requires_lanes() -> None:
    """Skips, saying why, on a CPU with neither SHA instructions nor AVX-512 (hashlib then does
    all the hashing, which the other tests cover); fails where the CPU has one and the module
    was not built."""
    if not cpu_can_run_lanes():
        pytest.skip("this CPU has neither SHA instructions nor AVX-512: hashlib does it all")
    require(
        hashing._multihash is not None and hashing.LANES,
        "creator/_multihash (hashing messages side by side, a C extension)",
        "bash scripts/build-native.sh",
    )
