"""Contract precedence scenario C1-C7 of pricing.md section 2.1, and the discount chain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pricing_helpers import build_book

from cpq.pricing import LineRequest, PriceBook, price, replay

# The records of section 2.1. R1 list 100.00; R2 group list "Händler" 92.00 for WH (2025);
# R3 contract K-1001 x S-100 net 85.00 (Mar-Jun 2025); R4 contract K-1001 x Sensoren 10 % off
# list (2025); customer discount K-1001 5 %; volume schedule S-100 range >= 50 -> 3 %;
# floor cost + 20 % = 62.40. The customer discount is limited to contract-sourced prices
# (sources:), which is what the worked numbers imply: C6 best-price takes R2 at 92.00 flat.
SCENARIO = """
rounding: {{price_precision: 4}}
pricing:
  access_order: [contract_sku, contract_filter, customer_list, group_list, list]
  best_price: {best_price}
  floor_action: {floor_action}
items:
  S-100: {{name: Sensor S-100, category: Sensoren, cost: 52.00}}
customer_groups:
  WH: {{name: Händler, price_lists: [haendler]}}
customers:
  K-1001: {{name: Müller GmbH, group: WH}}
  K-2002: {{name: Schmidt KG, group: WH}}
  K-3003: {{name: Walk-in}}
price_lists:
  list:
    kind: list
    valid_from: 2025-01-01
    prices: {{S-100: 100.00}}
  haendler:
    kind: group
    name: Händler
    valid_from: 2025-01-01
    valid_to: 2025-12-31
    prices: {{S-100: 92.00}}
contracts:
  K-1001:
    customer: K-1001
    prices:
      - {{sku: S-100, price: {r3}, net_only: true, valid_from: 2025-03-01, valid_to: 2025-06-30}}
      - {{category: Sensoren, discount_percent: 10, valid_from: 2025-01-01, valid_to: 2025-12-31}}
discount_schedules:
  volume-s100: {{mode: range, tiers: [{{min_qty: 50, percent: 3}}]}}
adjustments:
  - id: k1001-discount
    kind: percent
    percent: 5
    applies_to: {{customers: [K-1001], sources: [contract_sku, contract_filter]}}
  - {{id: volume-s100, kind: schedule, schedule: volume-s100, applies_to: {{skus: [S-100]}}}}
floors:
  - {{id: cost-plus-20, applies_to: {{categories: [Sensoren]}}, min_margin_percent: 20}}
approvals:
  - {{id: discount-15, metric: line_discount_percent, above: 15, level: 1}}
  - {{id: below-floor, metric: floor_violation, level: 2}}
"""


def scenario(*, r3: str = "85.00", best_price: str = "[]", floor_action: str = "flag") -> PriceBook:
    """The section 2.1 book, with the variations C6 and C7 need."""
    body = SCENARIO.format(r3=r3, best_price=best_price, floor_action=floor_action)
    return build_book(body.replace("rounding: {price_precision: 4}\n", ""), precision=4)


@pytest.mark.parametrize(
    ("case", "customer", "day", "qty", "source", "unit", "net"),
    [
        ("C1", "K-1001", date(2025, 4, 15), 10, "contract_sku", "85.00", "850.00"),
        ("C2", "K-1001", date(2025, 7, 15), 10, "contract_filter", "85.50", "855.00"),
        ("C3", "K-1001", date(2025, 7, 15), 60, "contract_filter", "82.9350", "4976.10"),
        ("C4", "K-2002", date(2025, 4, 15), 10, "group_list", "92.00", "920.00"),
        ("C5", "K-3003", date(2026, 1, 10), 10, "list", "100.00", "1000.00"),
    ],
)
def test_precedence_c1_to_c5(
    case: str, customer: str, day: date, qty: int, source: str, unit: str, net: str
) -> None:
    """C1-C5: the first access with a valid record wins; the exact unit and line nets."""
    line = price([("S-100", qty)], scenario(), customer=customer, on=day).lines[0]
    assert line.price_source == source, case
    assert line.unit_net == Decimal(unit), case
    assert line.line_net == Decimal(net), case
    assert replay(line.trace) == line.line_net


def test_c1_net_only_contract_skips_adjustments() -> None:
    """C1: R3 is a net price: no customer discount, no volume discount, even at 60 units."""
    line = price([("S-100", 60)], scenario(), customer="K-1001", on=date(2025, 4, 15)).lines[0]
    assert line.unit_net == Decimal("85.00")
    assert line.net_only
    assert not any(s.step == "adjustment" for s in line.trace)


def test_c3_trace_names_every_source() -> None:
    """C3: list 100.00 -> R4 10 % off list 90.00 -> -5 % 85.50 -> -3 % 82.9350, sequential."""
    line = price([("S-100", 60)], scenario(), customer="K-1001", on=date(2025, 7, 15)).lines[0]
    steps = [(s.step, s.source, s.before, s.after) for s in line.trace if s.op != "note"]
    assert steps[:4] == [
        ("base", "price_lists.list.S-100", None, Decimal("100.00")),
        ("contract", "contracts.K-1001.prices[1]", Decimal("100.00"), Decimal("90.0000")),
        ("adjustment", "k1001-discount", Decimal("90.0000"), Decimal("85.500000")),
        ("adjustment", "volume-s100", Decimal("85.500000"), Decimal("82.93500000")),
    ]
    assert line.trace[0].location is not None
    assert line.trace[0].location.file == "prices.yaml"


def test_c6_first_match_vs_best_price() -> None:
    """C6: R3 = 95.00; first match keeps the contract (950.00), best price takes R2 (920.00)."""
    day = date(2025, 4, 15)
    first = price([("S-100", 10)], scenario(r3="95.00"), customer="K-1001", on=day).lines[0]
    assert (first.record, first.unit_net, first.line_net) == (
        "contracts.K-1001.prices[0]",
        Decimal("95.00"),
        Decimal("950.00"),
    )
    book = scenario(r3="95.00", best_price="[contract_sku, group_list]")
    best = price([("S-100", 10)], book, customer="K-1001", on=day).lines[0]
    assert (best.record, best.unit_net, best.line_net) == (
        "price_lists.haendler.S-100",
        Decimal("92.00"),
        Decimal("920.00"),
    )
    assert "950.00" in " ".join(s.rule for s in best.trace)  # the loser is in the trace


def test_c7_manual_discount_below_floor_is_flagged() -> None:
    """C7: C5 + manual 40 % = 60.00 < floor 62.40: flagged by default, level 2 approval."""
    result = price(
        [LineRequest("S-100", 10, manual_discount=40)],
        scenario(),
        customer="K-3003",
        on=date(2026, 1, 10),
    )
    line = result.lines[0]
    assert (line.unit_net, line.line_net) == (Decimal("60.00"), Decimal("600.00"))
    assert line.floor == Decimal("62.40")
    assert line.floor_violation
    assert result.approval_level == 2
    assert {a.rule for a in result.approvals} == {"discount-15", "below-floor"}


def test_c7_clamp_raises_to_the_floor() -> None:
    """C7 with floor_action clamp: 62.40, line 624.00; still recorded as a violation."""
    result = price(
        [LineRequest("S-100", 10, manual_discount=40)],
        scenario(floor_action="clamp"),
        customer="K-3003",
        on=date(2026, 1, 10),
    )
    line = result.lines[0]
    assert (line.unit_net, line.line_net) == (Decimal("62.40"), Decimal("624.00"))
    assert line.floor_violation
    assert replay(line.trace) == Decimal("624.00")


def test_contract_outside_its_validity_falls_back() -> None:
    """After R4 ends (2026) K-1001 gets no contract and no group list: the list price."""
    line = price([("S-100", 10)], scenario(), customer="K-1001", on=date(2026, 2, 1)).lines[0]
    assert (line.price_source, line.line_net) == ("list", Decimal("1000.00"))


CHAIN = """
rounding: {{price_precision: 4}}
pricing: {{stacking: {stacking}}}
price_lists:
  list: {{kind: list, prices: {{S-100: 90.00}}}}
customers:
  K-1: {{}}
discount_schedules:
  volume: {{mode: range, tiers: [{{min_qty: 1, percent: 3}}]}}
adjustments:
  - {{id: customer, kind: percent, percent: 5, applies_to: {{customers: [K-1]}}}}
  - {{id: volume, kind: schedule, schedule: volume}}
"""


@pytest.mark.parametrize(
    ("stacking", "unit", "net"),
    [("sequential", "82.9350", "4976.10"), ("additive", "82.8000", "4968.00")],
)
def test_discount_chain_sequential_vs_additive(stacking: str, unit: str, net: str) -> None:
    """Base 90.00, customer 5 %, volume 3 %: 82.9350 sequential, 82.80 additive; x 60 units."""
    body = CHAIN.format(stacking=stacking).replace("rounding: {price_precision: 4}\n", "")
    book = build_book(body, precision=4)
    result = price([("S-100", 60)], book, customer="K-1", on=date(2025, 1, 1))
    line = result.lines[0]
    assert (line.unit_net, line.line_net) == (Decimal(unit), Decimal(net))
    assert result.stacking == stacking
    assert all(
        ("additive" in s.rule) == (stacking == "additive")
        for s in line.trace
        if s.step == "adjustment"
    )
