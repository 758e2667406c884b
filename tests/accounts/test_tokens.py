"""Personal API tokens: shown once, stored hashed, accepted in headers only, revocable."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken, AuditEvent


@pytest.fixture
def token(user):
    _, plain = tokens.token_create(user=user, name="upload script")
    return plain


def test_the_account_page_shows_a_new_token_once(user_client, user):
    response = user_client.post("/account/", {"name": "sonarr hook", "expires_in_days": "30"})
    html = response.content.decode()
    stored = ApiToken.objects.get(user=user)
    plain = html.split('id="new-token" readonly value="')[1].split('"')[0]
    assert plain.startswith("tsm_") and len(plain) > 40
    assert stored.digest != plain and plain not in stored.digest
    assert stored.expires_at > timezone.now() + timedelta(days=29)
    again = user_client.get("/account/").content.decode()
    assert plain not in again
    assert f"{stored.prefix}…" in again
    assert AuditEvent.objects.filter(action="token.created", actor=user).exists()


def test_a_token_needs_a_name_said_at_the_field(user_client):
    response = user_client.post("/account/", {"name": " ", "expires_in_days": ""})
    assert response.status_code == 400
    assert 'id="token-name-error"' in response.content.decode()


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_scripts_authenticate_with_bearer_or_x_api_key(db, token, header):
    value = f"Bearer {token}" if header == "HTTP_AUTHORIZATION" else token
    response = Client().get("/api/jobs", **{header: value})
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_in_the_query_string_is_not_accepted(db, token):
    for name in ("token", "api_key", "apikey", "X-Api-Key"):
        assert Client().get(f"/api/jobs?{name}={token}").status_code == 401


def test_a_token_request_needs_no_csrf_but_a_session_request_does(db, token, user):
    client = Client(enforce_csrf_checks=True)
    body = {"name": "x"}
    by_token = client.put(
        "/api/navigation/preferences",
        {"showHidden": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert by_token.status_code == 200
    session = Client(enforce_csrf_checks=True)
    session.force_login(user)
    refused = session.post("/api/tokens", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    session.get("/account/")  # a page sets the CSRF cookie, as in a browser
    accepted = session.post(
        "/api/tokens",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=session.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_a_token_cannot_make_another_token(db, user, header):
    _, plain = tokens.token_create(user=user, name="expiring", expires_in_days=1)
    value = f"Bearer {plain}" if header == "HTTP_AUTHORIZATION" else plain
    response = Client().post(
        "/api/tokens", {"name": "forever"}, content_type="application/json", **{header: value}
    )
    assert response.status_code == 403
    assert "account page" in response.json()["detail"]
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["expiring"]


def test_revoked_and_expired_tokens_stop_working(db, user, token):
    session = Client()
    session.force_login(user)
    token_id = ApiToken.objects.get().pk
    assert session.delete(f"/api/tokens/{token_id}").status_code == 204
    assert Client().get("/api/jobs", HTTP_X_API_KEY=token).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked").exists()
    _, old = tokens.token_create(user=user, name="old", expires_in_days=1)
    ApiToken.objects.filter(name="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/jobs", HTTP_X_API_KEY=old).status_code == 401


def test_the_api_never_shows_a_token_again(db, user, token):
    client = Client()
    client.force_login(user)
    listing = client.get("/api/tokens")
    assert listing.status_code == 200
    assert token not in listing.content.decode()
    assert listing.json()[0]["prefix"] == token[:12]


def test_a_token_acts_with_its_owners_permissions_only(db):
    from tests.factories import UserFactory

    viewer = UserFactory(role="Viewers")
    _, plain = tokens.token_create(user=viewer, name="read only")
    refused = Client().post(
        "/api/jobs", {"path": "/x"}, content_type="application/json", HTTP_X_API_KEY=plain
    )
    assert refused.status_code == 403
