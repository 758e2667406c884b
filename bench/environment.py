"""What every benchmark runs in: Django on a throw-away data directory (SQLite, in-memory
channel layer: the embedded default), and a logged-in session on the app it starts.

A script that measures the scale-out setup (bench/load.py) sets BENCH_SERVICES_DIR before
importing this: PostgreSQL and Redis (scripts/services.sh) are then started there and used
instead, and clean_up() stops them.

Imported first by each bench script: it sets Django up when imported.
"""

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
DATA_DIR = tempfile.mkdtemp(prefix="torrentsmith-bench-")
os.environ["TORRENTSMITH_DATA_DIR"] = DATA_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
SERVICES_DIR = os.environ.get("BENCH_SERVICES_DIR", "")
if SERVICES_DIR:
    from tests.harness.scaleout import services, services_env

    services("start", SERVICES_DIR)
    os.environ.update(services_env(SERVICES_DIR))
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402

from browser.models import Instance  # noqa: E402
from tests.factories import UserFactory  # noqa: E402
from tests.harness.processes import session_id  # noqa: E402


def database_ready() -> None:
    call_command("migrate", verbosity=0)


def use_instance(qbittorrent, name: str) -> Instance:
    """The only, default Instance: the given test qBittorrent, browsing its data folder."""
    Instance.objects.all().delete()
    return Instance.objects.create(
        name=name,
        url=qbittorrent.url,
        username=qbittorrent.username,
        password=qbittorrent.password,
        allowed_roots=[qbittorrent.qbt_data_dir],
        is_default=True,
        timeout_s=60,
    )


def logged_in(server_url: str) -> requests.Session:
    """A session of a new Creator on the app, with the CSRF cookie and header set."""
    session = requests.Session()
    session.cookies.set("sessionid", session_id(UserFactory()))
    session.get(f"{server_url}/", timeout=30)  # sets the CSRF cookie, as for a browser
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def p50_p95(seconds: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile of timings in seconds, in milliseconds."""
    if len(seconds) < 2:
        return (seconds[0] * 1000,) * 2 if seconds else (float("nan"),) * 2
    p95 = statistics.quantiles(seconds, n=20, method="inclusive")[-1]
    return statistics.median(seconds) * 1000, p95 * 1000


def clean_up() -> None:
    if SERVICES_DIR:
        services("stop", SERVICES_DIR)
    shutil.rmtree(DATA_DIR, ignore_errors=True)
