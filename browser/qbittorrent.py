"""The client for one qBittorrent instance: the only code that logs in or knows WebAPI paths.

One client per instance per process (`client_for`), sharing one logged-in session. Logins go
through a gate kept in the database (LoginState) so that no process of the app, alone or together,
gets the app's IP banned: qBittorrent bans an IP for an hour after five failed logins, and every
user of the app shares that IP. qbittorrent-api does the HTTP; two of its habits are turned off:
retrying a failed request (a retried addTask is a second torrent being hashed) and logging in
again after any 403 without limit.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import qbittorrentapi
import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from browser.capabilities import Capabilities
from browser.models import Instance, LoginState
from config.errors import ServiceError

logger = logging.getLogger(__name__)

MAX_KEY_FAILURES = 3  # failed logins with the same credentials before giving up on them
# qBittorrent bans an IP at its 5th consecutive failure (by default, whatever the credentials):
# the app never makes the 5th on its own.
MAX_FAILURES = 4
LOGIN_BACKOFF_S = (60, 300)  # wait before the 2nd and the 3rd attempt with the same credentials
BAN_S = 3600  # qBittorrent's default ban duration
CAPABILITIES_TTL_S = 300
ADDED_WITHIN_S = 10  # how long a torrent just added may take to be listed


class QbittorrentError(ServiceError):
    status = 502
    code = "qbittorrent_error"


def qbittorrent_error(instance: Instance, message: str, *, code: str, status: int = 502):
    return QbittorrentError(f"qBittorrent '{instance.name}' {message}", code=code, status=status)


def too_old(instance: Instance, caps: Capabilities, feature: str) -> QbittorrentError:
    return qbittorrent_error(instance, caps.missing(feature), code="qbittorrent_too_old")


class _Transport(qbittorrentapi.Client):
    """qbittorrent-api with one attempt per request and logins through the gate."""

    def __init__(self, *, gated_login, **kwargs):
        super().__init__(**kwargs)
        self._gated_login = gated_login
        self.requests_made = 0

    def auth_log_in(self, username=None, password=None, **kwargs):
        parent = super()
        self._gated_login(lambda: parent.auth_log_in(username, password, **kwargs))

    def _request_manager(
        self,
        http_method,
        api_namespace,
        api_method,
        _retries=1,
        _retry_backoff_factor=0.3,
        version_introduced="",
        version_removed="",
        **kwargs,
    ):
        # No version check: qbittorrent-api's asks app/webapiVersion before every request.
        # Callers check the instance's Capabilities instead.
        self.requests_made += 1
        try:
            return self._request(
                http_method=http_method,
                api_namespace=api_namespace,
                api_method=api_method,
                **kwargs,
            )
        except qbittorrentapi.APIError:
            raise
        except requests.RequestException as exc:
            raise qbittorrentapi.APIConnectionError(str(exc)) from exc


LOCAL_DOMAINS = (".local", ".lan", ".home.arpa", ".internal", ".localdomain", ".localhost")


def nearby(url: str) -> bool:
    """Whether qBittorrent answers on this host or a local network: its loopback, a private or
    link-local address, a name without dots (a Docker service, a LAN host) or in a local-only
    domain (host.docker.internal, nas.local, router.lan, box.home.arpa).

    The app then asks for answers uncompressed. qBittorrent gzips every answer a client accepts
    gzipped; over loopback or a LAN that costs more than it saves (a 10,000-entry folder's
    listing, bench/browse.py: 108 ms gzipped, 91 ms not, on 5.3), while across the internet the
    compressed answer is ten times smaller."""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    if host == "localhost" or (host and "." not in host and ":" not in host):
        return True
    if host.rstrip(".").endswith(LOCAL_DOMAINS):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class QbittorrentClient:
    def __init__(self, instance: Instance):
        self.instance = instance
        self.config = _config(instance)
        self._login_lock = threading.Lock()
        self._logins = 0  # successful logins of this client: a waiting thread may skip its own
        self._capabilities: Capabilities | None = None
        self._capabilities_at = 0.0
        timeout = instance.timeout_s
        self._api = _Transport(
            gated_login=self._log_in,
            host=instance.url,
            username=instance.username,
            password=instance.password,
            VERIFY_WEBUI_CERTIFICATE=instance.verify_tls,
            FORCE_SCHEME_FROM_HOST=True,
            REQUESTS_ARGS={"timeout": (min(5.0, timeout), timeout)},
            HTTPADAPTER_ARGS={"max_retries": 0},
            SIMPLE_RESPONSES=True,  # plain JSON: its per-item wrappers are slow on large folders
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
            EXTRA_HEADERS={"Accept-Encoding": "identity"} if nearby(instance.url) else None,
        )

    # --- calls ------------------------------------------------------------------------------

    def call(self, operation, *, not_found: str | None = None, conflict: str | None = None):
        """Runs `operation(api)`; every failure becomes a QbittorrentError in words.

        `not_found`/`conflict` give the message for a 404/409 the caller expects.
        """
        instance = self.instance
        try:
            return operation(self._api)
        except QbittorrentError:
            raise
        except qbittorrentapi.NotFound404Error as exc:
            if not_found is not None:
                raise QbittorrentError(not_found, code="not_found", status=404) from exc
            raise qbittorrent_error(
                instance, f"does not know that request ({_text(exc)}).", code="qbittorrent_error"
            ) from exc
        except qbittorrentapi.Conflict409Error as exc:
            message = conflict or f"refused the request: {_text(exc)}"
            raise qbittorrent_error(
                instance, message, code="qbittorrent_conflict", status=409
            ) from exc
        except qbittorrentapi.Unauthorized401Error as exc:
            raise qbittorrent_error(
                instance,
                "refused the request (401): its WebUI host header validation or "
                "CSRF protection rejects this server; check the URL.",
                code="qbittorrent_refused",
            ) from exc
        except qbittorrentapi.Forbidden403Error as exc:
            raise qbittorrent_error(
                instance, "denies access even after logging in.", code="qbittorrent_forbidden"
            ) from exc
        except qbittorrentapi.HTTP5XXError as exc:
            raise qbittorrent_error(
                instance,
                f"failed with an internal error ({exc.http_status_code}).",
                code="qbittorrent_error",
            ) from exc
        except qbittorrentapi.HTTPError as exc:
            raise qbittorrent_error(
                instance,
                f"refused the request ({exc.http_status_code}): {_text(exc)}",
                code="qbittorrent_error",
            ) from exc
        # Last: qbittorrent-api's HTTP status errors are APIConnectionErrors too.
        except qbittorrentapi.APIConnectionError as exc:
            cause = exc.__cause__
            if isinstance(cause, requests.Timeout):
                reason = f"did not answer within {instance.timeout_s:g} s"
            elif isinstance(cause, requests.exceptions.SSLError):
                reason = (
                    "presented a TLS certificate this server does not trust (turn off "
                    "certificate verification for a self-signed one)"
                )
            else:
                reason = f"cannot be reached at {instance.address}"
            raise qbittorrent_error(
                instance, f"{reason}.", code="qbittorrent_unreachable", status=503
            ) from exc
        except qbittorrentapi.APIError as exc:
            raise qbittorrent_error(
                instance, f"refused the request: {_text(exc)}", code="qbittorrent_error"
            ) from exc

    @property
    def requests_made(self) -> int:
        """WebAPI requests this client has sent (logins included), for benchmarks."""
        return self._api.requests_made

    def capabilities(self, *, refresh: bool = False) -> Capabilities:
        """What this qBittorrent can do; asked again after CAPABILITIES_TTL_S or on request."""
        fresh = time.monotonic() - self._capabilities_at < CAPABILITIES_TTL_S
        if self._capabilities is None or refresh or not fresh:
            app_version = self.call(lambda api: api.app_version())
            webapi = self.call(lambda api: api.app_web_api_version())
            build = self.call(lambda api: api.app_build_info())
            self._capabilities = Capabilities(
                app_version=str(app_version),
                webapi_version=str(webapi),
                libtorrent_version=str((build or {}).get("libtorrent", "")),
            )
            self._capabilities_at = time.monotonic()
        return self._capabilities

    def checked_capabilities(self) -> Capabilities:
        """Capabilities once qBittorrent has answered now (its version, one request): what a
        health check shows, where cached capabilities alone would call a stopped one "ok".
        Asked again in full when the version changed (an upgrade)."""
        version = str(self.call(lambda api: api.app_version()))
        caps = self.capabilities()
        return caps if caps.app_version == version else self.capabilities(refresh=True)

    def directory_answer(self, qbt_path: str, options: dict[str, str]) -> bytes:
        """app/getDirectoryContent's answer, its JSON text: a large folder's is read by
        browser.entries without being parsed here first. options: {"withMetadata": "true"}
        (WebAPI 2.11.8+), or {"mode": "dirs"} or {"mode": "files"}."""
        data = {"dirPath": qbt_path, **options}
        response = self.call(
            lambda api: api._post("app", "getDirectoryContent", data=data),
            not_found=f"Directory does not exist: {qbt_path}",
        )
        return response.content

    def default_save_path(self) -> str:
        return str(self.call(lambda api: api.app_default_save_path()))

    def preferences(self) -> dict:
        return self.call(lambda api: api.app_preferences())

    def categories(self) -> dict[str, dict]:
        return self.call(lambda api: api.torrents_categories())

    def torrents(self) -> list[dict]:
        return self.call(lambda api: api.torrents_info())

    def has_torrent(self, torrent_id: str) -> bool:
        return bool(self.call(lambda api: api.torrents_info(torrent_hashes=torrent_id)))

    def torrent_files(self, info_hash: str) -> list[dict]:
        return self.call(
            lambda api: api.torrents_files(torrent_hash=info_hash),
            not_found=f"No torrent {info_hash}",
        )

    # --- the torrent creator (WebAPI 2.10.4+) ----------------------------------------------

    def creator_add_task(self, params: dict) -> str:
        """torrentcreator/addTask with qBittorrent's own parameter names; the task id."""
        answer = self.call(
            lambda api: api.torrentcreator_add_task(**params),
            conflict="has too many torrent creation tasks queued (it keeps 256 at most).",
        )
        return str(answer["taskID"])

    def creator_status(self, task_id: str) -> dict:
        if not task_id:
            raise ValueError("a task id is required")  # an empty one lists every task
        tasks = self.call(
            lambda api: api.torrentcreator_status(task_id=task_id),
            not_found=f"has no torrent creation task {task_id}",
        )
        if not tasks:
            raise QbittorrentError(
                f"No torrent creation task {task_id}", code="not_found", status=404
            )
        return tasks[0]

    def creator_tasks(self) -> list[dict]:
        return self.call(lambda api: api.torrentcreator_status())

    def creator_torrent_file(self, task_id: str) -> bytes:
        return self.call(
            lambda api: api.torrentcreator_torrent_file(task_id=task_id),
            not_found=f"has no torrent creation task {task_id}",
        )

    def delete_creator_task(self, task_id: str) -> None:
        """Aborts a running task and forgets it; a task already gone is fine."""
        try:
            self.call(lambda api: api.torrentcreator_delete_task(task_id=task_id), not_found="gone")
        except QbittorrentError as error:
            if error.code != "not_found":
                raise

    def add_torrent(self, data: bytes, params: dict) -> None:
        """torrents/add of one .torrent with qBittorrent's own parameter names.

        Up to WebAPI 2.13 the answer is "Ok." or "Fails."; from 2.14, counts (409 when none
        was added).
        """
        answer = self.call(
            lambda api: api.torrents_add(torrent_files={"new.torrent": data}, **params),
            conflict="refused the torrent (it may have it already).",
        )
        if isinstance(answer, str) and answer.strip() not in ("Ok.", ""):
            raise qbittorrent_error(
                self.instance,
                f"refused the torrent ({answer.strip()}).",
                code="qbittorrent_add_failed",
            )
        if isinstance(answer, dict) and answer.get("failure_count"):
            raise qbittorrent_error(
                self.instance, "refused the torrent.", code="qbittorrent_add_failed"
            )

    def rename_file(self, torrent_id: str, old_path: str, new_path: str) -> None:
        """torrents/renameFile, once qBittorrent lists the torrent: torrents/add returns
        before the torrent is added, and renaming one it does not know yet is a 404."""
        deadline = time.monotonic() + ADDED_WITHIN_S
        while True:
            try:
                self.call(
                    lambda api: api.torrents_rename_file(
                        torrent_hash=torrent_id, old_path=old_path, new_path=new_path
                    ),
                    not_found=f"qBittorrent '{self.instance.name}' did not list the torrent "
                    f"within {ADDED_WITHIN_S} s of adding it.",
                    conflict=f"cannot rename {old_path} to {new_path} in the torrent.",
                )
                return
            except QbittorrentError as error:
                if error.code != "not_found" or time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def remove_torrent(self, torrent_id: str) -> None:
        """torrents/delete, keeping the files."""
        self.call(lambda api: api.torrents_delete(delete_files=False, torrent_hashes=torrent_id))

    def start_torrent(self, torrent_id: str) -> None:
        """torrents/start (torrents/resume before WebAPI 2.11)."""
        self.call(lambda api: api.torrents_start(torrent_hashes=torrent_id))

    # --- the login gate ---------------------------------------------------------------------

    def _credentials_key(self) -> str:
        material = "\n".join([self.instance.url, self.instance.username, self.instance.password])
        return hmac.new(settings.SECRET_KEY.encode(), material.encode(), hashlib.sha256).hexdigest()

    def _log_in(self, do_login) -> None:
        """Logs in once, unless a recent failure or a ban says to wait; one attempt in flight.
        Requests that found no session together wait for one login: the first one's."""
        logins_seen = self._logins
        with self._login_lock:
            if self._logins != logins_seen:
                return  # another thread logged in while this one waited
            key = self._credentials_key()
            state = self._claim_login_attempt(key)
            try:
                do_login()
            except qbittorrentapi.LoginFailed as exc:
                message = self._record_failure(state, key, banned=False)
                raise qbittorrent_error(
                    self.instance, message, code="qbittorrent_login_failed"
                ) from exc
            except qbittorrentapi.Forbidden403Error as exc:
                message = self._record_failure(state, key, banned=True)
                raise qbittorrent_error(
                    self.instance, message, code="qbittorrent_banned", status=503
                ) from exc
            except BaseException:
                LoginState.objects.filter(pk=state.pk).update(attempt_started_at=None)
                raise
            LoginState.objects.filter(pk=state.pk).update(
                credentials_key=key,
                failures=0,
                key_failures=0,
                failed_at=None,
                attempt_started_at=None,
                banned_until=None,
                last_error="",
            )
            self._capabilities = None
            self._logins += 1
            logger.info("Logged in to qBittorrent '%s'", self.instance.name)

    def _claim_login_attempt(self, key: str) -> LoginState:
        """The instance's LoginState, once this process may try: raises while it may not."""
        instance = self.instance
        state, _ = LoginState.objects.get_or_create(instance=instance)
        deadline = time.monotonic() + instance.timeout_s + 5
        while True:
            now = timezone.now()
            if state.banned_until and state.banned_until > now:
                minutes = math.ceil((state.banned_until - now).total_seconds() / 60)
                raise qbittorrent_error(
                    instance,
                    f"has banned this server's IP after failed logins; no login is "
                    f"tried for {minutes} more minutes. Check the username and password.",
                    code="qbittorrent_banned",
                    status=503,
                )
            same_key = state.credentials_key == key
            if same_key and state.key_failures >= MAX_KEY_FAILURES:
                raise qbittorrent_error(
                    instance,
                    f"refused the username or password {state.key_failures} times. No "
                    "more logins are tried until they are changed (in the admin), so that "
                    "qBittorrent does not ban this server.",
                    code="qbittorrent_login_failed",
                )
            if state.failures >= MAX_FAILURES:
                raise qbittorrent_error(
                    instance,
                    f"refused {state.failures} logins in a row; one more would get this "
                    "server banned. Check the credentials in qBittorrent's own WebUI, then use "
                    "'Try to log in again' on the instance's page.",
                    code="qbittorrent_login_failed",
                )
            if same_key and state.key_failures and state.failed_at:
                wait = LOGIN_BACKOFF_S[min(state.key_failures, len(LOGIN_BACKOFF_S)) - 1]
                remaining = wait - (now - state.failed_at).total_seconds()
                if remaining > 0:
                    raise qbittorrent_error(
                        instance,
                        f"refused the username or password; the next login is tried "
                        f"in {math.ceil(remaining)} s at the earliest.",
                        code="qbittorrent_login_paused",
                        status=503,
                    )
            stale = now - timedelta(seconds=instance.timeout_s + 5)
            claimed = (
                LoginState.objects.filter(pk=state.pk)
                .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=stale))
                .update(attempt_started_at=now)
            )
            if claimed:
                return state
            # Another process is logging in: wait for its outcome, then decide again.
            if time.monotonic() > deadline:
                raise qbittorrent_error(
                    instance,
                    "is busy with another login; try again.",
                    code="qbittorrent_login_paused",
                    status=503,
                )
            time.sleep(0.2)
            state.refresh_from_db()

    def _record_failure(self, state: LoginState, key: str, *, banned: bool) -> str:
        now = timezone.now()
        state.refresh_from_db()
        failures = state.failures + 1
        key_failures = state.key_failures + 1 if state.credentials_key == key else 1
        if banned:
            message = (
                "has banned this server's IP after too many failed logins; no login is "
                f"tried for {BAN_S // 60} minutes. Check the username and password."
            )
        elif key_failures >= MAX_KEY_FAILURES or failures >= MAX_FAILURES:
            message = (
                f"refused the username or password ({failures} failed logins in a row). "
                "No more logins are tried until they are changed (in the admin)."
            )
        else:
            wait = LOGIN_BACKOFF_S[key_failures - 1]
            message = (
                f"refused the username or password; the next login is tried in {wait} s "
                "at the earliest."
            )
        LoginState.objects.filter(pk=state.pk).update(
            credentials_key=key,
            failures=failures,
            key_failures=key_failures,
            failed_at=now,
            attempt_started_at=None,
            banned_until=now + timedelta(seconds=BAN_S) if banned else None,
            last_error=message[:300],
        )
        logger.warning("qBittorrent '%s' %s", self.instance.name, message)
        return message


def login_retry_allow(*, instance: Instance) -> None:
    """Lets the app try to log in again after it stopped (an administrator's decision)."""
    LoginState.objects.filter(instance=instance).update(
        failures=0, key_failures=0, failed_at=None, banned_until=None, last_error=""
    )


def _text(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).strip()[:200]


def _config(instance: Instance) -> tuple:
    return (
        instance.url,
        instance.username,
        instance.password,
        instance.verify_tls,
        instance.timeout_s,
    )


_clients: dict[int, QbittorrentClient] = {}
_clients_lock = threading.Lock()


def client_for(instance: Instance) -> QbittorrentClient:
    """The process's client for `instance`; made anew when its settings changed."""
    with _clients_lock:
        client = _clients.get(instance.pk)
        if client is None or client.config != _config(instance):
            client = _clients[instance.pk] = QbittorrentClient(instance)
        else:
            client.instance = instance
        return client
