"""`cpq price --ruleset ... --set ...` prices a configured product end to end."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from typer.testing import CliRunner

import cpq
from cpq.cli import app

runner = CliRunner()


def test_price_of_a_configuration_matches_the_library() -> None:
    """The CLI completes the choices, builds the BOM and prices it like the Python API."""
    result = runner.invoke(
        app,
        [
            "price", "rulesets/pump", "--ruleset", "rulesets/pump", "--set", "medium=sea_water",
            "--customer", "K-1001", "--date", "2026-03-01", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rs = cpq.load_ruleset("rulesets/pump")
    done = cpq.Configurator(rs).select("medium", "sea_water").complete()
    bom = cpq.bill_of_materials(rs, done.values)
    expected = cpq.price(
        bom, cpq.load_price_book("rulesets/pump"), customer="K-1001", on=date(2026, 3, 1)
    )
    assert Decimal(data["net"]) == expected.net
    assert {line["sku"] for line in data["lines"]} == {b.sku for b in bom}
    assert "CP-CAS-1.4517" in {line["sku"] for line in data["lines"]}


def test_conflicting_choices_are_reported_not_priced() -> None:
    """Choices that cannot be completed give exit 1 and the conflict, never a price."""
    result = runner.invoke(
        app,
        [
            "price", "rulesets/pump", "--ruleset", "rulesets/pump",
            "--set", "medium=sea_water", "--set", "casing_material=cast_iron",
            "--date", "2026-03-01",
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "sea-water" in result.output


def test_set_without_ruleset_is_a_usage_error() -> None:
    """--set alone makes no sense and says so."""
    result = runner.invoke(app, ["price", "rulesets/pump", "--set", "medium=water"])
    assert result.exit_code == 2
