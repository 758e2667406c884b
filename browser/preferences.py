"""Per-user navigation preferences: mode, hidden files, the remembered last folder."""

from django.utils import timezone

from accounts.permissions import USE_INSTANCES, require
from browser.models import Instance, NavigationMode, NavigationPreference
from rollout.flags import qbittorrent_navigation_default


def preference_mode(*, user, preference: NavigationPreference | None = None) -> str:
    """The mode `user` browses in: their choice, else the rollout's default for them."""
    chosen = (preference or preference_get(user=user)).mode
    if chosen:
        return chosen
    if qbittorrent_navigation_default(user):
        return NavigationMode.QBITTORRENT
    return NavigationMode.LOCAL


def preference_dismiss_notice(*, user) -> None:
    """The local-mode banner stays hidden for `user` from now on."""
    preference_get(user=user)
    NavigationPreference.objects.filter(user=user).update(notice_dismissed_at=timezone.now())


def preference_get(*, user) -> NavigationPreference:
    require(user, USE_INSTANCES)
    preference, _ = NavigationPreference.objects.get_or_create(user=user)
    return preference


def preference_update(
    *,
    user,
    mode: str | None = None,
    show_hidden: bool | None = None,
    remember_last_path: bool | None = None,
) -> NavigationPreference:
    """Changes what is given; None leaves a setting as it is. `mode=""` forgets the user's
    choice: the administrator's rollout default decides again (preference_mode)."""
    preference = preference_get(user=user)  # which requires USE_INSTANCES
    if mode is not None:
        preference.mode = mode
    if show_hidden is not None:
        preference.show_hidden = show_hidden
    if remember_last_path is not None:
        preference.remember_last_path = remember_last_path
        if not remember_last_path:
            preference.last_path, preference.last_instance = "", None
    preference.save()
    return preference


def preference_remember_path(*, user, instance: Instance, path: str) -> None:
    """Records where the user is, when they asked the app to remember it."""
    updated = NavigationPreference.objects.filter(user=user, remember_last_path=True).update(
        last_path=path, last_instance=instance
    )
    if not updated and not NavigationPreference.objects.filter(user=user).exists():
        NavigationPreference.objects.create(user=user, last_path=path, last_instance=instance)
