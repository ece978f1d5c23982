"""Pricing: resolve, adjust, check, round and total the lines of a bill of materials.

Per line (``docs/pricing.md`` section "Resolution"):

1. **Base price** along the book's access order, first match wins: ``contract_sku`` (a contract
   record for the SKU), ``contract_filter`` (for its category or a filter), ``customer_list``,
   ``group_list``, ``list``. Only records valid on the pricing date, in the quote currency,
   with ``min_qty`` <= the tier quantity count. Accesses in ``pricing.best_price`` form an
   exclusion group: of them, the lowest price wins (ties: access order).
2. **Tiers**: a record with a tier schedule prices the tier quantity (volume, graduated, block,
   package; see :mod:`cpq.pricing.tiers`). A contract discount is taken off the list price.
3. **Adjustments** in ``step`` order, sequential on the running price (or all from the same base
   with ``stacking: additive``); one winner per exclusion group. ``net_only`` records skip them.
4. **Manual discount** given by the caller, then the **floor** check (flag or clamp).
5. **Rounding**, in one place (:func:`cpq.pricing.money.quantize`): the unit net to the price
   precision, the line net to the currency's minor unit; VAT per rate on the sum of line nets.
6. **Approvals** on the final figures.

Every step is recorded in the line's trace as a :class:`TraceStep` that names its source record,
its rule, and the value before and after; :func:`replay` recomputes a line net from its trace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeAlias

from cpq.bom import BomLine
from cpq.errors import (
    CurrencyMismatchError,
    MissingPriceError,
    PricingInputError,
    SourceLocation,
    UnknownCustomerError,
)
from cpq.pricing.book import (
    EMPTY_FILTER,
    Adjustment,
    ApprovalRule,
    Customer,
    CustomerGroup,
    Floor,
    Item,
    LineFilter,
    PriceBook,
    PriceRecord,
)
from cpq.pricing.money import HUNDRED, ONE, ZERO, RoundingMode, is_known_currency, quantize
from cpq.pricing.money import to_decimal as _to_decimal
from cpq.pricing.schema import Access
from cpq.pricing.tiers import counting_offset, discount_parts, reaches, schedule_amount

__all__ = [
    "Approval",
    "LineInput",
    "LineRequest",
    "PriceResult",
    "PricedLine",
    "SupportsBom",
    "TraceStep",
    "VatTotal",
    "price",
    "quote_approvals",
    "replay",
]

Basis: TypeAlias = Literal["unit", "line"]
Op: TypeAlias = Literal["set", "add", "multiply", "round", "raise_to", "note"]

_ACCESS_WORDS: dict[str, str] = {
    "contract_sku": "contract price for the SKU",
    "contract_filter": "contract price for a category or filter",
    "customer_list": "customer price list",
    "group_list": "customer-group price list",
    "list": "list price",
}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of a price trace.

    Attributes:
        step: what kind of step: ``base``, ``tier``, ``contract``, ``adjustment``, ``excluded``,
            ``manual``, ``floor``, ``round`` or ``extend`` (unit price -> line amount).
        rule: the step in words, e.g. ``"K-1001 discount: 5 % off"``.
        source: id of the record or rule that caused the step (``""`` for rounding).
        before: the value before the step (``None`` for the first step).
        after: the value after the step.
        basis: ``unit`` when the values are a price per price unit, ``line`` when they are the
            amount of the whole line.
        op: how ``after`` follows from ``before``: ``set`` (after = operand), ``add``
            (before + operand), ``multiply`` (before x operand / divisor), ``round`` (to
            ``operand`` decimal places), ``raise_to`` (max(before, operand)), ``note``
            (unchanged; an explanation such as a flagged floor or an excluded adjustment).
        operand: the number the step used.
        divisor: for ``multiply``: divide by this after multiplying (exact arithmetic).
        location: where the source record is written, for an auditor to look it up.
    """

    step: str
    rule: str
    source: str
    before: Decimal | None
    after: Decimal
    basis: Basis
    op: Op
    operand: Decimal | None = None
    divisor: Decimal | None = None
    location: SourceLocation | None = None

    def recompute(self, before: Decimal | None, mode: RoundingMode = "half_up") -> Decimal:
        """Recompute ``after`` from ``before`` with this step's operation.

        Examples:
            >>> s = TraceStep("adjustment", "5 % off", "a", Decimal("90"), Decimal("85.50"),
            ...               "unit", "multiply", Decimal("0.95"))
            >>> s.recompute(Decimal("90"))
            Decimal('85.50')
        """
        if self.op == "set":
            if self.operand is None:
                raise ValueError("a set step needs an operand")
            return self.operand
        if before is None:
            raise ValueError(f"the {self.op} step '{self.rule}' has no value to work on")
        operand = self.operand if self.operand is not None else ZERO
        if self.op == "add":
            return before + operand
        if self.op == "multiply":
            value = before * operand
            return value / self.divisor if self.divisor is not None else value
        if self.op == "round":
            return quantize(before, int(operand), mode)
        if self.op == "raise_to":
            return max(before, operand)
        return before

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals as strings)."""
        return {
            "step": self.step,
            "rule": self.rule,
            "source": self.source,
            "before": _s(self.before),
            "after": str(self.after),
            "basis": self.basis,
            "op": self.op,
            "operand": _s(self.operand),
            "divisor": _s(self.divisor),
            "location": str(self.location) if self.location else None,
        }


def replay(trace: Sequence[TraceStep], mode: RoundingMode = "half_up") -> Decimal:
    """Recompute a line net from its trace, checking every step on the way.

    Args:
        trace: the steps of a :class:`PricedLine`.
        mode: the rounding mode of the price result (``result.rounding_mode``).

    Returns:
        The value after the last step (the line net of a complete trace).

    Raises:
        ValueError: when a step's ``after`` does not follow from its ``before`` and operation,
            or a step's ``before`` is not the previous step's ``after``.

    Examples:
        >>> from cpq.pricing import parse_price_book, price
        >>> from datetime import date
        >>> book = parse_price_book('''
        ... cpq_prices: "1"
        ... price_book: {id: demo, currency: EUR}
        ... vat: {default: s, categories: {s: {code: S, rate: 19}}}
        ... price_lists: {list: {kind: list, prices: {S-100: 100.00}}}
        ... adjustments: [{id: promo, kind: percent, percent: 10}]
        ... ''')
        >>> line = price([("S-100", 3)], book, on=date(2025, 1, 1)).lines[0]
        >>> replay(line.trace) == line.line_net == Decimal("270.00")
        True
    """
    value: Decimal | None = None
    for i, s in enumerate(trace):
        if i > 0 and s.before != value:
            raise ValueError(f"step {i + 1} '{s.rule}' starts at {s.before}, not at {value}")
        got = s.recompute(value, mode)
        if got != s.after:
            raise ValueError(f"step {i + 1} '{s.rule}' gives {got}, the trace says {s.after}")
        value = got
    if value is None:
        raise ValueError("an empty trace has no value")
    return value


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One priced line.

    Attributes:
        position: 1-based position in the input.
        sku: article number.
        label: text of the input line (or the item name).
        source: why the line is there (from the bill of materials).
        quantity: the line quantity (input quantity x the overall multiplier).
        currency: ISO code of all amounts of the line.
        price_unit: the unit net is per this many units (1 unless the record says so).
        unit_net: net price per price unit at the price precision; for tiered and discounted
            lines priced as a whole (``unit_net_is_average``) it is line net / quantity.
        unit_net_is_average: see ``unit_net``.
        line_net: the net amount of the line, rounded to the currency's minor unit.
        list_net: the same quantity at the list price, when the SKU has one (the reference for
            ``discount_percent``).
        discount_percent: how far ``line_net`` is below ``list_net``, in percent (2 places).
        price_source: the access that supplied the base price (e.g. ``contract_sku``).
        record: id of the record that supplied the base price.
        net_only: whether that record was a final net price (no automatic adjustments).
        manual_discount: the caller's manual discount in percent, if any.
        floor: the floor unit price that applied, if any.
        floor_violation: whether the price was below the floor (before clamping).
        vat_category: id of the VAT category; ``vat_code`` and ``vat_rate`` its code and rate.
        cost: the item's unit cost, when known.
        trace: every step from the base price to ``line_net``.
        list_unit_net: the list price per price unit, when the SKU has a per-unit list price
            (``None`` for tiered and block prices, which have no single unit price).
    """

    position: int
    sku: str
    label: str
    source: str
    quantity: Decimal
    currency: str
    price_unit: int
    unit_net: Decimal
    unit_net_is_average: bool
    line_net: Decimal
    list_net: Decimal | None
    discount_percent: Decimal
    price_source: str
    record: str
    net_only: bool
    manual_discount: Decimal | None
    floor: Decimal | None
    floor_violation: bool
    vat_category: str
    vat_code: str
    vat_rate: Decimal
    cost: Decimal | None
    trace: tuple[TraceStep, ...]
    list_unit_net: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals as strings)."""
        return {
            "position": self.position,
            "sku": self.sku,
            "label": self.label,
            "source": self.source,
            "quantity": str(self.quantity),
            "currency": self.currency,
            "price_unit": self.price_unit,
            "unit_net": str(self.unit_net),
            "unit_net_is_average": self.unit_net_is_average,
            "line_net": str(self.line_net),
            "list_net": _s(self.list_net),
            "discount_percent": str(self.discount_percent),
            "price_source": self.price_source,
            "record": self.record,
            "net_only": self.net_only,
            "manual_discount": _s(self.manual_discount),
            "floor": _s(self.floor),
            "floor_violation": self.floor_violation,
            "vat_category": self.vat_category,
            "vat_code": self.vat_code,
            "vat_rate": str(self.vat_rate),
            "list_unit_net": _s(self.list_unit_net),
            "trace": [s.to_dict() for s in self.trace],
        }


@dataclass(frozen=True, slots=True)
class VatTotal:
    """Net basis and VAT of one VAT category: VAT = round(sum of line nets x rate)."""

    category: str
    code: str
    rate: Decimal
    basis: Decimal
    vat: Decimal
    exemption_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "category": self.category,
            "code": self.code,
            "rate": str(self.rate),
            "basis": str(self.basis),
            "vat": str(self.vat),
            "exemption_reason": self.exemption_reason,
        }


@dataclass(frozen=True, slots=True)
class Approval:
    """An approval the priced quote needs: which rule, what level, for which line."""

    rule: str
    level: int
    message: str
    position: int | None = None
    value: Decimal | None = None
    location: SourceLocation | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "rule": self.rule,
            "level": self.level,
            "message": self.message,
            "position": self.position,
            "value": _s(self.value),
        }


@dataclass(frozen=True, slots=True)
class PriceResult:
    """The priced lines with totals per VAT rate, net, VAT, gross and required approvals."""

    book: str
    currency: str
    customer: str | None
    on: date
    quantity: Decimal
    lines: tuple[PricedLine, ...]
    vat_totals: tuple[VatTotal, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal
    approvals: tuple[Approval, ...]
    stacking: str
    rounding_mode: RoundingMode
    minor_units: int

    @property
    def approval_level(self) -> int:
        """The highest approval level required (0: no approval needed)."""
        return max((a.level for a in self.approvals), default=0)

    @property
    def needs_approval(self) -> bool:
        """Whether any approval rule fired."""
        return bool(self.approvals)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals as strings, so no amount passes through float)."""
        return {
            "book": self.book,
            "currency": self.currency,
            "customer": self.customer,
            "date": self.on.isoformat(),
            "quantity": str(self.quantity),
            "stacking": self.stacking,
            "rounding_mode": self.rounding_mode,
            "lines": [line.to_dict() for line in self.lines],
            "vat_totals": [v.to_dict() for v in self.vat_totals],
            "net": str(self.net),
            "vat": str(self.vat),
            "gross": str(self.gross),
            "approval_level": self.approval_level,
            "approvals": [a.to_dict() for a in self.approvals],
        }


@dataclass(frozen=True, slots=True)
class LineRequest:
    """A line to price, when more than SKU and quantity is needed.

    Attributes:
        sku: article number.
        quantity: how many (``Decimal``, ``int`` or a numeric string; never ``float``).
        label: text for the line.
        source: why the line is there.
        manual_discount: a manual discount in percent, given after the automatic adjustments.
    """

    sku: str
    quantity: Decimal | int | str
    label: str = ""
    source: str = ""
    manual_discount: Decimal | int | str | None = None


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Req:
    sku: str
    quantity: Decimal
    label: str
    source: str
    manual: Decimal | None


@dataclass(frozen=True, slots=True)
class _Running:
    value: Decimal
    basis: Basis
    price_unit: int


@dataclass
class _Base:
    running: _Running
    steps: list[TraceStep]
    record: PriceRecord
    access: str
    net_only: bool


class _LinePriceMissing(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Ctx:
    book: PriceBook
    on: date
    currency: str
    chain: tuple[Customer, ...]
    group: CustomerGroup | None
    customer_ids: frozenset[str]
    mode: RoundingMode
    minor: int
    tier_qty: Mapping[str, Decimal] = field(default_factory=dict)
    adj_general: tuple[Adjustment, ...] = ()
    adj_by_sku: Mapping[str, tuple[Adjustment, ...]] = field(default_factory=dict)
    adj_by_category: Mapping[str, tuple[Adjustment, ...]] = field(default_factory=dict)

    def index_adjustments(self) -> None:
        """Keep the adjustments valid for this call (date, customer, group, currency) and
        index them by SKU and category, so a line looks at its own few candidates only."""
        general: list[Adjustment] = []
        by_sku: dict[str, list[Adjustment]] = defaultdict(list)
        by_cat: dict[str, list[Adjustment]] = defaultdict(list)
        for a in self.book.adjustments:
            f = a.filter
            if not a.valid_on(self.on):
                continue
            if f.customers is not None and not (f.customers & self.customer_ids):
                continue
            if f.groups is not None and (self.group is None or self.group.id not in f.groups):
                continue
            if f.currencies is not None and self.currency not in f.currencies:
                continue
            if f.skus is not None:
                for sku in f.skus:
                    by_sku[sku].append(a)
            elif f.categories is not None:
                for cat in f.categories:
                    by_cat[cat].append(a)
            else:
                general.append(a)
        self.adj_general = tuple(general)
        self.adj_by_sku = {k: tuple(v) for k, v in by_sku.items()}
        self.adj_by_category = {k: tuple(v) for k, v in by_cat.items()}

    def adjustments_for(self, sku: str, item: Item | None) -> list[Adjustment]:
        """The call's adjustments that may apply to ``sku``, in step order."""
        found = list(self.adj_general)
        extra = self.adj_by_sku.get(sku, ())
        if item is not None and item.category is not None:
            extra = (*extra, *self.adj_by_category.get(item.category, ()))
        if extra:
            found.extend(extra)
            found.sort(key=lambda a: (a.step, a.order))
        return found


def _qty(value: object, what: str) -> Decimal:
    try:
        out = _to_decimal(value, what)
    except (TypeError, ValueError) as exc:
        raise PricingInputError(str(exc)) from None
    if out < 0:
        raise PricingInputError(f"the {what} cannot be negative; found {out}")
    return out


def _requests(items: object) -> list[_Req]:
    bom = getattr(items, "bom", None)
    if bom is None:
        bom = getattr(items, "bom_lines", None)
    if bom is not None:
        items = bom() if callable(bom) else bom
    if not isinstance(items, Iterable) or isinstance(items, str | bytes):
        raise PricingInputError(
            "price() needs BOM lines, LineRequests or (sku, quantity) pairs, "
            f"not {type(items).__name__}"
        )
    out: list[_Req] = []
    for i, item in enumerate(items):
        if isinstance(item, BomLine):
            out.append(
                _Req(item.sku, _qty(item.quantity, "quantity"), item.label, item.source, None)
            )
        elif isinstance(item, LineRequest):
            manual = None
            if item.manual_discount is not None:
                manual = _qty(item.manual_discount, "manual discount")
                if manual > HUNDRED:
                    raise PricingInputError(f"a discount cannot exceed 100 %; found {manual}")
            out.append(
                _Req(item.sku, _qty(item.quantity, "quantity"), item.label, item.source, manual)
            )
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            out.append(_Req(item[0], _qty(item[1], "quantity"), "", "", None))
        else:
            raise PricingInputError(
                f"line {i + 1}: expected a BomLine, a LineRequest or a (sku, quantity) pair, "
                f"not {item!r}"
            )
    return out


def _customer_chain(book: PriceBook, customer: str | None) -> tuple[Customer, ...]:
    if customer is None:
        return ()
    found = book.customers.get(customer)
    if found is None:
        from cpq.errors import did_you_mean

        hint = did_you_mean(customer, book.customers)
        raise UnknownCustomerError(
            f"the price book '{book.id}' has no customer '{customer}'"
            + (f" ({hint})" if hint else "")
        )
    chain = [found]
    cur = found
    while cur.inherit_from_parent and cur.parent is not None and cur.parent in book.customers:
        cur = book.customers[cur.parent]
        if cur in chain:  # pragma: no cover - cycles are rejected when loading
            break
        chain.append(cur)
    return tuple(chain)


LineInput: TypeAlias = BomLine | LineRequest | tuple[str, Decimal | int | str]
"""One line to price: a BOM line, a LineRequest or a (sku, quantity) pair."""


class SupportsBom(Protocol):
    """A configuration: anything with a ``bom()`` method giving its bill-of-materials lines
    (an object with a ``bom`` or ``bom_lines`` attribute holding the lines works too)."""

    def bom(self) -> Iterable[BomLine]:
        """The bill-of-materials lines."""
        ...


def price(
    items: Iterable[LineInput] | SupportsBom,
    book: PriceBook,
    *,
    on: date,
    customer: str | None = None,
    quantity: Decimal | int | str = 1,
    currency: str | None = None,
) -> PriceResult:
    """Price bill-of-materials lines (or a configuration) for a customer on a date.

    Args:
        items: ``BomLine`` objects, :class:`LineRequest` objects or ``(sku, quantity)`` pairs;
            or a configuration, i.e. any object with a ``bom`` (or ``bom_lines``) attribute or
            method giving such lines.
        book: the price book (:func:`cpq.pricing.load_price_book`).
        on: the pricing date; validity of lists, contracts and adjustments is checked on it.
        customer: customer id from the book's ``customers``; ``None`` prices for everyone.
        quantity: how many configured units: every line quantity is multiplied by it.
        currency: quote currency; default the book currency.

    Returns:
        The priced lines, each with its trace, totals per VAT rate, net, VAT, gross and the
        approvals the quote needs.

    Raises:
        MissingPriceError: some SKU has no valid price (the message lists all of them).
        CurrencyMismatchError: a customer's price, an amount adjustment, floor or threshold is
            in another currency than the quote.
        UnknownCustomerError: the book does not know ``customer``.
        PricingInputError: a float or negative quantity, an unknown currency, a manual discount
            above the book's limit.

    Examples:
        >>> from datetime import date
        >>> from cpq.pricing import parse_price_book
        >>> book = parse_price_book('''
        ... cpq_prices: "1"
        ... price_book: {id: demo, currency: EUR}
        ... vat: {default: standard, categories: {standard: {code: S, rate: 19}}}
        ... price_lists:
        ...   list: {kind: list, prices: {S-100: 100.00, S-200: "2.50"}}
        ... ''')
        >>> result = price([("S-100", 2), ("S-200", 3)], book, on=date(2025, 4, 15))
        >>> [str(line.line_net) for line in result.lines]
        ['200.00', '7.50']
        >>> str(result.net), str(result.vat), str(result.gross)
        ('207.50', '39.43', '246.93')
    """
    if not isinstance(on, date):
        raise PricingInputError(f"the pricing date must be a date, not {type(on).__name__}")
    cur = currency or book.currency
    if cur not in book.currencies and not is_known_currency(cur):
        raise PricingInputError(f"'{cur}' is not a currency code")
    multiplier = _qty(quantity, "quantity multiplier")
    reqs = [
        _Req(r.sku, r.quantity * multiplier, r.label, r.source, r.manual) for r in _requests(items)
    ]
    ctx = _context(book, on, customer, cur)
    ctx.index_adjustments()
    if book.settings.tier_quantity == "sku":
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in reqs:
            totals[r.sku] += r.quantity
        ctx.tier_qty = dict(totals)
    lines: list[PricedLine] = []
    missing: list[str] = []
    for pos, req in enumerate(reqs, start=1):
        try:
            lines.append(_price_line(ctx, pos, req))
        except _LinePriceMissing as exc:
            missing.append(f"line {pos} '{req.sku}': {exc.reason}")
    if missing:
        who = f"customer '{customer}'" if customer else "no customer"
        raise MissingPriceError(
            f"{len(missing)} line(s) have no price ({who}, {on.isoformat()}, {cur}):\n  "
            + "\n  ".join(missing)
        )
    return _finish(ctx, customer, multiplier, lines)


def _context(book: PriceBook, on: date, customer: str | None, currency: str) -> _Ctx:
    chain = _customer_chain(book, customer)
    group_id = next((c.group for c in chain if c.group is not None), None)
    return _Ctx(
        book=book,
        on=on,
        currency=currency,
        chain=chain,
        group=book.customer_groups.get(group_id) if group_id else None,
        customer_ids=frozenset(c.id for c in chain),
        mode=book.settings.rounding_mode,
        minor=book.minor_units(currency),
    )


QUOTE_METRICS = frozenset({"quote_discount_percent", "net_total"})
"""Approval metrics that are about the whole quote rather than one line."""


def quote_approvals(
    book: PriceBook,
    lines: Sequence[PricedLine],
    *,
    on: date,
    customer: str | None = None,
    currency: str | None = None,
    header_discount: Decimal = ZERO,
    header_charge: Decimal = ZERO,
) -> tuple[Approval, ...]:
    """The approvals a whole quote needs by its quote-level rules (``net_total``,
    ``quote_discount_percent``), over the lines of several ``price()`` calls and the quote's
    header discounts and charges.

    Rules without a line filter see the whole quote: the net total is the lines' net minus the
    header discounts plus the header charges; the discount is measured against the list prices
    and includes the header discounts (not the charges). Rules with a filter see their lines.
    Line-level rules (discount, margin, floor per line) are already in each ``PriceResult``.

    Example:
        >>> from cpq.pricing import parse_price_book
        >>> book = parse_price_book('''
        ... cpq_prices: "1"
        ... price_book: {id: demo, currency: EUR}
        ... vat: {default: standard, categories: {standard: {code: S, rate: 19}}}
        ... price_lists: {list: {kind: list, prices: {S-100: 100.00}}}
        ... approvals: [{id: big, metric: net_total, above: 500, level: 2, message: Large order}]
        ... ''')
        >>> day = date(2026, 1, 5)
        >>> a, b = price([("S-100", 3)], book, on=day), price([("S-100", 3)], book, on=day)
        >>> a.approvals, [x.rule for x in quote_approvals(book, a.lines + b.lines, on=day)]
        ((), ['big'])
    """
    ctx = _context(book, on, customer, currency or book.currency)
    return _approvals(
        ctx, list(lines), ZERO, metrics=QUOTE_METRICS, header=(header_discount, header_charge)
    )


# -- base price -------------------------------------------------------------------------------


def _pick(cands: list[tuple[tuple[Any, ...], PriceRecord]]) -> PriceRecord | None:
    if not cands:
        return None
    return min(cands, key=lambda c: c[0])[1]


class _Finder:
    """Finds the first valid record of one access for one line."""

    def __init__(self, ctx: _Ctx, sku: str, item: Item | None, tq: Decimal) -> None:
        self.ctx = ctx
        self.sku = sku
        self.item = item
        self.tq = tq
        self.foreign: dict[str, set[str]] = defaultdict(set)

    def usable(self, rec: PriceRecord, access: str) -> bool:
        if not rec.valid_on(self.ctx.on) or rec.min_qty > self.tq:
            return False
        if rec.currency != self.ctx.currency:
            self.foreign[access].add(rec.currency)
            return False
        return True

    def find(self, access: Access) -> PriceRecord | None:
        found = self._find(access)
        if found is None and self.foreign.get(access) and access != "list":
            raise CurrencyMismatchError(
                f"'{self.sku}' has a {_ACCESS_WORDS[access]} in "
                f"{', '.join(sorted(self.foreign[access]))} only, but the quote is in "
                f"{self.ctx.currency}"
            )
        return found

    def _find(self, access: Access) -> PriceRecord | None:
        book = self.ctx.book
        if access in ("contract_sku", "contract_filter"):
            for cust in self.ctx.chain:
                cands: list[tuple[tuple[Any, ...], PriceRecord]] = []
                for contract in book.contracts_by_customer.get(cust.id, ()):
                    if access == "contract_sku":
                        recs: Iterable[PriceRecord] = contract.by_sku.get(self.sku, ())
                    else:
                        by_cat = (
                            contract.by_category.get(self.item.category, ())
                            if self.item is not None and self.item.category is not None
                            else ()
                        )
                        recs = (
                            *by_cat,
                            *(
                                r
                                for r in contract.filtered
                                if r.filter is not None
                                and r.filter.matches_item(self.sku, self.item)
                            ),
                        )
                    for r in recs:
                        if self.usable(r, access):
                            key = (-r.specificity, -r.min_qty, -r.priority, r.owner, r.id)
                            cands.append((key, r))
                if cands:
                    return _pick(cands)
            return None
        if access in ("customer_list", "group_list"):
            owners: list[tuple[str, ...]] = []
            if access == "customer_list":
                owners = [c.price_lists for c in self.ctx.chain]
            elif self.ctx.group is not None:
                owners = [self.ctx.group.price_lists]
            for refs in owners:
                cands = []
                for rank, lid in enumerate(refs):
                    pl = book.price_lists.get(lid)
                    if pl is None:  # pragma: no cover - rejected when loading
                        continue
                    for r in pl.by_sku.get(self.sku, ()):
                        if self.usable(r, access):
                            cands.append(((-r.min_qty, rank, r.id), r))
                if cands:
                    return _pick(cands)
            return None
        cands = [
            ((-r.min_qty, -r.priority, r.owner, r.id), r)
            for r in book.list_index.get(self.sku, ())
            if self.usable(r, access)
        ]
        return _pick(cands)


def _fmt_q(q: Decimal) -> str:
    return format(q.normalize(), "f") if q == q.to_integral_value() else str(q)


def _record_words(rec: PriceRecord, access: str) -> str:
    if rec.kind == "contract":
        scope = (
            f"'{rec.sku}'"
            if rec.sku
            else (f"category '{rec.category}'" if rec.category else "a filter")
        )
        return f"contract {rec.owner} for {scope}"
    return f"{_ACCESS_WORDS[access]} '{rec.owner}'"


def _evaluate(ctx: _Ctx, finder: _Finder, rec: PriceRecord, access: str, q: Decimal) -> _Base:
    tq = finder.tq
    steps: list[TraceStep] = []
    words = _record_words(rec, access)
    if rec.price is not None:
        per = f" per {rec.price_unit}" if rec.price_unit != 1 else ""
        steps.append(
            TraceStep(
                "base",
                f"{words}: {rec.price}{per}",
                rec.id,
                None,
                rec.price,
                "unit",
                "set",
                rec.price,
                None,
                rec.location,
            )
        )
        return _Base(_Running(rec.price, "unit", rec.price_unit), steps, rec, access, rec.net_only)
    if rec.schedule is not None:
        sched = rec.schedule
        res = schedule_amount(sched, tq)
        if res is None:
            first = sched.tiers[0] if sched.tiers else None
            if first is not None and not reaches(first.min_qty, tq, counting_offset(sched.tiers)):
                why = f"the tier schedule '{sched.id}' starts at {_fmt_q(first.min_qty)}"
            else:
                why = f"the tier schedule '{sched.id}' ends at {sched.closed_at} and has no overage"
            raise _LinePriceMissing(f"{why}; quantity {_fmt_q(tq)} has no price ({words})")
        label = f"{words}: tier schedule '{sched.id}' ({sched.mode}), {res.label}"
        if res.basis == "unit":
            steps.append(
                TraceStep(
                    "base",
                    label,
                    rec.id,
                    None,
                    res.value,
                    "unit",
                    "set",
                    res.value,
                    None,
                    res.location or rec.location,
                )
            )
            return _Base(_Running(res.value, "unit", 1), steps, rec, access, rec.net_only)
        if res.parts:
            steps.append(
                TraceStep(
                    "base", label, rec.id, None, ZERO, "line", "set", ZERO, None, rec.location
                )
            )
            value = ZERO
            for part in res.parts:
                new = value + part.amount
                steps.append(
                    TraceStep(
                        "tier",
                        part.label,
                        sched.id,
                        value,
                        new,
                        "line",
                        "add",
                        part.amount,
                        None,
                        part.location,
                    )
                )
                value = new
        else:
            value = res.value
            steps.append(
                TraceStep(
                    "base",
                    label,
                    rec.id,
                    None,
                    value,
                    "line",
                    "set",
                    value,
                    None,
                    res.location or rec.location,
                )
            )
        if tq != q:
            new = value * q / tq
            steps.append(
                TraceStep(
                    "tier",
                    f"share of this line: {_fmt_q(q)} of {_fmt_q(tq)} units of '{finder.sku}'",
                    sched.id,
                    value,
                    new,
                    "line",
                    "multiply",
                    q,
                    tq,
                    None,
                )
            )
            value = new
        return _Base(_Running(value, "line", 1), steps, rec, access, rec.net_only)
    # A contract discount off the list price.
    pct = rec.discount_percent if rec.discount_percent is not None else ZERO
    list_rec = finder.find("list")
    if list_rec is None:
        raise _LinePriceMissing(
            f"{words} gives {pct} % off the list price, but there is no valid list price"
        )
    base = _evaluate(ctx, finder, list_rec, "list", q)
    run = base.running
    factor = ONE - pct / HUNDRED
    after = run.value * factor
    base.steps.append(
        TraceStep(
            "contract",
            f"{words}: {pct} % off list",
            rec.id,
            run.value,
            after,
            run.basis,
            "multiply",
            factor,
            None,
            rec.location,
        )
    )
    return _Base(_Running(after, run.basis, run.price_unit), base.steps, rec, access, rec.net_only)


def _line_amount(run: _Running, q: Decimal) -> Decimal:
    if run.basis == "line":
        return run.value
    return run.value * q / run.price_unit


def _base_price(ctx: _Ctx, finder: _Finder, q: Decimal) -> _Base:
    settings = ctx.book.settings
    group_done = False
    for access in settings.access_order:
        if access in settings.best_price:
            if group_done:
                continue
            group_done = True
            options: list[tuple[Decimal, int, _Base]] = []
            for rank, member in enumerate(settings.access_order):
                if member not in settings.best_price:
                    continue
                rec = finder.find(member)
                if rec is None:
                    continue
                try:
                    b = _evaluate(ctx, finder, rec, member, q)
                except _LinePriceMissing:
                    continue  # e.g. a tier schedule without a rate for this quantity
                options.append((_line_amount(b.running, q), rank, b))
            if options:
                amount, _, best = min(options, key=lambda o: (o[0], o[1]))
                others = [o for o in options if o[2] is not best]
                if others:
                    losing = "; ".join(
                        f"{_record_words(o[2].record, o[2].access)} would give {o[0]}"
                        for o in others
                    )
                    best.steps.append(
                        TraceStep(
                            "base",
                            f"best price of {', '.join(sorted(settings.best_price))}: "
                            f"{amount} is lowest ({losing})",
                            best.record.id,
                            best.running.value,
                            best.running.value,
                            best.running.basis,
                            "note",
                        )
                    )
                return best
            continue
        rec = finder.find(access)
        if rec is not None:
            return _evaluate(ctx, finder, rec, access, q)
    if finder.foreign:
        found = sorted({c for cs in finder.foreign.values() for c in cs})
        raise CurrencyMismatchError(
            f"'{finder.sku}' has prices in {', '.join(found)} only, but the quote is in "
            f"{ctx.currency}"
        )
    searched = ", ".join(settings.access_order)
    raise _LinePriceMissing(f"no valid price record (searched {searched})")


# -- adjustments ---------------------------------------------------------------------------


def _matches(
    f: LineFilter, ctx: _Ctx, sku: str, item: Item | None, access: str | None, tq: Decimal
) -> bool:
    if f is EMPTY_FILTER:
        return True
    if not f.matches_item(sku, item):
        return False
    if f.customers is not None and not (f.customers & ctx.customer_ids):
        return False
    if f.groups is not None and (ctx.group is None or ctx.group.id not in f.groups):
        return False
    if f.sources is not None and access not in f.sources:
        return False
    if f.currencies is not None and ctx.currency not in f.currencies:
        return False
    return not (f.min_qty is not None and tq < f.min_qty)


def _to_line(run: _Running, q: Decimal, steps: list[TraceStep], why: str) -> _Running:
    if run.basis == "line":
        return run
    value = run.value * q / run.price_unit
    steps.append(
        TraceStep(
            "extend",
            f"{_fmt_q(q)} units at {run.value}"
            + (f" per {run.price_unit}" if run.price_unit != 1 else "")
            + f" ({why})",
            "",
            run.value,
            value,
            "line",
            "multiply",
            q,
            Decimal(run.price_unit) if run.price_unit != 1 else None,
        )
    )
    return _Running(value, "line", 1)


def _apply(
    ctx: _Ctx,
    adj: Adjustment,
    run: _Running,
    start: _Running,
    q: Decimal,
    tq: Decimal,
) -> tuple[_Running, _Running, list[TraceStep]]:
    """Apply one adjustment; returns the new running value, the (maybe extended) additive base
    and the steps."""
    steps: list[TraceStep] = []
    additive = ctx.book.settings.stacking == "additive"
    label = adj.label
    loc = adj.location
    if adj.kind in ("amount", "surcharge") and adj.amount is not None:
        if adj.currency != ctx.currency:
            raise CurrencyMismatchError(
                f"the adjustment '{adj.id}' is an amount in {adj.currency}, but the quote is in "
                f"{ctx.currency}; limit it with applies_to: {{currencies: [{adj.currency}]}}"
            )
        per = adj.amount * run.price_unit if run.basis == "unit" else adj.amount * q
        delta = per if adj.kind == "surcharge" else -per
        verb = "surcharge" if adj.kind == "surcharge" else "off"
        after = run.value + delta
        steps.append(
            TraceStep(
                "adjustment",
                f"{label}: {adj.amount} per unit {verb}",
                adj.id,
                run.value,
                after,
                run.basis,
                "add",
                delta,
                None,
                loc,
            )
        )
        return _Running(after, run.basis, run.price_unit), start, steps
    parts: tuple[tuple[Decimal, Decimal], ...]
    if adj.kind == "schedule" and adj.schedule is not None:
        sched = adj.schedule
        found = discount_parts(sched, tq)
        if not found:  # no tier for this quantity: no discount, no step
            return run, start, steps
        parts = tuple((p.quantity, p.percent) for p in found)
        if len(parts) == 1:
            pct = parts[0][1]
            words = f"{label}: {sched.mode} discount {pct} % ({_fmt_q(tq)} units)"
            return _percent(run, start, -pct, words, adj.id, loc, additive, steps)
        # A slab over several tiers: the discount is per unit, so work on the line amount.
        run = _to_line(run, q, steps, f"slab discount '{sched.id}' works on the line amount")
        start = _to_line(start, q, [], "")
        weighted = sum((qty * pct for qty, pct in parts), ZERO)
        basis_value = start.value if additive else run.value
        delta = -(basis_value * weighted / HUNDRED) / tq
        spread = " + ".join(f"{_fmt_q(qty)} × {pct} %" for qty, pct in parts)
        after = run.value + delta
        steps.append(
            TraceStep(
                "adjustment",
                f"{label}: slab discount ({spread}) of {basis_value} for {_fmt_q(tq)} units",
                adj.id,
                run.value,
                after,
                "line",
                "add",
                delta,
                None,
                loc,
            )
        )
        return _Running(after, "line", 1), start, steps
    pct = adj.percent if adj.percent is not None else ZERO
    sign = ONE if adj.kind == "surcharge" else -ONE
    words = f"{label}: {pct} % " + ("surcharge" if adj.kind == "surcharge" else "off")
    return _percent(run, start, sign * pct, words, adj.id, loc, additive, steps)


def _percent(
    run: _Running,
    start: _Running,
    signed_pct: Decimal,
    words: str,
    source: str,
    loc: SourceLocation | None,
    additive: bool,
    steps: list[TraceStep],
) -> tuple[_Running, _Running, list[TraceStep]]:
    if additive:
        base = start.value if start.basis == run.basis else None
        if base is None:  # pragma: no cover - start is extended together with run
            base = run.value
        delta = base * signed_pct / HUNDRED
        after = run.value + delta
        steps.append(
            TraceStep(
                "adjustment",
                f"{words} of {base} (additive)",
                source,
                run.value,
                after,
                run.basis,
                "add",
                delta,
                None,
                loc,
            )
        )
    else:
        factor = ONE + signed_pct / HUNDRED
        after = run.value * factor
        steps.append(
            TraceStep(
                "adjustment",
                words,
                source,
                run.value,
                after,
                run.basis,
                "multiply",
                factor,
                None,
                loc,
            )
        )
    return _Running(after, run.basis, run.price_unit), start, steps


def _adjust(
    ctx: _Ctx,
    base: _Base,
    sku: str,
    item: Item | None,
    q: Decimal,
    tq: Decimal,
) -> tuple[_Running, list[TraceStep]]:
    run = base.running
    start = run
    steps: list[TraceStep] = []
    applicable = [
        a
        for a in ctx.adjustments_for(sku, item)
        if _matches(a.filter, ctx, sku, item, base.access, tq)
    ]
    done_groups: set[str] = set()
    for adj in applicable:
        group = adj.exclusion_group
        if group is None:
            run, start, new = _apply(ctx, adj, run, start, q, tq)
            steps.extend(new)
            continue
        if group in done_groups:
            continue
        done_groups.add(group)
        members = [m for m in applicable if m.exclusion_group == group]
        tried = [(m, *_apply(ctx, m, run, start, q, tq)) for m in members]
        effective = [t for t in tried if _line_amount(t[1], q) != _line_amount(run, q)]
        if not effective:
            continue
        win = min(effective, key=lambda t: (_line_amount(t[1], q), t[0].step, t[0].order))
        run, start = win[1], win[2]
        steps.extend(win[3])
        for m, r, _, _ in tried:
            if m is win[0]:
                continue
            steps.append(
                TraceStep(
                    "excluded",
                    f"{m.label}: not applied; '{win[0].label}' is better in exclusion group "
                    f"'{group}' ({_line_amount(r, q)} vs {_line_amount(run, q)} for the line)",
                    m.id,
                    run.value,
                    run.value,
                    run.basis,
                    "note",
                    None,
                    None,
                    m.location,
                )
            )
    if run.value < ZERO:
        steps.append(
            TraceStep(
                "adjustment",
                "a price cannot be negative: raised to 0",
                "",
                run.value,
                ZERO,
                run.basis,
                "raise_to",
                ZERO,
            )
        )
        run = _Running(ZERO, run.basis, run.price_unit)
    return run, steps


# -- floors --------------------------------------------------------------------------------


def _floor(
    ctx: _Ctx,
    run: _Running,
    sku: str,
    item: Item | None,
    access: str,
    q: Decimal,
    tq: Decimal,
    precision: int,
) -> tuple[_Running, list[TraceStep], Decimal | None, bool]:
    steps: list[TraceStep] = []
    best: tuple[Decimal, Floor] | None = None
    for f in ctx.book.floors:
        if not _matches(f.filter, ctx, sku, item, access, tq):
            continue
        if f.min_price is not None:
            if f.currency != ctx.currency:
                raise CurrencyMismatchError(
                    f"the floor '{f.id}' is in {f.currency}, but the quote is in {ctx.currency}"
                )
            level = f.min_price
        else:
            cost = item.cost if item is not None else None
            if cost is None:
                steps.append(
                    TraceStep(
                        "floor",
                        f"{f.label}: '{sku}' has no cost, so the margin floor is not checked",
                        f.id,
                        run.value,
                        run.value,
                        run.basis,
                        "note",
                        None,
                        None,
                        f.location,
                    )
                )
                continue
            if ctx.book.currency != ctx.currency:
                raise CurrencyMismatchError(
                    f"the floor '{f.id}' uses the cost of '{sku}' in {ctx.book.currency}, but "
                    f"the quote is in {ctx.currency}"
                )
            margin = f.min_margin_percent if f.min_margin_percent is not None else ZERO
            level = cost * (ONE + margin / HUNDRED)
        if best is None or level > best[0]:
            best = (level, f)
    if best is None:
        return run, steps, None, False
    level, f = best
    if run.basis == "unit":
        limit = level * run.price_unit
        below = run.value < limit
        clamp_to = quantize(limit, precision, "up")
    else:
        limit = level * q
        below = run.value < limit
        clamp_to = quantize(limit, ctx.minor, "up")
    if not below:
        return run, steps, level, False
    how = (
        f"minimum {f.min_price}"
        if f.min_price is not None
        else f"cost + {f.min_margin_percent} % = {level}"
    )
    if f.action == "clamp":
        steps.append(
            TraceStep(
                "floor",
                f"{f.label}: below the floor ({how}); raised to it",
                f.id,
                run.value,
                clamp_to,
                run.basis,
                "raise_to",
                clamp_to,
                None,
                f.location,
            )
        )
        return _Running(clamp_to, run.basis, run.price_unit), steps, level, True
    steps.append(
        TraceStep(
            "floor",
            f"{f.label}: below the floor ({how}); flagged for approval",
            f.id,
            run.value,
            run.value,
            run.basis,
            "note",
            limit,
            None,
            f.location,
        )
    )
    return run, steps, level, True


# -- one line ------------------------------------------------------------------------------


def _price_line(ctx: _Ctx, pos: int, req: _Req) -> PricedLine:
    book = ctx.book
    sku, q = req.sku, req.quantity
    item = book.items.get(sku)
    tq = ctx.tier_qty.get(sku, q) if ctx.tier_qty else q
    finder = _Finder(ctx, sku, item, tq)
    base = _base_price(ctx, finder, q)
    steps = list(base.steps)
    run = base.running
    if not base.net_only:
        run, adj_steps = _adjust(ctx, base, sku, item, q, tq)
        steps.extend(adj_steps)
    else:
        steps.append(
            TraceStep(
                "contract",
                "net price: no automatic adjustments",
                base.record.id,
                run.value,
                run.value,
                run.basis,
                "note",
                None,
                None,
                base.record.location,
            )
        )
    if req.manual is not None:
        limit = book.settings.max_manual_discount
        if limit is not None and req.manual > limit:
            raise PricingInputError(
                f"line {pos} '{sku}': a manual discount of {req.manual} % is above the book's "
                f"limit of {limit} %"
            )
        factor = ONE - req.manual / HUNDRED
        after = run.value * factor
        steps.append(
            TraceStep(
                "manual",
                f"manual discount {req.manual} %",
                "manual",
                run.value,
                after,
                run.basis,
                "multiply",
                factor,
            )
        )
        run = _Running(after, run.basis, run.price_unit)
    precision = base.record.price_precision
    run, floor_steps, floor, violated = _floor(ctx, run, sku, item, base.access, q, tq, precision)
    steps.extend(floor_steps)

    # Rounding: the one place (money.quantize).
    if run.basis == "unit":
        unit_net = quantize(run.value, precision, ctx.mode)
        steps.append(
            TraceStep(
                "round",
                f"unit net rounded to {precision} decimals ({ctx.mode})",
                "",
                run.value,
                unit_net,
                "unit",
                "round",
                Decimal(precision),
            )
        )
        exact = unit_net * q / run.price_unit
        steps.append(
            TraceStep(
                "extend",
                f"{_fmt_q(q)} units × {unit_net}"
                + (f" per {run.price_unit}" if run.price_unit != 1 else ""),
                "",
                unit_net,
                exact,
                "line",
                "multiply",
                q,
                Decimal(run.price_unit) if run.price_unit != 1 else None,
            )
        )
        line_net = quantize(exact, ctx.minor, ctx.mode)
        average = False
    else:
        exact = run.value
        line_net = quantize(exact, ctx.minor, ctx.mode)
        unit_net = quantize(line_net / q, precision, ctx.mode) if q else ZERO
        average = True
    steps.append(
        TraceStep(
            "round",
            f"line net rounded to {ctx.minor} decimals ({ctx.mode})",
            "",
            exact,
            line_net,
            "line",
            "round",
            Decimal(ctx.minor),
        )
    )

    list_net, list_unit = _list_net(ctx, finder, q, base)
    discount = ZERO
    if list_net is not None and list_net > ZERO:
        discount = quantize((list_net - line_net) / list_net * HUNDRED, 2, ctx.mode)
    vat_id = next((c.vat for c in ctx.chain[:1] if c.vat), None) or (
        item.vat if item is not None and item.vat else book.default_vat
    )
    vat = book.vat_categories[vat_id]
    return PricedLine(
        position=pos,
        sku=sku,
        label=req.label or (item.name if item is not None else sku),
        source=req.source,
        quantity=q,
        currency=ctx.currency,
        price_unit=run.price_unit,
        unit_net=unit_net,
        unit_net_is_average=average,
        line_net=line_net,
        list_net=list_net,
        discount_percent=discount,
        price_source=base.access,
        record=base.record.id,
        net_only=base.net_only,
        manual_discount=req.manual,
        floor=floor,
        floor_violation=violated,
        vat_category=vat.id,
        vat_code=vat.code,
        vat_rate=vat.rate,
        cost=item.cost if item is not None else None,
        list_unit_net=list_unit,
        trace=tuple(steps),
    )


def _list_net(
    ctx: _Ctx, finder: _Finder, q: Decimal, base: _Base
) -> tuple[Decimal | None, Decimal | None]:
    """The line at the list price (the reference for discount percentages), and the list
    price per price unit when the list prices per unit (not for tiered or block lines)."""
    if base.access == "list":
        running = base.running
    else:
        rec = finder.find("list")
        if rec is None:
            return None, None
        try:
            running = _evaluate(ctx, finder, rec, "list", q).running
        except _LinePriceMissing:
            return None, None
    unit = running.value if running.basis == "unit" else None
    return quantize(_line_amount(running, q), ctx.minor, ctx.mode), unit


# -- totals and approvals --------------------------------------------------------------------


def _finish(
    ctx: _Ctx, customer: str | None, multiplier: Decimal, lines: list[PricedLine]
) -> PriceResult:
    book = ctx.book
    bases: dict[str, Decimal] = {}
    for line in lines:
        bases[line.vat_category] = bases.get(line.vat_category, ZERO) + line.line_net
    order = list(book.vat_categories)
    totals: list[VatTotal] = []
    for cid in sorted(bases, key=order.index):
        cat = book.vat_categories[cid]
        basis = bases[cid]
        vat = quantize(basis * cat.rate / HUNDRED, ctx.minor, ctx.mode)
        totals.append(VatTotal(cid, cat.code, cat.rate, basis, vat, cat.exemption_reason))
    net = sum((line.line_net for line in lines), ZERO)
    vat_sum = sum((t.vat for t in totals), ZERO)
    approvals = _approvals(ctx, lines, net)
    return PriceResult(
        book=book.id,
        currency=ctx.currency,
        customer=customer,
        on=ctx.on,
        quantity=multiplier,
        lines=tuple(lines),
        vat_totals=tuple(totals),
        net=quantize(net, ctx.minor, ctx.mode),
        vat=quantize(vat_sum, ctx.minor, ctx.mode),
        gross=quantize(net + vat_sum, ctx.minor, ctx.mode),
        approvals=approvals,
        stacking=book.settings.stacking,
        rounding_mode=ctx.mode,
        minor_units=ctx.minor,
    )


def _compare(rule: ApprovalRule, value: Decimal) -> bool:
    if rule.above is not None:
        return value > rule.above
    if rule.below is not None:
        return value < rule.below
    return False


def _approvals(
    ctx: _Ctx,
    lines: list[PricedLine],
    net: Decimal,
    *,
    metrics: frozenset[str] | None = None,
    header: tuple[Decimal, Decimal] = (ZERO, ZERO),
) -> tuple[Approval, ...]:
    book = ctx.book
    out: list[Approval] = []
    discount, charge = header
    for rule in book.approvals:
        if rule.filter.currencies is not None and ctx.currency not in rule.filter.currencies:
            continue
        if metrics is not None and rule.metric not in metrics:
            continue
        whole = rule.filter.is_empty
        chosen = [
            line
            for line in lines
            if _matches(
                rule.filter,
                ctx,
                line.sku,
                book.items.get(line.sku),
                line.price_source,
                ctx.tier_qty.get(line.sku, line.quantity) if ctx.tier_qty else line.quantity,
            )
        ]
        m = rule.metric
        if m in ("line_discount_percent", "manual_discount_percent", "line_margin_percent"):
            for line in chosen:
                value: Decimal | None
                if m == "line_discount_percent":
                    value = line.discount_percent if line.list_net is not None else None
                elif m == "manual_discount_percent":
                    value = line.manual_discount
                else:
                    value = _margin(ctx, line)
                if value is not None and _compare(rule, value):
                    out.append(
                        Approval(
                            rule.id,
                            rule.level,
                            f"line {line.position} '{line.sku}': {rule.message} ({value} %)",
                            line.position,
                            value,
                            rule.location,
                        )
                    )
        elif m == "floor_violation":
            for line in chosen:
                if line.floor_violation:
                    out.append(
                        Approval(
                            rule.id,
                            rule.level,
                            f"line {line.position} '{line.sku}': "
                            f"{rule.message} (floor {line.floor})",
                            line.position,
                            line.floor,
                            rule.location,
                        )
                    )
        elif m == "quote_discount_percent":
            ref = sum((line.list_net or line.line_net for line in chosen), ZERO)
            got = sum((line.line_net for line in chosen), ZERO) - (discount if whole else ZERO)
            if ref > ZERO:
                value = quantize((ref - got) / ref * HUNDRED, 2, ctx.mode)
                if _compare(rule, value):
                    out.append(
                        Approval(
                            rule.id,
                            rule.level,
                            f"{rule.message} ({value} %)",
                            None,
                            value,
                            rule.location,
                        )
                    )
        elif m == "net_total":
            if rule.currency != ctx.currency:
                raise CurrencyMismatchError(
                    f"the approval rule '{rule.id}' has a threshold in {rule.currency}, but the "
                    f"quote is in {ctx.currency}; limit it with applies_to: "
                    f"{{currencies: [{rule.currency}]}}"
                )
            total = sum((line.line_net for line in chosen), ZERO)
            if whole:
                total = total - discount + charge
            if _compare(rule, total):
                out.append(
                    Approval(
                        rule.id,
                        rule.level,
                        f"{rule.message} ({total} {ctx.currency})",
                        None,
                        total,
                        rule.location,
                    )
                )
    return tuple(out)


def _margin(ctx: _Ctx, line: PricedLine) -> Decimal | None:
    if line.cost is None or line.line_net <= ZERO:
        return None
    if ctx.book.currency != ctx.currency:
        raise CurrencyMismatchError(
            f"the margin of '{line.sku}' needs its cost in {ctx.book.currency}, but the quote "
            f"is in {ctx.currency}"
        )
    cost = line.cost * line.quantity
    return quantize((line.line_net - cost) / line.line_net * HUNDRED, 2, ctx.mode)
