from browser.models import NavigationMode
from browser.preferences import preference_get, preference_mode


def navigation(request):
    """What every page may show: the local-mode banner, and the mode feedback is about."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("browser.use_instance"):
        return {}
    preference = preference_get(user=user)
    mode = preference_mode(user=user, preference=preference)
    return {
        "navigation_mode": mode,
        "show_migration_banner": mode == NavigationMode.LOCAL
        and preference.notice_dismissed_at is None,
    }
