"""CP-SAT only: objectives, large numbers, both table encodings, cores, odd IR shapes."""

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
    FloorDiv,
    IntConst,
    IntVar,
    Linear,
    Mul,
    Not,
    Objective,
    Or,
    Table,
    eval_num,
)
from cpq.solve import cpsat
from cpq.solve.base import SolveStatus
from cpq.solve.cpsat import CpSatBackend

from .cases import CASES, PUMP
from .strategies import brute_force, satisfies

TIME = 30.0


def _require(expr: object, rid: str) -> Constraint:
    return Constraint(expr, "require", rid, None)  # type: ignore[arg-type]


def test_fewest_changes_objective() -> None:
    """Minimising the number of values that differ from a wish list finds the closest config."""
    m = PUMP.model
    medium = m.attribute("medium")
    atex = m.attribute("atex").lits[0]
    flow = m.int_vars[0]
    # wish: solvent, no ATEX, flow 8 -- solvent needs ATEX and ATEX limits flow to 5
    changes = Linear(
        (
            (1, BoolToInt(Not(medium.lit("solvent")))),
            (1, BoolToInt(atex)),
            (1, BoolToInt(Compare("!=", flow, IntConst(8)))),
        )
    )
    res = CpSatBackend().open(m).optimize(Objective(changes), time_limit=TIME)
    assert res.status is SolveStatus.SAT and res.optimal
    assert res.objective == 1
    assert res.assignment is not None and satisfies(m, res.assignment)


def test_cheapest_completion_with_minor_unit_prices() -> None:
    """List prices in cents (large integers) pick the cheapest valid configuration exactly."""
    m = PUMP.model
    medium = m.attribute("medium")
    atex = m.attribute("atex").lits[0]
    flow = m.int_vars[0]
    price = Linear(
        (
            (1_250_000_00, BoolToInt(medium.lit("water"))),
            (1_180_000_00, BoolToInt(medium.lit("sea"))),
            (1_990_000_00, BoolToInt(medium.lit("solvent"))),
            (45_000_00, BoolToInt(atex)),
            (3_500_00, flow),
        ),
        10_000_000_00,
    )
    res = CpSatBackend().open(m).optimize(Objective(price), time_limit=TIME)
    best = min(eval_num(price, a) for a in brute_force(m))
    assert res.objective == best and res.optimal
    assert res.assignment is not None and eval_num(price, res.assignment) == best


def test_maximise_with_assumptions_and_rules() -> None:
    """The objective respects assumptions and switched-off rules."""
    m = PUMP.model
    flow = m.int_vars[0]
    atex = m.attribute("atex").lits[0]
    s = CpSatBackend().open(m)
    assert s.optimize(Objective(flow, "max"), [atex], time_limit=TIME).objective == 5
    off = s.optimize(Objective(flow, "max"), [atex], rules={"sea-flow"}, time_limit=TIME)
    assert off.objective == 8


def test_optimize_unsat_has_a_core() -> None:
    """An infeasible optimisation answers UNSAT with a core, like solve."""
    m = PUMP.model
    flow, atex = m.int_vars[0], m.attribute("atex").lits[0]
    choices = [atex, Compare(">=", flow, IntConst(7))]
    res = CpSatBackend().open(m).optimize(Objective(flow), choices, time_limit=TIME)
    assert res.status is SolveStatus.UNSAT
    assert res.core is not None
    # not necessarily minimal, but it must hold the culprits and be unsatisfiable by itself
    assert res.core.assumptions == (0, 1) and "atex-limits-flow" in res.core.rules
    assert not brute_force(m, choices, set(res.core.rules))


def test_constant_objective_is_any_solution() -> None:
    """A constant objective is accepted: the first solution is optimal."""
    res = CpSatBackend().open(PUMP.model).optimize(Objective(IntConst(7)), time_limit=TIME)
    assert (res.status, res.objective, res.optimal) == (SolveStatus.SAT, 7, True)


def test_bound_outside_the_range_is_refuted_without_solving() -> None:
    """``flow == 99`` on a 1..8 range is UNSAT with that assumption alone as the core."""
    flow = PUMP.model.int_vars[0]
    res = CpSatBackend().open(PUMP.model).solve([Compare("==", flow, IntConst(99))], time_limit=1)
    assert res.status is SolveStatus.UNSAT
    assert res.core is not None and res.core.assumptions == (0,) and res.core.rules == ()


def test_too_large_numbers_are_refused() -> None:
    """Products beyond 2**53 raise UnsupportedFeatureError instead of overflowing int64."""
    x = IntVar(0, "x", "x", 0, 10**12)
    m = ConstraintModel(
        "big", (), (), (x,), (_require(Compare(">=", Mul(x, x), IntConst(5)), "sq"),)
    )
    with pytest.raises(UnsupportedFeatureError, match="too large"):
        CpSatBackend().open(m)


def test_floor_division_by_a_variable_follows_python() -> None:
    """``a // b`` rounds towards minus infinity and ``a // 0 == 0`` for every sign."""
    a = IntVar(0, "a", "a", -7, 7)
    b = IntVar(1, "b", "b", -3, 3)
    q = IntVar(2, "q", "q", -8, 8)
    m = ConstraintModel(
        "div", (), (), (a, b, q), (_require(Compare("==", q, FloorDiv(a, b)), "q"),)
    )
    found = CpSatBackend().open(m).enumerate(limit=1000, time_limit=TIME)
    assert found.complete
    got = {(x.ints[0], x.ints[1]): x.ints[2] for x in found.assignments}
    assert len(got) == len(found.assignments) == 15 * 7
    for (x, y), z in got.items():
        assert z == (0 if y == 0 else x // y)


def test_wide_tables_use_row_literals(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the tuple limit at zero every table is encoded row by row; answers do not change."""
    monkeypatch.setattr(cpsat, "TABLE_TUPLE_LIMIT", 0)
    for case in CASES:
        found = CpSatBackend().open(case.model).enumerate(limit=10_000, time_limit=TIME)
        assert found.complete, case.name
        assert set(found.assignments) == set(brute_force(case.model)), case.name


def test_table_with_wildcards_over_a_wide_int() -> None:
    """A wildcard over a range of a million values does not expand into a million tuples."""
    n = IntVar(0, "n", "n", 0, 1_000_000)
    heat = BoolVar(0, "heat", "heat", None)
    cols = (
        AttributeVars("heat", "bool", (), (heat,)),
        AttributeVars("n", "int", (), (), n),
    )
    table = Table(cols, ((frozenset({True}), None), (None, frozenset({5}))), "forbid")
    m = ConstraintModel("wide", cols, (heat,), (n,), (_require(table, "t"),))
    s = CpSatBackend().open(m)
    res = s.optimize(Objective(n), time_limit=TIME)
    assert res.assignment is not None
    assert res.assignment.bools == (False,) and res.objective == 0
    assert s.solve([heat], time_limit=TIME).status is SolveStatus.UNSAT


def test_rules_sharing_an_id_switch_together() -> None:
    """Two constraints under one rule id are on or off together (and share the core entry)."""
    p, q = BoolVar(0, "p", "p", None), BoolVar(1, "q", "q", None)
    m = ConstraintModel(
        "shared",
        (),
        (p, q),
        (),
        (_require(p, "r"), _require(Not(q), "r"), _require(Or((q,)), "s")),
    )
    s = CpSatBackend().open(m)
    res = s.solve(time_limit=TIME)
    assert res.status is SolveStatus.UNSAT and res.core is not None
    assert res.core.rules == ("r", "s")
    assert s.solve(rules={"s"}, time_limit=TIME).status is SolveStatus.SAT
    assert s.solve(rules={"r"}, time_limit=TIME).status is SolveStatus.SAT


def test_enumeration_order_is_stable_across_sessions() -> None:
    """The same model enumerates in the same order in a fresh session (one worker, one seed)."""
    first = CpSatBackend().open(PUMP.model).enumerate(limit=50, time_limit=TIME)
    again = CpSatBackend().open(PUMP.model).enumerate(limit=50, time_limit=TIME)
    assert first.assignments == again.assignments


def test_seed_is_part_of_the_backend() -> None:
    """Backends with the same seed agree; the seed is the only knob for the search."""
    a = CpSatBackend(seed=3).open(PUMP.model).solve(time_limit=TIME)
    b = CpSatBackend(seed=3).open(PUMP.model).solve(time_limit=TIME)
    assert a == b


def test_compare_over_bool_counts() -> None:
    """A count of Boolean variables compared with a constant (a multi-attribute bound)."""
    lits = tuple(BoolVar(i, f"v{i}", "acc", f"v{i}") for i in range(4))
    count = Linear(tuple((1, BoolToInt(x)) for x in lits))
    m = ConstraintModel(
        "count", (), lits, (), (_require(Compare(">", count, IntConst(2)), "more-than-two"),)
    )
    found = CpSatBackend().open(m).enumerate(limit=100, time_limit=TIME)
    assert len(found.assignments) == 5 and found.complete


def test_core_in_merged_literals_is_found_again_without_presolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When CP-SAT names a literal of its presolved model (no assumption of ours), the call is
    solved again without presolve and that core is used: small and sound, not the whole call.
    Only when that fails too is everything the call assumed the core."""
    from ortools.sat.python import cp_model

    m = PUMP.model
    flow, atex = m.int_vars[0], m.attribute("atex").lits[0]
    choices = [atex, Compare(">=", flow, IntConst(7))]
    real = cp_model.CpSolver.sufficient_assumptions_for_infeasibility

    def merged_when_presolved(self: cp_model.CpSolver) -> list[int]:
        if self.parameters.cp_model_presolve:
            return [10**6]  # a literal of the presolved model, owned by no assumption
        return list(real(self))

    monkeypatch.setattr(
        cp_model.CpSolver, "sufficient_assumptions_for_infeasibility", merged_when_presolved
    )
    session = CpSatBackend().open(m)
    core = session.solve(choices, time_limit=TIME).core
    assert core is not None and core.assumptions == (0, 1)
    assert "atex-limits-flow" in core.rules and len(core.rules) < len(m.rule_ids())
    assert not brute_force(m, choices, set(core.rules))

    monkeypatch.setattr(
        cp_model.CpSolver, "sufficient_assumptions_for_infeasibility", lambda self: [10**6]
    )
    core = session.solve(choices, time_limit=TIME).core
    assert core is not None and core.rules == m.rule_ids()  # the sound fallback
