"""Base for API bodies: Python names in code, camelCase on the wire (the first design's shape).

Endpoints that return a CamelSchema pass `by_alias=True` to the route decorator. Answers with
thousands of items (directory listings) are written as JSON directly: ninja's attribute access
goes through Django's template variable resolution, too slow for them (bench/browse.py).
"""

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class CamelSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        # PostgreSQL cannot store NUL in text: refused here with the field's name, not a 500.
        if _has_nul(value):
            raise ValueError("Text cannot contain NUL characters.")
        return value


# A database id: positive, and within a 64-bit integer (a larger number overflows the database
# driver instead of being simply "not found").
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
