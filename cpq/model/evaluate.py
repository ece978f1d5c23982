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

Speed: :func:`check_values` and :func:`violated_rules` do not walk the rule trees on every
call. Each ruleset is compiled once (and cached; rulesets are immutable) into a flat form:

* every rule that is a propositional formula over yes/no attributes, ``choice == 'value'`` and
  ``'value' in multi`` (the rules of feature models and most compatibility rules) becomes a
  few clauses; each clause is one bit of a Python integer, and each attribute value maps to the
  bit mask of the clauses it satisfies, so a configuration is checked by OR-ing one mask per
  attribute (a rule is broken exactly when one of its clauses keeps its bit clear);
* every other rule (numbers, properties, tables) is compiled once into Python closures that
  compute exactly what the reference walk computes (same exact :class:`~fractions.Fraction`
  arithmetic, same semantics).

:func:`rule_holds` stays the straightforward walk over the expression tree; the tests check the
flat path against it on random rulesets and configurations.

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

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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
    ListLit,
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
    """Whether one rule holds under a full configuration (the reference walk over the rule's
    expressions; :func:`violated_rules` checks every rule at once on the compiled form).

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


# -- the flat, compiled form (the fast path) ---------------------------------------------------

_Fn: TypeAlias = Callable[[Values], object]
_Lit: TypeAlias = tuple[tuple[str, str | None], bool]
"""A clause literal: ``((attribute, value id or None), polarity)``."""
_Cnf: TypeAlias = list[frozenset[_Lit]]
"""Clauses (a conjunction of disjunctions); ``[]`` is true, ``[frozenset()]`` is false."""

_CNF_CAP = 64
"""Rules whose clause form would need more clauses than this are compiled to closures."""

_TRUE: _Cnf = []
_FALSE: _Cnf = [frozenset()]


def _truth(v: object) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"expected a condition, got {v!r}")
    return v


def _number(v: object) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, Fraction):
        raise TypeError(f"expected a number, got {v!r}")
    return v


class _Compiler:
    """Turns rules into clauses (when they are propositional) or closures (otherwise)."""

    def __init__(self, attributes: Mapping[str, Attribute]) -> None:
        self.attributes = attributes

    # clauses ---------------------------------------------------------------------------------

    def _atom(self, e: Expr) -> tuple[str, str | None] | None:
        """The atom of a yes/no attribute name, else None."""
        if isinstance(e, Name):
            attr = self.attributes.get(e.name)
            if attr is not None and attr.type == "bool":
                return (e.name, None)
        return None

    def cnf(self, e: Expr, neg: bool) -> _Cnf | None:
        """The clauses of ``e`` (of ``not e`` when ``neg``), or None when not propositional."""
        if isinstance(e, Literal_):
            if not isinstance(e.value, bool):
                return None
            return _TRUE if e.value != neg else _FALSE
        if isinstance(e, Name):
            atom = self._atom(e)
            return None if atom is None else [frozenset({(atom, not neg)})]
        if isinstance(e, Not):
            return self.cnf(e.operand, not neg)
        if isinstance(e, BoolOp):
            parts = [self.cnf(x, neg) for x in e.operands]
            if (e.op == "and") != neg:
                out: _Cnf = []
                for p in parts:
                    if p is None:
                        return None
                    out.extend(p)
                return out if len(out) <= _CNF_CAP else None
            return _disjunction(parts)
        if isinstance(e, Compare):
            return self._compare_cnf(e, neg)
        return None

    def _compare_cnf(self, e: Compare, neg: bool) -> _Cnf | None:
        op, left, right = e.op, e.left, e.right
        if op in ("==", "!="):
            if isinstance(left, Literal_) and isinstance(right, Name):
                left, right = right, left
            if not isinstance(left, Name) or not isinstance(right, Literal_):
                return None
            attr = self.attributes.get(left.name)
            lit = right.value
            if attr is None:
                return None
            positive = (op == "==") != neg
            if attr.type == "choice" and isinstance(lit, str):
                return [frozenset({((left.name, lit), positive)})]
            if attr.type == "bool" and isinstance(lit, bool):
                return [frozenset({((left.name, None), positive == lit)})]
            return None
        if op in ("in", "not in"):
            positive = (op == "in") != neg
            if isinstance(left, Literal_) and isinstance(right, Name):
                attr = self.attributes.get(right.name)
                if attr is None or attr.type != "multi" or not isinstance(left.value, str):
                    return None
                return [frozenset({((right.name, left.value), positive)})]
            if isinstance(left, Name) and isinstance(right, ListLit):
                attr = self.attributes.get(left.name)
                if attr is None or attr.type != "choice":
                    return None
                ids: list[str] = []
                for item in right.items:
                    if not isinstance(item, Literal_) or not isinstance(item.value, str):
                        return None
                    ids.append(item.value)
                lits = [((left.name, v), True) for v in ids]
                if positive:
                    return [frozenset(lits)]
                return [frozenset({(atom, False)}) for atom, _ in lits]
        return None

    def rule_cnf(self, rule: Rule) -> _Cnf | None:
        """The clauses of a rule, or None when it needs a closure."""
        parts: list[_Cnf | None] = []
        if rule.when is not None:
            parts.append(self.cnf(rule.when, True))
        if rule.kind == "require":
            assert rule.require is not None
            parts.append(self.cnf(rule.require, False))
        elif rule.kind == "exclude":
            parts.extend(self.cnf(x, True) for x in rule.exclude)
        else:
            return None
        return _disjunction(parts)

    # closures --------------------------------------------------------------------------------

    def fn(self, e: Expr) -> _Fn:
        """A closure computing what :class:`_Eval` computes for ``e``."""
        if isinstance(e, Literal_):
            raw = e.value
            const: object = raw if isinstance(raw, bool | str) else Fraction(raw)
            return lambda values: const
        if isinstance(e, Name):
            name = e.name
            if self.attributes[name].type == "int":
                return lambda values: _to_num(values[name])
            return lambda values: values[name]
        if isinstance(e, Prop):
            return self._prop_fn(e)
        if isinstance(e, Not):
            f = self.fn(e.operand)
            return lambda values: not _truth(f(values))
        if isinstance(e, BoolOp):
            fs = tuple(self.fn(x) for x in e.operands)
            if e.op == "and":
                return lambda values: all(_truth(f(values)) for f in fs)
            return lambda values: any(_truth(f(values)) for f in fs)
        if isinstance(e, Compare):
            return self._compare_fn(e)
        if isinstance(e, Arith):
            return self._arith_fn(e)
        if isinstance(e, Neg):
            g = self.fn(e.operand)
            return lambda values: -_number(g(values))
        if isinstance(e, Call):
            return self._call_fn(e)
        items = tuple(self.fn(x) for x in e.items)
        return lambda values: tuple(f(values) for f in items)

    def _prop_fn(self, e: Prop) -> _Fn:
        attr = self.attributes[e.attr]
        name, prop = e.attr, e.prop
        if attr.type == "multi":
            nums: dict[str, Fraction] = {}
            for vid, val in attr.values.items():
                try:
                    nums[vid] = _to_num(val.properties[prop])
                except (KeyError, TypeError):
                    continue  # fails when chosen, as in the reference walk
            order = tuple(attr.values)

            def multi(values: Values) -> object:
                chosen = values[name]
                assert isinstance(chosen, frozenset)
                return _Props(
                    nums[vid] if vid in nums else _to_num(attr.values[vid].properties[prop])
                    for vid in order
                    if vid in chosen
                )

            return multi
        scalars: dict[str, _Scalar] = {}
        for vid, val in attr.values.items():
            try:
                scalars[vid] = _prop(val.properties[prop])
            except (KeyError, TypeError):
                continue

        def one(values: Values) -> object:
            chosen = values[name]
            assert isinstance(chosen, str)
            hit = scalars.get(chosen)
            return hit if hit is not None else _prop(attr.values[chosen].properties[prop])

        return one

    def _compare_fn(self, e: Compare) -> _Fn:
        lf, rf = self.fn(e.left), self.fn(e.right)
        op = e.op
        if op in ("in", "not in"):
            want = op == "in"

            def member(values: Values) -> object:
                left, right = lf(values), rf(values)
                if not isinstance(right, frozenset | tuple):
                    raise TypeError(f"cannot test membership in {right!r}")
                return any(_same(left, x) for x in right) == want

            return member
        if op == "==":
            return lambda values: _same(lf(values), rf(values))
        if op == "!=":
            return lambda values: not _same(lf(values), rf(values))
        if op == "<":
            return lambda values: _to_num(lf(values)) < _to_num(rf(values))
        if op == "<=":
            return lambda values: _to_num(lf(values)) <= _to_num(rf(values))
        if op == ">":
            return lambda values: _to_num(lf(values)) > _to_num(rf(values))
        return lambda values: _to_num(lf(values)) >= _to_num(rf(values))

    def _arith_fn(self, e: Arith) -> _Fn:
        lf, rf = self.fn(e.left), self.fn(e.right)
        op = e.op
        if op == "+":
            return lambda values: _number(lf(values)) + _number(rf(values))
        if op == "-":
            return lambda values: _number(lf(values)) - _number(rf(values))
        if op == "*":
            return lambda values: _number(lf(values)) * _number(rf(values))

        def divide(values: Values) -> object:
            a, b = _number(lf(values)), _number(rf(values))
            if b == 0:
                return Fraction(0)
            return a / b if op == "/" else Fraction(a // b)

        return divide

    def _call_fn(self, e: Call) -> _Fn:
        fs = tuple(self.fn(a) for a in e.args)
        func = e.func

        def call(values: Values) -> object:
            args = [f(values) for f in fs]
            if func == "count":
                (s,) = args
                assert isinstance(s, frozenset)
                return Fraction(len(s))
            if func == "abs":
                return abs(_to_num(args[0]))
            if func == "sum":
                (props,) = args
                assert isinstance(props, _Props)
                return sum(props, Fraction(0))
            if len(args) == 1 and isinstance(args[0], _Props):
                nums = list(args[0])
                if not nums:
                    return Fraction(0)
            else:
                nums = [_to_num(a) for a in args]
            return min(nums) if func == "min" else max(nums)

        return call

    def rule_fn(self, rule: Rule) -> Callable[[Values], bool]:
        """A closure: whether the rule holds (what :func:`rule_holds` computes)."""
        when = None if rule.when is None else self.fn(rule.when)
        if rule.kind == "require":
            assert rule.require is not None
            req = self.fn(rule.require)

            def body(values: Values) -> bool:
                return _truth(req(values))

        elif rule.kind == "exclude":
            parts = tuple(self.fn(x) for x in rule.exclude)

            def body(values: Values) -> bool:
                return not all(_truth(f(values)) for f in parts)

        else:

            def body(values: Values) -> bool:
                return _table_holds(rule, values)

        if when is None:
            return body
        cond = when

        def guarded(values: Values) -> bool:
            return not _truth(cond(values)) or body(values)

        return guarded


def _disjunction(parts: list[_Cnf | None]) -> _Cnf | None:
    """The clauses of the disjunction of clause sets (None when a part is None or it is big)."""
    out: _Cnf = _FALSE
    for p in parts:
        if p is None:
            return None
        out = [a | b for a in out for b in p]
        if len(out) > _CNF_CAP:
            return None
    return [c for c in out if not any((atom, not pol) in c for atom, pol in c)]


@dataclass(frozen=True, slots=True)
class _Flat:
    """A ruleset compiled for fast checks (see the module docstring)."""

    rule_ids: tuple[str, ...]
    clause_rule: tuple[int, ...]
    """Per clause bit, the index of its rule."""
    every: int
    """A mask with every clause bit set."""
    single: tuple[tuple[str, dict[object, int], int], ...]
    """Yes/no and choice attributes: ``(name, value -> mask of clauses it satisfies, mask for
    a value of no atom)``."""
    multi: tuple[tuple[str, tuple[tuple[str, int, int], ...]], ...]
    """Multi attributes: ``(name, ((value id, mask when chosen, mask when not), ...))``."""
    closures: tuple[tuple[int, Callable[[Values], bool]], ...]
    """Rules checked by closures: ``(rule index, holds)``."""

    def violated(self, values: Values) -> list[str]:
        sat = 0
        for name, masks, other in self.single:
            sat |= masks.get(values[name], other)
        for name, members in self.multi:
            chosen = values[name]
            for vid, inside, outside in members:
                sat |= inside if vid in chosen else outside  # type: ignore[operator]
        bad_rules: set[int] = set()
        bad = self.every & ~sat
        clause_rule = self.clause_rule
        while bad:
            low = bad & -bad
            bad_rules.add(clause_rule[low.bit_length() - 1])
            bad ^= low
        for index, holds in self.closures:
            if not holds(values):
                bad_rules.add(index)
        ids = self.rule_ids
        return [ids[i] for i in sorted(bad_rules)]


def _flatten(ruleset: Ruleset) -> _Flat:
    attrs = ruleset.attributes
    comp = _Compiler(attrs)
    clause_rule: list[int] = []
    pos: dict[tuple[str, str | None], int] = {}
    neg: dict[tuple[str, str | None], int] = {}
    closures: list[tuple[int, Callable[[Values], bool]]] = []
    for index, rule in enumerate(ruleset.rules):
        clauses = comp.rule_cnf(rule)
        if clauses is None:
            closures.append((index, comp.rule_fn(rule)))
            continue
        for clause in clauses:
            bit = 1 << len(clause_rule)
            clause_rule.append(index)
            for atom, positive in clause:
                side = pos if positive else neg
                side[atom] = side.get(atom, 0) | bit
    atoms_of: dict[str, set[str | None]] = {}
    for name, value in (*pos, *neg):
        atoms_of.setdefault(name, set()).add(value)
    single: list[tuple[str, dict[object, int], int]] = []
    multi: list[tuple[str, tuple[tuple[str, int, int], ...]]] = []
    for name, attr in attrs.items():
        used = atoms_of.get(name)
        if not used:
            continue
        if attr.type == "bool":
            key = (name, None)
            single.append((name, {True: pos.get(key, 0), False: neg.get(key, 0)}, 0))
        elif attr.type == "choice":
            # the chosen value x makes the atom (name, v) true exactly when v == x: x satisfies
            # the clauses with (name, x) and those with "not (name, v)" for every other v
            negs = {v: neg.get((name, v), 0) for v in used}
            every_neg = 0
            for m in negs.values():
                every_neg |= m
            masks: dict[object, int] = {}
            for vid in (*attr.values, *(v for v in used if v is not None)):
                m = pos.get((name, vid), 0)
                for v, nm in negs.items():
                    if v != vid:
                        m |= nm
                masks[vid] = m
            single.append((name, masks, every_neg))
        elif attr.type == "multi":
            members = tuple(
                (v, pos.get((name, v), 0), neg.get((name, v), 0))
                for v in sorted(x for x in used if x is not None)
            )
            multi.append((name, members))
    return _Flat(
        tuple(r.id for r in ruleset.rules),
        tuple(clause_rule),
        (1 << len(clause_rule)) - 1,
        tuple(single),
        tuple(multi),
        tuple(closures),
    )


_FLAT: dict[int, tuple[Ruleset, _Flat]] = {}
_FLAT_LOCK = threading.Lock()
_FLAT_MAX = 32


def _flat(ruleset: Ruleset) -> _Flat:
    """The compiled form of a ruleset (compiled once, shared, thread-safe)."""
    key = id(ruleset)
    hit = _FLAT.get(key)
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    flat = _flatten(ruleset)
    with _FLAT_LOCK:
        if len(_FLAT) >= _FLAT_MAX:
            _FLAT.pop(next(iter(_FLAT)))
        _FLAT[key] = (ruleset, flat)
    return flat


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
    attributes = ruleset.attributes
    for name in values:
        if name not in attributes:
            raise UnknownSelectionError(f"there is no attribute '{name}'")
    missing = object()
    for name, attr in attributes.items():
        v = values.get(name, missing)
        if v is missing:
            raise ConfigurationError(f"the attribute '{name}' has no value")
        kind = attr.type
        # the common well-formed cases inline; everything else (and every error) below
        if (kind == "bool" and (v is True or v is False)) or (
            kind == "choice" and type(v) is str and v in attr.values
        ):
            out[name] = v
        else:
            out[name] = _check_value(attr, v)
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
    out.extend(_flat(ruleset).violated(canon))
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
    return _flat(ruleset).violated(values)
