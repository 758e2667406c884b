"""The Presets page: usable presets with their rules in words, and a write-only passkey form."""

from presets.models import PresetSecret
from tests.factories import PresetFactory, PresetSecretFactory


def test_the_presets_page_needs_login(client, db):
    response = client.get("/presets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_navigation_links_to_the_presets_page(user_client):
    assert b'href="/presets/"' in user_client.get("/").content


def test_the_page_lists_usable_presets_with_their_rules(user_client, user, other_user, ptp):
    PresetFactory(owner=user, name="My own tracker")
    PresetFactory(owner=other_user, name="Somebody else's")
    page = user_client.get("/presets/").content.decode()
    assert "PTP" in page
    assert "Pieces of at most 16 MiB." in page
    assert "Source tag &quot;PTP&quot;." in page
    assert "Private: no DHT or peer exchange." in page
    assert "My own tracker" in page
    assert "Somebody else" not in page


def test_a_passkey_shows_as_not_set_until_saved(user_client, ptp):
    page = user_client.get("/presets/").content.decode()
    assert f'for="secret-{ptp.pk}-passkey">Your passkey for PTP' in page
    assert f'id="secret-{ptp.pk}-passkey-state">not set</p>' in page


def test_saving_a_passkey_shows_set_and_never_the_value(user_client, user, ptp, passkey):
    response = user_client.post(
        f"/presets/{ptp.pk}/secrets/passkey/", {"value": passkey}, follow=True
    )
    assert response.redirect_chain == [("/presets/", 302)]
    page = response.content.decode()
    assert "Your passkey for PTP is saved." in page
    assert passkey not in page
    assert f'id="secret-{ptp.pk}-passkey-state">set</p>' in page
    assert PresetSecret.objects.get(user=user, preset=ptp).value == passkey


def test_the_passkey_input_is_a_password_field_without_a_value(user_client, saved_passkey, ptp):
    page = user_client.get("/presets/").content.decode()
    start = page.index(f'id="secret-{ptp.pk}-passkey"')
    tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
    assert 'type="password"' in tag
    assert 'autocomplete="off"' in tag
    assert "value=" not in tag


def test_a_bad_passkey_is_refused_beside_the_field(user_client, ptp):
    response = user_client.post(
        f"/presets/{ptp.pk}/secrets/passkey/", {"value": "https://x.example.org/abc/announce"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="secret-{ptp.pk}-passkey-error" role="alert">Paste only your passkey' in page
    assert 'aria-invalid="true"' in page
    assert "abc/announce" not in page
    assert not PresetSecret.objects.exists()


def test_removing_a_passkey_shows_not_set_again(user_client, user, ptp, saved_passkey):
    response = user_client.post(
        f"/presets/{ptp.pk}/secrets/passkey/", {"action": "remove"}, follow=True
    )
    assert "Your passkey for PTP is removed." in response.content.decode()
    assert not PresetSecret.objects.filter(user=user).exists()


def test_a_secret_the_preset_does_not_use_is_refused_with_a_message(user_client, ptp):
    response = user_client.post(
        f"/presets/{ptp.pk}/secrets/authkey/", {"value": "abc123"}, follow=True
    )
    assert "PTP&#x27;s tracker URLs have no {authkey} placeholder." in response.content.decode()
    assert not PresetSecret.objects.exists()


def test_another_users_personal_preset_is_not_found(user_client, other_user):
    theirs = PresetFactory(owner=other_user)
    response = user_client.post(f"/presets/{theirs.pk}/secrets/passkey/", {"value": "abc123"})
    assert response.status_code == 404


def test_the_secret_form_only_accepts_post(user_client, ptp):
    assert user_client.get(f"/presets/{ptp.pk}/secrets/passkey/").status_code == 405


def test_another_users_passkey_does_not_count_as_set(user_client, other_user, ptp):
    PresetSecretFactory(user=other_user, preset=ptp)
    page = user_client.get("/presets/").content.decode()
    assert f'id="secret-{ptp.pk}-passkey-state">not set</p>' in page
