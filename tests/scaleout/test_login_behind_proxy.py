"""Login throttling behind the proxy: the address it counts failures by is the one the proxy
saw, not one the client wrote in X-Forwarded-For (daphne takes the first address listed)."""

import re

import pytest
import requests
from django.conf import settings

from tests.factories import UserFactory

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


def test_a_forged_forwarded_address_does_not_escape_the_lockout(make_stack, password):
    stack = make_stack(daphnes=1, workers=1)
    user = UserFactory()
    session = requests.Session()
    page = session.get(f"{stack.url}/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(secret: str, forged: str) -> requests.Response:
        return session.post(
            f"{stack.url}/login/",
            data={"username": user.username, "password": secret, "csrfmiddlewaretoken": token},
            headers={"X-Forwarded-For": forged, "Referer": f"{stack.url}/login/"},
            allow_redirects=False,
            timeout=30,
        )

    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in("wrong", f"198.51.100.{attempt}").status_code == 200
    assert log_in("wrong", "198.51.100.99").status_code == 429  # the last one allowed
    # the right password, from yet another forged address, is still refused
    assert log_in(password, "203.0.113.7").status_code == 429
