"""The OR-Tools CP-SAT backend: optimisation, numeric-heavy models and counting.

This is the only module that imports ``ortools``. :class:`CpSatBackend` translates a
:class:`~cpq.model.ir.ConstraintModel` once per session into a ``CpModel``:

* every :class:`~cpq.model.ir.BoolVar` becomes a Boolean variable and every
  :class:`~cpq.model.ir.IntVar` an integer variable with the same bounds;
* constraints without a rule id (the attributes' domains) are posted as they are; each rule gets
  one *selector* literal and its formula is posted under it, so a call switches rules on and off
  with assumptions and an unsatisfiable answer names rules (its :class:`~cpq.solve.base.Core`);
* top-level formulas are posted directly (``And`` as several constraints, ``Implies`` as an
  enforcement literal, ``Compare`` as a linear constraint, ``Table`` as
  ``add_allowed_assignments`` / ``add_forbidden_assignments``, or one literal per row when an
  int column is wide or the rows expand to many tuples); nested formulas are fully
  reified, so every helper variable is a function of the model's own variables and enumeration
  never counts a configuration twice;
* numeric expressions become linear expressions, with helper variables for ``Mul``
  (``add_multiplication_equality``), ``FloorDiv`` (floor semantics with ``x // 0 == 0``),
  ``Min``/``Max``, ``Abs`` and ``IfThenElse``; bounds are computed exactly from the IR.

Calls are deterministic: one search worker and a fixed random seed, so the same model, the same
assumptions and the same rules give the same assignment (as long as the call finishes within
its time limit). The time limit is CP-SAT's ``max_time_in_seconds``. Plain satisfaction calls
use a lighter presolve (no probing, one presolve round); ``optimize`` and ``enumerate`` use
CP-SAT's defaults.

Example:
    >>> from cpq.model.ir import BoolVar, ConstraintModel, Constraint, IntVar, Compare
    >>> from cpq.model.ir import Linear, BoolToInt, Objective, IntConst
    >>> p = BoolVar(0, "p", "p", None)
    >>> x = IntVar(0, "x", "x", 0, 9)
    >>> rule = Compare(">=", Linear(((1, x), (5, BoolToInt(p)))), IntConst(7))
    >>> m = ConstraintModel("demo", (), (p,), (x,), (Constraint(rule, "require", "r1", None),))
    >>> s = CpSatBackend().open(m)
    >>> s.optimize(Objective(x), time_limit=5).assignment
    Assignment(bools=(True,), ints=(2,))
    >>> s.solve([Compare("<=", x, IntConst(1))], time_limit=5).core
    Core(assumptions=(0,), rules=('r1',))
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ortools.sat.python import cp_model

from cpq.errors import SolverError, UnsupportedFeatureError
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
    ConstraintModel,
    FloorDiv,
    Implies,
    IntConst,
    IntVar,
    Linear,
    Max,
    Min,
    Mul,
    Not,
    NumExpr,
    Objective,
    Or,
    Table,
    TableCell,
    eval_num,
)
from cpq.solve._common import GenericDomainsMixin, cmp_decided
from cpq.solve.base import (
    Assumption,
    Capabilities,
    Core,
    Deadline,
    EnumerationResult,
    SolveResult,
    SolveStatus,
    check_assumption,
)

__all__ = ["CpSatBackend", "CpSatSession"]

_MAGNITUDE: Final = 2**53
"""Largest absolute value any (intermediate) number may take; CP-SAT works in int64."""

TABLE_TUPLE_LIMIT: Final = 20_000
"""Tables whose rows expand to more tuples than this are encoded row by row instead of with
``add_allowed_assignments`` / ``add_forbidden_assignments``."""

TABLE_INT_COLUMN_LIMIT: Final = 64
"""Tables with an int column of more values than this are encoded row by row as well: a tuple
table makes CP-SAT create one literal per value of the column (thousands for a range such as
``altitude_m: [0, 4000]``), while a row's int cell is one interval constraint."""

_Lit = cp_model.BoolVarT
_NEGATE: Final[dict[CompareOp, CompareOp]] = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
}


@dataclass(frozen=True, slots=True)
class _Num:
    """A translated numeric expression with its exact bounds."""

    expr: cp_model.LinearExprT
    lo: int
    hi: int

    @property
    def const(self) -> int | None:
        return self.lo if self.lo == self.hi else None


@dataclass(frozen=True, slots=True)
class _Column:
    """A table column as one integer variable with the values its cells are written in."""

    var: cp_model.LinearExprT
    domain: range
    attr: AttributeVars


class _Encoder:
    """Translates IR nodes into one ``CpModel`` (memoised by node identity)."""

    def __init__(self, model: ConstraintModel) -> None:
        self.model = model
        cp = cp_model.CpModel()
        self.cp = cp
        self.true: _Lit = cp.new_bool_var("true")
        cp.add_bool_or([self.true])
        self.false: _Lit = ~self.true
        self.bools = [cp.new_bool_var(v.name) for v in model.bool_vars]
        self.ints: list[cp_model.IntVar] = []
        for v in model.int_vars:
            self._check(v.lo, v.hi, v)
            if v.lo <= v.hi:
                self.ints.append(cp.new_int_var(v.lo, v.hi, v.name))
            else:  # an empty range: no assignment at all
                self.ints.append(cp.new_int_var(v.lo, v.lo, v.name))
                cp.add_bool_or([self.false])
        self._lits: dict[int, tuple[object, _Lit]] = {}
        self._nums: dict[int, tuple[object, _Num]] = {}
        self._columns: dict[str, _Column] = {}
        self._members: dict[tuple[str, tuple[int, ...]], _Lit] = {}
        self._exact_one = self._exact_one_attributes(model)

    def copy(self) -> _Encoder:
        """An encoder over a clone of the model (variables keep their indices), for one call
        that adds constraints (an objective) the session's model should not keep."""
        new = object.__new__(_Encoder)
        new.model = self.model
        new.cp = self.cp.clone()
        new.true = new.cp.get_bool_var_from_proto_index(self.true.index)
        new.false = ~new.true
        new.bools = [new.cp.get_bool_var_from_proto_index(v.index) for v in self.bools]
        new.ints = [new.cp.get_int_var_from_proto_index(v.index) for v in self.ints]
        new._lits, new._nums, new._columns, new._members = {}, {}, {}, {}
        new._exact_one = self._exact_one
        return new

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _check(lo: int, hi: int, node: object) -> None:
        if max(abs(lo), abs(hi)) > _MAGNITUDE:
            raise UnsupportedFeatureError(
                f"numbers up to {max(abs(lo), abs(hi))} are too large for CP-SAT "
                f"(limit {_MAGNITUDE}) in {node!r}"
            )

    @staticmethod
    def _exact_one_attributes(model: ConstraintModel) -> frozenset[str]:
        """Choice attributes whose always-on domain constraint says "exactly one value"."""
        out: set[str] = set()
        for c in model.constraints:
            e = c.expr
            if c.rule_id is not None or c.attribute is None or not isinstance(e, Compare):
                continue
            if e.op != "==" or e.right != IntConst(1) or not isinstance(e.left, Linear):
                continue
            if e.left.constant != 0:
                continue
            idx: list[int] = []
            for coef, term in e.left.terms:
                if (
                    coef != 1
                    or not isinstance(term, BoolToInt)
                    or not isinstance(term.arg, BoolVar)
                ):
                    break
                idx.append(term.arg.index)
            else:
                try:
                    av = model.attribute(c.attribute)
                except KeyError:
                    continue
                if (
                    av.lits
                    and sorted(idx) == sorted(v.index for v in av.lits)
                    and len(set(idx)) == len(idx)
                ):
                    out.add(av.attribute)
        return frozenset(out)

    def new_lit(self) -> _Lit:
        return self.cp.new_bool_var("")

    def fail(self, enf: Sequence[_Lit]) -> None:
        """Post "not all of ``enf``" (plain false when ``enf`` is empty)."""
        self.cp.add_bool_or([~x for x in enf] if enf else [self.false])

    def _var(self, n: _Num) -> cp_model.LinearExprT:
        """``n`` as a plain variable or constant (some CP-SAT constraints want one)."""
        if isinstance(n.expr, int | cp_model.IntVar):
            return n.expr
        v = self.cp.new_int_var(n.lo, n.hi, "")
        self.cp.add(v == n.expr)
        return v

    def and_lit(self, lits: Sequence[_Lit]) -> _Lit:
        """A literal equivalent to the conjunction of ``lits``."""
        if not lits:
            return self.true
        if len(lits) == 1:
            return lits[0]
        b = self.new_lit()
        self.cp.add_bool_and(lits).only_enforce_if(b)
        self.cp.add_bool_or([~x for x in lits]).only_enforce_if(~b)
        return b

    def or_lit(self, lits: Sequence[_Lit]) -> _Lit:
        """A literal equivalent to the disjunction of ``lits``."""
        if not lits:
            return self.false
        if len(lits) == 1:
            return lits[0]
        b = self.new_lit()
        self.cp.add_bool_or(lits).only_enforce_if(b)
        self.cp.add_bool_and([~x for x in lits]).only_enforce_if(~b)
        return b

    # -- numeric expressions ----------------------------------------------------------------

    def num(self, e: NumExpr) -> _Num:
        """The CP-SAT expression of ``e`` and its bounds."""
        hit = self._nums.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        out = self._num(e)
        self._check(out.lo, out.hi, e)
        self._nums[id(e)] = (e, out)
        return out

    def _num(self, e: NumExpr) -> _Num:
        cp = self.cp
        if isinstance(e, IntConst):
            return _Num(e.value, e.value, e.value)
        if isinstance(e, IntVar):
            lo, hi = (e.lo, e.hi) if e.lo <= e.hi else (e.lo, e.lo)
            return _Num(self.ints[e.index], lo, hi)
        if isinstance(e, BoolToInt):
            if isinstance(e.arg, BoolConst):
                v = int(e.arg.value)
                return _Num(v, v, v)
            return _Num(self.lit(e.arg), 0, 1)
        if isinstance(e, Linear):
            return self._linear(e)
        if isinstance(e, Mul):
            a, b = self.num(e.left), self.num(e.right)
            corners = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
            lo, hi = min(corners), max(corners)
            self._check(lo, hi, e)
            if a.const is not None and b.const is not None:
                return _Num(a.const * b.const, lo, hi)
            if a.const is not None:
                return _Num(cp_model.LinearExpr.weighted_sum([b.expr], [a.const]), lo, hi)
            if b.const is not None:
                return _Num(cp_model.LinearExpr.weighted_sum([a.expr], [b.const]), lo, hi)
            t = cp.new_int_var(lo, hi, "")
            cp.add_multiplication_equality(t, [self._var(a), self._var(b)])
            return _Num(t, lo, hi)
        if isinstance(e, FloorDiv):
            return self._floordiv(e)
        if isinstance(e, Min | Max):
            parts = [self.num(x) for x in e.args]
            if not parts:
                raise UnsupportedFeatureError(f"{type(e).__name__} needs at least one argument")
            pick = min if isinstance(e, Min) else max
            lo, hi = pick(p.lo for p in parts), pick(p.hi for p in parts)
            if len(parts) == 1:
                return parts[0]
            if all(p.const is not None for p in parts):
                return _Num(lo, lo, lo)
            t = cp.new_int_var(lo, hi, "")
            args = [self._var(p) for p in parts]
            if isinstance(e, Min):
                cp.add_min_equality(t, args)
            else:
                cp.add_max_equality(t, args)
            return _Num(t, lo, hi)
        if isinstance(e, Abs):
            a = self.num(e.arg)
            if a.lo >= 0:
                return a
            if a.hi <= 0:
                return _Num(cp_model.LinearExpr.weighted_sum([a.expr], [-1]), -a.hi, -a.lo)
            t = cp.new_int_var(0, max(-a.lo, a.hi), "")
            cp.add_abs_equality(t, self._var(a))
            return _Num(t, 0, max(-a.lo, a.hi))
        # IfThenElse
        c = self.lit(e.cond)
        th, el = self.num(e.then), self.num(e.orelse)
        lo, hi = min(th.lo, el.lo), max(th.hi, el.hi)
        t = cp.new_int_var(lo, hi, "")
        cp.add(t == th.expr).only_enforce_if(c)
        cp.add(t == el.expr).only_enforce_if(~c)
        return _Num(t, lo, hi)

    def _linear(self, e: Linear) -> _Num:
        lo = hi = e.constant
        size = abs(e.constant)
        exprs: list[cp_model.LinearExprT] = []
        coefs: list[int] = []
        const = e.constant
        for coef, term in e.terms:
            n = self.num(term)
            a, b = coef * n.lo, coef * n.hi
            lo += min(a, b)
            hi += max(a, b)
            size += abs(coef) * max(abs(n.lo), abs(n.hi))
            if n.const is not None:
                const += coef * n.const
            elif coef != 0:
                exprs.append(n.expr)
                coefs.append(coef)
        self._check(size, size, e)
        if not exprs:
            return _Num(const, const, const)
        return _Num(cp_model.LinearExpr.weighted_sum(exprs, coefs) + const, lo, hi)

    def _floordiv(self, e: FloorDiv) -> _Num:
        """``floor(a / b)``, and ``0`` when ``b == 0`` (the IR's semantics)."""
        cp = self.cp
        a, b = self.num(e.left), self.num(e.right)
        if a.const is not None and b.const is not None:
            v = 0 if b.const == 0 else a.const // b.const
            return _Num(v, v, v)
        if b.const == 0:
            return _Num(0, 0, 0)
        if b.const is not None:
            k = b.const
            # floor(a / k) == floor(-a / -k); with c = |k|: c*q <= s*a <= c*q + c - 1
            c, s = abs(k), (1 if k > 0 else -1)
            bounds = sorted((a.lo // k, a.hi // k))
            q = cp.new_int_var(bounds[0], bounds[1], "")
            sa = cp_model.LinearExpr.weighted_sum([a.expr], [s])
            cp.add(c * q <= sa)
            cp.add(sa <= c * q + (c - 1))
            return _Num(q, bounds[0], bounds[1])
        m = max(abs(a.lo), abs(a.hi))
        q = cp.new_int_var(-m, m, "")
        bv = self._var(b)
        corners = (-m * b.lo, -m * b.hi, m * b.lo, m * b.hi)
        self._check(min(corners), max(corners), e)
        prod = cp.new_int_var(min(corners), max(corners), "")
        cp.add_multiplication_equality(prod, [bv, q])
        rem = cp_model.LinearExpr.weighted_sum([a.expr, prod], [1, -1])
        rem_minus_b = cp_model.LinearExpr.weighted_sum([a.expr, prod, bv], [1, -1, -1])
        pos, neg = self.new_lit(), self.new_lit()
        zero = self.new_lit()
        cp.add_exactly_one([pos, neg, zero])
        cp.add(bv >= 1).only_enforce_if(pos)
        cp.add(bv <= -1).only_enforce_if(neg)
        cp.add(bv == 0).only_enforce_if(zero)
        cp.add(q == 0).only_enforce_if(zero)
        cp.add(rem >= 0).only_enforce_if(pos)
        cp.add(rem_minus_b <= -1).only_enforce_if(pos)
        cp.add(rem <= 0).only_enforce_if(neg)
        cp.add(rem_minus_b >= 1).only_enforce_if(neg)
        return _Num(q, -m, m)

    # -- formulas ---------------------------------------------------------------------------

    def lit(self, e: BoolExpr) -> _Lit:
        """A literal that is true exactly when ``e`` holds."""
        if isinstance(e, BoolVar):
            return self.bools[e.index]
        hit = self._lits.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        out = self._lit(e)
        self._lits[id(e)] = (e, out)
        return out

    def _lit(self, e: BoolExpr) -> _Lit:
        if isinstance(e, BoolConst):
            return self.true if e.value else self.false
        if isinstance(e, BoolVar):
            return self.bools[e.index]
        if isinstance(e, Not):
            return ~self.lit(e.arg)
        if isinstance(e, And):
            return self.and_lit([self.lit(x) for x in e.args])
        if isinstance(e, Or):
            return self.or_lit([self.lit(x) for x in e.args])
        if isinstance(e, Implies):
            return self.or_lit([~self.lit(e.cond), self.lit(e.then)])
        if isinstance(e, Compare):
            left, right = self.num(e.left), self.num(e.right)
            decided = cmp_decided(e.op, left.lo - right.hi, left.hi - right.lo)
            if decided is not None:
                return self.true if decided else self.false
            b = self.new_lit()
            self._compare(e.op, left, right, [b])
            self._compare(_NEGATE[e.op], left, right, [~b])
            return b
        b = self.new_lit()
        self._table(e, True, [b])
        self._table(e, False, [~b])
        return b

    def post(self, e: BoolExpr, enf: list[_Lit]) -> None:
        """Require ``e`` whenever every literal of ``enf`` is true."""
        cp = self.cp
        if isinstance(e, BoolConst):
            if not e.value:
                self.fail(enf)
        elif isinstance(e, BoolVar):
            cp.add_bool_and([self.bools[e.index]]).only_enforce_if(enf)
        elif isinstance(e, Not):
            self.post_not(e.arg, enf)
        elif isinstance(e, And):
            for x in e.args:
                self.post(x, enf)
        elif isinstance(e, Or):
            if not e.args:
                self.fail(enf)
            else:
                cp.add_bool_or([self.lit(x) for x in e.args]).only_enforce_if(enf)
        elif isinstance(e, Implies):
            cond = e.cond.args if isinstance(e.cond, And) else (e.cond,)
            self.post(e.then, enf + [self.lit(x) for x in cond])
        elif isinstance(e, Compare):
            self._compare(e.op, self.num(e.left), self.num(e.right), enf)
        else:
            self._table(e, True, enf)

    def post_not(self, e: BoolExpr, enf: list[_Lit]) -> None:
        """Require ``not e`` whenever every literal of ``enf`` is true."""
        if isinstance(e, BoolConst):
            if e.value:
                self.fail(enf)
        elif isinstance(e, BoolVar):
            self.cp.add_bool_and([~self.bools[e.index]]).only_enforce_if(enf)
        elif isinstance(e, Not):
            self.post(e.arg, enf)
        elif isinstance(e, And):
            if not e.args:
                self.fail(enf)
            else:
                self.cp.add_bool_or([~self.lit(x) for x in e.args]).only_enforce_if(enf)
        elif isinstance(e, Or):
            for x in e.args:
                self.post_not(x, enf)
        elif isinstance(e, Implies):
            self.post(e.cond, enf)
            self.post_not(e.then, enf)
        elif isinstance(e, Compare):
            self._compare(_NEGATE[e.op], self.num(e.left), self.num(e.right), enf)
        else:
            self._table(e, False, enf)

    def _compare(self, op: CompareOp, left: _Num, right: _Num, enf: list[_Lit]) -> None:
        decided = cmp_decided(op, left.lo - right.hi, left.hi - right.lo)
        if decided is True:
            return
        if decided is False:
            self.fail(enf)
            return
        d = cp_model.LinearExpr.weighted_sum([left.expr, right.expr], [1, -1])
        if op == "==":
            ct = self.cp.add(d == 0)
        elif op == "!=":
            ct = self.cp.add(d != 0)
        elif op == "<":
            ct = self.cp.add(d <= -1)
        elif op == "<=":
            ct = self.cp.add(d <= 0)
        elif op == ">":
            ct = self.cp.add(d >= 1)
        else:
            ct = self.cp.add(d >= 0)
        ct.only_enforce_if(enf)

    # -- tables -----------------------------------------------------------------------------

    def _column(self, av: AttributeVars) -> _Column:
        """One integer per column: the value index of a choice (``len(values)``: none), the
        0/1 of a bool, the int itself. A choice column's value is its *first* true value, as
        in :func:`cpq.model.ir.eval_bool`."""
        hit = self._columns.get(av.attribute)
        if hit is not None:
            return hit
        cp = self.cp
        if av.type == "int":
            if av.int_var is None:
                raise UnsupportedFeatureError(f"table column '{av.attribute}' has no variable")
            iv = av.int_var
            col = _Column(self.ints[iv.index], range(iv.lo, max(iv.lo, iv.hi + 1)), av)
        elif av.type == "bool":
            col = _Column(self.bools[av.lits[0].index], range(2), av)
        else:
            lits = [self.bools[v.index] for v in av.lits]
            n = len(lits)
            if av.attribute in self._exact_one:
                idx = cp.new_int_var(0, n - 1, "")
                for i, x in enumerate(lits):
                    cp.add(idx == i).only_enforce_if(x)
                col = _Column(idx, range(n), av)
            else:
                idx = cp.new_int_var(0, n, "")
                none_before = self.true
                for i, x in enumerate(lits):
                    cp.add(idx == i).only_enforce_if(self.and_lit([none_before, x]))
                    none_before = self.and_lit([none_before, ~x])
                cp.add(idx == n).only_enforce_if(none_before)
                col = _Column(idx, range(n + 1), av)
        self._columns[av.attribute] = col
        return col

    @staticmethod
    def _cell(col: _Column, cell: TableCell) -> tuple[int, ...] | None:
        """The column values a cell matches (``None``: any), mirroring ``eval_bool``."""
        if cell is None:
            return None
        av = col.attr
        if av.type == "int":
            dom = col.domain
            vals = {int(x) for x in cell if isinstance(x, int) and x in dom}
            return tuple(sorted(vals))
        if av.type == "bool":
            return tuple(int(b) for b in (False, True) if b in cell)
        out = [i for i, v in enumerate(av.values) if v in cell]
        if len(col.domain) > len(av.values) and None in cell:
            out.append(len(av.values))
        return tuple(out)

    def _member(self, col: _Column, values: tuple[int, ...]) -> _Lit:
        """A literal for "the column's value is one of ``values``"."""
        key = (col.attr.attribute, values)
        hit = self._members.get(key)
        if hit is not None:
            return hit
        if not values:
            out = self.false
        elif len(values) == len(col.domain):
            out = self.true
        else:
            out = self.new_lit()
            dom = cp_model.Domain.from_values(list(values))
            self.cp.add_linear_expression_in_domain(col.var, dom).only_enforce_if(out)
            self.cp.add_linear_expression_in_domain(col.var, dom.complement()).only_enforce_if(~out)
        self._members[key] = out
        return out

    def _table(self, t: Table, holds: bool, enf: list[_Lit]) -> None:
        """Require that ``t`` holds (``holds``) or fails, whenever ``enf`` holds."""
        need_match = (t.mode == "allow") == holds
        cols = [self._column(c) for c in t.columns]
        rows: list[list[tuple[int, ...] | None]] = []
        for row in t.rows:
            cells = [self._cell(col, cell) for col, cell in zip(cols, row, strict=True)]
            if all(c is None or c for c in cells):  # a row with an empty cell never matches
                rows.append(cells)
        if not cols or not rows:
            if bool(rows) != need_match:
                self.fail(enf)
            return
        size = sum(
            math.prod(
                len(c) if c is not None else len(col.domain) for c, col in zip(r, cols, strict=True)
            )
            for r in rows
        )
        narrow = all(
            col.attr.type != "int" or len(col.domain) <= TABLE_INT_COLUMN_LIMIT for col in cols
        )
        if narrow and size <= TABLE_TUPLE_LIMIT:
            tuples: set[tuple[int, ...]] = set()
            for r in rows:
                choices = [
                    c if c is not None else col.domain for c, col in zip(r, cols, strict=True)
                ]
                tuples.update(_product(choices))
            ordered = sorted(tuples)
            variables = [col.var for col in cols]
            if need_match:
                self.cp.add_allowed_assignments(variables, ordered).only_enforce_if(enf)
            else:
                self.cp.add_forbidden_assignments(variables, ordered).only_enforce_if(enf)
            return
        row_lits = [
            self.and_lit(
                [self._member(col, c) for c, col in zip(r, cols, strict=True) if c is not None]
            )
            for r in rows
        ]
        if need_match:
            self.cp.add_bool_or(row_lits).only_enforce_if(enf)
        else:
            self.cp.add_bool_and([~x for x in row_lits]).only_enforce_if(enf)


def _product(choices: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for options in choices:
        out = [(*prefix, v) for prefix in out for v in options]
    return out


class _Collector(cp_model.CpSolverSolutionCallback):
    """Collects up to ``limit`` solutions and stops at the one after."""

    def __init__(self, enc: _Encoder, limit: int) -> None:
        super().__init__()
        self._enc = enc
        self._limit = limit
        self.found: list[Assignment] = []
        self.truncated = False

    def on_solution_callback(self) -> None:
        if len(self.found) >= self._limit:
            self.truncated = True
            self.stop_search()
            return
        enc = self._enc
        self.found.append(
            Assignment(
                tuple(self.boolean_value(v) for v in enc.bools),
                tuple(self.value(v) for v in enc.ints),
            )
        )


@dataclass
class _Call:
    """What one call assumes: literals, who owns each literal, and what a full core holds."""

    lits: list[_Lit] = field(default_factory=list)
    owners: dict[int, list[int | str]] = field(default_factory=dict)
    positions: list[int] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    refuted: int | None = None
    """The position of an assumption no value can meet (then nothing is solved)."""


class CpSatSession(GenericDomainsMixin):
    """A CP-SAT model of one :class:`~cpq.model.ir.ConstraintModel`, reused between calls.

    Each call adds its assumptions to the same ``CpModel``, solves it from scratch (CP-SAT
    presolves on every call) and removes them again; an objective goes into a copy of the
    model, so that its helper variables do not accumulate.

    Attributes:
        model: the IR model the session answers for.

    Example:
        >>> from cpq.model.ir import BoolVar, ConstraintModel, Constraint, Or, Not
        >>> p, q = BoolVar(0, "p", "p", None), BoolVar(1, "q", "q", None)
        >>> m = ConstraintModel("d", (), (p, q), (), (Constraint(Or((p, q)), "require", "r", None),))
        >>> session = CpSatBackend().open(m)
        >>> len(session.enumerate(limit=10, time_limit=5).assignments)
        3
        >>> session.solve([Not(p), Not(q)], time_limit=5).status
        <SolveStatus.UNSAT: 'unsat'>
    """

    def __init__(self, model: ConstraintModel, *, seed: int = 0) -> None:
        self.model = model
        self._seed = seed
        enc = _Encoder(model)
        self._enc = enc
        self._selectors: dict[str, _Lit] = {}
        for c in model.constraints:
            if c.rule_id is None:
                enc.post(c.expr, [])
            else:
                sel = self._selectors.get(c.rule_id)
                if sel is None:
                    sel = enc.cp.new_bool_var(f"rule:{c.rule_id}")
                    self._selectors[c.rule_id] = sel
                enc.post(c.expr, [sel])
        self._bounds: dict[tuple[int, CompareOp, int], _Lit] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def _assumption_lit(self, a: Assumption) -> _Lit:
        check_assumption(a)
        enc = self._enc
        if isinstance(a, BoolVar):
            return enc.bools[a.index]
        if isinstance(a, Not):
            assert isinstance(a.arg, BoolVar)
            return ~enc.bools[a.arg.index]
        assert isinstance(a, Compare) and isinstance(a.left, IntVar)
        assert isinstance(a.right, IntConst)
        key = (a.left.index, a.op, a.right.value)
        hit = self._bounds.get(key)
        if hit is None:
            hit = enc.lit(Compare(a.op, a.left, a.right))
            self._bounds[key] = hit
        return hit

    def _call(self, assumptions: Sequence[Assumption], rules: Collection[str] | None) -> _Call:
        """The literals to assume for a call (user choices, then rule selectors)."""
        on = None if rules is None else set(rules)
        for rid in on or ():
            if rid not in self._selectors:
                raise KeyError(f"unknown rule id {rid!r}")
        enc = self._enc
        call = _Call()
        for i, a in enumerate(assumptions):
            lit = self._assumption_lit(a)
            if lit is enc.false:  # a bound no value in the range meets
                call.refuted = i
            elif lit is not enc.true:  # a bound every value meets: nothing to assume
                call.lits.append(lit)
                call.owners.setdefault(lit.index, []).append(i)
                call.positions.append(i)
        for rid, sel in self._selectors.items():
            if on is None or rid in on:
                call.lits.append(sel)
                call.owners.setdefault(sel.index, []).append(rid)
                call.rules.append(rid)
            else:
                call.lits.append(~sel)
        return call

    def _solver(
        self, time_limit: float, *, light: bool = False, presolve: bool = True
    ) -> cp_model.CpSolver:
        """A deterministic solver: one worker, the backend's seed, the call's time limit.

        ``light`` (plain satisfaction) skips probing and repeats presolve once only: on
        configurator models that halves to quarters a call (most of which is presolve), and
        the search it saves is rarely needed to find one solution. ``presolve=False`` keeps
        the model as written (cores then name our own literals).
        """
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.random_seed = self._seed
        params.max_time_in_seconds = time_limit if time_limit > 0 else 0.0
        if light:
            params.cp_model_probing_level = 0
            params.max_presolve_iterations = 1
        if not presolve:
            params.cp_model_presolve = False
        return solver

    def _assignment(self, solver: cp_model.CpSolver) -> Assignment:
        enc = self._enc
        return Assignment(
            tuple(solver.boolean_value(v) for v in enc.bools),
            tuple(solver.value(v) for v in enc.ints),
        )

    def _solve(
        self,
        call: _Call,
        objective: Objective | None,
        time_limit: float,
        *,
        presolve: bool = True,
    ) -> tuple[cp_model.CpSolver, Any]:
        # an objective is translated into a copy, so that its helper variables do not pile up
        # in the session's model from one call to the next
        enc = self._enc if objective is None else self._enc.copy()
        cp = enc.cp
        cp.clear_assumptions()
        cp.add_assumptions(call.lits)
        try:
            if objective is not None:
                target = enc.num(objective.expr)
                if target.const is None:
                    if objective.sense == "min":
                        cp.minimize(target.expr)
                    else:
                        cp.maximize(target.expr)
            solver = self._solver(time_limit, light=objective is None, presolve=presolve)
            status = solver.solve(cp)
        finally:
            cp.clear_objective()  # type: ignore[no-untyped-call]
            cp.clear_assumptions()
        if status == cp_model.MODEL_INVALID:
            raise SolverError(f"CP-SAT rejected the model: {solver.status_name(status)}")
        return solver, status

    def _run(
        self,
        assumptions: Sequence[Assumption],
        rules: Collection[str] | None,
        objective: Objective | None,
        time_limit: float,
    ) -> SolveResult:
        deadline = Deadline(time_limit)
        call = self._call(assumptions, rules)
        if call.refuted is not None:
            return SolveResult(SolveStatus.UNSAT, None, Core((call.refuted,), ()))
        if deadline.expired():  # no time left: not even a presolve (it costs time on its own)
            return SolveResult(SolveStatus.UNKNOWN)
        solver, status = self._solve(call, objective, deadline.remaining())
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            a = self._assignment(solver)
            if objective is None:
                return SolveResult(SolveStatus.SAT, a)
            return SolveResult(
                SolveStatus.SAT, a, None, eval_num(objective.expr, a), status == cp_model.OPTIMAL
            )
        if status == cp_model.INFEASIBLE:
            return SolveResult(SolveStatus.UNSAT, None, self._core(call, solver, deadline))
        return SolveResult(SolveStatus.UNKNOWN)

    def _core(self, call: _Call, solver: cp_model.CpSolver, deadline: Deadline) -> Core:
        """The assumptions and rules CP-SAT blames, checked; else everything the call assumed.

        CP-SAT reports the core in terms of its presolved model, where literals it proved
        equivalent are merged, so an index may belong to no assumption of ours; and a core is
        only worth having if it is one. A core that maps cleanly is re-solved once (within
        the call's time limit) and kept only when it is unsatisfiable by itself. When it does
        not map or does not check, the call is solved again without presolve (the core then
        names our own literals) and that core is checked the same way; only when that fails
        too (or time runs out) is the whole call the core. Either way the core is sound;
        :func:`cpq.solve.explain.minimal_core` shrinks it to a minimal one.
        """
        full = Core(tuple(call.positions), tuple(call.rules))
        core = self._checked(call, solver, full, deadline)
        if core is not None:
            return core
        if deadline.expired():
            return full
        again, status = self._solve(call, None, deadline.remaining(), presolve=False)
        if status != cp_model.INFEASIBLE:
            return full
        core = self._checked(call, again, full, deadline)
        return full if core is None else core

    def _checked(
        self, call: _Call, solver: cp_model.CpSolver, full: Core, deadline: Deadline
    ) -> Core | None:
        """The solver's core in our terms when it maps cleanly and is unsatisfiable alone."""
        positions: set[int] = set()
        named: set[str] = set()
        for index in solver.sufficient_assumptions_for_infeasibility():
            owners = call.owners.get(index)
            if owners is None:
                return None
            for owner in owners:
                if isinstance(owner, int):
                    positions.add(owner)
                else:
                    named.add(owner)
        core = Core(tuple(sorted(positions)), tuple(r for r in call.rules if r in named))
        if core == full:
            return full
        if deadline.expired():
            return None
        check = _Call()
        for lit in call.lits:
            owners = call.owners.get(lit.index, [])
            if any(o in positions if isinstance(o, int) else o in named for o in owners):
                check.lits.append(lit)
        for rid, sel in self._selectors.items():
            if rid not in named:
                check.lits.append(~sel)
        _, status = self._solve(check, None, deadline.remaining())
        return core if status == cp_model.INFEASIBLE else None

    # -- the SolverSession protocol ---------------------------------------------------------

    def solve(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """Find one solution under the assumptions with the given rules switched on.

        An UNSAT answer carries a :class:`~cpq.solve.base.Core` (positions of assumptions and
        rule ids; not necessarily minimal).

        Example:
            >>> from cpq.model.ir import BoolVar, ConstraintModel
            >>> m = ConstraintModel("d", (), (BoolVar(0, "p", "p", None),), (), ())
            >>> CpSatBackend().open(m).solve(time_limit=1).status
            <SolveStatus.SAT: 'sat'>
        """
        return self._run(assumptions, rules, None, time_limit)

    def optimize(
        self,
        objective: Objective,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """A solution with the best objective value.

        ``optimal`` tells whether CP-SAT proved it best within the time limit; when the limit
        stops the search after a first solution, the best one found is returned (SAT, not
        optimal).

        Example:
            >>> from cpq.model.ir import IntVar, ConstraintModel, Objective
            >>> x = IntVar(0, "x", "x", 3, 9)
            >>> r = CpSatBackend().open(ConstraintModel("d", (), (), (x,), ())).optimize(
            ...     Objective(x, "max"), time_limit=1)
            >>> r.objective, r.optimal
            (9, True)
        """
        return self._run(assumptions, rules, objective, time_limit)

    def enumerate(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        limit: int,
        time_limit: float,
    ) -> EnumerationResult:
        """Up to ``limit`` distinct solutions (all rules on), in CP-SAT's deterministic order.

        ``complete`` is true when these are all the solutions there are.

        Example:
            >>> from cpq.model.ir import IntVar, ConstraintModel
            >>> x = IntVar(0, "x", "x", 1, 4)
            >>> r = CpSatBackend().open(ConstraintModel("d", (), (), (x,), ())).enumerate(
            ...     limit=3, time_limit=1)
            >>> len(r.assignments), r.complete
            (3, False)
        """
        cp = self._enc.cp
        call = self._call(assumptions, None)
        if call.refuted is not None:
            return EnumerationResult((), True)
        if time_limit <= 0:
            return EnumerationResult((), False)
        collector = _Collector(self._enc, max(0, limit))
        cp.clear_assumptions()
        cp.add_assumptions(call.lits)
        try:
            solver = self._solver(time_limit)
            solver.parameters.enumerate_all_solutions = True
            status = solver.solve(cp, collector)
        finally:
            cp.clear_assumptions()
        if status == cp_model.MODEL_INVALID:
            raise SolverError("CP-SAT rejected the model")
        done = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and not collector.truncated
        return EnumerationResult(tuple(collector.found), done)

    def close(self) -> None:
        """Nothing to release (the CP-SAT model is garbage-collected with the session)."""


class CpSatBackend:
    """OR-Tools CP-SAT: optimisation, nonlinear arithmetic, cores and enumeration.

    Attributes:
        name: ``"cpsat"``.
        capabilities: ``cores``, ``optimize``, ``enumerate`` and ``nonlinear``.

    Example:
        >>> backend = CpSatBackend()
        >>> backend.name, backend.capabilities.supports("optimize")
        ('cpsat', True)
    """

    name: str = "cpsat"
    capabilities: Capabilities = Capabilities(
        frozenset({"cores", "optimize", "enumerate", "nonlinear"})
    )

    def __init__(self, *, seed: int = 0) -> None:
        self._seed = seed

    def open(self, model: ConstraintModel) -> CpSatSession:
        """Translate ``model`` into a new session.

        Raises:
            UnsupportedFeatureError: a number in the model is too large for CP-SAT's 64-bit
                arithmetic.

        Example:
            >>> from cpq.model.ir import ConstraintModel
            >>> CpSatBackend().open(ConstraintModel("empty", (), (), (), ())).model.product_id
            'empty'
        """
        return CpSatSession(model, seed=self._seed)
