"""Writing a loaded ruleset back as canonical YAML, and comparing rulesets by content.

:func:`dump_ruleset` writes one self-contained product file (includes are inlined) that
:func:`~cpq.ruleset.load_ruleset` reads back to an equal ruleset. The output is canonical: keys
in a fixed order, every text in double quotes (so nothing can be read as a yes/no, a number or
a date by YAML 1.1), expressions written by :func:`~cpq.ruleset.expr.to_source`, tables as rows,
and ``Decimal`` properties written digit for digit.

:func:`ruleset_to_data` gives the content of a ruleset as plain data without source locations,
and :func:`ruleset_equal` compares two rulesets on it, strictly (``1``, ``True`` and
``Decimal('1')`` differ; so does the order of attributes and values).

Example:
    >>> from cpq.ruleset import load_ruleset
    >>> rs = load_ruleset("rulesets/pump")
    >>> text = dump_ruleset(rs)
    >>> text.splitlines()[0]
    'cpq: "1"'
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from cpq.ruleset.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLit,
    Literal_,
    Name,
    Neg,
    Not,
    Prop,
    to_source,
)
from cpq.ruleset.model import (
    ANY,
    Attribute,
    BomItem,
    Cell,
    Rule,
    Ruleset,
    Table,
    Value,
)

__all__ = ["dump_ruleset", "expr_to_data", "ruleset_equal", "ruleset_to_data"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
# Characters written as they are in a double-quoted scalar: YAML's printable set less the line
# breaks NEL, LS and PS (which YAML folds to a space) and the byte order mark.
_PRINTABLE = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back exactly."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _PRINTABLE.match(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _key(name: str) -> str:
    """A mapping key: bare when it is a plain word YAML keeps as text, else quoted."""
    if _PLAIN_KEY.match(name) and name.lower() not in _YAML11_WORDS:
        return name
    return _quote(name)


def _decimal(value: Decimal) -> str:
    """A Decimal in a form YAML tags as a number and ``Decimal()`` reads back identically.

    YAML 1.1 reads a number as a float only when it has a dot (and an exponent needs a sign),
    so ``Decimal('100')`` is written ``100.`` and ``Decimal('1.5E+3')`` ``15.e+2``.

    Example:
        >>> _decimal(Decimal("0.050")), _decimal(Decimal("100")), _decimal(Decimal("1.5E+3"))
        ('0.050', '100.', '15.e+2')
    """
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"cannot write {value} in a ruleset: only finite numbers")
    text = "".join(str(d) for d in digits)
    if exponent > 0:
        body = f"{text}.e+{exponent}"
    elif -exponent >= len(text):  # 0.05: leading zeros are not digits of the Decimal
        body = "0." + "0" * (-exponent - len(text)) + text
    else:
        point = len(text) + exponent
        body = f"{text[:point]}.{text[point:]}"
    return ("-" if sign else "") + body


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, str):
        return _quote(value)
    raise TypeError(f"cannot write {type(value).__name__} as a ruleset scalar")


def _flow(value: Any) -> str:
    """A scalar or a (nested) list on one line."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.item_start = False

    def line(self, indent: int, text: str) -> None:
        prefix = "  " * indent
        if self.item_start:  # the first key of a list item goes on the dash's line
            prefix = prefix[:-2] + "- "
            self.item_start = False
        self.lines.append(prefix + text)

    def field(self, indent: int, key: str, value: Any) -> None:
        """``key: value`` when ``value`` is set (``None`` is left out)."""
        if value is not None:
            self.line(indent, f"{_key(key)}: {_flow(value)}")

    def open(self, indent: int, key: str) -> None:
        self.line(indent, f"{_key(key)}:")

    def item(self, indent: int) -> int:
        """Start a list item; returns the indent of its mapping's keys."""
        self.item_start = True
        return indent + 1


def _cell(cell: Cell) -> Any:
    if cell is ANY:
        return "*"
    assert isinstance(cell, frozenset)
    items: list[Any] = sorted(cell)
    if items and all(isinstance(x, int) and not isinstance(x, bool) for x in items):
        items = _int_runs(items)
    if len(items) == 1 and items[0] != "*":  # a lone '*' would be the wildcard
        return items[0]
    return items


def _int_runs(numbers: list[int]) -> list[Any]:
    """Sorted whole numbers with runs of three or more written as ``'lo..hi'``."""
    out: list[Any] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{numbers[i]}..{numbers[j]}")
        else:
            out.extend(numbers[i : j + 1])
        i = j + 1
    return out


def _write_value(w: _Writer, indent: int, value: Value) -> None:
    w.open(indent, value.id)
    w.field(indent + 1, "label", value.label)
    w.field(indent + 1, "sku", value.sku)
    w.field(indent + 1, "lead_time_days", value.lead_time_days)
    w.field(indent + 1, "description", value.description)
    if value.properties:
        w.open(indent + 1, "properties")
        for name, prop in value.properties.items():
            w.field(indent + 2, name, prop)


def _write_attribute(w: _Writer, attr: Attribute) -> None:
    w.open(1, attr.name)
    w.field(2, "type", attr.type)
    w.field(2, "label", attr.label)
    w.field(2, "description", attr.description)
    if attr.type in ("choice", "multi"):
        w.open(2, "values")
        for value in attr.values.values():
            _write_value(w, 3, value)
    if attr.type == "int":
        w.field(2, "range", list(attr.range) if attr.range else None)
        w.field(2, "unit", attr.unit)
    if attr.type == "multi":
        w.field(2, "min_selected", attr.min_selected)
        w.field(2, "max_selected", attr.max_selected)
    if attr.type == "bool":
        w.field(2, "sku", attr.sku)
        w.field(2, "lead_time_days", attr.lead_time_days)
    default = attr.default
    w.field(2, "default", list(default) if isinstance(default, tuple) else default)


def _write_table(w: _Writer, indent: int, table: Table) -> None:
    w.open(indent, "table")
    w.field(indent + 1, "columns", list(table.columns))
    if not table.rows:
        w.field(indent + 1, table.mode, [])
    else:
        w.open(indent + 1, table.mode)
    for row in table.rows:
        w.line(indent + 2, f"- {_flow([_cell(c) for c in row])}")


def _write_rule(w: _Writer, rule: Rule) -> None:
    indent = w.item(1)
    w.field(indent, "id", rule.id)
    w.field(indent, "message", rule.message)
    w.field(indent, "description", rule.description)
    if rule.when is not None:
        w.field(indent, "when", to_source(rule.when))
    if rule.kind == "require" and rule.require is not None:
        w.field(indent, "require", to_source(rule.require))
    elif rule.kind == "exclude":
        w.field(indent, "exclude", [to_source(e) for e in rule.exclude])
    elif rule.table is not None:
        _write_table(w, indent, rule.table)


def _qty(qty: Expr) -> Any:
    if (
        isinstance(qty, Literal_)
        and isinstance(qty.value, int | Decimal)
        and not isinstance(qty.value, bool)
        and not (qty.value < 0 or (isinstance(qty.value, Decimal) and qty.value.is_signed()))
    ):
        return qty.value
    return to_source(qty)


def _write_bom(w: _Writer, item: BomItem) -> None:
    indent = w.item(1)
    w.field(indent, "id", item.id)
    w.field(indent, "sku", item.sku)
    w.field(indent, "label", item.label)
    w.field(indent, "qty", _qty(item.qty))
    if item.when is not None:
        w.field(indent, "when", to_source(item.when))
    w.field(indent, "lead_time_days", item.lead_time_days)


def dump_ruleset(ruleset: Ruleset) -> str:
    """Write ``ruleset`` as one canonical YAML product file (includes inlined).

    ``load_ruleset`` reads the result back to a ruleset equal to ``ruleset`` (see
    :func:`ruleset_equal`); only source locations and the original expression text differ.

    Example:
        >>> from cpq.ruleset import load_ruleset
        >>> print(dump_ruleset(load_ruleset("rulesets/pump")).splitlines()[1])
        product:
    """
    w = _Writer()
    w.field(0, "cpq", ruleset.format_version)
    product = ruleset.product
    w.open(0, "product")
    w.field(1, "id", product.id)
    w.field(1, "name", product.name)
    w.field(1, "sku", product.sku)
    w.field(1, "description", product.description)
    w.field(1, "lead_time_days", product.lead_time_days)
    if ruleset.attributes:
        w.open(0, "attributes")
        for attr in ruleset.attributes.values():
            _write_attribute(w, attr)
    if ruleset.rules:
        w.open(0, "rules")
        for rule in ruleset.rules:
            _write_rule(w, rule)
    if ruleset.bom:
        w.open(0, "bom")
        for item in ruleset.bom:
            _write_bom(w, item)
    return "\n".join(w.lines) + "\n"


# -- comparison ---------------------------------------------------------------------------


def expr_to_data(expr: Expr) -> Any:
    """An expression as nested plain data without spans (for comparisons and test output).

    Example:
        >>> from cpq.ruleset.expr import parse_expr
        >>> expr_to_data(parse_expr("not a"))
        ('not', ('name', 'a'))
    """
    e = expr
    if isinstance(e, Literal_):
        return ("literal", e.value)
    if isinstance(e, Name):
        return ("name", e.name)
    if isinstance(e, Prop):
        return ("prop", e.attr, e.prop)
    if isinstance(e, Not):
        return ("not", expr_to_data(e.operand))
    if isinstance(e, BoolOp):
        return (e.op, *(expr_to_data(x) for x in e.operands))
    if isinstance(e, Compare | Arith):
        return (e.op, expr_to_data(e.left), expr_to_data(e.right))
    if isinstance(e, Neg):
        return ("neg", expr_to_data(e.operand))
    if isinstance(e, Call):
        return ("call", e.func, *(expr_to_data(a) for a in e.args))
    assert isinstance(e, ListLit)
    return ("list", *(expr_to_data(i) for i in e.items))


def _cell_data(cell: Cell) -> Any:
    if isinstance(cell, frozenset):
        return sorted(cell)
    return "*"


def _opt_expr(expr: Expr | None) -> Any:
    return None if expr is None else expr_to_data(expr)


def ruleset_to_data(ruleset: Ruleset) -> dict[str, Any]:
    """The content of a ruleset as plain data: no source locations, files or source texts.

    Example:
        >>> from cpq.ruleset import load_ruleset
        >>> data = ruleset_to_data(load_ruleset("rulesets/pump"))
        >>> data["product"]["id"]
        'cp-pump'
    """
    p = ruleset.product
    return {
        "format_version": ruleset.format_version,
        "product": {
            "id": p.id,
            "name": p.name,
            "sku": p.sku,
            "description": p.description,
            "lead_time_days": p.lead_time_days,
        },
        "attributes": {
            a.name: {
                "type": a.type,
                "label": a.label,
                "description": a.description,
                "values": {
                    v.id: {
                        "label": v.label,
                        "sku": v.sku,
                        "properties": dict(v.properties),
                        "lead_time_days": v.lead_time_days,
                        "description": v.description,
                    }
                    for v in a.values.values()
                },
                "range": a.range,
                "unit": a.unit,
                "default": a.default,
                "sku": a.sku,
                "lead_time_days": a.lead_time_days,
                "min_selected": a.min_selected,
                "max_selected": a.max_selected,
            }
            for a in ruleset.attributes.values()
        },
        "rules": [
            {
                "id": r.id,
                "kind": r.kind,
                "message": r.message,
                "description": r.description,
                "when": _opt_expr(r.when),
                "require": _opt_expr(r.require),
                "exclude": [expr_to_data(e) for e in r.exclude],
                "table": None
                if r.table is None
                else {
                    "columns": list(r.table.columns),
                    "mode": r.table.mode,
                    "rows": [[_cell_data(c) for c in row] for row in r.table.rows],
                },
            }
            for r in ruleset.rules
        ],
        "bom": [
            {
                "id": b.id,
                "sku": b.sku,
                "label": b.label,
                "qty": expr_to_data(b.qty),
                "when": _opt_expr(b.when),
                "lead_time_days": b.lead_time_days,
            }
            for b in ruleset.bom
        ],
    }


def _strict(value: Any) -> Any:
    """Data in a form where ``==`` also compares types and the order of mappings."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _strict(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_strict(v) for v in value))
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    return (type(value).__name__, value)


def ruleset_equal(a: Ruleset, b: Ruleset) -> bool:
    """Whether two rulesets have the same content, ignoring where things were written.

    Stricter than comparing :func:`ruleset_to_data` with ``==``: types must match (``1`` is not
    ``True`` nor ``Decimal('1')``, and ``Decimal('1.0')`` is not ``Decimal('1.00')``), and so
    must the order of attributes, values and properties.

    Example:
        >>> from cpq.ruleset import load_ruleset
        >>> ruleset_equal(load_ruleset("rulesets/pump"), load_ruleset("rulesets/pump"))
        True
    """
    return bool(_strict(ruleset_to_data(a)) == _strict(ruleset_to_data(b)))
