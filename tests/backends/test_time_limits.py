"""Every backend honours its time limit: a hard model answers UNKNOWN, never hangs."""

from __future__ import annotations

import time

from cpq.model.ir import And, BoolVar, Constraint, ConstraintModel, Not, Or
from cpq.solve.base import Backend, SolveStatus

LIMIT = 0.2
SLACK = 2.0
"""Allowed overshoot in seconds (a loaded CI machine; the point is "no hang")."""


def pigeonhole(holes: int) -> ConstraintModel:
    """``holes + 1`` pigeons in ``holes`` holes: unsatisfiable, and exponentially hard for
    resolution-based and backtracking solvers alike."""
    n = holes
    lits = tuple(
        BoolVar(i * n + j, f"p{i}_{j}", f"p{i}_{j}", None) for i in range(n + 1) for j in range(n)
    )

    def p(i: int, j: int) -> BoolVar:
        return lits[i * n + j]

    rules = [
        Constraint(Or(tuple(p(i, j) for j in range(n))), "require", f"pigeon-{i}", None)
        for i in range(n + 1)
    ]
    rules += [
        Constraint(Not(And((p(i, j), p(k, j)))), "require", f"hole-{j}-{i}-{k}", None)
        for j in range(n)
        for i in range(n + 1)
        for k in range(i + 1, n + 1)
    ]
    return ConstraintModel("pigeonhole", (), lits, (), tuple(rules))


def free(n: int) -> ConstraintModel:
    """``n`` unconstrained Boolean variables: ``2**n`` solutions."""
    lits = tuple(BoolVar(i, f"b{i}", f"b{i}", None) for i in range(n))
    return ConstraintModel("free", (), lits, (), ())


def test_hard_model_times_out_as_unknown(backend: Backend) -> None:
    """Pigeonhole 11/10 with a 0.2 s limit: UNKNOWN, within the limit plus slack."""
    session = backend.open(pigeonhole(10))
    start = time.monotonic()
    res = session.solve(time_limit=LIMIT)
    elapsed = time.monotonic() - start
    assert res.status is SolveStatus.UNKNOWN
    assert res.assignment is None
    assert elapsed < LIMIT + SLACK


def test_session_still_works_after_a_timeout(backend: Backend) -> None:
    """A timed-out call leaves the session usable: the next call with rules off succeeds."""
    session = backend.open(pigeonhole(10))
    assert session.solve(time_limit=LIMIT).status is SolveStatus.UNKNOWN
    assert session.solve(rules=set(), time_limit=10).status is SolveStatus.SAT


def test_zero_time_limit_answers_unknown_or_quickly(backend: Backend) -> None:
    """A zero limit never hangs (an answer found at once is fine, a search is not)."""
    start = time.monotonic()
    res = backend.open(pigeonhole(10)).solve(time_limit=0)
    assert res.status is SolveStatus.UNKNOWN
    assert time.monotonic() - start < SLACK


def test_enumeration_stops_at_the_time_limit(backend: Backend) -> None:
    """Enumerating 2**40 solutions stops at the limit and says it is incomplete."""
    session = backend.open(free(40))
    start = time.monotonic()
    res = session.enumerate(limit=10**9, time_limit=LIMIT)
    assert not res.complete
    assert time.monotonic() - start < LIMIT + SLACK
    assert len(set(res.assignments)) == len(res.assignments)


def test_domains_time_out_incomplete(backend: Backend) -> None:
    """Valid domains of a hard model within a tiny limit: UNKNOWN and not complete."""
    start = time.monotonic()
    dom = backend.open(pigeonhole(10)).domains(time_limit=LIMIT)
    assert dom.status is SolveStatus.UNKNOWN
    assert not dom.complete
    assert time.monotonic() - start < LIMIT + SLACK
