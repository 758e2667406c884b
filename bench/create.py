"""Creation speed through Torrentsmith against qBittorrent's own creator, in the same run.

For a 2 GiB folder (random data, page cache warm): the time from POST /api/jobs to the stored
.torrent (job completed, through daphne and a real db_worker) against a direct addTask + poll
(50 ms) + torrentFile loop on the same qBittorrent, alternating runs; the ratio of medians
(goal: at most 1.10). Then the median delay from a progress change in qBittorrent (seen by a
50 ms poller) to the WebSocket message carrying it.

    .venv/bin/python bench/create.py [--versions 5.1 5.3] [--runs 3] [--size-gib 2]
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import environment  # sets Django up: imported before anything using Django
import requests
import websockets
from django.conf import settings

from tests.harness import qbittorrent as qbt
from tests.harness.processes import start_daphne, start_worker

CHUNK = 64 * 1024 * 1024


def make_content(folder: Path, size: int) -> None:
    folder.mkdir(parents=True)
    files = 8
    for n in range(files):
        with open(folder / f"part{n}.bin", "wb") as handle:
            remaining = size // files
            while remaining:
                block = min(CHUNK, remaining)
                handle.write(os.urandom(block))
                remaining -= block


def direct_run(session: requests.Session, url: str, source: str) -> float:
    started = time.perf_counter()
    task = session.post(
        f"{url}/api/v2/torrentcreator/addTask",
        timeout=30,
        data={"sourcePath": source, "startSeeding": "false", "format": "v1", "pieceSize": "0"},
    ).json()
    while True:
        status = session.post(
            f"{url}/api/v2/torrentcreator/status", timeout=30, data={"taskID": task["taskID"]}
        ).json()[0]
        if status["status"] in ("Finished", "Failed"):
            break
        time.sleep(0.05)
    session.post(
        f"{url}/api/v2/torrentcreator/torrentFile", timeout=30, data={"taskID": task["taskID"]}
    ).raise_for_status()
    elapsed = time.perf_counter() - started
    session.post(
        f"{url}/api/v2/torrentcreator/deleteTask", timeout=30, data={"taskID": task["taskID"]}
    )
    return elapsed


class ProgressWatcher(threading.Thread):
    """Polls qBittorrent's creator every 50 ms and notes when each progress value first showed."""

    def __init__(self, url: str, session: requests.Session):
        super().__init__(daemon=True)
        self.url, self.session = url, session
        self.seen: list[tuple[float, float]] = []  # (time, progress)
        self.running = True

    def run(self):
        while self.running:
            try:
                tasks = self.session.post(
                    f"{self.url}/api/v2/torrentcreator/status", timeout=5
                ).json()
            except requests.RequestException:
                tasks = []
            for task in tasks:
                if task.get("status") == "Running" and "progress" in task:
                    progress = float(task["progress"])
                    if not self.seen or self.seen[-1][1] != progress:
                        self.seen.append((time.perf_counter(), progress))
            time.sleep(0.05)

    def first_seen(self, progress: float, *, after: float) -> float | None:
        for moment, value in self.seen:
            if moment >= after and value >= progress - 0.01:
                return moment
        return None


async def our_run(server_url: str, cookies: dict, csrf: str, source: str):
    """(seconds to the stored .torrent, seconds to the socket's "completed" message, start,
    [(arrival time, progress) of hashing messages])."""
    ws_url = server_url.replace("http://", "ws://") + "/ws/torrent-progress"
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    messages = []
    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": server_url}, max_size=None
    ) as socket:
        started, wall_start = time.perf_counter(), time.time()
        response = await asyncio.to_thread(
            requests.post,
            f"{server_url}/api/jobs",
            timeout=60,
            cookies=cookies,
            headers={"X-CSRFToken": csrf},
            json={"path": source, "format": "v1"},
        )
        assert response.status_code == 201, response.text
        job_id = response.json()["id"]
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=600))
            if event.get("job") != job_id:
                continue
            if event["state"] == "hashing":
                messages.append((time.perf_counter(), event["progress"]))
            if event["state"] in ("completed", "failed"):
                assert event["state"] == "completed", event
                notified = time.perf_counter() - started
                job = await asyncio.to_thread(
                    requests.get, f"{server_url}/api/jobs/{job_id}", cookies=cookies, timeout=30
                )
                body = job.json()
                finished = datetime.fromisoformat(body["finishedAt"]).timestamp()
                if os.environ.get("BENCH_TIMELINE"):
                    marks = {
                        k: round(datetime.fromisoformat(body[k]).timestamp() - wall_start, 3)
                        for k in ("createdAt", "submittedAt", "startedAt", "finishedAt")
                        if body[k]
                    }
                    print("timeline", marks)
                return finished - wall_start, notified, started, messages


def bench_version(version: str, runs: int, size: int, workdir: Path) -> None:
    instance = qbt.start(version, workdir=workdir)
    server = worker = None
    try:
        make_content(instance.host_data_dir / "content", size)
        source = f"{instance.qbt_data_dir}/content"
        environment.use_instance(instance, f"bench {version}")
        server = start_daphne(workdir)
        worker = start_worker(workdir)
        app = environment.logged_in(server.url)
        cookies = dict(app.cookies)
        direct = instance.session()
        watcher = ProgressWatcher(instance.url, direct)
        watcher.start()
        direct_times, our_times, notify_times, delays = [], [], [], []
        direct_run(direct, instance.url, source)  # warm the page cache and both sides
        for _ in range(runs):
            direct_times.append(direct_run(direct, instance.url, source))
            seconds, notified, started, messages = asyncio.run(
                our_run(server.url, cookies, cookies["csrftoken"], source)
            )
            our_times.append(seconds)
            notify_times.append(notified)
            for arrived, progress in messages:
                shown = watcher.first_seen(progress, after=started)
                if shown is not None:
                    delays.append(arrived - shown)
        watcher.running = False
        ours, theirs = statistics.median(our_times), statistics.median(direct_times)
        print(
            f"qBittorrent {version}: {size / 1024**3:g} GiB, median of {runs}: "
            f"Torrentsmith {ours:.2f} s to the stored .torrent, direct addTask+poll "
            f"{theirs:.2f} s, ratio {ours / theirs:.2f}x (goal <= 1.10); the socket said "
            f"'completed' after {statistics.median(notify_times):.2f} s"
        )
        if delays:
            print(
                f"qBittorrent {version}: progress change -> WebSocket message: median "
                f"{statistics.median(delays) * 1000:.0f} ms over {len(delays)} messages "
                f"(in-memory channel layer: sockets read the database every "
                f"{settings.PROGRESS_POLL_S:g} s)"
            )
    finally:
        for process in (worker, server):
            if process is not None:
                process.stop()
        instance.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", nargs="+", default=["5.1", "5.3"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-gib", type=float, default=2)
    args = parser.parse_args()
    environment.database_ready()
    workdir = Path(tempfile.mkdtemp(prefix="torrentsmith-bench-work-"))
    try:
        for version in args.versions:
            bench_version(version, args.runs, int(args.size_gib * 1024**3), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        environment.clean_up()


if __name__ == "__main__":
    main()
