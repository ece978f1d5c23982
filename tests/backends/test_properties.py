"""Hypothesis: on random small models every backend agrees with brute force.

Example counts come from the profile in ``tests/conftest.py`` (never raised here). Models follow
the IR's promises (every choice attribute has its "exactly one"; one constraint per rule); the
``unusual`` tests also draw shapes only hand-built IR has, on the backends that accept them.
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.model.compile import compile_model
from cpq.model.ir import BoolToInt, ConstraintModel, Linear, NumExpr, Objective, eval_num
from cpq.ruleset.model import Ruleset
from cpq.solve import cpsat
from cpq.solve.base import Backend, SolveStatus
from cpq.solve.cpsat import CpSatBackend
from cpq.solve.registry import get_backend
from cpq.testing import rulesets

from .strategies import assumptions, brute_force, models, numbers, rule_subsets, satisfies

UNUSUAL = pytest.mark.parametrize("name", ["cpsat", "pyconstraint"])

TIME = 30.0
LIMIT = 100_000


@given(data=st.data())
def test_solve_and_count_agree_with_brute_force(backend: Backend, data: st.DataObject) -> None:
    """Satisfiable iff brute force says so; enumeration finds exactly the brute-force set."""
    _solve_and_count(backend, data.draw(models()))


@UNUSUAL
@given(data=st.data())
def test_unusual_models_agree_with_brute_force(name: str, data: st.DataObject) -> None:
    """Choices without "exactly one", shared rule ids, empty cells: still brute force's answer."""
    backend = get_backend(name)
    model = data.draw(models(unusual=True))
    _solve_and_count(backend, model)
    _assumptions_and_rules(backend, model, data)


@given(data=st.data())
def test_cpsat_row_by_row_tables_agree_with_brute_force(data: st.DataObject) -> None:
    """CP-SAT's second table encoding (one literal per row) gives the same answers."""
    with mock.patch.object(cpsat, "TABLE_TUPLE_LIMIT", 0):
        model = data.draw(models(unusual=True))
        _solve_and_count(CpSatBackend(), model)
        _assumptions_and_rules(CpSatBackend(), model, data)


def _solve_and_count(backend: Backend, model: ConstraintModel) -> None:
    expected = brute_force(model)
    session = backend.open(model)
    res = session.solve(time_limit=TIME)
    assert (res.status is SolveStatus.SAT) == bool(expected)
    if res.assignment is not None:
        assert satisfies(model, res.assignment)
    found = session.enumerate(limit=LIMIT, time_limit=TIME)
    assert found.complete
    assert len(found.assignments) == len(expected)
    assert set(found.assignments) == set(expected)


@given(data=st.data())
def test_assumptions_and_rules_agree_with_brute_force(
    backend: Backend, data: st.DataObject
) -> None:
    """Under random choices and rule subsets: the same status, a valid assignment, a valid core."""
    _assumptions_and_rules(backend, data.draw(models()), data)


def _assumptions_and_rules(backend: Backend, model: ConstraintModel, data: st.DataObject) -> None:
    session = backend.open(model)
    for _ in range(3):
        choices = data.draw(assumptions(model))
        rules = data.draw(rule_subsets(model))
        res = session.solve(choices, rules=rules, time_limit=TIME)
        expected = brute_force(model, choices, rules)
        assert (res.status is SolveStatus.SAT) == bool(expected)
        if res.assignment is not None:
            assert satisfies(model, res.assignment, choices, rules)
        if res.core is not None:
            assert res.status is SolveStatus.UNSAT
            assert set(res.core.rules) <= (set(model.rule_ids()) if rules is None else rules)
            kept = [choices[i] for i in res.core.assumptions]
            assert not brute_force(model, kept, set(res.core.rules))


@given(data=st.data())
def test_enumerate_respects_assumptions(backend: Backend, data: st.DataObject) -> None:
    """Enumeration under choices gives the brute-force solutions that make the choices."""
    model = data.draw(models(max_bools=5, max_ints=1))
    choices = data.draw(assumptions(model))
    found = backend.open(model).enumerate(choices, limit=LIMIT, time_limit=TIME)
    assert found.complete
    assert sorted(found.assignments, key=repr) == sorted(brute_force(model, choices), key=repr)


def _objective(model: ConstraintModel, data: st.DataObject) -> NumExpr:
    """A weighted sum of every variable, or (half the time) any numeric expression."""
    if data.draw(st.booleans()):
        return data.draw(numbers(model))
    terms: list[tuple[int, NumExpr]] = [(data.draw(st.integers(-5, 5)), v) for v in model.int_vars]
    terms += [(data.draw(st.integers(-5, 5)), BoolToInt(v)) for v in model.bool_vars]
    return Linear(tuple(terms), data.draw(st.integers(-3, 3)))


@given(data=st.data(), sense=st.sampled_from(("min", "max")))
def test_cpsat_optimum_matches_brute_force(data: st.DataObject, sense: str) -> None:
    """CP-SAT's proven optimum equals the best value over the brute-force solutions."""
    model = data.draw(models(unusual=True))
    objective = Objective(_objective(model, data), "min" if sense == "min" else "max")
    res = CpSatBackend().open(model).optimize(objective, time_limit=TIME)
    sols = brute_force(model)
    if not sols:
        assert res.status is SolveStatus.UNSAT
        return
    values = [eval_num(objective.expr, a) for a in sols]
    best = min(values) if sense == "min" else max(values)
    assert res.status is SolveStatus.SAT and res.optimal
    assert res.assignment is not None and satisfies(model, res.assignment)
    assert res.objective == best == eval_num(objective.expr, res.assignment)


def _small(rs: Ruleset) -> bool:
    size = 1
    for a in rs.attributes.values():
        if a.type in ("choice",):
            size *= len(a.values)
        elif a.type == "multi":
            size *= 2 ** len(a.values)
        elif a.type == "bool":
            size *= 2
    return size <= 4096


@given(rs=rulesets(max_attributes=3))
def test_compiled_rulesets_agree_with_brute_force(backend: Backend, rs: Ruleset) -> None:
    """Random rulesets, compiled: the backend's enumeration is the brute-force solution set."""
    model = compile_model(rs)
    if not _small(rs):
        return
    expected = brute_force(model)
    found = backend.open(model).enumerate(limit=LIMIT, time_limit=TIME)
    assert found.complete
    assert set(found.assignments) == set(expected)
    assert len(found.assignments) == len(expected)
