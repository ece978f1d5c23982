"""The resolved ruleset: immutable, checked, ready for the compiler.

Every object keeps the :class:`~cpq.errors.SourceLocation` it was written at, so every later
answer (a violated rule, an excluded option, a BOM line) can point back to the YAML.

Example:
    >>> import cpq
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> rs.attributes["medium"].type
    'choice'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

from cpq.errors import SourceLocation
from cpq.ruleset.expr import Expr

__all__ = [
    "ANY",
    "AttrType",
    "Attribute",
    "BomItem",
    "Cell",
    "Product",
    "PropertyValue",
    "Rule",
    "RuleKind",
    "Ruleset",
    "Table",
    "Value",
]

AttrType: TypeAlias = Literal["choice", "multi", "bool", "int"]
RuleKind: TypeAlias = Literal["require", "exclude", "table"]
PropertyValue: TypeAlias = int | Decimal | str | bool


@dataclass(frozen=True, slots=True)
class Product:
    """The product a ruleset configures."""

    id: str
    name: str
    sku: str | None
    description: str | None
    lead_time_days: int | None
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Value:
    """A value of a choice or multi attribute."""

    id: str
    label: str
    sku: str | None
    properties: dict[str, PropertyValue]
    lead_time_days: int | None
    description: str | None
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute with its domain and default.

    ``default`` is a value id (choice), a tuple of ids (multi), a bool or an int, or ``None``.
    """

    name: str
    type: AttrType
    label: str
    description: str | None
    values: dict[str, Value]
    range: tuple[int, int] | None
    unit: str | None
    default: str | tuple[str, ...] | bool | int | None
    sku: str | None
    lead_time_days: int | None
    min_selected: int
    max_selected: int | None
    location: SourceLocation

    @property
    def value_ids(self) -> tuple[str, ...]:
        """The value ids in the order written."""
        return tuple(self.values)


@dataclass(frozen=True, slots=True)
class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
"""The table wildcard ``*``."""

Cell: TypeAlias = frozenset[str] | frozenset[bool] | frozenset[int] | _Any
"""A table cell: the set of values it matches, or ``ANY``."""


@dataclass(frozen=True, slots=True)
class Table:
    """An allowed- or forbidden-combination table."""

    columns: tuple[str, ...]
    mode: Literal["allow", "forbid"]
    rows: tuple[tuple[Cell, ...], ...]
    row_locations: tuple[SourceLocation, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked rule.

    ``require`` holds the required condition, ``exclude`` the conditions that may not hold
    together, ``table`` the table; ``when`` (optional) limits where the rule applies.
    ``texts`` keeps the source text of each expression for messages.
    """

    id: str
    kind: RuleKind
    message: str | None
    description: str | None
    when: Expr | None
    require: Expr | None
    exclude: tuple[Expr, ...]
    table: Table | None
    location: SourceLocation
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BomItem:
    """A derived bill-of-materials item: ``qty`` (an expression) of ``sku`` when ``when``."""

    id: str
    sku: str
    label: str
    qty: Expr
    when: Expr | None
    lead_time_days: int | None
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A loaded and checked ruleset (immutable; safe to share between threads)."""

    format_version: str
    product: Product
    attributes: dict[str, Attribute]
    rules: tuple[Rule, ...]
    bom: tuple[BomItem, ...]
    files: tuple[str, ...]

    @property
    def id(self) -> str:
        """The product id."""
        return self.product.id

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id.

        Raises:
            KeyError: when there is no such rule.
        """
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def skus(self) -> set[str]:
        """Every SKU the ruleset can put on a bill of materials."""
        out: set[str] = set()
        if self.product.sku:
            out.add(self.product.sku)
        for attr in self.attributes.values():
            if attr.sku:
                out.add(attr.sku)
            out.update(v.sku for v in attr.values.values() if v.sku)
        out.update(b.sku for b in self.bom)
        return out
