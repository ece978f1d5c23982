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
import dataclasses
import io
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, TypeAlias

from cpq.errors import ConfigurationError, SolverError, did_you_mean
from cpq.model.compile import assignment_to_values
from cpq.model.describe import describe_choice, rule_text
from cpq.model.evaluate import Value, check_values, eval_expr
from cpq.model.ir import Assignment, BoolVar, Compare, Constraint, IntConst, Linear, Not
from cpq.ruleset.expr import BoolOp, Literal_
from cpq.ruleset.expr import Compare as Compare_
from cpq.ruleset.expr import Expr as RsExpr
from cpq.ruleset.model import BomItem, Ruleset
from cpq.solve.base import Assumption, Deadline, SolverSession, SolveStatus
from cpq.solve.explain import minimal_core

__all__ = [
    "BomLine",
    "OrderCheck",
    "OrderChecker",
    "OrderLine",
    "OrderProblem",
    "OrderProblemCode",
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

OrderProblemCode = Literal[
    "order-unknown-sku",
    "order-two-values",
    "order-missing-choice",
    "order-incompatible",
    "order-quantity",
    "order-not-needed",
    "order-time-limit",
]
"""The stable codes of order problems (documented in ``docs/errors-orders.md``)."""

_MAX_CASES = 64
"""Most ways tried to read SKUs shared by several values (each a solver call or a few)."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order: ``quantity`` of ``sku`` (``line`` is its 1-based position)."""

    sku: str
    quantity: Decimal
    line: int = 0


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Something wrong with an order, in plain words.

    Attributes:
        code: a stable code (``order-unknown-sku``, ``order-two-values``,
            ``order-missing-choice``, ``order-incompatible``, ``order-quantity``,
            ``order-not-needed``, ``order-time-limit``), documented in the error-code pages.
        message: the problem in plain words.
        skus: the SKUs concerned (for a missing choice: the SKUs that could fill the gap).
        rules: the ids of the rules involved.
        lines: the order lines concerned (1-based).
    """

    code: OrderProblemCode
    message: str
    skus: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "code": self.code,
            "message": self.message,
            "skus": list(self.skus),
            "rules": list(self.rules),
            "lines": list(self.lines),
        }


@dataclass(frozen=True, slots=True)
class OrderCheck:
    """The verdict on an order.

    Attributes:
        ok: no problem found: some valid configuration has exactly the ordered option SKUs,
            and every ordered SKU is part of its bill of materials with the ordered quantity.
        problems: everything found (see :class:`OrderProblem`).
        choices: what the order determines: per attribute with SKUs, the value (choice), yes/no
            (bool) or the set of values with SKUs (multi) read from the order.
        units: how many products the order is for.
        configuration: the full valid configuration found for the order (``None`` when its
            option SKUs do not make one; quantities may still be wrong when it is set).
        assumed: the values the order does not determine (values without a SKU, numbers),
            as chosen by the solver (defaults first): attribute -> value (multi: the values
            without a SKU that are chosen).
        added: lines of the bill of materials the order does not list (the product SKU,
            derived items), with quantities for all units: they will be added, not an error.
        bom: the bill of materials of ``configuration`` for one unit.
    """

    ok: bool
    problems: tuple[OrderProblem, ...]
    choices: Mapping[str, Value]
    units: Decimal
    configuration: Mapping[str, Value] | None = None
    assumed: Mapping[str, Value] = field(default_factory=dict)
    added: tuple[BomLine, ...] = ()
    bom: tuple[BomLine, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""

        def lines(items: tuple[BomLine, ...]) -> list[dict[str, str]]:
            return [
                {"sku": b.sku, "quantity": str(b.quantity), "source": b.source, "label": b.label}
                for b in items
            ]

        return {
            "ok": self.ok,
            "units": str(self.units),
            "problems": [p.to_dict() for p in self.problems],
            "choices": {k: _jsonable(v) for k, v in self.choices.items()},
            "configuration": (
                None
                if self.configuration is None
                else {k: _jsonable(v) for k, v in self.configuration.items()}
            ),
            "assumed": {k: _jsonable(v) for k, v in self.assumed.items()},
            "added": lines(self.added),
            "bom": lines(self.bom),
        }


def _jsonable(v: object) -> object:
    return sorted(str(x) for x in v) if isinstance(v, frozenset | set) else v


def read_order_csv(path: str | os.PathLike[str]) -> list[OrderLine]:
    """Read a quick-order CSV file: ``sku,quantity`` per line (header optional; ``;`` works too).

    A missing quantity means 1; ``#`` starts a comment line.

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
    delimiter = ";" if text.count(";") > text.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
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
            raise ConfigurationError(f"{path}:{n}: {raw!r} is not a quantity") from None
        if not qty.is_finite() or qty <= 0:
            raise ConfigurationError(f"{path}:{n}: the quantity must be positive, not {raw!r}")
        if not sku:
            raise ConfigurationError(f"{path}:{n}: no SKU")
        out.append(OrderLine(sku, qty, n))
    return out


# one option value a SKU can stand for: (attribute, value id; None for a bool attribute)
_Meaning: TypeAlias = tuple[str, str | None]


class _Index:
    """What each SKU of a ruleset stands for."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.options: dict[str, list[_Meaning]] = {}
        self.sku_of: dict[_Meaning, str] = {}
        for attr in ruleset.attributes.values():
            if attr.type == "bool" and attr.sku:
                self._add(attr.sku, (attr.name, None))
            elif attr.type in ("choice", "multi"):
                for vid, val in attr.values.items():
                    if val.sku:
                        self._add(val.sku, (attr.name, vid))
        self.derived: dict[str, list[BomItem]] = {}
        for item in ruleset.bom:
            self.derived.setdefault(item.sku, []).append(item)
        self.product = ruleset.product.sku

    def _add(self, sku: str, meaning: _Meaning) -> None:
        self.options.setdefault(sku, []).append(meaning)
        self.sku_of[meaning] = sku

    def known(self, sku: str) -> bool:
        return sku in self.options or sku in self.derived or sku == self.product


@dataclass
class _Read:
    """The assumptions one reading of the order makes (positives: ordered, negatives: not)."""

    pos: list[Assumption]
    pos_what: list[_Meaning]
    neg: list[Assumption]
    neg_what: list[_Meaning]


@dataclass
class _Outcome:
    problems: list[OrderProblem]
    values: dict[str, Value] | None = None
    read: _Read | None = None


class OrderChecker:
    """Checks orders against one ruleset, reusing one warm solver session between orders.

    :func:`check_order` makes one per call; keep one to check many orders of one product (one
    thread at a time: like a configurator session, a checker is not shared between threads).

    Args:
        ruleset: the loaded ruleset.
        backend: the solver backend (``auto``: the incremental ``sat`` backend).
        time_limit: seconds per order.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> checker = OrderChecker(demo_ruleset())
        >>> checker.check(["CP-BASE", "MOT-110"]).ok
        True
        >>> [p.code for p in checker.check(["CP-BASE"]).problems]
        ['order-missing-choice']
    """

    def __init__(
        self, ruleset: Ruleset, *, backend: str = "auto", time_limit: float = 10.0
    ) -> None:
        from cpq.configurator import compiled_model

        self.ruleset = ruleset
        self.model = compiled_model(ruleset)
        self.backend = backend
        self.time_limit = time_limit
        self.index = _Index(ruleset)
        self._session: SolverSession | None = None
        self._defaults_cache = self._defaults()

    @property
    def session(self) -> SolverSession:
        """The solver session (opened on first use)."""
        if self._session is None:
            from cpq.solve.registry import backend_for

            self._session = backend_for("check", self.backend).open(self.model)
        return self._session

    def close(self) -> None:
        """Release the solver (it reopens on demand)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def _lit(self, meaning: _Meaning) -> BoolVar:
        av = self.model.attribute(meaning[0])
        return av.lits[0] if meaning[1] is None else av.lit(meaning[1])

    def _defaults(self) -> list[Assumption]:
        out: list[Assumption] = []
        for attr in self.ruleset.attributes.values():
            av = self.model.attribute(attr.name)
            if av.type == "multi":
                chosen = set(attr.default or ())  # type: ignore[arg-type]
                out.extend(
                    lit if v in chosen else Not(lit)
                    for v, lit in zip(av.values, av.lits, strict=True)
                )
            elif av.type == "bool":
                out.append(av.lits[0] if attr.default else Not(av.lits[0]))
            elif av.type == "choice" and isinstance(attr.default, str):
                out.append(av.lit(attr.default))
            elif av.int_var is not None and isinstance(attr.default, int):
                out.append(Compare("==", av.int_var, IntConst(attr.default)))
        return out

    # -- the check ------------------------------------------------------------------------------

    def check(
        self,
        order: Iterable[OrderLine | tuple[str, int | Decimal | str] | str],
        *,
        time_limit: float | None = None,
    ) -> OrderCheck:
        """Check one order (see :func:`check_order`)."""
        deadline = Deadline(self.time_limit if time_limit is None else time_limit)
        rs, idx = self.ruleset, self.index
        lines = _order_lines(order)
        qty: dict[str, Decimal] = {}
        where: dict[str, list[int]] = {}
        for ln in lines:
            qty[ln.sku] = qty.get(ln.sku, Decimal(0)) + ln.quantity
            where.setdefault(ln.sku, []).append(ln.line)
        problems: list[OrderProblem] = []
        for sku in qty:
            if not idx.known(sku):
                hint = did_you_mean(sku, [*idx.options, *idx.derived, idx.product or ""])
                problems.append(
                    OrderProblem(
                        "order-unknown-sku",
                        f"{_at(where[sku])}'{sku}' is not an article of {rs.product.name}"
                        + (f" ({hint})" if hint else ""),
                        (sku,),
                        lines=tuple(where[sku]),
                    )
                )
        units = _units(qty, idx)
        # ordered option SKUs: how many of their values each one stands for (per unit)
        count: dict[str, int] = {}
        for sku, q in qty.items():
            meanings = idx.options.get(sku)
            if not meanings:
                continue
            per = q / units
            k = int(per) if per == per.to_integral_value() else 0
            if not 1 <= k <= len(meanings):
                k = max(1, min(len(meanings), int(per)))
                need = units * k
                problems.append(
                    OrderProblem(
                        "order-quantity",
                        f"{_at(where[sku])}{sku}: {q} ordered, but the order is for {units} "
                        f"unit(s), so {need} is expected",
                        (sku,),
                        lines=tuple(where[sku]),
                    )
                )
            count[sku] = k
        # SKUs standing for one value each: those values are chosen
        picked: dict[str, list[tuple[str | None, str]]] = {}
        for sku in count:
            if len(idx.options[sku]) == 1:
                name, vid = idx.options[sku][0]
                picked.setdefault(name, []).append((vid, sku))
        ignored: set[_Meaning] = set()
        for name, picks in picked.items():
            attr = rs.attributes[name]
            if attr.type == "choice" and len(picks) > 1:
                labels = ", ".join(f"{s} ({attr.values[str(v)].label})" for v, s in picks)
                skus = tuple(s for _, s in picks)
                problems.append(
                    OrderProblem(
                        "order-two-values",
                        f"the order has {len(picks)} values for {attr.label}, but only one can "
                        f"be chosen: {labels}",
                        skus,
                        lines=tuple(n for s in skus for n in where[s]),
                    )
                )
                ignored.update((name, v) for v, _ in picks[1:])
        base = _Read([], [], [], [])
        decided_choice: set[str] = set()
        for sku in count:
            if len(idx.options[sku]) == 1 and idx.options[sku][0] not in ignored:
                m = idx.options[sku][0]
                base.pos.append(self._lit(m))
                base.pos_what.append(m)
                if rs.attributes[m[0]].type == "choice":
                    decided_choice.add(m[0])
        for sku, meanings in idx.options.items():
            if sku in count:
                continue
            for m in meanings:
                if m[0] not in decided_choice:  # a chosen value rules out the others anyway
                    base.neg.append(Not(self._lit(m)))
                    base.neg_what.append(m)
        shared = [
            (sku, idx.options[sku], k) for sku, k in count.items() if len(idx.options[sku]) > 1
        ]
        outcome: _Outcome | None = None
        for n, case in enumerate(
            itertools.product(*(itertools.combinations(m, k) for _, m, k in shared))
        ):
            if n >= _MAX_CASES or (n > 0 and deadline.expired()):
                break
            read = _Read(list(base.pos), list(base.pos_what), list(base.neg), list(base.neg_what))
            for (_, meanings, _), chosen in zip(shared, case, strict=True):
                for m in meanings:
                    if m in chosen:
                        read.pos.append(self._lit(m))
                        read.pos_what.append(m)
                    else:
                        read.neg.append(Not(self._lit(m)))
                        read.neg_what.append(m)
            found = self._solve(read, deadline)
            if outcome is None or (outcome.values is None and found.values is not None):
                outcome = found
            if found.values is not None:
                break
        assert outcome is not None
        problems.extend(outcome.problems)
        choices = self._choices(outcome.read or base)
        if outcome.values is None or outcome.read is None:
            return OrderCheck(False, tuple(problems), choices, units)
        values = outcome.values
        values, derived_problems = self._derived(values, outcome.read, qty, where, units, deadline)
        problems.extend(derived_problems)
        bom = bill_of_materials(rs, values)
        added = tuple(
            BomLine(b.sku, b.quantity * units, b.source, b.label, b.lead_time_days)
            for b in bom
            if b.sku not in qty
        )
        return OrderCheck(
            not problems,
            tuple(problems),
            choices,
            units,
            values,
            self._assumed(values, outcome.read),
            added,
            tuple(bom),
        )

    def _solve(self, read: _Read, deadline: Deadline) -> _Outcome:
        """Incompatible positives, else missing SKUs (negatives that must go), else a solution."""
        s = self.session
        res = s.solve(read.pos, time_limit=deadline.remaining())
        if res.status is SolveStatus.UNKNOWN:
            return _Outcome([_time_limit()], read=read)
        if res.status is SolveStatus.UNSAT:
            core = minimal_core(s, read.pos, core=res.core, time_limit=deadline.remaining())
            if core is None:  # pragma: no cover - the first call said unsatisfiable
                return _Outcome([_time_limit()], read=read)
            what = [read.pos_what[i] for i in core.assumptions]
            text = self._because(what, [], core.rules)
            skus = tuple(self.index.sku_of[m] for m in what)
            return _Outcome(
                [
                    OrderProblem(
                        "order-incompatible",
                        f"these articles do not go together: {text}",
                        skus,
                        core.rules,
                    )
                ],
                read=read,
            )
        problems: list[OrderProblem] = []
        neg, neg_what = list(read.neg), list(read.neg_what)
        while True:
            res = s.solve([*read.pos, *neg], time_limit=deadline.remaining())
            if res.status is SolveStatus.SAT:
                break
            if res.status is SolveStatus.UNKNOWN:
                problems.append(_time_limit())
                break
            npos = len(read.pos)
            core = minimal_core(s, [*read.pos, *neg], time_limit=deadline.remaining())
            if core is None or all(i < npos for i in core.assumptions):
                problems.append(_time_limit())
                break
            gone = {i - npos for i in core.assumptions if i >= npos}
            problems.append(
                self._missing(
                    [neg_what[i] for i in sorted(gone)],
                    [read.pos_what[i] for i in core.assumptions if i < npos],
                    core.rules,
                )
            )
            neg = [a for i, a in enumerate(neg) if i not in gone]
            neg_what = [m for i, m in enumerate(neg_what) if i not in gone]
        if problems:
            return _Outcome(problems, read=read)
        assert res.assignment is not None
        assignment = self._with_defaults([*read.pos, *neg], deadline) or res.assignment
        values = assignment_to_values(self.model, assignment)
        self._guard(values)
        return _Outcome([], values, read)

    def _with_defaults(
        self, hard: list[Assumption], deadline: Deadline, session: SolverSession | None = None
    ) -> Assignment | None:
        """A solution that keeps as many defaults as it can (a default in a conflict goes,
        the latest first), or ``None`` when the time runs out."""
        s = session or self.session
        soft = list(self._defaults_cache)
        while not deadline.expired():
            res = s.solve([*hard, *soft], time_limit=deadline.remaining())
            if res.status is SolveStatus.SAT:
                return res.assignment
            if res.status is SolveStatus.UNKNOWN or not soft:
                return None
            n = len(hard)
            blamed = [i - n for i in (res.core.assumptions if res.core else ()) if i >= n]
            drop = max(blamed) if blamed else len(soft) - 1
            del soft[drop]
        return None

    def _guard(self, values: Mapping[str, Value]) -> None:
        violated = check_values(self.ruleset, values)
        if violated:  # pragma: no cover - a solver bug, not an order problem
            raise SolverError(
                "internal error: the solver returned a configuration the evaluator rejects "
                f"(rules {', '.join(violated)}); please report this with the ruleset"
            )

    def _because(
        self, positives: Sequence[_Meaning], negatives: Sequence[_Meaning], rules: Sequence[str]
    ) -> str:
        """The choices and rules of a conflict in plain words."""
        from cpq.configurator import Choice, Explanation, RuleRef

        rs = self.ruleset
        choices = [
            Choice(m[0], True if m[1] is None else m[1], True, self._described(m, True))
            for m in positives
        ] + [
            Choice(m[0], False if m[1] is None else m[1], False, self._described(m, False))
            for m in negatives
        ]
        refs = [RuleRef(r, rule_text(rs, rs.rule(r)), rs.rule(r).location) for r in rules]
        return Explanation(tuple(choices), tuple(refs)).text

    def _described(self, m: _Meaning, selected: bool) -> str:
        name, vid = m
        sku = self.index.sku_of[m]
        if vid is None:
            return f"{describe_choice(self.ruleset, name, selected)} ({sku})"
        return f"{describe_choice(self.ruleset, name, vid, selected)} ({sku})"

    def _missing(
        self, gone: Sequence[_Meaning], positives: Sequence[_Meaning], rules: Sequence[str]
    ) -> OrderProblem:
        rs = self.ruleset
        names = list(dict.fromkeys(m[0] for m in gone))
        skus = tuple(dict.fromkeys(self.index.sku_of[m] for m in gone))
        what = " or ".join(rs.attributes[n].label for n in names)
        message = f"missing required choice: {what}; order one of {', '.join(skus)}"
        if positives or rules:
            message += f" (needed because of {self._because(positives, [], rules)})"
        return OrderProblem("order-missing-choice", message, skus, tuple(rules))

    def _choices(self, read: _Read) -> dict[str, Value]:
        """What the order determines: values with SKUs, chosen or not."""
        out: dict[str, Value] = {}
        members: dict[str, set[str]] = {}
        for name, vid in read.pos_what:
            attr = self.ruleset.attributes[name]
            if attr.type == "bool":
                out[name] = True
            elif attr.type == "choice" and vid is not None:
                out.setdefault(name, vid)
            elif vid is not None:
                members.setdefault(name, set()).add(vid)
        for name, _vid in read.neg_what:
            attr = self.ruleset.attributes[name]
            if attr.type == "bool":
                out.setdefault(name, False)
            elif attr.type == "multi":
                members.setdefault(name, set())
        for name in self.ruleset.attributes:
            if name in members:
                out[name] = frozenset(members[name])
        return {n: out[n] for n in self.ruleset.attributes if n in out}

    def _assumed(self, values: Mapping[str, Value], read: _Read) -> dict[str, Value]:
        """The values the order leaves open, as chosen: numbers, values without a SKU."""
        decided = set(read.pos_what) | set(read.neg_what)
        chosen_attrs = {m[0] for m in read.pos_what}
        out: dict[str, Value] = {}
        for attr in self.ruleset.attributes.values():
            v = values.get(attr.name)
            if v is None:
                continue
            if attr.type == "multi":
                free = {x for x in attr.values if (attr.name, x) not in decided}
                if free and isinstance(v, frozenset):
                    out[attr.name] = frozenset(x for x in v if x in free)
            elif (
                attr.type == "int"
                or (attr.type == "bool" and not attr.sku)
                or (attr.type == "choice" and attr.name not in chosen_attrs)
            ):
                out[attr.name] = v
        return out

    def _derived(
        self,
        values: dict[str, Value],
        read: _Read,
        qty: Mapping[str, Decimal],
        where: Mapping[str, list[int]],
        units: Decimal,
        deadline: Deadline,
    ) -> tuple[dict[str, Value], list[OrderProblem]]:
        """Ordered derived items must have the quantity the configuration needs.

        When they do not, and values the order leaves open can be chosen so that they do,
        the solver chooses them (the ordered items become constraints of a second model).
        """
        idx = self.index
        wanted = {
            sku: q / units
            for sku, q in qty.items()
            if sku in idx.derived and sku not in idx.options and sku != idx.product
        }
        if not wanted:
            return values, []
        if self._mismatches(values, wanted) and not deadline.expired():
            # the ordered quantities; failing that, at least the ordered items present
            better = self._solve_with_items(read, wanted, deadline, exact=True)
            if better is None and not deadline.expired():
                better = self._solve_with_items(read, wanted, deadline, exact=False)
            if better is not None:
                values = better
        bad = self._mismatches(values, wanted)
        problems: list[OrderProblem] = []
        for sku, need in bad.items():
            items = idx.derived[sku]
            ids = ", ".join(f"'{i.id}'" for i in items)
            have = qty[sku]
            lines_ = tuple(where[sku])
            if need == 0:
                problems.append(
                    OrderProblem(
                        "order-not-needed",
                        f"{_at(lines_)}{sku} ({have}) is not part of the configuration ordered: "
                        f"bom item {ids} does not apply to it",
                        (sku,),
                        lines=lines_,
                    )
                )
            else:
                problems.append(
                    OrderProblem(
                        "order-quantity",
                        f"{_at(lines_)}{sku}: {have} ordered, but the configuration needs "
                        f"{_num(need * units)} for {units} unit(s) (bom item {ids})",
                        (sku,),
                        lines=lines_,
                    )
                )
        return values, problems

    def _mismatches(
        self, values: Mapping[str, Value], wanted: Mapping[str, Decimal]
    ) -> dict[str, Decimal]:
        have: dict[str, Decimal] = {}
        for b in bill_of_materials(self.ruleset, values):
            if b.source.startswith("bom:"):
                have[b.sku] = have.get(b.sku, Decimal(0)) + b.quantity
        return {
            sku: have.get(sku, Decimal(0))
            for sku, per in wanted.items()
            if have.get(sku, Decimal(0)) != per
        }

    def _solve_with_items(
        self, read: _Read, wanted: Mapping[str, Decimal], deadline: Deadline, *, exact: bool
    ) -> dict[str, Value] | None:
        """A configuration with the ordered option values whose derived items have the
        ordered quantities (``exact``) or at least apply, or ``None``. Only SKUs made by one
        ``bom`` item are constrained."""
        from cpq.model.compile import compile_expr
        from cpq.solve.registry import backend_for

        extra: list[Constraint] = []
        for sku, per in wanted.items():
            items = self.index.derived[sku]
            if len(items) != 1:
                continue
            item = items[0]
            span = (0, 0)
            qty_ok: RsExpr = Compare_("==", item.qty, Literal_(per, span), span)
            need: RsExpr | None
            if not exact:
                need = item.when
            elif item.when is None:
                need = qty_ok
            else:
                need = BoolOp("and", (item.when, qty_ok), span)
            if need is None:
                continue
            expr = compile_expr(self.ruleset, need, self.model)
            assert not isinstance(expr, Linear | IntConst)
            extra.append(Constraint(expr, "require", f"order:{sku}", item.location))  # type: ignore[arg-type]
        if not extra:
            return None
        model = dataclasses.replace(self.model, constraints=(*self.model.constraints, *extra))
        session = backend_for("check", self.backend).open(model)
        try:
            hard = [*read.pos, *read.neg]
            res = session.solve(hard, time_limit=deadline.remaining())
            if res.status is not SolveStatus.SAT or res.assignment is None:
                return None
            assignment = self._with_defaults(hard, deadline, session) or res.assignment
        finally:
            session.close()
        values = assignment_to_values(self.model, assignment)
        self._guard(values)
        return values


def check_order(
    ruleset: Ruleset,
    order: Iterable[OrderLine | tuple[str, int | Decimal | str] | str],
    *,
    time_limit: float = 10.0,
    backend: str = "auto",
) -> OrderCheck:
    """Check an order (SKUs with quantities) against a ruleset: the shield in front of the ERP.

    An order is valid when some valid full configuration has exactly the ordered option values
    that have a SKU (a value's SKU in the order: chosen; absent: not chosen; a SKU shared by
    several values: one of them), and every ordered SKU is part of its bill of materials with
    the ordered quantity. Values without a SKU and numbers are not determined by an order: the
    solver chooses them (defaults first) and :attr:`OrderCheck.assumed` says which it took.
    Derived items and the product SKU the order does not list will be added
    (:attr:`OrderCheck.added`); that is not a problem.

    Args:
        ruleset: the loaded ruleset.
        order: order lines, ``(sku, quantity)`` pairs or bare SKUs (quantity 1).
        time_limit: seconds for the whole check; when it runs out the order is not ``ok`` and
            an ``order-time-limit`` problem says so.
        backend: the solver backend (``auto``: the incremental ``sat`` backend).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> r = check_order(demo_ruleset(), [("CP-BASE", 1), ("MOT-055", 1), ("XX-9", 1)])
        >>> r.ok, [str(p) for p in r.problems]
        (False, ["order-unknown-sku: line 3: 'XX-9' is not an article of Centrifugal pump CP"])
        >>> r = check_order(demo_ruleset(), ["MOT-110", "ACC-FL", ("CABLE-M", 4)])
        >>> r.ok, r.assumed["flow_m3h"], [(b.sku, str(b.quantity)) for b in r.added]
        (True, 100, [('CP-BASE', '1')])
    """
    checker = OrderChecker(ruleset, backend=backend, time_limit=time_limit)
    try:
        return checker.check(order)
    finally:
        checker.close()


def _order_lines(
    order: Iterable[OrderLine | tuple[str, int | Decimal | str] | str],
) -> list[OrderLine]:
    lines: list[OrderLine] = []
    for i, item in enumerate(order, start=1):
        if isinstance(item, OrderLine):
            lines.append(item if item.line else OrderLine(item.sku, item.quantity, i))
        elif isinstance(item, str):
            lines.append(OrderLine(item, Decimal(1), i))
        else:
            q = item[1]
            if isinstance(q, float):
                raise ConfigurationError(f"line {i}: give quantities as Decimal or int, not float")
            lines.append(OrderLine(item[0], Decimal(q), i))
        if not lines[-1].quantity.is_finite() or lines[-1].quantity <= 0:
            raise ConfigurationError(f"line {i}: the quantity of {lines[-1].sku} must be positive")
    return lines


def _units(qty: Mapping[str, Decimal], idx: _Index) -> Decimal:
    """The product SKU's quantity; without it, the most common quantity of the option SKUs."""
    if idx.product and idx.product in qty:
        return qty[idx.product]
    counts = Counter(q for sku, q in qty.items() if sku in idx.options)
    if not counts:
        return Decimal(1)
    best = max(counts.values())
    return min(q for q, c in counts.items() if c == best)


def _at(lines: Sequence[int]) -> str:
    if not lines:
        return ""
    return f"line {lines[0]}: " if len(lines) == 1 else f"lines {', '.join(map(str, lines))}: "


def _num(q: Decimal) -> str:
    return str(q.normalize()) if q == q.to_integral_value() else str(q)


def _time_limit() -> OrderProblem:
    return OrderProblem(
        "order-time-limit",
        "the time limit was reached before the order was checked (raise the time limit)",
    )
