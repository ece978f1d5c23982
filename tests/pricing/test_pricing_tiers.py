"""Tier schedules: every worked example of pricing.md section 1.3, with the exact amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pricing_helpers import BookFactory, build_book

from cpq.errors import MissingPriceError
from cpq.pricing import PriceBook, price, replay

DAY = date(2025, 4, 15)

SCHEDULES = """
tier_schedules:
  stripe-volume:
    mode: volume
    tiers: &stripe
      - {min_qty: 1, max_qty: 5, unit_price: "7.00"}
      - {min_qty: 6, max_qty: 10, unit_price: "6.50"}
      - {min_qty: 11, unit_price: "6.00"}
  stripe-graduated: {mode: graduated, tiers: *stripe}
  library-volume:
    mode: volume
    tiers: &library
      - {min_qty: 1, unit_price: 100.00}
      - {min_qty: 10, unit_price: 90.00}
      - {min_qty: 50, unit_price: 80.00}
      - {min_qty: 100, unit_price: 70.00}
  library-graduated: {mode: graduated, tiers: *library}
  flat-volume:
    mode: volume
    tiers: &flat
      - {min_qty: 1, unit_price: 100, flat_fee: 50}
      - {min_qty: 10, unit_price: 90, flat_fee: 20}
      - {min_qty: 50, unit_price: 80, flat_fee: 0}
  flat-graduated: {mode: graduated, tiers: *flat}
  lago-volume:
    mode: volume
    tiers: [{min_qty: 0, unit_price: "0.0006", flat_fee: 10}]
  trailhead-block:
    mode: block
    tiers:
      - {min_qty: 1, block_price: 1}
      - {min_qty: 11, max_qty: 50, block_price: 3}
  help-block:
    mode: block
    tiers:
      - {min_qty: 1, max_qty: 10, block_price: 10}
      - {min_qty: 11, max_qty: 20, block_price: 18}
    overage: {unit_price: "1.50"}
  seats: {mode: package, package_size: 5, package_price: 10}
  rental: {mode: package, package_size: 60, package_price: 10}
  lago-package:
    mode: package
    package_size: 10
    package_price: 5
    free_units: 3
  sap-to-scale:
    mode: volume
    tiers: &sap
      - {min_qty: 1, max_qty: 5, unit_price: "10.00"}
      - {min_qty: 6, max_qty: 20, unit_price: "12.00"}
      - {min_qty: 21, max_qty: 100, unit_price: "15.00"}
      - {min_qty: 101, max_qty: 1000, unit_price: "20.00"}
      - {min_qty: 1001, max_qty: 999999999, unit_price: "30.00"}
  sap-interval: {mode: graduated, tiers: *sap}
  sap-from-scale:
    mode: volume
    tiers:
      - {min_qty: 10, unit_price: 12}
      - {min_qty: 100, unit_price: 11}
      - {min_qty: 1000, unit_price: 10}
discount_schedules:
  range: &f
    mode: range
    tiers:
      - {min_qty: 1, max_qty: 9, percent: 10}
      - {min_qty: 10, max_qty: 19, percent: 20}
      - {min_qty: 20, percent: 30}
  slab:
    mode: slab
    tiers:
      - {min_qty: 1, max_qty: 9, percent: 10}
      - {min_qty: 10, max_qty: 19, percent: 20}
      - {min_qty: 20, percent: 30}
price_lists:
  list:
    kind: list
    prices:
      STRIPE-V: {tiers: stripe-volume}
      STRIPE-G: {tiers: stripe-graduated}
      LIB-V: {tiers: library-volume}
      LIB-G: {tiers: library-graduated}
      FLAT-V: {tiers: flat-volume}
      FLAT-G: {tiers: flat-graduated}
      LAGO-V: {tiers: lago-volume}
      BLOCK-T: {tiers: trailhead-block}
      BLOCK-H: {tiers: help-block}
      SEATS: {tiers: seats}
      RENTAL: {tiers: rental}
      LAGO-P: {tiers: lago-package}
      SAP-TO: {tiers: sap-to-scale}
      SAP-INT: {tiers: sap-interval}
      SAP-FROM: {tiers: sap-from-scale}
      RANGE: 100.00
      SLAB: 100.00
adjustments:
  - {id: range, kind: schedule, schedule: range, applies_to: {skus: [RANGE]}}
  - {id: slab, kind: schedule, schedule: slab, applies_to: {skus: [SLAB]}}
"""


@pytest.fixture(scope="module")
def book() -> PriceBook:
    """One book holding every worked example of section 1.3."""

    return build_book(SCHEDULES, precision=4)


def line_net(book: PriceBook, sku: str, qty: int | str) -> Decimal:
    """Price one line and check its trace reproduces the net."""
    line = price([(sku, qty)], book, on=DAY).lines[0]
    assert replay(line.trace) == line.line_net
    return line.line_net


@pytest.mark.parametrize(
    ("qty", "volume", "graduated"),
    [
        (1, "7.00", "7.00"),
        (5, "35.00", "35.00"),
        (6, "39.00", "41.50"),
        (10, "65.00", "67.50"),
        (11, "66.00", "73.50"),
        (20, "120.00", "127.50"),
        (25, "150.00", "157.50"),
    ],
)
def test_stripe_example_a(book: PriceBook, qty: int, volume: str, graduated: str) -> None:
    """A: Stripe's tiers 1-5 at 7.00, 6-10 at 6.50, 11+ at 6.00, volume and graduated."""
    assert line_net(book, "STRIPE-V", qty) == Decimal(volume)
    assert line_net(book, "STRIPE-G", qty) == Decimal(graduated)


@pytest.mark.parametrize(
    ("qty", "volume", "graduated"),
    [
        (9, "900.00", "900.00"),
        (10, "900.00", "990.00"),
        (49, "4410.00", "4500.00"),
        (50, "4000.00", "4580.00"),
        (100, "7000.00", "8570.00"),
        (120, "8400.00", "9970.00"),
    ],
)
def test_library_table_b(book: PriceBook, qty: int, volume: str, graduated: str) -> None:
    """B: from 1 at 100, from 10 at 90, from 50 at 80, from 100 at 70 (the volume cliff)."""
    assert line_net(book, "LIB-V", qty) == Decimal(volume)
    assert line_net(book, "LIB-G", qty) == Decimal(graduated)


def test_graduated_trace_shows_each_tier(book: PriceBook) -> None:
    """B, 120 units graduated: 9 x 100 + 40 x 90 + 50 x 80 + 21 x 70, one step per tier."""
    line = price([("LIB-G", 120)], book, on=DAY).lines[0]
    tiers = [s for s in line.trace if s.step == "tier"]
    assert [s.operand for s in tiers] == [
        Decimal("900.00"),
        Decimal("3600.00"),
        Decimal("4000.00"),
        Decimal("1470.00"),
    ]
    assert [s.rule for s in tiers] == [
        "units 1–9 at 100.00",
        "units 10–49 at 90.00",
        "units 50–99 at 80.00",
        "units 100–120 at 70.00",
    ]
    assert line.unit_net_is_average
    assert line.unit_net == Decimal("83.0833")


@pytest.mark.parametrize(
    ("qty", "volume", "graduated"),
    [(9, "950.00", "950.00"), (10, "920.00", "1060.00"), (60, "4800.00", "5450.00")],
)
def test_flat_fees_c(book: PriceBook, qty: int, volume: str, graduated: str) -> None:
    """C: volume charges the flat fee of the tier reached, graduated of every tier entered."""
    assert line_net(book, "FLAT-V", qty) == Decimal(volume)
    assert line_net(book, "FLAT-G", qty) == Decimal(graduated)


def test_quantity_zero_costs_nothing_and_no_flat_fee(book: PriceBook) -> None:
    """C: quantity 0 gives 0, with no flat fee (Lago's `return 0 if units.zero?`)."""
    assert line_net(book, "FLAT-V", 0) == Decimal("0.00")
    assert line_net(book, "FLAT-G", 0) == Decimal("0.00")
    assert line_net(book, "SEATS", 0) == Decimal("0.00")


def test_lago_volume_with_flat_fee(book: PriceBook) -> None:
    """C: Lago's volume example, 65,000 units x 0.0006 + 10 flat = 49."""
    assert line_net(book, "LAGO-V", 65000) == Decimal("49.00")


@pytest.mark.parametrize(("qty", "amount"), [(7, "1.00"), (10, "1.00"), (11, "3.00"), (50, "3.00")])
def test_block_trailhead_d(book: PriceBook, qty: int, amount: str) -> None:
    """D: blocks [1, 11) = $1 and [11, 51) = $3 (Salesforce exclusive bounds converted)."""
    assert line_net(book, "BLOCK-T", qty) == Decimal(amount)


def test_block_above_closed_top_without_overage_has_no_price(book: PriceBook) -> None:
    """D: above the last closed block and without an overage rule there is no price, not 0."""
    with pytest.raises(MissingPriceError, match="ends at 50 and has no overage"):
        price([("BLOCK-T", 51)], book, on=DAY)


@pytest.mark.parametrize(
    ("qty", "amount"), [(1, "10.00"), (10, "10.00"), (11, "18.00"), (20, "18.00"), (25, "25.50")]
)
def test_block_help_page_with_overage(book: PriceBook, qty: int, amount: str) -> None:
    """D: 1-10 units $10, 11-20 $18; above 20 the overage adds 1.50 per unit (18 + 5 x 1.50)."""
    assert line_net(book, "BLOCK-H", qty) == Decimal(amount)


@pytest.mark.parametrize(
    ("qty", "amount"), [(1, "10.00"), (5, "10.00"), (6, "20.00"), (7, "20.00")]
)
def test_package_e(book: PriceBook, qty: int, amount: str) -> None:
    """E: $10 per 5 users, started packs count."""
    assert line_net(book, "SEATS", qty) == Decimal(amount)


def test_package_car_rental_e(book: PriceBook) -> None:
    """E: $10 per hour billed in minutes, 150 minutes -> 3 started hours -> $30."""
    assert line_net(book, "RENTAL", 150) == Decimal("30.00")


@pytest.mark.parametrize(("qty", "amount"), [(3, "0.00"), (4, "5.00"), (13, "5.00"), (14, "10.00")])
def test_package_free_units(book: PriceBook, qty: int, amount: str) -> None:
    """E: Lago subtracts free units first, then ceil(units / size) x amount."""
    assert line_net(book, "LAGO-P", qty) == Decimal(amount)


@pytest.mark.parametrize(
    ("qty", "range_", "slab"),
    [
        (9, "810.00", "810.00"),
        (10, "800.00", "890.00"),
        (20, "1400.00", "1680.00"),
        (30, "2100.00", "2380.00"),
    ],
)
def test_range_vs_slab_f(book: PriceBook, qty: int, range_: str, slab: str) -> None:
    """F: list 100.00, [1,10) 10 %, [10,20) 20 %, [20,inf) 30 %, range and slab totals."""
    assert line_net(book, "RANGE", qty) == Decimal(range_)
    assert line_net(book, "SLAB", qty) == Decimal(slab)


def test_sap_to_scale_and_interval_scale_g(book: PriceBook) -> None:
    """G: SAP Note 930537, 140 PC: to-scale 20.00 x 140 = 2,800.00; interval 2,230.00."""
    assert line_net(book, "SAP-TO", 140) == Decimal("2800.00")
    line = price([("SAP-INT", 140)], book, on=DAY).lines[0]
    assert line.line_net == Decimal("2230.00")
    assert [s.rule for s in line.trace if s.step == "tier"] == [
        "units 1–5 at 10.00",
        "units 6–20 at 12.00",
        "units 21–100 at 15.00",
        "units 101–140 at 20.00",
    ]
    assert line.unit_net == Decimal("15.9286")  # the note's average 15.92857, at 4 places


def test_sap_from_scale_g(book: PriceBook) -> None:
    """G: from-scale 10 -> 12, 100 -> 11, 1000 -> 10: 150 units cost 1,650.00."""
    assert line_net(book, "SAP-FROM", 150) == Decimal("1650.00")


def test_sap_from_scale_below_first_level_is_missing_price(book: PriceBook) -> None:
    """G: below the first from-level no level applies: a typed error, never 0."""
    with pytest.raises(MissingPriceError, match="starts at 10; quantity 5 has no price"):
        price([("SAP-FROM", 5)], book, on=DAY)


def test_fractional_quantity_graduated(make_book: BookFactory) -> None:
    """Metres (first tier from 0): the tier from 3 prices the quantity above 3 m."""
    book = make_book(
        """
        price_lists:
          list:
            kind: list
            prices:
              CABLE:
                tiers:
                  mode: graduated
                  tiers: [{min_qty: 0, unit_price: 10}, {min_qty: 3, unit_price: 8}]
        """
    )
    assert price([("CABLE", "2.5")], book, on=DAY).lines[0].line_net == Decimal("25.00")
    assert price([("CABLE", "3.5")], book, on=DAY).lines[0].line_net == Decimal("34.00")
    line = price([("CABLE", "3.5")], book, on=DAY).lines[0]
    assert [s.rule for s in line.trace if s.step == "tier"] == [
        "quantity 0–3 (3) at 10",
        "quantity 3–3.5 (0.5) at 8",
    ]


def test_fractional_counted_units_reach_the_tier_of_their_unit(book: PriceBook) -> None:
    """Tiers from 1 count units: 9.5 units include part of unit 10, so volume uses 90.00;
    half a unit is part of unit 1 and has a price."""
    assert line_net(book, "LIB-V", "9.5") == Decimal("855.00")
    assert line_net(book, "LIB-G", "9.5") == Decimal("945.00")  # 9 x 100 + 0.5 x 90
    assert line_net(book, "LIB-V", "0.5") == Decimal("50.00")
