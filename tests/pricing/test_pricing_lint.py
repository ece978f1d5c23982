"""Price-book lint: one finding per code, located, and nothing on a clean book."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pricing_helpers import book_text

from cpq.errors import Issue
from cpq.pricing import lint_price_book

TODAY = date(2026, 1, 15)


def lint(tmp_path: Path, body: str, known: set[str] | None = None) -> list[Issue]:
    """Lint a book made of the standard header and ``body``."""
    path = tmp_path / "prices.yaml"
    path.write_text(book_text(body))
    return lint_price_book(path, known, today=TODAY)


def codes(issues: list[Issue]) -> list[tuple[str, str, int]]:
    """(code, severity, line) of each issue."""
    return [(i.code, i.severity, i.location.line if i.location else 0) for i in issues]


CLEAN = """
items:
  A: {category: pumps, cost: 50}
customer_groups:
  WH: {price_lists: [wh]}
customers:
  K-1: {group: WH}
tier_schedules:
  t:
    mode: graduated
    tiers:
      - {min_qty: 1, max_qty: 9, unit_price: 10}
      - {min_qty: 10, unit_price: 9}
price_lists:
  list: {kind: list, prices: {A: 100, B: {tiers: t}}}
  wh: {kind: group, valid_from: 2026-01-01, prices: {A: 90}}
contracts:
  K-1-2026: {customer: K-1, valid_from: 2026-01-01, prices: [{sku: A, price: 80}]}
adjustments:
  - {id: pumps, kind: percent, percent: 2, applies_to: {categories: [pumps], skus: [A]}}
"""


def test_clean_book_has_no_findings(tmp_path: Path) -> None:
    """A consistent book lints clean, also against the ruleset's SKUs."""
    assert lint(tmp_path, CLEAN, {"A", "B"}) == []


def test_load_problems_come_back_as_issues(tmp_path: Path) -> None:
    """A book that does not load returns its loading issues; lint never raises."""
    issues = lint(tmp_path, "price_lists: {l: {kind: lisst}}\n")
    assert [i.code for i in issues] == ["invalid-value"]
    assert lint_price_book(tmp_path / "missing.yaml")[0].code == "file-not-found"


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        (
            "[{min_qty: 1, max_qty: 10, unit_price: 2}, {min_qty: 10, unit_price: 1}]",
            [("tier-overlap", "error", 9)],
        ),
        (
            "[{min_qty: 1, max_qty: 5, unit_price: 2}, {min_qty: 7, unit_price: 1}]",
            [("tier-gap", "warning", 9)],
        ),
        (
            "[{min_qty: 1, max_qty: 5, unit_price: 2}, {min_qty: 6, max_qty: 10, unit_price: 1}]",
            [("tier-gap", "warning", 9)],  # closed last tier, no overage
        ),
        (
            "[{min_qty: 10, unit_price: 2}, {min_qty: 20, unit_price: 1}]",
            [("tier-gap", "warning", 9)],  # nothing below 10
        ),
        (
            "[{min_qty: 0, max_qty: 5, unit_price: 2}, {min_qty: 5, unit_price: 1}]",
            [],  # measured quantities: 0-5 then from 5 is contiguous
        ),
        (
            "[{min_qty: 0, max_qty: 5, unit_price: 2}, {min_qty: 6, unit_price: 1}]",
            [("tier-gap", "warning", 9)],  # measured: 5 to 6 is a gap
        ),
        (
            "[{min_qty: 1, max_qty: 5, unit_price: 2}, {min_qty: 6, unit_price: 1}]",
            [],  # counted units: 1-5 then 6+ (Stripe's convention)
        ),
    ],
)
def test_tier_overlaps_and_gaps(tmp_path: Path, tiers: str, expected: list[object]) -> None:
    """Declared ranges must meet: overlap is an error, a gap or a closed end a warning."""
    body = f"tier_schedules: {{t: {{mode: volume, tiers: {tiers}}}}}\n"
    assert codes(lint(tmp_path, body)) == expected


def test_discount_schedule_overlap(tmp_path: Path) -> None:
    """Discount schedules are checked the same way (the Salesforce 'one above' mistake)."""
    body = (
        "discount_schedules: {d: {mode: range, tiers: [{min_qty: 1, max_qty: 10, percent: 1},"
        " {min_qty: 10, percent: 2}]}}\n"
    )
    assert codes(lint(tmp_path, body)) == [("tier-overlap", "error", 9)]


def test_duplicate_contract_prices(tmp_path: Path) -> None:
    """Two records of one customer for one SKU valid at the same time are an error."""
    body = """
    customers: {K-1: {}}
    price_lists: {l: {kind: list, prices: {A: 1}}}
    contracts:
      K-1-A:
        customer: K-1
        prices:
          - {sku: A, price: 80, valid_to: 2026-06-30}
      K-1-B:
        customer: K-1
        prices:
          - {sku: A, price: 79, valid_from: 2026-03-01, valid_to: 2026-06-30}
          - {sku: A, price: 70, min_qty: 100}
      K-1-C:
        customer: K-1
        prices:
          - {sku: A, price: 78, valid_from: 2026-07-01}
    """
    issues = lint(tmp_path, body)
    assert codes(issues) == [("duplicate-contract-price", "error", 20)]
    assert "contracts.K-1-A.prices[0]" in issues[0].message


def test_missing_and_unknown_skus(tmp_path: Path) -> None:
    """Ruleset SKUs without a list price, prices for SKUs the ruleset does not use."""
    body = """
    price_lists:
      l:
        kind: list
        prices:
          A: 1
          OLD: {price: 1, valid_to: 2025-12-31}
          ZZZ-9: 3
    adjustments:
      - {id: x, kind: percent, percent: 1, applies_to: {skus: [NOPE]}}
    """
    issues = lint(tmp_path, body, {"A", "B", "OLD"})
    found = sorted((i.code, i.severity, i.message) for i in issues)
    assert found == [
        ("missing-price", "error", "'B' of the ruleset has no list price"),
        ("missing-price", "warning", "'OLD' of the ruleset has no list price valid on 2026-01-15"),
        (
            "unknown-sku",
            "warning",
            "adjustment 'x' names 'NOPE', which has no price and no item entry",
        ),
        (
            "unknown-sku",
            "warning",
            "price_lists.l.ZZZ-9 prices 'ZZZ-9', which the ruleset does not use",
        ),
    ]


def test_unknown_category(tmp_path: Path) -> None:
    """A contract or filter category that no item carries is most likely a typo."""
    body = """
    items: {A: {category: Sensoren}}
    customers: {K: {}}
    price_lists: {l: {kind: list, prices: {A: 1}}}
    contracts: {K-1: {customer: K, prices: [{category: Sensors, discount_percent: 5}]}}
    """
    issues = lint(tmp_path, body)
    assert codes(issues) == [("unknown-category", "warning", 13)]
    assert issues[0].hint == "did you mean 'Sensoren'?"


def test_expired_and_unused_lists_and_contracts(tmp_path: Path) -> None:
    """A list that ended but is still named, a list nobody names, a contract that ended."""
    body = """
    customer_groups: {WH: {price_lists: [wh-2025]}}
    customers: {K: {group: WH}}
    price_lists:
      l: {kind: list, prices: {A: 1}}
      wh-2025: {kind: group, valid_to: 2025-12-31, prices: {A: 1}}
      orphan: {kind: customer, prices: {A: 1}}
    contracts:
      K-2024: {customer: K, valid_to: 2024-12-31, prices: [{sku: A, price: 1}]}
    """
    assert sorted(codes(lint(tmp_path, body))) == [
        ("expired-contract", "warning", 17),
        ("expired-price-list", "warning", 10),
        ("unused-price-list", "warning", 15),
    ]


def test_mixed_currencies(tmp_path: Path) -> None:
    """One schedule used for EUR and USD prices; a customer with prices in two currencies."""
    body = """
    tier_schedules: {t: {mode: volume, tiers: [{min_qty: 1, unit_price: 1}]}}
    customers: {K: {price_lists: [k-usd]}}
    price_lists:
      l: {kind: list, prices: {A: {tiers: t}}}
      u: {kind: list, currency: USD, prices: {A: {tiers: t}}}
      k-usd: {kind: customer, currency: USD, prices: {A: 1}}
    contracts:
      K-EUR: {customer: K, prices: [{sku: A, price: 1}]}
    """
    assert sorted(codes(lint(tmp_path, body))) == [
        ("mixed-currencies", "warning", 10),
        ("mixed-currencies", "warning", 11),
    ]
