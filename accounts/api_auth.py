"""How the API knows who calls, and whether they may: a personal token (Bearer or X-Api-Key),
else the session (with Django's CSRF check on unsafe methods).

Tokens are read from headers only, never from the query string (URLs end up in logs and
browser history). The permission an endpoint needs is checked here, before its input is read,
and again by the service it calls.
"""

from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from accounts.permissions import require
from accounts.tokens import token_user


def _allowed(request, user, permission: str | None, *, by_token: bool):
    if user is None:
        return None
    request.user = user  # services read request.user, as for a session
    request.by_token = by_token
    if permission is not None:
        require(user, permission)  # PermissionDenied: a 403 in the API's error shape
    return user


class BearerToken(HttpBearer):
    def __init__(self, permission: str | None = None):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, token):
        return _allowed(request, token_user(token), self.permission, by_token=True)


class ApiKeyToken(APIKeyHeader):
    """The *arr convention: `X-Api-Key: <token>`."""

    param_name = "X-Api-Key"

    def __init__(self, permission: str | None = None):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, key):
        return _allowed(request, token_user(key or ""), self.permission, by_token=True)


class Session(SessionAuth):
    def __init__(self, permission: str | None = None):
        super().__init__(csrf=True)
        self.permission = permission

    def authenticate(self, request, key):
        user = request.user if request.user.is_authenticated else None
        return _allowed(request, user, self.permission, by_token=False)


def api_auth(permission: str | None = None) -> list:
    """The API's authentication for an endpoint needing `permission` (None: any user)."""
    return [BearerToken(permission), ApiKeyToken(permission), Session(permission)]
