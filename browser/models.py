from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.encryption import EncryptedTextField
from browser.paths import PathMapping


class NavigationMode(models.TextChoices):
    LOCAL = "local", "Local folders (path mappings)"
    QBITTORRENT = "qbittorrent", "qBittorrent's view"


def validate_webui_url(value: str) -> None:
    """An http(s) URL with a host and no credentials; single-label hosts (Docker service names)
    are fine."""
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValidationError("Enter the WebUI address as http://host:port or https://host/path.")
    if parts.query or parts.fragment:
        raise ValidationError("The WebUI address takes no ?query or #fragment.")
    if holds_credentials(value):
        raise ValidationError(CREDENTIALS_IN_URL)


CREDENTIALS_IN_URL = (
    "Leave the username and password out of the WebUI address: type them in the username and "
    "password fields, where the password is stored encrypted."
)


def holds_credentials(url: str) -> bool:
    """Whether a URL holds a username or password (user:pass@host): the address shows on the
    instance's page and in error messages, and a password in it would too."""
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


class Instance(models.Model):
    """A qBittorrent the app talks to through its WebAPI."""

    name = models.CharField(max_length=100, unique=True)
    url = models.CharField(
        "WebUI URL",
        max_length=500,
        validators=[validate_webui_url],
        help_text="As this server reaches it, e.g. http://qbittorrent:8080 or https://host/qbt",
    )
    username = models.CharField(max_length=150, blank=True)
    password = EncryptedTextField(blank=True, help_text="Stored encrypted; never shown again.")
    verify_tls = models.BooleanField(
        "verify TLS certificate",
        default=True,
        help_text="Turn off only for a self-signed certificate you trust.",
    )
    timeout_s = models.FloatField(
        "timeout (seconds)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    allowed_roots = models.JSONField(
        default=list,
        blank=True,
        help_text="qBittorrent-side folders users may browse. Empty: everything under the top "
        "folder of qBittorrent's default save path.",
    )
    path_mappings = models.JSONField(
        default=list,
        blank=True,
        help_text="For local mode: pairs of a folder on this server and the same folder as "
        "qBittorrent sees it.",
    )
    # {"url": ..., "root": ...}: the default allowed root as last read from the instance at that
    # address, for local mode and the local engine when qBittorrent cannot be asked.
    known_default_root = models.JSONField(default=dict, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    is_default = models.BooleanField("default instance", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Who may use this instance. With no users and no groups: every Creator.",
    )
    groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="+",
        help_text="Groups whose members may use this instance.",
    )

    class Meta:
        ordering = ["-is_default", "name"]
        permissions = [("use_instance", "Can browse qBittorrent instances and create on them")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="browser_one_default_instance",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        """The URL to show: without a username or password (an address saved before they were
        refused may hold them)."""
        parts = urlsplit(self.url)
        if not holds_credentials(self.url):
            return self.url
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    def validate_constraints(self, exclude=None):
        # instance_save() hands the default role over from the previous default, so a form
        # making this instance the default is not an error.
        super().validate_constraints(exclude={*(exclude or ()), "is_default"})

    @property
    def mappings(self) -> list[PathMapping]:
        return [PathMapping(m["host_path"], m["qbt_path"]) for m in self.path_mappings]


class LoginState(models.Model):
    """Failed logins to one instance, shared by every process of the app.

    qBittorrent bans an IP after five failed logins, and every user of this app shares its IP:
    each process consults this row before it tries to log in (see browser/qbittorrent.py).
    """

    instance = models.OneToOneField(Instance, on_delete=models.CASCADE, related_name="login")
    # qBittorrent counts failures per IP until a login succeeds, whatever the credentials:
    # `failures` does the same; `key_failures` counts those made with the credentials of the
    # last failure (`credentials_key`, a keyed hash), which back off and then stop.
    credentials_key = models.CharField(max_length=64, blank=True)
    failures = models.PositiveIntegerField(default=0)
    key_failures = models.PositiveIntegerField(default=0)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    banned_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"logins to {self.instance}: {self.failures} failed in a row"


class NavigationPreference(models.Model):
    """How one user browses: mode, hidden files, and where they were last."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="navigation"
    )
    # Empty: the user never chose; the rollout flag decides (rollout/flags.py).
    mode = models.CharField(max_length=20, choices=NavigationMode.choices, blank=True)
    notice_dismissed_at = models.DateTimeField(null=True, blank=True)  # the local-mode banner
    show_hidden = models.BooleanField(default=False)
    remember_last_path = models.BooleanField(default=True)
    last_instance = models.ForeignKey(
        Instance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_path = models.CharField(max_length=4096, blank=True)

    def __str__(self) -> str:
        return f"navigation of {self.user}: {self.mode}"
