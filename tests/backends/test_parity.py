"""One case table, every backend: the same answers as brute force over ``ir.eval_bool``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpq.model.ir import Compare, Constraint, ConstraintModel, IntConst, Not, Table
from cpq.solve.base import Assumption, Backend, SolveStatus

from .cases import CASES, TABLE_FORBID, Case, compiled_case
from .strategies import all_assignments, brute_force, satisfies

LIMIT = 10_000
TIME = 30.0


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    """Each hand-made case in turn."""
    c: Case = request.param
    return c


def test_case_counts_are_right(case: Case) -> None:
    """The expected counts in the case table agree with brute force."""
    assert len(brute_force(case.model)) == case.count


def test_solve_finds_a_solution_exactly_when_one_exists(backend: Backend, case: Case) -> None:
    """SAT iff brute force finds a solution; the assignment satisfies every constraint."""
    res = backend.open(case.model).solve(time_limit=TIME)
    if case.count:
        assert res.status is SolveStatus.SAT
        assert res.assignment is not None
        assert satisfies(case.model, res.assignment)
    else:
        assert res.status is SolveStatus.UNSAT
        assert res.assignment is None


def test_enumerate_counts_every_solution_once(backend: Backend, case: Case) -> None:
    """Enumeration returns exactly the brute-force solutions, each once, and says complete."""
    res = backend.open(case.model).enumerate(limit=LIMIT, time_limit=TIME)
    assert res.complete
    assert len(res.assignments) == len(set(res.assignments))
    assert set(res.assignments) == set(brute_force(case.model))


def test_enumerate_stops_at_the_limit(backend: Backend, case: Case) -> None:
    """With a limit below the count, enumeration returns ``limit`` solutions, not complete."""
    total = len(brute_force(case.model))
    if total == 0:
        pytest.skip("no solutions")
    res = backend.open(case.model).enumerate(limit=total - 1, time_limit=TIME)
    assert len(res.assignments) == total - 1
    assert not res.complete
    exact = backend.open(case.model).enumerate(limit=total, time_limit=TIME)
    assert len(exact.assignments) == total


def _single_assumptions(case: Case) -> list[Assumption]:
    m = case.model
    out: list[Assumption] = []
    for v in m.bool_vars:
        out.extend([v, Not(v)])
    for iv in m.int_vars:
        out.extend(Compare(op, iv, IntConst(iv.lo + 1)) for op in ("==", "<=", ">", "!="))
    return out


def test_assumptions_agree_with_brute_force(backend: Backend, case: Case) -> None:
    """Each single user choice: SAT iff brute force finds a solution that makes the choice."""
    session = backend.open(case.model)
    for a in _single_assumptions(case):
        res = session.solve([a], time_limit=TIME)
        expected = bool(brute_force(case.model, [a]))
        assert (res.status is SolveStatus.SAT) == expected, a
        if expected:
            assert res.assignment is not None
            assert satisfies(case.model, res.assignment, [a])
        else:
            assert res.status is SolveStatus.UNSAT


def test_rules_switched_off_are_ignored(backend: Backend, case: Case) -> None:
    """With every rule off only the domain constraints count; each rule alone as well."""
    m = case.model
    session = backend.open(m)
    ids = sorted(set(m.rule_ids()))
    for rules in [set(), *({r} for r in ids)]:
        res = session.solve(rules=rules, time_limit=TIME)
        expected = bool(brute_force(m, rules=rules))
        assert (res.status is SolveStatus.SAT) == expected, rules
        if res.assignment is not None:
            assert satisfies(m, res.assignment, rules=rules)


def test_cores_are_unsatisfiable(backend: Backend, case: Case) -> None:
    """An UNSAT answer's core (when the backend gives one) is itself without solution."""
    if not backend.capabilities.supports("cores"):
        pytest.skip("no cores")
    session = backend.open(case.model)
    for a in [None, *_single_assumptions(case)]:
        assumptions = [] if a is None else [a]
        res = session.solve(assumptions, time_limit=TIME)
        if res.status is not SolveStatus.UNSAT:
            continue
        assert res.core is not None
        kept = [assumptions[i] for i in res.core.assumptions]
        assert not brute_force(case.model, kept, rules=set(res.core.rules)), res.core


def test_domains_agree_with_brute_force(backend: Backend, case: Case) -> None:
    """Valid domains are exactly the values some solution uses."""
    sols = brute_force(case.model)
    dom = backend.open(case.model).domains(time_limit=TIME)
    if not sols:
        assert dom.status is SolveStatus.UNSAT
        return
    assert dom.complete
    for i in range(len(case.model.bool_vars)):
        assert dom.bools[i] == {s.bools[i] for s in sols}
    for j in range(len(case.model.int_vars)):
        assert dom.ints[j] == {s.ints[j] for s in sols}


def test_same_answer_twice(backend: Backend, case: Case) -> None:
    """Two sessions on the same model give the same assignment and the same enumeration."""
    one, two = backend.open(case.model), backend.open(case.model)
    assert one.solve(time_limit=TIME) == two.solve(time_limit=TIME) == one.solve(time_limit=TIME)
    assert one.enumerate(limit=LIMIT, time_limit=TIME) == two.enumerate(
        limit=LIMIT, time_limit=TIME
    )


def test_unknown_rule_id_is_an_error(backend: Backend) -> None:
    """Switching on a rule the model does not have raises KeyError (a typo, not a result)."""
    with pytest.raises(KeyError):
        backend.open(CASES[0].model).solve(rules={"no-such-rule"}, time_limit=TIME)


def test_compiled_ruleset_agrees_with_brute_force(backend: Backend, tmp_path: Path) -> None:
    """A compiled ruleset (choice, multi, bool, int, properties, table): counts and one solve."""
    case = compiled_case(tmp_path)
    expected = brute_force(case.model)
    assert 0 < len(expected) < sum(1 for _ in all_assignments(case.model))
    session = backend.open(case.model)
    res = session.enumerate(limit=LIMIT, time_limit=TIME)
    assert res.complete
    assert sorted(res.assignments, key=repr) == sorted(expected, key=repr)
    one = session.solve(time_limit=TIME)
    assert one.assignment is not None and satisfies(case.model, one.assignment)


def test_table_cell_matching_nothing(backend: Backend) -> None:
    """A cell with no values never matches: an allow row with one is dead, a forbid row void."""
    heat, size = TABLE_FORBID.model.attributes
    for mode in ("allow", "forbid"):
        # the first row can never match, so only the second decides: heat (allow), no heat
        table = Table((heat, size), ((None, frozenset()), (frozenset({True}), None)), mode)
        m = ConstraintModel(
            "empty-cell",
            (heat, size),
            TABLE_FORBID.model.bool_vars,
            TABLE_FORBID.model.int_vars,
            (Constraint(table, "table", "t", None),),
        )
        expected = brute_force(m)
        assert {a.bools for a in expected} == {(mode == "allow",)} and len(expected) == 5
        found = backend.open(m).enumerate(limit=LIMIT, time_limit=TIME)
        assert set(found.assignments) == set(expected) and found.complete
