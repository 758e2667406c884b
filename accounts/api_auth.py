"""How the API knows who calls: a personal token (Bearer or X-Api-Key), else the session.

Tokens are read from headers only, never from the query string (URLs end up in logs and
browser history). Session requests keep Django's CSRF check on unsafe methods.
"""

from ninja.security import APIKeyHeader, HttpBearer
from ninja.security import django_auth as session_auth

from accounts.tokens import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user  # services read request.user, as for a session
        return user


class ApiKeyToken(APIKeyHeader):
    """The *arr convention: `X-Api-Key: <token>`."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        user = token_user(key or "")
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), ApiKeyToken(), session_auth]
