"""What a qBittorrent can do, from its app/version, app/webapiVersion and app/buildInfo. Pure.

Every version difference the app cares about is answered here and nowhere else. WebAPI versions
are from qBittorrent's WebAPI_Changelog.md and its release tags.
"""

import re
from dataclasses import asdict, dataclass

Version = tuple[int, ...]

CREATOR = (2, 10, 4)  # torrentcreator/* (qBittorrent 5.0)
DIRECTORY_CONTENT = (2, 11)  # app/getDirectoryContent with mode=all|dirs|files (5.0)
WITH_METADATA = (2, 11, 8)  # getDirectoryContent withMetadata (5.2); 204 for empty answers
DECODES_URLS = (2, 11, 6)  # torrentcreator/addTask percent-decodes each tracker and seed URL
LOGIN_401 = (2, 14, 0)  # auth/login: 401 on bad credentials; torrents/add answers JSON
SEED_MODE = (2, 16, 0)  # torrents/add seedMode (skip_checking no longer accepted)
EPOCH_TIMES = (2, 16, 0)  # torrentcreator/status times as Unix seconds, not text
IGNORE_DOTFILES = (2, 16, 0)  # torrentcreator/addTask ignoreDotfiles


def parse_version(text: str) -> Version:
    """`v5.1.0` -> (5, 1, 0); `2.11.4` -> (2, 11, 4); `5.1.0beta1` -> (5, 1, 0)."""
    numbers = re.findall(r"\d+", text.split("beta")[0].split("rc")[0])
    return tuple(int(n) for n in numbers[:4])


def version_text(version: Version) -> str:
    return ".".join(str(n) for n in version)


@dataclass(frozen=True)
class Capabilities:
    app_version: str  # as qBittorrent says it: "v5.1.0"
    webapi_version: str  # "2.11.4"
    libtorrent_version: str  # "2.0.11.0"; "" when buildInfo was not available

    @property
    def _webapi(self) -> Version:
        return parse_version(self.webapi_version)

    @property
    def _libtorrent_major(self) -> int:
        version = parse_version(self.libtorrent_version)
        return version[0] if version else 0

    @property
    def creator(self) -> bool:
        return self._webapi >= CREATOR

    @property
    def directory_content(self) -> bool:
        return self._webapi >= DIRECTORY_CONTENT

    @property
    def with_metadata(self) -> bool:
        return self._webapi >= WITH_METADATA

    @property
    def epoch_timestamps(self) -> bool:
        return self._webapi >= EPOCH_TIMES

    @property
    def ignore_dotfiles(self) -> bool:
        return self._webapi >= IGNORE_DOTFILES

    @property
    def creator_decodes_urls(self) -> bool:
        """addTask percent-decodes each URL (after 5.1): they must be sent percent-encoded."""
        return self._webapi >= DECODES_URLS

    @property
    def seed_mode_param(self) -> str:
        """The torrents/add parameter that adds a torrent as complete, without a recheck."""
        return "seedMode" if self._webapi >= SEED_MODE else "skip_checking"

    @property
    def login_answer(self) -> str:
        """`status`: 204/401 from WebAPI 2.14; `text`: 200 with "Ok."/"Fails." before."""
        return "status" if self._webapi >= LOGIN_401 else "text"

    @property
    def add_answer(self) -> str:
        """`json` (counts and added ids) from WebAPI 2.14; `text` ("Ok."/"Fails.") before."""
        return "json" if self._webapi >= LOGIN_401 else "text"

    @property
    def formats(self) -> tuple[str, ...]:
        """Torrent formats the creator accepts: v2 and hybrid need a libtorrent 2 build."""
        if not self.creator:
            return ()
        return ("v1", "v2", "hybrid") if self._libtorrent_major >= 2 else ("v1",)

    def torrent_id(self, info_hash_v1: str | None, info_hash_v2: str | None) -> str:
        """The id this qBittorrent knows a torrent by: a libtorrent 2 build takes the v2 info
        hash cut to 40 digits whenever there is one (a hybrid's too); 1.2 reads v1 only."""
        if info_hash_v2 and (self._libtorrent_major >= 2 or not info_hash_v1):
            return info_hash_v2[:40]
        return info_hash_v1 or ""

    @property
    def alignment_options(self) -> bool:
        """optimizeAlignment/paddedFileSizeLimit exist only on libtorrent 1.2 builds."""
        return self.creator and 0 < self._libtorrent_major < 2

    def missing(self, feature: str) -> str:
        """Why a feature is unavailable, in words, with the version that brings it."""
        needs = {"creator": "5.0", "directory_content": "5.0", "with_metadata": "5.2"}
        return (
            f"{self.app_version} (WebAPI {self.webapi_version}) is too old: this needs "
            f"qBittorrent {needs.get(feature, 'a newer version')} or later."
        )

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "creator": self.creator,
            "directory_content": self.directory_content,
            "with_metadata": self.with_metadata,
            "epoch_timestamps": self.epoch_timestamps,
            "ignore_dotfiles": self.ignore_dotfiles,
            "formats": list(self.formats),
            "alignment_options": self.alignment_options,
            "login_answer": self.login_answer,
            "add_answer": self.add_answer,
            "seed_mode_param": self.seed_mode_param,
            "creator_decodes_urls": self.creator_decodes_urls,
        }
