"""How a job's progress reads on a page: the three-phase bar and durations in words.

static/js/jobs.js draws the same bar from socket events; keep `phase_segments` and its
`segments()` in step.
"""

from django import template

from creator.models import JobState

register = template.Library()

PHASES = (("scanning", "Scanning"), ("hashing", "Hashing"), ("finalizing", "Finalizing"))


def segment_fills(state: str, progress: float) -> list[float]:
    """How full (0..100) the scanning, hashing and finalizing segments are."""
    if state == JobState.COMPLETED:
        return [100.0, 100.0, 100.0]
    if state in (JobState.FAILED, JobState.CANCELLED):
        # Stopped: show how far hashing had come (the phase it stopped in is not recorded).
        return [100.0 if progress > 0 else 0.0, progress, 0.0]
    if state == JobState.HASHING:
        return [100.0, progress, 0.0]
    if state == JobState.FINALIZING:
        return [100.0, 100.0, 50.0]
    # qBittorrent reports no progress while it scans: half full says "under way".
    return [50.0 if state == JobState.SUBMITTED else 0.0, 0.0, 0.0]


@register.filter
def phase_segments(job) -> list[dict]:
    """The bar's segments for `job`: name, label, fill and whether it is the current one."""
    fills = segment_fills(job.state, job.progress)
    return [
        {"name": name, "label": label, "fill": round(fill, 1), "current": name == job.phase}
        for (name, label), fill in zip(PHASES, fills, strict=True)
    ]


@register.filter
def is_stopped(job) -> bool:
    """Failed or cancelled: its percentage says nothing, its bar shows how far it came."""
    return job.state in (JobState.FAILED, JobState.CANCELLED)


@register.filter
def duration(seconds) -> str:
    """125 -> '2 min 5 s', 3720 -> '1 h 2 min'; None -> ''."""
    if seconds is None or seconds == "":
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
