"""Property tests: for generated rulesets, configurations, price books and quote options,
every quote keeps its totals invariants, round-trips through JSON, and re-checking it against
the unchanged rules and prices reports no change."""

from __future__ import annotations

import itertools
from datetime import date

from _quote_checks import check_totals
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from cpq.bom import bill_of_materials
from cpq.configurator import Configurator
from cpq.errors import QuoteError
from cpq.model.evaluate import check_values
from cpq.pricing import parse_price_book
from cpq.quote import HeaderAdjustment, Quote, QuoteItem, build_quote, requote
from cpq.ruleset.model import Ruleset
from cpq.testing import rulesets, valid_configurations

ON = date(2026, 3, 2)
prices = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


def book_text(skus: list[str], draw: st.DrawFn) -> str:
    lines = [
        'cpq_prices: "1"',
        "price_book: {id: gen, currency: EUR}",
        "vat:",
        "  default: standard",
        "  categories:",
        "    standard: {code: S, rate: 19}",
        "    reduced: {code: S, rate: 7}",
        "    export: {code: G, rate: 0, exemption_reason: Export}",
        "customers:",
        "  C-1: {name: Someone}",
        "  C-X: {name: Abroad, vat: export}",
        "items:",
    ]
    for sku in skus:
        vat = draw(st.sampled_from(["standard", "reduced"]))
        lines.append(f"  {sku}: {{name: Item {sku}, vat: {vat}}}")
    lines.append("price_lists:")
    lines.append("  list:")
    lines.append("    kind: list")
    lines.append("    prices:")
    for sku in skus:
        lines.append(f'      {sku}: "{draw(prices)}"')
    return "\n".join(lines) + "\n"


def all_skus(rs: Ruleset) -> list[str]:
    return sorted(rs.skus())


@st.composite
def quotes(draw: st.DrawFn) -> tuple[Ruleset, Quote, object]:
    rs = draw(rulesets(max_attributes=3, max_values=3, max_rules=3))
    valid = list(itertools.islice(valid_configurations(rs), 20))
    assume(valid)
    values = draw(st.sampled_from(valid))
    skus = all_skus(rs)
    assume(skus)
    book = parse_price_book(book_text(skus, draw))
    session = Configurator(rs)
    for name, value in values.items():
        session.set(name, value)
    cfg = session.check()
    assert cfg.is_valid, cfg
    items: list[QuoteItem] = [QuoteItem(cfg, draw(st.integers(1, 7)))]
    for _ in range(draw(st.integers(0, 2))):
        items.append(
            QuoteItem(
                draw(st.sampled_from(skus)),
                draw(st.integers(1, 20)),
                draw(st.sampled_from(["normal", "optional", "alternative"])),
            )
        )
    adjustments = []
    for _ in range(draw(st.integers(0, 3))):
        pct = draw(st.one_of(st.none(), st.decimals(min_value="0.5", max_value=30, places=1)))
        amount = (
            None
            if pct is not None
            else draw(st.decimals(min_value="0.01", max_value=500, places=2))
        )
        adjustments.append(
            HeaderAdjustment(
                kind=draw(st.sampled_from(["discount", "charge"])),
                reason=draw(st.text(min_size=1, max_size=20)),
                percent=pct,
                amount=amount,
                vat=draw(st.sampled_from([None, "standard", "reduced"])),
            )
        )
    customer = draw(st.sampled_from([None, "C-1", "C-X"]))
    try:
        quote = build_quote(
            items, book, number="Q-P", customer=customer, on=ON, adjustments=adjustments
        )
    except QuoteError as exc:  # discounts above the net are refused, never made negative
        assert "larger than the net" in str(exc)
        reject()
    return rs, Quote.from_json(quote.to_json()), book


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(quotes())
def test_quotes_keep_their_totals_and_round_trip(case: tuple[Ruleset, Quote, object]) -> None:
    rs, quote, book = case
    check_totals(quote)
    # the configured product's lines are its bill of materials, checked independently
    trace = quote.items[0]
    values = {
        k: (frozenset(v) if rs.attributes[k].type == "multi" else v)
        for k, v in trace.values.items()
    }
    assert check_values(rs, values) == []
    bom = bill_of_materials(rs, values)
    assert [c.sku for c in quote.positions[0].children] == [line.sku for line in bom]
    assert Quote.from_json(quote.to_json()) == quote
    report = requote(quote, rs, book)  # type: ignore[arg-type]
    assert report.valid and not report.changed, str(report)
