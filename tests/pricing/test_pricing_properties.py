"""Properties of pricing, checked with Hypothesis on random price books and lines."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from cpq.errors import CurrencyMismatchError, MissingPriceError
from cpq.pricing import LineRequest, PriceResult, parse_price_book, price, replay

DAY = date(2025, 6, 1)

amounts = st.decimals(min_value=0, max_value=5000, places=2).map(str)
positive = st.decimals(min_value=Decimal("0.01"), max_value=5000, places=2).map(str)
percents = st.integers(min_value=0, max_value=60)
quantities = st.one_of(
    st.integers(min_value=0, max_value=400).map(Decimal),
    st.decimals(min_value=0, max_value=400, places=2),
)


MODES = ("volume", "graduated", "block", "package")


@st.composite
def tier_lists(draw: st.DrawFn, price_key: str = "unit_price") -> list[dict[str, Any]]:
    """Ascending tiers from 1, each with a price and maybe a flat fee."""
    starts = draw(st.lists(st.integers(2, 300), max_size=4, unique=True))
    tiers = []
    for start in [1, *sorted(starts)]:
        tier: dict[str, Any] = {"min_qty": start, price_key: draw(amounts)}
        if price_key == "unit_price" and draw(st.booleans()):
            tier["flat_fee"] = draw(amounts)
        tiers.append(tier)
    return tiers


@st.composite
def schedules(draw: st.DrawFn, modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    """A tier schedule in one of ``modes``, sometimes closed with an overage price."""
    mode = draw(st.sampled_from(modes))
    if mode == "package":
        return {
            "mode": "package",
            "package_size": draw(st.integers(1, 20)),
            "package_price": draw(amounts),
            "free_units": draw(st.integers(0, 5)),
            "rounding": draw(st.sampled_from(["up", "down"])),
        }
    tiers = draw(tier_lists("block_price" if mode == "block" else "unit_price"))
    out: dict[str, Any] = {"mode": mode, "tiers": tiers}
    if draw(st.booleans()):
        tiers[-1]["max_qty"] = tiers[-1]["min_qty"] + draw(st.integers(0, 100))
        out["overage"] = {"unit_price": draw(amounts)}
    return out


@st.composite
def books(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A random book: list prices (plain, per 100, tiered), discounts, floors, approvals."""
    skus = [f"S-{i}" for i in range(draw(st.integers(1, 5)))]
    prices: dict[str, Any] = {}
    for sku in skus:
        kind = draw(st.sampled_from(["plain", "unit", "tiers"]))
        if kind == "plain":
            prices[sku] = draw(amounts)
        elif kind == "unit":
            prices[sku] = {
                "price": draw(amounts),
                "price_unit": draw(st.sampled_from([1, 10, 100])),
            }
        else:
            prices[sku] = {"tiers": draw(schedules())}
    adjustments: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(["percent", "amount", "surcharge-p", "surcharge-a", "range", "slab"])
        )
        adj: dict[str, Any] = {"id": f"a{i}"}
        if kind == "percent":
            adj.update(kind="percent", percent=draw(percents))
        elif kind == "amount":
            adj.update(kind="amount", amount=draw(amounts))
        elif kind == "surcharge-p":
            adj.update(kind="surcharge", percent=draw(percents))
        elif kind == "surcharge-a":
            adj.update(kind="surcharge", amount=draw(amounts))
        else:
            adj.update(kind="schedule", schedule=kind)
        if draw(st.booleans()):
            adj["exclusion_group"] = "g"
        adjustments.append(adj)
    tiers = [
        {"min_qty": 1, "percent": 0},
        {"min_qty": 10, "percent": 10},
        {"min_qty": 50, "percent": 25},
    ]
    data: dict[str, Any] = {
        "cpq_prices": "1",
        "price_book": {"id": "random", "currency": "EUR"},
        "rounding": {
            "price_precision": draw(st.integers(0, 4)),
            "mode": draw(st.sampled_from(["half_up", "half_even"])),
        },
        "pricing": {
            "stacking": draw(st.sampled_from(["sequential", "additive"])),
            "floor_action": draw(st.sampled_from(["flag", "clamp"])),
        },
        "vat": {
            "default": "s",
            "categories": {"s": {"code": "S", "rate": 19}, "r": {"code": "S", "rate": 7}},
        },
        "items": {
            s: {"cost": draw(amounts), "vat": draw(st.sampled_from(["s", "r"]))} for s in skus
        },
        "discount_schedules": {
            "range": {"mode": "range", "tiers": tiers},
            "slab": {"mode": "slab", "tiers": tiers},
        },
        "price_lists": {"list": {"kind": "list", "prices": prices}},
        "adjustments": adjustments,
        "floors": [{"id": "f", "min_margin_percent": draw(percents)}]
        if draw(st.booleans())
        else [],
        "approvals": [{"id": "d", "metric": "line_discount_percent", "above": 15, "level": 1}],
    }
    return data, skus


def load(data: dict[str, Any]) -> Any:
    """Parse a generated book through the YAML reader, as a file would be."""
    return parse_price_book(yaml.safe_dump(data, sort_keys=False), "random.yaml")


@given(schedule=schedules(("graduated",)), q1=quantities, q2=quantities)
def test_graduated_totals_never_decrease(
    schedule: dict[str, Any], q1: Decimal, q2: Decimal
) -> None:
    """Under a graduated schedule (flat fees, overage included) more units never cost less."""
    book = load(
        {
            "cpq_prices": "1",
            "price_book": {"id": "g", "currency": "EUR"},
            "vat": {"default": "s", "categories": {"s": {"code": "S", "rate": 19}}},
            "price_lists": {"list": {"kind": "list", "prices": {"G": {"tiers": schedule}}}},
        }
    )
    low, high = sorted((q1, q2))
    try:
        a = price([("G", low)], book, on=DAY).lines[0].line_net
        b = price([("G", high)], book, on=DAY).lines[0].line_net
    except MissingPriceError:
        top = schedule["tiers"][-1].get("max_qty")
        assert top is not None and "overage" not in schedule
        return
    assert a <= b


def _lines(skus: list[str]) -> st.SearchStrategy[list[LineRequest]]:
    line = st.builds(
        LineRequest,
        sku=st.sampled_from(skus),
        quantity=quantities,
        manual_discount=st.one_of(st.none(), percents.map(Decimal)),
    )
    return st.lists(line, min_size=1, max_size=6)


@given(data=st.data(), book_and_skus=books())
def test_trace_reproduces_every_line_net(data: st.DataObject, book_and_skus: Any) -> None:
    """Replaying each trace step by step gives the line net; the chain has no jumps."""
    spec, skus = book_and_skus
    book = load(spec)
    lines = data.draw(_lines(skus))
    try:
        result = price(lines, book, on=DAY)
    except MissingPriceError:
        return  # a closed tier schedule without overage: typed error, fine
    for line in result.lines:
        assert line.trace[0].before is None
        assert replay(line.trace, result.rounding_mode) == line.line_net
        assert line.line_net >= 0
    assert result.net == sum(line.line_net for line in result.lines)
    assert result.gross == result.net + result.vat
    assert result.vat == sum(t.vat for t in result.vat_totals)


def _walk(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def _no_float(value: str) -> Decimal:
    raise AssertionError(f"a float in the JSON output: {value}")


@given(data=st.data(), book_and_skus=books())
def test_prices_never_involve_float_and_are_deterministic(
    data: st.DataObject, book_and_skus: Any
) -> None:
    """No float anywhere in a result or its JSON; the same inputs give the same output."""
    spec, skus = book_and_skus
    lines = data.draw(_lines(skus))
    try:
        first = price(lines, load(spec), on=DAY)
    except MissingPriceError:
        return
    second = price(lines, load(spec), on=DAY)
    assert first == second
    assert not any(isinstance(v, float) for v in _walk(first))
    text = json.dumps(first.to_dict())
    json.loads(text, parse_float=_no_float)
    assert json.dumps(second.to_dict()) == text


@given(
    present=st.sets(st.sampled_from(["A", "B", "C", "D"]), min_size=1),
    usd=st.sets(st.sampled_from(["A", "B", "C", "D"])),
    wanted=st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), min_size=1, max_size=5),
    currency=st.sampled_from(["EUR", "USD"]),
)
def test_missing_prices_and_currency_mismatches_are_typed_errors(
    present: set[str], usd: set[str], wanted: list[str], currency: str
) -> None:
    """An unpriced SKU raises MissingPriceError, a SKU priced only in another currency
    raises CurrencyMismatchError; otherwise every line has its own SKU's price, never 0."""
    book = load(
        {
            "cpq_prices": "1",
            "price_book": {"id": "c", "currency": "EUR"},
            "vat": {"default": "s", "categories": {"s": {"code": "S", "rate": 19}}},
            "price_lists": {
                "eur": {"kind": "list", "prices": {s: "10.00" for s in present}},
                "usd": {"kind": "list", "currency": "USD", "prices": {s: "11.00" for s in usd}},
            },
        }
    )
    here = present if currency == "EUR" else usd
    elsewhere = usd if currency == "EUR" else present
    try:
        result: PriceResult | None = price(
            [(s, 1) for s in wanted], book, on=DAY, currency=currency
        )
    except CurrencyMismatchError:
        assert any(s not in here and s in elsewhere for s in wanted)
        return
    except MissingPriceError:
        assert any(s not in here and s not in elsewhere for s in wanted)
        return
    assert result is not None
    assert all(s in here for s in wanted)
    expected = Decimal("10.00") if currency == "EUR" else Decimal("11.00")
    assert all(line.line_net == expected for line in result.lines)
    assert result.currency == currency
