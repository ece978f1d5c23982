"""The `cpq price` command as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pricing_helpers import book_text
from typer.testing import CliRunner

from cpq.cli import app

runner = CliRunner()

BOOK = """
items:
  S-100: {name: Sensor, category: Sensoren, cost: 52.00}
customers:
  K-1001: {name: Müller GmbH}
price_lists:
  list: {kind: list, prices: {S-100: 100.00, CABLE: {price: 12.50, price_unit: 100}}}
contracts:
  K-1001: {customer: K-1001, prices: [{category: Sensoren, discount_percent: 10}]}
adjustments:
  - {id: k1001, kind: percent, percent: 5, applies_to: {customers: [K-1001], skus: [S-100]}}
approvals:
  - {id: discount-10, metric: line_discount_percent, above: 10, level: 1}
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A small book on disk."""
    path = tmp_path / "prices.yaml"
    path.write_text(book_text(BOOK))
    return path


def test_waterfall_table(book: Path) -> None:
    """The table shows each line, every trace step with its source, the totals, approvals."""
    result = runner.invoke(
        app,
        [
            "price",
            str(book),
            "S-100=10",
            "CABLE=250",
            "--customer",
            "K-1001",
            "--date",
            "2025-04-15",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "customer K-1001" in out
    assert "list price 'list': 100.00" in out
    assert "contract K-1001 for category 'Sensoren': 10 % off list" in out
    assert "k1001: 5 % off" in out
    assert "855.00" in out and "31.25" in out
    assert "prices.yaml:" in out  # the source record's location
    assert "Net 886.25 EUR" in out and "Gross 1054.64 EUR" in out
    assert "Needs approval level 1" in out


def test_json_output(book: Path) -> None:
    """--json prints the whole result with amounts as strings."""
    result = runner.invoke(
        app,
        ["price", str(book), "S-100=10", "--customer", "K-1001", "--date", "2025-04-15", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output, parse_float=lambda s: pytest.fail(f"float {s}"))
    assert data["net"] == "855.00"
    assert data["lines"][0]["price_source"] == "contract_filter"
    assert [s["step"] for s in data["lines"][0]["trace"]][:3] == ["base", "contract", "adjustment"]
    assert data["approval_level"] == 1


def test_quantity_discount_and_lines_file(book: Path, tmp_path: Path) -> None:
    """--quantity multiplies, --discount gives a manual discount, --lines reads a list."""
    lines = tmp_path / "lines.yaml"
    lines.write_text("- {sku: S-100, quantity: 2}\n")
    result = runner.invoke(
        app,
        [
            "price",
            str(book),
            "--lines",
            str(lines),
            "--quantity",
            "3",
            "--discount",
            "S-100=20",
            "--date",
            "2025-04-15",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["lines"][0]["quantity"], data["net"]) == ("6", "480.00")


def test_missing_price_exits_1(book: Path) -> None:
    """A SKU without a price is an error message and exit status 1, not a zero line."""
    result = runner.invoke(app, ["price", str(book), "NOPE=1", "--date", "2025-04-15"])
    assert result.exit_code == 1
    assert "no price" in result.output and "NOPE" in result.output


def test_broken_book_exits_2_with_located_issues(tmp_path: Path) -> None:
    """A book that does not load prints file:line:col lines and exits with 2."""
    path = tmp_path / "prices.yaml"
    path.write_text(book_text("price_lists: {list: {kind: lisst}}\n"))
    result = runner.invoke(app, ["price", str(path), "A=1"])
    assert result.exit_code == 2
    assert "prices.yaml:9:" in result.output and "invalid-value" in result.output


def test_bad_arguments_exit_2(book: Path) -> None:
    """No lines, or a bad date, is a usage error."""
    assert runner.invoke(app, ["price", str(book)]).exit_code == 2
    assert runner.invoke(app, ["price", str(book), "A=1", "--date", "15.04.2025"]).exit_code == 2
