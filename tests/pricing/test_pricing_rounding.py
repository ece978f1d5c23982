"""Money and rounding: pricing.md section 3, with the exact amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pricing_helpers import build_book

from cpq.errors import CurrencyMismatchError
from cpq.pricing import Money, price, quantize, replay
from cpq.pricing.money import currency_minor_units, to_decimal

DAY = date(2025, 1, 1)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.675", "half_up", "2.68"),
        ("2.675", "half_even", "2.68"),
        ("0.125", "half_up", "0.13"),
        ("0.125", "half_even", "0.12"),
        ("1.425", "half_up", "1.43"),
        ("1.425", "half_even", "1.42"),
        ("-0.125", "half_up", "-0.13"),
    ],
)
def test_quantize_modes(value: str, mode: str, expected: str) -> None:
    """HALF_UP is commercial rounding; HALF_EVEN is banker's (0.125 -> 0.12)."""
    got = quantize(Decimal(value), 2, mode)  # type: ignore[arg-type]
    assert got == Decimal(expected)
    assert str(got) == expected


def test_quantize_refuses_float() -> None:
    """The one rounding function takes Decimals only."""
    with pytest.raises(TypeError):
        quantize(2.675, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0.1, True, None, [1]])
def test_to_decimal_refuses_non_numbers(bad: object) -> None:
    """Floats (and bools, None, lists) never become money."""
    with pytest.raises(TypeError):
        to_decimal(bad)


@pytest.mark.parametrize("bad", ["12,50", "NaN", "Infinity", "1e3", "", "abc"])
def test_to_decimal_refuses_odd_text(bad: str) -> None:
    """Only plain decimal numbers are amounts: no comma, NaN, infinity or exponent."""
    with pytest.raises(ValueError):
        to_decimal(bad)


def test_money_refuses_mixed_currencies() -> None:
    """Adding EUR to USD is a typed error, not a silent sum."""
    with pytest.raises(CurrencyMismatchError):
        Money(Decimal("1.00"), "EUR") + Money(Decimal("1.00"), "USD")
    assert Money(Decimal("1.005"), "EUR").rounded(2) == Money(Decimal("1.01"), "EUR")


def test_iso_minor_units() -> None:
    """CLDR minor units: EUR 2, USD 2, CHF 2, JPY 0, ISK 0, KWD 3, BHD 3, CLF 4."""
    got = {c: currency_minor_units(c) for c in ("EUR", "USD", "CHF", "JPY", "ISK", "KWD", "BHD")}
    assert got == {"EUR": 2, "USD": 2, "CHF": 2, "JPY": 0, "ISK": 0, "KWD": 3, "BHD": 3}
    assert currency_minor_units("CLF") == 4


@pytest.mark.parametrize(
    ("precision", "unit", "net"), [(4, "78.3275", "548.29"), (2, "78.33", "548.31")]
)
def test_unit_price_precision(precision: int, unit: str, net: str) -> None:
    """7 x 78.3275 = 548.2925 -> 548.29; rounding the unit first gives 78.33 x 7 = 548.31.

    (pricing.md labels this unit price 82.9350; 548.2925 / 7 is 78.3275.)
    """
    book = build_book(
        "price_lists: {list: {kind: list, prices: {X: '78.3275'}}}\n", precision=precision
    )
    line = price([("X", 7)], book, on=DAY).lines[0]
    assert (line.unit_net, line.line_net) == (Decimal(unit), Decimal(net))
    assert replay(line.trace) == line.line_net


@pytest.mark.parametrize(("mode", "vat"), [("half_up", "1.43"), ("half_even", "1.42")])
def test_vat_per_rate_on_summed_line_nets(mode: str, vat: str) -> None:
    """3 lines of 2.50 at 19 %: VAT on the sum 7.50 x 0.19 = 1.425 -> 1.43, not 3 x 0.48."""
    book = build_book("price_lists: {list: {kind: list, prices: {X: '2.50'}}}\n", mode=mode)
    result = price([("X", 1)] * 3, book, on=DAY)
    assert result.vat == Decimal(vat)
    assert result.vat_totals[0].basis == Decimal("7.50")


def test_vat_ten_small_lines() -> None:
    """Ten lines of 0.03 at 19 %: 0.06 per rate total (per line would give 0.10)."""
    book = build_book("price_lists: {list: {kind: list, prices: {X: '0.03'}}}\n")
    result = price([("X", 1)] * 10, book, on=DAY)
    assert (result.net, result.vat, result.gross) == (
        Decimal("0.30"),
        Decimal("0.06"),
        Decimal("0.36"),
    )


MINI_QUOTE = """
items:
  BOOK: {name: Handbook, vat: reduced}
price_lists:
  list:
    kind: list
    prices:
      MACHINE: "12500.00"
      SERVO: "1850.00"
      GUARD: "0.00"
      SPARE-KIT: "145.50"
      TRAINING: "1200.00"
      BOOK: "49.90"
      FREIGHT: "350.00"
"""


def test_mini_quote_totals() -> None:
    """The mini quote: 19 % basis 17,391.00 VAT 3,304.29; 7 % basis 149.70 VAT 10.48."""
    book = build_book(MINI_QUOTE)
    lines = [
        ("MACHINE", 1),
        ("SERVO", 1),
        ("GUARD", 1),
        ("SPARE-KIT", 2),
        ("TRAINING", 2),
        ("BOOK", 3),
        ("FREIGHT", 1),
    ]
    result = price(lines, book, on=DAY)
    assert sum(line.line_net for line in result.lines[:4]) == Decimal("14641.00")
    by_rate = {t.rate: (t.basis, t.vat) for t in result.vat_totals}
    assert by_rate == {
        Decimal(19): (Decimal("17391.00"), Decimal("3304.29")),
        Decimal(7): (Decimal("149.70"), Decimal("10.48")),
    }
    assert (result.net, result.vat, result.gross) == (
        Decimal("17540.70"),
        Decimal("3314.77"),
        Decimal("20855.47"),
    )


def test_zero_minor_units_currency() -> None:
    """JPY has no minor unit: line nets and VAT are whole yen."""
    book = build_book(
        "price_lists: {list: {kind: list, prices: {X: '333.5'}}}\n", currency="JPY", precision=1
    )
    result = price([("X", 3)], book, on=DAY)
    assert result.lines[0].line_net == Decimal("1001")
    assert result.vat == Decimal("190")  # 1001 x 0.19 = 190.19
    assert result.gross == Decimal("1191")


def test_currency_minor_units_can_be_overridden() -> None:
    """A book may declare a currency's minor units, e.g. to price in tenths."""
    book = build_book(
        "currencies: {CHF: {minor_units: 1}}\n"
        "price_lists: {list: {kind: list, currency: CHF, prices: {X: '1.26'}}}\n"
    )
    result = price([("X", 1)], book, on=DAY, currency="CHF")
    assert result.lines[0].line_net == Decimal("1.3")
