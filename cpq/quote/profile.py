"""The quote profile: who sells, on which terms, and the customers' addresses.

A quote profile is a YAML file that starts with ``cpq_quote: "1"``, usually
``rulesets/<product>/quote.yaml`` next to the price book. It holds what a quote needs beyond
rules and prices: the seller's letterhead data, the binding period, payment and delivery terms,
standard texts, quote-level charges and discounts, and per customer (by the price book's
customer id) the address, VAT id, contact and their own terms.

Texts may be one string or one string per language (``{de: ..., en: ...}``); the quote's
language picks the text (``de_DE`` -> ``de``), falling back to English, then to the first one.

Example:
    >>> profile = parse_quote_profile('''
    ... cpq_quote: "1"
    ... seller: {name: Pumpenwerk GmbH, vat_id: DE123456789}
    ... validity_days: 30
    ... payment_terms: {due_days: 30, cash_discount_percent: 2, cash_discount_days: 10}
    ... customers:
    ...   K-1001: {vat_id: DE987654321, address: {city: Hamburg, country_code: DE}}
    ... ''')
    >>> profile.seller.vat_id, profile.customers["K-1001"].address.city
    ('DE123456789', 'Hamburg')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cpq._yaml import YamlDocument, gc_paused, parse_yaml, read_yaml_file
from cpq.errors import Issue, IssueCollector, QuoteProfileError, SourceLocation
from cpq.pricing.schema import Amount, Percent
from cpq.ruleset.resolve import display_path

__all__ = [
    "TOP_LEVEL_KEY",
    "AddressSpec",
    "ContactSpec",
    "CustomerProfile",
    "DeliveryTermsSpec",
    "HeaderAdjustment",
    "PartySpec",
    "PaymentTermsSpec",
    "QuoteProfile",
    "check_quote_profile",
    "find_quote_profile_file",
    "lint_quote_profile",
    "load_quote_profile",
    "parse_quote_profile",
    "pick_text",
    "quote_profile_json_schema",
]

TOP_LEVEL_KEY = "cpq_quote"
"""The key that marks a YAML file as a quote profile: ``cpq_quote: "1"``."""
FORMAT_VERSION = "1"

_CONFIG = ConfigDict(strict=True, extra="forbid", frozen=True)

Text = str | dict[str, str]
"""A text, or a text per language code (``de``, ``en``)."""


class AddressSpec(BaseModel):
    """A postal address."""

    model_config = _CONFIG

    street: str | None = None
    additional: str | None = None
    postcode: str | None = None
    city: str | None = None
    country_code: str | None = Field(None, pattern=r"^[A-Z]{2}$")


class ContactSpec(BaseModel):
    """A contact person."""

    model_config = _CONFIG

    name: str | None = None
    phone: str | None = None
    email: str | None = None


class PartySpec(BaseModel):
    """The seller: letterhead and footer data of a German/EU business letter."""

    model_config = _CONFIG

    name: str
    address: AddressSpec | None = None
    contact: ContactSpec | None = None
    vat_id: str | None = None
    tax_number: str | None = None
    registration: str | None = Field(None, description="Register court and number.")
    managing_directors: list[str] = Field(default_factory=list)
    bank: str | None = None
    website: str | None = None


class PaymentTermsSpec(BaseModel):
    """Payment terms: net days and an optional cash discount (Skonto)."""

    model_config = _CONFIG

    due_days: int = Field(30, ge=0, le=3660)
    cash_discount_percent: Percent | None = Field(None, le=100)
    cash_discount_days: int | None = Field(None, ge=0)
    note: Text | None = None

    @model_validator(mode="after")
    def _skonto_before_due(self) -> PaymentTermsSpec:
        if (self.cash_discount_percent is None) != (self.cash_discount_days is None):
            raise ValueError("give cash_discount_percent and cash_discount_days together")
        if self.cash_discount_days is not None and self.cash_discount_days > self.due_days:
            raise ValueError(
                f"the cash discount period ({self.cash_discount_days} days) ends after the "
                f"payment is due ({self.due_days} days)"
            )
        return self


class DeliveryTermsSpec(BaseModel):
    """Delivery terms: Incoterms 2020 rule and named place."""

    model_config = _CONFIG

    incoterms: Literal["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]
    place: str
    note: Text | None = None


class HeaderAdjustment(BaseModel):
    """A discount or charge on the whole quote (project discount, freight, small-order charge).

    ``percent`` applies to the net of the positions in the totals, split per VAT category;
    ``amount`` is a fixed amount, in the VAT category ``vat`` (default: spread over the
    categories in proportion to their net). ``below_net`` applies it only when the positions'
    net total is below that amount (a minimum-order charge).

    Example:
        >>> from decimal import Decimal
        >>> HeaderAdjustment(kind="charge", reason="Freight", amount=Decimal("120.00")).amount
        Decimal('120.00')
    """

    model_config = _CONFIG

    kind: Literal["discount", "charge"]
    reason: Text
    percent: Percent | None = Field(None, gt=0, le=100)
    amount: Amount | None = Field(None, gt=0)
    vat: str | None = Field(None, description="VAT category id of the price book.")
    below_net: Amount | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_of_percent_amount(self) -> HeaderAdjustment:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give either 'percent' or 'amount', not both or neither")
        return self


class CustomerProfile(BaseModel):
    """A customer's master data for quotes (the id is the price book's customer id)."""

    model_config = _CONFIG

    name: str | None = Field(None, description="Legal name; default: the price book's name.")
    address: AddressSpec | None = None
    contact: ContactSpec | None = None
    vat_id: str | None = None
    payment_terms: PaymentTermsSpec | None = None
    delivery_terms: DeliveryTermsSpec | None = None
    adjustments: list[HeaderAdjustment] = Field(default_factory=list)
    language: str | None = Field(None, description="Preferred quote locale, e.g. en_US.")


class QuoteProfile(BaseModel):
    """A loaded quote profile (see the module docs)."""

    model_config = _CONFIG

    cpq_quote: Literal["1"]
    seller: PartySpec
    validity_days: int = Field(
        30, ge=0, le=3660, description="Binding period in calendar days (at most ten years)."
    )
    payment_terms: PaymentTermsSpec | None = None
    delivery_terms: DeliveryTermsSpec | None = None
    subject: Text | None = None
    intro: Text | None = None
    closing: Text | None = None
    terms: list[Text] = Field(default_factory=list)
    adjustments: list[HeaderAdjustment] = Field(default_factory=list)
    customers: dict[str, CustomerProfile] = Field(default_factory=dict)
    file: str = Field("<string>", exclude=True)


def pick_text(text: Text | None, language: str) -> str | None:
    """The text for ``language`` (``de_DE`` -> ``de``), else English, else the first one.

    Example:
        >>> pick_text({"de": "Hallo", "en": "Hello"}, "de_DE"), pick_text("Hi", "fr_FR")
        ('Hallo', 'Hi')
    """
    if text is None or isinstance(text, str):
        return text
    lang = language.replace("-", "_").split("_")[0].lower()
    for key in (language, lang, "en"):
        if key in text:
            return text[key]
    return next(iter(text.values()), None)


def find_quote_profile_file(path: str | os.PathLike[str]) -> Path:
    """The profile file of ``path``: the file itself, or ``quote.yaml`` in a folder.

    Example:
        >>> find_quote_profile_file("rulesets/pump").name
        'quote.yaml'
    """
    p = Path(path)
    if p.is_dir():
        for name in ("quote.yaml", "quote.yml"):
            if (p / name).is_file():
                return p / name
        return p / "quote.yaml"
    return p


def check_quote_profile(path: str | os.PathLike[str]) -> tuple[QuoteProfile | None, list[Issue]]:
    """Load a quote profile, returning it (or ``None``) with every issue found. Never raises.

    Example:
        >>> profile, issues = check_quote_profile("rulesets/pump/quote.yaml")
        >>> profile.seller.name if profile else issues
        'Pumpenwerk Rhein-Neckar GmbH'
    """
    file = find_quote_profile_file(path)
    doc, issues = read_yaml_file(file, display_path(file))
    return _from_document(doc, issues)


def parse_quote_profile(text: str | bytes, file: str = "<string>") -> QuoteProfile:
    """Parse a quote profile from YAML text.

    Raises:
        QuoteProfileError: with every problem found, each with file:line:col.
    """
    doc, issues = parse_yaml(text, file)
    profile, issues = _from_document(doc, issues)
    return _raise_or_return(profile, issues, file)


def load_quote_profile(path: str | os.PathLike[str]) -> QuoteProfile:
    """Load a quote profile from a YAML file (or a folder holding ``quote.yaml``).

    Raises:
        QuoteProfileError: with every problem found, each with file:line:col.

    Example:
        >>> load_quote_profile("rulesets/pump").validity_days
        30
    """
    profile, issues = check_quote_profile(path)
    return _raise_or_return(profile, issues, str(path))


def quote_profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of quote-profile files (for editors and ``cpq schema``)."""
    schema = QuoteProfile.model_json_schema()
    schema["properties"].pop("file", None)
    schema["title"] = "cpq quote profile"
    return schema


def _raise_or_return(profile: QuoteProfile | None, issues: list[Issue], name: str) -> QuoteProfile:
    errors = [i for i in issues if i.severity == "error"]
    if profile is not None and not errors:
        return profile
    raise QuoteProfileError(errors, f"the quote profile '{name}' has {len(errors)} problem(s)")


def _field_names() -> list[str]:
    names: list[str] = []
    for model in (
        QuoteProfile,
        PartySpec,
        AddressSpec,
        ContactSpec,
        PaymentTermsSpec,
        DeliveryTermsSpec,
        HeaderAdjustment,
        CustomerProfile,
    ):
        names.extend(n for n in model.model_fields if n not in names and n != "file")
    return names


def _from_document(
    doc: YamlDocument | None, issues: list[Issue]
) -> tuple[QuoteProfile | None, list[Issue]]:
    from cpq.pricing.book import schema_issue

    collector = IssueCollector(list(issues))
    if doc is None:
        return None, list(collector.sorted())
    data = doc.data
    if not isinstance(data, dict) or TOP_LEVEL_KEY not in data:
        collector.add(
            "not-a-quote-profile",
            f"a quote profile starts with '{TOP_LEVEL_KEY}: \"{FORMAT_VERSION}\"'",
            SourceLocation(doc.file, 1, 1),
            "rulesets start with 'cpq:', price books with 'cpq_prices:'",
        )
        return None, list(collector.sorted())
    try:
        with gc_paused():
            profile = QuoteProfile.model_validate({**data, "file": doc.file})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            collector.issues.append(schema_issue(doc, err, _field_names()))
        return None, list(collector.sorted())
    return profile, list(collector.sorted())


def lint_quote_profile(path: str | os.PathLike[str]) -> list[Issue]:
    """Check a quote profile and how it fits the price book in the same folder.

    Beyond the format: every customer id must exist in the price book (``unknown-customer``),
    every adjustment's ``vat`` must be a VAT category of the book (``unknown-vat-category``).

    Example:
        >>> lint_quote_profile("rulesets/pump/quote.yaml")
        []
    """
    from cpq.pricing.book import check_price_book, find_price_book_file

    file = find_quote_profile_file(path)
    doc, issues = read_yaml_file(file, display_path(file))
    profile, issues = _from_document(doc, issues)
    if profile is None or doc is None:
        return issues
    book_file = find_price_book_file(file.parent)
    if not book_file.is_file():
        return issues
    book, _ = check_price_book(book_file)
    if book is None:
        return issues
    book_name = display_path(book_file)
    for cid in profile.customers:
        if cid not in book.customers:
            from cpq.errors import did_you_mean

            issues.append(
                Issue(
                    "unknown-customer",
                    f"customer '{cid}' is not in the price book {book_name}",
                    doc.index.locate(("customers", cid), key=True),
                    did_you_mean(cid, book.customers),
                )
            )
    groups: list[tuple[tuple[str | int, ...], list[HeaderAdjustment]]] = [
        (("adjustments",), profile.adjustments)
    ]
    groups.extend(
        (("customers", cid, "adjustments"), c.adjustments) for cid, c in profile.customers.items()
    )
    for where, adjustments in groups:
        for i, adj in enumerate(adjustments):
            if adj.vat is not None and adj.vat not in book.vat_categories:
                issues.append(
                    Issue(
                        "unknown-vat-category",
                        f"VAT category '{adj.vat}' is not in the price book {book_name} "
                        f"(it has: {', '.join(sorted(book.vat_categories))})",
                        doc.index.locate((*where, i, "vat")),
                    )
                )
    return sorted(issues, key=lambda i: i.location or SourceLocation("", 0, 0))
