"""The fixed texts of the shipped quote templates, one typed catalog per language.

A catalog is a frozen dataclass, so mypy checks that every language has every text, and a
template that names a text that does not exist fails at once (``StrictUndefined``). German
(``de``) and English (``en``) ship; any other locale uses the English texts while Babel still
formats its numbers, dates and units. Texts with ``{placeholders}`` are filled in the template
with ``str.format`` (allowed in the sandbox), always with values that filters formatted.

Example:
    >>> texts_for("de_DE").quote
    'Angebot'
    >>> texts_for("fr_FR").quote
    'Quotation'
    >>> texts_for("en_US").payment_net.format(days=30)
    'Payable within 30 days net.'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TEXTS", "Texts", "texts_for"]


@dataclass(frozen=True, slots=True)
class Texts:
    """Every fixed text the shipped templates print."""

    quote: str
    draft: str
    approvals: str
    approval_level: str
    number: str
    date: str
    valid_until: str
    customer_number: str
    your_reference: str
    contact: str
    phone: str
    email: str
    vat_id: str
    tax_number: str
    greeting: str
    default_intro: str
    col_pos: str
    col_sku: str
    col_description: str
    col_quantity: str
    col_unit_price: str
    col_discount: str
    surcharge: str
    col_amount: str
    included: str
    optional: str
    alternative: str
    not_in_total: str
    text_only: str
    per: str
    list_price: str
    percent_of: str
    line_net_total: str
    allowance: str
    charge: str
    net_total: str
    vat_line: str
    gross_total: str
    rounding: str
    payable: str
    optional_total: str
    alternative_total: str
    payment_terms: str
    payment_net: str
    payment_skonto: str
    delivery_terms: str
    incoterms: str
    lead_time: str
    earliest_delivery: str
    validity: str
    terms: str
    reference: str
    reference_line: str
    price_book: str
    page: str
    page_of: str
    managing_directors: str
    register: str
    bank: str
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Count units by UN/ECE code: (singular, plural) short names."""


_DE = Texts(
    quote="Angebot",
    draft="ENTWURF – Freigabe erforderlich",
    approvals="Erforderliche Freigaben",
    approval_level="Stufe",
    number="Angebotsnummer",
    date="Datum",
    valid_until="Gültig bis",
    customer_number="Kundennummer",
    your_reference="Ihre Anfrage",
    contact="Ansprechpartner",
    phone="Telefon",
    email="E-Mail",
    vat_id="USt-IdNr.",
    tax_number="Steuernummer",
    greeting="Sehr geehrte Damen und Herren,",
    default_intro="vielen Dank für Ihre Anfrage. Gerne bieten wir Ihnen wie folgt an:",
    col_pos="Pos.",
    col_sku="Art.-Nr.",
    col_description="Bezeichnung",
    col_quantity="Menge",
    col_unit_price="Einzelpreis",
    col_discount="Rabatt",
    surcharge="Aufschlag",
    col_amount="Gesamtpreis",
    included="inkl.",
    optional="Optionale Position",
    alternative="Alternativposition",
    not_in_total="nicht in der Summe enthalten",
    text_only="Hinweis",
    per="je {n}",
    list_price="Listenpreis",
    percent_of="{percent} von {base}",
    line_net_total="Summe Positionen",
    allowance="abzüglich",
    charge="zuzüglich",
    net_total="Gesamtbetrag netto",
    vat_line="USt. {rate} auf {base}",
    gross_total="Gesamtbetrag brutto",
    rounding="Rundung",
    payable="Zahlbetrag",
    optional_total="Optionale Positionen (nicht enthalten)",
    alternative_total="Alternativpositionen (nicht enthalten)",
    payment_terms="Zahlungsbedingungen",
    payment_net="Zahlbar innerhalb von {days} Tagen netto.",
    payment_skonto="Bei Zahlung innerhalb von {days} Tagen {percent} Skonto ({amount}).",
    delivery_terms="Lieferbedingungen",
    incoterms="Lieferung {rule} {place} Incoterms® {version}.",
    lead_time="Lieferzeit ca. {days} Tage nach Auftragsklärung.",
    earliest_delivery="Frühester Liefertermin: {date}.",
    validity="Dieses Angebot ist gültig bis zum {date}.",
    terms="Bedingungen",
    reference="Konfigurationsreferenz",
    reference_line="Pos. {position}: Produkt {product}, Konfiguration {configuration}, Regelwerk {digest}",
    price_book="Preisliste",
    page="Seite",
    page_of="von",
    managing_directors="Geschäftsführer",
    register="Registergericht",
    bank="Bankverbindung",
    units={"C62": ("Stk.", "Stk."), "H87": ("Stk.", "Stk."), "EA": ("Stk.", "Stk."),
           "SET": ("Satz", "Sätze"), "PR": ("Paar", "Paar"), "LS": ("pauschal", "pauschal"),
           "XPK": ("Pack", "Pack")},
)  # fmt: skip

_EN = Texts(
    quote="Quotation",
    draft="DRAFT – needs approval",
    approvals="Approvals needed",
    approval_level="Level",
    number="Quote number",
    date="Date",
    valid_until="Valid until",
    customer_number="Customer number",
    your_reference="Your reference",
    contact="Contact",
    phone="Phone",
    email="Email",
    vat_id="VAT ID",
    tax_number="Tax number",
    greeting="Dear Sir or Madam,",
    default_intro="thank you for your enquiry. We are pleased to quote as follows:",
    col_pos="Item",
    col_sku="Part no.",
    col_description="Description",
    col_quantity="Qty",
    col_unit_price="Unit price",
    col_discount="Disc.",
    surcharge="Surcharge",
    col_amount="Amount",
    included="incl.",
    optional="Optional item",
    alternative="Alternative item",
    not_in_total="not in total",
    text_only="Note",
    per="per {n}",
    list_price="List price",
    percent_of="{percent} of {base}",
    line_net_total="Total of items",
    allowance="less",
    charge="plus",
    net_total="Total net",
    vat_line="VAT {rate} on {base}",
    gross_total="Total gross",
    rounding="Rounding",
    payable="Amount due",
    optional_total="Optional items (not included)",
    alternative_total="Alternative items (not included)",
    payment_terms="Payment terms",
    payment_net="Payable within {days} days net.",
    payment_skonto="{percent} cash discount ({amount}) for payment within {days} days.",
    delivery_terms="Delivery terms",
    incoterms="Delivery {rule} {place} Incoterms® {version}.",
    lead_time="Lead time about {days} days after order clarification.",
    earliest_delivery="Earliest delivery: {date}.",
    validity="This quotation is valid until {date}.",
    terms="Terms",
    reference="Configuration reference",
    reference_line="Item {position}: product {product}, configuration {configuration}, ruleset {digest}",
    price_book="Price book",
    page="Page",
    page_of="of",
    managing_directors="Managing directors",
    register="Register",
    bank="Bank",
    units={"C62": ("pc", "pcs"), "H87": ("pc", "pcs"), "EA": ("ea.", "ea."),
           "SET": ("set", "sets"), "PR": ("pair", "pairs"), "LS": ("lump sum", "lump sum"),
           "XPK": ("pack", "packs")},
)  # fmt: skip

TEXTS: dict[str, Texts] = {"de": _DE, "en": _EN}
"""The catalogs by language code; add a language by adding an entry."""


def texts_for(locale: str) -> Texts:
    """The catalog for a locale's language (``de_DE`` -> German), English otherwise."""
    return TEXTS.get(locale.replace("-", "_").split("_", 1)[0].lower(), _EN)
