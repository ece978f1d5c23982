"""Request and response models of the HTTP API (pydantic), so that ``/openapi.json`` is precise.

The response models describe exactly the JSON the library's ``to_dict()`` methods give (the
same JSON ``cpq options --json`` and friends print); the API tests and the schemathesis run
check every answer against them. Requests forbid unknown fields and coerce nothing: a number
where a value id is expected is an error, not a silent conversion.

Example:
    >>> OptionsRequest.model_validate({"selections": {"medium": "sea_water"}}).selections
    {'medium': 'sea_water'}
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from cpq.configurator import OptionState, Provenance

__all__ = [
    "AttributeOptionsOut",
    "AttributeSchema",
    "BuyerIn",
    "CheckOrderRequest",
    "CheckRequest",
    "CompleteOut",
    "CompleteRequest",
    "ConfigurationOut",
    "CustomersOut",
    "ExplainOut",
    "ExplainRequest",
    "OptionsOut",
    "OptionsRequest",
    "OrderCheckOut",
    "PriceOut",
    "PriceRequest",
    "Problem",
    "ProductSchema",
    "ProductsOut",
    "QuoteRequest",
]

_IDS = r"^[^\x00-\x1f]{1,200}$"
Id = Annotated[StrictStr, Field(pattern=_IDS)]
Scalar = StrictStr | StrictBool | StrictInt
"""A value: a value id (choice), true/false (bool) or a whole number (int)."""
SelectionValue = Scalar | list[StrictStr]
"""A selection: a value id, true/false, a whole number, or a list of value ids (multi)."""
Selections = Annotated[
    dict[StrictStr, SelectionValue],
    Field(
        max_length=2000,
        description="The buyer's choices: attribute id -> value id (choice), list of value ids "
        "(multi), true/false (bool) or a whole number (int).",
        examples=[{"medium": "sea_water", "accessories": ["counterflanges"]}],
    ),
]
TimeLimit = Annotated[
    float | None,
    Field(
        default=None,
        ge=0.5,
        le=600,
        description="Seconds for the solver, at least 0.5; capped at the server's limit "
        "(default: that limit).",
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """An answer whose listed fields are guaranteed; the library may add more."""

    model_config = ConfigDict(extra="allow")


# -- requests ---------------------------------------------------------------------------------


class CheckRequest(_In):
    """Choices to check."""

    selections: Selections = Field(default_factory=dict)
    session: StrictStr | None = Field(
        None,
        max_length=500_000,
        description="A saved configurator session (the JSON text of Configurator.to_json(), "
        "as the CLI's --session reads it); its choices come first, selections are applied "
        "on top.",
    )
    time_limit: TimeLimit = None


class OptionsRequest(CheckRequest):
    """Choices to compute the options view for."""

    reasons: Literal["minimal", "core", "none"] = Field(
        "minimal", description="minimal (every part needed), core (faster) or none."
    )


class CompleteRequest(CheckRequest):
    """Choices to complete to a valid configuration."""

    objective: Literal["defaults", "cheapest"] = Field(
        "defaults",
        description="defaults: the user's choices, then defaults where they fit; cheapest: "
        "the lowest total list price of the option SKUs (needs the product's price book).",
    )
    preferences: Selections | None = Field(
        None, description="Preferred values; as many as possible are honoured."
    )


class ExplainRequest(CheckRequest):
    """Choices to explain (a minimal conflict) and repair."""

    max_size: StrictInt | None = Field(
        None,
        ge=1,
        le=100,
        description="Largest repair to look for (default: no bound; the time limit still holds).",
    )


def _iso_date(value: object) -> object:
    """A date only from a ``YYYY-MM-DD`` text (not from a number, not from a date-time)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a date of the calendar") from None
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    raise ValueError("give the date as text YYYY-MM-DD, such as 2026-03-02")


IsoDate = Annotated[_dt.date, BeforeValidator(_iso_date)]
"""A calendar date, sent as ``"YYYY-MM-DD"``."""


class OrderLineIn(_In):
    """One order line."""

    sku: Id
    quantity: (
        Annotated[StrictInt, Field(ge=1, le=10**9)]
        | Annotated[StrictStr, Field(pattern=r"^\d{1,9}(\.\d{1,6})?$")]
    ) = Field(1, description="How many: a whole number, or a decimal string such as '2.5'.")


class CheckOrderRequest(_In):
    """An order (SKUs and quantities) to check before it goes to the ERP."""

    lines: list[OrderLineIn] = Field(max_length=5000)
    time_limit: TimeLimit = None


class PriceRequest(CheckRequest):
    """Choices to complete, turn into a bill of materials and price."""

    customer: Id | None = Field(None, description="Customer id from the price book.")
    date: IsoDate | None = Field(
        None, description="Pricing date YYYY-MM-DD (default: today on the server)."
    )
    quantity: StrictInt = Field(1, ge=1, le=1_000_000, description="How many configured units.")


Text = Annotated[StrictStr, Field(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f]*$")]


class BuyerIn(_In):
    """The buyer printed on the quote (instead of the customer's address from the profile)."""

    name: Text
    id: Text | None = None
    street: Text | None = None
    additional: Text | None = None
    postcode: Text | None = None
    city: Text | None = None
    country_code: Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$")] | None = None
    vat_id: Text | None = None


class QuoteRequest(PriceRequest):
    """What :class:`PriceRequest` takes, plus the quote's number and buyer."""

    number: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")] | None = (
        Field(None, description="Quote number (default: Q-<date>-<configuration id>).")
    )
    buyer: BuyerIn | None = Field(
        None, description="The buyer (default: the customer's from the quote profile)."
    )


# -- responses: configurator -------------------------------------------------------------------


class ChoiceOut(_Out):
    """One user choice, described."""

    attribute: str
    value: Scalar
    selected: bool
    text: str


class RuleRefOut(_Out):
    """A rule named in an answer."""

    id: str
    text: str
    location: str | None


class ExplanationOut(_Out):
    """The user choices and rules that together force or forbid something."""

    choices: list[ChoiceOut]
    rules: list[RuleRefOut]
    minimal: bool
    text: str


class ValueOptionOut(_Out):
    """The state of one value."""

    value: Scalar
    label: str
    state: OptionState = Field(
        description="undecided only when the time limit cut the view short (complete false)."
    )
    source: Provenance | None
    reason: ExplanationOut | None


class AttributeOptionsOut(_Out):
    """The options of one attribute."""

    attribute: str
    label: str
    type: Literal["choice", "multi", "bool", "int"]
    values: list[ValueOptionOut]
    range: list[int] | None = Field(description="int attributes: [lowest, highest] feasible.")
    feasible: list[int] | None


class OptionsOut(_Out):
    """The options view (as ``cpq options --json`` prints it)."""

    consistent: bool
    complete: bool
    conflict: ExplanationOut | None
    attributes: dict[str, AttributeOptionsOut]


class ViolationOut(_Out):
    """A rule broken or in conflict."""

    rule: str
    text: str
    location: str | None


class ConfigurationOut(_Out):
    """A configuration with provenance (as ``cpq check --json`` prints it)."""

    product: str
    status: Literal["valid", "incomplete", "invalid"]
    values: dict[str, SelectionValue]
    provenance: dict[str, Provenance]
    member_provenance: dict[str, dict[str, Provenance]]
    missing: list[str]
    violations: list[ViolationOut]
    conflict: ExplanationOut | None


class BomLineOut(_Out):
    """One line of the bill of materials (quantity as a decimal string)."""

    sku: str
    quantity: str
    source: str
    label: str


class CompleteOut(ConfigurationOut):
    """A completed configuration and its bill of materials (as ``cpq complete --json``)."""

    bom: list[BomLineOut]


class RepairOut(_Out):
    """A smallest set of choices to change, and what each could be instead."""

    remove: list[ChoiceOut]
    alternatives: dict[str, list[Scalar]]


class ExplainOut(_Out):
    """A minimal conflict and the smallest repairs (as ``cpq explain --json``)."""

    conflict: ExplanationOut | None
    repairs: list[RepairOut]


class OrderProblemOut(_Open):
    """Something wrong with an order (``code`` and ``lines`` in the current library)."""

    message: str
    skus: list[str]


class OrderCheckOut(_Open):
    """The verdict on an order (as ``cpq check-order --json``; see the order-check docs)."""

    ok: bool
    units: str
    choices: dict[str, SelectionValue]
    problems: list[OrderProblemOut]
    bom: list[dict[str, str]]


# -- responses: products and prices ------------------------------------------------------------


class ProductSummary(_Out):
    """A product the server answers for."""

    id: str
    name: str
    sku: str | None
    attributes: int
    rules: int
    has_prices: bool


class ProductsOut(_Out):
    """Every product the server answers for, and the quote formats it can render."""

    products: list[ProductSummary]
    quote_formats: list[Literal["json", "html", "md", "txt", "pdf"]] = Field(
        description="Formats POST .../quote accepts on this server (pdf needs the pdf extra)."
    )


class ValueSchema(_Out):
    """A value of a choice or multi attribute."""

    id: str
    label: str
    sku: str | None


class AttributeSchema(_Out):
    """An attribute, as written in the ruleset."""

    id: str
    label: str
    type: Literal["choice", "multi", "bool", "int"]
    description: str | None
    unit: str | None
    range: list[int] | None
    default: SelectionValue | None
    values: list[ValueSchema]


class ProductSchema(_Out):
    """A product and its attributes, in the order of the ruleset."""

    id: str
    name: str
    sku: str | None
    description: str | None
    attributes: list[AttributeSchema]


class Customer(_Out):
    """A customer of the price book."""

    id: str
    name: str


class CustomersOut(_Out):
    """The customers of a product's price book."""

    customers: list[Customer]
    currency: str


class TraceStepOut(_Open):
    """One step of a price trace (amounts as decimal strings)."""

    step: str
    rule: str
    source: str
    before: str | None
    after: str
    basis: str
    op: str
    operand: str | None
    divisor: str | None
    location: str | None


class PricedLineOut(_Open):
    """One priced line (amounts as decimal strings)."""

    position: int
    sku: str
    label: str
    source: str
    quantity: str
    currency: str
    price_unit: int
    unit_net: str
    unit_net_is_average: bool
    line_net: str
    list_net: str | None
    discount_percent: str
    price_source: str
    record: str
    net_only: bool
    manual_discount: str | None
    floor: str | None
    floor_violation: bool
    vat_category: str
    vat_code: str
    vat_rate: str
    trace: list[TraceStepOut]


class VatTotalOut(_Open):
    """Net basis and VAT of one VAT category."""

    category: str
    code: str
    rate: str
    basis: str
    vat: str
    exemption_reason: str | None


class ApprovalOut(_Open):
    """An approval the priced quote needs."""

    rule: str
    level: int
    message: str
    position: int | None
    value: str | None


class PriceOut(_Open):
    """``PriceResult.to_dict()`` plus the completed configuration and its bill of materials.

    The pricing answers list the fields every version has; the library may add more.
    """

    book: str
    currency: str
    customer: str | None
    date: str
    quantity: str
    stacking: str
    rounding_mode: str
    lines: list[PricedLineOut]
    vat_totals: list[VatTotalOut]
    net: str
    vat: str
    gross: str
    approval_level: int
    approvals: list[ApprovalOut]
    completed: bool = Field(
        description="true when the server picked values that neither the selections nor "
        "the defaults decided (false when the defaults completed them)."
    )
    values: dict[str, SelectionValue]
    bom: list[BomLineOut]


class Problem(BaseModel):
    """An error, as RFC 9457 problem details with the library's error code."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://cpq.dev/errors#unknown-selection"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable kebab-case code, documented in the error pages.")
    instance: str | None = None
    problems: list[dict[str, Any]] | None = Field(
        None, description="Every problem found, when there are several (validation, ruleset)."
    )
