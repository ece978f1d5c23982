"""The solver-neutral constraint model (IR) that every backend translates.

A :class:`ConstraintModel` has

* one :class:`BoolVar` per value of a ``choice`` or ``multi`` attribute and one per ``bool``
  attribute; for a choice attribute exactly one of its value variables is true (a ``domain``
  constraint says so), for a multi attribute each variable says whether the value is chosen;
* one :class:`IntVar` per ``int`` attribute, with the attribute's range as bounds;
* a list of :class:`Constraint` objects, each one Boolean formula that must hold, tagged with the
  rule id, the :class:`~cpq.errors.SourceLocation` and the kind (``domain``, ``require``,
  ``exclude`` or ``table``). A rule compiles to exactly one constraint, so a backend can switch a
  rule on and off with one selector (assumption) literal and an unsatisfiable core names rules.

Formulas (:data:`BoolExpr`) are built from :class:`BoolVar`, :class:`BoolConst`, :class:`Not`,
:class:`And`, :class:`Or`, :class:`Implies`, :class:`Compare` (two numeric expressions) and
:class:`Table` (allowed or forbidden combinations of attribute values). Numeric expressions
(:data:`NumExpr`) are integer-valued and exact: :class:`IntConst`, :class:`IntVar`,
:class:`BoolToInt`, :class:`Linear`, :class:`Mul`, :class:`FloorDiv`, :class:`Min`,
:class:`Max`, :class:`Abs` and :class:`IfThenElse`. The compiler turns decimal properties and true
division into integer arithmetic (see ``docs/engine.md``), so no backend ever sees a float.

This module imports neither a solver nor pydantic. It also has a small reference interpreter
(:func:`eval_bool`, :func:`eval_num`) that backends without their own expression support (the
pure-Python one) can call, and that tests use to check the compiler against the independent
evaluator of :mod:`cpq.model.evaluate`.

Example:
    >>> a = BoolVar(0, "atex", "atex", None)
    >>> x = IntVar(0, "flow", "flow", 5, 400)
    >>> rule = Implies(a, Compare("<=", x, IntConst(100)))
    >>> eval_bool(rule, Assignment((True,), (80,)))
    True
    >>> eval_bool(rule, Assignment((True,), (120,)))
    False
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

from cpq.errors import SourceLocation

__all__ = [
    "Abs",
    "And",
    "Assignment",
    "AttrType",
    "AttributeVars",
    "BoolConst",
    "BoolExpr",
    "BoolToInt",
    "BoolVar",
    "Compare",
    "CompareOp",
    "Constraint",
    "ConstraintKind",
    "ConstraintModel",
    "FloorDiv",
    "IfThenElse",
    "Implies",
    "IntConst",
    "IntVar",
    "Linear",
    "Max",
    "Min",
    "Mul",
    "Not",
    "NumExpr",
    "Objective",
    "Or",
    "Table",
    "TableCell",
    "eval_bool",
    "eval_num",
    "iter_children",
]

AttrType: TypeAlias = Literal["choice", "multi", "bool", "int"]
CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
ConstraintKind: TypeAlias = Literal["domain", "require", "exclude", "table"]


# -- variables ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoolVar:
    """A Boolean decision variable (also a formula: true when the variable is true).

    Attributes:
        index: position in :attr:`ConstraintModel.bool_vars` (0-based, dense).
        name: readable name: ``medium=water``, ``accessories+flange_kit`` or ``atex``.
        attribute: the attribute it belongs to.
        value: the value id for choice and multi attributes, ``None`` for a bool attribute.
    """

    index: int
    name: str
    attribute: str
    value: str | None


@dataclass(frozen=True, slots=True)
class IntVar:
    """A bounded integer decision variable (also a numeric expression).

    Attributes:
        index: position in :attr:`ConstraintModel.int_vars` (0-based, dense).
        name: the attribute name.
        attribute: the attribute it belongs to.
        lo: smallest value (inclusive).
        hi: largest value (inclusive).
    """

    index: int
    name: str
    attribute: str
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class AttributeVars:
    """The variables of one attribute.

    Attributes:
        attribute: the attribute name.
        type: ``choice``, ``multi``, ``bool`` or ``int``.
        values: value ids of a choice or multi attribute (in ruleset order); empty otherwise.
        lits: one variable per value (choice, multi) or the single variable of a bool attribute.
        int_var: the variable of an int attribute.
        min_selected: fewest values of a multi attribute (0 otherwise).
        max_selected: most values of a multi attribute (``None``: no limit).
    """

    attribute: str
    type: AttrType
    values: tuple[str, ...]
    lits: tuple[BoolVar, ...]
    int_var: IntVar | None = None
    min_selected: int = 0
    max_selected: int | None = None

    def lit(self, value: str) -> BoolVar:
        """The variable of one value id of a choice or multi attribute.

        Raises:
            KeyError: when the attribute has no such value.
        """
        try:
            return self.lits[self.values.index(value)]
        except ValueError:
            raise KeyError(value) from None


# -- Boolean formulas -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoolConst:
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    arg: BoolExpr


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction (true for no arguments)."""

    args: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction (false for no arguments)."""

    args: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class Implies:
    """``cond -> then``; rules with ``when:`` compile to this."""

    cond: BoolExpr
    then: BoolExpr


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison of two integer expressions."""

    op: CompareOp
    left: NumExpr
    right: NumExpr


TableCell: TypeAlias = frozenset[str] | frozenset[bool] | frozenset[int] | None
"""The values a table cell matches (value ids, booleans or integers); ``None`` matches any."""


@dataclass(frozen=True, slots=True)
class Table:
    """Allowed (``allow``) or forbidden (``forbid``) combinations of attribute values.

    ``allow`` holds when the columns' values match at least one row; ``forbid`` holds when they
    match none. Columns are choice, bool or int attributes.
    """

    columns: tuple[AttributeVars, ...]
    rows: tuple[tuple[TableCell, ...], ...]
    mode: Literal["allow", "forbid"]


BoolExpr: TypeAlias = BoolVar | BoolConst | Not | And | Or | Implies | Compare | Table


# -- numeric expressions --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntConst:
    """An integer constant."""

    value: int


@dataclass(frozen=True, slots=True)
class BoolToInt:
    """1 when the formula holds, else 0."""

    arg: BoolExpr


@dataclass(frozen=True, slots=True)
class Linear:
    """``sum(coef * term) + constant`` with integer coefficients."""

    terms: tuple[tuple[int, NumExpr], ...]
    constant: int = 0


@dataclass(frozen=True, slots=True)
class Mul:
    """Product of two expressions (non-linear)."""

    left: NumExpr
    right: NumExpr


@dataclass(frozen=True, slots=True)
class FloorDiv:
    """Floor division as in Python (rounds towards minus infinity); ``x // 0`` is ``0``."""

    left: NumExpr
    right: NumExpr


@dataclass(frozen=True, slots=True)
class Min:
    """The smallest argument (at least one)."""

    args: tuple[NumExpr, ...]


@dataclass(frozen=True, slots=True)
class Max:
    """The largest argument (at least one)."""

    args: tuple[NumExpr, ...]


@dataclass(frozen=True, slots=True)
class Abs:
    """Absolute value."""

    arg: NumExpr


@dataclass(frozen=True, slots=True)
class IfThenElse:
    """``then`` when ``cond`` holds, else ``orelse``."""

    cond: BoolExpr
    then: NumExpr
    orelse: NumExpr


NumExpr: TypeAlias = (
    IntConst | IntVar | BoolToInt | Linear | Mul | FloorDiv | Min | Max | Abs | IfThenElse
)


# -- model ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constraint:
    """One formula that must hold, with where it came from.

    Attributes:
        expr: the formula.
        kind: ``domain`` (an attribute's own domain: one value of a choice, the selection bounds
            of a multi), ``require``, ``exclude`` or ``table``.
        rule_id: the rule id (``None`` for domain constraints).
        location: where the rule (or the attribute, for domain constraints) is written.
        attribute: for domain constraints, the attribute they belong to.
    """

    expr: BoolExpr
    kind: ConstraintKind
    rule_id: str | None
    location: SourceLocation | None
    attribute: str | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    """Something to minimise or maximise (used by optimising backends)."""

    expr: NumExpr
    sense: Literal["min", "max"] = "min"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A full assignment: one bool per :class:`BoolVar` and one int per :class:`IntVar`.

    Both tuples are indexed by the variables' ``index``.
    """

    bools: tuple[bool, ...]
    ints: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ConstraintModel:
    """The compiled, immutable model of a ruleset (safe to share between threads).

    Attributes:
        product_id: the id of the ruleset's product.
        attributes: the variables of every attribute, in ruleset order.
        bool_vars: every Boolean variable, by index.
        int_vars: every integer variable, by index.
        constraints: domain constraints first, then one constraint per rule in ruleset order.
    """

    product_id: str
    attributes: tuple[AttributeVars, ...]
    bool_vars: tuple[BoolVar, ...]
    int_vars: tuple[IntVar, ...]
    constraints: tuple[Constraint, ...]
    _by_name: Mapping[str, AttributeVars] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self._by_name and self.attributes:
            object.__setattr__(
                self, "_by_name", MappingProxyType({a.attribute: a for a in self.attributes})
            )

    def attribute(self, name: str) -> AttributeVars:
        """The variables of one attribute.

        Raises:
            KeyError: when there is no such attribute.
        """
        return self._by_name[name]

    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules, in order (domain constraints have none)."""
        return tuple(c.rule_id for c in self.constraints if c.rule_id is not None)


# -- reference interpreter ------------------------------------------------------------------


def _floordiv(a: int, b: int) -> int:
    return 0 if b == 0 else a // b


def eval_num(e: NumExpr, a: Assignment) -> int:
    """The value of a numeric expression under a full assignment.

    Example:
        >>> x = IntVar(0, "n", "n", 0, 9)
        >>> eval_num(FloorDiv(Linear(((3, x),), 1), IntConst(2)), Assignment((), (5,)))
        8
    """
    if isinstance(e, IntConst):
        return e.value
    if isinstance(e, IntVar):
        return a.ints[e.index]
    if isinstance(e, BoolToInt):
        return 1 if eval_bool(e.arg, a) else 0
    if isinstance(e, Linear):
        return e.constant + sum(c * eval_num(t, a) for c, t in e.terms)
    if isinstance(e, Mul):
        return eval_num(e.left, a) * eval_num(e.right, a)
    if isinstance(e, FloorDiv):
        return _floordiv(eval_num(e.left, a), eval_num(e.right, a))
    if isinstance(e, Min):
        return min(eval_num(x, a) for x in e.args)
    if isinstance(e, Max):
        return max(eval_num(x, a) for x in e.args)
    if isinstance(e, Abs):
        return abs(eval_num(e.arg, a))
    return eval_num(e.then, a) if eval_bool(e.cond, a) else eval_num(e.orelse, a)


def _cell_value(col: AttributeVars, a: Assignment) -> str | bool | int | None:
    if col.type == "int":
        assert col.int_var is not None
        return a.ints[col.int_var.index]
    if col.type == "bool":
        return a.bools[col.lits[0].index]
    for value, lit in zip(col.values, col.lits, strict=True):
        if a.bools[lit.index]:
            return value
    return None


def eval_bool(e: BoolExpr, a: Assignment) -> bool:
    """Whether a formula holds under a full assignment.

    Example:
        >>> p, q = BoolVar(0, "p", "p", None), BoolVar(1, "q", "q", None)
        >>> eval_bool(Or((Not(p), q)), Assignment((True, False)))
        False
    """
    if isinstance(e, BoolVar):
        return a.bools[e.index]
    if isinstance(e, BoolConst):
        return e.value
    if isinstance(e, Not):
        return not eval_bool(e.arg, a)
    if isinstance(e, And):
        return all(eval_bool(x, a) for x in e.args)
    if isinstance(e, Or):
        return any(eval_bool(x, a) for x in e.args)
    if isinstance(e, Implies):
        return (not eval_bool(e.cond, a)) or eval_bool(e.then, a)
    if isinstance(e, Compare):
        x, y = eval_num(e.left, a), eval_num(e.right, a)
        op = e.op
        if op == "==":
            return x == y
        if op == "!=":
            return x != y
        if op == "<":
            return x < y
        if op == "<=":
            return x <= y
        if op == ">":
            return x > y
        return x >= y
    row_values = [_cell_value(c, a) for c in e.columns]
    matched = any(
        all(cell is None or v in cell for cell, v in zip(row, row_values, strict=True))
        for row in e.rows
    )
    return matched if e.mode == "allow" else not matched


def iter_children(e: BoolExpr | NumExpr) -> Iterator[BoolExpr | NumExpr]:
    """The direct sub-expressions of a node (for generic traversals).

    Example:
        >>> p = BoolVar(0, "p", "p", None)
        >>> list(iter_children(Not(p))) == [p]
        True
    """
    if isinstance(e, Not | BoolToInt | Abs):
        yield e.arg
    elif isinstance(e, And | Or | Min | Max):
        yield from e.args
    elif isinstance(e, Implies):
        yield e.cond
        yield e.then
    elif isinstance(e, Compare | Mul | FloorDiv):
        yield e.left
        yield e.right
    elif isinstance(e, Linear):
        for _, t in e.terms:
            yield t
    elif isinstance(e, IfThenElse):
        yield e.cond
        yield e.then
        yield e.orelse
