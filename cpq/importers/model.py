"""The data structure every importer produces, and its conversion to ruleset data.

An :class:`ImportedModel` is a product ruleset in memory: attributes, rules, plus what the
import found worth telling (warnings, notes and constraints that were left out on request). The
shared writer (:mod:`cpq.importers.writer`) turns it into cpq YAML; :meth:`ImportedModel.to_dict`
gives the same content as plain data.

Example:
    >>> m = ImportedModel("dimacs", "tiny.cnf", "tiny", "tiny")
    >>> m.attributes.append(ImportedAttribute("a", "bool"))
    >>> m.rules.append(ImportedRule("c1", require="a"))
    >>> m.to_dict()["rules"]
    [{'id': 'c1', 'require': 'a'}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from cpq.errors import Issue

__all__ = [
    "ANY_CELL",
    "Cell",
    "ImportedAttribute",
    "ImportedModel",
    "ImportedRule",
    "ImportedTable",
    "ImportedValue",
    "PropertyValue",
]

PropertyValue: TypeAlias = int | Decimal | str | bool
Cell: TypeAlias = str | bool
"""A table cell: a value id, ``True``/``False`` for a bool column, or ``"*"`` (any)."""
ANY_CELL = "*"


@dataclass(slots=True)
class ImportedValue:
    """One value of a choice attribute."""

    id: str
    label: str | None = None
    description: str | None = None
    properties: dict[str, PropertyValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``values:`` entry (empty when the value has nothing but its id)."""
        out: dict[str, Any] = {}
        if self.label is not None:
            out["label"] = self.label
        if self.description is not None:
            out["description"] = self.description
        if self.properties:
            out["properties"] = dict(self.properties)
        return out


@dataclass(slots=True)
class ImportedAttribute:
    """A bool or choice attribute; ``source`` is the name in the original file."""

    name: str
    type: Literal["bool", "choice"]
    label: str | None = None
    description: str | None = None
    values: list[ImportedValue] = field(default_factory=list)
    source: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``attributes:`` entry."""
        out: dict[str, Any] = {"type": self.type}
        if self.label is not None:
            out["label"] = self.label
        if self.description is not None:
            out["description"] = self.description
        if self.type == "choice":
            out["values"] = {v.id: v.to_dict() for v in self.values}
        return out


@dataclass(slots=True)
class ImportedTable:
    """An allow or forbid table; rows hold :data:`Cell` values in column order."""

    columns: list[str]
    mode: Literal["allow", "forbid"]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``table:`` entry."""
        return {"columns": list(self.columns), self.mode: [list(r) for r in self.rows]}


@dataclass(slots=True)
class ImportedRule:
    """A ``require`` rule (optionally with ``when``) or a ``table`` rule."""

    id: str
    require: str | None = None
    when: str | None = None
    table: ImportedTable | None = None
    description: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``rules:`` entry."""
        out: dict[str, Any] = {"id": self.id}
        if self.description is not None:
            out["description"] = self.description
        if self.when is not None:
            out["when"] = self.when
        if self.require is not None:
            out["require"] = self.require
        if self.table is not None:
            out["table"] = self.table.to_dict()
        return out


@dataclass(slots=True)
class ImportedModel:
    """A ruleset imported from a foreign format.

    Attributes:
        format: ``uvl``, ``xcsp`` or ``dimacs``.
        source: the file it was read from, as given.
        product_id: product id (letters, digits, ``_``, ``-``, ``.``).
        product_name: product name.
        attributes: the attributes, in the order of the source.
        rules: the rules, in the order of the source.
        warnings: things the import could not carry over exactly, as warning issues.
        notes: facts about the import, written as comments at the top of the YAML.
        skipped: constraints left out on request (``skip_unsupported``), one line each,
            written as comments so nothing disappears silently.
        stats: counts of what was read (features, constraints, variables, tuples...).
    """

    format: str
    source: str
    product_id: str
    product_name: str
    attributes: list[ImportedAttribute] = field(default_factory=list)
    rules: list[ImportedRule] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ruleset as plain data, exactly what the YAML file holds.

        Example:
            >>> ImportedModel("uvl", "m.uvl", "m", "M").to_dict()
            {'cpq': '1', 'product': {'id': 'm', 'name': 'M'}, 'attributes': {}, 'rules': []}
        """
        return {
            "cpq": "1",
            "product": {"id": self.product_id, "name": self.product_name},
            "attributes": {a.name: a.to_dict() for a in self.attributes},
            "rules": [r.to_dict() for r in self.rules],
        }

    def to_yaml(self) -> str:
        """The ruleset as cpq YAML text (see :func:`cpq.importers.writer.to_yaml`)."""
        from cpq.importers.writer import to_yaml

        return to_yaml(self)
