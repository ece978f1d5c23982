"""Pricing: price books (list, group, customer and contract prices, tiers, adjustments,
floors, approvals, VAT) and the pricing engine with a price trace.

Example:
    >>> from datetime import date
    >>> from cpq.pricing import load_price_book, price
    >>> book = load_price_book("rulesets/pump/prices.yaml")
    >>> result = price([("CP-BASE", 1)], book, on=date(2026, 3, 1))
    >>> result.currency
    'EUR'
"""

from cpq.pricing.book import PriceBook, check_price_book, load_price_book, parse_price_book
from cpq.pricing.engine import (
    Approval,
    LineInput,
    LineRequest,
    PricedLine,
    PriceResult,
    SupportsBom,
    TraceStep,
    VatTotal,
    price,
    replay,
)
from cpq.pricing.lint import lint_price_book, ruleset_skus
from cpq.pricing.money import Money, quantize
from cpq.pricing.schema import TOP_LEVEL_KEY, price_book_json_schema

__all__ = [
    "TOP_LEVEL_KEY",
    "Approval",
    "LineInput",
    "LineRequest",
    "Money",
    "PriceBook",
    "PriceResult",
    "PricedLine",
    "SupportsBom",
    "TraceStep",
    "VatTotal",
    "check_price_book",
    "lint_price_book",
    "load_price_book",
    "parse_price_book",
    "price",
    "price_book_json_schema",
    "quantize",
    "replay",
    "ruleset_skus",
]
