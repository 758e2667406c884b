import uuid

import pytest

from tests.factories import instance_for


@pytest.fixture
def instance(db, qbittorrent):
    """The default Instance, on a real qBittorrent 5.1 or 5.3 (the test runs on each)."""
    return instance_for(qbittorrent)


@pytest.fixture
def content(qbittorrent):
    """A fresh folder in the qBittorrent's data directory: (host Path, qBittorrent path)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    host = qbittorrent.host_data_dir / name
    host.mkdir()
    return host, f"{qbittorrent.qbt_data_dir}/{name}"


def write(root, files: dict[str, bytes | str]) -> None:
    """Creates files (and their folders) under `root` from {relative path: content}."""
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        target.write_bytes(data)
