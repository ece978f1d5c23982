"""Price-book lint: problems that loading accepts but a pricing manager wants to know about.

``lint_price_book`` returns the loading issues of a broken book, or, for a book that loads, the
findings below (codes documented in ``docs/errors.md``):

==========================  ========  =====================================================
code                        severity  finding
==========================  ========  =====================================================
tier-overlap                error     a tier's ``max_qty`` reaches into the next tier
tier-gap                    warning   quantities between or beyond tiers have no (own) price
duplicate-contract-price    error     two records of one customer for the same scope overlap
missing-price               error     a SKU of the ruleset has no list price (warning: none
                                      valid today)
unknown-sku                 warning   a price or reference for a SKU the ruleset (or the
                                      book) does not know
unknown-category            warning   a category no item has
expired-price-list          warning   a price list that ended is still named by a customer
                                      or customer group
expired-contract            warning   a contract that ended is still in the book
unused-price-list           warning   a group or customer list that nobody names
mixed-currencies            warning   one schedule used in two currencies; one customer
                                      with prices in two currencies
==========================  ========  =====================================================

Example:
    >>> issues = lint_price_book("rulesets/pump/prices.yaml")
    >>> [i for i in issues if i.severity == "error"]
    []
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from cpq.errors import Issue, IssueCollector, SourceLocation, did_you_mean
from cpq.pricing.book import (
    DiscountTier,
    LineFilter,
    PriceBook,
    PriceRecord,
    Tier,
    TierSchedule,
    check_price_book,
)
from cpq.pricing.tiers import counting_offset

__all__ = ["lint_book", "lint_price_book", "ruleset_skus"]


def ruleset_skus(path: str | os.PathLike[str]) -> set[str]:
    """Every SKU a ruleset can put on a bill of materials (empty if it does not load).

    Examples:
        >>> "CP-BASE" in ruleset_skus("rulesets/pump")
        True
    """
    from cpq.ruleset import check_ruleset

    ruleset, _ = check_ruleset(path)
    return ruleset.skus() if ruleset is not None else set()


def lint_price_book(
    path: str | os.PathLike[str],
    known_skus: set[str] | None = None,
    *,
    today: date | None = None,
) -> list[Issue]:
    """Load and lint a price book; return every issue in file order. Never raises on bad input.

    Args:
        path: the price-book file, or a folder holding ``prices.yaml``.
        known_skus: the SKUs of the ruleset(s) the book prices (see :func:`ruleset_skus`);
            enables ``missing-price`` and the ruleset part of ``unknown-sku``.
        today: the date that decides what has expired; default: today.

    Returns:
        Loading issues when the book does not load, else the lint findings (and loading
        warnings).

    Examples:
        >>> [i.code for i in lint_price_book("no/such/prices.yaml")]
        ['file-not-found']
    """
    book, issues = check_price_book(path)
    if book is None:
        return issues
    collector = IssueCollector(list(issues))
    collector.extend(lint_book(book, known_skus, today=today))
    return list(collector.sorted())


def lint_book(
    book: PriceBook, known_skus: set[str] | None = None, *, today: date | None = None
) -> list[Issue]:
    """The lint findings of a loaded book (see the module docstring for the codes).

    Examples:
        >>> from cpq.pricing import parse_price_book
        >>> book = parse_price_book('''
        ... cpq_prices: "1"
        ... price_book: {id: demo, currency: EUR}
        ... vat: {default: s, categories: {s: {code: S, rate: 19}}}
        ... price_lists: {list: {kind: list, prices: {S-100: 1}}}
        ... ''', "prices.yaml")
        >>> [str(i) for i in lint_book(book, {"S-100", "S-200"})]
        ["prices.yaml:5:15: missing-price: 'S-200' of the ruleset has no list price (add it to a price list with kind: list)"]
    """
    day = today or date.today()
    out = IssueCollector()
    _lint_schedules(book, out)
    _lint_contracts(book, out, day)
    _lint_lists(book, out, day)
    _lint_skus(book, out, known_skus, day)
    _lint_currencies(book, out)
    return list(out.sorted())


def _fmt(q: Decimal) -> str:
    return format(q.normalize(), "f") if q == q.to_integral_value() else str(q)


def _all_records(book: PriceBook) -> Iterable[PriceRecord]:
    for pl in book.price_lists.values():
        for recs in pl.by_sku.values():
            yield from recs
    for c in book.contracts.values():
        yield from c.records


def _schedules(book: PriceBook) -> dict[str, TierSchedule]:
    found: dict[str, TierSchedule] = dict(book.tier_schedules)
    for rec in _all_records(book):
        if rec.schedule is not None:
            found.setdefault(rec.schedule.id, rec.schedule)
    return found


def _check_ranges(
    what: str,
    tiers: tuple[Tier, ...] | tuple[DiscountTier, ...],
    out: IssueCollector,
) -> None:
    # Tiers that count units (first from 1) are contiguous when the next starts at max + 1;
    # tiers that measure a quantity (first from 0) when the next starts at max.
    step = counting_offset(tiers)
    for i in range(len(tiers) - 1):
        t, nxt = tiers[i], tiers[i + 1]
        if t.max_qty is None:
            continue
        if t.max_qty + step > nxt.min_qty:
            out.add(
                "tier-overlap",
                f"{what}: tier {i + 1} ({_fmt(t.min_qty)}–{_fmt(t.max_qty)}) overlaps tier "
                f"{i + 2} (from {_fmt(nxt.min_qty)})",
                t.location,
                f"end tier {i + 1} at {_fmt(nxt.min_qty - step)} (max_qty is inclusive)",
            )
        elif t.max_qty + step < nxt.min_qty and (step == 0 or nxt.min_qty - t.max_qty > 1):
            out.add(
                "tier-gap",
                f"{what}: tier {i + 1} ends at {_fmt(t.max_qty)} but tier {i + 2} starts at "
                f"{_fmt(nxt.min_qty)}; quantities in between are priced at tier {i + 1}",
                t.location,
                f"start tier {i + 2} at {_fmt(t.max_qty + step)} or end tier {i + 1} at "
                f"{_fmt(nxt.min_qty - step)}",
                severity="warning",
            )


def _lint_schedules(book: PriceBook, out: IssueCollector) -> None:
    for sid, s in sorted(_schedules(book).items()):
        if s.mode == "package":
            continue
        what = f"tier schedule '{sid}'"
        _check_ranges(what, s.tiers, out)
        first, last = s.tiers[0], s.tiers[-1]
        if first.min_qty > 1:
            out.add(
                "tier-gap",
                f"{what} starts at {_fmt(first.min_qty)}: smaller quantities have no price",
                first.location,
                "start the first tier at 1 (or 0) unless that is intended",
                severity="warning",
            )
        if last.max_qty is not None and s.overage_unit_price is None:
            out.add(
                "tier-gap",
                f"{what} ends at {_fmt(last.max_qty)}: larger quantities have no price",
                last.location,
                "remove max_qty from the last tier or add an overage unit_price",
                severity="warning",
            )
    for sid, d in sorted(book.discount_schedules.items()):
        _check_ranges(f"discount schedule '{sid}'", d.tiers, out)


def _overlap(a: PriceRecord, b: PriceRecord) -> bool:
    a_start = a.valid_from or date.min
    a_end = a.valid_to or date.max
    b_start = b.valid_from or date.min
    b_end = b.valid_to or date.max
    return a_start <= b_end and b_start <= a_end


def _scope(rec: PriceRecord) -> str:
    if rec.sku is not None:
        return f"SKU '{rec.sku}'"
    if rec.category is not None:
        return f"category '{rec.category}'"
    return f"filter {_filter_words(rec.filter)}"


def _filter_words(f: LineFilter | None) -> str:
    if f is None:  # pragma: no cover - contract filter records always have a filter
        return "{}"
    parts = []
    for name in ("skus", "categories", "sku_prefix", "attributes"):
        value = getattr(f, name)
        if value is not None:
            shown = sorted(value) if isinstance(value, frozenset) else value
            parts.append(f"{name}={shown}")
    return "{" + ", ".join(parts) + "}"


def _period(rec: PriceRecord) -> str:
    start = rec.valid_from.isoformat() if rec.valid_from else "open"
    end = rec.valid_to.isoformat() if rec.valid_to else "open"
    return f"{start}..{end}"


def _lint_contracts(book: PriceBook, out: IssueCollector, day: date) -> None:
    groups: dict[tuple[str, str, Decimal, str], list[PriceRecord]] = defaultdict(list)
    for c in sorted(book.contracts.values(), key=lambda c: c.ref):
        if c.valid_to is not None and c.valid_to < day:
            out.add(
                "expired-contract",
                f"the contract '{c.ref}' of '{c.customer}' ended on {c.valid_to.isoformat()}",
                c.location,
                "remove it or move it to an archive file",
                severity="warning",
            )
        for rec in c.records:
            groups[(c.customer, _scope(rec), rec.min_qty, rec.currency)].append(rec)
    for (customer, scope, min_qty, _), recs in groups.items():
        for i, later in enumerate(recs):
            for earlier in recs[:i]:
                if _overlap(earlier, later):
                    extra = f" from quantity {_fmt(min_qty)}" if min_qty else ""
                    out.add(
                        "duplicate-contract-price",
                        f"'{customer}' has two contract prices for {scope}{extra} valid at the "
                        f"same time: {later.id} ({_period(later)}) and {earlier.id} "
                        f"({_period(earlier)}, line {earlier.location.line})",
                        later.location,
                        "end one before the other starts, or delete one; cpq would use the "
                        "contract with the higher priority, then the lower reference",
                    )
                    break


def _lint_lists(book: PriceBook, out: IssueCollector, day: date) -> None:
    users: dict[str, list[tuple[str, SourceLocation]]] = defaultdict(list)
    for g in book.customer_groups.values():
        for lid in g.price_lists:
            users[lid].append((f"customer group '{g.id}'", g.location))
    for c in book.customers.values():
        for lid in c.price_lists:
            users[lid].append((f"customer '{c.id}'", c.location))
    for lid, pl in sorted(book.price_lists.items()):
        if pl.kind != "list" and not users.get(lid):
            out.add(
                "unused-price-list",
                f"the {pl.kind} price list '{lid}' is not named by any "
                + ("customer group" if pl.kind == "group" else "customer"),
                pl.location,
                f"add it to the price_lists of a {'customer group' if pl.kind == 'group' else 'customer'}",
                severity="warning",
            )
        if pl.valid_to is not None and pl.valid_to < day:
            for who, loc in users.get(lid, ()):
                out.add(
                    "expired-price-list",
                    f"the price list '{lid}' ended on {pl.valid_to.isoformat()}, but {who} "
                    "still uses it",
                    loc,
                    "name the list that replaces it, or remove the reference",
                    severity="warning",
                )


def _filters(book: PriceBook) -> Iterable[tuple[str, LineFilter, SourceLocation]]:
    for a in book.adjustments:
        yield f"adjustment '{a.id}'", a.filter, a.location
    for f in book.floors:
        yield f"floor '{f.id}'", f.filter, f.location
    for r in book.approvals:
        yield f"approval rule '{r.id}'", r.filter, r.location
    for c in book.contracts.values():
        for rec in c.records:
            if rec.filter is not None:
                yield f"contract record {rec.id}", rec.filter, rec.location


def _lint_skus(book: PriceBook, out: IssueCollector, known: set[str] | None, day: date) -> None:
    priced = set(book.skus)
    universe = priced | set(book.items)
    categories = {i.category for i in book.items.values() if i.category is not None}
    general = [pl for pl in book.price_lists.values() if pl.kind == "list"]
    anchor = general[0].location if general else SourceLocation(book.file, 1, 1)
    if known is not None:
        for sku in sorted(known):
            recs = book.list_index.get(sku)
            if not recs:
                out.add(
                    "missing-price",
                    f"'{sku}' of the ruleset has no list price",
                    anchor,
                    "add it to a price list with kind: list",
                )
            elif not any(r.valid_on(day) for r in recs):
                out.add(
                    "missing-price",
                    f"'{sku}' of the ruleset has no list price valid on {day.isoformat()}",
                    recs[0].location,
                    "extend the validity or add a current price list",
                    severity="warning",
                )
        for rec in _all_records(book):
            if rec.sku is not None and rec.sku not in known:
                out.add(
                    "unknown-sku",
                    f"{rec.id} prices '{rec.sku}', which the ruleset does not use",
                    rec.location,
                    did_you_mean(rec.sku, known),
                    severity="warning",
                )
        universe |= known
    for what, f, loc in _filters(book):
        for sku in sorted(f.skus or ()):
            if sku not in universe:
                out.add(
                    "unknown-sku",
                    f"{what} names '{sku}', which has no price and no item entry",
                    loc,
                    did_you_mean(sku, universe),
                    severity="warning",
                )
        for cat in sorted(f.categories or ()):
            if cat not in categories:
                out.add(
                    "unknown-category",
                    f"{what} names the category '{cat}', which no item has",
                    loc,
                    did_you_mean(cat, categories) or "set 'category' on the items under items:",
                    severity="warning",
                )
    for c in book.contracts.values():
        for rec in c.records:
            if rec.category is not None and rec.category not in categories:
                out.add(
                    "unknown-category",
                    f"{rec.id} names the category '{rec.category}', which no item has",
                    rec.location,
                    did_you_mean(rec.category, categories)
                    or "set 'category' on the items under items:",
                    severity="warning",
                )


def _lint_currencies(book: PriceBook, out: IssueCollector) -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for rec in _all_records(book):
        if rec.schedule is not None and rec.schedule.id in book.tier_schedules:
            used[rec.schedule.id].add(rec.currency)
    for sid, found in sorted(used.items()):
        if len(found) > 1:
            out.add(
                "mixed-currencies",
                f"the tier schedule '{sid}' is used by prices in {', '.join(sorted(found))};"
                " its amounts mean different money in each",
                book.tier_schedules[sid].location,
                "give each currency its own schedule",
                severity="warning",
            )
    for cid, cust in sorted(book.customers.items()):
        currencies: set[str] = set()
        chain = [cust]
        cur = cust
        while cur.inherit_from_parent and cur.parent is not None and cur.parent in book.customers:
            cur = book.customers[cur.parent]
            if cur in chain:
                break
            chain.append(cur)
        for c in chain:
            currencies.update(k.currency for k in book.contracts_by_customer.get(c.id, ()))
            currencies.update(book.price_lists[lid].currency for lid in c.price_lists)
        group_id = next((c.group for c in chain if c.group is not None), None)
        group = book.customer_groups.get(group_id) if group_id else None
        if group is not None:
            currencies.update(book.price_lists[lid].currency for lid in group.price_lists)
        if len(currencies) > 1:
            out.add(
                "mixed-currencies",
                f"the customer '{cid}' has contracts or price lists in "
                f"{', '.join(sorted(currencies))}; a quote in one currency ignores or rejects "
                "the others",
                cust.location,
                "keep one currency per customer, or split the customer",
                severity="warning",
            )
