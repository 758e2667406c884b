"""Failed logins are throttled and recorded; HTTPS deployments get secure cookies."""

import os
import subprocess
import sys

from accounts.models import AuditEvent
from tests.config.test_settings import BASE_DIR


def test_repeated_wrong_passwords_lock_the_login_out_and_are_recorded(
    client, user, password, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": user.username, "password": "wrong"})
    locked = client.post("/login/", {"username": user.username, "password": password})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert f"After {settings.AXES_FAILURE_LIMIT} wrong passwords" in page
    assert "refused for 15 min." in page  # TORRENTSMITH_LOGIN_COOLOFF_MINUTES' default
    assert '<a href="/login/">Back to the login page</a>' in page
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="login.failed")
    assert failures.count() >= settings.AXES_FAILURE_LIMIT
    assert failures.first().detail["username"] == user.username
    assert "wrong" not in str(list(failures.values_list("detail", flat=True)))


def test_a_failed_login_keeps_no_name_that_is_no_account(client, user):
    # often the password, typed in the username box
    client.post("/login/", {"username": "MyP@ssw0rd!", "password": "x"})
    event = AuditEvent.objects.get(action="login.failed")
    assert event.detail["username"] == "(no such account)"
    assert "MyP@ssw0rd!" not in str(event.detail)


def test_https_deployments_get_secure_cookies_and_hsts(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TORRENTSMITH_DATA_DIR=str(tmp_path),
        TORRENTSMITH_HTTPS="true",
        TORRENTSMITH_HSTS_SECONDS="31536000",
        TORRENTSMITH_TRUST_X_FORWARDED_PROTO="true",
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split(None, 3) == [
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ]
