"""The time limit is a deadline for a whole configurator call, on every backend.

A generated model (500 yes/no attributes, 1,750 random three-literal rules around a planted
solution) is small to write down and far too slow for the ``cpsat`` and ``pyconstraint``
backends to answer ``options()`` in a fraction of a second (hundreds of values to probe, each
probe a full solve; CP-SAT needs about 6 s for the full view, 20 times the limit used here).
Every operation must come back within its limit plus a slack for a loaded
machine, and whatever it claims must be true (checked against the ``sat`` backend with time to
spare and against the independent evaluator).
"""

from __future__ import annotations

import random
import time

import pytest

from cpq.configurator import Configurator
from cpq.errors import SolverTimeoutError
from cpq.model.evaluate import check_values
from cpq.ruleset import load_ruleset
from cpq.ruleset.model import Ruleset
from cpq.solve.base import Backend

LIMIT = 0.3
SLACK = 1.5
"""Allowed overshoot in seconds on a loaded 2-CPU CI machine (the point: no runaway calls)."""

N, RULES = 500, 1750


def _ruleset_text() -> tuple[str, list[tuple[tuple[int, bool], ...]]]:
    rnd = random.Random(11)
    planted = [rnd.random() < 0.5 for _ in range(N)]
    clauses: list[tuple[tuple[int, bool], ...]] = []
    while len(clauses) < RULES:
        picked = rnd.sample(range(N), 3)
        lits = tuple((i, rnd.random() < 0.5) for i in picked)
        if any(planted[i] == pol for i, pol in lits):
            clauses.append(lits)
    lines = ['cpq: "1"', "product: {id: gen, name: Generated}", "attributes:"]
    lines += [f"  f{i}: {{type: bool}}" for i in range(N)]
    lines.append("rules:")
    for k, lits in enumerate(clauses):
        body = " or ".join(f"f{i}" if pol else f"not f{i}" for i, pol in lits)
        lines.append(f'  - {{id: r{k}, require: "{body}"}}')
    return "\n".join(lines) + "\n", clauses


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ruleset, list[tuple[int, bool]]]:
    """The generated ruleset and a conflicting set of choices (one rule's literals all false,
    plus a few unrelated choices)."""
    text, clauses = _ruleset_text()
    folder = tmp_path_factory.mktemp("big")
    (folder / "product.yaml").write_text(text)
    rs = load_ruleset(folder)
    conflict = [(i, not pol) for i, pol in clauses[0]]
    return rs, conflict


def _timed(fn: object) -> tuple[object, float]:
    start = time.monotonic()
    try:
        out = fn()  # type: ignore[operator]
    except SolverTimeoutError as exc:
        out = exc
    return out, time.monotonic() - start


def _opened(rs: Ruleset, backend: Backend, limit: float = LIMIT) -> Configurator:
    cfg = Configurator(rs, backend=backend.name, time_limit=limit)
    _ = cfg.session  # translating the model happens once per session, outside the timing
    return cfg


def test_options_cut_short_claim_only_what_is_true(
    big: tuple[Ruleset, list[tuple[int, bool]]], backend: Backend
) -> None:
    """options() within the limit: a view, never an exception; every state it claims is the
    state the sat backend computes with time to spare, the rest is ``undecided``."""
    rs, _ = big
    picks = [("f3", True), ("f17", False), ("f42", True)]
    ref_cfg = Configurator(rs, backend="sat", time_limit=60)
    for name, v in picks:
        ref_cfg.select(name, v)
    ref = ref_cfg.options(reasons="none")
    assert ref.complete
    for reasons in ("none", "minimal"):
        cfg = _opened(rs, backend)
        for name, v in picks:
            cfg.select(name, v)
        view, took = _timed(lambda c=cfg, r=reasons: c.options(reasons=r))  # type: ignore[misc]
        assert not isinstance(view, Exception)
        assert took < LIMIT + SLACK, f"{backend.name} options() took {took:.2f} s"
        undecided = 0
        for attr, opts in view.attributes.items():  # type: ignore[attr-defined]
            for o in opts.values:
                truth = ref[attr].value(o.value).state
                if o.state == "undecided":
                    undecided += 1
                elif o.state == "selectable":  # proven possible (perhaps in fact forced)
                    assert truth in ("selectable", "implied"), (attr, o.value, truth)
                else:
                    assert o.state == truth, (attr, o.value, o.state, truth)
        assert view.complete == (undecided == 0)  # type: ignore[attr-defined]
        if backend.name != "sat":  # far too many probes for these in 0.3 s
            assert not view.complete  # type: ignore[attr-defined]


def test_every_operation_keeps_its_deadline(
    big: tuple[Ruleset, list[tuple[int, bool]]], backend: Backend
) -> None:
    """complete, count, enumerate, explain and repair end within the limit; what they return
    is valid (configurations pass the evaluator, explanations are conflicts, repairs fix)."""
    rs, conflict = big
    cfg = _opened(rs, backend)
    cfg.select("f3", True)
    done, took = _timed(cfg.complete)
    assert took < LIMIT + SLACK, f"complete() took {took:.2f} s"
    if not isinstance(done, Exception):
        assert done.status == "valid" and not check_values(rs, done.values)  # type: ignore[attr-defined]
    counted, took = _timed(lambda: cfg.count(limit=10**9))
    assert took < LIMIT + SLACK, f"count() took {took:.2f} s"
    assert not counted.exact  # type: ignore[attr-defined]
    found, took = _timed(lambda: cfg.enumerate(limit=10**6))
    assert took < LIMIT + SLACK, f"enumerate() took {took:.2f} s"
    for values in found:  # type: ignore[attr-defined]
        assert not check_values(rs, values)

    bad = _opened(rs, backend)
    for i, v in conflict:
        bad.select(f"f{i}", v)
    bad.select("f99", True)
    expl, took = _timed(bad.explain)
    assert took < LIMIT + SLACK, f"explain() took {took:.2f} s"
    if expl is not None and not isinstance(expl, Exception):
        # a conflict: the sat backend finds no solution with its choices and rules alone
        probe = Configurator(rs, backend="sat", time_limit=60)
        chosen = {c.attribute: c.value for c in expl.choices}  # type: ignore[attr-defined]
        rule_ids = [r.id for r in expl.rules]  # type: ignore[attr-defined]
        items = [probe._fix(probe.model.attribute(a), v) for a, v in chosen.items()]
        res = probe.session.solve(items, rules=rule_ids, time_limit=60)
        assert res.status.name == "UNSAT"
    repairs, took = _timed(bad.repair)
    assert took < LIMIT + SLACK, f"repair() took {took:.2f} s"
    for rep in repairs:  # type: ignore[attr-defined]
        fixed = Configurator(rs, backend="sat", time_limit=60)
        gone = {c.attribute for c in rep.remove}
        for i, v in [*conflict, (99, True)]:
            if f"f{i}" not in gone:
                fixed.select(f"f{i}", v)
        assert fixed.complete().status == "valid"


def test_sat_backend_finishes_the_same_model(
    big: tuple[Ruleset, list[tuple[int, bool]]],
) -> None:
    """The interactive backend answers this model exactly within a second (the tests above
    are about slow backends, not about a model that is slow for everyone)."""
    rs, conflict = big
    cfg = Configurator(rs, backend="sat", time_limit=5)
    assert cfg.select("f3", True).options().complete
    for i, v in conflict:
        cfg.select(f"f{i}", v)
    assert cfg.explain() is not None
    assert len(cfg.repair()) >= 1
