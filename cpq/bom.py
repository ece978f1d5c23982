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

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from cpq.errors import ConfigurationError
from cpq.model.evaluate import Value, eval_expr
from cpq.ruleset.expr import Arith, BoolOp, Call, Compare, Expr, ListLit, Name, Neg, Not, Prop
from cpq.ruleset.model import Ruleset

__all__ = [
    "BomLine",
    "OrderCheck",
    "OrderLine",
    "OrderProblem",
    "bill_of_materials",
    "check_order",
    "read_order_csv",
]


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


# -- order check: from a list of SKUs back to a configuration -------------------------------

OrderProblemKind = Literal[
    "unknown-sku",
    "two-values",
    "missing-choice",
    "incompatible",
    "quantity",
    "missing-item",
    "extra-item",
]


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order: ``quantity`` of ``sku`` (``line`` is its 1-based position)."""

    sku: str
    quantity: Decimal
    line: int = 0


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Something wrong with an order, in plain words."""

    kind: OrderProblemKind
    message: str
    skus: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "message": self.message,
            "skus": list(self.skus),
            "rules": list(self.rules),
        }


@dataclass(frozen=True, slots=True)
class OrderCheck:
    """The verdict on an order.

    Attributes:
        ok: no problem found: the order is a valid configuration with its complete bill of
            materials.
        problems: everything found, in order: unknown SKUs, two values of one attribute,
            missing required choices, incompatibilities, quantities, missing and extra items.
        choices: the choices read from the order (attribute -> value).
        units: how many products the order is for.
        bom: the expected bill of materials for one unit (when the choices are consistent).
    """

    ok: bool
    problems: tuple[OrderProblem, ...]
    choices: Mapping[str, Value]
    units: Decimal
    bom: tuple[BomLine, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "units": str(self.units),
            "choices": {
                k: sorted(v) if isinstance(v, frozenset) else v for k, v in self.choices.items()
            },
            "problems": [p.to_dict() for p in self.problems],
            "bom": [
                {"sku": b.sku, "quantity": str(b.quantity), "source": b.source} for b in self.bom
            ],
        }


def read_order_csv(path: str | os.PathLike[str]) -> list[OrderLine]:
    """Read a quick-order CSV file: ``sku,quantity`` per line (header optional; ``;`` works too).

    Raises:
        ConfigurationError: a line has no SKU or an unreadable quantity.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "order.csv"
        >>> _ = p.write_text("sku,quantity\\nCP-BASE,2\\nMOT-110,2\\n")
        >>> [(l.sku, str(l.quantity)) for l in read_order_csv(p)]
        [('CP-BASE', '2'), ('MOT-110', '2')]
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    dialect = csv.excel
    if text.count(";") > text.count(","):
        dialect = csv.excel
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    else:
        rows = list(csv.reader(io.StringIO(text), dialect))
    out: list[OrderLine] = []
    for n, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and cells[0].lower() in ("sku", "article", "item", "part"):
            continue
        sku = cells[0]
        raw = cells[1] if len(cells) > 1 and cells[1] else "1"
        try:
            qty = Decimal(raw.replace(",", "."))
        except ArithmeticError:
            raise ConfigurationError(f"line {n}: {raw!r} is not a quantity") from None
        if not sku:
            raise ConfigurationError(f"line {n}: no SKU")
        out.append(OrderLine(sku, qty, n))
    return out


def check_order(
    ruleset: Ruleset,
    order: Iterable[OrderLine | tuple[str, int | Decimal] | str],
    *,
    time_limit: float = 10.0,
) -> OrderCheck:
    """Check an order (SKUs with quantities) against a ruleset: the shield in front of the ERP.

    The SKUs are mapped back to choices (a value's SKU means the value was chosen; a multi or
    bool SKU missing from the order means "not chosen"), the choices are checked, and the
    derived bill-of-materials items are compared with what the rules require.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> r = check_order(demo_ruleset(), [("CP-BASE", 1), ("MOT-055", 1), ("XX-9", 1)])
        >>> r.ok, [p.message for p in r.problems]
        (False, ["line 3: 'XX-9' is not an article of Centrifugal pump CP"])
        >>> r = check_order(demo_ruleset(), ["CP-BASE", "MOT-055", "ACC-VS", "SEAL-KIT-ATEX"])
        >>> [p.message for p in r.problems]
        ['SEAL-KIT-ATEX (1) is not needed for this configuration']
    """
    from cpq.configurator import Configurator
    from cpq.model.describe import describe_choice

    lines: list[OrderLine] = []
    for i, item in enumerate(order, start=1):
        if isinstance(item, OrderLine):
            lines.append(item)
        elif isinstance(item, str):
            lines.append(OrderLine(item, Decimal(1), i))
        else:
            lines.append(OrderLine(item[0], Decimal(item[1]), i))
    by_sku: dict[str, tuple[str, object]] = {}
    for attr in ruleset.attributes.values():
        if attr.type == "bool" and attr.sku:
            by_sku[attr.sku] = (attr.name, True)
        for vid, val in attr.values.items():
            if val.sku:
                by_sku.setdefault(val.sku, (attr.name, vid))
    derived = {b.sku for b in ruleset.bom}
    base = ruleset.product.sku
    problems: list[OrderProblem] = []
    qty: dict[str, Decimal] = {}
    for line in lines:
        qty[line.sku] = qty.get(line.sku, Decimal(0)) + line.quantity
        if line.sku not in by_sku and line.sku not in derived and line.sku != base:
            problems.append(
                OrderProblem(
                    "unknown-sku",
                    f"line {line.line}: '{line.sku}' is not an article of {ruleset.product.name}",
                    (line.sku,),
                )
            )
    units = qty.get(base, Decimal(0)) if base else Decimal(0)
    if units <= 0:
        option_qty = [q for s, q in qty.items() if s in by_sku]
        units = max(set(option_qty), key=option_qty.count) if option_qty else Decimal(1)
    # SKUs -> choices
    chosen: dict[str, list[tuple[object, str]]] = {}
    for sku in qty:
        if sku in by_sku:
            name, value = by_sku[sku]
            chosen.setdefault(name, []).append((value, sku))
    choices: dict[str, Value] = {}
    cfg = Configurator(ruleset, time_limit=time_limit)
    for attr in ruleset.attributes.values():
        picks = chosen.get(attr.name, [])
        if attr.type == "choice":
            if len(picks) > 1:
                skus = tuple(s for _, s in picks)
                labels = ", ".join(describe_choice(ruleset, attr.name, v) for v, _ in picks)
                problems.append(
                    OrderProblem(
                        "two-values",
                        f"the order has {len(picks)} values for {attr.label}, but only one can "
                        f"be chosen: {labels}",
                        skus,
                    )
                )
            if picks:
                value = str(picks[0][0])
                choices[attr.name] = value
                cfg.select(attr.name, value)
            elif attr.values and all(v.sku for v in attr.values.values()):
                problems.append(
                    OrderProblem(
                        "missing-choice",
                        f"the order has no {attr.label}: add one of "
                        + ", ".join(f"{v.sku} ({v.label})" for v in attr.values.values()),
                    )
                )
        elif attr.type == "bool" and attr.sku:
            choices[attr.name] = bool(picks)
            cfg.select(attr.name, bool(picks))
        elif attr.type == "multi":
            with_sku = [vid for vid, v in attr.values.items() if v.sku]
            if with_sku:
                members = {str(v) for v, _ in picks}
                choices[attr.name] = frozenset(members)
                cfg.set(attr.name, sorted(members))
    conflict = cfg.explain()
    bom: list[BomLine] = []
    if conflict is not None:
        skus_in = tuple(
            attr_sku
            for ch in conflict.choices
            for attr_sku in _skus_of(ruleset, ch.attribute, ch.value, ch.selected)
        )
        problems.append(
            OrderProblem(
                "incompatible",
                "these articles do not go together: " + conflict.text,
                skus_in,
                tuple(r.id for r in conflict.rules),
            )
        )
    else:
        done = cfg.complete()
        if done.is_valid:
            bom = bill_of_materials(ruleset, done.values)
            known = {a for a, p in done.provenance.items() if p in ("user", "implied")}
            checkable = {
                b.sku
                for b in ruleset.bom
                if _names(b.qty) <= known and (b.when is None or _names(b.when) <= known)
            }
            problems.extend(_compare_bom(bom, qty, units, by_sku, derived, checkable))
    for sku, q in qty.items():
        if sku in by_sku and q != units:
            problems.append(
                OrderProblem(
                    "quantity",
                    f"{sku}: {q} ordered, but the order is for {units} unit(s)",
                    (sku,),
                )
            )
    return OrderCheck(not problems, tuple(problems), choices, units, tuple(bom))


def _names(e: Expr) -> set[str]:
    """The attributes an expression reads."""
    if isinstance(e, Name):
        return {e.name}
    if isinstance(e, Prop):
        return {e.attr}
    out: set[str] = set()
    for child in _children(e):
        out |= _names(child)
    return out


def _children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, Not | Neg):
        return (e.operand,)
    if isinstance(e, BoolOp):
        return e.operands
    if isinstance(e, Compare | Arith):
        return (e.left, e.right)
    if isinstance(e, Call):
        return e.args
    if isinstance(e, ListLit):
        return e.items
    return ()


def _skus_of(ruleset: Ruleset, attribute: str, value: object, selected: bool) -> list[str]:
    attr = ruleset.attributes.get(attribute)
    if attr is None:
        return []
    if attr.type == "bool":
        return [attr.sku] if attr.sku else []
    val = attr.values.get(str(value))
    return [val.sku] if val is not None and val.sku and selected else []


def _compare_bom(
    bom: list[BomLine],
    qty: Mapping[str, Decimal],
    units: Decimal,
    by_sku: Mapping[str, tuple[str, object]],
    derived: set[str],
    checkable: set[str],
) -> list[OrderProblem]:
    """Derived items: only those whose condition and quantity the order determines."""
    out: list[OrderProblem] = []
    expected: dict[str, Decimal] = {}
    source: dict[str, str] = {}
    for line in bom:
        if line.source.startswith("bom:") and line.sku in checkable:
            expected[line.sku] = expected.get(line.sku, Decimal(0)) + line.quantity * units
            source[line.sku] = line.source[4:]
    for sku, q in expected.items():
        have = qty.get(sku, Decimal(0))
        if have == 0:
            out.append(
                OrderProblem(
                    "missing-item",
                    f"{sku} is missing: the configuration needs {q} (bom item '{source[sku]}')",
                    (sku,),
                )
            )
        elif have != q:
            out.append(
                OrderProblem(
                    "quantity",
                    f"{sku}: {have} ordered, but the configuration needs {q} "
                    f"(bom item '{source[sku]}')",
                    (sku,),
                )
            )
    for sku, have in qty.items():
        if sku in checkable and sku not in expected and sku not in by_sku:
            out.append(
                OrderProblem(
                    "extra-item",
                    f"{sku} ({have}) is not needed for this configuration",
                    (sku,),
                )
            )
    return out
