"""A tiny brute-force evaluator of loaded rulesets, for checking imports on small models.

It enumerates every assignment of the attributes (bool and choice only) and keeps those that
satisfy every rule, evaluating the loader's expression trees and tables directly. It is
independent of the importers, so comparing its answer with the semantics of the original
model checks the translation.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cpq.importers.model import ImportedModel
from cpq.ruleset import ANY, Rule, Ruleset, check_ruleset
from cpq.ruleset.expr import BoolOp, Compare, Expr, ListLit, Literal_, Name, Not

Value = bool | str
Assignment = dict[str, Value]

MAX_ASSIGNMENTS = 1 << 16


def load(model: ImportedModel) -> Ruleset:
    """Write the model's YAML to a temporary file and load it; fail on any loader error."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.yaml"
        path.write_text(model.to_yaml(), encoding="utf-8")
        rs, issues = check_ruleset(path)
    errors = [str(i) for i in issues if i.severity == "error"]
    assert not errors, "\n".join(errors) + "\n" + model.to_yaml()
    assert rs is not None
    return rs


def evaluate(e: Expr, values: Assignment) -> Value:
    """The value of a bool expression (or of a choice attribute / literal inside it)."""
    if isinstance(e, Literal_):
        assert isinstance(e.value, bool | str)
        return e.value
    if isinstance(e, Name):
        return values[e.name]
    if isinstance(e, Not):
        return not evaluate(e.operand, values)
    if isinstance(e, BoolOp):
        results = (bool(evaluate(x, values)) for x in e.operands)
        return all(results) if e.op == "and" else any(results)
    if isinstance(e, Compare):
        left = evaluate(e.left, values)
        if e.op in ("in", "not in"):
            assert isinstance(e.right, ListLit)
            items = [evaluate(x, values) for x in e.right.items]
            return (left in items) == (e.op == "in")
        right = evaluate(e.right, values)
        if e.op == "==":
            return left == right
        if e.op == "!=":
            return left != right
    raise AssertionError(f"the brute-force evaluator does not handle {e!r}")


def holds(rule: Rule, values: Assignment) -> bool:
    """Whether ``rule`` is satisfied by a full assignment."""
    if rule.when is not None and not evaluate(rule.when, values):
        return True
    if rule.kind == "require":
        assert rule.require is not None
        return bool(evaluate(rule.require, values))
    if rule.kind == "exclude":
        return not all(evaluate(x, values) for x in rule.exclude)
    table = rule.table
    assert table is not None
    row_values = [values[c] for c in table.columns]
    matched = any(
        all(cell is ANY or v in cell for cell, v in zip(row, row_values, strict=True))
        for row in table.rows
    )
    return matched if table.mode == "allow" else not matched


def domains(rs: Ruleset) -> dict[str, list[Value]]:
    """The values of each attribute."""
    out: dict[str, list[Value]] = {}
    for name, attr in rs.attributes.items():
        assert attr.type in ("bool", "choice"), attr.type
        out[name] = [False, True] if attr.type == "bool" else list(attr.values)
    return out


def solutions(rs: Ruleset) -> Iterator[Assignment]:
    """Every assignment of the attributes that satisfies every rule."""
    doms = domains(rs)
    size = 1
    for d in doms.values():
        size *= len(d)
    assert size <= MAX_ASSIGNMENTS, f"{size} assignments is too many for brute force"
    names = list(doms)
    for combo in itertools.product(*(doms[n] for n in names)):
        values = dict(zip(names, combo, strict=True))
        if all(holds(r, values) for r in rs.rules):
            yield values
