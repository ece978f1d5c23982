"""Tier schedules and discount schedules: the arithmetic, with a breakdown for the trace.

One canonical encoding: a tier starts at its ``min_qty`` (inclusive) and runs up to the next
tier's ``min_qty``; the last tier is open unless it has a ``max_qty`` (inclusive), above which the
``overage`` unit price applies (or there is no price).

Modes (test vectors in ``docs/pricing.md``):

* ``volume``: every unit at the rate of the tier reached, plus that tier's flat fee.
* ``graduated``: each unit at the rate of its own tier, plus the flat fee of every tier entered.
  A schedule whose first tier starts at 1 (or more) *counts units*: the tier from ``m`` prices
  units ``m, m+1, ...``, i.e. the quantity above ``m - 1`` (Stripe, SAP interval scales). A
  schedule whose first tier starts at 0 *measures* a continuous quantity (metres, kilograms):
  the tier from ``m`` prices the quantity above ``m``. The first tier also covers the quantity
  below its ``min_qty``. The same counting decides which tier a quantity reaches in the other
  modes: 9.5 counted units reach the tier from 10 (they include part of unit 10).
* ``block``: one price for the whole quantity of the tier reached.
* ``package``: a price per started pack of ``package_size`` units after ``free_units``.

A quantity of 0 costs 0, with no flat fee. A quantity below the first tier, or above a closed
last tier without overage, has no price (:func:`schedule_amount` returns ``None``); the engine
turns that into :class:`~cpq.errors.MissingPriceError`, never into 0.

Example:
    >>> from cpq.pricing import parse_price_book
    >>> from decimal import Decimal
    >>> book = parse_price_book('''
    ... cpq_prices: "1"
    ... price_book: {id: t, currency: USD}
    ... vat: {default: s, categories: {s: {code: S, rate: 0}}}
    ... tier_schedules:
    ...   stripe:
    ...     mode: graduated
    ...     tiers: [{min_qty: 1, unit_price: 7}, {min_qty: 6, unit_price: 6.50},
    ...             {min_qty: 11, unit_price: 6}]
    ... ''')
    >>> schedule_amount(book.tier_schedules["stripe"], Decimal(20)).value
    Decimal('127.50')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from cpq.errors import SourceLocation
from cpq.pricing.book import DiscountSchedule, DiscountTier, Tier, TierSchedule
from cpq.pricing.money import ONE, ZERO, quantize

__all__ = [
    "DiscountPart",
    "Part",
    "ScheduleAmount",
    "counting_offset",
    "discount_parts",
    "reaches",
    "schedule_amount",
]


@dataclass(frozen=True, slots=True)
class Part:
    """One addend of a line amount: ``quantity`` units at ``rate``, or a flat ``amount``."""

    label: str
    amount: Decimal
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class ScheduleAmount:
    """The result of a schedule for a quantity.

    ``basis`` is ``unit`` when the result is a price per unit (volume without flat fee or
    overage) and ``line`` when it is the amount for the whole quantity. ``parts`` breaks a line
    amount down (graduated tiers, flat fees, overage) and sums to ``value``.
    """

    basis: Literal["unit", "line"]
    value: Decimal
    label: str
    parts: tuple[Part, ...]
    location: SourceLocation | None


def _fmt(q: Decimal) -> str:
    return format(q.normalize(), "f") if q == q.to_integral_value() else str(q)


def _units(lo: Decimal, hi: Decimal, offset: Decimal) -> str:
    if offset == ZERO:
        return f"quantity {_fmt(lo)}–{_fmt(hi)} ({_fmt(hi - lo)})"
    first = lo + ONE
    if hi == first:
        return f"unit {_fmt(first)}"
    return f"units {_fmt(first)}–{_fmt(hi)}"


def counting_offset(tiers: tuple[Tier, ...] | tuple[DiscountTier, ...]) -> Decimal:
    """1 when the tiers count units (the first starts at 1 or more), 0 when they measure a
    continuous quantity (the first starts at 0)."""
    return ZERO if tiers and tiers[0].min_qty == ZERO else ONE


def reaches(min_qty: Decimal, qty: Decimal, offset: Decimal) -> bool:
    """Whether ``qty`` reaches a tier starting at ``min_qty``.

    Counted units (offset 1): the tier from ``m`` starts with unit ``m``, the quantity above
    ``m - 1``, so 9.5 units reach the tier from 10 (for whole numbers: ``m <= qty``). Measured
    quantities (offset 0): ``m <= qty``.
    """
    return qty > min_qty - ONE if offset == ONE else qty >= min_qty


def _reached(tiers: tuple[Tier, ...], qty: Decimal) -> tuple[Tier, int]:
    """The tier reached by ``qty`` (the caller has checked that it reaches the first)."""
    offset = counting_offset(tiers)
    found = 0
    for i, t in enumerate(tiers):
        if reaches(t.min_qty, qty, offset):
            found = i
        else:
            break
    return tiers[found], found


def schedule_amount(schedule: TierSchedule, qty: Decimal) -> ScheduleAmount | None:
    """Price ``qty`` units with ``schedule``; ``None`` when the quantity has no price.

    Examples:
        >>> # see the module docstring; worked tables are in tests/pricing/test_tiers.py
    """
    if qty == ZERO:
        return ScheduleAmount("line", ZERO, "quantity 0 costs nothing", (), schedule.location)
    if schedule.mode == "package":
        return _package(schedule, qty)
    tiers = schedule.tiers
    if not reaches(tiers[0].min_qty, qty, counting_offset(tiers)):
        return None
    top = tiers[-1].max_qty
    if top is not None and qty > top:
        if schedule.overage_unit_price is None:
            return None
        base = schedule_amount(schedule, top)
        if base is None:  # pragma: no cover - top >= first min_qty by construction
            return None
        extra = qty - top
        over = extra * schedule.overage_unit_price
        base_line = base.value if base.basis == "line" else base.value * top
        parts = base.parts or (Part(f"{_fmt(top)} units: {base.label}", base_line, base.location),)
        return ScheduleAmount(
            "line",
            base_line + over,
            f"{base.label}, then overage above {_fmt(top)}",
            (
                *parts,
                Part(
                    f"overage: {_fmt(extra)} units above {_fmt(top)} at "
                    f"{schedule.overage_unit_price}",
                    over,
                    schedule.location,
                ),
            ),
            schedule.location,
        )
    if schedule.mode == "volume":
        t, i = _reached(tiers, qty)
        rate = t.unit_price if t.unit_price is not None else ZERO
        label = f"volume tier {i + 1} (from {_fmt(t.min_qty)}) at {rate} per unit"
        if not t.flat_fee:
            return ScheduleAmount("unit", rate, label, (), t.location)
        return ScheduleAmount(
            "line",
            qty * rate + t.flat_fee,
            label + f" plus flat fee {t.flat_fee}",
            (
                Part(f"{_fmt(qty)} units at {rate} (volume tier {i + 1})", qty * rate, t.location),
                Part(f"flat fee of tier {i + 1}", t.flat_fee, t.location),
            ),
            t.location,
        )
    if schedule.mode == "block":
        t, i = _reached(tiers, qty)
        price = t.block_price if t.block_price is not None else ZERO
        return ScheduleAmount(
            "line",
            price,
            f"block {i + 1} (from {_fmt(t.min_qty)}) for {_fmt(qty)} units",
            (),
            t.location,
        )
    # graduated
    pieces: list[Part] = []
    total = ZERO
    offset = counting_offset(tiers)
    for i, t in enumerate(tiers):
        lo = ZERO if i == 0 else t.min_qty - offset
        hi = tiers[i + 1].min_qty - offset if i + 1 < len(tiers) else t.max_qty
        if qty <= lo:
            break
        portion = (qty if hi is None else min(qty, hi)) - lo
        rate = t.unit_price if t.unit_price is not None else ZERO
        amount = portion * rate
        pieces.append(Part(f"{_units(lo, lo + portion, offset)} at {rate}", amount, t.location))
        total += amount
        if t.flat_fee:
            pieces.append(Part(f"flat fee of tier {i + 1}", t.flat_fee, t.location))
            total += t.flat_fee
    return ScheduleAmount("line", total, f"{_fmt(qty)} units", tuple(pieces), schedule.location)


def _package(schedule: TierSchedule, qty: Decimal) -> ScheduleAmount:
    size = schedule.package_size or ONE
    price = schedule.package_price or ZERO
    billable = max(qty - schedule.free_units, ZERO)
    packs = quantize(billable / size, 0, "up" if schedule.package_rounding == "up" else "down")
    free = f" after {_fmt(schedule.free_units)} free" if schedule.free_units else ""
    word = "started" if schedule.package_rounding == "up" else "full"
    return ScheduleAmount(
        "line",
        packs * price,
        f"{_fmt(packs)} {word} pack(s) of {_fmt(size)} at {price}{free} for {_fmt(qty)} units",
        (),
        schedule.location,
    )


@dataclass(frozen=True, slots=True)
class DiscountPart:
    """``quantity`` units of a discount schedule at ``percent``."""

    quantity: Decimal
    percent: Decimal
    tier: DiscountTier


def discount_parts(schedule: DiscountSchedule, qty: Decimal) -> tuple[DiscountPart, ...]:
    """How the quantity splits over the discount tiers.

    ``range``: one part, all units at the percent of the tier reached. ``slab``: one part per
    tier entered (units below the first tier get no discount; units are counted as in graduated
    tier schedules, see the module docstring). Units above a closed last tier
    get no discount. An empty result means no discount applies.
    """
    tiers = schedule.tiers
    if schedule.mode == "range":
        found: DiscountTier | None = None
        offset = counting_offset(tiers)
        for t in tiers:
            if reaches(t.min_qty, qty, offset):
                found = t
        if found is None or qty == ZERO:
            return ()
        if found is tiers[-1] and found.max_qty is not None and qty > found.max_qty:
            return ()
        return (DiscountPart(qty, found.percent, found),)
    out: list[DiscountPart] = []
    offset = counting_offset(tiers)
    for i, t in enumerate(tiers):
        lo = max(t.min_qty - offset, ZERO)
        hi = tiers[i + 1].min_qty - offset if i + 1 < len(tiers) else t.max_qty
        if qty <= lo:
            break
        portion = (qty if hi is None else min(qty, hi)) - lo
        if portion > ZERO:
            out.append(DiscountPart(portion, t.percent, t))
    return tuple(out)
