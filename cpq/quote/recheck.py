"""Re-check a saved quote against the current rules and prices, without changing it.

A saved quote carries, per position, the configuration it was built from and the digests of the
ruleset and price book (:class:`~cpq.quote.model.ItemTrace`). :func:`requote` re-validates each
configuration against the current ruleset, re-prices everything against the current price book
(on the quote's pricing date, or on another date you give) and reports what changed:

- a configuration that is now invalid, with the rules it breaks or the attributes and values
  that no longer exist, in plain words;
- per line: added, removed, or a changed quantity or price, with the net delta;
- the totals before and after.

The saved quote is never modified; the re-priced quote is returned alongside as ``after``.
Header texts, parties and terms are kept as saved; quote-level discounts and charges are
applied again as they were specified when the quote was made (``Quote.adjustments``), so a
percentage follows the new amounts and a small-order charge comes or goes with the net.

Example:
    >>> from datetime import date
    >>> import cpq
    >>> from cpq.quote import build_quote, requote
    >>> rs = cpq.load_ruleset("rulesets/pump")
    >>> book = cpq.load_price_book("rulesets/pump/prices.yaml")
    >>> cfg = cpq.Configurator(rs).select("medium", "water").complete()
    >>> saved = build_quote(cfg, book, number="Q-1", customer="K-1001", on=date(2026, 3, 2))
    >>> report = requote(saved, rs, book)
    >>> report.changed, report.summary()
    (False, 'Q-1: unchanged (rules and prices as quoted)')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast, get_args

from cpq.configurator import Configuration, Configurator, Provenance
from cpq.errors import CPQError, QuoteError
from cpq.pricing.book import PriceBook
from cpq.quote.build import QuoteItem, build_quote, file_digest, ruleset_digest
from cpq.quote.model import ItemTrace, Position, Quote, Totals
from cpq.quote.profile import DeliveryTermsSpec, PaymentTermsSpec
from cpq.ruleset.model import Ruleset

__all__ = ["ItemReport", "LineChange", "RequoteReport", "requote"]

_ZERO = Decimal(0)

ChangeKind = Literal["added", "removed", "quantity", "price", "vat"]
ItemStatus = Literal["unchanged", "changed", "invalid", "unknown-product"]


@dataclass(frozen=True)
class LineChange:
    """One line whose quantity or price is not what the saved quote says."""

    position: str
    sku: str | None
    name: str
    change: ChangeKind
    quantity_before: Decimal | None
    quantity_after: Decimal | None
    unit_price_before: Decimal | None
    unit_price_after: Decimal | None
    net_before: Decimal
    net_after: Decimal
    vat_before: str | None = None
    vat_after: str | None = None

    @property
    def delta(self) -> Decimal:
        """Net after minus net before."""
        return self.net_after - self.net_before

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (amounts as strings)."""
        s = _s
        return {
            "position": self.position,
            "sku": self.sku,
            "name": self.name,
            "change": self.change,
            "quantity_before": s(self.quantity_before),
            "quantity_after": s(self.quantity_after),
            "unit_price_before": s(self.unit_price_before),
            "unit_price_after": s(self.unit_price_after),
            "net_before": str(self.net_before),
            "net_after": str(self.net_after),
            "delta": str(self.delta),
            "vat_before": self.vat_before,
            "vat_after": self.vat_after,
        }

    def __str__(self) -> str:
        what = {
            "added": "new line",
            "removed": "line no longer in the bill of materials",
            "quantity": f"quantity {self.quantity_before} -> {self.quantity_after}",
            "price": f"unit price {self.unit_price_before} -> {self.unit_price_after}",
            "vat": f"VAT {self.vat_before} -> {self.vat_after}",
        }[self.change]
        sign = "+" if self.delta > 0 else ""
        return f"{self.position} {self.sku or ''} {self.name}: {what} ({sign}{self.delta})"


@dataclass(frozen=True)
class ItemReport:
    """What changed for one top-level position of the quote."""

    position: str
    product: str | None
    status: ItemStatus
    problems: tuple[str, ...] = ()
    lines: tuple[LineChange, ...] = ()
    ruleset_changed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "position": self.position,
            "product": self.product,
            "status": self.status,
            "problems": list(self.problems),
            "lines": [c.to_dict() for c in self.lines],
            "ruleset_changed": self.ruleset_changed,
        }


@dataclass(frozen=True)
class RequoteReport:
    """The result of :func:`requote`.

    Attributes:
        number: the quote's printed number.
        items: one report per top-level position.
        before: the saved totals.
        after: the re-priced totals, or ``None`` when some configuration is now invalid.
        after_quote: the re-priced quote (``None`` when invalid); the saved one is untouched.
        price_book_changed: the price book file differs from the one quoted (by digest).
        pricing_date: the date the quote was re-priced on.
    """

    number: str
    items: tuple[ItemReport, ...]
    before: Totals
    after: Totals | None
    after_quote: Quote | None
    price_book_changed: bool
    pricing_date: date | None
    messages: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """Every configuration of the quote is still valid."""
        return all(i.status not in ("invalid", "unknown-product") for i in self.items)

    @property
    def changed(self) -> bool:
        """Something differs: validity, a line, a total, or the delivery date."""
        return (
            not self.valid
            or any(i.status != "unchanged" for i in self.items)
            or self.after != self.before
            or bool(self.messages)
        )

    def summary(self) -> str:
        """One line: unchanged, or how many positions changed and the new gross total."""
        if not self.changed:
            return f"{self.number}: unchanged (rules and prices as quoted)"
        if not self.items:
            return f"{self.number}: nothing to re-check"
        if not self.valid:
            bad = [i.position for i in self.items if i.status in ("invalid", "unknown-product")]
            return f"{self.number}: no longer valid (position {', '.join(bad)})"
        after = self.after or self.before
        delta = after.tax_inclusive - self.before.tax_inclusive
        sign = "+" if delta > 0 else ""
        n = sum(1 for i in self.items if i.status != "unchanged")
        return (
            f"{self.number}: {n} position(s) changed; gross {self.before.tax_inclusive} -> "
            f"{after.tax_inclusive} ({sign}{delta})"
        )

    def __str__(self) -> str:
        out = [self.summary()]
        if self.price_book_changed:
            out.append("  the price book changed since the quote was made")
        changed_rules = [i.product for i in self.items if i.ruleset_changed and i.product]
        if changed_rules:
            out.append("  the rules changed since the quote was made: " + ", ".join(changed_rules))
        out.extend(f"  {m}" for m in self.messages)
        for item in self.items:
            if item.status == "unchanged":
                continue
            head = f"  position {item.position}" + (f" ({item.product})" if item.product else "")
            out.append(f"{head}: {item.status}")
            out.extend(f"    - {p}" for p in item.problems)
            out.extend(f"    - {c}" for c in item.lines)
        if self.after is not None and self.after != self.before:
            for name in ("tax_exclusive", "tax_total", "tax_inclusive"):
                b, a = getattr(self.before, name), getattr(self.after, name)
                if a != b:
                    label = {"tax_exclusive": "net", "tax_total": "VAT", "tax_inclusive": "gross"}
                    out.append(f"  {label[name]}: {b} -> {a}")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the re-priced quote is not included; use ``after_quote``)."""
        return {
            "number": self.number,
            "changed": self.changed,
            "valid": self.valid,
            "summary": self.summary(),
            "price_book_changed": self.price_book_changed,
            "rules_changed": [i.product for i in self.items if i.ruleset_changed],
            "messages": list(self.messages),
            "pricing_date": self.pricing_date.isoformat() if self.pricing_date else None,
            "items": [i.to_dict() for i in self.items],
            "before": self.before.model_dump(mode="json"),
            "after": self.after.model_dump(mode="json") if self.after else None,
        }


def requote(
    quote: Quote,
    rulesets: Ruleset | Sequence[Ruleset] | Mapping[str, Ruleset],
    book: PriceBook,
    *,
    on: date | None = None,
    time_limit: float = 10.0,
) -> RequoteReport:
    """Re-validate and re-price a saved quote; report what changed (see the module docs).

    Args:
        quote: the saved quote (:meth:`Quote.from_json`).
        rulesets: the current ruleset(s), by product id (a single ruleset, a list, or a mapping).
        book: the current price book.
        on: re-price on this date; default the quote's pricing date.
        time_limit: seconds for checking each configuration.

    Returns:
        A :class:`RequoteReport`; the saved quote is not changed.
    """
    by_id = _by_product(rulesets)
    pricing_date = on or quote.pricing_date or quote.issue_date
    if not quote.items:
        raise QuoteError(f"the saved quote {quote.display_number} has no positions to re-check")
    items: list[QuoteItem | None] = []
    reports: dict[str, ItemReport] = {}
    for trace in quote.items:
        item, report = _revalidate(trace, by_id, time_limit)
        items.append(item)
        if report is not None:
            reports[trace.position] = report
    book_changed = quote.price_book_digest is not None and quote.price_book_digest != file_digest(
        [book.file]
    )
    if reports:
        out = tuple(
            reports.get(t.position)
            or ItemReport(t.position, t.product, "unchanged", ruleset_changed=_rs_changed(t, by_id))
            for t in quote.items
        )
        return RequoteReport(
            quote.display_number, out, quote.totals, None, None, book_changed, pricing_date
        )
    try:
        after = build_quote(
            [i for i in items if i is not None],
            book,
            number=quote.number,
            revision=quote.revision,
            customer=quote.customer,
            on=quote.issue_date if on is None else on,
            pricing_date=pricing_date,
            language=quote.language,
            valid_until=quote.valid_until
            if on is None
            else on + (quote.valid_until - quote.issue_date),
            seller=quote.seller,
            buyer=quote.buyer,
            buyer_reference=quote.buyer_reference,
            subject=quote.subject,
            adjustments=quote.adjustments,
            use_profile_adjustments=False,
            payment_terms=_payment_spec(quote),
            delivery_terms=_delivery_spec(quote),
        )
    except CPQError as exc:
        msg = f"cannot be re-priced: {exc}"
        out = tuple(
            ItemReport(
                t.position, t.product, "invalid", (msg,), ruleset_changed=_rs_changed(t, by_id)
            )
            for t in quote.items
        )
        return RequoteReport(
            quote.display_number, out, quote.totals, None, None, book_changed, pricing_date
        )
    after = after.model_copy(
        update={
            "intro": quote.intro,
            "closing": quote.closing,
            "terms": quote.terms,
            "payment_terms": _keep_note(quote.payment_terms, after.payment_terms),
            "delivery_terms": _keep_note(quote.delivery_terms, after.delivery_terms),
        }
    )
    messages: list[str] = []
    old_d, new_d = quote.delivery_terms, after.delivery_terms
    old_date = old_d.earliest_delivery if old_d else None
    new_date = new_d.earliest_delivery if new_d else None
    if old_date != new_date:
        messages.append(f"earliest delivery {old_date} -> {new_date} (lead times changed)")
    out_items = []
    for old, new, trace in zip(quote.positions, after.positions, quote.items, strict=True):
        changes = tuple(_diff(old, new))
        status: ItemStatus = "changed" if changes else "unchanged"
        out_items.append(
            ItemReport(
                old.id,
                trace.product,
                status,
                lines=changes,
                ruleset_changed=_rs_changed(trace, by_id),
            )
        )
    result = RequoteReport(
        quote.display_number,
        tuple(out_items),
        quote.totals,
        after.totals,
        after,
        book_changed,
        pricing_date,
        tuple(messages),
    )
    if result.changed:  # a changed quote is a new revision of the same number
        result = replace(
            result, after_quote=after.model_copy(update={"revision": quote.revision + 1})
        )
    return result


def _by_product(
    rulesets: Ruleset | Sequence[Ruleset] | Mapping[str, Ruleset],
) -> dict[str, Ruleset]:
    if isinstance(rulesets, Ruleset):
        return {rulesets.id: rulesets}
    if isinstance(rulesets, Mapping):
        return dict(rulesets)
    return {r.id: r for r in rulesets}


def _rs_changed(trace: ItemTrace, by_id: Mapping[str, Ruleset]) -> bool:
    rs = by_id.get(trace.product) if trace.product else None
    return (
        rs is not None
        and trace.ruleset_digest is not None
        and (trace.ruleset_digest != ruleset_digest(rs))
    )


def _revalidate(
    trace: ItemTrace, by_id: Mapping[str, Ruleset], time_limit: float
) -> tuple[QuoteItem | None, ItemReport | None]:
    kind = "normal" if trace.kind in ("product", "item") else trace.kind
    if kind not in ("normal", "optional", "alternative"):
        raise QuoteError(
            f"position {trace.position} of the saved quote has kind '{trace.kind}', which "
            "cannot be re-priced"
        )
    if trace.product is None:
        sku = trace.values.get("sku")
        if not isinstance(sku, str):
            raise QuoteError(f"position {trace.position} of the saved quote has no SKU")
        return QuoteItem(sku, trace.quantity, kind, name=trace.name), None
    rs = by_id.get(trace.product)
    if rs is None:
        return None, ItemReport(
            trace.position,
            trace.product,
            "unknown-product",
            (f"there is no ruleset for product '{trace.product}' any more",),
        )
    problems: list[str] = []
    session = Configurator(rs)
    for attr, value in trace.values.items():
        if attr not in rs.attributes:
            problems.append(f"the attribute '{attr}' no longer exists (it was {value!r})")
            continue
        try:
            session.set(attr, value)
        except CPQError as exc:
            problems.append(str(exc))
    cfg: Configuration | None = None
    if not problems:
        cfg = session.check(time_limit=time_limit)
        if cfg.status == "incomplete":
            labels = [rs.attributes[a].label or a for a in cfg.missing]
            problems.append("new choices are required: " + ", ".join(labels))
        elif cfg.status != "valid":
            problems.extend(f"{v.text} (rule '{v.rule_id}')" for v in cfg.violations)
            if not cfg.violations:
                problems.append("the configuration breaks the current rules")
    if problems or cfg is None:
        return None, ItemReport(
            trace.position,
            trace.product,
            "invalid",
            tuple(problems),
            ruleset_changed=_rs_changed(trace, by_id),
        )
    provenance: dict[str, Provenance] = dict(cfg.provenance)
    for a, p in trace.provenance.items():
        if a in provenance and p in get_args(Provenance):
            provenance[a] = cast(Provenance, p)
    cfg = replace(cfg, provenance=provenance)
    return QuoteItem(cfg, trace.quantity, kind, name=trace.name, ruleset=rs), None


def _keyed(p: Position) -> dict[tuple[str | None, str | None, int], Position]:
    """Sub-positions by (SKU, source, n-th occurrence): two values of a multi attribute may
    share a SKU, and each line must be compared with its own counterpart."""
    out: dict[tuple[str | None, str | None, int], Position] = {}
    seen: dict[tuple[str | None, str | None], int] = {}
    for c in p.children or (p,):
        k = (c.sku, c.source)
        seen[k] = seen.get(k, 0) + 1
        out[(*k, seen[k])] = c
    return out


def _diff(old: Position, new: Position) -> list[LineChange]:
    olds, news = _keyed(old), _keyed(new)
    out: list[LineChange] = []
    for k, n in news.items():
        o = olds.get(k)
        if o is None:
            out.append(_change(n.id, n, "added", None, n))
        elif o.quantity != n.quantity:
            out.append(_change(o.id, n, "quantity", o, n))
        elif o.unit_price != n.unit_price or o.line_net != n.line_net:
            out.append(_change(o.id, n, "price", o, n))
        elif (o.vat_category, o.vat_rate) != (n.vat_category, n.vat_rate):
            out.append(_change(o.id, n, "vat", o, n))
    for k, o in olds.items():
        if k not in news:
            out.append(_change(o.id, o, "removed", o, None))
    return out


def _change(
    pid: str, p: Position, kind: ChangeKind, old: Position | None, new: Position | None
) -> LineChange:
    return LineChange(
        vat_before=_vat(old),
        vat_after=_vat(new),
        position=pid,
        sku=p.sku,
        name=p.name,
        change=kind,
        quantity_before=old.quantity if old else None,
        quantity_after=new.quantity if new else None,
        unit_price_before=old.unit_price if old else None,
        unit_price_after=new.unit_price if new else None,
        net_before=old.line_net if old else _ZERO,
        net_after=new.line_net if new else _ZERO,
    )


def _payment_spec(quote: Quote) -> PaymentTermsSpec | None:
    t = quote.payment_terms
    if t is None:
        return None
    return PaymentTermsSpec(
        due_days=t.due_days,
        cash_discount_percent=t.cash_discount_percent,
        cash_discount_days=t.cash_discount_days,
    )


def _delivery_spec(quote: Quote) -> DeliveryTermsSpec | None:
    t = quote.delivery_terms
    if t is None or t.incoterms is None or t.place is None:
        return None
    return DeliveryTermsSpec.model_validate({"incoterms": t.incoterms, "place": t.place})


def _keep_note(old: Any, new: Any) -> Any:
    """The saved terms' note text with the new figures."""
    if old is None or new is None:
        return new
    return new.model_copy(update={"note": old.note})


def _vat(p: Position | None) -> str | None:
    if p is None or p.vat_category is None:
        return None
    return f"{p.vat_category} {p.vat_rate} %"


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
