"""Loading price books: every problem at once, each with file:line:col and a useful hint."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pricing_helpers import book_text

from cpq.errors import PriceBookError
from cpq.pricing import (
    check_price_book,
    load_price_book,
    parse_price_book,
    price_book_json_schema,
)

# The standard header of pricing_helpers is 8 lines, so a body starts at line 9.
CASES = [
    (
        "unknown-field",
        "price_lists: {list: {kind: list, prices: {A: {pricee: 1}}}}\n",
        (9, 47),
        "did you mean 'price'?",
    ),
    (
        "missing-field",
        "price_lists:\n  list: {prices: {A: 1}}\n",
        (10, 9),
        None,
    ),
    (
        "invalid-value",
        "price_lists: {list: {kind: list, prices: {A: '12,50'}}}\n",
        (9, 47),
        None,
    ),
    (
        "invalid-value",
        "price_lists: {list: {kind: list, prices: {A: -5}}}\n",
        (9, 46),
        None,
    ),
    (
        "wrong-type",
        "customers: {K-1: {group: 42}}\n",
        (9, 26),
        "YAML reads the unquoted 42 as the number 42; write '42'",
    ),
    (
        "invalid-value",
        "tier_schedules:\n  t: {mode: tiered, tiers: [{min_qty: 1, unit_price: 1}]}\n",
        (10, 13),
        "Chargebee and Recurly call graduated pricing 'tiered'; write mode: graduated",
    ),
    (
        "invalid-value",
        "pricing: {stacking: additve}\n",
        (9, 21),
        "did you mean 'additive'?",
    ),
    (
        "unknown-reference",
        "price_lists: {list: {kind: list, prices: {A: {tiers: stripe}}}}\n"
        "tier_schedules: {strip: {mode: volume, tiers: [{min_qty: 1, unit_price: 1}]}}\n",
        (9, 54),
        "did you mean 'strip'?",
    ),
    (
        "unknown-currency",
        "price_lists: {list: {kind: list, currency: EURO, prices: {A: 1}}}\n",
        (9, 44),
        "did you mean 'EUR'?",
    ),
    (
        "tier-overlap",
        "tier_schedules:\n  t:\n    mode: volume\n    tiers:\n"
        "      - {min_qty: 10, unit_price: 5}\n      - {min_qty: 5, unit_price: 4}\n",
        (14, 19),
        None,
    ),
    (
        "price-list-kind",
        "price_lists: {list: {kind: list, prices: {A: 1}}}\n"
        "customer_groups: {WH: {price_lists: [list]}}\n",
        (10, 38),
        "general lists (kind: list) apply to everyone without being named",
    ),
    (
        "duplicate-id",
        "adjustments:\n  - {id: a, kind: percent, percent: 5}\n"
        "  - {id: a, kind: percent, percent: 6}\n",
        (11, 10),
        None,
    ),
    (
        "duplicate-key",
        "price_lists:\n  list:\n    kind: list\n    prices:\n      A: 1\n      A: 2\n",
        (14, 7),
        None,
    ),
    (
        "missing-field",
        "contracts: {C-1: {customer: K, prices: [{sku: A}]}}\ncustomers: {K: {}}\n",
        (9, 41),
        None,
    ),
    (
        "invalid-value",
        "price_lists: {list: {kind: list, prices: {A: {price: 1, price_unit: 12}}}}\n",
        (9, 69),
        None,
    ),
    (
        "invalid-value",
        "price_lists: {list: {kind: list, prices: {A: {price: 1, tiers: t}}}}\n"
        "tier_schedules: {t: {mode: volume, tiers: [{min_qty: 1, unit_price: 1}]}}\n",
        (9, 46),
        None,
    ),
    (
        "missing-field",
        "tier_schedules:\n  t: {mode: block, tiers: [{min_qty: 1, block_price: 1}], "
        "overage: {unit_price: 1}}\n",
        (10, 68),
        None,
    ),
    (
        "invalid-value",
        "customers:\n  A: {parent: B}\n  B: {parent: A}\n",
        (10, 15),
        None,
    ),
]


@pytest.mark.parametrize(("code", "body", "where", "hint"), CASES, ids=[c[0] for c in CASES])
def test_problem_is_located(
    tmp_path: Path, code: str, body: str, where: tuple[int, int], hint: str | None
) -> None:
    """Each authoring mistake gives its code at the exact line and column."""
    path = tmp_path / "prices.yaml"
    path.write_text(book_text(body))
    book, issues = check_price_book(path)
    assert book is None
    found = [(i.code, i.location.line, i.location.column) for i in issues if i.location]
    assert (code, *where) in found, [str(i) for i in issues]
    if hint is not None:
        match = [i for i in issues if i.code == code]
        assert match[0].hint == hint


def test_all_problems_are_reported_together() -> None:
    """Several mistakes in different sections come back in one PriceBookError, in file order."""
    text = book_text(
        "price_lists: {list: {kind: list, currency: EURO, prices: {A: {tiers: nope}}}}\n"
        "customers: {K: {group: WH}}\n"
        "adjustments: [{id: x, kind: percent, percent: 101}]\n"
    )
    with pytest.raises(PriceBookError) as info:
        parse_price_book(text, "p.yaml")
    codes = [i.code for i in info.value.issues]
    assert codes == ["unknown-currency", "unknown-reference", "unknown-reference", "invalid-value"]
    lines = str(info.value).splitlines()
    assert lines[0] == "the price book 'p.yaml' has 4 problem(s)"
    assert lines[1].startswith("p.yaml:9:44: unknown-currency:")


def test_not_a_price_book() -> None:
    """A ruleset handed to the price-book loader says what it is."""
    with pytest.raises(PriceBookError) as info:
        parse_price_book('cpq: "1"\nproduct: {id: p, name: P}\n')
    assert info.value.issues[0].code == "not-a-price-book"


def test_unsupported_version() -> None:
    """A future format version is named, with the fix."""
    text = book_text("").replace('cpq_prices: "1"', 'cpq_prices: "2"')
    with pytest.raises(PriceBookError) as info:
        parse_price_book(text)
    issue = info.value.issues[0]
    assert (issue.code, issue.hint) == ("unsupported-version", 'write cpq_prices: "1"')


def test_yaml_syntax_error_is_located() -> None:
    """Broken YAML is reported by the shared reader with its line."""
    with pytest.raises(PriceBookError) as info:
        parse_price_book('cpq_prices: "1"\nprice_book: {id: x\n', "p.yaml")
    assert info.value.issues[0].code == "yaml-syntax"


def test_amounts_as_numbers_and_strings_are_the_same_decimal() -> None:
    """100.00 and "100.00" both become Decimal('100.00'); 100 becomes Decimal('100')."""
    book = parse_price_book(
        book_text("price_lists: {list: {kind: list, prices: {A: 100.00, B: '100.00', C: 100}}}\n")
    )
    prices = {sku: recs[0].price for sku, recs in book.price_lists["list"].by_sku.items()}
    assert prices == {"A": Decimal("100.00"), "B": Decimal("100.00"), "C": Decimal("100")}
    assert all(isinstance(p, Decimal) for p in prices.values())
    assert str(prices["A"]) == "100.00"


def test_python_floats_are_refused_by_the_schema() -> None:
    """Data built in Python with a float price is rejected, never converted."""
    from pydantic import ValidationError

    from cpq.pricing.schema import PriceEntrySpec

    with pytest.raises(ValidationError, match="not a float"):
        PriceEntrySpec.model_validate({"price": 0.1})


def test_missing_file_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    """check_price_book never raises; load_price_book raises PriceBookError."""
    book, issues = check_price_book(tmp_path / "nope.yaml")
    assert book is None and issues[0].code == "file-not-found"
    with pytest.raises(PriceBookError):
        load_price_book(tmp_path / "nope.yaml")


def test_folder_loads_prices_yaml(tmp_path: Path) -> None:
    """A folder path means its prices.yaml, like rulesets/pump."""
    (tmp_path / "prices.yaml").write_text(book_text("price_lists: {l: {kind: list}}\n"))
    assert load_price_book(tmp_path).id == "test"


def test_json_schema_describes_the_format() -> None:
    """The JSON Schema names the top-level key and the sections, and is plain JSON."""
    schema = price_book_json_schema()
    json.dumps(schema)
    assert schema["properties"]["cpq_prices"]["const"] == "1"
    assert set(schema["required"]) == {"cpq_prices", "price_book", "vat"}
    for key in ("price_lists", "contracts", "tier_schedules", "adjustments", "approvals"):
        assert key in schema["properties"]
