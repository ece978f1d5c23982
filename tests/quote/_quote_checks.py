"""Invariants every quote keeps, shared by the quote tests."""

from __future__ import annotations

from decimal import Decimal

from cpq.quote import Position, Quote

D = Decimal


def leaves(q: Quote) -> list[Position]:
    """The priced lines of a quote (no product parents)."""
    return [p for p in q.all_positions() if not p.children and p.kind != "product"]


def check_totals(q: Quote) -> None:
    """The invariants every quote keeps (also used by the property tests)."""
    counted = [p for p in leaves(q) if p.in_total]
    assert q.totals.line_net_total == sum((p.line_net for p in counted), D(0))
    assert q.totals.optional_total == sum(
        (p.line_net for p in q.positions if p.kind == "optional"), D(0)
    )
    assert q.totals.alternative_total == sum(
        (p.line_net for p in q.positions if p.kind == "alternative"), D(0)
    )
    assert all(p.in_total == (p.kind not in ("optional", "alternative")) for p in q.positions)
    for b in q.vat_breakdown:
        assert b.taxable_amount >= 0
    for top in q.positions:
        if top.children:
            assert top.line_net == sum((c.line_net for c in top.children), D(0))
            assert all(c.in_total == top.in_total for c in top.children)
    allow = sum((a.amount for a in q.allowances_charges if not a.charge), D(0))
    charge = sum((a.amount for a in q.allowances_charges if a.charge), D(0))
    assert q.totals.allowance_total == allow
    assert q.totals.charge_total == charge
    assert q.totals.tax_exclusive == q.totals.line_net_total - allow + charge
    assert q.totals.tax_exclusive == sum((b.taxable_amount for b in q.vat_breakdown), D(0))
    assert q.totals.tax_total == sum((b.tax_amount for b in q.vat_breakdown), D(0))
    assert q.totals.tax_inclusive == q.totals.tax_exclusive + q.totals.tax_total
    assert q.totals.payable == q.totals.tax_inclusive
    for b in q.vat_breakdown:
        per_cat = sum(
            (p.line_net for p in counted if (p.vat_category, p.vat_rate) == (b.category, b.rate)),
            D(0),
        )
        adj = sum(
            (
                a.amount if a.charge else -a.amount
                for a in q.allowances_charges
                if (a.vat_category, a.vat_rate) == (b.category, b.rate)
            ),
            D(0),
        )
        assert b.taxable_amount == per_cat + adj
        exact = b.taxable_amount * b.rate / 100
        assert abs(b.tax_amount - exact) <= D("0.005")
    for amount in (q.totals.tax_exclusive, q.totals.tax_total, q.totals.tax_inclusive):
        assert amount == amount.quantize(D("0.01"))
