"""Navigation metrics: each listing recorded as it happens, summed per mode and instance, held
against the first design's success criteria, and offered to Prometheus."""

import functools
import statistics
import time
from dataclasses import dataclass

from django.db.models import Avg, Count

from rollout.models import Feedback, NavigationEvent, NavigationOutcome

# The first design's criteria for making qBittorrent browsing the default.
CRITERIA = {
    "success_rate": (">=", 95.0, "browse success rate", "%"),
    "average_ms": ("<", 2000.0, "average directory load time", "ms"),
    "not_found_rate": ("<", 1.0, "path-not-found rate", "%"),
    "feedback_average": (">=", 4.5, "average feedback rating", "/ 5"),
}


def outcome_of(error) -> str:
    """The metric outcome of a failed listing, from its error's code."""
    code = getattr(error, "code", "")
    if code == "not_found":
        return NavigationOutcome.NOT_FOUND
    if code.startswith("qbittorrent_") or code == "no_instance":
        return NavigationOutcome.QBITTORRENT_ERROR
    if code in ("outside_roots", "permission_denied", "local_mode_off", "no_mapping"):
        return NavigationOutcome.REFUSED
    return NavigationOutcome.INVALID


def metered(mode: str):
    """Records each call of a listing service (`user=` keyword) as a NavigationEvent."""

    def decorator(listing):
        @functools.wraps(listing)
        def wrapper(*args, user, **kwargs):
            started = time.perf_counter()
            try:
                result = listing(*args, user=user, **kwargs)
            except Exception as error:
                _record(user, mode, "", outcome_of(error), started)
                raise
            _record(user, mode, result.instance.name, NavigationOutcome.OK, started)
            return result

        return wrapper

    return decorator


def _record(user, mode: str, instance_name: str, outcome: str, started: float) -> None:
    NavigationEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        mode=mode,
        instance_name=instance_name[:100],
        outcome=outcome,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


@dataclass(frozen=True)
class Figures:
    mode: str
    instance: str  # "" for all instances of the mode
    listings: int
    success_rate: float | None
    not_found_rate: float | None
    qbittorrent_error_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    average_ms: float | None
    feedback_average: float | None
    feedback_count: int

    def meets(self, name: str) -> bool | None:
        value = getattr(self, name)
        if value is None:
            return None
        sign, target, _, _ = CRITERIA[name]
        return value >= target if sign == ">=" else value < target


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def _figures(mode: str, instance: str, events: list[tuple], feedback: tuple) -> Figures:
    """`feedback`: the mode's (average rating, count)."""
    total = len(events)
    outcomes = [outcome for outcome, _ in events]
    loaded = sorted(ms for outcome, ms in events if outcome == NavigationOutcome.OK)

    def rate(outcome: str) -> float | None:
        return round(100 * outcomes.count(outcome) / total, 1) if total else None

    rating, rated = feedback
    return Figures(
        mode=mode,
        instance=instance,
        listings=total,
        success_rate=rate(NavigationOutcome.OK),
        not_found_rate=rate(NavigationOutcome.NOT_FOUND),
        qbittorrent_error_rate=rate(NavigationOutcome.QBITTORRENT_ERROR),
        p50_ms=_percentile(loaded, 0.5),
        p95_ms=_percentile(loaded, 0.95),
        average_ms=round(sum(loaded) / len(loaded), 1) if loaded else None,
        feedback_average=round(rating, 2) if rating is not None else None,
        feedback_count=rated,
    )


def navigation_summary(*, since, until) -> list[Figures]:
    """Figures per mode (all instances first, then each instance) for events in the period."""
    rows = NavigationEvent.objects.filter(created_at__gte=since, created_at__lt=until)
    events: dict[tuple[str, str], list[tuple]] = {}
    for mode, instance, outcome, ms in rows.values_list(
        "mode", "instance_name", "outcome", "duration_ms"
    ):
        events.setdefault((mode, ""), []).append((outcome, ms))
        if instance:
            events.setdefault((mode, instance), []).append((outcome, ms))
    feedback = {
        row["mode"]: (row["average"], row["count"])
        for row in Feedback.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()  # grouped by mode alone
        .values("mode")
        .annotate(average=Avg("rating"), count=Count("pk"))
    }
    for mode in feedback:
        events.setdefault((mode, ""), [])
    return [
        _figures(mode, instance, rows_, feedback.get(mode, (None, 0)))
        for (mode, instance), rows_ in sorted(events.items())
    ]


def daily_success(*, since, until) -> dict[str, list[tuple]]:
    """Per mode: (day, listings, success rate) for each day with listings, for the chart."""
    days: dict[str, dict] = {}
    rows = NavigationEvent.objects.filter(created_at__gte=since, created_at__lt=until)
    for mode, created, outcome in rows.values_list("mode", "created_at", "outcome"):
        day = days.setdefault(mode, {}).setdefault(created.date(), [0, 0])
        day[0] += 1
        day[1] += outcome == NavigationOutcome.OK
    return {
        mode: [(day, n, round(100 * ok / n, 1)) for day, (n, ok) in sorted(per_day.items())]
        for mode, per_day in days.items()
    }
