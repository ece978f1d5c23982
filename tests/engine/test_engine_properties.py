"""Property tests: the compiler, the sat backend and the configurator against brute force."""

from __future__ import annotations

from _oracle import check_explanation, choices_of, exists, holds, table
from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.configurator import Choice, Configurator
from cpq.model.compile import assignment_to_values, compile_model, values_to_assignment
from cpq.model.evaluate import check_values
from cpq.model.ir import eval_bool
from cpq.ruleset.model import Ruleset
from cpq.solve.base import SolveStatus
from cpq.solve.registry import get_backend
from cpq.testing import configurations, rulesets, selections, valid_configurations


@given(st.data(), rulesets())
def test_compiled_model_agrees_with_evaluator(data: st.DataObject, rs: Ruleset) -> None:
    """On any full configuration the IR constraints fail exactly where the evaluator says."""
    model = compile_model(rs)
    values = data.draw(configurations(rs))
    a = values_to_assignment(model, values)
    ir = {
        c.rule_id or f"{c.attribute}:selection"
        for c in model.constraints
        if not eval_bool(c.expr, a)
    }
    assert ir == set(check_values(rs, values))
    assert assignment_to_values(model, a) == values


@given(rulesets())
def test_sat_backend_matches_brute_force(rs: Ruleset) -> None:
    """Satisfiability, valid domains and the number of solutions match enumeration."""
    model = compile_model(rs)
    valid = list(valid_configurations(rs))
    session = get_backend("sat").open(model)
    res = session.solve(time_limit=10)
    assert (res.status is SolveStatus.SAT) == bool(valid)
    if res.assignment is not None:
        assert not check_values(rs, assignment_to_values(model, res.assignment))
    dom = session.domains(time_limit=10)
    assert dom.complete
    for var in model.bool_vars:
        expected = {values_to_assignment(model, v).bools[var.index] for v in valid}
        assert dom.bools[var.index] == expected, var.name
    for iv in model.int_vars:
        assert dom.ints[iv.index] == {v[iv.attribute] for v in valid}
    found = session.enumerate(limit=100_000, time_limit=20)
    assert found.complete
    assert len(found.assignments) == len(valid)
    assert len(set(found.assignments)) == len(valid)


def _apply(cfg: Configurator, sel: list[tuple[str, object]]) -> None:
    for name, value in sel:
        cfg.select(name, value)


@given(st.data(), rulesets(max_attributes=4, max_rules=4))
def test_options_are_exact(data: st.DataObject, rs: Ruleset) -> None:
    """Every state in options() matches brute force; reasons are sound and minimal."""
    rows = table(rs)
    cfg = Configurator(rs)
    _apply(cfg, data.draw(selections(rs)))
    view = cfg.options()
    user = choices_of(cfg.choices, rs)
    consistent = exists(rows, user, None)
    assert view.consistent == consistent
    for name, attr in rs.attributes.items():
        opts = view[name]
        if attr.type == "int":
            others = [c for c in user if c.attribute != name]
            feasible = sorted(
                {v[name] for v, bad in rows if not bad and all(holds(v, c) for c in others)}
            )
            assert list(opts.feasible or ()) == feasible
            assert opts.range == ((feasible[0], feasible[-1]) if feasible else None)
            continue
        for opt in opts.values:
            if attr.type == "multi":
                assert isinstance(opt.value, str)
                me = Choice(name, opt.value, True)
                others = [c for c in user if (c.attribute, c.value) != (name, opt.value)]
            else:
                me = Choice(name, opt.value, True)
                others = [c for c in user if c.attribute != name]
            if opt.state == "selected":
                assert me.value in [c.value for c in user if c.attribute == name and c.selected]
                continue
            possible = exists(rows, [*others, me], None)
            if opt.state == "excluded":
                assert not possible, (name, opt.value)
                assert opt.reason is not None
                check_explanation(rows, opt.reason, [me])
            elif opt.state == "implied":
                assert consistent
                assert all(
                    holds(v, me) for v, bad in rows if not bad and all(holds(v, c) for c in user)
                )
                assert opt.reason is not None
                neg = Choice(name, opt.value, False) if attr.type == "multi" else None
                if neg is not None:
                    check_explanation(rows, opt.reason, [neg])
            else:
                assert opt.state == "selectable"
                assert possible, (name, opt.value)
                if consistent and not any(c.attribute == name for c in user):
                    # not implied: some valid configuration avoids it
                    assert any(
                        not holds(v, me)
                        for v, bad in rows
                        if not bad and all(holds(v, c) for c in user)
                    )


@given(st.data(), rulesets())
def test_complete_check_explain_repair(data: st.DataObject, rs: Ruleset) -> None:
    """complete() is valid and honours choices; explain() is minimal; every repair works."""
    rows = table(rs)
    cfg = Configurator(rs)
    _apply(cfg, data.draw(selections(rs)))
    user = choices_of(cfg.choices, rs)
    consistent = exists(rows, user, None)
    status = cfg.check()
    done = cfg.complete()
    if consistent:
        assert status.status in ("valid", "incomplete")
        assert done.status == "valid"
        assert not check_values(rs, done.values)
        assert all(holds(done.values, c) for c in user)
        assert cfg.explain() is None
        assert cfg.repair() == []
        if status.status == "valid":
            assert dict(status.values) == dict(done.values)
        models = [v for v, bad in rows if not bad and all(holds(v, c) for c in user)]
        for name in status.values:
            members = status.member_provenance.get(name)
            if members is not None:  # multi: each implied member is in every solution
                for vid, prov in members.items():
                    if prov == "implied":
                        assert all(vid in v[name] for v in models)  # type: ignore[operator]
            elif status.provenance[name] == "implied":
                assert all(v[name] == status.values[name] for v in models)
    else:
        assert status.status == "invalid" and done.status == "invalid"
        conflict = cfg.explain()
        assert conflict is not None
        check_explanation(rows, conflict, [])
        for repair in cfg.repair():
            rest = [
                c
                for c in user
                if c not in {Choice(r.attribute, r.value, r.selected) for r in repair.remove}
            ]
            assert exists(rows, rest, None)


@given(st.data(), rulesets())
def test_defaults_give_way_only_on_conflict(data: st.DataObject, rs: Ruleset) -> None:
    """When user choices plus all defaults are consistent, complete() keeps every default."""
    rows = table(rs)
    cfg = Configurator(rs)
    _apply(cfg, data.draw(selections(rs)))
    done = cfg.complete()
    if done.status != "valid":
        return
    user_attrs = set(cfg.choices)
    defaults = []
    for name, attr in rs.attributes.items():
        if name in user_attrs:
            continue
        if attr.type == "multi":
            chosen = set(attr.default or ())  # type: ignore[arg-type]
            defaults.extend(Choice(name, vid, vid in chosen) for vid in attr.values)
        elif attr.type == "bool":
            defaults.append(Choice(name, bool(attr.default)))
        elif attr.default is not None:
            defaults.append(Choice(name, attr.default))  # type: ignore[arg-type]
    if exists(rows, choices_of(cfg.choices, rs) + defaults, None):
        assert all(holds(done.values, d) for d in defaults)


@given(st.data(), rulesets())
def test_count_and_json_round_trip(data: st.DataObject, rs: Ruleset) -> None:
    """count() matches brute force under the choices; a JSON round trip keeps the session."""
    rows = table(rs)
    cfg = Configurator(rs)
    _apply(cfg, data.draw(selections(rs)))
    user = choices_of(cfg.choices, rs)
    expected = sum(1 for v, bad in rows if not bad and all(holds(v, c) for c in user))
    assert cfg.count().count == expected
    again = Configurator.from_json(rs, cfg.to_json())
    assert again.choices == cfg.choices
    assert again.options(reasons="none").to_dict() == cfg.options(reasons="none").to_dict()
    for values in cfg.enumerate(limit=50):
        assert not check_values(rs, values)


@given(rulesets(max_attributes=4, max_int_width=5))
def test_every_comparison_encoding_is_exact(rs: Ruleset) -> None:
    """With the case-split and decision-diagram encodings forced on, domains stay exact."""
    from cpq.solve import sat

    saved = (sat.WIDE, sat.MDD_MIN_TERMS)
    sat.WIDE, sat.MDD_MIN_TERMS = 0, 1
    try:
        model = compile_model(rs)
        session = sat.SatSession(model, fresh=True)
        valid = list(valid_configurations(rs))
        dom = session.domains(time_limit=10)
        assert dom.complete
        for var in model.bool_vars:
            expected = {values_to_assignment(model, v).bools[var.index] for v in valid}
            assert dom.bools[var.index] == expected, var.name
        for iv in model.int_vars:
            assert dom.ints[iv.index] == {v[iv.attribute] for v in valid}
    finally:
        sat.WIDE, sat.MDD_MIN_TERMS = saved


@given(st.data(), rulesets(max_attributes=3, max_values=3, max_rules=3))
def test_backends_agree(data: st.DataObject, rs: Ruleset) -> None:
    """Every installed backend gives the same options, check status and count."""
    from cpq.solve.registry import available_backends

    sel = data.draw(selections(rs, max_size=2))
    answers = {}
    for name in available_backends():
        cfg = Configurator(rs, backend=name)
        _apply(cfg, sel)
        view = cfg.options(reasons="none")
        states = {a: (o.states(), o.range, o.feasible) for a, o in view.attributes.items()}
        # conflicts may differ (several minimal ones can exist); states may not
        answers[name] = (view.consistent, states, cfg.check().status, cfg.count().count)
    first = next(iter(answers.values()))
    for name, answer in answers.items():
        assert answer == first, name


@settings(max_examples=40)
@given(st.data(), rulesets(max_attributes=4, max_values=3, max_rules=4))
def test_explanations_are_minimal_on_every_backend(data: st.DataObject, rs: Ruleset) -> None:
    """explain() and the reasons of options() are sound and minimal on cpsat and pyconstraint
    too (their cores are shrunk by deletion with re-solves), checked by brute force."""
    rows = table(rs)
    sel = data.draw(selections(rs, max_size=4))
    for backend in ("cpsat", "pyconstraint"):
        cfg = Configurator(rs, backend=backend)
        _apply(cfg, sel)
        user = choices_of(cfg.choices, rs)
        conflict = cfg.explain()
        assert (conflict is None) == exists(rows, user, None), backend
        if conflict is not None:
            assert conflict.minimal
            check_explanation(rows, conflict, [])
        view = cfg.options()
        assert view.complete
        for name, opts in view.attributes.items():
            for o in opts.values:
                if o.state != "excluded" or o.reason is None:
                    continue
                me = Choice(name, o.value)
                extra = [c for c in user if c.attribute != name]
                if rs.attributes[name].type == "multi":
                    me = Choice(name, o.value, True)
                    extra = [c for c in user if (c.attribute, c.value) != (name, o.value)]
                assert o.reason.minimal
                check_explanation(rows, o.reason, [me])
                keys = {(c.attribute, c.value, c.selected) for c in extra}
                assert all((c.attribute, c.value, c.selected) in keys for c in o.reason.choices)
