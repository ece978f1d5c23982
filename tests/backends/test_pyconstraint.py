"""python-constraint only: what it refuses, and the corners of its encoding."""

from __future__ import annotations

import pytest

from cpq.errors import UnsupportedFeatureError
from cpq.model.ir import (
    AttributeVars,
    BoolToInt,
    BoolVar,
    Compare,
    Constraint,
    ConstraintModel,
    IntConst,
    IntVar,
    Linear,
    Not,
    Objective,
)
from cpq.solve.base import SolveStatus
from cpq.solve.cpsat import CpSatBackend
from cpq.solve.pyconstraint import PyConstraintBackend

from .cases import PUMP

TIME = 30.0


def test_optimize_names_the_cpsat_backend() -> None:
    """There is no objective support; the error says which backend has it."""
    s = PyConstraintBackend().open(PUMP.model)
    with pytest.raises(UnsupportedFeatureError, match="'cpsat'"):
        s.optimize(Objective(PUMP.model.int_vars[0]), time_limit=TIME)


def test_capabilities_are_honest() -> None:
    """Pure Python, no cores, no optimisation."""
    caps = PyConstraintBackend().capabilities
    assert caps.supports("pure-python")
    assert not caps.supports("cores") and not caps.supports("optimize")


def test_wide_integer_ranges_are_refused() -> None:
    """An int with more values than ``max_domain_size`` is refused at open, naming cpsat."""
    m = ConstraintModel("wide", (), (), (IntVar(0, "n", "n", 0, 999),), ())
    with pytest.raises(UnsupportedFeatureError, match="'cpsat'"):
        PyConstraintBackend(max_domain_size=100).open(m)
    assert PyConstraintBackend(max_domain_size=1000).open(m).solve(time_limit=TIME).assignment


def test_empty_integer_range_has_no_solution() -> None:
    """An int whose range is empty (never compiled, but valid IR) gives UNSAT, as on CP-SAT."""
    m = ConstraintModel("empty", (), (), (IntVar(0, "z", "z", 3, 2),), ())
    assert PyConstraintBackend().open(m).solve(time_limit=TIME).status is SolveStatus.UNSAT
    assert CpSatBackend().open(m).solve(time_limit=TIME).status is SolveStatus.UNSAT
    assert PyConstraintBackend().open(m).enumerate(limit=5, time_limit=TIME).assignments == ()


def test_assumption_emptying_a_count_variable() -> None:
    """ "Exactly one of one value" with that value assumed false: UNSAT, not a library crash."""
    v = BoolVar(0, "a=v", "a", "v")
    one = Compare("==", Linear(((1, BoolToInt(v)),)), IntConst(1))
    m = ConstraintModel(
        "one",
        (AttributeVars("a", "choice", ("v",), (v,)),),
        (v,),
        (),
        (Constraint(one, "domain", None, None, "a"),),
    )
    assert PyConstraintBackend().open(m).solve([Not(v)], time_limit=TIME).status is (
        SolveStatus.UNSAT
    )


def test_unsat_has_no_core() -> None:
    """UNSAT answers carry no core (QuickXplain in explain.py works from rule switching)."""
    atex = PUMP.model.attribute("atex").lits[0]
    flow = PUMP.model.int_vars[0]
    res = (
        PyConstraintBackend()
        .open(PUMP.model)
        .solve([atex, Compare(">", flow, IntConst(5))], time_limit=TIME)
    )
    assert res.status is SolveStatus.UNSAT and res.core is None


def test_first_solution_is_plain_and_stable() -> None:
    """The search tries false before true and small integers early: no ATEX, a small flow;
    and a fresh session finds the very same solution."""
    res = PyConstraintBackend().open(PUMP.model).solve(time_limit=TIME)
    assert res.assignment is not None
    assert res.assignment.bools[3] is False  # no ATEX
    assert res.assignment.ints[0] <= 3
    assert PyConstraintBackend().open(PUMP.model).solve(time_limit=TIME) == res
