"""Recording who did what: one function, called by the services that act."""

import logging
import time

from django.contrib.auth import get_user_model

from accounts.models import AuditEvent

logger = logging.getLogger("torrentsmith.audit")
UNKNOWN_ACCOUNT = "(no such account)"


# Refusals come as fast as a script sends them: one of a kind (`repeats` key) is recorded a
# minute at most, the next one saying how many were not, so the trail shows them happen
# without growing by a row a request (it cannot be pruned).
REPEATS_WINDOW_S = 60
_repeats: dict[tuple, list] = {}  # key -> [monotonic time recorded, repeats not recorded]


def forget_repeats() -> None:
    _repeats.clear()


def audit_record(
    *,
    actor,
    action: str,
    target_type: str = "",
    target_id="",
    detail: dict | None = None,
    repeats: tuple | None = None,
) -> AuditEvent | None:
    """Appends an event (None when `repeats` names one recorded less than a minute ago).
    `detail` must never hold a secret (passkeys, passwords, tokens)."""
    if repeats is not None:
        now = time.monotonic()
        seen = _repeats.get(repeats)
        if seen is not None and now - seen[0] < REPEATS_WINDOW_S:
            seen[1] += 1
            return None
        if len(_repeats) > 10_000:  # many accounts or addresses: forget, rather than grow
            _repeats.clear()
        _repeats[repeats] = [now, 0]
        if seen is not None and seen[1]:
            detail = {**(detail or {}), "repeats_not_recorded": seen[1]}
    event = AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
    )
    logger.info("%s %s %s %s", actor, action, target_type, target_id)
    return event


def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Records a failed login: the account tried and the address, never the password. A name
    that is no account is not kept either: it is often a password typed in the wrong box."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    username = str(credentials.get("username", ""))[:150]
    if not get_user_model().objects.filter(username=username).exists():
        username = UNKNOWN_ACCOUNT
    audit_record(
        actor=None,
        action="login.failed",
        detail={"username": username, "address": address},
        # each failure for an account is kept; names that are no account, once a minute
        repeats=("login.failed", address) if username == UNKNOWN_ACCOUNT else None,
    )
