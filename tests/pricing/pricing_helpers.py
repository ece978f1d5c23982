"""Helpers for the pricing tests: build a price book from a YAML body."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from cpq.pricing import PriceBook, parse_price_book

HEADER = """\
cpq_prices: "1"
price_book: {{id: test, currency: {currency}}}
rounding: {{price_precision: {precision}, mode: {mode}}}
vat:
  default: standard
  categories:
    standard: {{code: S, rate: 19}}
    reduced: {{code: S, rate: 7}}
"""

BookFactory = Callable[..., PriceBook]


def build_book(
    body: str,
    *,
    currency: str = "EUR",
    precision: int = 2,
    mode: str = "half_up",
    file: str = "prices.yaml",
) -> PriceBook:
    """A price book from the standard header (lines 1-8) plus ``body`` (dedented YAML)."""
    text = HEADER.format(currency=currency, precision=precision, mode=mode)
    return parse_price_book(text + textwrap.dedent(body), file)


def book_text(body: str, *, currency: str = "EUR", precision: int = 2) -> str:
    """The full YAML text of :func:`build_book`, for tests that need a file."""
    return HEADER.format(currency=currency, precision=precision, mode="half_up") + (
        textwrap.dedent(body)
    )
