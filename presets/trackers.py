"""Tracker URLs: parsing tiers from text, checking each URL and a whole set. Pure: no Django.

Tiers follow BEP 12 (announce-list): a list of tiers, each a list of URLs a client tries in turn.
In text, one URL a line and a blank line between tiers. A URL may hold placeholders such as
`{passkey}`, filled from the user's saved secrets only when a job is made.
"""

import ipaddress
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

VALID = "valid"
WARNING = "warning"
INVALID = "invalid"
_SEVERITY = {VALID: 0, WARNING: 1, INVALID: 2}

TRACKER_SCHEMES = ("http", "https", "udp", "wss")
WEB_SEED_SCHEMES = ("http", "https")  # BEP 19 (GetRight-style) and BEP 17 web seeds are HTTP
MAX_URL_LENGTH = 2048

PLACEHOLDER_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_BRACED = re.compile(r"\{([^{}]*)\}")
# A scheme without "//" (RFC 3986's letters, no dot): "host:8080/…" is a host and port.
_OTHER_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+-]*):(?!\d)")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")

# Well-known open trackers: a private torrent announcing to one of them leaks its peers.
PUBLIC_TRACKER_HOSTS = frozenset(
    {
        "tracker.opentrackr.org",
        "open.tracker.cl",
        "open.stealth.si",
        "tracker.openbittorrent.com",
        "open.demonii.com",
        "exodus.desync.com",
        "tracker.torrent.eu.org",
        "tracker.moeking.me",
        "explodie.org",
        "tracker.tiny-vps.com",
        "tracker.dler.org",
        "tracker.coppersurfer.tk",
        "tracker.leechers-paradise.org",
        "tracker.internetwarriors.net",
        "tracker.cyberia.is",
        "9.rarbg.com",
        "9.rarbg.to",
        "tracker.openwebtorrent.com",
        "tracker.webtorrent.dev",
        "tracker.btorrent.xyz",
        "tracker.files.fm",
    }
)


@dataclass(frozen=True)
class UrlCheck:
    """The verdict on one URL. `tier` is the 0-based tier index, None for a web seed."""

    url: str
    level: str
    message: str
    tier: int | None = None

    @property
    def sentence(self) -> str:
        """The verdict naming its URL and place: "udp://x (tier 2): A UDP tracker needs a port"."""
        where = f"tier {self.tier + 1}" if self.tier is not None else "web seed"
        return f"{self.url.strip() or '(empty)'} ({where}): {self.message}"


@dataclass(frozen=True)
class SetCheck:
    """A verdict on the set as a whole (private flag, DHT only, web seeds, empty tiers)."""

    level: str
    message: str


@dataclass(frozen=True)
class TrackerReport:
    trackers: tuple[UrlCheck, ...]
    web_seeds: tuple[UrlCheck, ...]
    messages: tuple[SetCheck, ...]

    @property
    def level(self) -> str:
        """The worst level of any URL or set message."""
        levels = [c.level for c in (*self.trackers, *self.web_seeds, *self.messages)]
        return max(levels, key=_SEVERITY.__getitem__, default=VALID)

    @property
    def is_valid(self) -> bool:
        return self.level != INVALID

    def problems(self, level: str = INVALID) -> list[str]:
        """Sentences for every URL and set message at `level`, each URL named with its place."""
        urls = [c.sentence for c in (*self.trackers, *self.web_seeds) if c.level == level]
        return urls + [m.message for m in self.messages if m.level == level]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verdict(url: str, level: str, text: str) -> UrlCheck:
    return UrlCheck(url, level, _sentence(text))


def parse_tiers(text: str) -> list[list[str]]:
    """Tiers from text: one URL a line, blank lines between tiers; surrounding spaces dropped."""
    tiers: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        url = line.strip()
        if url:
            current.append(url)
        elif current:
            tiers.append(current)
            current = []
    if current:
        tiers.append(current)
    return tiers


def tidy_tiers(tiers: Sequence[Sequence[str]]) -> list[list[str]]:
    """Tiers as given in a list: surrounding spaces dropped, then empty URLs and empty tiers,
    as parse_tiers does for text. Secrets are filled tier by tier, so an empty tier left in
    would pair tiers wrongly when they are masked again."""
    tidy = [[url.strip() for url in tier if url.strip()] for tier in tiers]
    return [tier for tier in tidy if tier]


def format_tiers(tiers: Sequence[Sequence[str]]) -> str:
    """The text form of tiers, the inverse of parse_tiers for non-empty tiers."""
    return "\n\n".join("\n".join(tier) for tier in tiers if tier)


def parse_lines(text: str) -> list[str]:
    """One value a line (web seeds, exclude patterns); blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def placeholders(url: str) -> list[str]:
    """The placeholder names a URL holds, in order: `{passkey}` -> ["passkey"]."""
    return [name for name in _BRACED.findall(url) if PLACEHOLDER_NAME.fullmatch(name)]


def tiers_placeholders(tiers: Iterable[Iterable[str]]) -> list[str]:
    """Every placeholder name in a set of tiers, sorted, each once."""
    return sorted({name for tier in tiers for url in tier for name in placeholders(url)})


_DELIMITERS = re.compile(r"([/?&#])")
_FILLED = "\x00"  # stands for a placeholder while a template is cut up (no URL holds it)


class TemplateMatcher:
    """Whether a URL is a template's, whatever its placeholders were filled with. A secret
    fills part of one path segment or query field: it never spans "/", "?", "&" or "#".

    Not a regular expression: "[^/?&#]+" for each placeholder backtracks without end on
    placeholders side by side ("{a}{b}{c}…") and froze the process. Within a segment, each
    literal is found leftmost in turn, which is exact for wildcards and linear in practice."""

    def __init__(self, template: str):
        text = _BRACED.sub(
            lambda m: _FILLED if PLACEHOLDER_NAME.fullmatch(m.group(1)) else m.group(0),
            template,
        )
        self.segments = [part.split(_FILLED) for part in _DELIMITERS.split(text)]

    def fullmatch(self, url: str) -> bool:
        parts = _DELIMITERS.split(url)
        return len(parts) == len(self.segments) and all(
            _segment_matches(literals, part)
            for literals, part in zip(self.segments, parts, strict=True)
        )


def _segment_matches(literals: list[str], text: str) -> bool:
    """`text` is literals[0], then one or more characters, literals[1], … literals[-1]."""
    if len(literals) == 1:
        return text == literals[0]
    first, *middle, last = literals
    if not text.startswith(first):
        return False
    at = len(first)
    for literal in middle:
        found = text.find(literal, at + 1)  # a secret is at least one character
        if found < 0:
            return False
        at = found + len(literal)
    return len(text) - len(last) > at and text.endswith(last)


def template_matcher(template: str) -> TemplateMatcher | None:
    """A matcher of `template`'s URL whatever its placeholders were filled with; None for a
    URL with no placeholder."""
    parts = _BRACED.split(template)  # literal, name, literal, name, ...
    if not any(PLACEHOLDER_NAME.fullmatch(name) for name in parts[1::2]):
        return None
    return TemplateMatcher(template)


def fill_placeholders(url: str, values: Mapping[str, str]) -> str:
    """The URL with each `{name}` replaced by values[name]; KeyError names a missing one."""
    return _BRACED.sub(
        lambda m: values[m.group(1)] if PLACEHOLDER_NAME.fullmatch(m.group(1)) else m.group(0),
        url,
    )


def url_host(url: str) -> str:
    """The lower-cased host name of a URL, '' when there is none. Placeholders count as text."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def validate_url(
    url: str,
    *,
    schemes: Sequence[str] = TRACKER_SCHEMES,
    filled: Collection[str] | None = None,
) -> UrlCheck:
    """Check one tracker URL (or web seed URL, with `schemes=WEB_SEED_SCHEMES`).

    `filled` says how to judge placeholders: None means the URL is a template (a preset's), so a
    well-formed `{name}` is fine; a collection holds the names the user has secrets for, and any
    other placeholder is unfilled, hence invalid. Web seeds take no placeholders.
    """
    issues: list[tuple[str, str]] = []
    web_seed = tuple(schemes) == WEB_SEED_SCHEMES
    if url != url.strip():
        issues.append((WARNING, "has spaces around it; they are removed"))
    bare = url.strip()
    if not bare:
        return _verdict(url, INVALID, "is empty")
    if len(bare) > MAX_URL_LENGTH:
        return _verdict(url, INVALID, f"is longer than {MAX_URL_LENGTH:,} characters")
    if any(ch.isspace() for ch in bare):
        return _verdict(url, INVALID, "contains spaces")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in bare):
        return _verdict(url, INVALID, "contains control characters")

    names = _BRACED.findall(bare)
    for name in names:
        if not PLACEHOLDER_NAME.fullmatch(name):
            return _verdict(
                url,
                INVALID,
                f"{{{name}}} is not a placeholder: use lower-case letters, digits and _, "
                "like {passkey}",
            )
    if _BRACED.sub("", bare).count("{") or _BRACED.sub("", bare).count("}"):
        return _verdict(url, INVALID, "has an unmatched { or }")
    if names and web_seed:
        return _verdict(url, INVALID, "a web seed cannot hold placeholders")
    unfilled = sorted({n for n in names if filled is not None and n not in filled})
    if unfilled:
        missing = ", ".join(f"{{{n}}}" for n in unfilled)
        return _verdict(
            url,
            INVALID,
            f"Unfilled placeholder {missing}: save your {unfilled[0]} on the Presets page first",
        )
    # Check the structure with placeholders standing in as plain letters.
    concrete = _BRACED.sub("x", bare)

    scheme, sep, _ = concrete.partition("://")
    expected = _either(f"{s}://" for s in schemes)
    if not sep:
        other = _OTHER_SCHEME.match(concrete)  # javascript:…, magnet:?…
        if other is None:
            return _verdict(url, INVALID, f"has no scheme: start it with {expected}")
        scheme = other.group(1)
        return _verdict(url, INVALID, f"uses {scheme}:; a {_kind(web_seed)} needs {expected}")
    if scheme.lower() not in schemes:
        return _verdict(url, INVALID, f"uses {scheme}://; a {_kind(web_seed)} needs {expected}")
    try:
        parts = urlsplit(concrete)
    except ValueError as exc:  # e.g. a bracketed host that is not IPv6
        return _verdict(url, INVALID, f"cannot be read as a URL ({exc})")

    for level, text in (
        _check_netloc(parts),
        _check_path(parts, scheme.lower(), web_seed),
    ):
        if level == INVALID:
            return _verdict(url, INVALID, text)
        if text:
            issues.append((level, text))
    if parts.fragment:
        return _verdict(url, INVALID, "has a #fragment, which is never sent to the tracker")

    if issues:
        level = max((lvl for lvl, _ in issues), key=_SEVERITY.__getitem__)
        return _verdict(url, level, "; ".join(text for _, text in issues))
    if names:
        unique = sorted(set(names))
        whose = "your" if filled is not None else "each user's"
        what = unique[0] if len(unique) == 1 else "secrets"
        braced = _either(f"{{{n}}}" for n in unique).replace(" or ", " and ")
        return UrlCheck(url, VALID, f"OK; {braced} is filled from {whose} saved {what}")
    return UrlCheck(url, VALID, "OK")


def _either(choices: Iterable[str]) -> str:
    *rest, last = choices
    return f"{', '.join(rest)} or {last}" if rest else last


def _kind(web_seed: bool) -> str:
    return "web seed" if web_seed else "tracker"


def _check_netloc(parts: SplitResult) -> tuple[str, str]:
    netloc = parts.netloc
    if "@" in netloc:
        return INVALID, "holds a user name or password: put the passkey in a {passkey} placeholder"
    host, port_text = netloc, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        host, port_text = netloc[: end + 1], netloc[end + 1 :].removeprefix(":")
        if end < 0 or (netloc[end + 1 :] and not netloc[end + 1 :].startswith(":")):
            return INVALID, "has a malformed [IPv6] host"
    elif ":" in netloc:
        host, _, port_text = netloc.rpartition(":")
    if not host:
        return INVALID, "has no host"
    if ":" in netloc and not port_text:
        return INVALID, "has a ':' but no port number after it"
    if port_text:
        # ASCII digits only: superscript and full-width digits count as digits to Python
        if not (port_text.isascii() and port_text.isdigit()):
            return INVALID, f"port {port_text!r} is not a number"
        port = int(port_text)
        if not 1 <= port <= 65535:
            return INVALID, f"port {port} is outside 1-65535"
    elif parts.scheme.lower() == "udp":
        return INVALID, "a UDP tracker needs a port (BEP 15), like udp://host:6969/announce"
    return _check_host(host)


def _check_host(host: str) -> tuple[str, str]:
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return INVALID, f"{host} is not an IPv6 address"
        return _check_address(address)
    if re.fullmatch(r"[0-9.]+", host):
        try:
            return _check_address(ipaddress.IPv4Address(host))
        except ValueError:
            return INVALID, f"{host} is not an IPv4 address"
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return INVALID, f"'{host}' is not a valid host name"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return INVALID, f"'{host}' is not a valid host name"
    if ascii_host == "localhost" or ascii_host.endswith(".localhost"):
        return WARNING, f"the host {host} is this machine: peers elsewhere cannot reach it"
    if len(labels) == 1:
        return WARNING, f"the host {host} has no domain: peers outside your network cannot find it"
    return VALID, ""


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[str, str]:
    if address.is_unspecified or address.is_multicast:
        return INVALID, f"{address} cannot be announced to"
    if address.is_loopback or address.is_private or address.is_link_local:
        return WARNING, f"{address} is a local address: peers elsewhere cannot reach it"
    return VALID, ""


def _check_path(parts: SplitResult, scheme: str, web_seed: bool) -> tuple[str, str]:
    # Trackers announce at a path containing "announce"; the scrape convention (BEP 48) even
    # derives the scrape URL from it. UDP (BEP 15) and WebSocket trackers need no path.
    if web_seed or scheme not in ("http", "https"):
        return VALID, ""
    if "announce" not in parts.path.lower():
        return WARNING, "has no 'announce' in its path: check it is the announce URL"
    return VALID, ""


def _normalised(url: str) -> str:
    """A key for spotting duplicates: case-insensitive scheme and host, no trailing slash."""
    bare = url.strip()
    scheme, sep, rest = bare.partition("://")
    if not sep:
        return bare
    netloc, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{netloc.lower()}{slash}{path}".rstrip("/")


def _with_duplicates(checks: list[UrlCheck], where: Callable[[UrlCheck], str]) -> list[UrlCheck]:
    """The checks, each repeat of an earlier URL turned into (at least) a warning."""
    first_seen: dict[str, UrlCheck] = {}
    out = []
    for check in checks:
        key = _normalised(check.url)
        earlier = first_seen.setdefault(key, check)
        if earlier is check or not key or check.level == INVALID:
            out.append(check)
            continue
        note = f"repeats a URL already in {where(earlier)}, so announcing to it again is pointless"
        message = note if check.level == VALID else f"{check.message}; {note}"
        out.append(UrlCheck(check.url, WARNING, _sentence(message), check.tier))
    return out


def validate_tiers(
    tiers: Sequence[Sequence[str]],
    *,
    private: bool,
    web_seeds: Sequence[str] = (),
    filled: Mapping[str, Collection[str]] | None = None,
) -> TrackerReport:
    """Check every URL of a set of tiers and web seeds, then the set as a whole.

    `filled` maps a URL to the placeholder names the user can fill in it (see validate_url);
    None treats the tiers as a preset's template.
    """
    trackers = [
        _at_tier(validate_url(url, filled=None if filled is None else filled.get(url, ())), index)
        for index, tier in enumerate(tiers)
        for url in tier
    ]
    trackers = _with_duplicates(trackers, lambda c: f"tier {c.tier + 1}")
    seeds = _with_duplicates(
        [validate_url(url, schemes=WEB_SEED_SCHEMES) for url in web_seeds], lambda c: "a web seed"
    )
    messages = [
        SetCheck(WARNING, f"Tier {index + 1} is empty; it is left out.")
        for index, tier in enumerate(tiers)
        if not [url for url in tier if url.strip()]
    ]
    messages += _set_checks(trackers, private=private, web_seeds=web_seeds)
    return TrackerReport(tuple(trackers), tuple(seeds), tuple(messages))


def _at_tier(check: UrlCheck, tier: int) -> UrlCheck:
    return UrlCheck(check.url, check.level, check.message, tier)


def _set_checks(
    trackers: list[UrlCheck], *, private: bool, web_seeds: Sequence[str]
) -> list[SetCheck]:
    usable = [c for c in trackers if c.url.strip()]
    if not usable:
        if private:
            # BEP 27: a private torrent disables DHT and peer exchange, so without a tracker
            # nobody can ever find a peer.
            return [
                SetCheck(
                    INVALID,
                    "A private torrent needs a tracker: private torrents cannot use DHT or "
                    "peer exchange, so no peer would ever be found.",
                )
            ]
        return [SetCheck(VALID, "No trackers: peers are found through DHT and peer exchange.")]
    messages = []
    if private:
        public = sorted({url_host(c.url) for c in usable} & PUBLIC_TRACKER_HOSTS)
        if public:
            messages.append(
                SetCheck(
                    WARNING,
                    f"A private torrent announces to the public tracker {', '.join(public)}: "
                    "private trackers forbid that and its peers would see your upload.",
                )
            )
        if web_seeds:
            messages.append(
                SetCheck(
                    WARNING,
                    "Web seeds on a private torrent: most private trackers forbid them or "
                    "strip them.",
                )
            )
    return messages
