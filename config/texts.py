"""Texts a job hands on (source tag, comment, qBittorrent category): what they may not hold."""

import re

# A control character there is a paste gone wrong, and trackers compare source tags byte for
# byte. A comment keeps its tabs and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_COMMENT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def torrent_text_problem(field: str, value: str | None) -> str | None:
    """Why `value` cannot be a job's `field` ("source", "comment" or "category"), or None."""
    if not value:
        return None
    if field == "comment":
        if _CONTROL_IN_COMMENT.search(value):
            return "The comment cannot contain control characters other than tabs and line breaks."
        return None
    if _CONTROL.search(value):
        return f"The {field} cannot contain control characters."
    # qBittorrent drops a category it finds malformed (Session::isValidCategoryName) and adds
    # the torrent without one: "/" separates subcategories, "\" is refused.
    if field == "category" and (
        "\\" in value or value.startswith("/") or value.endswith("/") or "//" in value
    ):
        return (
            "A category cannot start or end with '/', hold '//' or hold '\\' "
            "(qBittorrent would add the torrent without it)."
        )
    # qBittorrent takes "." and ".." as subcategories, and a category's save path is its
    # names under the default save path: "../../etc" points outside it.
    if field == "category" and any(part in (".", "..") for part in value.split("/")):
        return "A category cannot have '.' or '..' as a part (its folder would lie elsewhere)."
    return None
