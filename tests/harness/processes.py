"""The app's own processes for tests: daphne serving the ASGI app, and db_worker."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.test import Client

from tests.harness.ports import free_port, wait_for_port

BASE_DIR = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the test database pytest-django created, for processes the tests start."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def app_env(**extra: str) -> dict[str, str]:
    # The app's processes must never inherit the browser fixtures' async-safety escape hatch.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=test_database_url(),
        PYTHONPATH=str(BASE_DIR),
    )
    env.update(extra)
    return env


def session_id(user) -> str:
    """The session id of a logged-in browser session of `user`: sessions live in the database,
    so every app process the tests start knows it."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@dataclass
class AppProcess:
    process: subprocess.Popen
    log_path: Path
    url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def spawn(command: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    """A process in a session of its own (signals reach all of it), output to `log_path`."""
    log = log_path.open("ab")
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_daphne(
    log_dir: Path,
    *,
    environ: dict[str, str] | None = None,
    behind_proxy: bool = False,
    **env: str,
) -> AppProcess:
    """daphne on a free loopback port; `environ` replaces the test database's environment
    (app_env) for processes of another setup, `env` adds to it. Behind a proxy, daphne takes
    the client's address from X-Forwarded-For (login throttling counts per address)."""
    port = free_port()
    log_path = log_dir / f"daphne-{port}.log"
    process = spawn(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            *(["--proxy-headers"] if behind_proxy else []),
            "config.asgi:application",
        ],
        log_path,
        {**(environ or app_env()), **env},
    )
    app = AppProcess(process, log_path, url=f"http://127.0.0.1:{port}")
    try:
        wait_for_port(port, timeout_s=30, alive=lambda: process.poll() is None)
    except Exception:
        app.stop()
        raise RuntimeError(f"daphne did not start:\n{app.log()[-3000:]}") from None
    return app


def start_worker(log_dir: Path, *, environ: dict[str, str] | None = None, **env: str) -> AppProcess:
    log_path = log_dir / f"worker-{os.urandom(4).hex()}.log"
    process = spawn(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ],
        log_path,
        {**(environ or app_env()), **env},
    )
    return AppProcess(process, log_path)


def stop_all(processes: list[AppProcess]) -> None:
    for app in processes:
        app.stop(signal.SIGTERM)
