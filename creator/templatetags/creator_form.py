"""How the creator form's numbers read: exact sizes (16 MiB) and counts with separators."""

from django import template

from presets.sizes import format_size

register = template.Library()


@register.filter
def size(size_bytes) -> str:
    """A byte count in the unit it is exact in, as trackers write piece sizes: 16 MiB."""
    if size_bytes is None or size_bytes == "":
        return "—"
    return format_size(int(size_bytes))


@register.filter
def number(value) -> str:
    """1234567 -> '1,234,567'."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}"
