"""Fixtures shared by the whole suite: users, and the real services the tests drive."""

import os
import uuid
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.harness import qbittorrent as qbt
from tests.harness import require
from tests.harness.processes import start_daphne, start_worker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _remember_secrets():
    """Every secret the tests store is noted, to be looked for in answers and logs at the end
    of the run (tests/zz_final/): qBittorrent passwords, passkeys, API tokens."""
    from django.db.models.signals import post_save

    import accounts.api
    import accounts.tokens
    import accounts.views
    from browser.models import Instance
    from presets.models import PresetSecret
    from tests.harness.leaks import remember

    def instance_saved(sender, instance, **kwargs):
        remember(instance.password)

    def secret_saved(sender, instance, **kwargs):
        remember(instance.value)

    post_save.connect(instance_saved, sender=Instance, dispatch_uid="leak-instance")
    post_save.connect(secret_saved, sender=PresetSecret, dispatch_uid="leak-secret")
    original = accounts.tokens.token_create

    def token_create(**kwargs):
        token, plain = original(**kwargs)
        remember(plain)
        return token, plain

    modules = (accounts.tokens, accounts.api, accounts.views)
    for module in modules:
        module.token_create = token_create
    yield
    for module in modules:
        module.token_create = original
    post_save.disconnect(dispatch_uid="leak-instance", sender=Instance)
    post_save.disconnect(dispatch_uid="leak-secret", sender=PresetSecret)


@pytest.fixture(autouse=True)
def _fresh_listing_cache():
    """Listings are cached per instance id, audit repeats per account or address; ids and
    addresses repeat between tests, so start each empty."""
    from accounts.audit import forget_repeats
    from browser.browse import listing_cache

    listing_cache.clear()
    forget_repeats()
    yield
    listing_cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


# --- qBittorrent ---------------------------------------------------------------------------


class QbittorrentPool:
    """One running qBittorrent per version for the whole session, started on first use."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.running: dict[str, qbt.QbittorrentInstance] = {}

    def get(self, version: str) -> qbt.QbittorrentInstance:
        if version not in self.running:
            ok, where = qbt.available(version)
            require(ok, f"qBittorrent {version} ({where})", qbt.PROVISION)
            self.running[version] = qbt.start(version, workdir=self.workdir)
        instance = self.running[version]
        if instance.process.poll() is not None:
            raise RuntimeError(
                f"qBittorrent {version} died: {instance.log_path.read_text()[-2000:]}"
            )
        return instance

    def stop_all(self) -> None:
        for instance in self.running.values():
            instance.stop()
        self.running.clear()


@pytest.fixture(scope="session")
def qbittorrent_pool(tmp_path_factory):
    pool = QbittorrentPool(tmp_path_factory.mktemp("qbittorrent"))
    yield pool
    pool.stop_all()


@pytest.fixture(params=["5.1", "5.3"])
def qbittorrent(request, qbittorrent_pool):
    """A real qBittorrent with the torrent creator: each test using it runs on 5.1 and on 5.3."""
    return qbittorrent_pool.get(request.param)


@pytest.fixture
def content(qbittorrent):
    """A fresh folder in the qBittorrent's data directory: (host Path, qBittorrent path)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    host = qbittorrent.host_data_dir / name
    host.mkdir()
    return host, f"{qbittorrent.qbt_data_dir}/{name}"


@pytest.fixture
def qbittorrent_45(qbittorrent_pool):
    """qBittorrent 4.5: no torrent creator, no getDirectoryContent."""
    return qbittorrent_pool.get("4.5")


# --- the app's own processes -------------------------------------------------------------


@pytest.fixture
def app_server(transactional_db, tmp_path):
    """daphne serving the app (HTTP and WebSockets) on the test database; DEBUG is off."""
    server = start_daphne(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real `manage.py db_worker` on the test database."""
    process = start_worker(tmp_path)
    yield process
    process.stop()


# --- Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})", "bash scripts/system-packages.sh")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django takes for an
    # async context; the tests' own database calls are synchronous, so allow them meanwhile.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def logged_in_page(page, app_server, user, password):
    """A Chromium page logged in through the real login form."""
    page.goto(f"{app_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{app_server.url}/")
    return page
