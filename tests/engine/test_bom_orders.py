"""The order check (cpq.bom.check_order): SKUs back to a configuration, with the solver.

The main property: on small generated rulesets (values with, without and with shared SKUs,
derived ``bom`` items), ``check_order`` says ok exactly when a brute-force oracle of the
documented semantics does, and every configuration it returns passes the independent evaluator.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cpq
from cpq.bom import OrderChecker, OrderLine, bill_of_materials, check_order, read_order_csv
from cpq.cli import app
from cpq.errors import ConfigurationError
from cpq.model.evaluate import Value, check_values
from cpq.ruleset.expr import parse_expr
from cpq.ruleset.model import BomItem, Ruleset
from cpq.testing import rulesets, valid_configurations

ROOT = Path(__file__).resolve().parents[2]
PUMP = ROOT / "rulesets" / "pump"
SERVER = ROOT / "rulesets" / "server"
DRIVE = ROOT / "rulesets" / "drive"


# -- generated rulesets with SKU variations ----------------------------------------------------


@st.composite
def sku_rulesets(draw: st.DrawFn) -> Ruleset:
    """A generated ruleset where values may lose their SKU or share one, plus derived items."""
    rs = draw(rulesets(max_attributes=4, max_values=3, max_rules=3))
    attrs = {}
    pool: list[str] = []
    for name, attr in rs.attributes.items():
        if attr.type == "bool":
            sku = attr.sku if draw(st.booleans()) else None
            attrs[name] = dataclasses.replace(attr, sku=sku)
            continue
        values = {}
        for vid, val in attr.values.items():
            how = draw(st.sampled_from(["keep", "keep", "none", "share"]))
            sku = val.sku
            if how == "none":
                sku = None
            elif how == "share" and pool:
                sku = draw(st.sampled_from(pool))
            if sku:
                pool.append(sku)
            values[vid] = dataclasses.replace(val, sku=sku)
        attrs[name] = dataclasses.replace(attr, values=values)
    loc = rs.product.location
    items = []
    ints = [n for n, a in attrs.items() if a.type == "int"]
    bools = [n for n, a in attrs.items() if a.type == "bool"]
    choices = [n for n, a in attrs.items() if a.type == "choice"]
    for i in range(draw(st.integers(0, 2))):
        qty = draw(st.sampled_from(["1", "2", *ints]))
        whens = [None, *bools, *(f"{c} == 'v0'" for c in choices)]
        when = draw(st.sampled_from(whens))
        items.append(
            BomItem(
                f"item{i}",
                f"D-{i}",
                f"Derived {i}",
                parse_expr(qty),
                None if when is None else parse_expr(when),
                None,
                loc,
            )
        )
    return dataclasses.replace(rs, attributes=attrs, bom=tuple(items))


def _option_counts(rs: Ruleset, values: Mapping[str, Value]) -> Counter[str]:
    """SKU -> how many chosen values bear it."""
    return Counter(b.sku for b in bill_of_materials(rs, values) if b.source.startswith("attr"))


def _derived(rs: Ruleset, values: Mapping[str, Value]) -> Counter[str]:
    out: Counter[str] = Counter()
    for b in bill_of_materials(rs, values):
        if b.source.startswith("bom:"):
            out[b.sku] += b.quantity  # type: ignore[assignment]
    return out


def _oracle(rs: Ruleset, per_unit: Mapping[str, Decimal]) -> bool:
    """The documented semantics by brute force: some valid configuration has exactly the
    ordered option SKUs (with their counts) and every ordered derived item's quantity."""
    option_skus = {v.sku for a in rs.attributes.values() for v in a.values.values() if v.sku}
    option_skus |= {a.sku for a in rs.attributes.values() if a.type == "bool" and a.sku}
    derived_skus = {b.sku for b in rs.bom}
    known = option_skus | derived_skus | {rs.product.sku}
    if any(s not in known for s in per_unit):
        return False
    want = Counter({s: q for s, q in per_unit.items() if s in option_skus})
    for values in valid_configurations(rs):
        if _option_counts(rs, values) != want:
            continue
        have = _derived(rs, values)
        if all(have[s] == q for s, q in per_unit.items() if s in derived_skus):
            return True
    return False


def _order_of(rs: Ruleset, values: Mapping[str, Value], units: int) -> list[tuple[str, Decimal]]:
    qty: Counter[str] = Counter()
    for b in bill_of_materials(rs, values):
        qty[b.sku] += b.quantity * units  # type: ignore[assignment]
    return [(s, Decimal(q)) for s, q in qty.items()]


def _confirm(rs: Ruleset, result: cpq.bom.OrderCheck, order: list[tuple[str, Decimal]]) -> None:
    """The returned configuration is valid (evaluator) and has the ordered option SKUs."""
    assert result.configuration is not None
    assert check_values(rs, result.configuration) == []
    units = result.units
    ordered = Counter({s: q / units for s, q in order})
    counts = _option_counts(rs, result.configuration)
    for sku in set(ordered) | set(counts):
        if sku in counts or any(
            v.sku == sku for a in rs.attributes.values() for v in a.values.values()
        ):
            assert counts[sku] == ordered.get(sku, 0), sku


@settings(deadline=None)
@given(st.data(), sku_rulesets())
def test_the_bom_of_a_valid_configuration_is_accepted(data: st.DataObject, rs: Ruleset) -> None:
    """Any valid configuration's BOM, as an order, is ok and maps back to its SKU values."""
    valid = list(valid_configurations(rs))
    if not valid:
        return
    values = data.draw(st.sampled_from(valid))
    units = data.draw(st.integers(1, 3))
    order = _order_of(rs, values, units)
    result = check_order(rs, order)
    assert result.ok, [str(p) for p in result.problems]
    assert result.units == units
    _confirm(rs, result, order)
    assert _option_counts(rs, result.configuration or {}) == _option_counts(rs, values)


@settings(deadline=None)
@given(st.data(), sku_rulesets())
def test_dropping_an_option_sku(data: st.DataObject, rs: Ruleset) -> None:
    """Without one of its option SKUs the order is ok exactly when the oracle says so, and when
    it is not, the dropped SKU is named as missing (if nothing else is wrong)."""
    valid = list(valid_configurations(rs))
    if not valid:
        return
    values = data.draw(st.sampled_from(valid))
    options = sorted(_option_counts(rs, values))
    if not options:
        return
    dropped = data.draw(st.sampled_from(options))
    order = [(s, q) for s, q in _order_of(rs, values, 1) if s != dropped]
    result = check_order(rs, order)
    expected = _oracle(rs, dict(order))
    assert result.ok == expected, [str(p) for p in result.problems]
    if expected:
        _confirm(rs, result, order)
    else:
        codes = {p.code for p in result.problems}
        if codes <= {"order-missing-choice"}:
            assert any(dropped in p.skus for p in result.problems), [
                str(p) for p in result.problems
            ]


@settings(deadline=None)
@given(st.data(), sku_rulesets())
def test_random_orders_agree_with_the_oracle(data: st.DataObject, rs: Ruleset) -> None:
    """Any order of the ruleset's SKUs: ok exactly when the brute-force semantics says so."""
    skus = sorted(
        {v.sku for a in rs.attributes.values() for v in a.values.values() if v.sku}
        | {a.sku for a in rs.attributes.values() if a.type == "bool" and a.sku}
        | {b.sku for b in rs.bom}
    )
    picked = data.draw(st.lists(st.sampled_from(skus), unique=True) if skus else st.just([]))
    order = [(s, Decimal(data.draw(st.integers(1, 2)))) for s in picked]
    result = check_order(rs, [("GEN-BASE", Decimal(1)), *order])
    assert result.ok == _oracle(rs, dict(order)), [str(p) for p in result.problems]
    if result.configuration is not None:
        assert check_values(rs, result.configuration) == []
    if result.ok:
        _confirm(rs, result, order)


# -- the shipped rulesets: one example per problem code -----------------------------------------


@pytest.fixture(scope="module")
def pump() -> Ruleset:
    return cpq.load_ruleset(PUMP)


PUMP_OK = [
    ("CP-BASE", 1),
    ("MOT-2P-0075", 1),
    ("CP-H-50-200", 1),
    ("CP-FLG-PN16", 1),
    ("CP-ACC-CFL", 1),
    ("CP-DOC-31", 1),
    ("CP-TAG-SS", 1),
    ("CP-ANCHOR-M16", 4),
]


def _codes(result: cpq.bom.OrderCheck) -> list[str]:
    return [p.code for p in result.problems]


def test_pump_order_without_casing_is_incomplete(pump: Ruleset) -> None:
    """Bug 1: PN 25 flanges and a hydro test, nothing else: every missing choice is named."""
    result = check_order(pump, [("CP-FLG-PN25", 1), ("CP-TEST-HYD", 1)])
    assert not result.ok and result.configuration is None
    assert set(_codes(result)) == {"order-missing-choice"}
    casing = [p for p in result.problems if "Casing material" in p.message]
    assert len(casing) == 1
    assert casing[0].message.startswith("missing required choice: Casing material; order one of ")
    assert set(casing[0].skus) <= {"CP-CAS-GJS", "CP-CAS-1.4408", "CP-CAS-1.4517"}
    assert casing[0].skus and "availability-matrix" in casing[0].rules
    named = " ".join(p.message for p in result.problems)
    assert "Motor" in named and "Pump size" in named and "Impeller material" in named


def test_pump_value_without_sku_is_left_to_the_solver(pump: Ruleset) -> None:
    """Bug 2: no certificate SKU ordered: report_22 (no SKU) fills min_selected, as assumed."""
    result = check_order(pump, PUMP_OK[:5] + PUMP_OK[6:])
    assert result.ok, [str(p) for p in result.problems]
    assert result.assumed["certificates"] == frozenset({"report_22"})
    assert result.choices["certificates"] == frozenset()
    assert result.configuration is not None
    assert check_values(pump, result.configuration) == []


def test_pump_ok_order_lists_what_will_be_added(pump: Ruleset) -> None:
    """Derived items left out of an order are added, not errors; the assumed values are given."""
    result = check_order(pump, [s for s in PUMP_OK if s[0] not in ("CP-BASE", "CP-ANCHOR-M16")])
    assert result.ok
    assert [(b.sku, b.quantity) for b in result.added] == [
        ("CP-BASE", Decimal(1)),
        ("CP-ANCHOR-M16", Decimal(4)),
    ]
    assert result.assumed["medium"] == "water"  # the default


def test_pump_problem_codes(pump: Ruleset) -> None:
    """Unknown SKU, two values, incompatibility, quantities and items not needed."""
    r = check_order(pump, [*PUMP_OK, ("CP-XX-1", 1)])
    assert _codes(r) == ["order-unknown-sku"] and r.problems[0].lines == (9,)
    r = check_order(pump, [*PUMP_OK, ("CP-H-40-200", 1)])
    assert _codes(r) == ["order-two-values"]
    assert set(r.problems[0].skus) == {"CP-H-50-200", "CP-H-40-200"}
    r = check_order(pump, [*PUMP_OK, ("CP-TEST-1B", 1), ("CP-TEST-2B", 1)])
    assert _codes(r) == ["order-incompatible"]
    assert r.problems[0].rules == ("one-performance-test",)
    assert set(r.problems[0].skus) == {"CP-TEST-1B", "CP-TEST-2B"}
    r = check_order(pump, [*PUMP_OK[:-1], ("CP-ANCHOR-M16", 2)])
    assert _codes(r) == ["order-quantity"] and "needs 4" in r.problems[0].message
    r = check_order(pump, [*PUMP_OK, ("CP-ANCHOR-M20", 6)])
    assert _codes(r) == ["order-not-needed"]
    r = check_order(pump, [("CP-BASE", 2), *PUMP_OK[1:3], *PUMP_OK[3:]])
    assert r.units == 2 and "order-quantity" in _codes(r)


def test_pump_derived_item_decides_open_values(pump: Ruleset) -> None:
    """An ordered derived item with the quantity of another configuration: the solver picks the
    open values (here the coating, which has no SKU) so that the item fits."""
    order = [*PUMP_OK, ("CP-COAT-C5-M2", Decimal("1.8"))]
    result = check_order(pump, order)
    assert result.ok, [str(p) for p in result.problems]
    assert result.configuration is not None
    assert result.configuration["coating"] == "c5_epoxy"
    assert result.assumed["coating"] == "c5_epoxy"
    assert check_values(pump, result.configuration) == []
    wrong = check_order(pump, [*PUMP_OK, ("CP-COAT-C5-M2", Decimal("2"))])
    assert _codes(wrong) == ["order-quantity"]


def test_server_and_drive_orders() -> None:
    """The BOM of a completed configuration is accepted on every shipped ruleset; without the
    SKU of a choice where every value has one, the choice is missing."""
    for path in (SERVER, DRIVE, PUMP):
        rs = cpq.load_ruleset(path)
        done = cpq.Configurator(rs).complete()
        order = [(b.sku, b.quantity) for b in done.bom()]
        result = check_order(rs, order)
        assert result.ok, (path.name, [str(p) for p in result.problems])
        assert result.configuration is not None
        assert check_values(rs, result.configuration) == []
    drive = cpq.load_ruleset(DRIVE)
    done = cpq.Configurator(drive).complete()
    lines = done.bom()
    size = next(b for b in lines if b.sku.startswith("VD4-"))
    result = check_order(drive, [(b.sku, b.quantity) for b in lines if b is not size])
    assert "order-missing-choice" in _codes(result)
    assert any(size.sku in p.skus for p in result.problems)


def test_shared_sku_means_one_of_its_values() -> None:
    """Two values with one SKU: ordering it once means one of them, twice means both."""
    text = """
cpq: "1"
product: {id: p, name: P, sku: P-BASE}
attributes:
  kit: {type: multi, values: {a: {sku: KIT}, b: {sku: KIT}, c: {sku: KIT-C}}}
  size: {type: choice, values: {s: {sku: SZ}, m: {sku: SZ}, l: {}}}
rules:
  - {id: a-needs-m, when: "'a' in kit", require: "size == 'm'"}
"""
    rs = _parse(text)
    r = check_order(rs, [("P-BASE", 1), ("KIT", 1), ("SZ", 1)])
    assert r.ok and r.configuration is not None
    r = check_order(rs, [("P-BASE", 1), ("KIT", 2), ("SZ", 1)])
    assert r.ok and r.configuration is not None
    assert r.configuration["kit"] == frozenset({"a", "b"}) and r.configuration["size"] == "m"
    r = check_order(rs, [("P-BASE", 1), ("KIT", 2)])
    assert _codes(r) == ["order-missing-choice"] and r.problems[0].skus == ("SZ",)
    r = check_order(rs, [("P-BASE", 1), ("KIT", 3)])
    assert "order-quantity" in _codes(r)


def _parse(text: str) -> Ruleset:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.yaml"
        path.write_text(text, encoding="utf-8")
        return cpq.load_ruleset(path)


def test_order_inputs_are_checked(tmp_path: Path, pump: Ruleset) -> None:
    """Floats, zero quantities and unreadable CSV lines are refused with a typed error."""
    with pytest.raises(ConfigurationError):
        check_order(pump, [("CP-BASE", 1.0)])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError):
        check_order(pump, [("CP-BASE", 0)])
    bad = tmp_path / "bad.csv"
    bad.write_text("CP-BASE,one\n")
    with pytest.raises(ConfigurationError, match=r"bad\.csv:1"):
        read_order_csv(bad)
    semi = tmp_path / "semi.csv"
    semi.write_text("sku;quantity\nCP-BASE;2\nCP-H-50-200\n# comment\n")
    assert [(x.sku, x.quantity, x.line) for x in read_order_csv(semi)] == [
        ("CP-BASE", Decimal(2), 2),
        ("CP-H-50-200", Decimal(1), 3),
    ]


def test_one_checker_for_many_orders(pump: Ruleset) -> None:
    """An OrderChecker reuses its solver between orders; answers do not depend on history."""
    checker = OrderChecker(pump)
    first = checker.check(PUMP_OK)
    checker.check([("CP-FLG-PN25", 1)])
    again = checker.check([OrderLine(s, Decimal(q)) for s, q in PUMP_OK])
    assert first == again and first.ok
    checker.close()


def test_time_limit_is_reported(pump: Ruleset) -> None:
    """With no time at all the order is not ok and the problem says why."""
    result = check_order(pump, PUMP_OK, time_limit=0.0)
    assert not result.ok and _codes(result) == ["order-time-limit"]


def test_configuration_bom_prices_directly(pump: Ruleset) -> None:
    """Configuration.bom() gives the BOM, so cpq.price takes a configuration as it is."""
    done = cpq.Configurator(pump).complete()
    assert done.bom() == bill_of_materials(pump, done.values)
    book = cpq.load_price_book(PUMP / "prices.yaml")
    priced = cpq.price(done, book, on=date(2026, 3, 1))
    by_hand = cpq.price(bill_of_materials(pump, done.values), book, on=date(2026, 3, 1))
    assert priced.net == by_hand.net
    with pytest.raises(ConfigurationError):
        dataclasses.replace(done, ruleset=None).bom()
    invalid = (
        cpq.Configurator(pump)
        .select("medium", "sea_water")
        .select("casing_material", "cast_iron")
        .check()
    )
    with pytest.raises(ConfigurationError):
        invalid.bom()


# -- CLI ------------------------------------------------------------------------------------


def _csv(tmp_path: Path, rows: list[tuple[str, int]]) -> Path:
    path = tmp_path / "order.csv"
    path.write_text("sku,quantity\n" + "".join(f"{s},{q}\n" for s, q in rows))
    return path


def test_cli_check_order_ok_and_problems(tmp_path: Path) -> None:
    """Human output prints code: message per problem; exit 0 when ok, 1 with problems."""
    runner = CliRunner()
    r = runner.invoke(app, ["check-order", str(PUMP), str(_csv(tmp_path, PUMP_OK[:-1]))])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ok: the order is a valid Centrifugal pump CP (1 unit(s))")
    assert "will be added: 4 x CP-ANCHOR-M16" in r.output
    assert "assumed (not determined by the order): " in r.output
    r = runner.invoke(
        app,
        ["check-order", str(PUMP), str(_csv(tmp_path, [("CP-FLG-PN25", 1), ("CP-TEST-HYD", 1)]))],
    )
    assert r.exit_code == 1
    assert (
        "order-missing-choice: missing required choice: Casing material; order one of" in r.output
    )


def test_cli_check_order_json(tmp_path: Path) -> None:
    """--json gives codes, the configuration, the assumed values and what will be added."""
    runner = CliRunner()
    path = _csv(tmp_path, [*PUMP_OK, ("NOPE", 1)])
    r = runner.invoke(app, ["check-order", str(PUMP), str(path), "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["ok"] is False
    assert [p["code"] for p in data["problems"]] == ["order-unknown-sku"]
    assert data["problems"][0]["lines"] == [10]
    r = runner.invoke(app, ["check-order", str(PUMP), str(_csv(tmp_path, PUMP_OK)), "--json"])
    data = json.loads(r.output)
    assert r.exit_code == 0 and data["ok"] is True
    assert data["configuration"]["pump_size"] == "50-200"
    assert data["choices"]["certificates"] == ["cert_31"]
    assert data["assumed"]["certificates"] == ["report_22"]  # the default, no SKU
    assert data["assumed"]["medium"] == "water"
    assert {"sku": "CP-BASE", "quantity": "1", "source": "product"}.items() <= data["bom"][
        0
    ].items()


def test_cli_check_order_bad_input(tmp_path: Path) -> None:
    """A missing or unreadable order file is bad input (exit 2)."""
    runner = CliRunner()
    r = runner.invoke(app, ["check-order", str(PUMP), str(tmp_path / "none.csv")])
    assert r.exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("CP-BASE,x\n")
    r = runner.invoke(app, ["check-order", str(PUMP), str(bad)])
    assert r.exit_code == 2


# -- the examples of docs/errors-orders.md ----------------------------------------------------


def _doc_examples() -> list[tuple[str, str, list[str]]]:
    """(code, order CSV, lines shown) for each section of docs/errors-orders.md with an order."""
    import re

    text = (ROOT / "docs" / "errors-orders.md").read_text(encoding="utf-8")
    out = []
    for part in text.split("\n## ")[1:]:
        code = part.split(" ", 1)[0]
        blocks = re.findall(r"^```(\w*)\n(.*?)^```$", part, re.M | re.S)
        orders = [b for lang, b in blocks if lang == "csv"]
        shown = [ln for lang, b in blocks if lang == "text" for ln in b.splitlines()]
        if orders:
            out.append((code, orders[0], shown))
    return out


@pytest.mark.parametrize(("code", "order", "shown"), _doc_examples(), ids=lambda x: str(x)[:24])
def test_error_page_examples(
    tmp_path: Path, pump: Ruleset, code: str, order: str, shown: list[str]
) -> None:
    """Each order on the error-code page gives the lines shown, with its code."""
    path = tmp_path / "order.csv"
    path.write_text(order)
    result = check_order(pump, read_order_csv(path))
    got = [str(p).replace(f"{ROOT}/", "") for p in result.problems]
    assert shown and all(line in got for line in shown), got
    assert all(line.startswith(f"{code}: ") for line in shown)


def test_every_order_code_has_a_section() -> None:
    """The codes of OrderProblemCode and the sections of docs/errors-orders.md are the same."""
    from typing import get_args

    from cpq.bom import OrderProblemCode

    text = (ROOT / "docs" / "errors-orders.md").read_text(encoding="utf-8")
    sections = {p.split(" ", 1)[0] for p in text.split("\n## ")[1:]}
    assert sections == set(get_args(OrderProblemCode))
