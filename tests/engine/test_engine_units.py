"""Unit tests of the engine: lint, order check, CLI, doctests, registry, time limits."""

from __future__ import annotations

import doctest
import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpq.bom import bill_of_materials, check_order, read_order_csv
from cpq.cli import app
from cpq.configurator import Configurator
from cpq.errors import SolverTimeoutError, UnknownSelectionError
from cpq.model.demo import DEMO_LIBRARY, DEMO_PRODUCT, demo_ruleset
from cpq.model.lint import semantic_lint
from cpq.ruleset import load_ruleset
from cpq.solve.registry import get_backend

MODULES = [
    "cpq.model.ir",
    "cpq.model.compile",
    "cpq.model.evaluate",
    "cpq.model.describe",
    "cpq.model.lint",
    "cpq.model.demo",
    "cpq.solve.base",
    "cpq.solve.registry",
    "cpq.solve.sat",
    "cpq.solve.explain",
    "cpq.configurator",
    "cpq.bom",
    "cpq.testing",
]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module: str) -> None:
    """Every Examples block of the engine modules runs and prints what it says."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


LINT_RULESET = """\
cpq: "1"
product: {id: lint-me, name: Lint me}
attributes:
  size: {type: choice, values: {s: {}, m: {}, l: {}}}
  color: {type: choice, values: {red: {}, blue: {}}}
  extra: {type: bool}
  qty: {type: int, range: [1, 5]}
rules:
  - id: no-large
    require: size != 'l'
  - id: blue-only
    require: color == 'blue'
  - id: never
    when: size == 'l'
    require: extra
  - id: implied-by-no-large
    require: size in ['s', 'm']
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rs"
    folder.mkdir()
    (folder / "product.yaml").write_text(text)
    return folder


def test_semantic_lint_finds_dead_forced_never_and_redundant(tmp_path: Path) -> None:
    """Each kind of semantic problem is reported once, as a warning, at its location."""
    rs = load_ruleset(_write(tmp_path, LINT_RULESET))
    issues = semantic_lint(rs)
    found = {(i.code, i.message.split(":")[0]) for i in issues}
    codes = sorted(i.code for i in issues)
    assert codes.count("dead-value") == 2  # size l, color red
    assert codes.count("forced-value") == 1  # color blue
    assert "rule-never-fires" in codes
    assert codes.count("redundant-rule") == 2  # no-large and implied-by-no-large imply each other
    assert all(i.severity == "warning" and i.location is not None for i in issues), found


def test_semantic_lint_reports_no_valid_configuration(tmp_path: Path) -> None:
    """Contradicting rules give one error naming them."""
    text = LINT_RULESET + "  - id: red-only\n    require: color == 'red'\n"
    issues = semantic_lint(load_ruleset(_write(tmp_path, text)))
    assert [i.code for i in issues] == ["no-valid-configuration"]
    assert issues[0].severity == "error"
    assert "blue-only" in issues[0].message and "red-only" in issues[0].message


def test_bill_of_materials_lists_options_and_derived_items() -> None:
    """Option SKUs come with their attribute, derived items with their bom id and quantity."""
    rs = demo_ruleset()
    values = {
        "medium": "water",
        "flow_m3h": 260,
        "material": "duplex",
        "atex": False,
        "accessories": frozenset({"vibration_sensor"}),
        "motor": "m110",
    }
    lines = {(b.sku, b.quantity, b.source) for b in bill_of_materials(rs, values)}
    assert lines == {
        ("CP-BASE", Decimal(1), "product"),
        ("MOT-110", Decimal(1), "attribute:motor"),
        ("ACC-VS", Decimal(1), "attribute:accessories"),
        ("CABLE-M", Decimal(7), "bom:CABLE-M"),
    }


def test_order_check_reports_two_values_and_incompatibilities() -> None:
    """Two motors are reported; a sensor with the ATEX kit is fine unless ATEX is ordered."""
    rs = demo_ruleset()
    result = check_order(rs, [("CP-BASE", 2), ("MOT-055", 2), ("MOT-110", 2)])
    assert not result.ok
    assert [p.code for p in result.problems] == ["order-two-values"]
    assert result.units == 2


def test_order_check_reads_csv_and_checks_quantities(tmp_path: Path) -> None:
    """A quick-order CSV is read; quantities must match the number of units."""
    path = tmp_path / "order.csv"
    path.write_text("sku;quantity\nCP-BASE;3\nMOT-110;3\nACC-FL;1\n")
    lines = read_order_csv(path)
    assert [(x.sku, x.quantity) for x in lines] == [
        ("CP-BASE", Decimal(3)),
        ("MOT-110", Decimal(3)),
        ("ACC-FL", Decimal(1)),
    ]
    result = check_order(demo_ruleset(), lines)
    assert [p.code for p in result.problems] == ["order-quantity"]


def test_select_rejects_unknown_values_with_a_hint() -> None:
    """A misspelt value is refused with a did-you-mean hint."""
    cfg = Configurator(demo_ruleset())
    with pytest.raises(UnknownSelectionError, match="sea_water"):
        cfg.select("medium", "sea_watr")
    with pytest.raises(UnknownSelectionError):
        cfg.select("flow_m3h", 401)


def test_zero_time_limit_is_reported_not_hidden() -> None:
    """With no time at all, options() says it could not decide instead of guessing (a view
    marked incomplete, every value not chosen ``undecided``); check() raises."""
    cfg = Configurator(demo_ruleset(), time_limit=0.0).select("motor", "m55")
    view = cfg.options()
    assert not view.complete
    states = {o.state for a in view.attributes.values() for o in a.values}
    assert states == {"selected", "undecided"}
    assert view["flow_m3h"].range is None
    with pytest.raises(SolverTimeoutError):
        cfg.check()
    # the view cut short is not kept: with time, the same session answers in full
    assert cfg.options(time_limit=10).complete


def test_unknown_backend_is_refused() -> None:
    """get_backend names the known backends when given an unknown one."""
    with pytest.raises(ValueError, match="sat"):
        get_backend("z3")


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "lib.yaml").write_text(DEMO_LIBRARY)
    (folder / "product.yaml").write_text(DEMO_PRODUCT)
    return folder


def test_cli_check_options_complete_explain(demo_path: Path) -> None:
    """The engine commands answer in text and JSON with meaningful exit codes."""
    runner = CliRunner()
    r = runner.invoke(
        app, ["check", str(demo_path), "--set", "medium=sea_water", "--set", "material=cast_iron"]
    )
    assert r.exit_code == 1 and "sea-water-needs-duplex" in r.output
    r = runner.invoke(app, ["options", str(demo_path), "--set", "atex=true", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    states = {v["value"]: v["state"] for v in data["attributes"]["accessories"]["values"]}
    assert states == {"flange_kit": "selectable", "vibration_sensor": "excluded"}
    r = runner.invoke(app, ["complete", str(demo_path), "--set", "flow_m3h=120", "--json"])
    assert r.exit_code == 0
    done = json.loads(r.output)
    assert done["status"] == "valid" and done["values"]["motor"] == "m110"
    assert {"sku": "CABLE-M", "quantity": "4", "source": "bom:CABLE-M", "label": "CABLE-M"} in done[
        "bom"
    ]
    r = runner.invoke(
        app, ["explain", str(demo_path), "--set", "medium=sea_water", "--set", "material=cast_iron"]
    )
    assert r.exit_code == 0 and "repair 1" in r.output
    r = runner.invoke(app, ["check", str(demo_path), "--set", "nope=1"])
    assert r.exit_code == 2


def test_cli_check_order(demo_path: Path, tmp_path: Path) -> None:
    """check-order exits 1 and names the unknown SKU."""
    order = tmp_path / "o.csv"
    order.write_text("CP-BASE,1\nMOT-055,1\nXX-1,1\n")
    r = CliRunner().invoke(app, ["check-order", str(demo_path), str(order)])
    assert r.exit_code == 1
    assert "XX-1" in r.output


def test_complete_with_objectives() -> None:
    """Cheapest, preferred and closest completions are valid and optimal on the demo pump."""
    rs = demo_ruleset()
    cfg = Configurator(rs).select("flow_m3h", 100)
    cheap = cfg.complete(prices={"MOT-055": Decimal("100.5"), "MOT-110": 180, "ACC-FL": 5})
    assert cheap.values["motor"] == "m55" and cheap.values["accessories"] == frozenset()
    liked = cfg.complete(preferences={"motor": "m110", "atex": True})
    assert liked.values["motor"] == "m110" and liked.values["atex"] is True
    ref = {
        "medium": "solvent",
        "material": "stainless",
        "motor": "m110",
        "atex": True,
        "accessories": ["flange_kit"],
        "flow_m3h": 50,
    }
    near = cfg.complete(reference=ref)
    assert near.values["material"] == "stainless" and near.values["accessories"] == {"flange_kit"}
    for done in (cheap, liked, near):
        assert done.status == "valid" and done.values["flow_m3h"] == 100
    with pytest.raises(ValueError):
        cfg.complete(preferences={"atex": True}, reference=ref)


FOUR_CHANGES = """
cpq: "1"
product: {id: four, name: Four}
attributes:
  a: {type: bool}
  b: {type: bool}
  c: {type: bool}
  d: {type: bool}
  e: {type: bool}
rules:
  - {id: no-a, require: not a}
  - {id: no-b, require: not b}
  - {id: no-c, require: not c}
  - {id: no-d, require: not d}
"""


def test_repair_has_no_size_bound_by_default(tmp_path: Path) -> None:
    """Four independent broken choices need four changes: found by default on every backend
    (smallest first), and refused when the caller bounds the size below that."""
    rs = load_ruleset(_write(tmp_path, FOUR_CHANGES))
    for backend in ("sat", "cpsat", "pyconstraint"):
        cfg = Configurator(rs, backend=backend)
        for name in "abcde":
            cfg.select(name, True)
        repairs = cfg.repair()
        assert [sorted(c.attribute for c in r.remove) for r in repairs] == [list("abcd")]
        assert repairs[0].alternatives == {n: (False,) for n in "abcd"}
        assert cfg.repair(max_size=3) == []
