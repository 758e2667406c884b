"""Which instance a request uses, and which of its folders users may browse."""

import time

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

from accounts.permissions import USE_INSTANCES, require
from browser import paths
from browser.models import CREDENTIALS_IN_URL, Instance, holds_credentials
from browser.qbittorrent import QbittorrentClient, client_for
from config.errors import NotFound, PermissionDenied, ServiceError

ROOTS_TTL_S = 300


def instance_id_of(value) -> int | None:
    """The instance a page's query or form names; None (the default instance) when it names
    none or is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def instances_for(user):
    """The enabled instances `user` may use: all for staff; otherwise those open to every
    Creator (no users or groups set) and those naming the user or one of their groups."""
    enabled = Instance.objects.filter(enabled=True)
    if user.is_staff:
        return enabled
    open_to_all = Q(users=None, groups=None)
    return enabled.filter(open_to_all | Q(users=user) | Q(groups__in=user.groups.all())).distinct()


def instance_get(*, user, instance_id: int | None = None) -> Instance:
    """The instance asked for, else the default, else the first one `user` may use."""
    require(user, USE_INSTANCES)
    usable = instances_for(user)
    if instance_id is not None:
        instance = usable.filter(pk=instance_id).first()
        if instance is None:
            raise NotFound(
                f"There is no qBittorrent instance {instance_id} you may use.", field="instance"
            )
        return instance
    instance = usable.order_by("-is_default", "name").first()
    if instance is None:
        if Instance.objects.filter(enabled=True).exists():
            raise PermissionDenied(
                "No qBittorrent instance is open to your account: an "
                "administrator gives you access to one."
            )
        raise ServiceError(
            "No qBittorrent instance is set up: an administrator adds one in the "
            "admin (or sets QBITTORRENT_URL).",
            code="no_instance",
            status=409,
        )
    return instance


_default_roots: dict[int, tuple[float, str, list[str]]] = {}


def allowed_roots(instance: Instance, client: QbittorrentClient | None = None) -> list[str]:
    """The instance's allowed roots; by default the top folder of its default save path."""
    if instance.allowed_roots:
        return [paths.normalize(root) for root in instance.allowed_roots]
    cached = _default_roots.get(instance.pk)
    if cached and cached[1] == instance.url and time.monotonic() - cached[0] < ROOTS_TTL_S:
        return cached[2]
    client = client or client_for(instance)
    roots = [paths.top_directory(paths.normalize(client.default_save_path()))]
    _default_roots[instance.pk] = (time.monotonic(), instance.url, roots)
    known = {"url": instance.url, "root": roots[0]}
    if instance.known_default_root != known:  # for other processes, and after a restart
        Instance.objects.filter(pk=instance.pk).update(known_default_root=known)
        instance.known_default_root = known
    return roots


def allowed_roots_known(instance: Instance) -> list[str] | None:
    """The allowed roots without asking qBittorrent: the instance's own, else the default as
    last read from qBittorrent at its current address (by any process); None if it never was."""
    if instance.allowed_roots:
        return [paths.normalize(root) for root in instance.allowed_roots]
    cached = _default_roots.get(instance.pk)
    if cached and cached[1] == instance.url:
        return cached[2]
    known = instance.known_default_root or {}
    return [known["root"]] if known.get("url") == instance.url and known.get("root") else None


@transaction.atomic
def instance_save(*, instance: Instance) -> Instance:
    """Saves an instance; making it the default takes that role from any other."""
    if instance.is_default:
        Instance.objects.exclude(pk=instance.pk).filter(is_default=True).update(is_default=False)
    instance.save()
    return instance


def instance_from_environment(*, name: str, url: str, username: str, password: str) -> Instance:
    """Creates or updates the default instance from QBITTORRENT_URL/USERNAME/PASSWORD."""
    if holds_credentials(url):  # the address is not repeated: it holds a password
        raise ImproperlyConfigured(f"QBITTORRENT_URL: {CREDENTIALS_IN_URL}")
    instance = Instance.objects.filter(name=name).first() or Instance(name=name)
    instance.url, instance.username, instance.enabled, instance.is_default = (
        url,
        username,
        True,
        True,
    )
    if password:
        instance.password = password
    return instance_save(instance=instance)


def instance_health(instance: Instance) -> dict:
    """An instance's reachability and capabilities, for /api/health and its status page."""
    report = {"id": instance.pk, "name": instance.name, "enabled": instance.enabled}
    if not instance.enabled:
        return {**report, "status": "disabled"}
    try:
        caps = client_for(instance).checked_capabilities()
    except ServiceError as error:
        return {**report, "status": "down", "error": error.message}
    return {**report, "status": "ok", "capabilities": caps.as_dict()}
