"""cpq: rule-based product configuration, pricing and quoting for B2B sales.

Example:
    >>> import cpq
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> rs.product.name
    'Centrifugal pump CP'
    >>> cfg = cpq.Configurator(rs).select("medium", "sea_water")
    >>> cfg.check().status
    'incomplete'
    >>> done = cfg.complete()
    >>> done.status
    'valid'
    >>> from datetime import date
    >>> book = cpq.load_price_book("rulesets/pump/prices.yaml")
    >>> quote = cpq.build_quote(done, book, number="Q-2026-0001", customer="K-1001",
    ...                         on=date(2026, 3, 2))
    >>> "Stadtwerke Nord" in cpq.render_quote(quote, "html", locale="de_DE")
    True

"""

from __future__ import annotations

from cpq.bom import BomLine, bill_of_materials, check_order
from cpq.configurator import Configuration, Configurator, OptionsView
from cpq.errors import (
    CPQError,
    Issue,
    RulesetError,
    SourceLocation,
)
from cpq.pricing import PriceBook, PriceResult, load_price_book, price
from cpq.quote import (
    Quote,
    QuoteItem,
    build_quote,
    load_quote_profile,
    render_quote,
    requote,
)
from cpq.ruleset import Ruleset, check_ruleset, load_ruleset

__version__ = "0.1.0"

__all__ = [
    "BomLine",
    "CPQError",
    "Configuration",
    "Configurator",
    "Issue",
    "OptionsView",
    "PriceBook",
    "PriceResult",
    "Quote",
    "QuoteItem",
    "Ruleset",
    "RulesetError",
    "SourceLocation",
    "__version__",
    "bill_of_materials",
    "build_quote",
    "check_order",
    "check_ruleset",
    "load_price_book",
    "load_quote_profile",
    "load_ruleset",
    "price",
    "render_quote",
    "requote",
]
