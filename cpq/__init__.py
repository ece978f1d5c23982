"""cpq: rule-based product configuration, pricing and quoting for B2B sales.

Example:
    >>> import cpq
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> rs.product.name
    'Centrifugal pump CP'
    >>> cfg = cpq.Configurator(rs).select("medium", "sea_water")
    >>> cfg.check().status
    'incomplete'
    >>> cfg.complete().status
    'valid'

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
    "Ruleset",
    "RulesetError",
    "SourceLocation",
    "__version__",
    "bill_of_materials",
    "check_order",
    "check_ruleset",
    "load_price_book",
    "load_ruleset",
    "price",
]
