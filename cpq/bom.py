"""Bill of materials lines: what a configuration consists of, by SKU.

A :class:`BomLine` is the contract between the configurator (which derives lines from the
chosen values and the ruleset's ``bom`` section) and pricing (which prices lines by SKU).

Example:
    >>> from decimal import Decimal
    >>> line = BomLine(sku="MOT-110", quantity=Decimal(1), source="attribute:motor",
    ...                label="11 kW motor")
    >>> line.sku, line.quantity
    ('MOT-110', Decimal('1'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from cpq.model.evaluate import Value, eval_expr
from cpq.ruleset.model import Ruleset

__all__ = ["BomLine", "bill_of_materials"]


@dataclass(frozen=True, slots=True)
class BomLine:
    """One line of a bill of materials.

    Attributes:
        sku: the article number.
        quantity: how many (a ``Decimal``; fractional for metres or kilograms).
        source: why the line is there: ``product`` for the base SKU, ``attribute:<name>`` for a
            chosen value, ``bom:<id>`` for a derived component.
        label: a human-readable name.
        lead_time_days: the lead time of this component, when known.
    """

    sku: str
    quantity: Decimal
    source: str
    label: str = ""
    lead_time_days: int | None = None


def bill_of_materials(ruleset: Ruleset, values: Mapping[str, Value]) -> list[BomLine]:
    """The bill of materials of a full configuration.

    Lines, in this order: the product's base SKU (``product``); the SKU of every chosen value
    and of every bool attribute that is true (``attribute:<name>``), in attribute order; then
    every derived ``bom`` item whose ``when`` holds, with its quantity evaluated exactly
    (``bom:<id>``). Items whose quantity is zero or negative are left out.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> lines = bill_of_materials(rs, {"medium": "water", "flow_m3h": 120,
        ...     "material": "cast_iron", "atex": True, "accessories": frozenset({"flange_kit"}),
        ...     "motor": "m110"})
        >>> [(l.sku, str(l.quantity), l.source) for l in lines]  # doctest: +NORMALIZE_WHITESPACE
        [('CP-BASE', '1', 'product'), ('MOT-110', '1', 'attribute:motor'),
         ('ACC-FL', '1', 'attribute:accessories'), ('SEAL-KIT-ATEX', '1', 'bom:SEAL-KIT-ATEX'),
         ('CABLE-M', '4', 'bom:CABLE-M')]
    """
    lines: list[BomLine] = []
    product = ruleset.product
    if product.sku:
        lines.append(
            BomLine(product.sku, Decimal(1), "product", product.name, product.lead_time_days)
        )
    for attr in ruleset.attributes.values():
        v = values.get(attr.name)
        source = f"attribute:{attr.name}"
        if attr.type == "bool":
            if v is True and attr.sku:
                lines.append(BomLine(attr.sku, Decimal(1), source, attr.label, attr.lead_time_days))
        elif attr.type == "choice":
            if isinstance(v, str) and v in attr.values and attr.values[v].sku:
                val = attr.values[v]
                lines.append(
                    BomLine(val.sku or "", Decimal(1), source, val.label, val.lead_time_days)
                )
        elif attr.type == "multi" and isinstance(v, frozenset | set | tuple | list):
            for vid, val in attr.values.items():
                if vid in v and val.sku:
                    lines.append(
                        BomLine(val.sku, Decimal(1), source, val.label, val.lead_time_days)
                    )
    for item in ruleset.bom:
        if item.when is not None and eval_expr(ruleset, item.when, values) is not True:
            continue
        qty = eval_expr(ruleset, item.qty, values)
        assert isinstance(qty, Fraction)
        if qty <= 0:
            continue
        quantity = Decimal(qty.numerator) / Decimal(qty.denominator)
        lines.append(BomLine(item.sku, quantity, f"bom:{item.id}", item.label, item.lead_time_days))
    return lines
