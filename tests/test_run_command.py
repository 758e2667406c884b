"""The README's run command: serves the login page with a working worker; Ctrl-C stops both."""

import os
import signal
import subprocess
import time

import pytest
import requests

from tests.harness.ports import free_port, wait_for_port
from tests.harness.processes import BASE_DIR

pytestmark = pytest.mark.slow


def test_make_run_serves_the_app_with_a_worker_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        TORRENTSMITH_DATA_DIR=str(tmp_path / "data"),
        TORRENTSMITH_PORT=str(port),
        TORRENTSMITH_BIND="127.0.0.1",
        TORRENTSMITH_ADMIN_PASSWORD="run-command-pass-1",
    )
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen(
        ["make", "run"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout_s=120, alive=lambda: run.poll() is None)
        session = requests.Session()
        login_page = session.get(f"http://127.0.0.1:{port}/login/", timeout=10)
        assert login_page.status_code == 200
        session.post(
            f"http://127.0.0.1:{port}/login/",
            timeout=10,
            data={
                "username": "admin",
                "password": "run-command-pass-1",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
        )
        deadline = time.monotonic() + 60
        while True:
            health = session.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()
            if health["worker"]["status"] == "ok" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert health["status"] == "ok", health
        assert health["database"]["engine"] == "sqlite"
        assert (tmp_path / "data" / "torrentsmith.sqlite3").exists()
    finally:
        os.killpg(run.pid, signal.SIGINT)
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    leftovers = subprocess.run(["pgrep", "-g", str(run.pid)], capture_output=True, text=True)
    assert leftovers.stdout == "", "daphne or the worker outlived Ctrl-C"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/login/", timeout=2)
