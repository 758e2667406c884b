from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command


def run(settings, **overrides) -> str:
    for name, value in overrides.items():
        setattr(settings, name, value)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_it_generates_and_prints_a_password_once(db, settings):
    first = run(settings, ADMIN_USERNAME="admin", ADMIN_PASSWORD="")
    assert "Created administrator 'admin' with password: " in first
    password = first.split("password: ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    second = run(settings)
    assert "password" not in second.lower().replace("torrentsmith_admin_password", "")
    assert "exists" in second


def test_it_uses_the_configured_password_and_never_prints_it(db, settings):
    out = run(settings, ADMIN_USERNAME="root", ADMIN_PASSWORD="s3cret-from-env")
    assert "s3cret-from-env" not in out
    assert get_user_model().objects.get(username="root").check_password("s3cret-from-env")


def test_a_new_configured_password_replaces_the_old_one(db, settings):
    run(settings, ADMIN_USERNAME="admin", ADMIN_PASSWORD="first-password-1")
    out = run(settings, ADMIN_PASSWORD="second-password-2")
    assert "Set the password of 'admin'" in out
    assert get_user_model().objects.get(username="admin").check_password("second-password-2")
