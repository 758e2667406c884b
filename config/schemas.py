"""Base for API bodies: Python names in code, camelCase on the wire (the first design's shape).

Endpoints that return a CamelSchema pass `by_alias=True` to the route decorator. Answers with
thousands of items (directory listings) are written as JSON directly: ninja's attribute access
goes through Django's template variable resolution, too slow for them (bench/browse.py).
"""

from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel


class CamelSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# A database id: positive, and within a 64-bit integer (a larger number overflows the database
# driver instead of being simply "not found").
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
