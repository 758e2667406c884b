from django import template

from presets.trackers import format_tiers

register = template.Library()


@register.filter
def tiers_text(tiers) -> str:
    """Tracker tiers as the editable text: one URL a line, a blank line between tiers."""
    return format_tiers(tiers or [])
