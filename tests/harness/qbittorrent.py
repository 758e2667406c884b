"""Real qbittorrent-nox processes for tests, one per version, per test session.

Versions come from scripts/provision-qbittorrent.sh (see ../shared/qbittorrent.md): 4.5 is the
host's Debian package, 5.1 and 5.3 run inside cached Debian roots with chroot. Each instance sees
its content at a qBittorrent-side path (`qbt_data_dir`) that differs from the host path
(`host_data_dir`), as a qBittorrent in Docker would: the chroot provides that for 5.x, a private
mount namespace with a bind mount for 4.5.
"""

import base64
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.harness.ports import free_port

CACHE = Path(os.environ.get("TORRENTSMITH_QBT_CACHE", "/var/cache/torrentsmith/qbittorrent"))
PROVISION = "bash scripts/provision-qbittorrent.sh"
USERNAME = "admin"

# version label -> (Debian root or None for the host package, version string it reports)
VERSIONS = {
    "4.5": (None, "v4.5"),
    "5.1": ("trixie", "v5.1"),
    "5.3": ("forky", "v5.3"),
}


def password_pbkdf2(password: str) -> str:
    """qBittorrent's WebUI\\Password_PBKDF2: PBKDF2-HMAC-SHA512, 100000 rounds, 16-byte salt."""
    salt = secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, dklen=64)
    return f"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"


def available(version: str) -> tuple[bool, str]:
    suite, _ = VERSIONS[version]
    if suite is None:
        ok = Path("/usr/bin/qbittorrent-nox").exists()
        return ok, "/usr/bin/qbittorrent-nox"
    root = CACHE / suite
    return (root / ".torrentsmith-ready").exists(), str(root)


@dataclass
class QbittorrentInstance:
    version: str
    url: str
    username: str
    password: str
    host_data_dir: Path  # where test content is written on this host
    qbt_data_dir: str  # the same directory as qBittorrent sees it
    process: subprocess.Popen
    cleanup_paths: list[Path] = field(default_factory=list)
    log_path: Path | None = None
    command: list[str] = field(default_factory=list)

    def host_path(self, qbt_path: str) -> Path:
        """Translates a qBittorrent-side path under the data directory to this host's path."""
        relative = Path(qbt_path).relative_to(self.qbt_data_dir)
        return self.host_data_dir / relative

    def qbt_path(self, host_path: Path) -> str:
        return str(Path(self.qbt_data_dir) / Path(host_path).relative_to(self.host_data_dir))

    def session(self) -> requests.Session:
        """A session logged in to the WebAPI, to talk to qBittorrent directly."""
        session = requests.Session()
        login = session.post(
            f"{self.url}/api/v2/auth/login",
            data={"username": self.username, "password": self.password},
            timeout=10,
        )
        login.raise_for_status()
        return session

    def api(self, method: str, endpoint: str, **kwargs) -> requests.Response:
        """A direct WebAPI call with a fresh login, for tests to arrange or check state."""
        return self.session().request(method, f"{self.url}/api/v2/{endpoint}", timeout=30, **kwargs)

    def restart(self) -> None:
        """Stops qBittorrent (SIGTERM) and starts it again on the same ports and profile: what
        it kept in memory only (torrent creator tasks) is gone."""
        self._terminate()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        _wait_until_up(self)

    def stop(self) -> None:
        self._terminate()
        for path in self.cleanup_paths:
            shutil.rmtree(path, ignore_errors=True)

    def _terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _config(*, webui_port: int, torrent_port: int, password: str, save_path: str) -> str:
    return f"""[LegalNotice]
Accepted=true

[BitTorrent]
Session\\Port={torrent_port}
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\DHTEnabled=false
Session\\LSDEnabled=false
Session\\PeXEnabled=false
Session\\DefaultSavePath={save_path}
Session\\TempPath={save_path}/incomplete

[Preferences]
WebUI\\Address=127.0.0.1
WebUI\\Port={webui_port}
WebUI\\Username={USERNAME}
WebUI\\Password_PBKDF2="{password_pbkdf2(password)}"
Connection\\UPnP=false
Connection\\ResolvePeerCountries=false
General\\Locale=en
"""


def start(version: str, *, workdir: Path, password: str | None = None) -> QbittorrentInstance:
    """Starts qBittorrent `version` on free loopback ports and waits until its WebAPI answers."""
    suite, _ = VERSIONS[version]
    password = password or secrets.token_urlsafe(12)
    webui_port, torrent_port = free_port(), free_port()
    tag = f"torrentsmith-test-{uuid.uuid4().hex[:8]}"
    qbt_base = f"/srv/{tag}"
    qbt_data_dir = f"{qbt_base}/data"
    config = _config(
        webui_port=webui_port,
        torrent_port=torrent_port,
        password=password,
        save_path=f"{qbt_data_dir}/downloads",
    )
    log_path = workdir / f"qbittorrent-{version}.log"
    if suite is not None:
        root = CACHE / suite
        host_base = root / "srv" / tag
        profile_qbt = f"/tmp/{tag}-profile"
        profile_host = root / profile_qbt.lstrip("/")
        command = ["chroot", str(root), "qbittorrent-nox", f"--profile={profile_qbt}"]
        cleanup = [host_base, profile_host]
        temp_qbt, temp_host = f"{profile_qbt}/tmp", profile_host / "tmp"
    else:
        # No chroot for the host's 4.5: a private mount namespace shows workdir's folder at /srv/…
        host_base = workdir / tag
        profile_host = workdir / f"{tag}-profile"
        mount_point = Path(qbt_base)
        mount_point.mkdir(parents=True, exist_ok=True)
        command = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount --bind "$0" "$1" && exec qbittorrent-nox --profile="$2"',
            str(host_base),
            qbt_base,
            str(profile_host),
        ]
        cleanup = [host_base, profile_host, mount_point]
        temp_qbt = str(temp_host := profile_host / "tmp")
    host_data_dir = host_base / "data"
    (host_data_dir / "downloads").mkdir(parents=True)
    config_dir = profile_host / "qBittorrent" / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "qBittorrent.conf").write_text(config)
    # Its own temp folder: qBittorrent's creator writes there, and every qBittorrent removes
    # its temp folder when it exits, which in a shared /tmp pulled files from under the others.
    temp_host.mkdir()
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "TMPDIR": temp_qbt},
    )
    instance = QbittorrentInstance(
        version=version,
        url=f"http://127.0.0.1:{webui_port}",
        username=USERNAME,
        password=password,
        host_data_dir=host_data_dir,
        qbt_data_dir=qbt_data_dir,
        process=process,
        cleanup_paths=cleanup,
        log_path=log_path,
        command=command,
    )
    try:
        _wait_until_up(instance)
    except Exception:
        instance.stop()
        raise
    return instance


def _wait_until_up(instance: QbittorrentInstance) -> None:
    deadline = time.monotonic() + 30
    while True:
        if instance.process.poll() is not None:
            raise RuntimeError(
                f"qBittorrent {instance.version} exited: {instance.log_path.read_text()[-2000:]}"
            )
        try:
            requests.get(f"{instance.url}/api/v2/app/version", timeout=1)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"qBittorrent {instance.version} did not answer in 30 s"
                ) from None
            time.sleep(0.1)
