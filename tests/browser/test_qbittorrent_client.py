"""The qBittorrent client: logins that never get the app banned, and failures in words."""

import threading

import pytest
from django.db import connection

from browser.models import LoginState
from browser.qbittorrent import (
    QbittorrentClient,
    QbittorrentError,
    client_for,
    login_retry_allow,
    nearby,
)
from tests.factories import InstanceFactory, instance_for
from tests.harness.fake_qbittorrent import FakeQbittorrent, slow
from tests.harness.ports import free_port


def browse(client, **body):
    return client.post("/api/qbittorrent/browse", body, content_type="application/json")


def failed_logins_seen_by(qbittorrent, since_id: int) -> int:
    """qBittorrent's own count of failed logins in its log after message `since_id`."""
    log = qbittorrent.api("GET", "log/main", params={"last_known_id": since_id}).json()
    return sum("WebAPI login failure" in entry["message"] for entry in log)


def last_log_id(qbittorrent) -> int:
    log = qbittorrent.api("GET", "log/main").json()
    return log[-1]["id"] if log else -1


@pytest.fixture
def fake():
    server = FakeQbittorrent()
    yield server
    server.stop()


@pytest.mark.qbittorrent
def test_wrong_password_costs_one_failed_login_per_back_off_window(user_client, db, qbittorrent):
    since = last_log_id(qbittorrent)
    instance = instance_for(qbittorrent, password="wrong-password")
    first = browse(user_client)
    assert first.status_code == 502
    assert first.json()["code"] == "qbittorrent_login_failed"
    assert first.json()["detail"] == (
        f"qBittorrent '{instance.name}' refused the username or password; the next login is "
        "tried in 60 s at the earliest."
    )
    for _ in range(4):
        again = browse(user_client)
        assert again.status_code == 503
        assert again.json()["code"] == "qbittorrent_login_paused"
    # Another process of the app (another client object) respects the same back-off.
    with pytest.raises(QbittorrentError) as paused:
        QbittorrentClient(instance).capabilities()
    assert paused.value.code == "qbittorrent_login_paused"
    assert failed_logins_seen_by(qbittorrent, since) == 1
    assert "wrong-password" not in first.content.decode()


@pytest.mark.qbittorrent
def test_fixing_the_password_works_at_once(user_client, db, qbittorrent):
    instance = instance_for(qbittorrent, password="wrong-password")
    assert browse(user_client).status_code == 502
    instance.password = qbittorrent.password
    instance.save()
    assert browse(user_client).status_code == 200
    assert LoginState.objects.get(instance=instance).failures == 0


@pytest.mark.qbittorrent
def test_an_expired_session_is_renewed_with_one_login(user_client, db, qbittorrent):
    instance = instance_for(qbittorrent)
    assert browse(user_client).status_code == 200
    client_for(instance).call(lambda api: api.auth_log_out())
    since = last_log_id(qbittorrent)
    assert browse(user_client, refresh=True).status_code == 200
    assert browse(user_client, refresh=True).status_code == 200
    log = qbittorrent.api("GET", "log/main", params={"last_known_id": since}).json()
    # one login by the app, then the one this check itself makes to read the log
    assert sum("WebAPI login success" in entry["message"] for entry in log) == 2


def test_after_three_failures_with_the_same_password_it_stops(db, fake, settings):
    fake.routes["/api/v2/auth/login"] = (200, "Fails.")
    instance = instance_for(fake, password="nope")
    fake.routes["/api/v2/app/version"] = (403, "Forbidden")
    client = QbittorrentClient(instance)
    for expected in ("qbittorrent_login_failed", "qbittorrent_login_paused"):
        with pytest.raises(QbittorrentError) as error:
            client.capabilities()
        assert error.value.code == expected
    state = LoginState.objects.get(instance=instance)
    LoginState.objects.filter(pk=state.pk).update(failed_at=state.failed_at.replace(year=2000))
    for _ in range(2):
        with pytest.raises(QbittorrentError):
            client.capabilities()
        LoginState.objects.filter(pk=state.pk).update(failed_at=state.failed_at.replace(year=2000))
    with pytest.raises(QbittorrentError) as error:
        client.capabilities()
    assert "No more logins are tried until they are changed" in error.value.message
    assert len(fake.calls("/api/v2/auth/login")) == 3


def test_it_never_makes_the_fifth_failed_login_in_a_row(db, fake):
    fake.routes["/api/v2/auth/login"] = (200, "Fails.")
    fake.routes["/api/v2/app/version"] = (403, "Forbidden")
    instance = instance_for(fake, password="p0")
    for n in range(6):
        instance.password = f"p{n}"  # an admin trying one password after another
        instance.save()
        with pytest.raises(QbittorrentError) as error:
            client_for(instance).capabilities()
    assert len(fake.calls("/api/v2/auth/login")) == 4
    assert "one more would get this server banned" in error.value.message
    login_retry_allow(instance=instance)
    with pytest.raises(QbittorrentError):
        client_for(instance).capabilities()
    assert len(fake.calls("/api/v2/auth/login")) == 5


def test_a_ban_stops_every_login_for_an_hour(db, fake):
    fake.routes["/api/v2/auth/login"] = (403, "Your IP address has been banned")
    fake.routes["/api/v2/app/version"] = (403, "Forbidden")
    instance = instance_for(fake)
    for _ in range(3):
        with pytest.raises(QbittorrentError) as error:
            client_for(instance).capabilities()
        assert error.value.code == "qbittorrent_banned"
        assert error.value.status == 503
    assert "no login is tried for 60 more minutes" in error.value.message
    assert len(fake.calls("/api/v2/auth/login")) == 1


def test_the_browsers_origin_and_referer_are_never_forwarded(user_client, db, fake):
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, ["/data/a"])
    instance_for(fake)
    response = user_client.post(
        "/api/qbittorrent/browse",
        {"path": "/data"},
        content_type="application/json",
        HTTP_ORIGIN="http://localhost:8094",
        HTTP_REFERER="http://localhost:8094/browse/",
    )
    assert response.status_code == 200
    assert fake.requests
    for request in fake.requests:
        assert "Origin" not in request["headers"] and "Referer" not in request["headers"]


@pytest.mark.qbittorrent
def test_a_qbittorrent_on_this_host_is_asked_for_answers_uncompressed(user_client, db, fake):
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, ["/data/a"])
    instance_for(fake)
    assert browse(user_client, path="/data").status_code == 200
    listing = fake.calls("/api/v2/app/getDirectoryContent")[-1]
    assert listing["headers"]["Accept-Encoding"] == "identity"


@pytest.mark.parametrize(
    "url, near",
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("http://192.168.1.20:8080", True),
        ("http://10.0.0.5", True),
        ("http://172.18.0.3:8080", True),  # a Docker network
        ("http://qbittorrent:8080", True),  # a Docker Compose service
        ("qbittorrent:8080", True),  # QBITTORRENT_URL without a scheme
        ("http://host.docker.internal:8080", True),
        ("http://nas.local:8080", True),
        ("http://seedbox.lan:8080", True),
        ("https://seedbox.example.net/qbittorrent", False),
        ("https://8.8.8.8:8080", False),
        ("http://100.101.102.103:8080", False),  # a Tailscale peer: maybe far away
        ("https://[2606:4700::1111]:8080", False),
    ],
)
def test_answers_are_compressed_only_across_the_internet(url, near):
    assert nearby(url) is near


def test_an_unreachable_instance_is_a_503_naming_it(user_client, db):
    url = f"http://127.0.0.1:{free_port()}"
    instance = InstanceFactory(url=url, allowed_roots=["/data"], is_default=True)
    response = browse(user_client, path="/data")
    assert response.status_code == 503
    assert response.json()["code"] == "qbittorrent_unreachable"
    assert response.json()["detail"] == f"qBittorrent '{instance.name}' cannot be reached at {url}."


def test_a_slow_instance_times_out_with_a_message(user_client, db, fake):
    fake.routes["/api/v2/app/version"] = slow(3, (200, "v5.1.0"))
    instance = instance_for(fake, timeout_s=1)
    response = browse(user_client, path="/data")
    assert response.status_code == 503
    assert response.json()["detail"] == f"qBittorrent '{instance.name}' did not answer within 1 s."
    assert len(fake.calls("/api/v2/app/version")) == 1  # no retry


def test_a_5xx_is_a_502_in_words(user_client, db, fake):
    fake.routes["/api/v2/app/getDirectoryContent"] = (500, "boom")
    instance_for(fake)
    response = browse(user_client, path="/data")
    assert response.status_code == 502
    assert response.json()["detail"].endswith("failed with an internal error (500).")
    assert len(fake.calls("/api/v2/app/getDirectoryContent")) == 1  # no retry


@pytest.mark.parametrize("listing", [{"a": 1}, [{"name": "a", "type": "file"}], ["/data/a", 7]])
def test_a_listing_of_paths_it_cannot_read_is_a_502_in_words(user_client, db, fake, listing):
    # qBittorrent 5.0/5.1 (the fake's version) lists paths
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, listing)
    instance = instance_for(fake)
    response = browse(user_client, path="/data")
    assert response.status_code == 502
    assert response.json()["detail"] == (
        f"qBittorrent '{instance.name}' answered a folder listing it cannot read "
        "(not a list of paths)."
    )


def test_a_listing_that_is_not_json_is_a_502_in_words(user_client, db, fake):
    # a proxy's error page answered with 200, say
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, "<html>Bad gateway</html>")
    instance = instance_for(fake)
    response = browse(user_client, path="/data")
    assert response.status_code == 502
    assert response.json()["detail"].startswith(
        f"qBittorrent '{instance.name}' answered a folder listing it cannot read (not JSON"
    )


@pytest.mark.parametrize(
    "listing",
    [
        {"name": "a", "type": "file"},  # an object where a list belongs
        [{"type": "file", "size": 3}],  # no name
        [["a", "file"]],
        "<html>Bad gateway</html>",  # a proxy's error page answered with 200, say
    ],
)
def test_a_listing_it_cannot_read_is_a_502_in_words(user_client, db, fake, listing):
    fake.routes.update(
        {
            "/api/v2/app/version": (200, "v5.3.0"),
            "/api/v2/app/webapiVersion": (200, "2.16.2"),
            "/api/v2/app/getDirectoryContent": (200, listing),
        }
    )
    instance = instance_for(fake)
    response = browse(user_client, path="/data")
    assert response.status_code == 502
    assert response.json()["detail"].startswith(
        f"qBittorrent '{instance.name}' answered a folder listing it cannot read ("
    )


@pytest.mark.qbittorrent
def test_qbittorrent_4_5_is_reported_too_old(user_client, db, qbittorrent_45):
    instance = instance_for(qbittorrent_45)
    response = browse(user_client)
    assert response.status_code == 502
    assert response.json() == {
        "detail": f"qBittorrent '{instance.name}' v4.5.2 (WebAPI 2.8.19) is too old: this needs "
        "qBittorrent 5.0 or later.",
        "code": "qbittorrent_too_old",
        "errors": [],
    }


def test_health_says_down_as_soon_as_qbittorrent_stops_answering(user_client, db, fake):
    instance = InstanceFactory(is_default=True, url=fake.url, allowed_roots=["/data"])

    def status():
        return user_client.get("/api/health").json()["instances"][0]

    assert status()["status"] == "ok"  # capabilities are now cached for minutes
    fake.routes["/api/v2/app/version"] = (200, "v5.1.2")  # upgraded meanwhile
    assert status()["capabilities"]["app_version"] == "v5.1.2"
    fake.stop()
    down = status()
    assert down["status"] == "down"
    assert down["error"] == f"qBittorrent '{instance.name}' cannot be reached at {fake.url}."
    page = user_client.get(f"/instances/{instance.pk}/").content.decode()
    assert "cannot be reached" in page


def test_analyze_stops_at_its_time_limit_and_says_so(user_client, db, fake, settings):
    """A folder qBittorrent is slow to list does not hold the analysis past its limit."""
    settings.ANALYZE_MAX_SECONDS = 0.3
    InstanceFactory(is_default=True, url=fake.url, allowed_roots=["/data"])

    def listing(request):
        folder, mode = request["form"]["dirPath"], request["form"]["mode"]
        if mode == "dirs":
            return 200, [f"{folder}/sub{n}" for n in range(3)] if folder == "/data/top" else []
        return 200, [f"{folder}/file.bin"]

    fake.routes["/api/v2/app/getDirectoryContent"] = listing
    fake.routes["/api/v2/torrents/info"] = (200, [])
    body = user_client.post(
        "/api/qbittorrent/analyze", {"path": "/data/top"}, content_type="application/json"
    ).json()
    assert (body["truncated"], body["files"], body["folders"]) == (False, 4, 3)

    answered = threading.Event()
    held, waited_out = [], []

    def slow_listing(request):
        if request["form"]["dirPath"].startswith("/data/top/"):
            held.append(request["form"]["dirPath"])
            if not answered.wait(5):  # held until the analysis has answered
                waited_out.append(request["form"]["dirPath"])
        return listing(request)

    fake.routes["/api/v2/app/getDirectoryContent"] = slow_listing
    body = user_client.post(
        "/api/qbittorrent/analyze", {"path": "/data/top"}, content_type="application/json"
    ).json()
    answered.set()
    # it answered while sub-folders were still being listed: it did not wait for them
    assert held and waited_out == []
    assert body["truncated"] is True
    assert "truncated" in [w["code"] for w in body["warnings"]]
    assert body["files"] < 4


def test_many_categories_leave_the_roots_and_the_last_folder_in_quick_paths(user_client, db, fake):
    InstanceFactory(is_default=True, url=fake.url, allowed_roots=["/data"])
    fake.routes["/api/v2/torrents/categories"] = (
        200,
        {f"cat{n:02d}": {"name": f"cat{n:02d}", "savePath": ""} for n in range(60)},
    )
    fake.routes["/api/v2/app/preferences"] = (200, {"temp_path_enabled": False})
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, [])
    user_client.post(
        "/api/qbittorrent/browse", {"path": "/data/tv"}, content_type="application/json"
    )
    body = user_client.get("/api/qbittorrent/default-paths").json()
    kinds = [p["kind"] for p in body["paths"]]
    assert kinds.count("category") == 40
    assert kinds[-2:] == ["root", "last"]
    assert body["paths"][-1]["path"] == "/data/tv"


def test_requests_arriving_together_share_one_login(transactional_db, fake):
    """Threads of one process that all find no session wait for a single login."""
    fake.routes["/api/v2/auth/login"] = slow(0.3, (200, "Ok."))
    fake.routes["/api/v2/app/version"] = lambda request: (
        (200, "v5.1.0") if "SID=fake" in request["headers"].get("Cookie", "") else (403, "")
    )
    instance = InstanceFactory(url=fake.url)
    client = QbittorrentClient(instance)
    answers, errors = [], []

    def ask() -> None:
        try:
            answers.append(client.call(lambda api: api.app_version()))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and answers == ["v5.1.0"] * 5
    assert len(fake.calls("/api/v2/auth/login")) == 1


def test_quick_paths_show_the_temp_path_when_enabled_and_no_last_folder_when_not_kept(
    user_client, db, fake
):
    InstanceFactory(is_default=True, url=fake.url, allowed_roots=["/data"])
    fake.routes["/api/v2/torrents/categories"] = (200, {})
    fake.routes["/api/v2/app/preferences"] = (
        200,
        {"temp_path_enabled": True, "temp_path": "/data/incomplete"},
    )
    fake.routes["/api/v2/app/getDirectoryContent"] = (200, [])
    user_client.put(
        "/api/navigation/preferences",
        {"rememberLastPath": False},
        content_type="application/json",
    )
    user_client.post(
        "/api/qbittorrent/browse", {"path": "/data/tv"}, content_type="application/json"
    )
    quick = user_client.get("/api/qbittorrent/default-paths").json()["paths"]
    assert [(p["kind"], p["path"], p["exists"]) for p in quick] == [
        ("default_save", "/data/downloads", True),
        ("temp", "/data/incomplete", True),
        ("root", "/data", True),
    ]
