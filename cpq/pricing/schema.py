"""The structure of a price-book file, as strict pydantic models (also its JSON Schema).

These models check keys, types and single values (an amount is a non-negative decimal number, a
date is a date). Everything that needs the whole book (references between sections, tier order,
currencies) is checked when the book is compiled, in :mod:`cpq.pricing.book`.

Amounts may be written as YAML numbers (``100.00``) or quoted strings (``"100.00"``); both become
``Decimal``. The YAML reader never produces ``float``, and a ``float`` handed in from Python code is
refused.

Example:
    >>> spec = PriceBookFile.model_validate({
    ...     "cpq_prices": "1",
    ...     "price_book": {"id": "demo", "currency": "EUR"},
    ...     "vat": {"default": "standard", "categories": {"standard": {"code": "S", "rate": 19}}},
    ...     "price_lists": {"list": {"kind": "list", "prices": {"S-100": "100.00"}}},
    ... })
    >>> spec.price_lists["list"].prices["S-100"]
    Decimal('100.00')
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from cpq.pricing.money import to_decimal

__all__ = [
    "ACCESSES",
    "FORMAT_VERSION",
    "TOP_LEVEL_KEY",
    "Access",
    "AdjustmentFilterSpec",
    "AdjustmentSpec",
    "ApprovalRuleSpec",
    "BookHeader",
    "ContractPriceSpec",
    "ContractSpec",
    "CurrencySpec",
    "CustomerGroupSpec",
    "CustomerSpec",
    "DiscountScheduleSpec",
    "DiscountTierSpec",
    "FloorSpec",
    "ItemFilterSpec",
    "ItemSpec",
    "Metric",
    "OverageSpec",
    "PackageScheduleSpec",
    "PriceBookFile",
    "PriceEntrySpec",
    "PriceListSpec",
    "PricingSpec",
    "RoundingSpec",
    "TierSpec",
    "TieredScheduleSpec",
    "VatCategorySpec",
    "VatSpec",
    "all_field_names",
    "price_book_json_schema",
]

FORMAT_VERSION = "1"
TOP_LEVEL_KEY = "cpq_prices"
"""The key that marks a YAML file as a price book: ``cpq_prices: "1"``."""

_CONFIG = ConfigDict(strict=True, extra="forbid", frozen=True)

Access: TypeAlias = Literal[
    "contract_sku", "contract_filter", "customer_list", "group_list", "list"
]
ACCESSES: tuple[Access, ...] = (
    "contract_sku",
    "contract_filter",
    "customer_list",
    "group_list",
    "list",
)
"""The default access order: the first access that finds a valid record supplies the price."""

Metric: TypeAlias = Literal[
    "line_discount_percent",
    "quote_discount_percent",
    "line_margin_percent",
    "manual_discount_percent",
    "floor_violation",
    "net_total",
]


_KIND_WORDS: dict[type, str] = {
    float: "a float",
    bool: "a yes/no value",
    list: "a list",
    dict: "a mapping",
    type(None): "nothing",
    date: "a date",
    datetime: "a date and time",
}


def _number(value: Any, what: str, *, minimum: Decimal | None = None) -> Decimal:
    try:
        out = to_decimal(value, what)
    except TypeError:
        kind = _KIND_WORDS.get(type(value), type(value).__name__)
        raise PydanticCustomError(
            "wrong-type",
            "expected {what}, not {kind}",
            {"what": f"a number ({what})", "kind": kind},
        ) from None
    except ValueError as exc:
        raise PydanticCustomError("invalid-value", "{msg}", {"msg": str(exc)}) from None
    if minimum is not None and out < minimum:
        raise PydanticCustomError(
            "invalid-value",
            "{what} cannot be below {minimum}; found {value}",
            {"what": f"the {what}", "minimum": str(minimum), "value": str(out)},
        )
    return out


_ZERO = Decimal(0)


def _amount(value: Any) -> Decimal:
    # Fast path: the YAML reader already gives finite Decimals for plain numbers.
    if type(value) is Decimal and value.is_finite() and value >= _ZERO:
        return value
    return _number(value, "amount", minimum=_ZERO)


def _percent(value: Any) -> Decimal:
    return _number(value, "percentage", minimum=_ZERO)


def _quantity(value: Any) -> Decimal:
    return _number(value, "quantity", minimum=_ZERO)


def _signed(value: Any) -> Decimal:
    return _number(value, "number")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "wrong-type", "a date must be written as YYYY-MM-DD, without a time", {}
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "wrong-type", "a date must be written as YYYY-MM-DD (e.g. 2025-01-31)", {}
    )


_NUMBER_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^[-+]?\d[\d_]*(\.\d+)?$"},
    ]
}
_NONNEG_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\+?\d[\d_]*(\.\d+)?$"},
    ]
}

Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({**_NONNEG_SCHEMA, "description": 'An amount, e.g. 100.00 or "100.00".'}),
]
"""A non-negative money amount in the currency of the record it belongs to."""
Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    WithJsonSchema({**_NONNEG_SCHEMA, "description": "A percentage: 5 means 5 %."}),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    WithJsonSchema({**_NONNEG_SCHEMA, "description": "A quantity (may be fractional)."}),
]
Number = Annotated[Decimal, BeforeValidator(_signed), WithJsonSchema(_NUMBER_SCHEMA)]
Day = Annotated[
    date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
Scalar: TypeAlias = str | int | Decimal | bool


class _Model(BaseModel):
    model_config = _CONFIG


class BookHeader(_Model):
    """``price_book:`` what the book is and its default currency."""

    id: str = Field(description="Id of the price book, e.g. pump-eur.")
    name: str | None = Field(default=None, description="Name shown in quotes and reports.")
    currency: str = Field(description="ISO 4217 code of the default currency, e.g. EUR.")
    description: str | None = None


class CurrencySpec(_Model):
    """A currency override: the decimal places of line nets and totals."""

    minor_units: int = Field(ge=0, le=6, description="Decimal places: EUR 2, JPY 0, KWD 3.")


class RoundingSpec(_Model):
    """``rounding:`` how and where amounts are rounded."""

    mode: Literal["half_up", "half_even"] = Field(
        default="half_up",
        description="half_up: commercial rounding (default); half_even: banker's.",
    )
    price_precision: int = Field(
        default=2, ge=0, le=6, description="Decimal places of unit net prices (2 to 4 are usual)."
    )


class PricingSpec(_Model):
    """``pricing:`` how a price is resolved."""

    access_order: list[Access] = Field(
        default_factory=lambda: list(ACCESSES),
        description="Where to look for a base price, first match wins.",
    )
    best_price: list[Access] = Field(
        default_factory=list,
        description="Accesses forming a best-price exclusion group: of these, the lowest "
        "valid price wins instead of the first.",
    )
    stacking: Literal["sequential", "additive"] = Field(
        default="sequential",
        description="sequential: each adjustment works on the running price; additive: every "
        "adjustment is computed from the price before the first adjustment.",
    )
    floor_action: Literal["flag", "clamp"] = Field(
        default="flag", description="What a floor does to a price below it: flag it or raise it."
    )
    tier_quantity: Literal["line", "sku"] = Field(
        default="line",
        description="line: tiers look at the line quantity; sku: at the quote's total "
        "quantity of the same SKU.",
    )
    max_manual_discount: Percent | None = Field(
        default=None, description="Largest manual discount a caller may give, in percent."
    )


class VatCategorySpec(_Model):
    """A VAT category (EN 16931 code and rate)."""

    code: Literal["S", "Z", "E", "AE", "K", "G", "O", "L", "M"] = Field(
        description="EN 16931 VAT category code: S standard, Z zero, E exempt, AE reverse "
        "charge, K intra-EU supply, G export, O not subject."
    )
    rate: Percent = Field(description="Rate in percent, e.g. 19.")
    label: str | None = None
    exemption_reason: str | None = Field(
        default=None, description="Text printed for E, AE, K, G, O."
    )


class VatSpec(_Model):
    """``vat:`` the VAT categories and the default one."""

    default: str = Field(description="Category of items that do not name one.")
    categories: dict[str, VatCategorySpec]


class ItemSpec(_Model):
    """Master data of one SKU: category (for contracts and filters), VAT, cost (for floors)."""

    name: str | None = None
    category: str | None = None
    vat: str | None = Field(default=None, description="VAT category id; default: vat.default.")
    cost: Amount | None = Field(default=None, description="Unit cost in the book currency.")
    unit: str | None = Field(default=None, description="Unit of measure, e.g. PCE or MTR.")
    attributes: dict[str, Scalar] = Field(
        default_factory=dict, description="Free properties that filters can test."
    )


class CustomerGroupSpec(_Model):
    """A customer group and the price lists it uses, most preferred first."""

    name: str | None = None
    price_lists: list[str] = Field(default_factory=list)


class CustomerSpec(_Model):
    """A customer: its group, parent account and own price lists."""

    name: str | None = None
    group: str | None = None
    parent: str | None = Field(
        default=None, description="Parent account whose contracts apply too."
    )
    inherit_from_parent: bool = Field(
        default=True, description="Whether the parent's contracts and price lists apply."
    )
    price_lists: list[str] = Field(default_factory=list)
    vat: str | None = Field(
        default=None,
        description="VAT category for all lines of this customer (e.g. reverse charge).",
    )


class TierSpec(_Model):
    """One tier: from ``min_qty`` (inclusive) up to the next tier's ``min_qty``."""

    min_qty: Quantity = Field(description="Lower bound, inclusive.")
    max_qty: Quantity | None = Field(
        default=None,
        description="Upper bound, inclusive. Optional: on the last tier it closes the "
        "schedule; elsewhere it documents the range and lint checks it.",
    )
    unit_price: Amount | None = Field(
        default=None, description="volume and graduated: price per unit."
    )
    block_price: Amount | None = Field(
        default=None, description="block: price for the whole quantity."
    )
    flat_fee: Amount = Field(
        default=Decimal(0), description="Flat amount charged once for the tier."
    )


class OverageSpec(_Model):
    """Price per unit above the closed last tier."""

    unit_price: Amount


class TieredScheduleSpec(_Model):
    """A tier schedule in the modes volume, graduated or block."""

    mode: Literal["volume", "graduated", "block"] = Field(
        description="volume: all units at the tier reached; graduated: each unit at its own "
        "tier; block: one price for the whole quantity range."
    )
    tiers: list[TierSpec] = Field(min_length=1)
    overage: OverageSpec | None = None
    description: str | None = None


class PackageScheduleSpec(_Model):
    """A price per started (or completed) pack of ``package_size`` units."""

    mode: Literal["package"]
    package_size: Quantity
    package_price: Amount
    free_units: Quantity = Field(default=Decimal(0), description="Units given free before packing.")
    rounding: Literal["up", "down"] = Field(default="up", description="up: started packs count.")
    description: str | None = None


TierScheduleSpec = Annotated[TieredScheduleSpec | PackageScheduleSpec, Field(discriminator="mode")]


def _ref_or_inline(value: Any) -> str:
    return "<ref>" if isinstance(value, str) else "<inline>"


ScheduleRef = Annotated[
    Annotated[str, Tag("<ref>")] | Annotated[TierScheduleSpec, Tag("<inline>")],
    Discriminator(_ref_or_inline),
]


class DiscountTierSpec(_Model):
    """One tier of a discount schedule."""

    min_qty: Quantity
    max_qty: Quantity | None = None
    percent: Percent


class DiscountScheduleSpec(_Model):
    """A quantity discount: range (all units get the tier reached) or slab (per tier)."""

    mode: Literal["range", "slab"]
    tiers: list[DiscountTierSpec] = Field(min_length=1)
    description: str | None = None


class PriceEntrySpec(_Model):
    """One price record of a price list."""

    price: Amount | None = Field(default=None, description="Unit price (per price_unit units).")
    tiers: ScheduleRef | None = Field(
        default=None, description="A tier schedule: the id of one in tier_schedules, or inline."
    )
    price_unit: int = Field(
        default=1, description="The price is per this many units: 1, 10, 100 ..."
    )
    min_qty: Quantity = Field(
        default=Decimal(0), description="The record applies from this quantity."
    )
    valid_from: Day | None = None
    valid_to: Day | None = Field(default=None, description="Last day of validity (inclusive).")
    note: str | None = None


def _price_value_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "<entry>"
    if isinstance(value, list):
        return "<entries>"
    return "<amount>"


PriceValue = Annotated[
    Annotated[Amount, Tag("<amount>")]
    | Annotated[PriceEntrySpec, Tag("<entry>")]
    | Annotated[list[PriceEntrySpec], Tag("<entries>")],
    Discriminator(_price_value_kind),
]


class PriceListSpec(_Model):
    """A price list: the general list, a customer-group list or a customer list."""

    kind: Literal["list", "group", "customer"] = Field(
        description="list: applies to everyone; group/customer: applies where a customer "
        "group or customer names it in price_lists."
    )
    name: str | None = None
    currency: str | None = Field(default=None, description="Default: the book currency.")
    valid_from: Day | None = None
    valid_to: Day | None = None
    priority: int = Field(default=0, description="Among general lists, higher priority wins.")
    price_precision: int | None = Field(default=None, ge=0, le=6)
    prices: dict[str, PriceValue] = Field(
        default_factory=dict,
        description="SKU -> amount, or a record {price|tiers, ...}, or a list of records.",
    )


class ItemFilterSpec(_Model):
    """Which items a record applies to; every condition given must hold."""

    skus: list[str] | None = None
    categories: list[str] | None = None
    sku_prefix: str | None = None
    attributes: dict[str, Scalar] | None = None


class AdjustmentFilterSpec(ItemFilterSpec):
    """Which lines an adjustment, floor or approval rule applies to."""

    customers: list[str] | None = None
    groups: list[str] | None = None
    sources: list[Access] | None = Field(
        default=None, description="Only when the base price came from one of these accesses."
    )
    currencies: list[str] | None = None
    min_qty: Quantity | None = None


class ContractPriceSpec(_Model):
    """One record of a contract: a SKU, a category or a filter; a price, tiers or a discount."""

    sku: str | None = None
    category: str | None = None
    filter: ItemFilterSpec | None = None
    price: Amount | None = None
    tiers: ScheduleRef | None = None
    discount_percent: Percent | None = Field(
        default=None, description="Percent off the list price."
    )
    net_only: bool = Field(
        default=False, description="true: the price is final; no automatic adjustments follow."
    )
    price_unit: int = 1
    min_qty: Quantity = Decimal(0)
    valid_from: Day | None = None
    valid_to: Day | None = None
    note: str | None = None


class ContractSpec(_Model):
    """A customer contract; its id (the mapping key) is the contract reference."""

    customer: str
    name: str | None = None
    currency: str | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None
    priority: int = 0
    prices: list[ContractPriceSpec] = Field(default_factory=list)


class AdjustmentSpec(_Model):
    """A discount or surcharge applied after the base price."""

    id: str
    kind: Literal["percent", "amount", "surcharge", "schedule"] = Field(
        description="percent: percent off; amount: amount off per unit; surcharge: percent or "
        "amount added; schedule: a discount schedule."
    )
    label: str | None = None
    percent: Percent | None = None
    amount: Amount | None = None
    schedule: str | None = Field(default=None, description="Id of a discount schedule.")
    currency: str | None = Field(
        default=None, description="Currency of amount; default the book's."
    )
    step: int | None = Field(default=None, description="Order of application; default file order.")
    exclusion_group: str | None = Field(
        default=None,
        description="Of the adjustments in one group, only the most favourable applies.",
    )
    applies_to: AdjustmentFilterSpec | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None


class FloorSpec(_Model):
    """A lowest acceptable unit price: a minimum price or a minimum margin over cost."""

    id: str
    applies_to: AdjustmentFilterSpec | None = None
    min_price: Amount | None = None
    min_margin_percent: Percent | None = None
    currency: str | None = None
    action: Literal["flag", "clamp"] | None = Field(
        default=None, description="Default: floor_action."
    )
    label: str | None = None


class ApprovalRuleSpec(_Model):
    """A condition on the priced quote that requires an approval level."""

    id: str
    metric: Metric
    above: Number | None = None
    below: Number | None = None
    level: int = Field(ge=1)
    message: str | None = None
    applies_to: AdjustmentFilterSpec | None = None
    currency: str | None = Field(default=None, description="Currency of a net_total threshold.")


class PriceBookFile(_Model):
    """A price-book file (top-level key ``cpq_prices``)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, title="cpq price book")
    cpq_prices: str = Field(description='Format version; write "1" in quotes.')
    price_book: BookHeader
    currencies: dict[str, CurrencySpec] = Field(default_factory=dict)
    rounding: RoundingSpec = Field(default_factory=lambda: RoundingSpec())
    pricing: PricingSpec = Field(default_factory=lambda: PricingSpec())
    vat: VatSpec
    items: dict[str, ItemSpec] = Field(default_factory=dict)
    customer_groups: dict[str, CustomerGroupSpec] = Field(default_factory=dict)
    customers: dict[str, CustomerSpec] = Field(default_factory=dict)
    tier_schedules: dict[str, TierScheduleSpec] = Field(default_factory=dict)
    discount_schedules: dict[str, DiscountScheduleSpec] = Field(default_factory=dict)
    price_lists: dict[str, PriceListSpec] = Field(default_factory=dict)
    contracts: dict[str, ContractSpec] = Field(default_factory=dict)
    adjustments: list[AdjustmentSpec] = Field(default_factory=list)
    floors: list[FloorSpec] = Field(default_factory=list)
    approvals: list[ApprovalRuleSpec] = Field(default_factory=list)


_MODELS: tuple[type[BaseModel], ...] = (
    PriceBookFile,
    BookHeader,
    CurrencySpec,
    RoundingSpec,
    PricingSpec,
    VatSpec,
    VatCategorySpec,
    ItemSpec,
    CustomerGroupSpec,
    CustomerSpec,
    TieredScheduleSpec,
    PackageScheduleSpec,
    TierSpec,
    OverageSpec,
    DiscountScheduleSpec,
    DiscountTierSpec,
    PriceListSpec,
    PriceEntrySpec,
    ContractSpec,
    ContractPriceSpec,
    AdjustmentSpec,
    AdjustmentFilterSpec,
    FloorSpec,
    ApprovalRuleSpec,
)


def all_field_names() -> list[str]:
    """Every key the price-book format knows (for "did you mean" hints).

    Examples:
        >>> "discount_percent" in all_field_names()
        True
    """
    names: list[str] = []
    for model in _MODELS:
        names.extend(n for n in model.model_fields if n not in names)
    return names


def price_book_json_schema() -> dict[str, Any]:
    """The JSON Schema of price-book files (for editors and ``cpq schema``).

    Examples:
        >>> schema = price_book_json_schema()
        >>> schema["title"], schema["properties"]["cpq_prices"]["const"]
        ('cpq price book', '1')
    """
    schema = PriceBookFile.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cpqkit.dev/schema/price-book-1.json"
    schema["properties"]["cpq_prices"]["const"] = FORMAT_VERSION
    return schema
