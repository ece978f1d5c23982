"""The pricing engine: inputs, resolution details, adjustments, currencies and approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from pricing_helpers import build_book

from cpq.bom import BomLine
from cpq.errors import (
    CurrencyMismatchError,
    MissingPriceError,
    PricingError,
    PricingInputError,
    UnknownCustomerError,
)
from cpq.pricing import LineRequest, PriceBook, price, replay

DAY = date(2025, 6, 1)

SIMPLE = """
price_lists:
  list: {kind: list, prices: {A: "10.00", B: "2.50"}}
"""


@pytest.fixture(scope="module")
def simple() -> PriceBook:
    """Two SKUs at 10.00 and 2.50."""
    return build_book(SIMPLE)


def test_missing_prices_are_a_typed_error_listing_every_line(simple: PriceBook) -> None:
    """Unpriced SKUs raise MissingPriceError naming each line; never a silent 0."""
    with pytest.raises(MissingPriceError) as info:
        price([("A", 1), ("X-1", 2), ("X-2", 1)], simple, on=DAY)
    text = str(info.value)
    assert "2 line(s) have no price" in text
    assert "line 2 'X-1'" in text and "line 3 'X-2'" in text
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("qty", [1.5, True, "1,5", -1, "abc"])
def test_bad_quantities_are_refused(simple: PriceBook, qty: object) -> None:
    """Floats, bools, text that is no number and negative quantities are PricingInputError."""
    with pytest.raises(PricingInputError):
        price([("A", qty)], simple, on=DAY)  # type: ignore[list-item]


def test_float_multiplier_is_refused(simple: PriceBook) -> None:
    """The configured-units multiplier follows the same rule."""
    with pytest.raises(PricingInputError, match="float"):
        price([("A", 1)], simple, on=DAY, quantity=2.0)  # type: ignore[arg-type]


def test_unknown_customer_is_an_error_with_a_hint() -> None:
    """A misspelt customer id must not silently fall back to list prices."""
    book = build_book(SIMPLE + "customers: {K-1001: {}}\n")
    with pytest.raises(UnknownCustomerError, match="did you mean 'K-1001'"):
        price([("A", 1)], book, on=DAY, customer="K-1010")


def test_unknown_quote_currency(simple: PriceBook) -> None:
    """A currency code that does not exist is a PricingInputError."""
    with pytest.raises(PricingInputError):
        price([("A", 1)], simple, on=DAY, currency="XXY")


def test_bom_lines_and_multiplier(simple: PriceBook) -> None:
    """BomLines keep their label and source; the multiplier scales every line."""
    lines = [
        BomLine("A", Decimal(2), "product", "Base unit"),
        BomLine("B", Decimal("1.5"), "bom:cable", "Cable"),
    ]
    result = price(lines, simple, on=DAY, quantity=3)
    assert [(ln.quantity, ln.line_net, ln.label, ln.source) for ln in result.lines] == [
        (Decimal(6), Decimal("60.00"), "Base unit", "product"),
        (Decimal("4.5"), Decimal("11.25"), "Cable", "bom:cable"),
    ]
    assert result.quantity == Decimal(3)


@dataclass
class _Config:
    lines: list[BomLine]

    def bom(self) -> list[BomLine]:
        return self.lines


def test_a_configuration_is_priced_through_its_bill_of_materials(simple: PriceBook) -> None:
    """Any object with a bom() method (or bom attribute) is priced through its lines."""
    config = _Config([BomLine("A", Decimal(1), "product")])
    assert price(config, simple, on=DAY).net == Decimal("10.00")


def test_wrong_input_shape_is_refused(simple: PriceBook) -> None:
    """A string or a bare number is not a list of lines."""
    with pytest.raises(PricingInputError):
        price("A", simple, on=DAY)  # type: ignore[arg-type]
    with pytest.raises(PricingInputError):
        price([("A", 1, 2)], simple, on=DAY)  # type: ignore[list-item]


def test_price_unit_per_hundred() -> None:
    """12.50 per 100 pieces: 250 pieces cost 31.25."""
    book = build_book(
        "price_lists: {l: {kind: list, prices: {S: {price: 12.50, price_unit: 100}}}}"
    )
    line = price([("S", 250)], book, on=DAY).lines[0]
    assert (line.unit_net, line.price_unit, line.line_net) == (
        Decimal("12.50"),
        100,
        Decimal("31.25"),
    )
    assert replay(line.trace) == line.line_net


def test_min_qty_breaks_and_validity_windows() -> None:
    """Records with min_qty: the highest one <= quantity wins; dated records by the date."""
    book = build_book(
        """
        price_lists:
          l:
            kind: list
            prices:
              A: [{price: 10, min_qty: 0}, {price: 9, min_qty: 100}]
              B: [{price: 5, valid_to: 2025-06-30}, {price: 6, valid_from: 2025-07-01}]
        """
    )
    assert price([("A", 99)], book, on=DAY).lines[0].unit_net == Decimal("10.00")
    assert price([("A", 100)], book, on=DAY).lines[0].unit_net == Decimal("9.00")
    assert price([("B", 1)], book, on=date(2025, 6, 30)).lines[0].unit_net == Decimal("5.00")
    assert price([("B", 1)], book, on=date(2025, 7, 1)).lines[0].unit_net == Decimal("6.00")


def test_list_priority_decides_between_general_lists() -> None:
    """Two general lists valid on the date: the higher priority wins."""
    book = build_book(
        """
        price_lists:
          base: {kind: list, prices: {A: 10}}
          promo: {kind: list, priority: 5, valid_to: 2025-06-30, prices: {A: 8}}
        """
    )
    assert price([("A", 1)], book, on=DAY).lines[0].record == "price_lists.promo.A"
    assert price([("A", 1)], book, on=date(2025, 7, 1)).lines[0].record == "price_lists.base.A"


ADJ = """
items:
  A: {category: pumps}
price_lists:
  l: {kind: list, prices: {A: "100.00"}}
adjustments:
  - {id: spring, kind: percent, percent: 5, exclusion_group: promo}
  - {id: fair, kind: percent, percent: 8, exclusion_group: promo}
  - {id: freight, kind: surcharge, amount: "2.00", step: 90}
  - {id: energy, kind: surcharge, percent: 1, step: 95, applies_to: {categories: [pumps]}}
  - {id: coupon, kind: amount, amount: "3.00", step: 80, valid_from: 2025-06-01}
"""


def test_adjustments_exclusion_group_surcharges_and_amounts() -> None:
    """Best of the promo group (8 %), then 3.00 off, 2.00 freight, 1 % energy surcharge."""
    book = build_book(ADJ)
    line = price([("A", 2)], book, on=DAY).lines[0]
    # 100 x 0.92 = 92 - 3 = 89 + 2 = 91 x 1.01 = 91.91
    assert line.unit_net == Decimal("91.91")
    assert line.line_net == Decimal("183.82")
    sources = [s.source for s in line.trace if s.step in ("adjustment", "excluded")]
    assert sources == ["fair", "spring", "coupon", "freight", "energy"]
    excluded = next(s for s in line.trace if s.step == "excluded")
    assert excluded.before == excluded.after and "fair" in excluded.rule
    assert replay(line.trace) == line.line_net
    before_coupon = price([("A", 2)], book, on=date(2025, 5, 31)).lines[0]
    assert before_coupon.unit_net == Decimal("94.94")  # (92 + 2) x 1.01


def test_discount_larger_than_price_stops_at_zero() -> None:
    """An amount discount above the price gives 0.00 with an explicit step, never negative."""
    book = build_book(
        "price_lists: {l: {kind: list, prices: {A: '1.00'}}}\n"
        "adjustments: [{id: big, kind: amount, amount: '5.00'}]\n"
    )
    line = price([("A", 1)], book, on=DAY).lines[0]
    assert line.line_net == Decimal("0.00")
    assert any(s.op == "raise_to" for s in line.trace)


def test_tier_quantity_sku_adds_up_lines() -> None:
    """tier_quantity: sku looks up tiers with the quote's total of the SKU (30 + 30 = 60)."""
    body = """
    pricing: {tier_quantity: %s}
    price_lists:
      l:
        kind: list
        prices:
          A: {tiers: {mode: volume, tiers: [{min_qty: 1, unit_price: 10}, {min_qty: 50, unit_price: 8}]}}
    """
    per_line = price([("A", 30), ("A", 30)], build_book(body % "line"), on=DAY)
    pooled = price([("A", 30), ("A", 30)], build_book(body % "sku"), on=DAY)
    assert per_line.net == Decimal("600.00")
    assert pooled.net == Decimal("480.00")


def test_tier_quantity_sku_shares_a_graduated_total() -> None:
    """A graduated total over the pooled quantity is shared pro rata between the lines."""
    body = """
    pricing: {tier_quantity: sku}
    price_lists:
      l:
        kind: list
        prices:
          A: {tiers: {mode: graduated, tiers: [{min_qty: 1, unit_price: 10}, {min_qty: 11, unit_price: 5}]}}
    """
    result = price([("A", 10), ("A", 10)], build_book(body), on=DAY)
    # 20 units: 10 x 10 + 10 x 5 = 150, half per line
    assert [ln.line_net for ln in result.lines] == [Decimal("75.00"), Decimal("75.00")]
    assert all(replay(ln.trace) == ln.line_net for ln in result.lines)


CUSTOMERS = """
items:
  A: {category: pumps}
price_lists:
  l: {kind: list, prices: {A: 100, B: 50}}
  k-special: {kind: customer, prices: {A: 90}}
  k-old: {kind: customer, prices: {A: 95, B: 45}}
customers:
  PARENT: {}
  CHILD: {parent: PARENT, price_lists: [k-special, k-old]}
  ORPHAN: {parent: PARENT, inherit_from_parent: false}
  EXPORT: {vat: reduced}
contracts:
  P-1: {customer: PARENT, prices: [{category: pumps, discount_percent: 20}]}
  C-1: {customer: CHILD, prices: [{sku: B, price: 40}]}
"""


def test_customer_hierarchy_and_customer_lists() -> None:
    """A child uses its own contract first, then the parent's; opting out ignores the parent."""
    book = build_book(CUSTOMERS)
    child = price([("A", 1), ("B", 1)], book, on=DAY, customer="CHILD")
    assert [(ln.price_source, ln.line_net) for ln in child.lines] == [
        ("contract_filter", Decimal("80.00")),  # the parent's contract: 20 % off list
        ("contract_sku", Decimal("40.00")),  # the child's own contract
    ]
    orphan = price([("A", 1)], book, on=DAY, customer="ORPHAN")
    assert orphan.lines[0].price_source == "list"


def test_customer_price_lists_in_order_of_preference() -> None:
    """customer_list: the first list the customer names that has the SKU wins."""
    without_parent_contract = CUSTOMERS.replace(
        "  P-1: {customer: PARENT, prices: [{category: pumps, discount_percent: 20}]}\n", ""
    )
    book = build_book(without_parent_contract)
    result = price([("A", 1), ("B", 1)], book, on=DAY, customer="CHILD")
    assert [(ln.record, ln.line_net) for ln in result.lines] == [
        ("price_lists.k-special.A", Decimal("90.00")),
        ("contracts.C-1.prices[0]", Decimal("40.00")),
    ]


def test_customer_vat_category_applies_to_all_lines() -> None:
    """A customer's VAT category (here the reduced rate) overrides the items' categories."""
    book = build_book(CUSTOMERS)
    result = price([("A", 1)], book, on=DAY, customer="EXPORT")
    assert (result.lines[0].vat_rate, result.vat) == (Decimal(7), Decimal("7.00"))


CURRENCIES = """
price_lists:
  eur: {kind: list, prices: {A: 100, B: 10}}
  usd: {kind: list, currency: USD, prices: {A: 110}}
customers:
  US-1: {}
contracts:
  US: {customer: US-1, currency: USD, prices: [{sku: B, price: 12}]}
adjustments:
  - {id: handling, kind: surcharge, amount: 1}
"""


def test_quote_currency_selects_lists() -> None:
    """A USD quote uses USD records; an EUR-only SKU in a USD quote is a currency error."""
    book = build_book(
        CURRENCIES.replace(
            "  - {id: handling, kind: surcharge, amount: 1}\n",
            "  - {id: handling, kind: surcharge, amount: 1, applies_to: {currencies: [EUR]}}\n",
        )
    )
    assert price([("A", 1)], book, on=DAY, currency="USD").net == Decimal("110.00")
    assert price([("A", 1)], book, on=DAY).net == Decimal("101.00")
    with pytest.raises(CurrencyMismatchError, match="in EUR only"):
        price([("B", 1)], book, on=DAY, currency="USD")


def test_customer_contract_in_another_currency_is_an_error() -> None:
    """A contract in USD for a customer quoted in EUR is never skipped silently."""
    book = build_book(CURRENCIES.split("adjustments:")[0])
    with pytest.raises(CurrencyMismatchError, match="contract price for the SKU in USD only"):
        price([("B", 1)], book, on=DAY, customer="US-1")


def test_amount_adjustment_in_another_currency_is_an_error() -> None:
    """An amount in EUR applied to a USD line is a CurrencyMismatchError."""
    book = build_book(CURRENCIES)
    with pytest.raises(CurrencyMismatchError, match="handling"):
        price([("A", 1)], book, on=DAY, currency="USD")
    assert issubclass(CurrencyMismatchError, PricingError)


APPROVALS = """
items:
  A: {cost: 60, category: pumps}
  B: {cost: 1}
price_lists:
  l: {kind: list, prices: {A: 100, B: 10}}
pricing: {max_manual_discount: 30}
approvals:
  - {id: manual-10, metric: manual_discount_percent, above: 10, level: 1}
  - {id: margin-30, metric: line_margin_percent, below: 30, level: 2, applies_to: {categories: [pumps]}}
  - {id: big-deal, metric: net_total, above: 1000, level: 3, message: deal above 1000}
  - {id: quote-disc, metric: quote_discount_percent, above: 5, level: 1}
"""


def test_approval_metrics() -> None:
    """Manual discount, margin (filtered to pumps), net total and quote discount rules."""
    book = build_book(APPROVALS)
    plain = price([("A", 1), ("B", 1)], book, on=DAY)
    assert plain.approvals == () and plain.approval_level == 0 and not plain.needs_approval
    result = price(
        [LineRequest("A", 20, manual_discount=20), LineRequest("B", 1, manual_discount=5)],
        book,
        on=DAY,
    )
    fired = sorted((a.rule, a.level, a.position) for a in result.approvals)
    # A: 80.00 net, margin 25 % < 30; manual 20 > 10; total 1609.50 > 1000; discount 19.5 % > 5
    assert fired == [
        ("big-deal", 3, None),
        ("manual-10", 1, 1),
        ("margin-30", 2, 1),
        ("quote-disc", 1, None),
    ]
    assert result.approval_level == 3
    assert next(a for a in result.approvals if a.rule == "big-deal").message.startswith(
        "deal above 1000"
    )


def test_manual_discount_above_the_limit_is_refused() -> None:
    """pricing.max_manual_discount caps what a caller may give."""
    book = build_book(APPROVALS)
    with pytest.raises(PricingInputError, match="above the book's limit of 30"):
        price([LineRequest("A", 1, manual_discount=31)], book, on=DAY)


def test_net_total_threshold_in_another_currency_is_an_error() -> None:
    """A net_total threshold in EUR cannot judge a USD quote."""
    book = build_book(
        "price_lists: {l: {kind: list, currency: USD, prices: {A: 1}}}\n"
        "approvals: [{id: big, metric: net_total, above: 10, level: 1}]\n"
    )
    with pytest.raises(CurrencyMismatchError):
        price([("A", 1)], book, on=DAY, currency="USD")


def test_same_inputs_same_output(simple: PriceBook) -> None:
    """Pricing is a pure function of its inputs."""
    a = price([("A", 3), ("B", 7)], simple, on=DAY)
    b = price([("A", 3), ("B", 7)], simple, on=DAY)
    assert a == b
    assert a.to_dict() == b.to_dict()


def test_result_to_dict_has_strings_for_money(simple: PriceBook) -> None:
    """JSON output carries amounts as strings, so no amount passes through float."""
    data = price([("A", 3)], simple, on=DAY).to_dict()
    assert data["net"] == "30.00"
    assert data["lines"][0]["trace"][0]["after"] == "10.00"
    assert data["vat_totals"][0]["vat"] == "5.70"
