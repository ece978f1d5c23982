"""The sat encoding's int classes and the reuse of work between clicks and sessions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from _oracle import check_explanation, choices_of, holds, table
from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.configurator import Choice, Configurator, compiled_model
from cpq.model.compile import values_to_assignment
from cpq.model.evaluate import Value
from cpq.model.ir import Compare, IntConst, eval_bool
from cpq.ruleset import load_ruleset
from cpq.ruleset.model import Ruleset
from cpq.solve.base import SolveStatus
from cpq.solve.explain import minimal_core
from cpq.solve.sat import SatSession
from cpq.testing import rulesets, selections

WIDE = """\
cpq: "1"
product: {id: wide, name: Wide}
attributes:
  mains: {type: choice, values: {v400: {}, v480: {}}}
  earthing: {type: choice, values: {tn: {}, it: {}}}
  altitude: {type: int, range: [0, 4000], default: 500}
  size:
    type: choice
    values:
      s: {properties: {rating: 10}}
      m: {properties: {rating: 20}}
      l: {properties: {rating: 30}}
rules:
  - id: high-altitude
    table:
      columns: [mains, earthing, altitude]
      forbid:
        - [v480, "*", "2001..4000"]
        - ["*", it, "2001..4000"]
  - id: derating
    require: size.rating * (100 - max(altitude - 1000, 0) / 100) >= 1500
  - id: it-low
    when: earthing == 'it'
    require: altitude != 700
"""


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    folder = tmp_path_factory.mktemp("wide")
    (folder / "product.yaml").write_text(WIDE)
    return load_ruleset(folder)


def _valid(rs: Ruleset) -> list[dict[str, Value]]:
    """Every valid configuration, by the IR interpreter (48,000 candidates)."""
    model = compiled_model(rs)
    out = []
    for mains, earthing, size in itertools.product(("v400", "v480"), ("tn", "it"), "sml"):
        for alt in range(4001):
            values: dict[str, Value] = {
                "mains": mains,
                "earthing": earthing,
                "altitude": alt,
                "size": size,
            }
            a = values_to_assignment(model, values)
            if all(eval_bool(c.expr, a) for c in model.constraints):
                out.append(values)
    return out


def test_int_attribute_is_split_into_the_classes_the_rules_tell_apart(wide: Ruleset) -> None:
    """0..4000 compared with 700, 1000, 2000, 3500 and 4000 needs a handful of classes."""
    session = SatSession(compiled_model(wide))
    classes = session.enc.ladders[0].classes()
    assert len(classes.lo) <= 8
    assert classes.lo[0] == 0 and classes.hi[-1] == 4000
    assert all(a == b + 1 for a, b in zip(classes.lo[1:], classes.hi, strict=False))


SELECTIONS = [
    [],
    [("size", "m")],
    [("size", "m"), ("mains", "v480")],
    [("earthing", "it")],
    [("earthing", "it"), ("size", "l")],
    [("altitude", 3600)],
    [("altitude", 700), ("size", "l")],
    [("altitude", 2500), ("mains", "v480")],
]


@pytest.mark.parametrize("selection", SELECTIONS)
def test_wide_int_options_are_exact(wide: Ruleset, selection: list[tuple[str, object]]) -> None:
    """Ranges, states and counts over the classes match enumeration of every value."""
    valid = _valid(wide)
    cfg = Configurator(wide, backend="sat")
    for name, value in selection:
        cfg.select(name, value)
    view = cfg.options()
    user = choices_of(cfg.choices, wide)
    for name in wide.attributes:
        others = [c for c in user if c.attribute != name]
        fits = [v for v in valid if all(holds(v, c) for c in others)]
        opts = view[name]
        if name == "altitude":
            alts = [v["altitude"] for v in fits]
            assert opts.range == ((min(alts), max(alts)) if alts else None)
            continue
        for opt in opts.values:
            if opt.state != "selected":
                assert (opt.state != "excluded") == any(v[name] == opt.value for v in fits)
    matching = [v for v in valid if all(holds(v, c) for c in user)]
    if matching:
        done = cfg.complete()
        assert done.status == "valid"
        assert all(holds(done.values, c) for c in user)
        counted = Configurator(wide, backend="sat")
        for name, value in selection:
            counted.select(name, value)
        got = counted.count(limit=len(matching) + 1)
        assert got.count == len(matching) and got.exact
    else:
        assert cfg.check().status == "invalid"


def test_several_bounds_on_one_int_attribute(wide: Ruleset) -> None:
    """Bounds inside one class still contradict each other; cores name both."""
    model = compiled_model(wide)
    s = SatSession(model)
    alt = model.int_vars[0]
    both = [Compare(">=", alt, IntConst(1500)), Compare("<=", alt, IntConst(1400))]
    res = s.solve(both, time_limit=5)
    assert res.status is SolveStatus.UNSAT and res.core is not None
    assert res.core.assumptions == (0, 1)
    assert minimal_core(s, both, time_limit=5) is not None
    inside = [Compare(">=", alt, IntConst(1450)), Compare("<=", alt, IntConst(1460))]
    res = s.solve([*inside, Compare("!=", alt, IntConst(1455))], time_limit=5)
    assert res.status is SolveStatus.SAT and res.assignment is not None
    assert 1450 <= res.assignment.ints[0] <= 1460 and res.assignment.ints[0] != 1455
    values, complete = s.int_domain(inside, alt, exact=True, time_limit=5)
    assert complete and values == frozenset(range(1450, 1461))
    dom = s.domains([Compare("!=", alt, IntConst(k)) for k in range(4000)], time_limit=5)
    assert dom.ints[0] == frozenset({4000})


def test_user_value_inside_a_class_is_kept(wide: Ruleset) -> None:
    cfg = Configurator(wide, backend="sat").select("altitude", 1234).select("size", "l")
    assert cfg.check().values["altitude"] == 1234
    assert cfg.complete().values["altitude"] == 1234
    done = Configurator(wide, backend="sat").complete()
    assert done.values["altitude"] == 500 and done.provenance["altitude"] == "default"
    near = Configurator(wide, backend="sat").select("size", "m")
    best = near.complete(reference={"altitude": 1999, "mains": "v480"})
    assert (best.values["altitude"], best.values["mains"]) == (1999, "v480")
    far = near.complete(reference={"altitude": 3600})  # above 3500 m the m size is too small
    assert far.values["altitude"] != 3600


@settings(max_examples=60)
@given(st.data(), rulesets(max_attributes=3, max_rules=3, max_int_width=12))
def test_wider_int_options_are_exact(data: st.DataObject, rs: Ruleset) -> None:
    """Feasible int values (classes expanded) match brute force."""
    rows = table(rs)
    cfg = Configurator(rs, backend="sat")
    for name, value in data.draw(selections(rs)):
        cfg.select(name, value)
    view = cfg.options(reasons="none")
    user = choices_of(cfg.choices, rs)
    for name, attr in rs.attributes.items():
        if attr.type != "int":
            continue
        others = [c for c in user if c.attribute != name]
        feasible = sorted(
            {v[name] for v, bad in rows if not bad and all(holds(v, c) for c in others)}
        )
        assert list(view[name].feasible or ()) == feasible


@settings(max_examples=40)
@given(st.data(), rulesets(max_attributes=4, max_rules=4))
def test_reasons_shared_between_sessions_hold(data: st.DataObject, rs: Ruleset) -> None:
    """A reason found by one session and reused by another is sound and minimal there."""
    rows = table(rs)
    first = Configurator(rs)
    for name, value in data.draw(selections(rs)):
        first.select(name, value)
    first.options()
    second = Configurator(rs)
    for name, value in data.draw(selections(rs)):
        second.select(name, value)
    view = second.options()
    for name, attr in rs.attributes.items():
        for opt in view[name].values:
            if opt.state != "excluded" or attr.type == "int" or opt.source is not None:
                continue
            assert opt.reason is not None
            check_explanation(rows, opt.reason, [Choice(name, opt.value, True)])


def test_native_minimal_core_agrees_with_the_generic_one() -> None:
    """The sat session's own shrinking keeps the contract of explain.minimal_core."""
    rs = load_ruleset(Path("rulesets") / "pump")
    model = compiled_model(rs)
    s = SatSession(model)
    cfg = Configurator(rs).select("medium", "sea_water").select("casing_material", "cast_iron")
    items = [a for _, a, _ in cfg._items()]
    native = minimal_core(s, items, time_limit=10)
    assert native is not None and native.assumptions == (0, 1)
    res = s.solve([items[0]], rules=native.rules, time_limit=10)
    assert res.status is SolveStatus.SAT
    res = s.solve(items, rules=native.rules, time_limit=10)
    assert res.status is SolveStatus.UNSAT


def test_reasons_read_later_explain_the_view_they_belong_to() -> None:
    """A reason read after more clicks explains the choices of its own view; views pickle."""
    import pickle

    rs = load_ruleset(Path("rulesets") / "pump")
    cfg = Configurator(rs).select("medium", "sea_water")
    view = cfg.options()
    cfg.select("casing_material", "duplex").select("flow_m3h", 150)
    later = cfg.options()
    reason = view["casing_material"].value("stainless").reason
    assert reason is not None and reason.minimal
    assert {c.attribute for c in reason.choices} == {"medium"}
    assert later["casing_material"].value("stainless").state == "excluded"
    again = pickle.loads(pickle.dumps(later))
    assert again == later
    assert again["casing_material"].value("cast_iron").reason is not None


@settings(max_examples=60)
@given(st.data(), rulesets(max_attributes=4, max_rules=4))
def test_native_minimum_corrections_match_the_subset_search(
    data: st.DataObject, rs: Ruleset
) -> None:
    """The totalizer search returns the same smallest repairs, in the same order, as trying
    subsets by size."""
    from cpq.solve.explain import _generic_minimum_corrections, minimum_corrections

    cfg = Configurator(rs)
    for name, value in data.draw(selections(rs)):
        cfg.select(name, value)
    items = [a for _, a, _ in cfg._items()]
    session = SatSession(compiled_model(rs))
    native = minimum_corrections(session, items, max_size=4, limit=3, time_limit=10)
    generic = _generic_minimum_corrections(session, items, max_size=4, limit=3, time_limit=10)
    assert native[0] == generic[0]
