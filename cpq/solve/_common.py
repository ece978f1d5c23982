"""Helpers shared by the CP-SAT and python-constraint backends (private).

Example:
    >>> cmp_holds("<=", 2, 3), cmp_holds("!=", 0, 0)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cpq.model.ir import CompareOp
from cpq.solve.base import Assumption, Domains, SolverSession, generic_domains


def cmp_holds(op: CompareOp, x: int, y: int) -> bool:
    """Whether ``x op y``."""
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


def cmp_decided(op: CompareOp, lo: int, hi: int) -> bool | None:
    """Whether ``d op 0`` holds for every ``d`` in ``[lo, hi]`` (True), for none (False), or some."""
    if lo == hi:
        return cmp_holds(op, lo, 0)
    if op == "==":
        return False if lo > 0 or hi < 0 else None
    if op == "!=":
        return True if lo > 0 or hi < 0 else None
    if cmp_holds(op, lo, 0) and cmp_holds(op, hi, 0):
        return True
    if not cmp_holds(op, lo, 0) and not cmp_holds(op, hi, 0):
        return False
    return None


class GenericDomainsMixin:
    """``domains`` of a session that has no dedicated propagation: :func:`generic_domains`."""

    def domains(
        self: SolverSession,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
        int_exact_limit: int = 256,
    ) -> Domains:
        """The valid domain of every variable (solution-guided, one ``solve`` per open value).

        Example:
            >>> from cpq.model.ir import BoolVar, ConstraintModel
            >>> from cpq.solve.cpsat import CpSatBackend
            >>> from cpq.solve.pyconstraint import PyConstraintBackend
            >>> m = ConstraintModel("d", (), (BoolVar(0, "p", "p", None),), (), ())
            >>> for backend in (CpSatBackend(), PyConstraintBackend()):
            ...     print(backend.open(m).domains(time_limit=1).bools)
            (frozenset({False, True}),)
            (frozenset({False, True}),)
        """
        return generic_domains(
            self, assumptions, rules=rules, time_limit=time_limit, int_exact_limit=int_exact_limit
        )
