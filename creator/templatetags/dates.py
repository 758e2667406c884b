"""Dates that arrive as text: the health report keeps ISO 8601 strings, as its API answers."""

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def iso_datetime(value: str | None) -> datetime | None:
    """'2026-11-26T13:35:33.780335+00:00' -> a datetime, for the `date` filter; None if not one."""
    return parse_datetime(value) if value else None
