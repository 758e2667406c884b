"""The scale-out setup on this machine, loopback only: several daphne processes behind nginx,
several db_worker processes, PostgreSQL and the Redis channel layer (scripts/services.sh).

The scale-out tests start one on the test database (`Stack.start(dir, app_env())`) and
bench/load.py on its own. To try one by hand:

    .venv/bin/python -m tests.harness.scaleout start /tmp/torrentsmith-stack --daphnes 3 --workers 3
    .venv/bin/python -m tests.harness.scaleout stop /tmp/torrentsmith-stack

`start` creates PostgreSQL and Redis under the directory, migrates, creates the administrator
(password from TORRENTSMITH_ADMIN_PASSWORD, else generated and printed once), and leaves every
process running.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.ports import free_port, wait_for_port
from tests.harness.processes import BASE_DIR, AppProcess, spawn, start_daphne, start_worker

SERVICES = BASE_DIR / "scripts" / "services.sh"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The proxy of docs/deployment.md, with paths and ports filled in.
NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/nginx-temp/body;
    proxy_temp_path {dir}/nginx-temp/proxy;
    fastcgi_temp_path {dir}/nginx-temp/fastcgi;
    uwsgi_temp_path {dir}/nginx-temp/uwsgi;
    scgi_temp_path {dir}/nginx-temp/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream torrentsmith {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://torrentsmith;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def start_proxy(dir: Path, upstreams: list[str]) -> AppProcess:
    """nginx on a free loopback port, spreading HTTP and WebSocket connections over `upstreams`
    (http://host:port)."""
    dir.mkdir(parents=True, exist_ok=True)
    (dir / "nginx-temp").mkdir(exist_ok=True)
    port = free_port()
    servers = "\n".join(
        f"        server {url.removeprefix('http://')} max_fails=0;" for url in upstreams
    )
    conf = dir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=dir, port=port, servers=servers))
    log_path = dir / "nginx.log"
    process = spawn([NGINX, "-p", str(dir), "-c", str(conf)], log_path, dict(os.environ))
    try:
        wait_for_port(port, timeout_s=15, alive=lambda: process.poll() is None)
    except Exception:
        process.kill()
        error = (dir / "nginx-error.log").read_text() if (dir / "nginx-error.log").exists() else ""
        raise RuntimeError(f"nginx did not start: {error[-2000:]}") from None
    return AppProcess(process, log_path, f"http://127.0.0.1:{port}")


@dataclass
class Stack:
    """N daphne processes behind a proxy and M workers, all on one database and data directory."""

    dir: Path
    environ: dict[str, str]
    daphnes: list[AppProcess] = field(default_factory=list)
    workers: list[AppProcess] = field(default_factory=list)
    proxy: AppProcess | None = None

    @classmethod
    def start(
        cls, dir: Path, environ: dict[str, str], *, daphnes: int = 2, workers: int = 2
    ) -> "Stack":
        """`environ` names the database, channel layer, data directory and secret key that
        every process shares."""
        stack = cls(Path(dir), environ)
        stack.dir.mkdir(parents=True, exist_ok=True)
        try:
            for _ in range(daphnes):
                stack.daphnes.append(start_daphne(stack.dir, environ=environ, behind_proxy=True))
            for _ in range(workers):
                stack.add_worker()
            stack.proxy = start_proxy(stack.dir / "proxy", [d.url for d in stack.daphnes])
        except BaseException:
            stack.stop()
            raise
        return stack

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def data_dir(self) -> Path:
        return Path(self.environ["TORRENTSMITH_DATA_DIR"])

    def add_worker(self) -> AppProcess:
        worker = start_worker(self.dir, environ=self.environ)
        self.workers.append(worker)
        return worker

    def logs(self, limit: int = 3000) -> str:
        """The tail of every process's log, for a failing test's message."""
        return "\n".join(
            f"--- {p.log_path.name}\n{p.log()[-limit:]}" for p in [*self.daphnes, *self.workers]
        )

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for process in [*self.daphnes, *self.workers]:
            process.stop(signal.SIGTERM)


# --- PostgreSQL and Redis, through scripts/services.sh ---------------------------------------


def services(action: str, services_dir: str | Path) -> None:
    """start, stop, pg-restart, redis-stop or redis-start (scripts/services.sh)."""
    result = subprocess.run(
        ["bash", str(SERVICES), action, str(services_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"services.sh {action} failed:\n{result.stdout}\n{result.stderr}")


def services_env(services_dir: str | Path) -> dict[str, str]:
    """The variables services.sh wrote (DATABASE_URL, REDIS_URL, TORRENTSMITH_SERVICES_DIR)."""
    values = {}
    for line in (Path(services_dir) / "env").read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = value
    return values


# --- command line: a stack to try by hand, or for a benchmark --------------------------------


def _manage(environ: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environ, check=True, timeout=300
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--daphnes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    dir = args.dir.resolve()
    state = dir / "stack.json"

    if args.action == "stop":
        if state.exists():
            for pid in json.loads(state.read_text())["pids"]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
            time.sleep(1)
        if (dir / "services").exists():
            services("stop", dir / "services")
        shutil.rmtree(dir, ignore_errors=True)
        return 0

    if state.exists():
        parser.error(f"{dir} holds a running stack: stop it first")
    services("start", dir / "services")
    environ = {**os.environ, **services_env(dir / "services")}
    environ.update(
        PYTHONPATH=str(BASE_DIR),
        DJANGO_SETTINGS_MODULE="config.settings",
        TORRENTSMITH_DATA_DIR=str(dir / "data"),
    )
    _manage(environ, "migrate", "--verbosity", "0")
    _manage(environ, "ensure_admin")
    _manage(environ, "ensure_flags")
    stack = Stack.start(dir, environ, daphnes=args.daphnes, workers=args.workers)
    pids = [p.process.pid for p in [*stack.daphnes, *stack.workers]] + [stack.proxy.process.pid]
    state.write_text(json.dumps({"url": stack.url, "pids": pids}))
    print(
        f"Torrentsmith at {stack.url}: {args.daphnes} daphne, {args.workers} workers, "
        f"PostgreSQL and Redis under {dir / 'services'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
