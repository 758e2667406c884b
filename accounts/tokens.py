"""Personal API tokens: made and revoked by their owner, accepted as Bearer or X-Api-Key."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import ApiToken
from config.errors import NotFound, ServiceError

PREFIX = "tsm_"
# last_used_at is written at most this often per token: a busy script must not turn every
# request into a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    # The token is 40 random characters: a plain hash is enough (no password stretching).
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain token is returned this once and never stored."""
    name = name.strip()
    if not name:
        raise ServiceError("Give the token a name (what will use it?).", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ServiceError("A token expires after 1 to 3650 days, or never.", field="expiresInDays")
    plain = PREFIX + secrets.token_urlsafe(30)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=plain[:12], digest=_digest(plain), expires_at=expires_at
    )
    audit_record(
        actor=user,
        action="token.created",
        target_type="token",
        target_id=token.pk,
        detail={"name": token.name, "prefix": token.prefix},
    )
    return token, plain


def token_list(*, user):
    return ApiToken.objects.filter(user=user)


def token_revoke(*, user, token_id: int) -> ApiToken:
    """Revokes one of `user`'s tokens (idempotent)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("You have no such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=user,
            action="token.revoked",
            target_type="token",
            target_id=token.pk,
            detail={"name": token.name, "prefix": token.prefix},
        )
    return token


def token_user(plain: str):
    """The active user a token belongs to, or None (unknown, revoked, expired, inactive)."""
    if not plain or not plain.startswith(PREFIX):
        return None
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plain)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
