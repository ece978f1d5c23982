"""The structure of a ruleset file, as strict pydantic models (also the source of the JSON Schema).

These models check keys and basic types only; names, references, expressions and everything
that needs the whole ruleset are checked by :mod:`cpq.ruleset.resolve`.

Example:
    >>> spec = RulesetFile.model_validate({"cpq": "1", "product": {"id": "p", "name": "P"}})
    >>> spec.product.id
    'p'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AttributeSpec",
    "BomSpec",
    "LibrarySpec",
    "ProductSpec",
    "RuleSpec",
    "RulesetFile",
    "TableSpec",
    "ValueSpec",
    "all_field_names",
    "ruleset_json_schema",
]

FORMAT_VERSION = "1"

_CONFIG = ConfigDict(strict=True, extra="forbid", frozen=True)

Scalar = str | int | Decimal | bool


class ProductSpec(BaseModel):
    """``product:`` the configurable product."""

    model_config = _CONFIG
    id: str = Field(description="Product id, e.g. cp-pump.")
    name: str = Field(description="Product name shown to buyers.")
    sku: str | None = Field(None, description="Base SKU of the product.")
    description: str | None = None
    lead_time_days: int | None = Field(None, description="Lead time of the base product in days.")


class LibrarySpec(BaseModel):
    """``library:`` a file of shared attributes and rules, included by products."""

    model_config = _CONFIG
    id: str
    name: str | None = None
    description: str | None = None


class ValueSpec(BaseModel):
    """One value of a ``choice`` or ``multi`` attribute."""

    model_config = _CONFIG
    label: str | None = Field(None, description="Name shown to buyers; defaults to the id.")
    sku: str | None = Field(None, description="Article number added to the bill of materials.")
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Free numeric or text properties, e.g. power_kw: 5.5.",
        json_schema_extra={
            "additionalProperties": {"type": ["number", "string", "boolean"]},
        },
    )
    lead_time_days: int | None = Field(None, description="Lead time of this option in days.")
    description: str | None = None


class AttributeSpec(BaseModel):
    """An attribute: what the buyer chooses."""

    model_config = _CONFIG
    type: Literal["choice", "multi", "bool", "int"] = Field(
        description="choice: exactly one value; multi: any number of values; bool: yes/no; "
        "int: a whole number in a range."
    )
    label: str | None = None
    description: str | None = None
    values: dict[str, ValueSpec | None] | None = Field(
        None, description="The values of a choice or multi attribute, by id."
    )
    range: list[int] | None = Field(None, description="[min, max] of an int attribute.")
    unit: str | None = Field(None, description="Unit of an int attribute, e.g. m3/h.")
    default: Any = Field(
        None,
        description="Default value (a value id, a list of ids for multi, true/false, a number).",
        json_schema_extra={"type": ["string", "integer", "boolean", "array"]},
    )
    sku: str | None = Field(None, description="SKU added when a bool attribute is true.")
    lead_time_days: int | None = Field(None, description="Lead time when a bool is true.")
    property_defaults: dict[str, Any] = Field(
        default_factory=dict,
        description="Property values for values that do not set them.",
        json_schema_extra={"additionalProperties": {"type": ["number", "string", "boolean"]}},
    )
    min_selected: int | None = Field(None, description="multi: fewest values to choose.")
    max_selected: int | None = Field(None, description="multi: most values to choose.")


class TableSpec(BaseModel):
    """An allowed- or forbidden-combination table."""

    model_config = _CONFIG
    columns: list[str] = Field(description="Attribute names, one per column.")
    allow: list[list[Any]] | None = Field(
        None,
        description="Rows of allowed combinations; '*' matches anything, a list matches any "
        "of its values, 'lo..hi' a range of an int attribute.",
    )
    forbid: list[list[Any]] | None = Field(None, description="Rows of forbidden combinations.")


class RuleSpec(BaseModel):
    """A rule: exactly one of ``require``, ``exclude`` or ``table``, optionally with ``when``."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "oneOf": [
                {"required": ["require"]},
                {"required": ["exclude"]},
                {"required": ["table"]},
            ]
        },
    )
    id: str = Field(description="Unique rule id, e.g. sea-water-needs-duplex.")
    message: str | None = Field(None, description="Plain-language text shown when it applies.")
    description: str | None = None
    when: str | None = Field(None, description="The rule applies only when this holds.")
    require: str | None = Field(None, description="A condition that must hold.")
    exclude: list[str] | None = Field(
        None, description="Conditions that may not all hold together."
    )
    table: TableSpec | None = None


class BomSpec(BaseModel):
    """A derived bill-of-materials item."""

    model_config = _CONFIG
    sku: str
    id: str | None = None
    label: str | None = None
    qty: Any = Field(
        1,
        description="A number or an expression, e.g. 'flow_m3h // 50 + 2'.",
        json_schema_extra={"type": ["integer", "number", "string"]},
    )
    when: str | None = Field(None, description="The item is added only when this holds.")
    lead_time_days: int | None = None


class RulesetFile(BaseModel):
    """A ruleset file: a product (``product:``) or a shared library (``library:``)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        title="cpq ruleset",
        json_schema_extra={
            "oneOf": [{"required": ["product"]}, {"required": ["library"]}],
        },
    )
    cpq: str = Field(description='Format version; write "1" in quotes.')
    product: ProductSpec | None = None
    library: LibrarySpec | None = None
    include: list[str] = Field(
        default_factory=list, description="Library files to include, relative to this file."
    )
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    bom: list[BomSpec] = Field(default_factory=list)


_MODELS: tuple[type[BaseModel], ...] = (
    RulesetFile,
    ProductSpec,
    LibrarySpec,
    AttributeSpec,
    ValueSpec,
    RuleSpec,
    TableSpec,
    BomSpec,
)


def all_field_names() -> list[str]:
    """Every key the format knows (for "did you mean" hints)."""
    names: list[str] = []
    for model in _MODELS:
        names.extend(n for n in model.model_fields if n not in names)
    return names


def ruleset_json_schema() -> dict[str, Any]:
    """The JSON Schema of ruleset files (written by ``cpq schema``).

    Example:
        >>> ruleset_json_schema()["title"]
        'cpq ruleset'
    """
    schema = RulesetFile.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cpqkit.dev/schema/ruleset-1.json"
    props = schema.get("properties", {})
    if "cpq" in props:
        props["cpq"]["const"] = FORMAT_VERSION
    return schema
