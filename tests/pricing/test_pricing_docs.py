"""docs/pricing.md and docs/errors-pricing.md are code: their examples load and their codes
match what the implementation reports."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from cpq._yaml import parse_yaml
from cpq.pricing import parse_price_book, price, replay
from cpq.pricing.schema import PriceBookFile

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pricing.md"
ERRORS = ROOT / "docs" / "errors-pricing.md"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
BLOCKS = BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_complete_example_prices_c3() -> None:
    """The book at the top of docs/pricing.md loads and gives C3's 4,976.10 with its trace."""
    full = [b for b in BLOCKS if b.startswith("cpq_prices")]
    assert len(full) == 1
    book = parse_price_book(full[0], "prices.yaml")
    line = price([("S-100", 60)], book, customer="K-1001", on=date(2025, 7, 15)).lines[0]
    assert line.line_net == Decimal("4976.10")
    assert replay(line.trace) == line.line_net
    shown = [str(s.location) for s in line.trace if s.location]
    doc = DOC.read_text(encoding="utf-8")
    assert all(loc in doc for loc in shown), shown


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_fragment_follows_the_schema(index: int) -> None:
    """Each YAML fragment's sections validate against the price-book schema."""
    doc, issues = parse_yaml(BLOCKS[index], f"pricing.md#{index}")
    assert doc is not None and not [i for i in issues if i.severity == "error"], issues
    assert isinstance(doc.data, dict)
    for key, value in doc.data.items():
        annotation = PriceBookFile.model_fields[key].annotation
        assert annotation is not None
        TypeAdapter(annotation).validate_python(value, strict=True)


CODE_CALL = re.compile(r'(?:\.add|\.error|Issue)\(\s*"([a-z]+(?:-[a-z]+)*)"')
SHARED = {
    "missing-field",
    "unknown-field",
    "wrong-type",
    "invalid-value",
    "unknown-reference",
    "duplicate-id",
    "unsupported-version",
}
"""Codes shared with rulesets; documented in docs/errors.md by the ruleset format."""


def test_every_new_code_is_documented() -> None:
    """The codes the pricing package reports, beyond the shared ones, are exactly the
    headings of docs/errors-pricing.md (one ``## code {#code}`` each)."""
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "cpq" / "pricing").glob("*.py"))
    reported = set(CODE_CALL.findall(text))
    headings = re.findall(
        r"^## ([a-z-]+) \{#([a-z-]+)\}$", ERRORS.read_text(encoding="utf-8"), re.M
    )
    assert all(code == anchor for code, anchor in headings)
    assert {code for code, _ in headings} == reported - SHARED
