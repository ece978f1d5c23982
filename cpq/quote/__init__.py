"""Quotes: a typed quote model, built from a configuration and a price book, rendered to HTML,
PDF, Markdown and text, and re-checked when rules or prices change."""

from cpq.quote.build import QuoteItem, build_quote
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
from cpq.quote.profile import (
    HeaderAdjustment,
    QuoteProfile,
    load_quote_profile,
    parse_quote_profile,
)
from cpq.quote.recheck import ItemReport, LineChange, RequoteReport, requote
from cpq.quote.render import render_quote

__all__ = [
    "Address",
    "AllowanceCharge",
    "Approval",
    "Contact",
    "DeliveryTerms",
    "Feature",
    "HeaderAdjustment",
    "ItemReport",
    "ItemTrace",
    "LineChange",
    "Party",
    "PaymentTerms",
    "Position",
    "Quote",
    "QuoteItem",
    "QuoteProfile",
    "RequoteReport",
    "Totals",
    "VatBreakdown",
    "build_quote",
    "load_quote_profile",
    "parse_quote_profile",
    "render_quote",
    "requote",
]
