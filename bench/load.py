"""The scale-out setup under load, and the jobs history at 100,000 jobs, on loopback only.

PostgreSQL and Redis (scripts/services.sh), 2 daphne behind nginx and 3 db_workers
(tests/harness/scaleout.py), with a real qBittorrent 5.3 whose WebAPI is reached through a
small proxy that notes every addTask. Then:

- 200 WebSocket clients watch /ws/torrent-progress through nginx (the 5 users' sessions, 39
  sockets each, and 5 sockets of a staff user, who sees everyone's jobs);
- the 5 users submit 20 jobs each at once (POST /api/jobs, one folder of a few MiB per job;
  the per-user active limit is raised to 20 for the stack, so none is refused: 429s would be
  counted);
- meanwhile one client keeps asking GET /api/jobs and GET /api/jobs/{id}: their p50/p95, against
  the same requests on the same data once everything is idle (the anchor);
- duplicate submissions: qBittorrent tasks created beyond one per job's folder, as the proxy
  saw them (goal: 0);
- messages: "sent" is what the server broadcast. A listener on the channel layer's progress group
  (which every broadcast reaches) notes each distinct (job, updatedAt); each socket is owed
  those of the jobs it may see. Delivered: the ones it received. Consumers send each job's
  latest state, so an older stamp that arrives after a newer one is skipped by design: the
  goal is that every socket gets every job's final event (the stored state and updatedAt),
  and as many of the others as possible.

Then 100,000 finished jobs are added (bulk_create over the 5 users, two years of dates), and
the history page (/jobs/) and GET /api/jobs are timed for a user and for staff: first page,
a state filter, a search, page 400. Goal: p95 under 150 ms; the anchor is the same requests
with the 100 jobs of the load phase. For each, the SQL queries of one request (run in this
process), and for the first page the indexes PostgreSQL's plans use.

    .venv/bin/python bench/load.py [--sockets 200] [--users 5] [--jobs-per-user 20]
        [--history 100000] [--folder-mib 4]

Takes about three minutes on 2 cores. Everything it starts is stopped at the end, also on
Ctrl-C.
"""

import argparse
import asyncio
import dataclasses
import json
import logging
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

os.environ["BENCH_SERVICES_DIR"] = tempfile.mkdtemp(prefix="torrentsmith-bench-services-")
import environment  # sets Django up, on PostgreSQL and Redis (BENCH_SERVICES_DIR)
import requests
import websockets
from django.db import connection, connections
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import token_create
from creator.models import TERMINAL_STATES, Job, JobState
from creator.progress import PROGRESS_GROUP
from tests.factories import StaffFactory, UserFactory
from tests.harness import qbittorrent as qbt
from tests.harness.ports import free_port, wait_for_port
from tests.harness.processes import BASE_DIR, session_id
from tests.harness.scaleout import Stack

PIECE_SIZE = 256 * 1024
GOAL_P95_MS = 150
# Headers that belong to one connection, not to the request the proxy passes on.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}


# --- qBittorrent, behind a proxy that notes every addTask ----------------------------------


def _count_add_tasks(upstream: str, port: int, log_path: Path) -> None:
    """Passes every request to qBittorrent; writes [sourcePath, status] of each addTask."""
    host, upstream_port = urlsplit(upstream).hostname, urlsplit(upstream).port
    here, upstream_netloc = f"127.0.0.1:{port}", urlsplit(upstream).netloc
    local, lock = threading.local(), threading.Lock()

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.forward()

        def do_POST(self):
            self.forward()

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if getattr(local, "upstream", None) is None:
                local.upstream = HTTPConnection(host, upstream_port, timeout=120)
            # qBittorrent refuses a Host whose port is not its own, and an Origin or Referer
            # other than the Host (its CSRF check): the proxy's address is replaced with its.
            headers = {
                k: v.replace(here, upstream_netloc)
                for k, v in self.headers.items()
                if k.lower() not in HOP_BY_HOP
            }
            try:
                local.upstream.request(self.command, self.path, body, headers)
                answer = local.upstream.getresponse()
                data = answer.read()
            except OSError:
                local.upstream.close()
                local.upstream = None
                raise
            if self.path.startswith("/api/v2/torrentcreator/addTask"):
                source = parse_qs(body.decode()).get("sourcePath", ["?"])[0]
                with lock, log_path.open("a") as log:
                    log.write(json.dumps([source, answer.status]) + "\n")
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    ThreadingHTTPServer(("127.0.0.1", port), Forward).serve_forever()


def make_folders(instance, count: int, size: int) -> list[str]:
    """`count` folders of two random files, as qBittorrent sees them."""
    folders = []
    for n in range(count):
        folder = instance.host_data_dir / f"Load {n:03d}"
        folder.mkdir()
        for part in ("a.bin", "b.bin"):
            (folder / part).write_bytes(os.urandom(size // 2))
        folders.append(instance.qbt_path(folder))
    return folders


# --- watchers: the sockets, and what the channel layer carried -----------------------------


async def _watch(ws_url: str, origin: str, cookies: list[str], pipe) -> dict:
    from channels.layers import get_channel_layer

    received = [[] for _ in cookies]  # per socket: (job, updatedAt, state)
    lost: list[str] = []
    broadcast: set[tuple[int, str, str]] = set()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(PROGRESS_GROUP, channel)

    async def listen():
        while True:
            event = (await layer.receive(channel))["event"]
            broadcast.add((event["job"], event["updatedAt"], event["state"]))

    async def socket(n: int, opened: asyncio.Semaphore, ready: asyncio.Queue):
        headers = {"Cookie": f"sessionid={cookies[n]}", "Origin": origin}
        try:
            async with opened:
                ws = await websockets.connect(
                    ws_url, additional_headers=headers, open_timeout=60, max_size=None
                )
        except Exception as error:
            lost.append(f"socket {n}: {type(error).__name__}: {error}")
            await ready.put(n)
            return
        await ready.put(n)
        try:
            async with ws:
                async for raw in ws:
                    event = json.loads(raw)
                    received[n].append((event["job"], event["updatedAt"], event["state"]))
        except Exception as error:  # counted as a lost socket
            lost.append(f"socket {n}: {type(error).__name__}: {error}")

    listener = asyncio.ensure_future(listen())
    opened = asyncio.Semaphore(20)  # handshakes in flight: a crowd of browsers, not a flood
    ready: asyncio.Queue = asyncio.Queue()
    sockets = [asyncio.ensure_future(socket(n, opened, ready)) for n in range(len(cookies))]
    for _ in sockets:
        await ready.get()
    pipe.send("ready")
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "stop"
    if listener.done():
        raise RuntimeError("the channel layer listener stopped") from listener.exception()
    for task in [listener, *sockets]:
        task.cancel()
    await asyncio.gather(listener, *sockets, return_exceptions=True)
    return {"received": received, "lost": lost, "broadcast": sorted(broadcast)}


def _watcher(ws_url: str, origin: str, cookies: list[str], pipe) -> None:
    pipe.send(asyncio.run(_watch(ws_url, origin, cookies, pipe)))


# --- API clients ---------------------------------------------------------------------------


class Prober(threading.Thread):
    """One client asking for a user's job list and one of their jobs, in turn, without pause."""

    def __init__(self, url: str, tokens: list[str], job_ids: dict[int, list[int]]):
        super().__init__(daemon=True)
        self.url, self.job_ids = url, job_ids
        self.sessions = []
        for token in tokens:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            self.sessions.append(session)
        self.times: dict[str, list[float]] = {"list": [], "detail": []}
        self.errors = 0
        self.running = True

    def _timed(self, kind: str, session: requests.Session, path: str) -> None:
        started = time.perf_counter()
        response = session.get(f"{self.url}{path}", timeout=60)
        elapsed = time.perf_counter() - started
        if response.status_code == 200:
            self.times[kind].append(elapsed)
        else:
            self.errors += 1

    def probe_once(self, n: int) -> None:
        user = n % len(self.sessions)
        session = self.sessions[user]
        self._timed("list", session, "/api/jobs?pageSize=25")
        if self.job_ids.get(user):
            self._timed("detail", session, f"/api/jobs/{self.job_ids[user][-1]}")

    def run(self):
        n = 0
        while self.running:
            self.probe_once(n)
            n += 1


def submit_jobs(url: str, token: str, folders: list[str], job_ids: list[int], outcome: dict):
    """POSTs a job for each folder in turn; `outcome` counts the answers by status."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for folder in folders:
        response = session.post(
            f"{url}/api/jobs", json={"path": folder, "pieceSize": PIECE_SIZE}, timeout=120
        )
        outcome[response.status_code] = outcome.get(response.status_code, 0) + 1
        if response.status_code == 201:
            job_ids.append(response.json()["id"])
        elif response.status_code != 429:
            outcome.setdefault("first error", f"{folder}: {response.status_code} {response.text}")


# --- the load phase ------------------------------------------------------------------------


def load_phase(stack, users, staff, tokens, folders_by_user, sockets: int) -> dict:
    cookies = [session_id(u) for u in users]
    staff_cookie = session_id(staff)
    staff_sockets = len(users)
    per_user = (sockets - staff_sockets) // len(users)
    socket_cookies = [c for c in cookies for _ in range(per_user)]
    socket_cookies += [staff_cookie] * (sockets - len(socket_cookies))
    connections.close_all()  # the watcher process is forked: it must not share them
    ws_url = stack.url.replace("http://", "ws://") + "/ws/torrent-progress"
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    watcher = multiprocessing.get_context("fork").Process(
        target=_watcher, args=(ws_url, stack.url, socket_cookies, theirs), daemon=True
    )
    watcher.start()
    try:
        if not ours.poll(120) or ours.recv() != "ready":
            raise RuntimeError("the WebSocket clients did not connect in 2 minutes")
        job_ids = {n: [] for n in range(len(users))}
        prober = Prober(stack.url, tokens, job_ids)
        outcome: dict[int, int] = {}
        started = time.perf_counter()
        prober.start()
        submitters = [
            threading.Thread(
                target=submit_jobs,
                args=(stack.url, tokens[n], folders_by_user[n], job_ids[n], outcome),
            )
            for n in range(len(users))
        ]
        for thread in submitters:
            thread.start()
        for thread in submitters:
            thread.join()
        if "first error" in outcome:
            raise RuntimeError(f"POST /api/jobs {outcome['first error']}")
        submitted_s = time.perf_counter() - started
        deadline = time.monotonic() + 240
        while Job.objects.exclude(state__in=TERMINAL_STATES).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("jobs still running after 4 minutes:\n" + stack.logs())
            time.sleep(0.5)
        finished_s = time.perf_counter() - started
        prober.running = False
        prober.join()
        time.sleep(3)  # a socket's database poll (every 2 s with Redis) brings anything missed
        ours.send("stop")
        if not ours.poll(60):
            raise RuntimeError("the WebSocket clients did not report")
        watched = ours.recv()
    finally:
        watcher.join(timeout=10)
        if watcher.is_alive():
            watcher.kill()
    return {
        "watched": watched,
        "socket_owner": [n for n in range(len(users)) for _ in range(per_user)]
        + [None] * (sockets - per_user * len(users)),  # None: staff, who sees every job
        "prober": prober,
        "outcome": outcome,
        "submitted_s": submitted_s,
        "finished_s": finished_s,
        "job_ids": job_ids,
    }


def report_messages(result: dict, users) -> None:
    owner_of = dict(Job.objects.values_list("pk", "owner_id"))
    final = {
        pk: (updated.isoformat(), state)
        for pk, updated, state in Job.objects.values_list("pk", "updated_at", "state")
    }
    user_ids = [u.pk for u in users]
    watched = result["watched"]
    broadcast = {(job, stamp) for job, stamp, _ in watched["broadcast"]}
    owed = delivered = finals_owed = finals_got = duplicates = extra = 0
    for n, events in enumerate(watched["received"]):
        owner = result["socket_owner"][n]
        visible = {pk for pk, o in owner_of.items() if owner is None or o == user_ids[owner]}
        got = [(job, stamp) for job, stamp, _ in events]
        duplicates += len(got) - len(set(got))
        got = set(got)
        mine = {(job, stamp) for job, stamp in broadcast if job in visible}
        owed += len(mine)
        delivered += len(got & mine)
        extra += len(got - mine)
        finals_owed += len(visible)
        finals_got += sum((job, final[job][0]) in got for job in visible)
    sockets = len(watched["received"])
    print(
        f"sockets: {sockets} watching, {len(watched['lost'])} lost"
        + (f" ({watched['lost'][0]})" if watched["lost"] else "")
    )
    print(
        f"messages: final events delivered {finals_got:,} of {finals_owed:,} "
        f"({finals_got / max(finals_owed, 1):.3f}, goal 1.000); every event broadcast "
        f"{delivered:,} of {owed:,} ({delivered / max(owed, 1):.3f}); "
        f"{len(broadcast):,} distinct events broadcast for {len(final)} jobs; "
        f"{extra} received that no broadcast carried (database polling), "
        f"{duplicates} received twice"
    )


def report_server_errors(stack) -> None:
    """Tracebacks in the daphne and worker logs: what closed a socket or failed a request."""
    errors = []
    for process in [*stack.daphnes, *stack.workers]:
        for block in process.log().split("Traceback (most recent call last):")[1:]:
            lines = [line for line in block.splitlines() if line and not line.startswith(" ")]
            errors.append(f"{process.log_path.name}: {lines[0] if lines else '?'}")
    print(f"server errors: {len(errors)} tracebacks" + (f", first: {errors[0]}" if errors else ""))


def report_duplicates(log_path: Path, folders: list[str]) -> None:
    added: dict[str, int] = {}
    calls = refused = 0
    if log_path.exists():
        for line in log_path.read_text().splitlines():
            source, status = json.loads(line)
            calls += 1
            if status == 200:
                added[source] = added.get(source, 0) + 1
            else:
                refused += 1
    duplicates = sum(max(0, n - 1) for n in added.values())
    missing = sum(1 for folder in folders if folder not in added)
    print(
        f"duplicate submissions: {duplicates} (goal 0): {calls} addTask calls, "
        f"{sum(added.values())} tasks created for {len(folders)} folders, {missing} folders "
        f"without a task, {refused} refused by qBittorrent"
    )


# --- the history at 100,000 jobs -----------------------------------------------------------

ARTISTS = ["Nina Simone", "Miles Davis", "Radiohead", "Björk", "Daft Punk", "Aphex Twin"]
SHOWS = ["The Expanse", "Severance", "Dark", "Chernobyl", "Andor", "Fargo"]
SEARCH = "severance"  # one show in six; every third name is a show's episode


def job_name(n: int) -> str:
    kind = n % 3
    if kind == 0:
        artist = ARTISTS[n % len(ARTISTS)]
        return f"{artist} - Live {1990 + n % 35} ({n}) [FLAC 24-96]"
    if kind == 1:
        show = SHOWS[(n // 3) % len(SHOWS)]
        return f"{show.replace(' ', '.')}.S{n % 9 + 1:02d}E{n % 12 + 1:02d}.1080p.WEB.x264-{n}"
    return f"debian-{10 + n % 4}.{n % 10}.0-amd64-netinst-{n}"


def add_history(count: int, users, instance, root: str) -> None:
    """`count` finished jobs, the oldest two years ago, spread over `users`."""
    now = timezone.now()
    step = timedelta(days=730) / count
    states = [JobState.COMPLETED] * 90 + [JobState.FAILED] * 7 + [JobState.CANCELLED] * 3
    # bulk_create would stamp every row with this moment otherwise.
    created, updated = Job._meta.get_field("created_at"), Job._meta.get_field("updated_at")
    created.auto_now_add = updated.auto_now = False
    try:
        batch = []
        for n in range(count):
            name = job_name(n)
            state = states[n % len(states)]
            done = state == JobState.COMPLETED
            created_at = now - timedelta(days=731) + n * step
            hash_v1 = secrets.token_hex(20) if done else ""
            size = random.randint(50 * 2**20, 60 * 2**30)
            batch.append(
                Job(
                    owner=users[n % len(users)],
                    instance=instance,
                    instance_name=instance.name,
                    source_path=f"{root}/{name}",
                    options={"format": "v1", "piece_size": 0, "private": True, "trackers": []},
                    state=state,
                    progress=100.0 if done else 40.0,
                    error="" if done or state == JobState.CANCELLED else "qBittorrent failed.",
                    qbt_task_id=secrets.token_hex(16),
                    attempts=1,
                    created_at=created_at,
                    updated_at=created_at + timedelta(minutes=3),
                    submitted_at=created_at,
                    started_at=created_at,
                    finished_at=created_at + timedelta(minutes=3),
                    name=name,
                    torrent_file=f"{n}/{name}.torrent" if done else "",
                    info_hash_v1=hash_v1,
                    magnet=f"magnet:?xt=urn:btih:{hash_v1}&dn={name}" if done else "",
                    total_size=size if done else None,
                    file_count=random.randint(1, 40) if done else None,
                    piece_size=2**22 if done else None,
                    piece_count=size // 2**22 + 1 if done else None,
                    torrent_size=random.randint(2_000, 90_000) if done else None,
                )
            )
            if len(batch) == 5000:
                Job.objects.bulk_create(batch)
                batch = []
        Job.objects.bulk_create(batch)
    finally:
        created.auto_now_add = updated.auto_now = True
    # As autovacuum would after such growth: the planner must know the table's size.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE creator_job")


def history_requests(user_job_id: int) -> list[tuple[str, str]]:
    return [
        ("page, first", "/jobs/"),
        ("page, failed", "/jobs/?state=failed"),
        (f"page, q={SEARCH}", f"/jobs/?q={SEARCH}"),
        ("page 400", "/jobs/?page=400"),
        ("api, first", "/api/jobs"),
        ("api, failed", "/api/jobs?state=failed"),
        (f"api, q={SEARCH}", f"/api/jobs?q={SEARCH}"),
        ("api page 400", "/api/jobs?page=400"),
        ("api, one job", f"/api/jobs/{user_job_id}"),
    ]


def time_history(url: str, cookie: str, paths: list[tuple[str, str]], repeat: int) -> dict:
    session = requests.Session()
    session.cookies.set("sessionid", cookie)
    times = {label: [] for label, _ in paths}
    for n in range(repeat + 2):
        for label, path in paths:
            started = time.perf_counter()
            response = session.get(f"{url}{path}", timeout=60)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
            if n >= 2:  # the first rounds warm caches up, on both sides of the comparison
                times[label].append(elapsed)
    return times


def queries_of(user, path: str) -> list[str]:
    """The SQL of one request, run in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


def plan_of(sql: str) -> str:
    """What a query is for, and the indexes (or sequential scans) its plan reads jobs with."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    reads = re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+) on creator_job", plan)
    reads += re.findall(r"Bitmap Index Scan on (\w+)", plan)
    if "Seq Scan on creator_job" in plan:
        reads.append("seq scan")
    what = "count" if "COUNT(" in sql else "max" if "MAX(" in sql else "rows"
    return f"{what}: {'+'.join(dict.fromkeys(reads))}"


def history_phase(stack, users, staff, instance, root: str, count: int, repeat: int) -> None:
    viewers = [("user", users[0]), ("staff", staff)]
    cookies = {name: session_id(viewer) for name, viewer in viewers}
    own_job = Job.objects.filter(owner=users[0]).latest("pk").pk
    paths = history_requests(own_job)
    anchor = {name: time_history(stack.url, cookies[name], paths, repeat) for name, _ in viewers}
    started = time.perf_counter()
    add_history(count, users, instance, root)
    total = Job.objects.count()
    print(f"history: {total:,} jobs ({time.perf_counter() - started:.0f} s to add {count:,})")
    after = {name: time_history(stack.url, cookies[name], paths, repeat) for name, _ in viewers}
    for name, viewer in viewers:
        for label, path in paths:
            _, a95 = environment.p50_p95(anchor[name][label])
            p50, p95 = environment.p50_p95(after[name][label])
            queries = queries_of(viewer, path)
            verdict = "ok" if p95 < GOAL_P95_MS else "MISSED"
            print(
                f"  {name:5} {label:18} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"({p95 / a95:4.2f}x the 100-job p95 {a95:5.1f} ms; goal < {GOAL_P95_MS} ms: "
                f"{verdict})  {len(queries)} queries"
            )
    for name, viewer in viewers:
        for path in ("/api/jobs?pageSize=10", "/api/jobs?pageSize=100"):
            print(f"  {name:5} {path:24} {len(queries_of(viewer, path))} queries (no N+1)")
        for path in ("/jobs/", "/api/jobs"):
            plans = [plan_of(sql) for sql in queries_of(viewer, path) if "creator_job" in sql]
            print(f"  {name:5} {path:10} plans of its creator_job queries: {'; '.join(plans)}")


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--jobs-per-user", type=int, default=20)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--folder-mib", type=float, default=4)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--daphnes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # this process's audit lines (users, tokens) are not figures
    # A plain `kill` stops everything too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="torrentsmith-bench-work-"))
    instance = stack = counter = None
    run_started = time.perf_counter()
    try:
        environment.database_ready()
        instance = qbt.start("5.3", workdir=workdir)
        folders = make_folders(
            instance, args.users * args.jobs_per_user, int(args.folder_mib * 2**20)
        )
        add_task_log = workdir / "add-tasks.jsonl"
        port = free_port()
        counter = multiprocessing.get_context("fork").Process(
            target=_count_add_tasks, args=(instance.url, port, add_task_log), daemon=True
        )
        counter.start()
        wait_for_port(port, alive=counter.is_alive)
        app_instance = environment.use_instance(
            dataclasses.replace(instance, url=f"http://127.0.0.1:{port}"), "load"
        )
        users = [UserFactory() for _ in range(args.users)]
        staff = StaffFactory()
        tokens = [token_create(user=u, name="load")[1] for u in users]
        environ = {
            **os.environ,
            "PYTHONPATH": str(BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TORRENTSMITH_JOB_ACTIVE_LIMIT": str(args.jobs_per_user),
        }
        stack = Stack.start(workdir / "stack", environ, daphnes=args.daphnes, workers=args.workers)
        folders_by_user = [
            folders[n * args.jobs_per_user : (n + 1) * args.jobs_per_user]
            for n in range(args.users)
        ]
        print(
            f"setup: PostgreSQL + Redis, {args.daphnes} daphne behind nginx, {args.workers} "
            f"workers, qBittorrent 5.3; {len(folders)} folders of {args.folder_mib:g} MiB"
        )
        result = load_phase(stack, users, staff, tokens, folders_by_user, args.sockets)
        states = dict(Job.objects.values_list("state").annotate(n=Count("pk")))
        print(
            f"jobs: {sum(result['outcome'].values())} submitted by {args.users} users "
            f"in {result['submitted_s']:.1f} s, answers {result['outcome']}; all finished after "
            f"{result['finished_s']:.1f} s: {states}"
        )
        prober = result["prober"]
        idle = Prober(stack.url, tokens, result["job_ids"])
        for n in range(max(len(prober.times["list"]), 60)):
            idle.probe_once(n)
        for kind in ("list", "detail"):
            p50, p95 = environment.p50_p95(prober.times[kind])
            a50, a95 = environment.p50_p95(idle.times[kind])
            path = "/api/jobs" if kind == "list" else "/api/jobs/{id}"
            print(
                f"API under load: GET {path:15} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"over {len(prober.times[kind])}; idle: p50 {a50:5.1f} ms  p95 {a95:5.1f} ms; "
                f"ratio p50 {p50 / a50:.2f}x  p95 {p95 / a95:.2f}x"
            )
        if prober.errors:
            print(f"API under load: {prober.errors} answers other than 200")
        report_duplicates(add_task_log, folders)
        report_messages(result, users)
        report_server_errors(stack)
        history_phase(
            stack, users, staff, app_instance, instance.qbt_data_dir, args.history, args.repeat
        )
        print(f"run: {time.perf_counter() - run_started:.0f} s")
    finally:
        if stack is not None:
            stack.stop()
        if counter is not None:
            counter.kill()
        if instance is not None:
            instance.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        connections.close_all()
        environment.clean_up()


if __name__ == "__main__":
    main()
