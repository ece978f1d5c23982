"""build_quote on the shipped pump and on small hand-made books: positions, totals, VAT,
header discounts and charges, terms, and the saved JSON."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from _quote_checks import check_totals

import cpq
from cpq.errors import MissingPriceError, QuoteError
from cpq.pricing import parse_price_book
from cpq.quote import (
    AllowanceCharge,
    HeaderAdjustment,
    Quote,
    QuoteItem,
    build_quote,
    load_quote_profile,
)

ON = date(2026, 3, 2)
D = Decimal


@pytest.fixture(scope="module")
def pump() -> cpq.Ruleset:
    return cpq.load_ruleset("rulesets/pump")


@pytest.fixture(scope="module")
def book() -> cpq.PriceBook:
    return cpq.load_price_book("rulesets/pump/prices.yaml")


@pytest.fixture(scope="module")
def profile():  # type: ignore[no-untyped-def]
    return load_quote_profile("rulesets/pump/quote.yaml")


def test_pump_quote_positions_and_totals(pump, book, profile) -> None:  # type: ignore[no-untyped-def]
    cfg = cpq.Configurator(pump).select("medium", "sea_water").complete()
    q = build_quote(
        [QuoteItem(cfg, 2), QuoteItem("CP-FLUID-53A-5L", 4, kind="optional")],
        book,
        number="Q-2026-0001",
        customer="K-2002",
        on=ON,
        profile=profile,
    )
    parent, optional = q.positions
    assert (parent.id, parent.kind, parent.quantity, parent.sku) == ("1", "product", D(2), None)
    assert [c.id for c in parent.children] == [f"1.{i}" for i in range(1, len(parent.children) + 1)]
    assert parent.children[0].sku == pump.product.sku
    bom = cfg.bom()
    assert [c.sku for c in parent.children] == [line.sku for line in bom]
    assert [c.quantity for c in parent.children] == [line.quantity * 2 for line in bom]
    assert parent.unit_price is not None and parent.unit_price * 2 == parent.line_net
    # every chosen value is shown, also those without a SKU
    assert {f.attribute for f in parent.features} >= {"medium", "flow_m3h", "certificates"}
    assert any(f.value == "Sea water" for f in parent.features if f.attribute == "medium")
    assert (optional.kind, optional.in_total, optional.quantity) == ("optional", False, D(4))
    assert q.totals.optional_total == optional.line_net > 0
    # K-2002 gets the project discount, everybody the freight charge; no small-order charge
    reasons = [(a.charge, a.reason) for a in q.allowances_charges]
    assert reasons == [(True, "Verpackung und Versand"), (False, "Projektrabatt Rahmenvertrag")]
    discount = q.allowances_charges[1]
    assert discount.amount == (q.totals.line_net_total * D("0.02")).quantize(D("0.01"))
    check_totals(q)
    assert q.buyer.name == "ChemPark Süd GmbH" and q.buyer.vat_id == "DE000000003"
    assert q.seller.registration == "Amtsgericht Mannheim HRB 000001"
    assert q.valid_until == ON + timedelta(days=30)
    assert q.payment_terms is not None
    assert q.payment_terms.cash_discount_amount == (q.totals.tax_inclusive * D("0.02")).quantize(
        D("0.01")
    )
    assert q.delivery_terms is not None and q.delivery_terms.incoterms == "FCA"
    lead = max(line.lead_time_days or 0 for line in bom)
    assert q.delivery_terms.lead_time_days == lead
    assert q.delivery_terms.earliest_delivery == ON + timedelta(days=lead)
    assert q.subject == "Angebot Kreiselpumpe CP" and q.language == "de_DE"
    assert q.items[0].product == "cp-pump" and q.items[0].configuration_id.startswith("CFG-")
    assert q.items[0].choices == {"medium": "sea_water"}
    assert Quote.from_json(q.to_json()) == q


def test_customer_terms_language_and_small_order_charge(pump, book, profile) -> None:  # type: ignore[no-untyped-def]
    cfg = cpq.Configurator(pump).complete()
    q = build_quote(cfg, book, number="Q-2", customer="K-1001", on=ON, profile=profile)
    assert q.payment_terms is not None and q.payment_terms.due_days == 45
    assert q.delivery_terms is not None and q.delivery_terms.place == "Hamburg"
    small = build_quote(
        QuoteItem("CP-FLUID-53A-5L", 1),
        book,
        number="Q-3",
        customer="K-1001",
        on=ON,
        profile=profile,
    )
    assert [a.reason for a in small.allowances_charges] == [
        "Verpackung und Versand",
        "Mindermengenzuschlag",
    ]
    check_totals(small)
    english = build_quote(cfg, book, number="Q-4", customer="K-9001", on=ON, profile=profile)
    assert english.language == "en_US" and english.subject == "Quotation centrifugal pump CP"
    # the export customer pays no German VAT; the exemption text is carried
    assert [(b.category, b.rate) for b in english.vat_breakdown] == [("G", D(0))]
    assert english.vat_breakdown[0].exemption_reason
    assert english.totals.tax_total == 0
    check_totals(english)


def test_no_profile_and_no_customer(pump, book) -> None:  # type: ignore[no-untyped-def]
    cfg = cpq.Configurator(pump).complete()
    q = build_quote(cfg, book, number="Q-5", on=ON)
    assert q.seller.name == "" and q.buyer.name == "" and q.allowances_charges == ()
    assert q.payment_terms is None and q.valid_until == ON + timedelta(days=30)
    check_totals(q)


def test_invalid_and_empty_input(pump, book) -> None:  # type: ignore[no-untyped-def]
    bad = (
        cpq.Configurator(pump)
        .select("medium", "sea_water")
        .select("casing_material", "cast_iron")
        .check()
    )
    with pytest.raises(QuoteError, match="only a valid configuration"):
        build_quote(bad, book, number="Q", on=ON)
    with pytest.raises(QuoteError, match="at least one position"):
        build_quote([], book, number="Q", on=ON)
    with pytest.raises(QuoteError, match="positive int or Decimal"):
        build_quote(QuoteItem("CP-BASE", 1.5), book, number="Q", on=ON)  # type: ignore[arg-type]
    with pytest.raises(QuoteError, match="positive"):
        build_quote(QuoteItem("CP-BASE", 0), book, number="Q", on=ON)
    with pytest.raises(MissingPriceError):
        build_quote(QuoteItem("NO-SUCH-SKU"), book, number="Q", on=ON)
    with pytest.raises(QuoteError, match="VAT category 'S'"):
        build_quote(
            QuoteItem("CP-BASE"),
            book,
            number="Q",
            on=ON,
            adjustments=[HeaderAdjustment(kind="charge", reason="x", amount=D(5), vat="S")],
        )
    with pytest.raises(QuoteError, match="not a valid cpq quote"):
        Quote.from_json('{"number": 1}')


TWO_RATES = """
cpq_prices: "1"
price_book: {id: two-rates, currency: EUR}
vat:
  default: standard
  categories:
    standard: {code: S, rate: 19}
    reduced: {code: S, rate: 7}
items:
  BOOK: {name: Manual, vat: reduced}
  FREE: {name: Included cable}
price_lists:
  list: {kind: list, prices: {PUMP: 1000.00, BOOK: 33.33, FREE: 0.00}}
"""


def test_header_discounts_split_per_vat_category() -> None:
    book = parse_price_book(TWO_RATES)
    items = [QuoteItem("PUMP", 1), QuoteItem("BOOK", 3), QuoteItem("FREE", 2)]
    q = build_quote(
        items,
        book,
        number="Q",
        on=ON,
        adjustments=[
            HeaderAdjustment(kind="discount", reason="Project", percent=D("2.5")),
            HeaderAdjustment(kind="charge", reason="Freight", amount=D("100.00")),
        ],
    )
    assert [p.kind for p in q.positions] == ["item", "item", "item"]  # a top-level 0.00 is an item
    pct = [a for a in q.allowances_charges if not a.charge]
    assert [(a.vat_rate, a.base_amount, a.amount) for a in pct] == [
        (D(19), D("1000.00"), D("25.00")),
        (D(7), D("99.99"), D("2.50")),
    ]
    freight = [a for a in q.allowances_charges if a.charge]
    # 100.00 spread 1000.00 : 99.99 -> 90.91 + 9.09, adding up exactly
    assert sum((a.amount for a in freight), D(0)) == D("100.00")
    assert [a.amount for a in freight] == [D("90.91"), D("9.09")]
    check_totals(q)
    assert [(b.rate, b.taxable_amount, b.tax_amount) for b in q.vat_breakdown] == [
        (D(19), D("1065.91"), D("202.52")),
        (D(7), D("106.58"), D("7.46")),
    ]
    assert [a.reason for a in q.adjustments] == ["Project", "Freight"]  # kept for requote


def test_included_sub_positions(tmp_path: Path) -> None:
    (tmp_path / "product.yaml").write_text(
        'cpq: "1"\nproduct: {id: kit, name: Kit, sku: KIT}\n'
        "attributes:\n"
        "  cable: {type: choice, values: {std: {sku: FREE}, long: {sku: BOOK}}, default: std}\n"
    )
    rs = cpq.load_ruleset(tmp_path / "product.yaml")
    book = parse_price_book(TWO_RATES.replace("PUMP: 1000.00", "KIT: 500.00"))
    q = build_quote(cpq.Configurator(rs).complete(), book, number="Q", on=ON)
    parent = q.positions[0]
    assert [(c.sku, c.kind, c.line_net) for c in parent.children] == [
        ("KIT", "item", D("500.00")),
        ("FREE", "included", D("0.00")),
    ]
    alt = build_quote(
        [
            cpq.Configurator(rs).complete(),
            QuoteItem(cpq.Configurator(rs).select("cable", "long").complete(), kind="alternative"),
        ],
        book,
        number="Q",
        on=ON,
    )
    assert [p.kind for p in alt.positions] == ["product", "alternative"]
    assert all(c.kind == "alternative" and not c.in_total for c in alt.positions[1].children)
    assert alt.totals.line_net_total == D("500.00")
    check_totals(alt)


def test_allowance_charge_model_is_frozen() -> None:
    a = AllowanceCharge(charge=True, reason="x", amount=D(1), vat_category="S", vat_rate=D(19))
    with pytest.raises(Exception, match="frozen"):
        a.amount = D(2)  # type: ignore[misc]


def test_percent_discount_in_a_category_and_discounts_above_the_net() -> None:
    book = parse_price_book(TWO_RATES)
    only19 = [QuoteItem("PUMP", 1)]
    absent = HeaderAdjustment(kind="discount", reason="x", percent=D(10), vat="reduced")
    q = build_quote(only19, book, number="Q", on=ON, adjustments=[absent])
    assert q.allowances_charges == ()  # 10 % of nothing at 7 %
    assert [(b.rate, b.tax_amount) for b in q.vat_breakdown] == [(D(19), D("190.00"))]
    present = HeaderAdjustment(kind="discount", reason="x", percent=D(10), vat="reduced")
    both = build_quote(
        [QuoteItem("PUMP", 1), QuoteItem("BOOK", 3)], book, number="Q", on=ON,
        adjustments=[present],
    )  # fmt: skip
    assert [(a.vat_rate, a.amount) for a in both.allowances_charges] == [(D(7), D("10.00"))]
    check_totals(both)
    too_much = HeaderAdjustment(kind="discount", reason="x", amount=D("1500.00"))
    with pytest.raises(QuoteError, match="larger than the net"):
        build_quote(only19, book, number="Q", on=ON, adjustments=[too_much])
    # no freight on a quote with nothing in the totals
    freight = HeaderAdjustment(kind="charge", reason="Freight", amount=D("50.00"))
    optional_only = build_quote(
        [QuoteItem("PUMP", 1, kind="optional")], book, number="Q", on=ON, adjustments=[freight]
    )
    assert optional_only.allowances_charges == () and optional_only.totals.payable == 0


def test_list_price_per_unit_from_the_engine() -> None:
    book = parse_price_book(
        TWO_RATES.replace(
            "price_lists:",
            "price_lists:\n  per100: {kind: list, prices: {BOLT: {price: 12.5555, price_unit: 100}}}",
        ).replace("items:", "rounding: {price_precision: 4}\nitems:")
    )
    for qty in (D("0.5"), D(250)):
        (p,) = build_quote(QuoteItem("BOLT", qty), book, number="Q", on=ON).positions
        assert (p.unit_price, p.price_unit, p.list_price) == (D("12.5555"), 100, D("12.5555"))
        assert p.discount_percent == 0


def test_approvals_on_the_whole_quote(pump, book) -> None:  # type: ignore[no-untyped-def]
    cfg = cpq.Configurator(pump).select("flow_m3h", 300).complete()
    one = build_quote(QuoteItem(cfg, 1), book, number="Q", on=ON)
    per_pump = one.totals.line_net_total
    n = int(50000 // per_pump) + 1  # so that n pumps are above 50,000 but n // 2 + 1 are not
    assert (n // 2 + 1) * per_pump <= 50000 < n * per_pump
    split = build_quote(
        [QuoteItem(cfg, n // 2), QuoteItem(cfg, n - n // 2)], book, number="Q", on=ON
    )
    assert [a.rule for a in split.approvals] == ["large-order"] and split.needs_approval
    assert split.approvals[0].position is None
    # a quote-level discount brings the net below the threshold: no approval
    below = build_quote(
        [QuoteItem(cfg, n // 2), QuoteItem(cfg, n - n // 2)], book, number="Q", on=ON,
        adjustments=[HeaderAdjustment(kind="discount", reason="Project", percent=D(30))],
    )  # fmt: skip
    assert below.totals.tax_exclusive < 50000 and below.approvals == ()


def test_out_of_range_input_is_a_quote_error(pump, book) -> None:  # type: ignore[no-untyped-def]
    for qty in (D("NaN"), D("1e30"), True):
        with pytest.raises(QuoteError, match="positive int or Decimal"):
            build_quote(QuoteItem("CP-BASE", qty), book, number="Q", on=ON)  # type: ignore[arg-type]
    from cpq.errors import QuoteProfileError
    from cpq.quote import parse_quote_profile

    with pytest.raises(QuoteProfileError, match="validity_days"):
        parse_quote_profile('cpq_quote: "1"\nseller: {name: S}\nvalidity_days: 3000000\n')
    with pytest.raises(QuoteProfileError, match="ends after the payment is due"):
        parse_quote_profile(
            'cpq_quote: "1"\nseller: {name: S}\n'
            "payment_terms: {due_days: 10, cash_discount_percent: 2, cash_discount_days: 14}\n"
        )


def test_a_site_inherits_its_company_terms(pump, book, profile) -> None:  # type: ignore[no-untyped-def]
    cfg = cpq.Configurator(pump).complete()
    site = build_quote(cfg, book, number="Q", customer="K-1001-KW", on=ON, profile=profile)
    assert site.buyer.name == "Stadtwerke Nord GmbH, Klärwerk Ost"
    assert site.buyer.address is not None and site.buyer.address.street == "Klärwerkstraße 1"
    assert site.payment_terms is not None and site.payment_terms.due_days == 45
    assert site.delivery_terms is not None and site.delivery_terms.incoterms == "DAP"
