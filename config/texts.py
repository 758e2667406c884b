"""Texts a .torrent carries (source tag, comment, category): what they may not contain."""

import re

# A control character there is a paste gone wrong, and trackers compare source tags byte for
# byte. A comment keeps its tabs and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_COMMENT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_characters_problem(field: str, value: str | None) -> str | None:
    """Why `value` cannot be the torrent's `field` ("comment" keeps tabs and line breaks)."""
    if not value:
        return None
    if field == "comment":
        if _CONTROL_IN_COMMENT.search(value):
            return "The comment cannot contain control characters other than tabs and line breaks."
        return None
    if _CONTROL.search(value):
        return f"The {field} cannot contain control characters."
    return None
