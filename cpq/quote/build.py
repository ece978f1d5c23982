"""Build a :class:`~cpq.quote.model.Quote` from configurations, a price book and a profile.

The builder is the only place where quote amounts are computed; rendering only formats them.
The steps follow ``docs/quotes.md`` (and the design notes in ``pricing.md`` §6, steps 8-9):

1. Each configured product is priced with :func:`cpq.pricing.price` (its bill of materials
   times its quantity) and becomes a parent position ``n`` with one sub-position ``n.m`` per
   BOM line: ``item`` when it has a price, ``included`` when its price is 0.00. The parent's
   ``line_net`` is the sum of its sub-positions. Plain articles become single positions.
2. Optional and alternative positions are priced the same way but stay out of the totals.
3. Quote-level discounts and charges (profile, customer and call) apply to the net of the
   positions in the totals. A percentage is applied per VAT category (so each category's
   taxable amount is exact); a fixed amount goes to its VAT category, or is spread over the
   categories in proportion to their net, the last cent going to the largest category.
4. Per VAT category and rate: taxable amount = line nets - discounts + charges; VAT =
   round(taxable x rate / 100) with the price book's rounding mode, to the currency's minor
   unit. Net, VAT and gross are sums of those rounded figures.
5. The cash discount (Skonto) is computed on the gross total and printed, not deducted.
6. The earliest delivery date is the issue date plus the longest lead time (calendar days) of
   the quoted articles (the ruleset's ``lead_time_days``).

Example:
    >>> from datetime import date
    >>> import cpq
    >>> from cpq.quote import build_quote, load_quote_profile
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> cfg = cpq.Configurator(rs).select("medium", "sea_water").complete()
    >>> book = cpq.load_price_book("rulesets/pump/prices.yaml")
    >>> quote = build_quote(cfg, book, number="Q-2026-0001", customer="K-1001",
    ...                     on=date(2026, 3, 2), profile=load_quote_profile("rulesets/pump"))
    >>> quote.positions[0].kind, quote.positions[0].id, quote.positions[0].children[0].id
    ('product', '1', '1.1')
    >>> quote.totals.tax_inclusive == quote.totals.tax_exclusive + quote.totals.tax_total
    True
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from cpq.bom import BomLine, bill_of_materials
from cpq.configurator import Configuration
from cpq.errors import ConfigurationError, QuoteError
from cpq.pricing.book import PriceBook
from cpq.pricing.engine import QUOTE_METRICS, PricedLine, PriceResult, price, quote_approvals
from cpq.pricing.money import quantize
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
    PositionKind,
    Quote,
    Totals,
    VatBreakdown,
)
from cpq.quote.profile import (
    AddressSpec,
    ContactSpec,
    CustomerProfile,
    DeliveryTermsSpec,
    HeaderAdjustment,
    PartySpec,
    PaymentTermsSpec,
    QuoteProfile,
    pick_text,
)
from cpq.ruleset.model import Ruleset

__all__ = ["QuoteItem", "build_quote", "configuration_id", "file_digest", "ruleset_digest"]

ItemKind = Literal["normal", "optional", "alternative"]
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_MAX_QUANTITY = 10**9


@dataclass(frozen=True)
class QuoteItem:
    """One thing to quote: a configuration (of a ruleset) or a plain article by SKU.

    Attributes:
        what: a valid :class:`~cpq.configurator.Configuration` made by a ``Configurator``, or
            a SKU of the price book (a spare part, a service).
        quantity: how many (a configured product's BOM is multiplied by it).
        kind: ``normal`` (in the totals), ``optional`` or ``alternative`` (priced, not in the
            totals).
        name: the printed name; default the product's or the item's name.
        ruleset: the configuration's ruleset, when the configuration does not carry it.

    Example:
        >>> QuoteItem("CP-FLUID-53A-5L", 4).quantity
        4
    """

    what: Configuration | str
    quantity: int | Decimal = 1
    kind: ItemKind = "normal"
    name: str | None = None
    ruleset: Ruleset | None = None


def file_digest(paths: Iterable[str]) -> str:
    """sha256 over the names and contents of files (in the given order), as ``sha256:<hex>``.

    Only the file names count, not their folders, so the digest does not depend on where the
    files were loaded from.

    Example:
        >>> file_digest(["rulesets/pump/prices.yaml"]).startswith("sha256:")
        True
    """
    h = hashlib.sha256()
    for p in paths:
        try:
            data = Path(p).read_bytes()
        except OSError:
            data = b""
        h.update(Path(p).name.encode() + b"\0" + hashlib.sha256(data).digest())
    return "sha256:" + h.hexdigest()


def configuration_id(product: str, values: Mapping[str, Any]) -> str:
    """A short, stable id of a configuration: ``CFG-`` and 10 hex digits of a sha256 over the
    product id and the values (JSON, keys sorted).

    Example:
        >>> configuration_id("cp-pump", {"medium": "water", "flow_m3h": 120})
        'CFG-...'
    """
    text = json.dumps({"product": product, "values": values}, sort_keys=True, default=str)
    return "CFG-" + hashlib.sha256(text.encode()).hexdigest()[:10].upper()


def ruleset_digest(ruleset: Ruleset) -> str:
    """A digest of the files a ruleset was loaded from (changes when any of them changes)."""
    return file_digest(ruleset.files)


def build_quote(
    items: Configuration | QuoteItem | Sequence[Configuration | QuoteItem],
    book: PriceBook,
    *,
    number: str,
    customer: str | None = None,
    on: date | None = None,
    pricing_date: date | None = None,
    profile: QuoteProfile | None = None,
    language: str | None = None,
    valid_until: date | None = None,
    buyer: Party | None = None,
    seller: Party | None = None,
    buyer_reference: str | None = None,
    subject: str | None = None,
    adjustments: Sequence[HeaderAdjustment] = (),
    revision: int = 0,
    use_profile_adjustments: bool = True,
    payment_terms: PaymentTermsSpec | None = None,
    delivery_terms: DeliveryTermsSpec | None = None,
) -> Quote:
    """Price configurations and articles and assemble the quote.

    Args:
        items: one configuration, or a list of configurations and :class:`QuoteItem`.
        book: the price book.
        number: the quote number (BT-1), e.g. ``Q-2026-0001``.
        customer: the customer id of the price book (prices, contracts, VAT) and the profile
            (address, terms); ``None`` quotes list prices to an anonymous buyer.
        on: the issue date; default today.
        pricing_date: the date prices are valid on; default ``on``.
        profile: seller, terms, texts and customer addresses (:mod:`cpq.quote.profile`).
        language: locale of the quote's texts; default the customer's, else ``de_DE``.
        valid_until: end of the binding period; default ``on`` + the profile's validity days.
        buyer, seller: override the parties from the profile.
        buyer_reference: the buyer's enquiry (RFQ) reference.
        subject: the subject line; default the profile's.
        adjustments: extra quote-level discounts and charges, after the profile's.
        use_profile_adjustments: apply the profile's and the customer's discounts and charges
            (``False`` when ``adjustments`` already holds them, as when re-checking a quote).
        revision: 0 for a first issue, n for "Rev. n".
        payment_terms, delivery_terms: override the customer's and the profile's terms.

    Raises:
        QuoteError: an invalid configuration, an unknown VAT category in an adjustment, an
            empty quote, discounts larger than the net, amounts out of range.
        cpq.errors.PricingError: a price is missing, the customer is unknown, ...

    Example: see the module docs.
    """
    issue = on or date.today()
    pdate = pricing_date or issue
    entries = _entries(items)
    if not entries:
        raise QuoteError("a quote needs at least one position")
    cust_profile = _customer_profile(book, profile, customer)
    lang = language or (cust_profile.language if cust_profile else None) or "de_DE"
    minor = book.minor_units(book.currency)
    mode = book.settings.rounding_mode
    try:
        return _build(
            entries, book, number=number, customer=customer, issue=issue, pdate=pdate,
            profile=profile, cust_profile=cust_profile, lang=lang, minor=minor, mode=mode,
            valid_until=valid_until, buyer=buyer, seller=seller,
            buyer_reference=buyer_reference, subject=subject, adjustments=adjustments,
            revision=revision, use_profile_adjustments=use_profile_adjustments,
            payment_terms=payment_terms, delivery_terms=delivery_terms,
        )  # fmt: skip
    except (ArithmeticError, OverflowError) as exc:
        raise QuoteError(f"the quote's amounts or dates are out of range ({exc!r})") from None


def _build(
    entries: list[_Entry],
    book: PriceBook,
    *,
    number: str,
    customer: str | None,
    issue: date,
    pdate: date,
    profile: QuoteProfile | None,
    cust_profile: CustomerProfile | None,
    lang: str,
    minor: int,
    mode: Any,
    valid_until: date | None,
    buyer: Party | None,
    seller: Party | None,
    buyer_reference: str | None,
    subject: str | None,
    adjustments: Sequence[HeaderAdjustment],
    revision: int,
    use_profile_adjustments: bool,
    payment_terms: PaymentTermsSpec | None,
    delivery_terms: DeliveryTermsSpec | None,
) -> Quote:
    positions: list[Position] = []
    traces: list[ItemTrace] = []
    approvals: list[Approval] = []
    counted_lines: list[PricedLine] = []
    for n, entry in enumerate(entries, start=1):
        pos, trace, result = _price_entry(n, entry, book, customer, pdate)
        positions.append(pos)
        traces.append(trace)
        if entry.kind == "normal":
            counted_lines.extend(result.lines)
            approvals.extend(_line_approvals(book, result, n, trace.product is not None))

    # Quote-level figures over the leaf positions that count.
    basis: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: _ZERO)
    line_total = _ZERO
    optional_total = _ZERO
    alternative_total = _ZERO
    for top in positions:
        if top.kind == "optional":
            optional_total += top.line_net
        elif top.kind == "alternative":
            alternative_total += top.line_net
        if not top.in_total:
            continue
        for leaf in _leaves(top):
            key = (leaf.vat_category or "", leaf.vat_rate or _ZERO)
            basis[key] += leaf.line_net
            line_total += leaf.line_net
    cat_by_code = _category_ids(book)

    all_adjustments = [*adjustments]
    if use_profile_adjustments:
        all_adjustments[:0] = [
            *(profile.adjustments if profile else ()),
            *(cust_profile.adjustments if cust_profile else ()),
        ]
    allowances: list[AllowanceCharge] = []
    if counted_lines:  # no freight on a quote of optional positions only
        allowances = _header_adjustments(
            all_adjustments, basis, line_total, book, lang, minor, mode,
            _customer_vat(book, customer),
        )  # fmt: skip
    for ac in allowances:
        key = (ac.vat_category, ac.vat_rate)
        basis[key] = basis.get(key, _ZERO) + (ac.amount if ac.charge else -ac.amount)
    for (code, rate), amount in basis.items():
        if amount < 0:
            raise QuoteError(
                f"the quote-level discounts are larger than the net of VAT category {code} "
                f"{rate} % (it would be {amount}); lower the discount or leave it out"
            )

    breakdown: list[VatBreakdown] = []
    for (code, rate), amount in sorted(basis.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
        vat = quantize(amount * rate / _HUNDRED, minor, mode)
        reason = cat_by_code.get((code, rate))
        breakdown.append(
            VatBreakdown(
                category=code,
                rate=rate,
                taxable_amount=quantize(amount, minor, mode),
                tax_amount=vat,
                exemption_reason=reason.exemption_reason if reason else None,
            )
        )
    allowance_total = sum((a.amount for a in allowances if not a.charge), _ZERO)
    charge_total = sum((a.amount for a in allowances if a.charge), _ZERO)
    net = sum((b.taxable_amount for b in breakdown), _ZERO)
    tax = sum((b.tax_amount for b in breakdown), _ZERO)
    totals = Totals(
        line_net_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=net,
        tax_total=tax,
        tax_inclusive=net + tax,
        payable=net + tax,
        optional_total=optional_total,
        alternative_total=alternative_total,
    )
    for a in quote_approvals(
        book, counted_lines, on=pdate, customer=customer,
        header_discount=allowance_total, header_charge=charge_total,
    ):  # fmt: skip
        approvals.append(Approval(rule=a.rule, level=a.level, message=a.message))

    pay_spec = (
        payment_terms
        or (cust_profile.payment_terms if cust_profile else None)
        or (profile.payment_terms if profile else None)
    )
    delivery_spec = (
        delivery_terms
        or (cust_profile.delivery_terms if cust_profile else None)
        or (profile.delivery_terms if profile else None)
    )
    lead = max(
        (p.lead_time_days for p in _all(positions) if p.lead_time_days is not None and p.in_total),
        default=None,
    )
    return Quote(
        number=number,
        revision=revision,
        issue_date=issue,
        valid_until=valid_until or issue + timedelta(days=profile.validity_days if profile else 30),
        currency=book.currency,
        language=lang,
        seller=seller or _seller(profile),
        buyer=buyer or _buyer(book, customer, cust_profile),
        buyer_reference=buyer_reference,
        subject=subject or (pick_text(profile.subject, lang) if profile else None),
        intro=pick_text(profile.intro, lang) if profile else None,
        closing=pick_text(profile.closing, lang) if profile else None,
        positions=tuple(positions),
        allowances_charges=tuple(allowances),
        adjustments=tuple(all_adjustments),
        vat_breakdown=tuple(breakdown),
        totals=totals,
        payment_terms=_payment(pay_spec, totals.tax_inclusive, lang, minor, mode),
        delivery_terms=_delivery(delivery_spec, lead, issue, lang),
        terms=tuple(
            t for t in (pick_text(x, lang) for x in (profile.terms if profile else ())) if t
        ),
        approvals=tuple(approvals),
        price_book=book.id,
        price_book_digest=file_digest([book.file]),
        pricing_date=pdate,
        customer=customer,
        items=tuple(traces),
    )


def _line_approvals(
    book: PriceBook, result: PriceResult, n: int, configured: bool
) -> list[Approval]:
    """The line-level approvals of one priced position (quote-level ones are evaluated on the
    whole quote, see :func:`cpq.pricing.engine.quote_approvals`)."""
    metric = {r.id: r.metric for r in book.approvals}
    out = []
    for a in result.approvals:
        if metric.get(a.rule) in QUOTE_METRICS:
            continue
        where = f"{n}.{a.position}" if a.position is not None and configured else str(n)
        out.append(Approval(rule=a.rule, level=a.level, message=a.message, position=where))
    return out


def _customer_profile(
    book: PriceBook, profile: QuoteProfile | None, customer: str | None
) -> CustomerProfile | None:
    """The customer's profile entry, completed from its parents' (by the price book's
    ``parent`` chain): a site of a company inherits the company's terms and VAT id."""
    if profile is None or customer is None:
        return None
    chain: list[CustomerProfile] = []
    seen: set[str] = set()
    cid: str | None = customer
    while cid is not None and cid not in seen:
        seen.add(cid)
        if cid in profile.customers:
            chain.append(profile.customers[cid])
        known = book.customers.get(cid)
        cid = known.parent if known is not None else None
    if not chain:
        return None
    merged: dict[str, Any] = {}
    for name in CustomerProfile.model_fields:
        for entry in chain:
            value = getattr(entry, name)
            if value is not None and value != []:
                merged[name] = value
                break
    return CustomerProfile(**merged)


# ------------------------------------------------------------------------------------------
# positions


@dataclass(frozen=True)
class _Entry:
    configuration: Configuration | None
    ruleset: Ruleset | None
    sku: str | None
    quantity: Decimal
    kind: ItemKind
    name: str | None


def _entries(
    items: Configuration | QuoteItem | Sequence[Configuration | QuoteItem],
) -> list[_Entry]:
    seq: Sequence[Configuration | QuoteItem]
    seq = [items] if isinstance(items, Configuration | QuoteItem) else items
    out: list[_Entry] = []
    for item in seq:
        if isinstance(item, Configuration):
            item = QuoteItem(item)
        if not isinstance(item, QuoteItem):
            raise QuoteError(
                f"a quote is built from configurations and QuoteItems, not {type(item).__name__}"
            )
        qty = item.quantity
        if (
            isinstance(qty, float | bool)
            or not isinstance(qty, int | Decimal)
            or (isinstance(qty, Decimal) and not qty.is_finite())
            or not 0 < qty <= _MAX_QUANTITY
        ):
            raise QuoteError(
                f"a quoted quantity must be a positive int or Decimal up to {_MAX_QUANTITY:,}; "
                f"found {qty!r}"
            )
        if isinstance(item.what, Configuration):
            cfg = item.what
            rs = item.ruleset or cfg.ruleset
            if rs is None:
                raise QuoteError(
                    "this configuration does not know its ruleset: pass QuoteItem(cfg, ruleset=rs)"
                )
            if not cfg.is_valid:
                raise QuoteError(
                    f"only a valid configuration can be quoted; '{cfg.product_id}' is "
                    f"{cfg.status}"
                    + (f" (missing: {', '.join(cfg.missing)})" if cfg.missing else "")
                    + "".join(f"; {v.text}" for v in cfg.violations[:3])
                )
            out.append(_Entry(cfg, rs, None, Decimal(qty), item.kind, item.name))
        else:
            out.append(_Entry(None, None, item.what, Decimal(qty), item.kind, item.name))
    return out


def _kind(entry: _Entry, priced: bool) -> PositionKind:
    if entry.kind != "normal":
        return entry.kind
    return "item" if priced else "included"


def _line_position(
    pid: str,
    line: PricedLine,
    bom: BomLine | None,
    book: PriceBook,
    kind: PositionKind,
    in_total: bool,
) -> Position:
    item = book.items.get(line.sku)
    list_price = line.list_unit_net
    return Position(
        id=pid,
        kind=kind,
        sku=line.sku,
        name=(item.name if item else None) or line.label or line.sku,
        quantity=line.quantity,
        unit=(item.unit if item and item.unit else "C62"),
        unit_price=line.unit_net,
        price_unit=line.price_unit,
        list_price=list_price,
        discount_percent=line.discount_percent,
        line_net=line.line_net,
        vat_category=line.vat_code,
        vat_rate=line.vat_rate,
        in_total=in_total,
        source=line.source or None,
        lead_time_days=bom.lead_time_days if bom else None,
    )


def _price_entry(
    n: int, entry: _Entry, book: PriceBook, customer: str | None, on: date
) -> tuple[Position, ItemTrace, PriceResult]:
    in_total = entry.kind == "normal"
    if entry.configuration is None:
        assert entry.sku is not None
        result = price([(entry.sku, entry.quantity)], book, on=on, customer=customer)
        line = result.lines[0]
        pos = _line_position(str(n), line, None, book, _kind(entry, True), in_total)
        if entry.name:
            pos = pos.model_copy(update={"name": entry.name})
        trace = ItemTrace(
            position=str(n),
            name=entry.name,
            quantity=entry.quantity,
            kind="item" if entry.kind == "normal" else entry.kind,
            values={"sku": entry.sku},
            lines=tuple(line.to_dict() for line in result.lines),
        )
        return pos, trace, result

    cfg, rs = entry.configuration, entry.ruleset
    assert rs is not None
    try:
        bom = bill_of_materials(rs, cfg.values)
    except ConfigurationError as exc:  # pragma: no cover - valid configurations have a BOM
        raise QuoteError(str(exc)) from None
    result = price(bom, book, on=on, customer=customer, quantity=entry.quantity)
    children = [
        _line_position(
            f"{n}.{i}", line, bom[i - 1], book, _kind(entry, line.line_net != 0), in_total
        )
        for i, line in enumerate(result.lines, start=1)
    ]
    rolled = sum((c.line_net for c in children), _ZERO)
    unit_price = None
    if entry.quantity and (rolled / entry.quantity) == quantize(
        rolled / entry.quantity, book.settings.price_precision
    ):
        unit_price = quantize(rolled / entry.quantity, book.settings.price_precision)
    leads = [c.lead_time_days for c in children if c.lead_time_days is not None]
    parent = Position(
        id=str(n),
        kind="product" if entry.kind == "normal" else entry.kind,
        sku=None,
        name=entry.name or rs.product.name,
        description=rs.product.description,
        quantity=entry.quantity,
        unit="C62",
        unit_price=unit_price,
        line_net=rolled,
        vat_category=None,
        vat_rate=None,
        in_total=in_total,
        source=f"product:{rs.id}",
        lead_time_days=max(leads) if leads else None,
        features=_features(rs, cfg),
        children=tuple(children),
    )
    values = _json_values(cfg)
    trace = ItemTrace(
        position=str(n),
        product=rs.id,
        name=entry.name,
        ruleset_digest=ruleset_digest(rs),
        configuration_id=configuration_id(rs.id, values),
        choices={a: v for a, v in values.items() if cfg.provenance.get(a) == "user"},
        values=values,
        provenance={a: str(p) for a, p in cfg.provenance.items()},
        quantity=entry.quantity,
        kind="product" if entry.kind == "normal" else entry.kind,
        lines=tuple(line.to_dict() for line in result.lines),
    )
    return parent, trace, result


def _json_values(cfg: Configuration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in cfg.values.items():
        out[k] = sorted(v) if isinstance(v, frozenset | set) else v
    return out


def _features(rs: Ruleset, cfg: Configuration) -> tuple[Feature, ...]:
    out: list[Feature] = []
    for attr in rs.attributes.values():
        if attr.name not in cfg.values:
            continue
        v = cfg.values[attr.name]
        if attr.type == "bool":
            text = "✓" if v is True else "–"
        elif attr.type == "int":
            text = f"{v} {attr.unit}" if getattr(attr, "unit", None) else str(v)
        elif isinstance(v, frozenset | set):
            if not v:
                continue
            text = ", ".join(attr.values[x].label or x for x in attr.values if x in v)
        else:
            val = attr.values.get(str(v))
            text = val.label if val and val.label else str(v)
        out.append(Feature(name=attr.label or attr.name, value=text, attribute=attr.name))
    return tuple(out)


def _leaves(p: Position) -> Iterable[Position]:
    """The priced lines under ``p`` (a configured product without lines has none)."""
    if not p.children:
        if p.kind != "product" and p.vat_category is not None:
            yield p
        return
    for c in p.children:
        yield from _leaves(c)


def _all(positions: Iterable[Position]) -> Iterable[Position]:
    for p in positions:
        yield from p.walk()


# ------------------------------------------------------------------------------------------
# header adjustments, VAT


def _customer_vat(book: PriceBook, customer: str | None) -> str | None:
    """The VAT category the book sets for the customer (e.g. ``export``), as the lines get it."""
    known = book.customers.get(customer) if customer else None
    return known.vat if known is not None else None


def _category_ids(book: PriceBook) -> dict[tuple[str, Decimal], Any]:
    return {(c.code, c.rate): c for c in book.vat_categories.values()}


def _header_adjustments(
    specs: Sequence[HeaderAdjustment],
    basis: Mapping[tuple[str, Decimal], Decimal],
    line_total: Decimal,
    book: PriceBook,
    lang: str,
    minor: int,
    mode: Any,
    customer_vat: str | None = None,
) -> list[AllowanceCharge]:
    out: list[AllowanceCharge] = []
    cats = {k: v for k, v in basis.items() if v != 0}
    for spec in specs:
        if spec.below_net is not None and line_total >= spec.below_net:
            continue
        reason = pick_text(spec.reason, lang) or ""
        charge = spec.kind == "charge"
        if spec.vat is not None:
            vat = customer_vat or spec.vat
            vc = book.vat_categories.get(vat)
            if vc is None:
                raise QuoteError(
                    f"the quote adjustment '{reason}' names VAT category '{vat}', which the "
                    f"price book '{book.id}' does not have (it has: "
                    f"{', '.join(sorted(book.vat_categories))})"
                )
            key = (vc.code, vc.rate)
            # a percentage applies to the net of its category; a fixed amount is booked there
            targets = {key: cats.get(key, _ZERO if spec.percent is not None else line_total)}
        else:
            targets = dict(cats)
            if not targets:
                vc = book.vat_categories[book.default_vat]
                targets = {(vc.code, vc.rate): _ZERO}
        if spec.percent is not None:
            for (code, rate), base in sorted(targets.items(), key=lambda kv: -kv[0][1]):
                amount = quantize(base * spec.percent / _HUNDRED, minor, mode)
                if amount:
                    out.append(
                        AllowanceCharge(
                            charge=charge,
                            reason=reason,
                            percent=spec.percent,
                            base_amount=base,
                            amount=amount,
                            vat_category=code,
                            vat_rate=rate,
                        )
                    )
            continue
        assert spec.amount is not None
        total = quantize(spec.amount, minor, mode)
        for (code, rate), amount in _spread(total, targets, minor, mode):
            if amount:
                out.append(
                    AllowanceCharge(
                        charge=charge,
                        reason=reason,
                        amount=amount,
                        vat_category=code,
                        vat_rate=rate,
                    )
                )
    return out


def _spread(
    total: Decimal, targets: Mapping[tuple[str, Decimal], Decimal], minor: int, mode: Any
) -> list[tuple[tuple[str, Decimal], Decimal]]:
    """Split ``total`` over the categories in proportion to their net; the rounding remainder
    goes to the largest category, so the parts add up exactly."""
    keys = sorted(targets, key=lambda k: (-targets[k], -k[1], k[0]))
    if len(keys) == 1:
        return [(keys[0], total)]
    whole = sum(targets.values(), _ZERO)
    if whole == 0:
        return [(keys[0], total)]
    parts = {k: quantize(total * targets[k] / whole, minor, mode) for k in keys}
    parts[keys[0]] += total - sum(parts.values(), _ZERO)
    return [(k, parts[k]) for k in keys]


# ------------------------------------------------------------------------------------------
# parties and terms


def _address(spec: AddressSpec | None) -> Address | None:
    return Address(**spec.model_dump()) if spec else None


def _contact(spec: ContactSpec | None) -> Contact | None:
    return Contact(**spec.model_dump()) if spec else None


def _seller(profile: QuoteProfile | None) -> Party:
    if profile is None:
        return Party(name="")
    s: PartySpec = profile.seller
    return Party(
        name=s.name,
        address=_address(s.address),
        contact=_contact(s.contact),
        vat_id=s.vat_id,
        tax_number=s.tax_number,
        registration=s.registration,
        managing_directors=tuple(s.managing_directors),
        bank=s.bank,
        website=s.website,
    )


def _buyer(book: PriceBook, customer: str | None, cp: Any) -> Party:
    if customer is None:
        return Party(name="")
    known = book.customers.get(customer)
    name = (cp.name if cp and cp.name else None) or (known.name if known else customer)
    return Party(
        name=name,
        id=customer,
        address=_address(cp.address) if cp else None,
        contact=_contact(cp.contact) if cp else None,
        vat_id=cp.vat_id if cp else None,
    )


def _payment(
    spec: PaymentTermsSpec | None, gross: Decimal, lang: str, minor: int, mode: Any
) -> PaymentTerms | None:
    if spec is None:
        return None
    amount = None
    if spec.cash_discount_percent is not None:
        amount = quantize(gross * spec.cash_discount_percent / _HUNDRED, minor, mode)
    return PaymentTerms(
        due_days=spec.due_days,
        cash_discount_percent=spec.cash_discount_percent,
        cash_discount_days=spec.cash_discount_days,
        cash_discount_amount=amount,
        note=pick_text(spec.note, lang),
    )


def _delivery(
    spec: DeliveryTermsSpec | None, lead: int | None, issue: date, lang: str
) -> DeliveryTerms | None:
    if spec is None and lead is None:
        return None
    return DeliveryTerms(
        incoterms=spec.incoterms if spec else None,
        place=spec.place if spec else None,
        lead_time_days=lead,
        earliest_delivery=issue + timedelta(days=lead) if lead is not None else None,
        note=pick_text(spec.note, lang) if spec else None,
    )
