"""The backend protocol: what every solver backend offers the configurator.

A :class:`Backend` is a small, stateless factory: ``backend.open(model)`` returns a
:class:`SolverSession` bound to one :class:`~cpq.model.ir.ConstraintModel`. A session may keep
state between calls (the ``sat`` backend keeps one warm incremental solver); it belongs to one
thread at a time. Every call takes a time limit in seconds and returns a *result*, never raises
for an unsatisfiable or timed-out problem.

Calls take

* ``assumptions``: a sequence of :data:`Assumption` s, each a :class:`~cpq.model.ir.BoolVar`,
  ``Not(BoolVar)`` or ``Compare(op, IntVar, IntConst)``: the user's choices;
* ``rules``: the ids of the rules that are switched on (``None``: all of them). Domain
  constraints are always on. Switching rules off is how explanations and lint find which rules
  matter.

An unsatisfiable answer carries a :class:`Core` when the backend has the ``cores`` capability:
the indices of the assumptions and the ids of the rules that together have no solution (not
necessarily minimal; :mod:`cpq.solve.explain` shrinks it).

Example:
    >>> from cpq.solve.base import Capabilities
    >>> Capabilities(frozenset({"cores", "incremental"})).supports("cores")
    True
"""

from __future__ import annotations

import enum
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias, runtime_checkable

from cpq.errors import UnsupportedFeatureError
from cpq.model.ir import (
    Assignment,
    BoolVar,
    Compare,
    ConstraintModel,
    IntConst,
    IntVar,
    Not,
    Objective,
)

__all__ = [
    "FEATURES",
    "Assumption",
    "Backend",
    "Capabilities",
    "Core",
    "Deadline",
    "Domains",
    "EnumerationResult",
    "Feature",
    "SolveResult",
    "SolveStatus",
    "SolverSession",
    "assumption_holds",
    "check_assumption",
    "generic_domains",
]

Feature: TypeAlias = Literal[
    "incremental", "cores", "domains", "optimize", "enumerate", "nonlinear", "pure-python", "hints"
]
FEATURES: tuple[Feature, ...] = (
    "incremental",
    "cores",
    "domains",
    "optimize",
    "enumerate",
    "nonlinear",
    "pure-python",
    "hints",
)
"""What a backend may offer:

* ``incremental``: repeated calls on one session reuse work (cheap interactive steps);
* ``cores``: unsatisfiable answers name a (not necessarily minimal) subset of assumptions/rules;
* ``domains``: a native valid-domain computation (``SolverSession.domains``);
* ``optimize``: ``SolverSession.optimize`` with arbitrary linear objectives;
* ``enumerate``: fast native enumeration of solutions;
* ``nonlinear``: products, divisions, min/max of wide numeric domains;
* ``pure-python``: no native code (runs wherever Python runs);
* ``hints``: the session has a ``prefer(assumptions)`` method: later searches try those values
  first (solution-guided search; answers stay the same, only faster).
"""


class SolveStatus(enum.Enum):
    """The outcome of a solver call."""

    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"
    """The time limit was reached before an answer was found."""


Assumption: TypeAlias = BoolVar | Not | Compare
"""A user choice passed to a solver: ``BoolVar``, ``Not(BoolVar)`` or ``Compare(op, IntVar, IntConst)``."""


def check_assumption(a: Assumption) -> None:
    """Raise when an assumption is not one of the three allowed shapes.

    Raises:
        UnsupportedFeatureError: for any other formula.

    Example:
        >>> from cpq.model.ir import BoolVar, Not
        >>> check_assumption(Not(BoolVar(0, "atex", "atex", None)))
    """
    if isinstance(a, BoolVar):
        return
    if isinstance(a, Not) and isinstance(a.arg, BoolVar):
        return
    if isinstance(a, Compare) and isinstance(a.left, IntVar) and isinstance(a.right, IntConst):
        return
    raise UnsupportedFeatureError(
        f"an assumption must be a variable, its negation or a bound: {a!r}"
    )


def assumption_holds(a: Assumption, assignment: Assignment) -> bool:
    """Whether an assignment satisfies an assumption.

    Example:
        >>> from cpq.model.ir import Assignment, BoolVar
        >>> assumption_holds(BoolVar(0, "atex", "atex", None), Assignment((True,)))
        True
    """
    from cpq.model.ir import eval_bool

    return eval_bool(a, assignment)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The features a backend offers (see :data:`FEATURES`)."""

    features: frozenset[Feature]

    def supports(self, feature: Feature) -> bool:
        """Whether the backend offers ``feature``."""
        return feature in self.features


@dataclass(frozen=True, slots=True)
class Core:
    """An unsatisfiable subset: indices into the call's assumptions plus rule ids."""

    assumptions: tuple[int, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SolveResult:
    """The answer of one call.

    Attributes:
        status: SAT, UNSAT or UNKNOWN (time limit).
        assignment: a full assignment when SAT.
        core: when UNSAT and the backend has cores.
        objective: the objective value of ``assignment`` (``optimize`` only).
        optimal: whether ``objective`` is proven optimal.
    """

    status: SolveStatus
    assignment: Assignment | None = None
    core: Core | None = None
    objective: int | None = None
    optimal: bool = False


@dataclass(frozen=True, slots=True)
class Domains:
    """Which values every variable can take in at least one solution (the valid domains).

    Attributes:
        status: SAT (domains exact), UNSAT (no solution at all) or UNKNOWN (time limit: the
            domains hold values proven possible, ``complete`` is false).
        bools: per :class:`BoolVar` index, the set of possible values.
        ints: per :class:`IntVar` index, the possible values found (exact for ranges up to
            ``int_exact_limit`` values, otherwise the two ends and every value seen).
        int_bounds: per :class:`IntVar` index, the smallest and largest possible value.
        cores: for literals proven impossible, a core that shows it (when the backend has cores),
            keyed by ``(bool var index, value)``.
        complete: whether every entry is exact.
    """

    status: SolveStatus
    bools: tuple[frozenset[bool], ...]
    ints: tuple[frozenset[int], ...]
    int_bounds: tuple[tuple[int, int] | None, ...]
    cores: dict[tuple[int, bool], Core] = field(default_factory=dict)
    complete: bool = True


@dataclass(frozen=True, slots=True)
class EnumerationResult:
    """Solutions found by ``enumerate``; ``complete`` is false when a limit stopped it."""

    assignments: tuple[Assignment, ...]
    complete: bool


class Deadline:
    """A point in time after which work stops (monotonic clock).

    Example:
        >>> d = Deadline(10.0)
        >>> d.expired()
        False
    """

    __slots__ = ("at",)

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        """Seconds left (0 when expired)."""
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self.at


@runtime_checkable
class SolverSession(Protocol):
    """A solver bound to one model. Not thread-safe: one user, one thread at a time."""

    model: ConstraintModel

    def solve(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """Find one solution under the assumptions with the given rules switched on."""
        ...

    def domains(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
        int_exact_limit: int = 256,
    ) -> Domains:
        """The valid domain of every variable under the assumptions."""
        ...

    def optimize(
        self,
        objective: Objective,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """A solution with the best objective value (``UnsupportedFeatureError`` if unable)."""
        ...

    def enumerate(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        limit: int,
        time_limit: float,
    ) -> EnumerationResult:
        """Up to ``limit`` distinct solutions, in a deterministic order."""
        ...

    def close(self) -> None:
        """Release the solver's resources."""
        ...


@runtime_checkable
class Backend(Protocol):
    """A solver backend: a name, its capabilities and a factory of sessions."""

    name: str
    capabilities: Capabilities

    def open(self, model: ConstraintModel) -> SolverSession:
        """A new session on ``model``.

        Raises:
            UnsupportedFeatureError: the model uses something the backend cannot encode.
        """
        ...


def generic_domains(
    session: SolverSession,
    assumptions: Sequence[Assumption] = (),
    *,
    rules: Collection[str] | None = None,
    time_limit: float,
    int_exact_limit: int = 256,
) -> Domains:
    """Valid domains from repeated ``solve`` calls (for backends without a native loop).

    Solution-guided: every solution found marks all the values it uses as possible, and only
    values not yet seen are tested, one call each.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.model.compile import compile_model
        >>> from cpq.solve.registry import get_backend
        >>> s = get_backend("sat").open(compile_model(demo_ruleset()))
        >>> generic_domains(s, time_limit=5).status
        <SolveStatus.SAT: 'sat'>
    """
    model = session.model
    deadline = Deadline(time_limit)
    first = (
        SolveResult(SolveStatus.UNKNOWN)
        if deadline.expired()
        else session.solve(assumptions, rules=rules, time_limit=deadline.remaining())
    )
    nb, ni = len(model.bool_vars), len(model.int_vars)
    if first.status is not SolveStatus.SAT:
        empty_b = tuple(frozenset[bool]() for _ in range(nb))
        empty_i = tuple(frozenset[int]() for _ in range(ni))
        return Domains(
            first.status, empty_b, empty_i, (None,) * ni, {}, first.status is SolveStatus.UNSAT
        )
    seen_b: list[set[bool]] = [set() for _ in range(nb)]
    seen_i: list[set[int]] = [set() for _ in range(ni)]
    cores: dict[tuple[int, bool], Core] = {}
    complete = True

    def note(a: Assignment) -> None:
        for i, b in enumerate(a.bools):
            seen_b[i].add(b)
        for i, k in enumerate(a.ints):
            seen_i[i].add(k)

    assert first.assignment is not None
    note(first.assignment)
    for var in model.bool_vars:
        for value in (True, False):
            if value in seen_b[var.index]:
                continue
            if deadline.expired():  # no call at all: each one costs time even with no limit
                complete = False
                break
            lit: Assumption = var if value else Not(var)
            res = session.solve([*assumptions, lit], rules=rules, time_limit=deadline.remaining())
            if res.status is SolveStatus.SAT:
                assert res.assignment is not None
                note(res.assignment)
            elif res.status is SolveStatus.UNSAT:
                if res.core is not None:
                    idx = tuple(i for i in res.core.assumptions if i < len(assumptions))
                    cores[(var.index, value)] = Core(idx, res.core.rules)
            else:
                complete = False
    bounds: list[tuple[int, int] | None] = []
    for iv in model.int_vars:
        values = seen_i[iv.index]
        if iv.hi - iv.lo + 1 <= int_exact_limit:
            for k in range(iv.lo, iv.hi + 1):
                if k in values:
                    continue
                if deadline.expired():
                    complete = False
                    break
                res = session.solve(
                    [*assumptions, Compare("==", iv, IntConst(k))],
                    rules=rules,
                    time_limit=deadline.remaining(),
                )
                if res.status is SolveStatus.SAT:
                    assert res.assignment is not None
                    note(res.assignment)
                elif res.status is SolveStatus.UNKNOWN:
                    complete = False
        else:
            lo = _extreme(session, assumptions, rules, deadline, iv, min(values), "<")
            hi = _extreme(session, assumptions, rules, deadline, iv, max(values), ">")
            if lo is None or hi is None:
                complete = False
            else:
                values.update((lo, hi))
        bounds.append((min(values), max(values)) if values else None)
    return Domains(
        SolveStatus.SAT if complete else SolveStatus.UNKNOWN,
        tuple(frozenset(s) for s in seen_b),
        tuple(frozenset(s) for s in seen_i),
        tuple(bounds),
        cores,
        complete,
    )


def _extreme(
    session: SolverSession,
    assumptions: Sequence[Assumption],
    rules: Collection[str] | None,
    deadline: Deadline,
    iv: IntVar,
    start: int,
    direction: Literal["<", ">"],
) -> int | None:
    """The smallest (``<``) or largest (``>``) feasible value, by binary search from ``start``."""
    best = start
    lo, hi = (iv.lo, start - 1) if direction == "<" else (start + 1, iv.hi)
    while lo <= hi:
        if deadline.expired():
            return None
        if direction == "<":
            mid = (lo + hi) // 2
            bound = Compare("<=", iv, IntConst(mid))
        else:
            mid = (lo + hi + 1) // 2
            bound = Compare(">=", iv, IntConst(mid))
        res = session.solve([*assumptions, bound], rules=rules, time_limit=deadline.remaining())
        if res.status is SolveStatus.UNKNOWN:
            return None
        if res.status is SolveStatus.SAT:
            assert res.assignment is not None
            found = res.assignment.ints[iv.index]
            best = found
            if direction == "<":
                hi = found - 1
            else:
                lo = found + 1
        elif direction == "<":
            lo = mid + 1
        else:
            hi = mid - 1
    return best
