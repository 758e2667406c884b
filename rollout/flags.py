"""Feature flags and switches (django-waffle, edited in the admin; they act at once).

- Flag `qbittorrent_navigation`: who browses through qBittorrent by default (users who never
  chose a mode). Waffle's everyone/users/groups settings apply as usual; its percentage is
  applied here by a stable hash of the user, so the same users are in every time, on any device
  (waffle's own percentage draws anew for each browser).
- Switches `local_mode` (local navigation allowed at all), `v2_formats` (v2/hybrid offered),
  `local_engine_fallback` (qBittorrent unusable: make torrents on this server).

Settings give the defaults, used while a flag or switch has no row yet; `flags_ensure` writes
the rows (never overwriting an administrator's choice).
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from waffle.models import Flag, Switch

NAVIGATION_FLAG = "qbittorrent_navigation"
LOCAL_MODE = "local_mode"
V2_FORMATS = "v2_formats"
LOCAL_ENGINE_FALLBACK = "local_engine_fallback"


def _switch_defaults() -> dict[str, bool]:
    return {
        LOCAL_MODE: settings.LOCAL_MODE_ENABLED,
        V2_FORMATS: settings.V2_FORMATS_OFFERED,
        LOCAL_ENGINE_FALLBACK: settings.LOCAL_ENGINE_FALLBACK,
    }


def switch_active(name: str) -> bool:
    active = Switch.objects.filter(name=name).values_list("active", flat=True).first()
    return _switch_defaults()[name] if active is None else active


def bucket(user_id: int, flag: str = NAVIGATION_FLAG) -> float:
    """Where a user falls in 0..100 for a flag: the same every time, spread evenly."""
    digest = hashlib.sha256(f"{flag}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 / 100


def qbittorrent_navigation_default(user) -> bool:
    """Whether `user`, who never chose a mode, browses through qBittorrent by default."""
    flag = Flag.objects.filter(name=NAVIGATION_FLAG).first()
    if flag is None:
        return bucket(user.pk) < settings.NAVIGATION_QBITTORRENT_PERCENT
    if flag.everyone is not None:  # "Yes"/"No" for everyone overrides all the rest
        return flag.everyone
    if flag.is_active_for_user(user):  # a listed user or group (or staff, when set so)
        return True
    return bucket(user.pk) < float(flag.percent or 0)


def flags_ensure() -> None:
    """Creates the flag and switches with the settings' defaults where they do not exist."""
    percent = settings.NAVIGATION_QBITTORRENT_PERCENT
    Flag.objects.get_or_create(
        name=NAVIGATION_FLAG,
        defaults={
            # Waffle's percentage stops at 99.9: 100 % is "everyone: Yes" instead.
            "everyone": True if percent >= 100 else None,
            "percent": Decimal(str(percent)) if percent < 100 else None,
            "note": "Users who never chose a navigation mode browse through qBittorrent "
            "(the rest: local mode). Percent: the same users every time.",
        },
    )
    for name, active in _switch_defaults().items():
        Switch.objects.get_or_create(name=name, defaults={"active": active})
