"""The pydantic base shared by every wire model: camelCase aliases, unknown fields ignored, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A frozen model read from ACS / Event Grid JSON; fields accept their camelCase wire name or snake_case."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)
