"""Recording who did what: one function, called by the services that act."""

import logging

from django.contrib.auth import get_user_model

from accounts.models import AuditEvent

logger = logging.getLogger("torrentsmith.audit")
UNKNOWN_ACCOUNT = "(no such account)"


def audit_record(
    *, actor, action: str, target_type: str = "", target_id="", detail: dict | None = None
) -> AuditEvent:
    """Appends an event. `detail` must never hold a secret (passkeys, passwords, tokens)."""
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
    )
