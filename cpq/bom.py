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

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["BomLine"]


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
