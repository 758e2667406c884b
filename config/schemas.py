"""Base for API bodies: Python names in code, camelCase on the wire (the first design's shape).

Endpoints that return a CamelSchema pass `by_alias=True` to the route decorator. Answers with
thousands of items (directory listings) are written as JSON directly: ninja's attribute access
goes through Django's template variable resolution, too slow for them (bench/browse.py).
"""

import re
from typing import Annotated, Any, ClassVar

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

# NUL (PostgreSQL cannot store it) and lone surrogates (JSON's "\ud800": no UTF-8 encodes it,
# so no file name, database or .torrent can hold it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, list | tuple):
        return any(_unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    return False


class CamelSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
    # Fields whose service refuses these characters itself, with its own status and words.
    text_checked_by_service: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        # ninja reads a schema's fields as attributes of whatever the body is: a JSON list,
        # string or number passed as a body that set nothing (`[]` made a default plan).
        # Answers are made from dicts and objects, never from these.
        raw = value._obj if isinstance(value, DjangoGetter) else value
        if raw is None or isinstance(raw, list | str | int | float | bool):
            raise ValueError("Must be a JSON object.")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value, info: ValidationInfo):
        # Refused here with the field's name, not a 500 where it is stored or encoded.
        if info.field_name not in cls.text_checked_by_service and _unstorable(value):
            raise ValueError(
                "Text cannot contain NUL characters or unpaired surrogates (\\ud800-\\udfff)."
            )
        return value


# A database id: positive, and within a 64-bit integer (a larger number overflows the database
# driver instead of being simply "not found").
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
