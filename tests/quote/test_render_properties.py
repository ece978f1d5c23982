"""Hypothesis: rendering never fails for generated quotes, and data never becomes markup.

Quotes are generated with arbitrary text in every free-text field (names with HTML, Markdown and
Jinja syntax among it), Decimal amounts quantized to 2 places, nested positions of every kind,
any subset of the optional sections, and several locales.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from quote_samples import assert_tables_are_rectangular

from cpq.quote import render_quote
from cpq.quote.model import (
    Address,
    AllowanceCharge,
    Approval,
    Contact,
    DeliveryTerms,
    Feature,
    ItemTrace,
    Party,
    PaymentTerms,
    Position,
    Quote,
    Totals,
    VatBreakdown,
)

NASTY = [
    "<script>alert(1)</script> & Co",
    "<SCRIPT SRC=//x.example/a.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "a | b || c",
    "*bold* _it_ `code` [l](http://x) ~~s~~",
    "{{ 7 * 7 }} {% raw %}",
    "- list\n# heading\n1. item",
    "\\|\\",
    "Müller & Söhne GmbH & Co. KG",
    "",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
short = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))
maybe = st.none() | text
money = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
qty = st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=3, allow_nan=False)
rate = st.sampled_from([Decimal(0), Decimal(7), Decimal(19), Decimal("7.7"), Decimal("20.00")])
units = st.sampled_from(["C62", "H87", "MTR", "MTK", "KWT", "HUR", "SET", "LS", "XYZ"])
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
kinds = st.sampled_from(["product", "item", "included", "optional", "alternative", "text"])

address = st.builds(
    Address, street=maybe, additional=maybe, postcode=maybe, city=maybe, country_code=maybe
)
party = st.builds(
    Party,
    name=text,
    id=maybe,
    address=st.none() | address,
    contact=st.none() | st.builds(Contact, name=maybe, phone=maybe, email=maybe),
    vat_id=maybe,
    tax_number=maybe,
    registration=maybe,
    managing_directors=st.lists(text, max_size=3).map(tuple),
    bank=maybe,
    website=maybe,
)


def position(id_: str, children: tuple[Position, ...] = ()) -> st.SearchStrategy[Position]:
    return st.builds(
        Position,
        id=st.just(id_),
        kind=kinds,
        sku=st.none() | short,
        name=text,
        description=maybe,
        quantity=qty,
        unit=units,
        unit_price=st.none() | money,
        price_unit=st.sampled_from([1, 1, 100]),
        list_price=st.none() | money,
        discount_percent=st.decimals(min_value=0, max_value=100, places=1, allow_nan=False),
        line_net=money,
        vat_category=st.none() | st.sampled_from(["S", "G", "K", "AE"]),
        vat_rate=st.none() | rate,
        in_total=st.booleans(),
        lead_time_days=st.none() | st.integers(0, 400),
        features=st.lists(st.builds(Feature, name=short, value=short), max_size=3).map(tuple),
        children=st.just(children),
    )


@st.composite
def positions(draw: st.DrawFn) -> tuple[Position, ...]:
    out = []
    for i in range(1, draw(st.integers(0, 4)) + 1):
        n = draw(st.integers(0, 3))
        kids = tuple(draw(position(f"{i}.{j}")) for j in range(1, n + 1))
        out.append(draw(position(str(i), kids)))
    return tuple(out)


quotes = st.builds(
    Quote,
    number=short.filter(bool),
    revision=st.integers(0, 3),
    issue_date=days,
    valid_until=days,
    currency=st.sampled_from(["EUR", "USD", "CHF", "JPY", "GBP"]),
    seller=party,
    buyer=party,
    buyer_reference=maybe,
    subject=maybe,
    intro=maybe,
    closing=maybe,
    positions=positions(),
    allowances_charges=st.lists(
        st.builds(
            AllowanceCharge,
            charge=st.booleans(),
            reason=text,
            percent=st.none() | st.decimals(min_value=0, max_value=100, places=2),
            base_amount=st.none() | money,
            amount=money,
            vat_category=st.sampled_from(["S", "G"]),
            vat_rate=rate,
        ),
        max_size=3,
    ).map(tuple),
    vat_breakdown=st.lists(
        st.builds(
            VatBreakdown,
            category=st.sampled_from(["S", "Z", "E", "AE", "G"]),
            rate=rate,
            taxable_amount=money,
            tax_amount=money,
            exemption_reason=maybe,
        ),
        max_size=3,
    ).map(tuple),
    totals=st.builds(
        Totals,
        line_net_total=money,
        allowance_total=money,
        charge_total=money,
        tax_exclusive=money,
        tax_total=money,
        tax_inclusive=money,
        rounding=money,
        payable=money,
        optional_total=money,
    ),
    payment_terms=st.none()
    | st.builds(
        PaymentTerms,
        due_days=st.integers(0, 120),
        cash_discount_percent=st.none() | st.decimals(min_value=0, max_value=10, places=1),
        cash_discount_days=st.none() | st.integers(0, 60),
        cash_discount_amount=st.none() | money,
        note=maybe,
    ),
    delivery_terms=st.none()
    | st.builds(
        DeliveryTerms,
        incoterms=st.none() | st.sampled_from(["EXW", "FCA", "DAP", "DDP"]),
        place=maybe,
        lead_time_days=st.none() | st.integers(0, 400),
        earliest_delivery=st.none() | days,
        note=maybe,
    ),
    terms=st.lists(text, max_size=3).map(tuple),
    approvals=st.lists(
        st.builds(Approval, rule=short, level=st.integers(1, 3), message=text, position=maybe),
        max_size=2,
    ).map(tuple),
    price_book=maybe,
    price_book_digest=st.none() | st.text("0123456789abcdef:sha", max_size=70),
    pricing_date=st.none() | days,
    items=st.lists(
        st.builds(
            ItemTrace,
            position=short,
            product=maybe,
            ruleset_digest=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
            configuration_id=maybe,
        ),
        max_size=2,
    ).map(tuple),
)
locales = st.sampled_from(["de_DE", "en_US", "fr_FR", "de_CH", "ja_JP"])


@given(quote=quotes, locale=locales)
def test_rendering_never_fails_and_data_never_becomes_markup(quote: Quote, locale: str) -> None:
    """html, md and txt render every generated quote; no `<script` (or any tag) from the data
    reaches the HTML or the Markdown; every Markdown table row has its header's cell count;
    template syntax in the data is printed, not run."""
    html = render_quote(quote, "html", locale=locale)
    md = render_quote(quote, "md", locale=locale)
    txt = render_quote(quote, "txt", locale=locale)
    assert isinstance(html, str) and isinstance(md, str) and isinstance(txt, str)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert not re.search(r"(?<!\\)<(?!br>)", md)
    assert_tables_are_rectangular(md)
    if any("{{ 7 * 7 }}" in (p.name or "") for p in quote.all_positions()):
        assert "{{ 7 * 7 }}" in txt


@given(quote=quotes)
def test_json_round_trips(quote: Quote) -> None:
    """The json format loads back to the same quote."""
    out = render_quote(quote, "json")
    assert isinstance(out, str)
    assert Quote.from_json(out) == quote
