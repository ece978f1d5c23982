"""The independent evaluator: checks a full configuration against the rules, without a solver.

It works directly on the ruleset's expressions (not on the compiled IR), with exact rational
arithmetic, so it is a real oracle for the compiler and the backends, and the final guard every
configuration the engine returns passes through.

Semantics (the compiler implements the same ones; ``docs/engine.md`` has the full list):

* a rule without ``when`` always applies; with ``when`` only when it holds;
* ``require: c`` holds when ``c`` holds; ``exclude: [c1, c2, ...]`` when not all ``ci`` hold;
  an ``allow`` table when the columns' values match at least one row, a ``forbid`` table when
  they match none;
* numbers are exact: ``5.5`` is 11/2, ``a / b`` is exact division, ``a // b`` rounds towards
  minus infinity; dividing by zero gives 0;
* ``sum`` of a multi attribute's property over no chosen value is 0, ``min``/``max`` over no
  chosen value are 0 too; ``count`` counts the chosen values;
* a multi attribute's ``min_selected``/``max_selected`` bounds are checked as well and reported
  as ``<attribute>:selection``.

A configuration (:data:`Values`) maps every attribute to its value: a value id (choice), a set
of value ids (multi), a bool or an int.

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> rs = demo_ruleset()
    >>> values = {"medium": "sea_water", "flow_m3h": 100, "material": "cast_iron",
    ...           "atex": False, "accessories": frozenset(), "motor": "m110"}
    >>> violated_rules(rs, values)
    ['sea-water-needs-duplex']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from cpq.errors import ConfigurationError, UnknownSelectionError
from cpq.ruleset.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    Literal_,
    Name,
    Neg,
    Not,
    Prop,
)
from cpq.ruleset.model import ANY, Attribute, Rule, Ruleset, Table

__all__ = [
    "Value",
    "Values",
    "check_values",
    "eval_expr",
    "normalize_values",
    "rule_holds",
    "violated_rules",
]

Value: TypeAlias = str | frozenset[str] | bool | int
"""The value of one attribute: a value id, a set of value ids, a bool or an int."""
Values: TypeAlias = Mapping[str, Value]
"""A full configuration: every attribute mapped to its value."""

# Internal run-time values of expressions.
_Num: TypeAlias = Fraction
_Scalar: TypeAlias = Fraction | str | bool


class _Props(tuple[Fraction, ...]):
    """The numeric property of every chosen value of a multi attribute."""

    __slots__ = ()


_RT: TypeAlias = Fraction | str | bool | frozenset[str] | _Props | tuple[object, ...]


def _to_num(v: object) -> Fraction:
    if isinstance(v, bool):
        raise TypeError("a yes/no value is not a number")
    if isinstance(v, int | Decimal | Fraction):
        return Fraction(v)
    raise TypeError(f"not a number: {v!r}")


def _prop(v: object) -> _Scalar:
    if isinstance(v, bool | str):
        return v
    return _to_num(v)


def eval_expr(ruleset: Ruleset, expr: Expr, values: Values) -> object:
    """Evaluate one expression of the ruleset under a full configuration.

    Numbers come back as :class:`fractions.Fraction`, conditions as ``bool``, value ids as
    ``str`` and multi attributes as ``frozenset``.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.ruleset.expr import parse_expr
        >>> rs = demo_ruleset()
        >>> eval_expr(rs, parse_expr("flow_m3h // 50 + 2"), {"flow_m3h": 120})
        Fraction(4, 1)
    """
    return _Eval(ruleset.attributes, values).ev(expr)


class _Eval:
    def __init__(self, attributes: Mapping[str, Attribute], values: Values) -> None:
        self.attributes = attributes
        self.values = values

    def ev(self, e: Expr) -> _RT:
        if isinstance(e, Literal_):
            v = e.value
            if isinstance(v, bool | str):
                return v
            return Fraction(v)
        if isinstance(e, Name):
            attr = self.attributes[e.name]
            val = self.values[e.name]
            if attr.type == "int":
                return _to_num(val)
            if attr.type == "multi":
                assert isinstance(val, frozenset)
                return val
            assert isinstance(val, bool | str)
            return val
        if isinstance(e, Prop):
            attr = self.attributes[e.attr]
            chosen = self.values[e.attr]
            if attr.type == "multi":
                assert isinstance(chosen, frozenset)
                return _Props(
                    _to_num(attr.values[vid].properties[e.prop])
                    for vid in attr.values
                    if vid in chosen
                )
            assert isinstance(chosen, str)
            return _prop(attr.values[chosen].properties[e.prop])
        if isinstance(e, Not):
            return not self.truth(e.operand)
        if isinstance(e, BoolOp):
            if e.op == "and":
                return all(self.truth(x) for x in e.operands)
            return any(self.truth(x) for x in e.operands)
        if isinstance(e, Compare):
            return self.compare(e)
        if isinstance(e, Arith):
            a, b = self.num(e.left), self.num(e.right)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op == "*":
                return a * b
            if b == 0:
                return Fraction(0)
            if e.op == "/":
                return a / b
            return Fraction(a // b)
        if isinstance(e, Neg):
            return -self.num(e.operand)
        if isinstance(e, Call):
            return self.call(e)
        return tuple(self.ev(x) for x in e.items)

    def truth(self, e: Expr) -> bool:
        v = self.ev(e)
        if not isinstance(v, bool):
            raise TypeError(f"expected a condition, got {v!r}")
        return v

    def num(self, e: Expr) -> Fraction:
        v = self.ev(e)
        if isinstance(v, bool) or not isinstance(v, Fraction):
            raise TypeError(f"expected a number, got {v!r}")
        return v

    def compare(self, e: Compare) -> bool:
        left, right = self.ev(e.left), self.ev(e.right)
        op = e.op
        if op in ("in", "not in"):
            if isinstance(right, frozenset | tuple):
                found = any(_same(left, x) for x in right)
            else:
                raise TypeError(f"cannot test membership in {right!r}")
            return found if op == "in" else not found
        if op == "==":
            return _same(left, right)
        if op == "!=":
            return not _same(left, right)
        a, b = _to_num(left), _to_num(right)
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b

    def call(self, e: Call) -> Fraction:
        args = [self.ev(a) for a in e.args]
        if e.func == "count":
            (s,) = args
            assert isinstance(s, frozenset)
            return Fraction(len(s))
        if e.func == "abs":
            return abs(_to_num(args[0]))
        if e.func == "sum":
            (props,) = args
            assert isinstance(props, _Props)
            return sum(props, Fraction(0))
        if len(args) == 1 and isinstance(args[0], _Props):
            nums = list(args[0])
            if not nums:
                return Fraction(0)
        else:
            nums = [_to_num(a) for a in args]
        return min(nums) if e.func == "min" else max(nums)


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _tag(v: object) -> tuple[bool, object]:
    """Values tagged so that ``True`` and ``1`` stay different."""
    return (isinstance(v, bool), v)


_TableIndex: TypeAlias = tuple[
    dict[tuple[bool, object], list[tuple[frozenset[tuple[bool, object]] | None, ...]]],
    list[tuple[frozenset[tuple[bool, object]] | None, ...]],
]
_TABLES: dict[int, tuple[Table, _TableIndex]] = {}


def _table_index(table: Table) -> _TableIndex:
    """Rows with tagged cells, indexed by the first column's value (computed once per table)."""
    hit = _TABLES.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    rows = [
        tuple(None if cell is ANY else frozenset(_tag(x) for x in cell) for cell in row)  # type: ignore[union-attr]
        for row in table.rows
    ]
    by_first: dict[
        tuple[bool, object], list[tuple[frozenset[tuple[bool, object]] | None, ...]]
    ] = {}
    wild = [r for r in rows if r[0] is None]
    for r in rows:
        if r[0] is not None:
            for key in r[0]:
                by_first.setdefault(key, []).append(r)
    index = (by_first, wild)
    if len(_TABLES) > 4096:
        _TABLES.clear()
    _TABLES[id(table)] = (table, index)
    return index


def _table_holds(rule: Rule, values: Values) -> bool:
    table = rule.table
    assert table is not None
    by_first, wild = _table_index(table)
    tagged = [_tag(values[c]) for c in table.columns]
    matched = False
    for rows in (by_first.get(tagged[0], ()), wild):
        for row in rows:
            if all(cell is None or v in cell for cell, v in zip(row, tagged, strict=True)):
                matched = True
                break
        if matched:
            break
    return matched if table.mode == "allow" else not matched


def rule_holds(ruleset: Ruleset, rule: Rule, values: Values) -> bool:
    """Whether one rule holds under a full configuration.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> rule_holds(rs, rs.rule("atex-no-sensor"), {"atex": False, "accessories": frozenset()})
        True
    """
    ev = _Eval(ruleset.attributes, values)
    if rule.when is not None and not ev.truth(rule.when):
        return True
    if rule.kind == "require":
        assert rule.require is not None
        return ev.truth(rule.require)
    if rule.kind == "exclude":
        return not all(ev.truth(x) for x in rule.exclude)
    return _table_holds(rule, values)


def normalize_values(ruleset: Ruleset, values: Mapping[str, object]) -> dict[str, Value]:
    """Check a full configuration's shape and bring it into canonical form.

    Multi values become ``frozenset``; every attribute must have a value of the right type.

    Raises:
        UnknownSelectionError: an unknown attribute or value id, or a value of the wrong type.
        ConfigurationError: an attribute has no value.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> v = normalize_values(rs, {"medium": "water", "flow_m3h": 10, "material": "duplex",
        ...     "atex": True, "accessories": ["flange_kit"], "motor": "m55"})
        >>> v["accessories"]
        frozenset({'flange_kit'})
    """
    out: dict[str, Value] = {}
    for name in values:
        if name not in ruleset.attributes:
            raise UnknownSelectionError(f"there is no attribute '{name}'")
    for name, attr in ruleset.attributes.items():
        if name not in values:
            raise ConfigurationError(f"the attribute '{name}' has no value")
        out[name] = _check_value(attr, values[name])
    return out


def _check_value(attr: Attribute, v: object) -> Value:
    name = attr.name
    if attr.type == "bool":
        if not isinstance(v, bool):
            raise UnknownSelectionError(f"'{name}' is yes/no; got {v!r}")
        return v
    if attr.type == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            raise UnknownSelectionError(f"'{name}' is a whole number; got {v!r}")
        assert attr.range is not None
        if not attr.range[0] <= v <= attr.range[1]:
            raise UnknownSelectionError(f"{v} is outside the range {list(attr.range)} of '{name}'")
        return v
    if attr.type == "choice":
        if not isinstance(v, str) or v not in attr.values:
            raise UnknownSelectionError(f"{v!r} is not a value of '{name}'")
        return v
    if isinstance(v, str) or not isinstance(v, Iterable):
        raise UnknownSelectionError(f"'{name}' takes a set of value ids; got {v!r}")
    items = frozenset(v)
    for item in items:
        if item not in attr.values:
            raise UnknownSelectionError(f"{item!r} is not a value of '{name}'")
    return items


def _selection_ok(attr: Attribute, v: Value) -> bool:
    assert isinstance(v, frozenset)
    n = len(v)
    return n >= attr.min_selected and (attr.max_selected is None or n <= attr.max_selected)


def check_values(ruleset: Ruleset, values: Mapping[str, object]) -> list[str]:
    """Normalise a full configuration and list what it violates.

    Returns rule ids in ruleset order, preceded by ``<attribute>:selection`` for every multi
    attribute whose number of chosen values is out of bounds. An empty list means valid.

    Raises:
        UnknownSelectionError: an unknown attribute or value id, or a value of the wrong type.
        ConfigurationError: an attribute has no value.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> check_values(rs, {"medium": "water", "flow_m3h": 200, "material": "cast_iron",
        ...     "atex": False, "accessories": [], "motor": "m55"})
        ['motor-sizing']
    """
    canon = normalize_values(ruleset, values)
    out = [
        f"{a.name}:selection"
        for a in ruleset.attributes.values()
        if a.type == "multi" and not _selection_ok(a, canon[a.name])
    ]
    out.extend(r.id for r in ruleset.rules if not rule_holds(ruleset, r, canon))
    return out


def violated_rules(ruleset: Ruleset, values: Values) -> list[str]:
    """The ids of the rules a full configuration violates, in ruleset order.

    Unlike :func:`check_values` this does not check the configuration's shape (it is the
    fast path for configurations the engine built itself).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> violated_rules(rs, {"medium": "water", "flow_m3h": 50, "material": "cast_iron",
        ...     "atex": True, "accessories": frozenset({"vibration_sensor"}), "motor": "m55"})
        ['atex-no-sensor']
    """
    return [r.id for r in ruleset.rules if not rule_holds(ruleset, r, values)]
