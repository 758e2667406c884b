from django import template

register = template.Library()

_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]


@register.filter(name="bytes")
def bytes_(value) -> str:
    """1536 -> '1.5 KiB', 16384 -> '16 KiB' (binary units, as qBittorrent and trackers use);
    None -> '—'."""
    if value is None or value == "":
        return "—"
    size = float(value)
    for unit in _UNITS:
        if abs(size) < 1024 or unit == _UNITS[-1]:
            # "16 KiB" as the planner writes piece sizes, not "16.0 KiB"; "1.5 KiB" stays
            return (
                f"{int(size)} B" if unit == "B" else f"{size:.1f}".removesuffix(".0") + f" {unit}"
            )
        size /= 1024
    return f"{size:.1f}".removesuffix(".0") + " PiB"


@register.simple_tag
def picker_url(path: str, instance_id: int | None, refresh: bool = False, mode: str = "") -> str:
    """The picker partial's URL for a folder of an instance. A listing in local mode (chosen,
    or fallen back to) keeps its links in local mode: their paths are this server's."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {}
    if path:
        query["path"] = path
    if instance_id is not None:
        query["instance"] = instance_id
    if refresh:
        query["refresh"] = "1"
    if mode == "local":
        query["mode"] = mode
    return f"{reverse('picker')}?{urlencode(query)}"
