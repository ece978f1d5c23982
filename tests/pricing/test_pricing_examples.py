"""The price books shipped with the example rulesets load, lint clean and price every SKU."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cpq.bom import BomLine
from cpq.pricing import LineRequest, load_price_book, price, replay, ruleset_skus
from cpq.pricing.lint import lint_price_book

ROOT = Path(__file__).resolve().parents[2]
BOOKS = sorted(p.parent.name for p in (ROOT / "rulesets").glob("*/prices.yaml"))
DAY = date(2026, 6, 1)


def test_every_example_ruleset_has_a_price_book() -> None:
    """Each product folder under rulesets/ ships a prices.yaml."""
    products = sorted(p.parent.name for p in (ROOT / "rulesets").glob("*/product.yaml"))
    assert products and products == BOOKS


@pytest.mark.parametrize("folder", BOOKS)
def test_lints_clean_against_its_ruleset(folder: str) -> None:
    """No error and no warning, with the ruleset's SKUs as the known SKUs."""
    issues = lint_price_book(
        f"rulesets/{folder}/prices.yaml", ruleset_skus(f"rulesets/{folder}"), today=DAY
    )
    assert [str(i) for i in issues] == []


@pytest.mark.parametrize("folder", BOOKS)
def test_every_ruleset_sku_is_priced_for_every_customer(folder: str) -> None:
    """All SKUs of the ruleset, for anonymous buyers and for each customer of the book."""
    book = load_price_book(f"rulesets/{folder}")
    skus = sorted(ruleset_skus(f"rulesets/{folder}"))
    lines = [BomLine(sku, Decimal(2), "test") for sku in skus]
    for customer in [None, *sorted(book.customers)]:
        result = price(lines, book, on=DAY, customer=customer)
        assert [line.sku for line in result.lines] == skus
        for line in result.lines:
            assert replay(line.trace, result.rounding_mode) == line.line_net
        assert result.gross == result.net + result.vat


@pytest.mark.parametrize("folder", BOOKS)
def test_at_least_two_customers_have_contracts(folder: str) -> None:
    """Each book has contracts for two or more customers, and they change prices."""
    book = load_price_book(f"rulesets/{folder}")
    assert len({c.customer for c in book.contracts.values()}) >= 2
    skus = sorted(ruleset_skus(f"rulesets/{folder}"))
    for contract in book.contracts.values():
        day = contract.valid_from or DAY  # a day the contract is valid
        anonymous = price([(s, 1) for s in skus], book, on=day)
        priced = price([(s, 1) for s in skus], book, on=day, customer=contract.customer)
        used = {line.record.split(".")[1] for line in priced.lines if line.price_source != "list"}
        assert contract.ref in used
        assert priced.net != anonymous.net


def test_pump_contract_customer_and_its_plant() -> None:
    """Stadtwerke Nord's plant inherits the framework agreement: net prices, 12 % on motors."""
    book = load_price_book("rulesets/pump")
    result = price(
        [("CP-BASE", 1), ("CP-H-50-200", 1), ("MOT-2P-0150", 1), ("CP-CBL-SIG-M", 60)],
        book,
        on=DAY,
        customer="K-1001-KW",
        quantity=3,
    )
    nets = {line.sku: line.line_net for line in result.lines}
    assert nets == {
        "CP-BASE": Decimal("5070.00"),
        "CP-H-50-200": Decimal("5250.00"),
        "MOT-2P-0150": Decimal("5517.60"),  # 3 x 2090.00 x 0.88
        "CP-CBL-SIG-M": Decimal("611.00"),  # 50 m x 3.90 + 130 m x 3.20
    }


def test_drive_cable_per_100_m_and_commissioning_floor() -> None:
    """Cable is priced per 100 m; a manual discount on commissioning is clamped at 900.00."""
    book = load_price_book("rulesets/drive")
    result = price(
        [("CBL-MOT-4G6", 35), LineRequest("VD-SVC-COMM", 1, manual_discount=25)], book, on=DAY
    )
    cable, service = result.lines
    assert (cable.unit_net, cable.price_unit, cable.line_net) == (
        Decimal("1190.00"),
        100,
        Decimal("416.50"),
    )
    assert service.line_net == Decimal("900.00") and service.floor_violation
    assert result.approval_level == 2


def test_server_reverse_charge_customer_pays_no_german_vat() -> None:
    """A customer with VAT category AE gets 0 % and the exemption reason on the totals."""
    book = load_price_book("rulesets/server")
    result = price([("RX-BASE", 1)], book, on=DAY, customer="K-9100")
    (total,) = result.vat_totals
    assert (total.code, total.rate, result.vat) == ("AE", Decimal(0), Decimal("0.00"))
    assert total.exemption_reason is not None
