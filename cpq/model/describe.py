"""Plain-language text for rules and choices (used when a rule has no ``message``).

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> rs = demo_ruleset()
    >>> describe_rule(rs, rs.rule("atex-no-sensor"))
    'Atex is selected and Accessories includes vibration_sensor: not allowed together'
"""

from __future__ import annotations

from cpq.ruleset import expr as ast
from cpq.ruleset.model import ANY, Attribute, Rule, Ruleset

__all__ = ["describe_choice", "describe_expr", "describe_rule", "rule_text"]

_OPS = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
}


def _value_label(attr: Attribute | None, value: object) -> str:
    if attr is not None and isinstance(value, str) and value in attr.values:
        return attr.values[value].label
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe_choice(ruleset: Ruleset, attribute: str, value: object, selected: bool = True) -> str:
    """A user choice in words: ``Medium: Sea water``, ``ATEX: yes``, ``without Flange kit``.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> describe_choice(rs, "medium", "sea_water")
        'Medium: Sea water'
        >>> describe_choice(rs, "accessories", "flange_kit", selected=False)
        'Accessories: without flange_kit'
    """
    attr = ruleset.attributes.get(attribute)
    label = attr.label if attr else attribute
    text = _value_label(attr, value)
    if attr is not None and attr.type == "multi":
        return f"{label}: {'with' if selected else 'without'} {text}"
    if attr is not None and attr.unit and not isinstance(value, bool):
        text = f"{text} {attr.unit}"
    return f"{label}: {text}"


def describe_expr(ruleset: Ruleset, e: ast.Expr) -> str:
    """A condition or number in words, with labels instead of ids.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.ruleset.expr import parse_expr
        >>> rs = demo_ruleset()
        >>> describe_expr(rs, parse_expr("medium == 'sea_water' and not atex"))
        'Medium is Sea water and Atex is not selected'
    """
    return _Describer(ruleset).text(e)


class _Describer:
    def __init__(self, ruleset: Ruleset) -> None:
        self.rs = ruleset

    def label(self, name: str) -> str:
        attr = self.rs.attributes.get(name)
        return attr.label if attr else name

    def text(self, e: ast.Expr) -> str:
        if isinstance(e, ast.Name):
            attr = self.rs.attributes.get(e.name)
            if attr is not None and attr.type == "bool":
                return f"{attr.label} is selected"
            return self.label(e.name)
        if isinstance(e, ast.Not):
            inner = e.operand
            if isinstance(inner, ast.Name):
                attr = self.rs.attributes.get(inner.name)
                if attr is not None and attr.type == "bool":
                    return f"{attr.label} is not selected"
            return f"not ({self.text(inner)})"
        if isinstance(e, ast.BoolOp):
            parts = [self.wrap(x, e.op) for x in e.operands]
            return f" {e.op} ".join(parts)
        if isinstance(e, ast.Compare):
            return self.compare(e)
        if isinstance(e, ast.Prop):
            return f"{self.label(e.attr)} {e.prop.replace('_', ' ')}"
        if isinstance(e, ast.Literal_):
            return ast.to_source(e) if not isinstance(e.value, str) else e.value
        return ast.to_source(e)

    def wrap(self, e: ast.Expr, op: str) -> str:
        s = self.text(e)
        if isinstance(e, ast.BoolOp) and e.op != op:
            return f"({s})"
        return s

    def compare(self, e: ast.Compare) -> str:
        left, right = e.left, e.right
        if e.op in ("==", "!=") and isinstance(left, ast.Name) and isinstance(right, ast.Literal_):
            attr = self.rs.attributes.get(left.name)
            return f"{self.label(left.name)} {_OPS[e.op]} {_value_label(attr, right.value)}"
        if e.op in ("in", "not in") and isinstance(right, ast.Name):
            attr = self.rs.attributes.get(right.name)
            if isinstance(left, ast.Literal_):
                what = _value_label(attr, left.value)
                verb = "includes" if e.op == "in" else "does not include"
                return f"{self.label(right.name)} {verb} {what}"
        if e.op in ("in", "not in") and isinstance(right, ast.ListLit):
            attr = self.rs.attributes.get(left.name) if isinstance(left, ast.Name) else None
            items = [
                _value_label(attr, x.value) if isinstance(x, ast.Literal_) else ast.to_source(x)
                for x in right.items
            ]
            verb = "is one of" if e.op == "in" else "is none of"
            return f"{self.text(left)} {verb} {', '.join(items)}"
        op = _OPS.get(e.op, e.op)
        return f"{self.num(left)} {op} {self.num(right)}"

    def num(self, e: ast.Expr) -> str:
        if isinstance(e, ast.Name | ast.Prop):
            return self.text(e)
        return ast.to_source(e)


def _cell_text(attr: Attribute | None, cell: object) -> str:
    if cell is ANY:
        return "any"
    assert isinstance(cell, frozenset)
    items = sorted(cell, key=str)
    return "/".join(_value_label(attr, x) for x in items)


def describe_rule(ruleset: Ruleset, rule: Rule) -> str:
    """A rule in words, generated from its expressions.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> describe_rule(rs, rs.rule("sea-water-needs-duplex"))
        'when Medium is Sea water, Material must be duplex'
    """
    d = _Describer(ruleset)
    if rule.kind == "require":
        assert rule.require is not None
        body = d.text(rule.require)
        req = rule.require
        if isinstance(req, ast.Compare) and req.op == "==" and isinstance(req.left, ast.Name):
            body = body.replace(" is ", " must be ", 1)
        else:
            body = f"{body} is required"
    elif rule.kind == "exclude":
        parts = [d.text(x) for x in rule.exclude]
        body = (
            f"{' and '.join(parts)}: not allowed together"
            if len(parts) > 1
            else f"{parts[0]} is not allowed"
        )
    else:
        table = rule.table
        assert table is not None
        cols = [ruleset.attributes.get(c) for c in table.columns]
        names = ", ".join(d.label(c) for c in table.columns)
        rows = [
            "(" + ", ".join(_cell_text(a, cell) for a, cell in zip(cols, row, strict=True)) + ")"
            for row in table.rows[:4]
        ]
        more = f" and {len(table.rows) - 4} more" if len(table.rows) > 4 else ""
        if table.mode == "allow":
            body = f"{names} must be one of the allowed combinations {' '.join(rows)}{more}"
        else:
            body = f"{names} may not be {' or '.join(rows)}{more}"
    if rule.when is not None:
        return f"when {d.text(rule.when)}, {body}"
    return body[0].upper() + body[1:] if body else body


def rule_text(ruleset: Ruleset, rule: Rule) -> str:
    """The rule's ``message`` when it has one, else :func:`describe_rule`.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> rule_text(rs, rs.rule("sea-water-needs-duplex"))
        'Sea water corrodes cast iron and stainless steel; choose duplex.'
    """
    return rule.message or describe_rule(ruleset, rule)
