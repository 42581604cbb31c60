"""Shared base for every configuration model.

Models are frozen (a loaded configuration never changes under a component),
reject unknown keys (a typo is an error, not a silently ignored setting) and
read the camelCase keys Pulumi users write in stack files. Each field's
docstring is its description in the generated docs/configuration.md.
"""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    """Base of all configuration models."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        strict=False,
        # A field's docstring is its description: docs/configuration.md is generated from them.
        use_attribute_docstrings=True,
    )
