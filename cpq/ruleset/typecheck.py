"""Type checking of rule expressions against the attributes of a ruleset.

Types: ``bool``; ``num``; ``choice:<attr>`` (the value chosen for a choice attribute);
``set:<attr>`` (the values chosen for a multi attribute); ``str`` (a quoted literal, which must
meet something that gives it meaning); ``text`` (a text property); ``props:<attr>.<prop>`` (the
numeric property of every chosen value of a multi attribute, only valid inside
``sum``/``min``/``max``); ``list`` (a list literal).

Example:
    >>> from cpq.ruleset.expr import parse_expr
    >>> checker = ExprChecker({})
    >>> checker.type_of(parse_expr("1 + 2 > 2"))
    'bool'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cpq.errors import did_you_mean
from cpq.ruleset.expr import (
    FUNCTIONS,
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLit,
    Literal_,
    Name,
    Neg,
    Not,
    Prop,
)
from cpq.ruleset.model import Attribute

__all__ = ["ExprChecker", "ExprProblem", "property_kind"]


@dataclass(frozen=True, slots=True)
class ExprProblem:
    """A type problem at an offset inside an expression."""

    code: str
    message: str
    offset: int
    hint: str | None = None


class _Bad(Exception):
    """Internal: an expression has a problem; carries the type to continue with."""


def property_kind(attr: Attribute, prop: str) -> tuple[str | None, list[str]]:
    """The kind of a property over all values of an attribute: ``num``, ``text`` or ``bool``.

    Returns the kind (``None`` when the values disagree or nobody has it) and the ids of values
    that lack the property.
    """
    kinds: set[str] = set()
    missing: list[str] = []
    for vid, value in attr.values.items():
        if prop not in value.properties:
            missing.append(vid)
            continue
        v = value.properties[prop]
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int | Decimal):
            kinds.add("num")
        else:
            kinds.add("text")
    if len(kinds) != 1:
        return None, missing
    return kinds.pop(), missing


def _describe(t: str) -> str:
    if t == "bool":
        return "a yes/no condition"
    if t == "num":
        return "a number"
    if t == "str":
        return "a text in quotes"
    if t == "text":
        return "a text property"
    if t == "list":
        return "a list"
    if t.startswith("choice:"):
        return f"the choice attribute '{t[7:]}'"
    if t.startswith("set:"):
        return f"the multi-select attribute '{t[4:]}'"
    if t.startswith("props:"):
        return f"the properties '{t[6:]}' of several values"
    return t


@dataclass
class ExprChecker:
    """Checks expressions against a mapping of attribute names to attributes."""

    attributes: Mapping[str, Attribute]
    problems: list[ExprProblem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    """Attributes that exist but failed their own checks (not reported again here)."""

    def check(self, expr: Expr, expect: str) -> list[ExprProblem]:
        """Check ``expr`` and that it has type ``expect`` (``bool`` or ``num``)."""
        self.problems = []
        t = self.type_of(expr)
        if t != "?" and t != expect:
            if expect == "bool" and t.startswith("choice:"):
                attr = t[7:]
                first = next(iter(self.attributes[attr].values), "value")
                self.problem(
                    "expr-type",
                    f"a condition must be true or false, but '{attr}' is a choice",
                    expr.span[0],
                    f"compare it with a value: {attr} == '{first}'",
                )
            else:
                self.problem(
                    "expr-type",
                    f"expected {_describe(expect)} here, but this is {_describe(t)}",
                    expr.span[0],
                )
        return self.problems

    def problem(self, code: str, message: str, offset: int, hint: str | None = None) -> None:
        self.problems.append(ExprProblem(code, message, offset, hint))

    def type_of(self, e: Expr) -> str:
        """The type of an expression (``?`` after a problem, which is recorded)."""
        if isinstance(e, Literal_):
            if isinstance(e.value, bool):
                return "bool"
            if isinstance(e.value, str):
                return "str"
            return "num"
        if isinstance(e, Name):
            return self.name_type(e)
        if isinstance(e, Prop):
            return self.prop_type(e)
        if isinstance(e, Not):
            self.need(e.operand, "bool", "'not'")
            return "bool"
        if isinstance(e, BoolOp):
            for operand in e.operands:
                self.need(operand, "bool", f"'{e.op}'")
            return "bool"
        if isinstance(e, Compare):
            return self.compare_type(e)
        if isinstance(e, Arith):
            self.need(e.left, "num", f"'{e.op}'")
            self.need(e.right, "num", f"'{e.op}'")
            return "num"
        if isinstance(e, Neg):
            self.need(e.operand, "num", "'-'")
            return "num"
        if isinstance(e, Call):
            return self.call_type(e)
        for item in e.items:
            t = self.type_of(item)
            if t not in ("str", "num", "bool", "?"):
                self.problem(
                    "expr-type",
                    f"a list may hold only values written out, not {_describe(t)}",
                    item.span[0],
                )
        return "list"

    def need(self, e: Expr, expect: str, where: str) -> None:
        t = self.type_of(e)
        if t in ("?", expect):
            return
        if expect == "bool" and t.startswith("choice:"):
            attr = t[7:]
            first = next(iter(self.attributes[attr].values), "value")
            self.problem(
                "expr-type",
                f"{where} needs a yes/no condition, but '{attr}' is a choice",
                e.span[0],
                f"compare it with a value: {attr} == '{first}'",
            )
            return
        self.problem(
            "expr-type", f"{where} needs {_describe(expect)}, not {_describe(t)}", e.span[0]
        )

    def name_type(self, e: Name) -> str:
        attr = self.attributes.get(e.name)
        if attr is None and e.name in self.broken:
            return "?"
        if attr is None:
            hint = did_you_mean(e.name, self.attributes)
            owners = [a.name for a in self.attributes.values() if e.name in a.values]
            if owners and hint is None:
                hint = f"'{e.name}' is a value of '{owners[0]}'; write it in quotes: '{e.name}'"
            if e.name in FUNCTIONS:
                hint = f"'{e.name}' is a function: {e.name}(...)"
            self.problem("unknown-reference", f"there is no attribute '{e.name}'", e.span[0], hint)
            return "?"
        if attr.type == "bool":
            return "bool"
        if attr.type == "int":
            return "num"
        if attr.type == "choice":
            return f"choice:{attr.name}"
        return f"set:{attr.name}"

    def prop_type(self, e: Prop) -> str:
        attr = self.attributes.get(e.attr)
        if attr is None and e.attr in self.broken:
            return "?"
        if attr is None:
            self.problem(
                "unknown-reference",
                f"there is no attribute '{e.attr}'",
                e.span[0],
                did_you_mean(e.attr, self.attributes),
            )
            return "?"
        if attr.type not in ("choice", "multi"):
            self.problem(
                "expr-type",
                f"'{e.attr}' is a {attr.type} attribute and has no properties",
                e.span[0],
                "properties belong to the values of choice and multi attributes",
            )
            return "?"
        kind, missing = property_kind(attr, e.prop)
        offset = e.span[0] + len(e.attr) + 1
        if kind is None and len(missing) == len(attr.values):
            known = sorted({p for v in attr.values.values() for p in v.properties})
            self.problem(
                "unknown-property",
                f"no value of '{e.attr}' has a property '{e.prop}'",
                offset,
                did_you_mean(e.prop, known)
                or (f"known properties: {', '.join(known)}" if known else None),
            )
            return "?"
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            self.problem(
                "missing-property",
                f"the property '{e.prop}' is used but missing on value(s) {shown} of '{e.attr}'",
                offset,
                "add it to those values or set it under property_defaults",
            )
            return "?"
        if kind is None:
            self.problem(
                "expr-type",
                f"the property '{e.prop}' of '{e.attr}' is a number on some values and text "
                "on others",
                offset,
                "use one kind of value for a property",
            )
            return "?"
        if attr.type == "multi":
            if kind != "num":
                self.problem(
                    "expr-type",
                    f"'{e.attr}' is a multi-select attribute; only numeric properties can be "
                    f"added up with sum({e.attr}.{e.prop})",
                    e.span[0],
                )
                return "?"
            return f"props:{e.attr}.{e.prop}"
        return kind

    def check_value(self, attr_name: str, lit: Expr) -> None:
        if not isinstance(lit, Literal_):
            return
        attr = self.attributes[attr_name]
        if not isinstance(lit.value, str):
            self.problem(
                "expr-type",
                f"'{attr_name}' is a {attr.type} attribute; compare it with a value id in "
                f"quotes, not {_describe(self.type_of(lit))}",
                lit.span[0],
                f"values of '{attr_name}': {', '.join(list(attr.values)[:6])}",
            )
            return
        if lit.value not in attr.values:
            self.problem(
                "unknown-value",
                f"'{lit.value}' is not a value of '{attr_name}'",
                lit.span[0],
                did_you_mean(lit.value, attr.values)
                or f"values of '{attr_name}': {', '.join(list(attr.values)[:8])}",
            )

    def compare_type(self, e: Compare) -> str:
        lt = self.type_of(e.left)
        rt = self.type_of(e.right)
        if "?" in (lt, rt):
            return "bool"
        op = e.op
        if op in ("in", "not in"):
            if rt.startswith("set:"):
                if lt == "str":
                    self.check_value(rt[4:], e.left)
                    return "bool"
                if lt.startswith("choice:") or lt == "text":
                    return "bool"
            elif rt == "list" and isinstance(e.right, ListLit):
                items = e.right.items
                if lt.startswith("choice:"):
                    for item in items:
                        self.check_value(lt[7:], item)
                    return "bool"
                want = {"num": "num", "text": "str", "bool": "bool"}.get(lt)
                if want is not None:
                    for item in items:
                        it = self.type_of(item)
                        if it not in (want, "?"):
                            self.problem(
                                "expr-type",
                                f"the list mixes {_describe(it)} into a test of {_describe(lt)}",
                                item.span[0],
                            )
                    return "bool"
            self.problem(
                "expr-type",
                f"'{op}' needs a multi-select attribute or a list on its right and a matching "
                f"value on its left; found {_describe(lt)} {op} {_describe(rt)}",
                e.span[0],
            )
            return "bool"
        if op in ("<", "<=", ">", ">="):
            for side, t in ((e.left, lt), (e.right, rt)):
                if t != "num":
                    self.problem(
                        "expr-type",
                        f"'{op}' compares numbers, but this is {_describe(t)}",
                        side.span[0],
                    )
            return "bool"
        # == and !=
        if lt.startswith("choice:") and rt == "str":
            self.check_value(lt[7:], e.right)
            return "bool"
        if rt.startswith("choice:") and lt == "str":
            self.check_value(rt[7:], e.left)
            return "bool"
        ok_pairs = {("num", "num"), ("bool", "bool"), ("text", "str"), ("str", "text")}
        ok_pairs |= {("text", "text"), ("str", "str")}
        if (lt, rt) in ok_pairs:
            return "bool"
        if lt.startswith("choice:") and (rt.startswith("choice:") or rt == "text"):
            return "bool"
        if rt.startswith("choice:") and lt == "text":
            return "bool"
        hint = None
        if lt.startswith("choice:") and rt == "num":
            hint = f"compare a property instead, e.g. {lt[7:]}.<property> {op} number"
            lit = e.right
            if isinstance(lit, Literal_) and str(lit.value) in self.attributes[lt[7:]].values:
                hint = (
                    f"'{lit.value}' is a value id of '{lt[7:]}'; write it in quotes: '{lit.value}'"
                )
        elif lt.startswith("set:") and rt == "str" and isinstance(e.right, Literal_):
            hint = f"to test a multi-select attribute write '{e.right.value}' in {lt[4:]}"
        elif rt.startswith("set:") and lt == "str" and isinstance(e.left, Literal_):
            hint = f"to test a multi-select attribute write '{e.left.value}' in {rt[4:]}"
        self.problem(
            "expr-type",
            f"cannot compare {_describe(lt)} with {_describe(rt)}",
            e.span[0],
            hint,
        )
        return "bool"

    def call_type(self, e: Call) -> str:
        if e.func not in FUNCTIONS:
            self.problem(
                "unknown-function",
                f"there is no function '{e.func}'",
                e.span[0],
                did_you_mean(e.func, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}",
            )
            return "?"
        types = [self.type_of(a) for a in e.args]
        if e.func == "count":
            if len(types) != 1 or not (types[0].startswith("set:") or types[0] == "?"):
                self.problem(
                    "expr-type",
                    "count() takes one multi-select attribute, e.g. count(accessories)",
                    e.span[0],
                )
            return "num"
        if e.func == "sum":
            if len(types) != 1 or not (types[0].startswith("props:") or types[0] == "?"):
                self.problem(
                    "expr-type",
                    "sum() takes one numeric property of a multi-select attribute, "
                    "e.g. sum(accessories.slots)",
                    e.span[0],
                )
            return "num"
        if e.func == "abs":
            if len(types) != 1:
                self.problem("expr-type", "abs() takes one number", e.span[0])
            elif types[0] not in ("num", "?"):
                self.problem(
                    "expr-type",
                    f"abs() needs a number, not {_describe(types[0])}",
                    e.args[0].span[0],
                )
            return "num"
        # min / max
        if not types:
            self.problem("expr-type", f"{e.func}() needs at least one argument", e.span[0])
            return "num"
        if len(types) == 1 and types[0].startswith("props:"):
            return "num"
        for arg, t in zip(e.args, types, strict=True):
            if t not in ("num", "?"):
                self.problem(
                    "expr-type", f"{e.func}() needs numbers, not {_describe(t)}", arg.span[0]
                )
        return "num"
