import pytest

from tests.factories import instance_for


@pytest.fixture
def instance(db, qbittorrent):
    """The default Instance, on a real qBittorrent 5.1 or 5.3 (the test runs on each)."""
    return instance_for(qbittorrent)
