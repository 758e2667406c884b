from urllib.parse import urlsplit

from django import forms

from browser import paths
from browser.models import Instance


def _absolute(raw: str, what: str) -> str:
    try:
        return paths.normalize(raw)
    except paths.PathError as error:
        raise forms.ValidationError(f"{what} {raw!r}: {error.message}") from None


class InstanceForm(forms.ModelForm):
    """The admin's instance form: secrets write-only, lists as lines of text."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown. Leave empty to keep the current one.",
    )
    clear_password = forms.BooleanField(
        required=False,
        label="No password",
        help_text="Remove the stored password (qBittorrent lets this server in without one, "
        "e.g. its localhost or subnet bypass).",
    )
    allowed_roots = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One qBittorrent-side folder per line. Empty: everything under the top folder "
        "of qBittorrent's default save path.",
    )
    path_mappings = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For local mode, one per line: <code>folder on this server =&gt; same folder "
        "as qBittorrent sees it</code>, e.g. <code>/mnt/user/data =&gt; /data</code>.",
    )

    class Meta:
        model = Instance
        fields = [
            "name",
            "url",
            "username",
            "password",
            "clear_password",
            "verify_tls",
            "timeout_s",
            "allowed_roots",
            "path_mappings",
            "enabled",
            "is_default",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_roots"] = "\n".join(self.instance.allowed_roots)
            self.initial["path_mappings"] = "\n".join(
                f"{m['host_path']} => {m['qbt_path']}" for m in self.instance.path_mappings
            )
            self.initial["password"] = ""

    def clean_password(self):
        # An empty field keeps the stored password: it is never sent to the page to edit.
        return self.cleaned_data["password"] or self.instance.password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_password"):
            if self.data.get("password"):
                self.add_error("clear_password", "Either type a new password or remove it.")
            cleaned["password"] = ""
        elif (
            self.instance.pk
            and self.instance.password
            and not self.data.get("password")
            and cleaned.get("url")
            and _origin(cleaned["url"]) != _origin(self.instance.url)
        ):
            # The stored password would be sent to the new address on the first test: whoever
            # edits the instance must know it, not only point it at a server of theirs.
            self.add_error(
                "password",
                "Type the password again: the address changed, and the stored password is only "
                "sent where it was saved for.",
            )
        return cleaned

    def clean_allowed_roots(self):
        lines = [line.strip() for line in self.cleaned_data["allowed_roots"].splitlines()]
        return [_absolute(line, "Folder") for line in lines if line]

    def clean_path_mappings(self):
        mappings = []
        for number, line in enumerate(self.cleaned_data["path_mappings"].splitlines(), start=1):
            if not line.strip():
                continue
            host, arrow, qbt = line.partition("=>")
            if not arrow or not host.strip() or not qbt.strip():
                raise forms.ValidationError(
                    f"Line {number}: write 'folder on this server => folder in qBittorrent'."
                )
            mappings.append(
                {
                    "host_path": _absolute(host.strip(), f"Line {number}:"),
                    "qbt_path": _absolute(qbt.strip(), f"Line {number}:"),
                }
            )
        return mappings


def _origin(url: str) -> tuple:
    """Scheme, host and port: where a password sent to `url` goes."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port
