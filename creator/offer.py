"""What the creator form can offer on one qBittorrent: its formats, alignment options, categories.

The form shows only what the host's torrent creator accepts, so a choice it would refuse is never
on the page; job_submit still checks every request, whichever edge it came from.
"""

from dataclasses import dataclass

from browser.capabilities import Capabilities
from browser.instances import instance_get
from browser.models import Instance
from browser.qbittorrent import client_for
from config.errors import ServiceError
from rollout.flags import V2_FORMATS, switch_active


def formats_offered(caps: Capabilities) -> tuple[str, ...]:
    """The formats to offer: the host's, or v1 alone when the `v2_formats` switch is off (its
    default: TORRENTSMITH_V2_FORMATS, on)."""
    formats = caps.formats or ("v1",)
    if not switch_active(V2_FORMATS):
        return ("v1",)
    return formats


@dataclass(frozen=True)
class CreatorOffer:
    instance: Instance | None
    formats: tuple[str, ...] = ("v1",)
    alignment_options: bool = False  # libtorrent 1.2 hosts only
    categories: tuple[str, ...] = ()
    problem: str = ""  # why the form cannot offer more, in words


def creator_offer(*, user, instance_id: int | None) -> CreatorOffer:
    """What the form offers on the instance asked for (else the default one). An instance
    that cannot be reached still gets a form, with v1 only and the reason."""
    try:
        instance = instance_get(user=user, instance_id=instance_id)
    except ServiceError as error:
        return CreatorOffer(instance=None, problem=error.message)
    try:
        client = client_for(instance)
        caps = client.capabilities()
        categories = tuple(sorted(client.categories(), key=str.casefold))
    except ServiceError as error:
        return CreatorOffer(instance=instance, problem=error.message)
    if not caps.creator:
        problem = f"qBittorrent '{instance.name}' {caps.missing('creator')}"
        return CreatorOffer(instance=instance, categories=categories, problem=problem)
    return CreatorOffer(
        instance=instance,
        formats=formats_offered(caps),
        alignment_options=caps.alignment_options,
        categories=categories,
    )
