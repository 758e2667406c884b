"""Rollout flags: a stable percentage split, overrides, and switches that act at once."""

import requests
from django.contrib.auth.models import Group
from waffle.models import Flag, Switch

from browser.models import NavigationPreference
from browser.preferences import preference_mode
from rollout.flags import NAVIGATION_FLAG, bucket, flags_ensure, qbittorrent_navigation_default
from tests.factories import InstanceFactory, UserFactory


def test_the_split_is_stable_per_user_and_near_the_percentage_over_1000_users():
    inside = [bucket(user_id) < 30 for user_id in range(1, 1001)]
    assert 250 <= sum(inside) <= 350
    assert inside == [bucket(user_id) < 30 for user_id in range(1, 1001)]  # the same users
    # Raising the percentage keeps everyone who was in, in.
    assert all(bucket(u) < 60 for u in range(1, 1001) if bucket(u) < 30)


def test_the_flag_decides_the_default_mode_of_users_who_never_chose(db, settings):
    settings.NAVIGATION_QBITTORRENT_PERCENT = 0
    flags_ensure()
    alice, bob = UserFactory(), UserFactory()
    assert preference_mode(user=alice) == "local"
    Flag.objects.filter(name=NAVIGATION_FLAG).update(everyone=True)
    assert preference_mode(user=alice) == "qbittorrent"
    Flag.objects.filter(name=NAVIGATION_FLAG).update(everyone=None, percent=99.9)
    assert preference_mode(user=alice) == ("qbittorrent" if bucket(alice.pk) < 99.9 else "local")
    Flag.objects.filter(name=NAVIGATION_FLAG).update(percent=0)
    team = Group.objects.create(name="early")
    bob.groups.add(team)
    Flag.objects.get(name=NAVIGATION_FLAG).groups.add(team)
    assert qbittorrent_navigation_default(bob) and not qbittorrent_navigation_default(alice)
    carol = UserFactory()
    Flag.objects.filter(name=NAVIGATION_FLAG).update(everyone=False, percent=99.9)
    assert preference_mode(user=carol) == "local"  # "everyone: No" beats the percentage
    NavigationPreference.objects.filter(user=carol).update(mode="qbittorrent")
    assert preference_mode(user=carol) == "qbittorrent"  # a choice beats the rollout


def test_flags_ensure_never_overwrites_an_administrators_choice(db):
    flags_ensure()
    Switch.objects.filter(name="local_mode").update(active=False)
    flags_ensure()
    assert Switch.objects.get(name="local_mode").active is False


def test_turning_local_mode_off_acts_at_once_in_the_running_server(app_server, user, tmp_path):
    flags_ensure()
    (tmp_path / "data" / "x").mkdir(parents=True)
    InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    session = requests.Session()
    from django.test import Client

    client = Client()
    client.force_login(user)
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.get(f"{app_server.url}/account/", timeout=10)
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]

    def browse_local():
        return session.post(
            f"{app_server.url}/api/unified/browse",
            timeout=10,
            json={"mode": "local", "path": str(tmp_path / "data")},
        )

    assert browse_local().status_code == 200
    Switch.objects.filter(name="local_mode").update(active=False)
    refused = browse_local()
    assert refused.status_code == 409
    assert refused.json()["code"] == "local_mode_off"
    Switch.objects.filter(name="local_mode").update(active=True)
    assert browse_local().status_code == 200


def test_the_v2_switch_limits_the_formats_offered(db):
    from browser.capabilities import Capabilities
    from creator.offer import formats_offered

    caps = Capabilities("v5.1.0", "2.11.4", "2.0.11.0")
    flags_ensure()
    assert formats_offered(caps) == ("v1", "v2", "hybrid")
    Switch.objects.filter(name="v2_formats").update(active=False)
    assert formats_offered(caps) == ("v1",)
