"""cpq: rule-based product configuration, pricing and quoting for B2B sales.

Example:
    >>> import cpq
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> rs.product.name
    'Centrifugal pump CP'
"""

from __future__ import annotations

from cpq.errors import (
    CPQError,
    Issue,
    RulesetError,
    SourceLocation,
)
from cpq.pricing import PriceBook, PriceResult, load_price_book, price
from cpq.ruleset import Ruleset, check_ruleset, load_ruleset

__version__ = "0.1.0"

__all__ = [
    "CPQError",
    "Issue",
    "PriceBook",
    "PriceResult",
    "Ruleset",
    "RulesetError",
    "SourceLocation",
    "__version__",
    "check_ruleset",
    "load_price_book",
    "load_ruleset",
    "price",
]
