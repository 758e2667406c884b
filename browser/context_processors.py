from functools import cache

from accounts.permissions import USE_INSTANCES
from browser.models import NavigationMode
from browser.preferences import preference_get, preference_mode


def navigation(request):
    """What every page may show: the local-mode banner, and the mode feedback is about.

    Given as functions, which templates call when they show them: the partials the pages
    fetch as users type show neither, and need not read the preference and the rollout flag.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(USE_INSTANCES):
        return {}

    @cache
    def preference_and_mode():
        preference = preference_get(user=user)
        return preference, preference_mode(user=user, preference=preference)

    def navigation_mode():
        return preference_and_mode()[1]

    def show_migration_banner():
        preference, mode = preference_and_mode()
        return mode == NavigationMode.LOCAL and preference.notice_dismissed_at is None

    return {"navigation_mode": navigation_mode, "show_migration_banner": show_migration_banner}
