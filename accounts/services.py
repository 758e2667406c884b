import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class AdminOutcome:
    username: str
    created: bool
    password_changed: bool
    generated_password: str | None


@transaction.atomic
def admin_ensure(*, username: str, password: str = "") -> AdminOutcome:
    """Make sure a superuser exists; generate a password only when creating one without it.

    A password given by the operator (TORRENTSMITH_ADMIN_PASSWORD) wins over the stored one, so
    a container restarted with a new value lets its owner back in.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        if User.objects.filter(is_superuser=True).exists() and not password:
            return AdminOutcome(
                username, created=False, password_changed=False, generated_password=None
            )
        generated = None if password else secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password or generated)
        return AdminOutcome(
            username, created=True, password_changed=False, generated_password=generated
        )
    changed = False
    if not (user.is_superuser and user.is_staff and user.is_active):
        user.is_superuser = user.is_staff = user.is_active = True
        changed = True
    password_changed = bool(password) and not user.check_password(password)
    if password_changed:
        user.set_password(password)
    if changed or password_changed:
        user.save()
    return AdminOutcome(
        username, created=False, password_changed=password_changed, generated_password=None
    )
