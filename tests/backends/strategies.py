"""Hypothesis strategies for small random IR models, and the brute-force oracle.

:func:`models` draws a :class:`~cpq.model.ir.ConstraintModel` built directly from IR classes
(not through the compiler), so that every node type appears in shapes the compiler never
produces: choice attributes without an "exactly one" domain constraint (a table column then
reads the *first* true value, or none), tables over int columns with values outside the range,
negative coefficients, floor division by expressions that can be zero or negative, and so on.

:func:`brute_force` is the oracle: every assignment of a small model, checked with
:func:`cpq.model.ir.eval_bool`.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from cpq.model.ir import (
    Abs,
    And,
    Assignment,
    AttributeVars,
    BoolConst,
    BoolExpr,
    BoolToInt,
    BoolVar,
    Compare,
    CompareOp,
    Constraint,
    ConstraintKind,
    ConstraintModel,
    FloorDiv,
    IfThenElse,
    Implies,
    IntConst,
    IntVar,
    Linear,
    Max,
    Min,
    Mul,
    Not,
    NumExpr,
    Or,
    Table,
    TableCell,
    eval_bool,
)
from cpq.solve.base import Assumption

OPS: tuple[CompareOp, ...] = ("==", "!=", "<", "<=", ">", ">=")


# -- the oracle -------------------------------------------------------------------------------


def all_assignments(model: ConstraintModel) -> Iterator[Assignment]:
    """Every assignment of the model's variables (valid or not), in a fixed order."""
    ranges = [range(v.lo, v.hi + 1) for v in model.int_vars]
    for bools in itertools.product((False, True), repeat=len(model.bool_vars)):
        for ints in itertools.product(*ranges):
            yield Assignment(bools, tuple(ints))


def satisfies(
    model: ConstraintModel,
    a: Assignment,
    assumptions: Sequence[Assumption] = (),
    rules: Collection[str] | None = None,
) -> bool:
    """Whether ``a`` satisfies the assumptions, the domain constraints and the enabled rules."""
    for c in model.constraints:
        if c.rule_id is not None and rules is not None and c.rule_id not in rules:
            continue
        if not eval_bool(c.expr, a):
            return False
    return all(eval_bool(x, a) for x in assumptions)


def brute_force(
    model: ConstraintModel,
    assumptions: Sequence[Assumption] = (),
    rules: Collection[str] | None = None,
) -> list[Assignment]:
    """Every solution, by enumerating all assignments."""
    return [a for a in all_assignments(model) if satisfies(model, a, assumptions, rules)]


# -- models -----------------------------------------------------------------------------------


@dataclass
class _Vars:
    bools: list[BoolVar]
    ints: list[IntVar]
    attrs: list[AttributeVars]


@st.composite
def _variables(draw: st.DrawFn, max_bools: int, max_ints: int) -> _Vars:
    bools: list[BoolVar] = []
    ints: list[IntVar] = []
    attrs: list[AttributeVars] = []
    budget = draw(st.integers(0, max_bools))
    n_ints = draw(st.integers(0, max_ints))
    k = 0
    while len(bools) < budget:
        name = f"a{k}"
        kind = draw(st.sampled_from(("choice", "bool", "multi")))
        size = 1 if kind == "bool" else draw(st.integers(1, min(3, budget - len(bools))))
        if kind == "bool":
            v = BoolVar(len(bools), name, name, None)
            bools.append(v)
            attrs.append(AttributeVars(name, "bool", (), (v,)))
        else:
            values = tuple(f"v{i}" for i in range(size))
            sep = "=" if kind == "choice" else "+"
            lits = []
            for value in values:
                lit = BoolVar(len(bools), f"{name}{sep}{value}", name, value)
                bools.append(lit)
                lits.append(lit)
            attrs.append(AttributeVars(name, kind, values, tuple(lits)))
        k += 1
    for j in range(n_ints):
        name = f"n{j}"
        lo = draw(st.integers(-3, 3))
        iv = IntVar(j, name, name, lo, lo + draw(st.integers(0, 3)))
        ints.append(iv)
        attrs.append(AttributeVars(name, "int", (), (), iv))
    return _Vars(bools, ints, attrs)


def _num(v: _Vars, depth: int, empty_cells: bool) -> st.SearchStrategy[NumExpr]:
    leaves: list[st.SearchStrategy[NumExpr]] = [st.builds(IntConst, st.integers(-4, 4))]
    if v.ints:
        leaves.append(st.sampled_from(v.ints))
    if v.bools:
        leaves.append(st.sampled_from(v.bools).map(BoolToInt))
    leaf = st.one_of(leaves)
    if depth <= 0:
        return leaf
    sub = st.deferred(lambda: _num(v, depth - 1, empty_cells))
    cond = st.deferred(lambda: _bool(v, depth - 1, empty_cells))
    return st.one_of(
        leaf,
        st.builds(
            Linear,
            st.lists(st.tuples(st.integers(-3, 3), sub), max_size=3).map(tuple),
            st.integers(-3, 3),
        ),
        st.builds(Mul, sub, sub),
        st.builds(FloorDiv, sub, sub),
        st.builds(Min, st.lists(sub, min_size=1, max_size=3).map(tuple)),
        st.builds(Max, st.lists(sub, min_size=1, max_size=3).map(tuple)),
        st.builds(Abs, sub),
        st.builds(IfThenElse, cond, sub, sub),
        st.builds(BoolToInt, cond),
    )


@st.composite
def _table(draw: st.DrawFn, v: _Vars, empty_cells: bool) -> Table:
    cols = [a for a in v.attrs if a.type != "multi"]
    chosen = draw(st.lists(st.sampled_from(cols), min_size=1, max_size=3))
    rows: list[tuple[TableCell, ...]] = []
    least = 0 if empty_cells else 1
    for _ in range(draw(st.integers(0, 4))):
        cells: list[TableCell] = []
        for col in chosen:
            if draw(st.integers(0, 3)) == 0:
                cells.append(None)
            elif col.type == "bool":
                cells.append(frozenset(draw(st.lists(st.booleans(), min_size=least, max_size=2))))
            elif col.type == "int":
                assert col.int_var is not None
                lo, hi = col.int_var.lo, col.int_var.hi
                cells.append(
                    frozenset(
                        draw(st.lists(st.integers(lo - 1, hi + 1), min_size=least, max_size=3))
                    )
                )
            else:
                pool = [*col.values, "zz"]
                cells.append(
                    frozenset(draw(st.lists(st.sampled_from(pool), min_size=least, max_size=2)))
                )
        rows.append(tuple(cells))
    mode = draw(st.sampled_from(("allow", "forbid")))
    return Table(tuple(chosen), tuple(rows), mode)


def _bool(v: _Vars, depth: int, empty_cells: bool) -> st.SearchStrategy[BoolExpr]:
    leaves: list[st.SearchStrategy[BoolExpr]] = [st.builds(BoolConst, st.booleans())]
    if v.bools:
        leaves.append(st.sampled_from(v.bools))
    if v.ints:
        leaves.append(
            st.builds(
                Compare, st.sampled_from(OPS), st.sampled_from(v.ints), _num(v, 0, empty_cells)
            )
        )
    if [a for a in v.attrs if a.type != "multi"]:
        leaves.append(_table(v, empty_cells))
    leaf = st.one_of(leaves)
    if depth <= 0:
        return leaf
    sub = st.deferred(lambda: _bool(v, depth - 1, empty_cells))
    num = _num(v, depth - 1, empty_cells)
    return st.one_of(
        leaf,
        st.builds(Not, sub),
        st.builds(And, st.lists(sub, max_size=3).map(tuple)),
        st.builds(Or, st.lists(sub, max_size=3).map(tuple)),
        st.builds(Implies, sub, sub),
        st.builds(Compare, st.sampled_from(OPS), num, num),
    )


def _domain_constraint(av: AttributeVars, lo: int, hi: int | None) -> Constraint:
    count = Linear(tuple((1, BoolToInt(x)) for x in av.lits))
    if av.type == "choice":
        expr: BoolExpr = Compare("==", count, IntConst(1))
    else:
        parts: list[BoolExpr] = [Compare(">=", count, IntConst(lo))]
        if hi is not None:
            parts.append(Compare("<=", count, IntConst(hi)))
        expr = And(tuple(parts))
    return Constraint(expr, "domain", None, None, av.attribute)


@st.composite
def models(
    draw: st.DrawFn,
    *,
    max_bools: int = 6,
    max_ints: int = 2,
    max_rules: int = 4,
    depth: int = 2,
    unusual: bool = False,
) -> ConstraintModel:
    """A small random IR model: at most ``2**max_bools * 4**max_ints`` assignments.

    Every choice attribute gets its "exactly one" domain constraint and multi attributes
    sometimes get selection bounds; rules are random formulas of the given depth (some
    constant), one constraint per rule id, as the compiler makes them.

    ``unusual`` also draws what the IR allows but the compiler never produces: choice
    attributes without their domain constraint (a table column then reads the first true
    value, or none), several constraints under one rule id, and table cells that match no
    value at all.
    """
    v = draw(_variables(max_bools, max_ints))
    constraints: list[Constraint] = []
    for av in v.attrs:
        if av.type == "choice" and (not unusual or draw(st.integers(0, 4)) > 0):
            constraints.append(_domain_constraint(av, 1, 1))
        elif av.type == "multi" and draw(st.booleans()):
            lo = draw(st.integers(0, len(av.lits)))
            hi = draw(st.one_of(st.none(), st.integers(lo, len(av.lits))))
            constraints.append(_domain_constraint(av, lo, hi))
    n_rules = draw(st.integers(0, max_rules))
    for r in range(n_rules):
        expr = draw(_bool(v, depth, unusual))
        rid = f"r{draw(st.integers(0, r))}" if unusual else f"r{r}"
        kind: ConstraintKind = "table" if isinstance(expr, Table) else "require"
        constraints.append(Constraint(expr, kind, rid, None))
    attrs = tuple(v.attrs)
    return ConstraintModel("random", attrs, tuple(v.bools), tuple(v.ints), tuple(constraints))


@st.composite
def assumptions(draw: st.DrawFn, model: ConstraintModel, max_size: int = 3) -> list[Assumption]:
    """User choices: variables, negated variables and bounds on integers (maybe contradictory)."""
    pool: list[st.SearchStrategy[Assumption]] = []
    if model.bool_vars:
        lit = st.sampled_from(model.bool_vars)
        pool.append(lit)
        pool.append(lit.map(Not))
    for iv in model.int_vars:
        pool.append(
            st.builds(
                Compare,
                st.sampled_from(OPS),
                st.just(iv),
                st.integers(iv.lo - 1, iv.hi + 1).map(IntConst),
            )
        )
    if not pool:
        return []
    return draw(st.lists(st.one_of(pool), max_size=max_size))


@st.composite
def rule_subsets(draw: st.DrawFn, model: ConstraintModel) -> set[str] | None:
    """``None`` (every rule) or a subset of the model's rule ids."""
    ids = sorted(set(model.rule_ids()))
    if draw(st.booleans()):
        return None
    return set(draw(st.lists(st.sampled_from(ids), unique=True))) if ids else set()


def numbers(model: ConstraintModel, depth: int = 2) -> st.SearchStrategy[NumExpr]:
    """Random numeric expressions over the model's variables (for objectives)."""
    v = _Vars(list(model.bool_vars), list(model.int_vars), list(model.attributes))
    return _num(v, depth, True)
