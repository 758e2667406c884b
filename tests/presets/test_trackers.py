"""The tracker validator on a corpus of good and bad URLs, and on whole sets of tiers."""

import threading

import pytest

from presets.trackers import (
    INVALID,
    VALID,
    WARNING,
    WEB_SEED_SCHEMES,
    fill_placeholders,
    format_tiers,
    parse_tiers,
    template_matcher,
    tiers_placeholders,
    validate_tiers,
    validate_url,
)

GOOD = [
    "https://please.passthepopcorn.me/{passkey}/announce",
    "https://beyond-hd.me/announce/{passkey}",
    "http://tracker.example.org:2710/announce",
    "https://tracker.example.org/announce.php?passkey={passkey}",
    "udp://tracker.opentrackr.org:1337/announce",
    "udp://tracker.example.org:6969",
    "wss://tracker.openwebtorrent.com",
    "HTTPS://Tracker.Example.org/announce",
    "http://93.184.216.34:8080/announce",
    "http://[2606:4700::1111]:6969/announce",
    "https://bücher.example/announce",
]

BAD = [
    ("", "empty"),
    ("tracker.example.org/announce", "has no scheme"),
    ("ftp://tracker.example.org/announce", "uses ftp://"),
    ("magnet:?xt=urn:btih:abc", "uses magnet:; a tracker needs http://"),
    ("javascript:alert(1)", "uses javascript:; a tracker needs http://"),
    ("tracker.example.org:8080/announce", "has no scheme"),
    ("http://", "has no host"),
    ("https:///announce", "has no host"),
    ("http://tracker.example.org:0/announce", "outside 1-65535"),
    ("http://tracker.example.org:70000/announce", "outside 1-65535"),
    ("http://tracker.example.org:http/announce", "not a number"),
    ("http://tracker.example.org:\u00b2/announce", "not a number"),  # "²": a digit to Python
    ("http://tracker.example.org:\uff16\uff19/announce", "not a number"),  # full-width "69"
    ("http://tracker.example.org:/announce", "no port number"),
    ("udp://tracker.example.org/announce", "needs a port"),
    ("https://tracker example.org/announce", "contains spaces"),
    ("https://tracker.example.org/ann\tounce", "contains spaces"),
    ("https://-tracker.example.org/announce", "not a valid host name"),
    ("https://tracker..example.org/announce", "not a valid host name"),
    ("http://300.1.2.3/announce", "not an IPv4 address"),
    ("http://[fe80::zz]:80/announce", "cannot be read"),
    ("http://0.0.0.0:80/announce", "cannot be announced to"),
    ("https://user:secret@tracker.example.org/announce", "user name or password"),
    ("https://tracker.example.org/announce#top", "fragment"),
    ("https://tracker.example.org/{Passkey}/announce", "is not a placeholder"),
    ("https://tracker.example.org/{pass key}/announce", "contains spaces"),
    ("https://tracker.example.org/{passkey/announce", "unmatched"),
    ("https://tracker.example.org/passkey}/announce", "unmatched"),
    ("https://tracker.example.org/" + "a" * 2100 + "/announce", "longer than"),
]

WARNED = [
    ("https://tracker.example.org/", "no 'announce'"),
    ("https://tracker.example.org", "no 'announce'"),
    (" https://tracker.example.org/announce ", "spaces around it"),
    ("http://localhost:6969/announce", "is this machine"),
    ("http://127.0.0.1:6969/announce", "local address"),
    ("http://192.168.1.10:6969/announce", "local address"),
    ("http://[::1]:6969/announce", "local address"),
    ("http://tracker:6969/announce", "has no domain"),
]


@pytest.mark.parametrize("url", GOOD)
def test_good_tracker_urls_are_valid(url):
    check = validate_url(url)
    assert check.level == VALID, check.message
    assert check.message.startswith("OK")


@pytest.mark.parametrize(("url", "reason"), BAD)
def test_bad_tracker_urls_are_invalid_with_the_reason(url, reason):
    check = validate_url(url)
    assert check.level == INVALID
    assert reason.lower() in check.message.lower()


@pytest.mark.parametrize(("url", "reason"), WARNED)
def test_doubtful_tracker_urls_get_a_warning_with_the_reason(url, reason):
    check = validate_url(url)
    assert check.level == WARNING
    assert reason.lower() in check.message.lower()


def test_a_message_is_a_sentence():
    assert validate_url("udp://tracker.example.org/announce").message[0].isupper()
    assert validate_url("https://tracker.example.org/").message[0].isupper()


def test_a_placeholder_in_a_template_says_where_its_value_comes_from():
    check = validate_url("https://t.example.org/{passkey}/announce")
    assert check.message == "OK; {passkey} is filled from each user's saved passkey"


def test_an_unfilled_placeholder_is_invalid_once_the_users_secrets_are_known():
    check = validate_url("https://t.example.org/{passkey}/announce", filled=())
    assert check.level == INVALID
    assert check.message.startswith("Unfilled placeholder {passkey}")


def test_a_placeholder_the_user_has_saved_is_valid():
    check = validate_url("https://t.example.org/{passkey}/announce", filled={"passkey"})
    assert check.level == VALID
    assert "your saved passkey" in check.message


def test_web_seeds_take_http_only_and_no_placeholders():
    assert validate_url("https://seed.example.org/files/", schemes=WEB_SEED_SCHEMES).level == VALID
    udp = validate_url("udp://seed.example.org:80/x", schemes=WEB_SEED_SCHEMES)
    assert udp.level == INVALID
    assert "a web seed needs http:// or https://" in udp.message
    placeholder = validate_url("https://seed.example.org/{passkey}", schemes=WEB_SEED_SCHEMES)
    assert placeholder.level == INVALID
    assert "web seed cannot hold placeholders" in placeholder.message


def test_tiers_parse_from_blank_line_separated_blocks():
    text = "\n https://a.example.org/announce \nhttps://b.example.org/announce\n\n\n\r\nudp://c.example.org:1/announce\n"
    assert parse_tiers(text) == [
        ["https://a.example.org/announce", "https://b.example.org/announce"],
        ["udp://c.example.org:1/announce"],
    ]
    assert parse_tiers("") == []


def test_tiers_format_back_to_the_text_they_came_from():
    tiers = [["https://a.example.org/announce", "https://b.example.org/announce"], ["udp://c:1"]]
    assert parse_tiers(format_tiers(tiers)) == tiers


def test_a_url_repeated_in_another_tier_is_warned_about_with_the_first_tier():
    report = validate_tiers(
        [["https://a.example.org/announce"], ["https://A.example.org/announce/"]], private=False
    )
    first, second = report.trackers
    assert (first.tier, first.level) == (0, VALID)
    assert (second.tier, second.level) == (1, WARNING)
    assert second.message.startswith("Repeats a URL already in tier 1")


def test_every_url_is_reported_with_its_tier_index():
    report = validate_tiers([["https://a.example.org/announce"], ["ftp://b"]], private=False)
    assert [(c.tier, c.url, c.level) for c in report.trackers] == [
        (0, "https://a.example.org/announce", VALID),
        (1, "ftp://b", INVALID),
    ]
    assert report.level == INVALID
    assert report.problems() == [
        "ftp://b (tier 2): Uses ftp://; a tracker needs http://, https://, udp:// or wss://"
    ]


def test_an_empty_tier_is_warned_about():
    report = validate_tiers([["https://a.example.org/announce"], []], private=False)
    assert [(m.level, m.message) for m in report.messages] == [
        (WARNING, "Tier 2 is empty; it is left out.")
    ]


def test_a_private_torrent_without_trackers_is_invalid():
    report = validate_tiers([], private=True)
    assert report.level == INVALID
    assert "A private torrent needs a tracker" in report.messages[0].message


def test_a_public_torrent_without_trackers_relies_on_dht():
    report = validate_tiers([], private=False)
    assert report.level == VALID
    assert "DHT" in report.messages[0].message


def test_a_private_torrent_with_a_public_tracker_is_warned_about():
    report = validate_tiers(
        [
            ["https://t.example.org/{passkey}/announce"],
            ["udp://tracker.opentrackr.org:1337/announce"],
        ],
        private=True,
    )
    assert report.level == WARNING
    assert "public tracker tracker.opentrackr.org" in report.messages[0].message


def test_web_seeds_on_a_private_torrent_are_warned_about():
    report = validate_tiers(
        [["https://t.example.org/{passkey}/announce"]],
        private=True,
        web_seeds=["https://seed.example.org/files/"],
    )
    assert report.level == WARNING
    assert report.messages[0].message.startswith("Web seeds on a private torrent")
    public = validate_tiers([], private=False, web_seeds=["https://seed.example.org/files/"])
    assert [m.level for m in public.messages] == [VALID]


def test_a_set_says_which_placeholders_it_needs():
    tiers = [
        ["https://a.example.org/{passkey}/announce"],
        ["https://b.example.org/{authkey}/{passkey}"],
    ]
    assert tiers_placeholders(tiers) == ["authkey", "passkey"]


def test_filling_replaces_each_placeholder_and_names_a_missing_one():
    url = "https://a.example.org/{passkey}/announce?auth={authkey}"
    filled = fill_placeholders(url, {"passkey": "abc", "authkey": "def"})
    assert filled == "https://a.example.org/abc/announce?auth=def"
    with pytest.raises(KeyError, match="authkey"):
        fill_placeholders(url, {"passkey": "abc"})


def test_filled_urls_per_url_decide_which_placeholders_are_unfilled():
    a, b = "https://a.example.org/{passkey}/announce", "https://b.example.org/{passkey}/announce"
    report = validate_tiers([[a], [b]], private=True, filled={a: {"passkey"}})
    assert [c.level for c in report.trackers] == [VALID, INVALID]


@pytest.mark.parametrize(
    ("template", "url", "matches"),
    [
        ("https://t.example/{passkey}/announce", "https://t.example/abc/announce", True),
        ("https://t.example/{passkey}/announce", "https://t.example//announce", False),
        ("https://t.example/{passkey}/announce", "https://t.example/a/b/announce", False),
        ("https://t.example/a?pk={passkey}&x=1", "https://t.example/a?pk=xyz&x=1", True),
        ("https://t.example/a?pk={passkey}&x=1", "https://t.example/a?pk=xyz&x=2", False),
        ("https://t.example/{a}{b}", "https://t.example/x", False),
        ("https://t.example/{a}{b}", "https://t.example/xy", True),
        ("https://t.example/{a}-{b}.x", "https://t.example/1-2-3.x", True),
        ("https://t.example/{a}-{b}.x", "https://t.example/1-.x", False),
        ("https://t.example/{NotOne}/{passkey}", "https://t.example/{NotOne}/k", True),
        ("https://t.example/{NotOne}/{passkey}", "https://t.example/x/k", False),
    ],
)
def test_a_template_matches_the_urls_its_placeholders_can_fill(template, url, matches):
    assert template_matcher(template).fullmatch(url) is matches


def test_placeholders_side_by_side_do_not_stall_the_match():
    """A regular expression took minutes on this (the whole process frozen with it)."""
    matcher = template_matcher("https://t.example/announce?k={a}{b}{c}{d}{e}{f}{g}{h}!")
    url = "https://t.example/announce?k=" + "a" * 5000
    result = []
    worker = threading.Thread(target=lambda: result.append(matcher.fullmatch(url)), daemon=True)
    worker.start()
    worker.join(timeout=60)  # generous: it takes microseconds; the regex took hours
    assert result == [False]
