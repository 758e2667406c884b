"""Torrentsmith settings. The environment is read here and nowhere else.

Every value comes from an environment variable parsed by a small typed helper that refuses a
malformed value at start-up with ImproperlyConfigured, naming the variable and what it expects.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} is out of range {minimum}..{maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, *, choices: set[str]) -> str:
    value = env_str(name, default) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(sorted(choices))}.")
    return value


def env_url(name: str, *, schemes: set[str]) -> str:
    raw = env_str(name)
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        expected = " or ".join(sorted(f"{s}://" for s in schemes))
        raise ImproperlyConfigured(f"{name}={raw!r} is not a URL starting with {expected}.")
    return raw


def _data_dir() -> Path:
    path = Path(env_str("TORRENTSMITH_DATA_DIR") or BASE_DIR / "data").expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"TORRENTSMITH_DATA_DIR={path}: cannot create it ({exc})."
        ) from exc
    if not os.access(path, os.W_OK):
        raise ImproperlyConfigured(f"TORRENTSMITH_DATA_DIR={path} is not writable.")
    return path


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else the one persisted in the data directory."""
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY is shorter than 32 characters.")
        return key
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        # Created with 0600 in one step so the key is never readable by others, even briefly.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{key_file} holds a key shorter than 32 characters.")
    return key


def _database(data_dir: Path) -> dict:
    url = env_str("DATABASE_URL") or f"sqlite:///{data_dir / 'torrentsmith.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for one cause
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        # The web server and the worker write concurrently: WAL and IMMEDIATE transactions keep
        # SQLite from answering "database is locked" under that load.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": str(data_dir / "test.sqlite3")}
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL uses {engine or 'an unknown engine'}: use sqlite:// or postgres://."
        )
    return config


DATA_DIR = _data_dir()
TORRENTS_DIR = DATA_DIR / "torrents"
SECRET_KEY = _secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)
PORT = env_int("TORRENTSMITH_PORT", 8094, minimum=1, maximum=65535)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(_origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with http:// or https://."
        )
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss", "unix"})

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "waffle",
    "django_prometheus",
    "axes",
    # its templates and static files: the API docs page served from here, not a CDN
    "ninja",
    "accounts",
    "browser",
    "presets",
    "creator",
    "rollout",
    # After creator: its db_worker command (which outlives database restarts) wins.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out, counts failures
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "browser.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": _database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TZ", "UTC") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves straight from the finders: no collectstatic step to forget, and it works the
# same under daphne with DEBUG off. Vendored files carry their version in their names.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Served over HTTPS (directly or by a proxy): cookies only over HTTPS, and HSTS when asked.
HTTPS = env_bool("TORRENTSMITH_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("TORRENTSMITH_HSTS_SECONDS", 0, minimum=0, maximum=63072000)
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (only then: a client could
# send the header itself).
if env_bool("TORRENTSMITH_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Failed-login throttling (django-axes): after this many failures for a username from one
# address, logins from there are refused for the cool-off time.
AXES_FAILURE_LIMIT = env_int("TORRENTSMITH_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = (
    env_int("TORRENTSMITH_LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=10_080) / 60
)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

LOG_LEVEL = env_choice(
    "LOG_LEVEL", "INFO", choices={"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"daphne": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# The first administrator, made by `manage.py ensure_admin` (run by `make run` and the container).
ADMIN_USERNAME = env_str("TORRENTSMITH_ADMIN_USERNAME", "admin") or "admin"
ADMIN_PASSWORD = os.environ.get("TORRENTSMITH_ADMIN_PASSWORD", "")

# Browsing and analysis through qBittorrent.
BROWSE_CACHE_S = env_int("TORRENTSMITH_BROWSE_CACHE_S", 10, minimum=0, maximum=3600)
ANALYZE_MAX_ENTRIES = env_int(
    "TORRENTSMITH_ANALYZE_MAX_ENTRIES", 200_000, minimum=1, maximum=10_000_000
)
ANALYZE_MAX_SECONDS = env_int("TORRENTSMITH_ANALYZE_MAX_SECONDS", 60, minimum=1, maximum=3600)
ANALYZE_CONCURRENCY = env_int("TORRENTSMITH_ANALYZE_CONCURRENCY", 4, minimum=1, maximum=32)

# The default qBittorrent instance, created or updated at start-up (`manage.py ensure_instance`).
QBITTORRENT_NAME = env_str("QBITTORRENT_NAME", "qBittorrent") or "qBittorrent"
QBITTORRENT_URL = env_url("QBITTORRENT_URL", schemes={"http", "https"})
QBITTORRENT_USERNAME = env_str("QBITTORRENT_USERNAME", "admin")
QBITTORRENT_PASSWORD = os.environ.get("QBITTORRENT_PASSWORD", "")

# Creation jobs.
JOB_ACTIVE_LIMIT = env_int("TORRENTSMITH_JOB_ACTIVE_LIMIT", 10, minimum=1, maximum=10_000)
# A worker holds a job by a lease it renews while it works; a job whose lease ran out (its
# worker died) is picked up again by the recovery task.
JOB_LEASE_S = env_int("TORRENTSMITH_JOB_LEASE_S", 30, minimum=2, maximum=3600)
JOB_RECOVER_INTERVAL_S = env_int("TORRENTSMITH_JOB_RECOVER_INTERVAL_S", 15, minimum=1, maximum=3600)
# Offer v2 and hybrid torrents in the creator form (where the instance's libtorrent can).
V2_FORMATS_OFFERED = env_bool("TORRENTSMITH_V2_FORMATS", True)
# When qBittorrent cannot make a torrent (too old, unreachable), make it on this server with
# the local engine if a path mapping shows the content here. The job says so.
LOCAL_ENGINE_FALLBACK = env_bool("TORRENTSMITH_LOCAL_ENGINE_FALLBACK", True)
# How long a job waits before asking again when qBittorrent's creator queue is full.
JOB_QUEUE_FULL_RETRY_S = env_int("TORRENTSMITH_JOB_QUEUE_FULL_RETRY_S", 15, minimum=1, maximum=3600)
# How long a job waits for an unreachable qBittorrent before it fails.
JOB_UNREACHABLE_GIVE_UP_S = env_int(
    "TORRENTSMITH_JOB_UNREACHABLE_GIVE_UP_S", 3600, minimum=5, maximum=7 * 86400
)
# How long a job waits for an unreachable qBittorrent before the local engine takes it over
# (with the fallback on and a path mapping showing its content here).
JOB_LOCAL_FALLBACK_AFTER_S = env_int(
    "TORRENTSMITH_JOB_LOCAL_FALLBACK_AFTER_S", 120, minimum=0, maximum=7 * 86400
)
# Progress sockets also read job changes from the database at this interval: with the
# in-memory channel layer (or Redis down) the worker's messages cannot reach them otherwise.
PROGRESS_POLL_S = (
    float(
        env_int(
            "TORRENTSMITH_PROGRESS_POLL_MS",
            500 if not REDIS_URL else 2000,
            minimum=100,
            maximum=60_000,
        )
    )
    / 1000
)

# Rollout defaults (the admin's flags and switches override them live; see rollout/flags.py).
NAVIGATION_QBITTORRENT_PERCENT = env_int(
    "TORRENTSMITH_QBITTORRENT_NAVIGATION_PERCENT", 100, minimum=0, maximum=100
)
LOCAL_MODE_ENABLED = env_bool("TORRENTSMITH_LOCAL_MODE", True)
# Waffle reads flags from the database each time: a local cache would keep each process's
# stale copy after an administrator changes a flag in another process.
WAFFLE_CACHE_NAME = "waffle"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "waffle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
# Prometheus scrapes /metrics with this bearer token (staff may open it logged in).
METRICS_TOKEN = os.environ.get("TORRENTSMITH_METRICS_TOKEN", "")
