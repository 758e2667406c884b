"""The scale-out setup under test: daphne processes behind nginx and several workers, on the
test database (PostgreSQL) with the Redis channel layer; and a qBittorrent stand-in whose
creator counts every addTask, so that a task added twice cannot go unseen."""

import asyncio
import json
import os
import threading
import time

import pytest
import requests
import websockets
from django.conf import settings

from accounts import tokens
from creator.models import TERMINAL_STATES, Job
from tests.factories import UserFactory, instance_for
from tests.harness import require
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent
from tests.harness.oracle import make_torrent
from tests.harness.processes import app_env, session_id
from tests.harness.scaleout import Stack


@pytest.fixture
def services_dir():
    """The PostgreSQL and Redis of scripts/services.sh, which these tests restart and stop."""
    where = os.environ.get("TORRENTSMITH_SERVICES_DIR", "")
    require(
        bool(where)
        and os.environ.get("DATABASE_URL", "").startswith("postgres")
        and bool(os.environ.get("REDIS_URL")),
        "PostgreSQL and Redis from scripts/services.sh (TORRENTSMITH_SERVICES_DIR)",
        "bash scripts/test.sh runs the scale-out tests on them",
    )
    return where


@pytest.fixture
def make_stack(transactional_db, tmp_path, services_dir):
    """Starts daphne processes behind nginx and workers on the test database, with their own
    data directory; all are stopped after the test."""
    stacks = []

    def make(*, daphnes: int = 2, workers: int = 3, **env: str) -> Stack:
        environ = app_env(
            TORRENTSMITH_DATA_DIR=str(tmp_path / "data"),
            SECRET_KEY=settings.SECRET_KEY,  # the instance's password is encrypted with it
            **env,
        )
        stack = Stack.start(
            tmp_path / f"stack{len(stacks)}", environ, daphnes=daphnes, workers=workers
        )
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


class CreatorFake:
    """A qBittorrent 5.1 stand-in holding /data/<folder>/a.flac for any folder. Its creator runs
    at most `limit` tasks at once (more: 409, as qBittorrent's full queue) and finishes each
    `hashing_s` after it was added, reporting progress meanwhile."""

    def __init__(self, torrent: bytes, *, hashing_s: float = 1.0, limit: int = 1000):
        self.torrent = torrent
        self.hashing_s = hashing_s
        self.limit = limit
        self.tasks: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.server = FakeQbittorrent()
        self.server.routes.update(
            {
                "/api/v2/app/getDirectoryContent": self._listing,
                "/api/v2/torrentcreator/addTask": self._add_task,
                "/api/v2/torrentcreator/status": self._status,
                "/api/v2/torrentcreator/torrentFile": lambda: (200, self.torrent),
                "/api/v2/torrentcreator/deleteTask": self._delete_task,
            }
        )

    @property
    def added(self) -> list[str]:
        """The source path of every task added, in order."""
        return [task["sourcePath"] for task in self.tasks.values()]

    def _listing(self, request):
        folder = request["form"].get("dirPath", "")
        return 200, [] if request["form"].get("mode") == "dirs" else [f"{folder}/a.flac"]

    def _add_task(self, request):
        with self.lock:
            running = [t for t in self.tasks.values() if not self._finished(t)]
            if len(running) >= self.limit:
                return 409, "Too many active tasks"
            task_id = f"task-{len(self.tasks) + 1}"
            form = request["form"]
            self.tasks[task_id] = {
                "sourcePath": form["sourcePath"],
                "added": time.monotonic(),
                "timeAdded": int(time.time()),
                # what qBittorrent's status shows of the parameters (trackers without tiers)
                "shown": {
                    "trackers": [url for url in form.get("trackers", "").split("|") if url],
                    "urlSeeds": [url for url in form.get("urlSeeds", "").split("|") if url],
                    "comment": form.get("comment", ""),
                    "source": form.get("source", ""),
                    "private": form.get("private") == "true",
                },
            }
        return 200, {"taskID": task_id}

    def _finished(self, task) -> bool:
        return time.monotonic() - task["added"] >= self.hashing_s

    def _status(self, request):
        wanted = request["form"].get("taskID")
        rows = []
        with self.lock:
            for task_id, task in self.tasks.items():
                if (wanted and task_id != wanted) or task.get("deleted"):
                    continue
                done = min(1.0, (time.monotonic() - task["added"]) / self.hashing_s)
                rows.append(
                    {
                        "taskID": task_id,
                        "sourcePath": task["sourcePath"],
                        "status": "Finished" if done >= 1.0 else "Running",
                        "progress": round(done * 100, 1),
                        "timeAdded": task["timeAdded"],
                        **task["shown"],
                    }
                )
        return (200, rows) if rows or not wanted else (404, "Not Found")

    def _delete_task(self, request):
        with self.lock:
            task = self.tasks.get(request["form"].get("taskID", ""))
            if task is None:
                return 404, "Not Found"
            task["deleted"] = True
        return 200, ""

    def stop(self):
        self.server.stop()


@pytest.fixture
def creator_fake(tmp_path, transactional_db):
    """The stand-in, as the default Instance (timeout 5 s)."""
    write(tmp_path / "Album", {"a.flac": b"a" * 50_000})
    fake = CreatorFake(make_torrent(tmp_path / "Album"))
    fake.instance = instance_for(fake.server, timeout_s=5)
    yield fake
    fake.stop()


def api_for(user) -> requests.Session:
    """An API client for `user` (a bearer token), for any of the stack's servers."""
    _, plain = tokens.token_create(user=user, name="scale-out test")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {plain}"
    return session


def wait_jobs(ids, stack: Stack, *, timeout_s: float = 120) -> list[Job]:
    """Waits until every job has finished; fails with the processes' logs if one has not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        jobs = list(Job.objects.filter(pk__in=ids).order_by("pk"))
        if all(job.state in TERMINAL_STATES for job in jobs):
            return jobs
        time.sleep(0.2)
    unfinished = [
        f"{j.pk}: {j.state} {j.waiting_reason}" for j in jobs if j.state not in TERMINAL_STATES
    ]
    pytest.fail(f"jobs still unfinished after {timeout_s} s: {unfinished}\n{stack.logs()}")


@pytest.fixture
def users(transactional_db):
    return [UserFactory() for _ in range(5)]


def session_cookie(user) -> str:
    """The Cookie header of a logged-in browser session of `user` (sessions live in the
    database, so every daphne process knows it)."""
    return f"sessionid={session_id(user)}"


class Watcher:
    """A progress socket held open in a thread, reconnecting after a close as the page's script
    does; it keeps every event it receives and every close it sees."""

    def __init__(self, server_url: str, cookie: str):
        self.url = server_url.replace("http://", "ws://") + "/ws/torrent-progress"
        self.headers = {"Cookie": cookie, "Origin": server_url}
        self.events: list[dict] = []
        self.connections = 0
        self.closes: list[str] = []
        self.stopping = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self):
        while not self.stopping:
            try:
                async with websockets.connect(
                    self.url, additional_headers=self.headers, open_timeout=10
                ) as socket:
                    self.connections += 1
                    while not self.stopping:
                        try:
                            message = await asyncio.wait_for(socket.recv(), 0.2)
                        except TimeoutError:
                            continue
                        self.events.append(json.loads(message))
            except (websockets.WebSocketException, OSError) as error:
                self.closes.append(repr(error))
                await asyncio.sleep(0.5)

    def wait_connected(self, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while self.connections == 0:
            assert time.monotonic() < deadline, f"the socket did not open: {self.closes}"
            time.sleep(0.05)
        time.sleep(0.3)  # the consumer joins its groups right after accepting

    def job_events(self, job_id: int, *, until: str = "completed", timeout_s: float = 60):
        """The events of one job received so far, once one says `until`."""
        deadline = time.monotonic() + timeout_s
        while True:
            events = [e for e in list(self.events) if e.get("job") == job_id]
            if any(e["state"] == until for e in events):
                return events
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no '{until}' event for job {job_id} on {self.url} after {timeout_s} s: "
                    f"{[e['state'] for e in events]}; closes: {self.closes}"
                )
            time.sleep(0.05)

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)


@pytest.fixture
def watch():
    """Opens progress sockets (Watcher) that are closed after the test."""
    watchers = []

    def open_socket(server_url: str, user) -> Watcher:
        watcher = Watcher(server_url, session_cookie(user))
        watchers.append(watcher)
        watcher.wait_connected()
        return watcher

    yield open_socket
    for watcher in watchers:
        watcher.stop()


def submit(stack_url: str, client: requests.Session, path: str) -> int:
    response = client.post(f"{stack_url}/api/jobs", json={"path": path}, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()["id"]
