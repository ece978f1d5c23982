"""The quote model: a frozen, typed document that round-trips through JSON.

A :class:`Quote` is what the buyer receives and what can later be re-opened and re-checked
(:func:`cpq.quote.requote`). Every amount in it is already rounded: templates format values,
they never compute. Field names follow the EU e-invoicing model EN 16931 where the two overlap
(the business term is given in each field's description, e.g. *BT-1* for the number), so an
order confirmation or invoice export later is a mapping, not a redesign.

Example:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> q = Quote(
    ...     number="Q-2026-0001", issue_date=date(2026, 3, 1), valid_until=date(2026, 3, 31),
    ...     currency="EUR", seller=Party(name="Pumpenwerk GmbH"),
    ...     buyer=Party(name="Stadtwerke Nord"),
    ...     positions=(Position(id="1", kind="item", sku="S-1", name="Seal kit",
    ...         quantity=Decimal(2), unit_price=Decimal("10.00"), line_net=Decimal("20.00"),
    ...         vat_category="S", vat_rate=Decimal(19)),),
    ...     vat_breakdown=(VatBreakdown(category="S", rate=Decimal(19),
    ...         taxable_amount=Decimal("20.00"), tax_amount=Decimal("3.80")),),
    ...     totals=Totals(line_net_total=Decimal("20.00"), tax_exclusive=Decimal("20.00"),
    ...         tax_total=Decimal("3.80"), tax_inclusive=Decimal("23.80"),
    ...         payable=Decimal("23.80")),
    ... )
    >>> Quote.from_json(q.to_json()) == q
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cpq.errors import QuoteError
from cpq.quote.profile import HeaderAdjustment

__all__ = [
    "QUOTE_FORMAT",
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
    "PositionKind",
    "Quote",
    "Totals",
    "VatBreakdown",
]

QUOTE_FORMAT: Literal["cpq-quote/1"] = "cpq-quote/1"
"""The ``format`` marker of a saved quote's JSON; bumped when the layout changes."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")

PositionKind = Literal["product", "item", "included", "optional", "alternative", "text"]
"""How a position counts:

- ``product``: a configured product; its sub-positions are its options and components, its own
  ``line_net`` is the rolled-up sum of its priced sub-positions.
- ``item``: a priced line (a top-level article or a priced sub-position).
- ``included``: a sub-position whose price is part of its parent (0.00, shown as "incl.").
- ``optional``: an optional position (Bedarfsposition): priced, not in the totals unless ordered.
- ``alternative``: an alternative position (Alternativposition): priced, not in the totals.
- ``text``: a text-only line.
"""


class Address(BaseModel):
    """A postal address (EN 16931 BG-5/BG-8)."""

    model_config = _FROZEN

    street: str | None = Field(None, description="BT-35/BT-50 address line 1.")
    additional: str | None = Field(None, description="BT-36/BT-51 address line 2.")
    postcode: str | None = Field(None, description="BT-38/BT-53 post code.")
    city: str | None = Field(None, description="BT-37/BT-52 city.")
    country_code: str | None = Field(None, description="BT-40/BT-55 ISO 3166-1 alpha-2 code.")

    def lines(self) -> tuple[str, ...]:
        """The address as printed lines.

        Example:
            >>> Address(street="Hafenstr. 1", postcode="20457", city="Hamburg",
            ...         country_code="DE").lines()
            ('Hafenstr. 1', '20457 Hamburg', 'DE')
        """
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return tuple(p for p in (self.street, self.additional, town, self.country_code) if p)


class Contact(BaseModel):
    """A contact person (EN 16931 BG-6/BG-9)."""

    model_config = _FROZEN

    name: str | None = Field(None, description="BT-41/BT-56 contact point.")
    phone: str | None = Field(None, description="BT-42/BT-57 telephone.")
    email: str | None = Field(None, description="BT-43/BT-58 e-mail.")


class Party(BaseModel):
    """Seller or buyer (EN 16931 BG-4 / BG-7), with what a German B2B letter needs."""

    model_config = _FROZEN

    name: str = Field(description="BT-27/BT-44 legal name.")
    id: str | None = Field(None, description="BT-29/BT-46 identifier (the customer number).")
    address: Address | None = None
    contact: Contact | None = None
    vat_id: str | None = Field(None, description="BT-31/BT-48 VAT identifier (USt-IdNr.).")
    tax_number: str | None = Field(None, description="BT-32 tax registration (Steuernummer).")
    registration: str | None = Field(
        None, description="BT-30 legal registration: register court and number (HRB ...)."
    )
    managing_directors: tuple[str, ...] = ()
    bank: str | None = Field(None, description="Bank account line for the letter footer.")
    website: str | None = None


class Feature(BaseModel):
    """One chosen characteristic of a configured product (EN 16931 BG-32 item attribute)."""

    model_config = _FROZEN

    name: str = Field(description="BT-160 attribute name, e.g. 'Medium'.")
    value: str = Field(description="BT-161 attribute value, e.g. 'Sea water'.")
    attribute: str | None = Field(None, description="The ruleset attribute id.")


class Position(BaseModel):
    """One position of the quote; a configured product has sub-positions.

    ``quantity`` is the total quantity of the position (for a sub-position: per configured unit
    times the parent's quantity). ``unit_price`` is the net price per ``price_unit`` units
    (EN 16931 BT-146 / BT-149); ``line_net`` is the rounded net amount (BT-131).
    """

    model_config = _FROZEN

    id: str = Field(description="BT-126 position number, hierarchical: '1', '1.1', '2'.")
    kind: PositionKind
    sku: str | None = Field(None, description="BT-155 seller's item identifier.")
    name: str = Field(description="BT-153 item name.")
    description: str | None = Field(None, description="BT-154 item description.")
    quantity: Decimal = Field(Decimal(1), description="BT-129 quantity.")
    unit: str = Field("C62", description="BT-130 UN/ECE Rec 20 unit code (C62 = piece).")
    unit_price: Decimal | None = Field(None, description="BT-146 net price per price unit.")
    price_unit: int = Field(1, description="BT-149 base quantity the unit price refers to.")
    list_price: Decimal | None = Field(None, description="BT-148 gross (list) price, per unit.")
    discount_percent: Decimal = Field(Decimal(0), description="Discount off the list price.")
    line_net: Decimal = Field(Decimal(0), description="BT-131 line net amount.")
    vat_category: str | None = Field(None, description="BT-151 VAT category code (S, Z, ...).")
    vat_rate: Decimal | None = Field(None, description="BT-152 VAT rate in percent.")
    in_total: bool = Field(True, description="Whether the line counts in the quote's totals.")
    source: str | None = Field(
        None, description="Why the line is there: product, attribute:<id>, bom:<id>."
    )
    lead_time_days: int | None = None
    features: tuple[Feature, ...] = Field(
        (), description="For a configured product: every chosen value, as printed."
    )
    children: tuple[Position, ...] = ()

    def walk(self) -> Iterator[Position]:
        """This position and all its sub-positions, depth first.

        Example:
            >>> p = Position(id="1", kind="product", name="Pump",
            ...              children=(Position(id="1.1", kind="item", name="Motor"),))
            >>> [x.id for x in p.walk()]
            ['1', '1.1']
        """
        yield self
        for child in self.children:
            yield from child.walk()


class AllowanceCharge(BaseModel):
    """A discount (allowance, BG-20) or charge (BG-21) on the whole quote."""

    model_config = _FROZEN

    charge: bool = Field(description="True for a charge (freight), false for a discount.")
    reason: str = Field(description="BT-97/BT-104 reason, printed on the quote.")
    percent: Decimal | None = Field(None, description="BT-94/BT-101 percentage, if any.")
    base_amount: Decimal | None = Field(None, description="BT-93/BT-100 base amount.")
    amount: Decimal = Field(description="BT-92/BT-99 amount, rounded (always positive).")
    vat_category: str = Field(description="BT-95/BT-102 VAT category code.")
    vat_rate: Decimal = Field(description="BT-96/BT-103 VAT rate in percent.")


class VatBreakdown(BaseModel):
    """The VAT of one category and rate (EN 16931 BG-23)."""

    model_config = _FROZEN

    category: str = Field(description="BT-118 VAT category code.")
    rate: Decimal = Field(description="BT-119 VAT rate in percent.")
    taxable_amount: Decimal = Field(description="BT-116 taxable amount.")
    tax_amount: Decimal = Field(description="BT-117 VAT amount.")
    exemption_reason: str | None = Field(None, description="BT-120 exemption reason text.")


class Totals(BaseModel):
    """The document totals (EN 16931 BG-22)."""

    model_config = _FROZEN

    line_net_total: Decimal = Field(description="BT-106 sum of the line net amounts.")
    allowance_total: Decimal = Field(Decimal(0), description="BT-107 sum of allowances.")
    charge_total: Decimal = Field(Decimal(0), description="BT-108 sum of charges.")
    tax_exclusive: Decimal = Field(description="BT-109 total without VAT.")
    tax_total: Decimal = Field(description="BT-110 total VAT.")
    tax_inclusive: Decimal = Field(description="BT-112 total with VAT.")
    rounding: Decimal = Field(Decimal(0), description="BT-114 cash rounding amount.")
    payable: Decimal = Field(description="BT-115 amount due.")
    optional_total: Decimal = Field(
        Decimal(0), description="Net of the optional positions (not in the totals)."
    )
    alternative_total: Decimal = Field(
        Decimal(0), description="Net of the alternative positions (not in the totals)."
    )


class PaymentTerms(BaseModel):
    """Payment terms with an optional cash discount (Skonto); EN 16931 BT-20 as text."""

    model_config = _FROZEN

    due_days: int = Field(30, description="Days after invoice date the net amount is due.")
    cash_discount_percent: Decimal | None = None
    cash_discount_days: int | None = None
    cash_discount_amount: Decimal | None = Field(
        None, description="The cash discount on the gross total, rounded."
    )
    note: str | None = None


class DeliveryTerms(BaseModel):
    """Delivery terms: Incoterms rule and place, lead time and earliest date."""

    model_config = _FROZEN

    incoterms: str | None = Field(None, description="Incoterms rule: EXW, FCA, DAP, ...")
    place: str | None = Field(None, description="The named place of the Incoterms rule.")
    incoterms_version: str = "2020"
    lead_time_days: int | None = Field(
        None, description="The longest lead time of the quoted articles, in calendar days."
    )
    earliest_delivery: date | None = Field(
        None, description="Issue date plus the lead time (BT-72 actual delivery date on orders)."
    )
    note: str | None = None


class Approval(BaseModel):
    """An approval the quote needs before it may be sent (from the price book's rules)."""

    model_config = _FROZEN

    rule: str
    level: int
    message: str
    position: str | None = None


class ItemTrace(BaseModel):
    """What is needed to re-open and re-check one quoted product or article."""

    model_config = _FROZEN

    position: str
    product: str | None = Field(None, description="Ruleset product id; None for a plain article.")
    name: str | None = Field(None, description="The position's own name, if one was given.")
    ruleset_digest: str | None = Field(None, description="sha256 of the ruleset's files.")
    configuration_id: str | None = Field(
        None, description="Short digest of product and values, printed to re-open the quote."
    )
    choices: dict[str, Any] = Field(
        default_factory=dict, description="The buyer's own choices (user provenance)."
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="The full configuration (JSON form)."
    )
    provenance: dict[str, str] = Field(default_factory=dict)
    quantity: Decimal = Decimal(1)
    kind: PositionKind = "product"
    lines: tuple[dict[str, Any], ...] = Field(
        (), description="The priced lines with their price trace (PricedLine.to_dict())."
    )


class Quote(BaseModel):
    """A quote: header, parties, positions, totals, terms and the trace to re-open it.

    Build one with :func:`cpq.quote.build_quote`, save it with :meth:`to_json`, load it with
    :meth:`from_json`, render it with :func:`cpq.quote.render_quote`.
    """

    model_config = _FROZEN

    format: Literal["cpq-quote/1"] = QUOTE_FORMAT
    number: str = Field(description="BT-1 quote number.")
    revision: int = Field(0, description="0 for the first issue, 1 for 'Rev. 1', ...")
    issue_date: date = Field(description="BT-2 issue date.")
    valid_until: date = Field(description="End of the binding period (Bindefrist).")
    currency: str = Field(description="BT-5 currency code.")
    language: str = Field("de_DE", description="Locale the quote is written for.")
    seller: Party
    buyer: Party
    buyer_reference: str | None = Field(
        None, description="The buyer's enquiry (RFQ) reference (no EN 16931 term for quotes)."
    )
    subject: str | None = None
    intro: str | None = None
    closing: str | None = None
    positions: tuple[Position, ...]
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    adjustments: tuple[HeaderAdjustment, ...] = Field(
        (),
        description="The quote-level discounts and charges as specified (profile, customer, "
        "call), so re-checking the quote applies them again the same way.",
    )
    vat_breakdown: tuple[VatBreakdown, ...]
    totals: Totals
    payment_terms: PaymentTerms | None = None
    delivery_terms: DeliveryTerms | None = None
    terms: tuple[str, ...] = Field((), description="Legal and commercial terms, one per entry.")
    approvals: tuple[Approval, ...] = ()
    price_book: str | None = Field(None, description="Id of the price book used.")
    price_book_digest: str | None = Field(None, description="sha256 of the price book file.")
    pricing_date: date | None = None
    customer: str | None = Field(None, description="Customer id in the price book.")
    items: tuple[ItemTrace, ...] = ()

    @property
    def display_number(self) -> str:
        """The number as printed: ``Q-2026-0001`` or ``Q-2026-0001 Rev. 2``.

        Example:
            >>> from datetime import date
            >>> from decimal import Decimal
            >>> zero = Decimal(0)
            >>> Quote(number="Q-1", revision=2, issue_date=date(2026, 1, 1),
            ...       valid_until=date(2026, 2, 1), currency="EUR", seller=Party(name="S"),
            ...       buyer=Party(name="B"), positions=(), vat_breakdown=(),
            ...       totals=Totals(line_net_total=zero, tax_exclusive=zero, tax_total=zero,
            ...                     tax_inclusive=zero, payable=zero)).display_number
            'Q-1 Rev. 2'
        """
        return self.number if not self.revision else f"{self.number} Rev. {self.revision}"

    @property
    def needs_approval(self) -> bool:
        """True when some approval rule of the price book applies."""
        return bool(self.approvals)

    def all_positions(self) -> Iterator[Position]:
        """Every position and sub-position, in document order."""
        for p in self.positions:
            yield from p.walk()

    def to_json(self, *, indent: int | None = 2) -> str:
        """The quote as JSON (amounts as strings, so nothing is lost to floats)."""
        return self.model_dump_json(indent=indent)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (amounts and dates as strings)."""
        out: dict[str, Any] = self.model_dump(mode="json")
        return out

    @classmethod
    def from_json(cls, text: str | bytes, *, file: str = "<quote>") -> Quote:
        """Load a saved quote.

        Raises:
            QuoteError: the text is not a cpq quote (with what is wrong, in plain words).
        """
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False)[:5]:
                where = ".".join(str(p) for p in err["loc"]) or "the document"
                problems.append(f"{where}: {err['msg']}")
            more = "" if exc.error_count() <= 5 else f" (and {exc.error_count() - 5} more)"
            raise QuoteError(
                f"{file} is not a valid cpq quote: " + "; ".join(problems) + more
            ) from None
