"""A quote built from the shipped pump (ruleset, price book, quote profile) renders in every
format and locale, and each format shows the positions and totals the model holds."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

import cpq
from cpq.quote import Quote, QuoteItem, build_quote, load_quote_profile, render_quote
from cpq.quote._format import format_money


@pytest.fixture(scope="module")
def pump_quote() -> Quote:
    """Two sea-water pumps for a contract customer, plus an optional barrier fluid."""
    rs = cpq.load_ruleset("rulesets/pump")
    book = cpq.load_price_book("rulesets/pump/prices.yaml")
    profile = load_quote_profile("rulesets/pump/quote.yaml")
    cfg = cpq.Configurator(rs).select("medium", "sea_water").complete()
    return build_quote(
        [QuoteItem(cfg, 2), QuoteItem("CP-FLUID-53A-5L", 4, kind="optional")],
        book,
        number="Q-2026-0001",
        customer="K-2002",
        on=date(2026, 3, 2),
        profile=profile,
    )


def expected(q: Quote, locale: str) -> list[str]:
    """What every rendering must show: number, SKUs, every line amount, the totals."""
    money = [p.line_net for p in q.all_positions() if p.kind not in ("included", "text")]
    money += [q.totals.line_net_total, q.totals.tax_exclusive, q.totals.tax_inclusive]
    money += [v.tax_amount for v in q.vat_breakdown] + [a.amount for a in q.allowances_charges]
    out = [q.display_number] + [p.sku for p in q.all_positions() if p.sku]
    out += [format_money(m, q.currency, locale).replace("\xa0", " ") for m in money]
    return out


@pytest.mark.parametrize("locale", ["de_DE", "en_US"])
@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_pump_quote_renders(pump_quote: Quote, fmt: str, locale: str) -> None:
    """html, md and txt show every SKU, line amount and total of the built quote."""
    text = render_quote(pump_quote, fmt, locale=locale)
    assert isinstance(text, str)
    flowing = re.sub(r"[ \n]+", " ", text.replace("\xa0", " "))
    missing = [s for s in expected(pump_quote, locale) if s not in flowing]
    assert not missing
    assert ("Seite" if locale == "de_DE" else "Page") in text or fmt != "html"


def test_pump_quote_json(pump_quote: Quote) -> None:
    """json is the saved quote and loads back equal."""
    text = render_quote(pump_quote, "json")
    assert isinstance(text, str) and Quote.from_json(text) == pump_quote


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("locale", ["de_DE", "en_US"])
def test_pump_quote_pdf(pump_quote: Quote, locale: str, tmp_path: Path) -> None:
    """The PDF's extracted text has the number, every SKU, line amount and total."""
    pytest.importorskip("weasyprint", reason="the pdf extra is not installed")
    data = render_quote(pump_quote, "pdf", locale=locale)
    assert isinstance(data, bytes)
    (tmp_path / "q.pdf").write_bytes(data)
    run = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "q.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    flowing = re.sub(r"[\s\xa0]+", " ", run.stdout)
    flowing = flowing.replace("- ", "-")  # a long SKU may wrap after a hyphen in its column
    missing = [s for s in expected(pump_quote, locale) if s not in flowing]
    assert not missing
