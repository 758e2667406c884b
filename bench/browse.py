"""Browse and analyze speed, measured against qBittorrent itself in the same run.

For each qBittorrent version: p50/p95 of POST /api/qbittorrent/browse (through daphne, cache
bypassed) on a 10,000-entry folder, against the same getDirectoryContent request(s) sent to
qBittorrent directly (5.3: one withMetadata call; 5.1: mode=dirs and mode=files, which is what
telling folders from files takes there), asked as the app asks: uncompressed, as it does of a
qBittorrent on this host or its network (browser.qbittorrent.nearby). Goal: at most 1.3x. The
direct call as a default HTTP client makes it (gzip, which qBittorrent then spends time on) is
printed too, with our ratio to it. Then what the ratio is made of:
a one-file folder both ways (the app's cost per request), and the big folder again without
`refresh` (served by the listing cache). Then the time and the number of qBittorrent requests
to analyze a 50,000-file tree.

    .venv/bin/python bench/browse.py [--versions 5.1 5.3] [--repeat 40]
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import environment  # sets Django up: imported before anything using Django
import requests
from django.conf import settings

from tests.harness import qbittorrent as qbt
from tests.harness.processes import start_daphne

UNCOMPRESSED = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip, deflate"}


def direct_listing(
    session: requests.Session, url: str, folder: str, with_metadata: bool, headers=UNCOMPRESSED
):
    if with_metadata:
        response = session.post(
            f"{url}/api/v2/app/getDirectoryContent",
            data={"dirPath": folder, "withMetadata": "true"},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        return len(response.json())
    count = 0
    for mode in ("dirs", "files"):
        response = session.post(
            f"{url}/api/v2/app/getDirectoryContent",
            data={"dirPath": folder, "mode": mode},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        count += len(response.json())
    return count


def bench_version(version: str, repeat: int, workdir: Path) -> None:
    instance = qbt.start(version, workdir=workdir)
    try:
        flat = instance.host_data_dir / "flat"
        flat.mkdir()
        (instance.host_data_dir / "one").mkdir()
        (instance.host_data_dir / "one" / "only.bin").touch()
        for n in range(10_000):
            (flat / f"entry {n:05d}.bin").touch()
        tree = instance.host_data_dir / "tree"
        for d in range(500):
            folder = tree / f"d{d // 50}" / f"sub{d}"
            folder.mkdir(parents=True)
            for f in range(100):
                (folder / f"f{f}.dat").write_bytes(b"x" * (f + 1))
        environment.use_instance(instance, f"bench {version}")
        # The product's settings: the test settings record every answer (tests/zz_final),
        # which for a 1.5 MB listing is a file write the product never does.
        server = start_daphne(workdir, DJANGO_SETTINGS_MODULE="config.settings")
        try:
            app = environment.logged_in(server.url)
            direct = instance.session()
            folder = f"{instance.qbt_data_dir}/flat"
            with_metadata = version != "5.1"
            ours, theirs, theirs_gzip = [], [], []
            for n in range(repeat + 3):
                started = time.perf_counter()
                response = app.post(
                    f"{server.url}/api/qbittorrent/browse",
                    timeout=60,
                    json={"path": folder, "refresh": True},
                )
                elapsed_ours = time.perf_counter() - started
                assert response.status_code == 200, response.text
                assert len(response.json()["entries"]) == 10_000
                started = time.perf_counter()
                assert direct_listing(direct, instance.url, folder, with_metadata) == 10_000
                elapsed_theirs = time.perf_counter() - started
                started = time.perf_counter()
                direct_listing(direct, instance.url, folder, with_metadata, GZIP)
                elapsed_gzip = time.perf_counter() - started
                if n >= 3:  # the first requests warm both sides up
                    ours.append(elapsed_ours)
                    theirs.append(elapsed_theirs)
                    theirs_gzip.append(elapsed_gzip)
            p50, p95 = environment.p50_p95(ours)
            a50, a95 = environment.p50_p95(theirs)
            g50, g95 = environment.p50_p95(theirs_gzip)
            calls = "1 withMetadata call" if with_metadata else "mode=dirs + mode=files"
            print(
                f"qBittorrent {version}: browse 10,000 entries  p50 {p50:7.1f} ms  "
                f"p95 {p95:7.1f} ms"
            )
            print(f"qBittorrent {version}: direct ({calls})  p50 {a50:7.1f} ms  p95 {a95:7.1f} ms")
            print(
                f"qBittorrent {version}: ratio ours/direct  p50 {p50 / a50:.2f}x  "
                f"p95 {p95 / a95:.2f}x  (goal <= 1.3x)"
            )
            print(
                f"qBittorrent {version}: direct, gzip (a default client)  p50 {g50:7.1f} ms  "
                f"p95 {g95:7.1f} ms; ours/that p50 {p50 / g50:.2f}x  p95 {p95 / g95:.2f}x"
            )

            # What the ratio is made of: the app's cost per request whatever the folder (a
            # one-file folder), and a repeated browse within BROWSE_CACHE_S (the cache).
            def browse_ms(path: str, refresh: bool) -> float:
                started = time.perf_counter()
                response = app.post(
                    f"{server.url}/api/qbittorrent/browse",
                    timeout=60,
                    json={"path": path, "refresh": refresh},
                )
                assert response.status_code == 200, response.text
                return time.perf_counter() - started

            one = f"{instance.qbt_data_dir}/one"
            small = [browse_ms(one, True) for _ in range(repeat)]
            small_direct = []
            for _ in range(repeat):
                started = time.perf_counter()
                direct_listing(direct, instance.url, one, with_metadata)
                small_direct.append(time.perf_counter() - started)
            cached = [browse_ms(folder, False) for _ in range(repeat)]
            median = {
                k: environment.p50_p95(v)[0]
                for k, v in (("small", small), ("small_direct", small_direct), ("cached", cached))
            }
            print(
                f"qBittorrent {version}: a one-file folder  p50 {median['small']:.1f} ms, "
                f"direct {median['small_direct']:.1f} ms; 10,000 entries again within the "
                f"cache's {settings.BROWSE_CACHE_S:g} s  p50 {median['cached']:.1f} ms"
            )

            runs = []
            for _ in range(3):
                started = time.perf_counter()
                response = app.post(
                    f"{server.url}/api/qbittorrent/analyze",
                    timeout=600,
                    json={"path": f"{instance.qbt_data_dir}/tree"},
                )
                assert response.status_code == 200, response.text
                runs.append((time.perf_counter() - started, response.json()))
            seconds, body = sorted(runs, key=lambda r: r[0])[1]
            print(
                f"qBittorrent {version}: analyze {body['files']:,} files in "
                f"{body['folders']:,} folders: {seconds:.2f} s, "
                f"{body['qbittorrentRequests']} qBittorrent requests, "
                f"size {body['totalSize']} from {body['sizeSource']}, "
                f"truncated={body['truncated']}"
            )
        finally:
            server.stop()
    finally:
        instance.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", nargs="+", default=["5.1", "5.3"])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    environment.database_ready()
    workdir = Path(tempfile.mkdtemp(prefix="torrentsmith-bench-work-"))
    try:
        for version in args.versions:
            bench_version(version, args.repeat, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        environment.clean_up()


if __name__ == "__main__":
    main()
