"""The real qBittorrents the suite drives: right versions, off the network, Docker-like paths."""

import pytest
import qbittorrentapi

EXPECTED = {"4.5": ("v4.5.", "2.8."), "5.1": ("v5.1.", "2.11."), "5.3": ("v5.3.", "2.16.")}
pytestmark = pytest.mark.qbittorrent


def client_for(instance) -> qbittorrentapi.Client:
    client = qbittorrentapi.Client(
        host=instance.url,
        username=instance.username,
        password=instance.password,
        REQUESTS_ARGS={"timeout": 10},
    )
    client.auth_log_in()
    return client


@pytest.mark.parametrize("version", ["4.5", "5.1", "5.3"])
def test_each_version_runs_with_known_credentials_and_stays_off_the_network(
    qbittorrent_pool, version
):
    instance = qbittorrent_pool.get(version)
    client = client_for(instance)
    app_version, webapi = EXPECTED[version]
    assert client.app.version.startswith(app_version)
    assert client.app.web_api_version.startswith(webapi)
    prefs = client.app.preferences
    assert (prefs.dht, prefs.lsd, prefs.pex, prefs.upnp) == (False, False, False, False)
    assert prefs.current_network_interface == "lo"
    assert prefs.web_ui_address == "127.0.0.1"


@pytest.mark.parametrize("version", ["5.1", "5.3"])
def test_content_is_seen_at_the_qbittorrent_side_path(qbittorrent_pool, version):
    instance = qbittorrent_pool.get(version)
    assert str(instance.host_data_dir) != instance.qbt_data_dir
    (instance.host_data_dir / "Some Album").mkdir(exist_ok=True)
    listing = client_for(instance).app.get_directory_content(directory_path=instance.qbt_data_dir)
    assert f"{instance.qbt_data_dir}/Some Album" in listing


def test_old_version_has_no_creator_api(qbittorrent_45):
    response = qbittorrent_45.api("GET", "torrentcreator/status")
    assert response.status_code == 404
    assert qbittorrent_45.qbt_data_dir.startswith("/srv/")
    assert not str(qbittorrent_45.host_data_dir).startswith("/srv/")
