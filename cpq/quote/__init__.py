"""Quotes: a typed quote model, built from a configuration and a price book, rendered to HTML,
PDF, Markdown and text, and re-checked when rules or prices change."""

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

__all__ = [
    "Address",
    "AllowanceCharge",
    "Approval",
    "Contact",
    "DeliveryTerms",
    "Feature",
    "ItemTrace",
    "Party",
    "PaymentTerms",
    "Position",
    "Quote",
    "Totals",
    "VatBreakdown",
]
