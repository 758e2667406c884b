"""Base for API bodies: Python names in code, camelCase on the wire (the first design's shape).

Endpoints that return a CamelSchema pass `by_alias=True` to the route decorator. It is a plain
pydantic model, not ninja's Schema: ninja's attribute access goes through Django's template
variable resolution, which made a 10,000-entry listing take half a second to serialise.
"""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelSchema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)
