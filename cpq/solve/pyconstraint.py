"""The pure-Python backend on python-constraint (``python-constraint2``, imported as ``constraint``).

This is the only module that imports ``constraint``. It is meant for small models, for platforms
without native wheels, and as an independent oracle in tests: its encoding stays close to the
IR (each formula is checked as written, not rewritten into clauses or linear constraints), so
that a disagreement with CP-SAT or the SAT backend points at a translation bug.

The encoding of a :class:`~cpq.model.ir.ConstraintModel`:

* every :class:`~cpq.model.ir.BoolVar` is a variable with domain ``{0, 1}``, every
  :class:`~cpq.model.ir.IntVar` a variable with its whole range as domain (at most
  ``max_domain_size`` values; wider ranges raise :class:`~cpq.errors.UnsupportedFeatureError`);
* a top-level ``And`` is split into its parts; a count of Boolean variables compared with a
  constant (the "exactly one value" and "between m and n values" domain constraints) becomes
  ``ExactSumConstraint`` / ``MinSumConstraint`` / ``MaxSumConstraint``;
* every other formula becomes one constraint over exactly the variables it mentions, checked by
  the formula compiled once to Python closures (never ``eval``). The closures work in
  three-valued logic with interval arithmetic, so a partial assignment that already breaks a
  rule is rejected at once; on a full assignment they compute exactly what
  :func:`cpq.model.ir.eval_bool` computes. Undecided formulas forward-check: the values of
  small domains (and of a formula's last open variable) that would break them are hidden;
* attributes with an "exactly one" domain constraint are read as such: a table cell over a
  choice holds as soon as one of its values is chosen, and a sum of a choice's value
  properties (``motor.power_kw``) ranges over the values still open, not from zero;
* assumptions shrink the variables' domains; switched-off rules are left out.

There is no objective (``optimize`` raises :class:`~cpq.errors.UnsupportedFeatureError` naming
the ``cpsat`` backend) and no unsatisfiable cores. The time limit is a deadline checked inside
every constraint check and between solutions: when it passes, the call returns
:attr:`~cpq.solve.base.SolveStatus.UNKNOWN` (or an incomplete enumeration). The search order is
fixed (variables by python-constraint's degree heuristic; in each domain false before true and
small integers before large ones), so answers are deterministic.

Example:
    >>> from cpq.model.ir import BoolVar, ConstraintModel, Constraint, Compare, IntVar, Linear
    >>> from cpq.model.ir import BoolToInt, IntConst
    >>> p = BoolVar(0, "p", "p", None)
    >>> x = IntVar(0, "x", "x", 0, 9)
    >>> rule = Compare(">=", Linear(((1, x), (5, BoolToInt(p)))), IntConst(7))
    >>> m = ConstraintModel("demo", (), (p,), (x,), (Constraint(rule, "require", "r1", None),))
    >>> s = PyConstraintBackend().open(m)
    >>> s.solve(time_limit=5).assignment
    Assignment(bools=(False,), ints=(7,))
    >>> len(s.enumerate(limit=100, time_limit=5).assignments)
    11
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import constraint as pc

from cpq.errors import UnsupportedFeatureError
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
)
from cpq.solve._common import GenericDomainsMixin, cmp_decided, cmp_holds
from cpq.solve.base import (
    Assumption,
    Capabilities,
    EnumerationResult,
    SolveResult,
    SolveStatus,
    check_assumption,
)

__all__ = ["PyConstraintBackend", "PyConstraintSession"]

MAX_DOMAIN_SIZE: Final = 100_000
"""Default cap on the number of values of one integer variable."""

_UNSET: Final[object] = pc.Unassigned
"""What python-constraint passes for a variable the search has not assigned yet."""

_Vals = Sequence[Any]
_Interval = tuple[int, int]
_BoolFn = Callable[[_Vals], "bool | None"]
_NumFn = Callable[[_Vals], _Interval]
_BOOL_TO_INT: Final[dict[bool | None, _Interval]] = {True: (1, 1), False: (0, 0), None: (0, 1)}


class _TimeUp(Exception):
    """Raised inside the search when the deadline has passed."""


class _Clock:
    """The deadline of the running call, shared by every constraint of a session."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = float("inf")

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise _TimeUp


# -- formulas to closures ---------------------------------------------------------------------


class _Scope:
    """Compiles the formula of one constraint; collects the variables it reads, in order.

    The compiled functions take the values of the collected variables, where a variable the
    search has not assigned yet is ``Unassigned``, and answer in three-valued logic: a formula
    gives ``True``, ``False`` or ``None`` (not decided yet) and a number gives the interval
    ``(lo, hi)`` of the values it can still take. On a full assignment they compute exactly what
    :func:`cpq.model.ir.eval_bool` computes; on a partial one they let the search drop a branch
    as soon as a constraint can no longer hold.
    """

    def __init__(self, model: ConstraintModel, exact_one: frozenset[str]) -> None:
        self._n_bools = len(model.bool_vars)
        self._exact_one = exact_one
        self._attr_lits = {
            name: frozenset(x.index for x in model.attribute(name).lits) for name in exact_one
        }
        self.keys: list[int] = []
        self._pos: dict[int, int] = {}

    def _slot(self, key: int) -> int:
        pos = self._pos.get(key)
        if pos is None:
            pos = len(self.keys)
            self._pos[key] = pos
            self.keys.append(key)
        return pos

    def bool_slot(self, v: BoolVar) -> int:
        return self._slot(v.index)

    def int_slot(self, v: IntVar) -> int:
        return self._slot(self._n_bools + v.index)

    def boolean(self, e: BoolExpr) -> _BoolFn:
        """A three-valued function of the collected variables: does ``e`` hold?"""
        if isinstance(e, BoolVar):
            i = self.bool_slot(e)
            return lambda v: None if v[i] is _UNSET else v[i] == 1
        if isinstance(e, BoolConst):
            c = e.value
            return lambda v: c
        if isinstance(e, Not):
            f = self.boolean(e.arg)
            return lambda v: _not3(f(v))
        if isinstance(e, And):
            fs = [self.boolean(x) for x in e.args]
            return lambda v: _and3(f(v) for f in fs)
        if isinstance(e, Or):
            fs = [self.boolean(x) for x in e.args]
            return lambda v: _or3(f(v) for f in fs)
        if isinstance(e, Implies):
            fc, ft = self.boolean(e.cond), self.boolean(e.then)
            return lambda v: _or3((_not3(fc(v)), ft(v)))
        if isinstance(e, Compare):
            fl, fr = self.number(e.left), self.number(e.right)
            op = e.op

            def compare(v: _Vals) -> bool | None:
                a, b = fl(v), fr(v)
                return cmp_decided(op, a[0] - b[1], a[1] - b[0])

            return compare
        return self._table(e)

    def number(self, e: NumExpr) -> _NumFn:
        """A function of the collected variables: the interval of values ``e`` can take."""
        if isinstance(e, IntConst):
            c = (e.value, e.value)
            return lambda v: c
        if isinstance(e, IntVar):
            i = self.int_slot(e)
            whole = (e.lo, e.hi)
            return lambda v: whole if v[i] is _UNSET else (v[i], v[i])
        if isinstance(e, BoolToInt):
            pred = self.boolean(e.arg)
            return lambda v: _BOOL_TO_INT[pred(v)]
        if isinstance(e, Linear):
            return self._linear(e)
        if isinstance(e, Mul):
            fa, fb = self.number(e.left), self.number(e.right)
            return lambda v: _mul(fa(v), fb(v))
        if isinstance(e, FloorDiv):
            fa, fb = self.number(e.left), self.number(e.right)
            return lambda v: _floordiv(fa(v), fb(v))
        if isinstance(e, Min):
            fs = [self.number(x) for x in e.args]

            def minimum(v: _Vals) -> _Interval:
                parts = [f(v) for f in fs]
                return min(p[0] for p in parts), min(p[1] for p in parts)

            return minimum
        if isinstance(e, Max):
            fs = [self.number(x) for x in e.args]

            def maximum(v: _Vals) -> _Interval:
                parts = [f(v) for f in fs]
                return max(p[0] for p in parts), max(p[1] for p in parts)

            return maximum
        if isinstance(e, Abs):
            f = self.number(e.arg)
            return lambda v: _abs(f(v))
        test, ft, fe = self.boolean(e.cond), self.number(e.then), self.number(e.orelse)

        def if_then_else(v: _Vals) -> _Interval:
            c = test(v)
            if c is True:
                return ft(v)
            if c is False:
                return fe(v)
            a, b = ft(v), fe(v)
            return min(a[0], b[0]), max(a[1], b[1])

        return if_then_else

    def _linear(self, e: Linear) -> _NumFn:
        """A sum; the terms over one "exactly one" choice attribute (``motor.power_kw`` is
        ``sum(p_v * [motor = v])``) are one term: while the motor is open its interval is the
        smallest to the largest ``p_v`` still possible, not ``0`` to their sum."""
        groups: dict[str, dict[int, int]] = {}
        rest: list[tuple[int, NumExpr]] = []
        for c, t in e.terms:
            if isinstance(t, BoolToInt) and isinstance(t.arg, BoolVar):
                attr = t.arg.attribute
                if attr in self._exact_one and t.arg.index in self._lits_of(attr):
                    weights = groups.setdefault(attr, {})
                    weights[t.arg.index] = weights.get(t.arg.index, 0) + c
                    continue
            rest.append((c, t))
        terms = [(c, self.number(t)) for c, t in rest]
        choices = [
            [(self._slot(i), weights.get(i, 0)) for i in sorted(self._lits_of(attr))]
            for attr, weights in groups.items()
        ]
        k = e.constant

        def linear(v: _Vals) -> _Interval:
            lo = hi = k
            for c, f in terms:
                a, b = f(v)
                if c >= 0:
                    lo, hi = lo + c * a, hi + c * b
                else:
                    lo, hi = lo + c * b, hi + c * a
            for options in choices:
                open_: list[int] = []
                for slot, w in options:
                    x = v[slot]
                    if x == 1:
                        open_ = [w]
                        break
                    if x is _UNSET:
                        open_.append(w)
                if open_:  # (no value left: the domain constraint fails anyway)
                    lo, hi = lo + min(open_), hi + max(open_)
            return lo, hi

        return linear

    def _lits_of(self, attribute: str) -> frozenset[int]:
        return self._attr_lits[attribute]

    def _cell(self, av: AttributeVars, cell: TableCell) -> _BoolFn:
        """Three-valued "the column's value is in ``cell``" (the cell is not a wildcard).

        A choice column's value is its first true value (none when all are false), as in
        :func:`cpq.model.ir.eval_bool`; when the model says "exactly one" for the attribute,
        that is simply the true one, so one true value in the cell decides the cell.
        """
        cell = cell or frozenset()
        if av.type == "int":
            if av.int_var is None:
                raise UnsupportedFeatureError(f"table column '{av.attribute}' has no variable")
            i = self.int_slot(av.int_var)
            ints = frozenset(int(x) for x in cell if isinstance(x, int))
            return lambda v: None if v[i] is _UNSET else v[i] in ints
        if av.type == "bool":
            i = self.bool_slot(av.lits[0])
            bits = frozenset(int(b) for b in (False, True) if b in cell)
            return lambda v: None if v[i] is _UNSET else v[i] in bits
        slots = [self.bool_slot(x) for x in av.lits]
        inside = [value in cell for value in av.values]
        none_inside = None in cell
        if av.attribute in self._exact_one:
            picked = [i for i, hit in zip(slots, inside, strict=True) if hit]
            return lambda v: _or3(None if v[i] is _UNSET else v[i] == 1 for i in picked)

        def first_in_cell(v: _Vals) -> bool | None:
            for i, hit in zip(slots, inside, strict=True):
                x = v[i]
                if x is _UNSET:
                    # undecided: could still be this value or a later one
                    return None
                if x == 1:
                    return hit
            return none_inside

        return first_in_cell

    def _table(self, t: Table) -> _BoolFn:
        rows = [
            [
                self._cell(col, cell)
                for col, cell in zip(t.columns, row, strict=True)
                if cell is not None
            ]
            for row in t.rows
        ]
        allow = t.mode == "allow"

        def holds(v: _Vals) -> bool | None:
            matched = _or3(_and3(f(v) for f in row) for row in rows)
            return matched if allow else _not3(matched)

        return holds


def _not3(x: bool | None) -> bool | None:
    return None if x is None else not x


def _and3(xs: Iterable[bool | None]) -> bool | None:
    out: bool | None = True
    for x in xs:
        if x is False:
            return False
        if x is None:
            out = None
    return out


def _or3(xs: Iterable[bool | None]) -> bool | None:
    out: bool | None = False
    for x in xs:
        if x is True:
            return True
        if x is None:
            out = None
    return out


def _mul(a: _Interval, b: _Interval) -> _Interval:
    if a[0] == a[1] and b[0] == b[1]:
        x = a[0] * b[0]
        return x, x
    corners = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(corners), max(corners)


def _floordiv(a: _Interval, b: _Interval) -> _Interval:
    """``a // b`` with ``x // 0 == 0``, over intervals: floor division is monotone in each
    argument on each side of zero, so the extremes are at the corners."""
    if a[0] == a[1] and b[0] == b[1]:
        x = 0 if b[0] == 0 else a[0] // b[0]
        return x, x
    divisors = {d for d in (b[0], b[1]) if d != 0}
    if b[0] <= -1 <= b[1]:
        divisors.add(-1)
    if b[0] <= 1 <= b[1]:
        divisors.add(1)
    out = [x // d for x in a for d in divisors]
    if b[0] <= 0 <= b[1]:
        out.append(0)
    return min(out), max(out)


def _abs(a: _Interval) -> _Interval:
    lo, hi = a
    if lo >= 0:
        return a
    if hi <= 0:
        return -hi, -lo
    return 0, max(-lo, hi)


# -- parts: the python-constraint constraints of one IR constraint ----------------------------

_SumKind = Literal["exact", "min", "max"]


@dataclass(frozen=True, slots=True)
class _Part:
    """One python-constraint constraint: a compiled function, a count, or a constant."""

    rule_id: str | None
    keys: tuple[int, ...]
    fn: _BoolFn | None = None
    count: tuple[_SumKind, int] | None = None
    const: bool | None = None


def _count_pattern(e: BoolExpr) -> tuple[tuple[int, ...], _SumKind, int] | None:
    """``sum(BoolToInt(v) for distinct v) op k`` as (bool var indices, kind, bound)."""
    if not isinstance(e, Compare) or not isinstance(e.right, IntConst):
        return None
    left = e.left
    if not isinstance(left, Linear):
        return None
    idx: list[int] = []
    for coef, term in left.terms:
        if coef != 1 or not isinstance(term, BoolToInt) or not isinstance(term.arg, BoolVar):
            return None
        idx.append(term.arg.index)
    if not idx or len(set(idx)) != len(idx):
        return None
    k = e.right.value - left.constant
    kinds: dict[str, tuple[_SumKind, int]] = {
        "==": ("exact", k),
        "<=": ("max", k),
        "<": ("max", k - 1),
        ">=": ("min", k),
        ">": ("min", k + 1),
    }
    hit = kinds.get(e.op)
    if hit is None:
        return None
    return tuple(idx), hit[0], hit[1]


def _exact_one_attributes(model: ConstraintModel) -> frozenset[str]:
    """Choice attributes whose always-on domain constraint says "exactly one value"."""
    out: set[str] = set()
    for c in model.constraints:
        count = _count_pattern(c.expr)
        if c.rule_id is not None or c.attribute is None or count is None:
            continue
        keys, kind, bound = count
        try:
            av = model.attribute(c.attribute)
        except KeyError:
            continue
        if kind == "exact" and bound == 1 and set(keys) == {x.index for x in av.lits}:
            out.add(av.attribute)
    return frozenset(out)


def _parts(
    e: BoolExpr, rule_id: str | None, model: ConstraintModel, exact_one: frozenset[str]
) -> Iterator[_Part]:
    if isinstance(e, And):
        for x in e.args:
            yield from _parts(x, rule_id, model, exact_one)
        return
    count = _count_pattern(e)
    if count is not None:
        keys, kind, bound = count
        yield _Part(rule_id, keys, count=(kind, bound))
        return
    scope = _Scope(model, exact_one)
    fn = scope.boolean(e)
    if not scope.keys:
        yield _Part(rule_id, (), const=fn(()) is True)
        return
    yield _Part(rule_id, tuple(scope.keys), fn=fn)


# -- python-constraint glue (the library is untyped) ------------------------------------------


class _Timed:
    """Mixed into python-constraint's sum constraints: checks the deadline on every call, and
    skips the library's pre-processing when a domain is already empty (the library then calls
    ``min()`` on it; the problem has no solution either way)."""

    def __init__(self, bound: int, clock: _Clock) -> None:
        super().__init__(bound)  # type: ignore[call-arg]
        self._clock = clock

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._clock.check()
        return super().__call__(*args, **kwargs)  # type: ignore[misc]

    def preProcess(self, variables: Sequence[int], domains: dict[int, Any], *args: Any) -> None:
        if len(variables) == 1:
            pc.Constraint.preProcess(self, variables, domains, *args)
        elif all(domains[v] for v in variables):
            super().preProcess(variables, domains, *args)  # type: ignore[misc]


class _ExactSum(_Timed, pc.ExactSumConstraint):  # type: ignore[misc]
    pass


class _MinSum(_Timed, pc.MinSumConstraint):  # type: ignore[misc]
    pass


class _MaxSum(_Timed, pc.MaxSumConstraint):  # type: ignore[misc]
    pass


PROBE_LIMIT: Final = 32
"""Forward checking tries every value of an unassigned variable with at most this many values
left (all Booleans, small integers) against each undecided formula that mentions it; a
formula's last unassigned variable is always tried, whatever its size."""


class _Formula(pc.Constraint):  # type: ignore[misc]
    """One compiled formula as a python-constraint constraint.

    A check evaluates the formula in three-valued logic on the partial assignment: ``False``
    rejects the branch at once. When the solver asks for forward checking and the formula is
    still undecided, every value left in the domain of each unassigned variable of the formula
    (up to :data:`PROBE_LIMIT` values, or any number for the last one) is tried, and the values
    that make the formula false are hidden (the solver restores them when it backtracks).
    """

    def __init__(self, fn: _BoolFn, clock: _Clock) -> None:
        self._fn = fn
        self._clock = clock

    def __call__(
        self,
        variables: Sequence[int],
        domains: dict[int, Any],
        assignments: dict[int, int],
        forwardcheck: Any = False,
    ) -> bool:
        self._clock.check()
        fn = self._fn
        vals = [assignments.get(v, _UNSET) for v in variables]
        verdict = fn(vals)
        if verdict is not None:
            return verdict
        if not forwardcheck:
            return True
        last = vals.count(_UNSET) == 1
        for i, v in enumerate(variables):
            if vals[i] is not _UNSET:
                continue
            domain = domains[v]
            if len(domain) > PROBE_LIMIT and not last:
                continue
            for value in domain[:]:
                vals[i] = value
                if fn(vals) is False:
                    domain.hideValue(value)
            vals[i] = _UNSET
            if not domain:
                return False
        return True


class PyConstraintSession(GenericDomainsMixin):
    """A python-constraint encoding of one model; each call builds a fresh ``Problem``.

    Attributes:
        model: the IR model the session answers for.

    Example:
        >>> from cpq.model.ir import BoolVar, ConstraintModel, Constraint, Or, Not
        >>> p, q = BoolVar(0, "p", "p", None), BoolVar(1, "q", "q", None)
        >>> m = ConstraintModel("d", (), (p, q), (), (Constraint(Or((p, q)), "require", "r", None),))
        >>> session = PyConstraintBackend().open(m)
        >>> len(session.enumerate(limit=10, time_limit=5).assignments)
        3
        >>> session.solve([Not(p), Not(q)], time_limit=5).status
        <SolveStatus.UNSAT: 'unsat'>
    """

    def __init__(self, model: ConstraintModel, *, max_domain_size: int = MAX_DOMAIN_SIZE) -> None:
        for iv in model.int_vars:
            if iv.hi - iv.lo + 1 > max_domain_size:
                raise UnsupportedFeatureError(
                    f"the pyconstraint backend enumerates every value of an integer, and "
                    f"'{iv.name}' has {iv.hi - iv.lo + 1} (limit {max_domain_size}); "
                    "use the 'cpsat' backend"
                )
        self.model = model
        exact_one = _exact_one_attributes(model)
        self._parts = [
            p for c in model.constraints for p in _parts(c.expr, c.rule_id, model, exact_one)
        ]
        self._clock = _Clock()
        self._rule_ids = frozenset(model.rule_ids())

    # -- plumbing ---------------------------------------------------------------------------

    def _domains(self, assumptions: Sequence[Assumption]) -> tuple[list[list[int]], bool]:
        """Per variable key, its values (search order: tried last to first); and whether
        the assumptions leave every domain non-empty."""
        model = self.model
        bools = [[1, 0] for _ in model.bool_vars]
        ints = [list(range(v.hi, v.lo - 1, -1)) for v in model.int_vars]
        for a in assumptions:
            check_assumption(a)
            if isinstance(a, BoolVar):
                bools[a.index] = [x for x in bools[a.index] if x == 1]
            elif isinstance(a, Not):
                assert isinstance(a.arg, BoolVar)
                bools[a.arg.index] = [x for x in bools[a.arg.index] if x == 0]
            else:
                assert isinstance(a, Compare) and isinstance(a.left, IntVar)
                assert isinstance(a.right, IntConst)
                op, c, j = a.op, a.right.value, a.left.index
                ints[j] = [x for x in ints[j] if cmp_holds(op, x, c)]
        domains = bools + ints
        return domains, all(domains)

    def _solutions(
        self, assumptions: Sequence[Assumption], rules: Collection[str] | None
    ) -> Iterator[Assignment]:
        """Every solution, lazily; raises :class:`_TimeUp` when the deadline passes."""
        domains, nonempty = self._domains(assumptions)
        on = None if rules is None else set(rules)
        for rid in on or ():
            if rid not in self._rule_ids:
                raise KeyError(f"unknown rule id {rid!r}")
        parts = [p for p in self._parts if p.rule_id is None or on is None or p.rule_id in on]
        if not nonempty or any(p.const is False for p in parts):
            return
        nb = len(self.model.bool_vars)
        if not domains:  # no variables: the empty assignment is the one solution
            yield Assignment((), ())
            return
        clock = self._clock
        problem = pc.Problem(pc.OptimizedBacktrackingSolver())
        for key, values in enumerate(domains):
            problem.addVariable(key, values)
        for p in parts:
            if p.fn is not None:
                problem.addConstraint(_Formula(p.fn, clock), list(p.keys))
            elif p.count is not None:
                kind, bound = p.count
                cls = _ExactSum if kind == "exact" else _MinSum if kind == "min" else _MaxSum
                problem.addConstraint(cls(bound, clock), list(p.keys))
        clock.check()
        for sol in problem.getSolutionIter():
            yield Assignment(
                tuple(sol[i] == 1 for i in range(nb)),
                tuple(sol[nb + j] for j in range(len(self.model.int_vars))),
            )
            clock.check()

    # -- the SolverSession protocol ---------------------------------------------------------

    def solve(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """Find one solution under the assumptions with the given rules switched on.

        UNSAT answers carry no core (this backend has no ``cores`` capability).

        Example:
            >>> from cpq.model.ir import BoolVar, ConstraintModel
            >>> m = ConstraintModel("d", (), (BoolVar(0, "p", "p", None),), (), ())
            >>> PyConstraintBackend().open(m).solve(time_limit=1).status
            <SolveStatus.SAT: 'sat'>
        """
        self._clock.at = time.monotonic() + max(0.0, time_limit)
        try:
            for a in self._solutions(assumptions, rules):
                return SolveResult(SolveStatus.SAT, a)
        except _TimeUp:
            return SolveResult(SolveStatus.UNKNOWN)
        finally:
            self._clock.at = float("inf")
        return SolveResult(SolveStatus.UNSAT)

    def optimize(
        self,
        objective: Objective,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """Not available: python-constraint only satisfies.

        Raises:
            UnsupportedFeatureError: always; use the ``cpsat`` backend.

        Example:
            >>> from cpq.model.ir import ConstraintModel, IntConst, Objective
            >>> s = PyConstraintBackend().open(ConstraintModel("d", (), (), (), ()))
            >>> s.optimize(Objective(IntConst(0)), time_limit=1)
            Traceback (most recent call last):
            ...
            cpq.errors.UnsupportedFeatureError: the pyconstraint backend cannot optimise an objective; use the 'cpsat' backend
        """
        raise UnsupportedFeatureError(
            "the pyconstraint backend cannot optimise an objective; use the 'cpsat' backend"
        )

    def enumerate(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        limit: int,
        time_limit: float,
    ) -> EnumerationResult:
        """Up to ``limit`` distinct solutions (all rules on), in a fixed search order.

        ``complete`` is true when these are all the solutions there are.

        Example:
            >>> from cpq.model.ir import IntVar, ConstraintModel
            >>> x = IntVar(0, "x", "x", 1, 4)
            >>> r = PyConstraintBackend().open(ConstraintModel("d", (), (), (x,), ())).enumerate(
            ...     limit=3, time_limit=1)
            >>> [a.ints for a in r.assignments], r.complete
            ([(1,), (2,), (3,)], False)
        """
        found: list[Assignment] = []
        self._clock.at = time.monotonic() + max(0.0, time_limit)
        complete = True
        try:
            for a in self._solutions(assumptions, None):
                if len(found) >= limit:
                    complete = False
                    break
                found.append(a)
        except _TimeUp:
            complete = False
        finally:
            self._clock.at = float("inf")
        return EnumerationResult(tuple(found), complete)

    def close(self) -> None:
        """Nothing to release."""


class PyConstraintBackend:
    """python-constraint: pure Python, satisfaction and enumeration only.

    Attributes:
        name: ``"pyconstraint"``.
        capabilities: ``pure-python``.

    Example:
        >>> backend = PyConstraintBackend()
        >>> backend.name, backend.capabilities.supports("optimize")
        ('pyconstraint', False)
    """

    name: str = "pyconstraint"
    capabilities: Capabilities = Capabilities(frozenset({"pure-python"}))

    def __init__(self, *, max_domain_size: int = MAX_DOMAIN_SIZE) -> None:
        self._max_domain_size = max_domain_size

    def open(self, model: ConstraintModel) -> PyConstraintSession:
        """Compile ``model`` into a new session.

        Raises:
            UnsupportedFeatureError: an integer variable has more than ``max_domain_size``
                values.

        Example:
            >>> from cpq.model.ir import ConstraintModel, IntVar
            >>> big = ConstraintModel("d", (), (), (IntVar(0, "n", "n", 0, 10**9),), ())
            >>> PyConstraintBackend().open(big)
            Traceback (most recent call last):
            ...
            cpq.errors.UnsupportedFeatureError: the pyconstraint backend enumerates every value of an integer, and 'n' has 1000000001 (limit 100000); use the 'cpsat' backend
        """
        return PyConstraintSession(model, max_domain_size=self._max_domain_size)
