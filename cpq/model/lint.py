"""Semantic lint: what the rules mean together, found with the solver.

Codes (all ``warning`` except ``no-valid-configuration``):

* ``no-valid-configuration``: the rules admit no configuration at all (with a minimal conflict);
* ``dead-value``: a value that no valid configuration can use;
* ``forced-value``: a value every valid configuration uses (the attribute is decided by the rules
  alone; for bool and multi attributes, a value that is always on or always off);
* ``rule-never-fires``: a rule whose ``when`` can never hold in a configuration that satisfies
  the other rules;
* ``redundant-rule``: a rule that the other rules already imply (removing it changes nothing).

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> [(i.code, i.message) for i in semantic_lint(demo_ruleset())][0]
    ('redundant-rule', "rule 'slots' is implied by the other rules: removing it changes nothing")
"""

from __future__ import annotations

from collections.abc import Callable

from cpq.errors import Issue, SourceLocation
from cpq.model.compile import compile_model, mk_not
from cpq.model.describe import describe_choice
from cpq.model.ir import Constraint, ConstraintModel, Implies
from cpq.ruleset.model import Ruleset
from cpq.solve.base import Deadline, SolverSession, SolveStatus
from cpq.solve.explain import minimal_core
from cpq.solve.registry import backend_for

__all__ = ["LINT_CODES", "semantic_lint"]

LINT_CODES = (
    "no-valid-configuration",
    "dead-value",
    "forced-value",
    "rule-never-fires",
    "redundant-rule",
)


def semantic_lint(
    ruleset: Ruleset,
    *,
    time_limit: float = 30.0,
    backend: str = "auto",
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Issue]:
    """Find rules and values that cannot work as intended.

    Args:
        ruleset: the loaded ruleset.
        time_limit: seconds for the whole analysis; checks not reached are skipped (a note
            issue ``lint-incomplete`` says so).
        backend: the solver backend (``auto``: the interactive default).
        progress: called as ``progress(stage, done, total)`` while the analysis runs.

    Returns:
        Issues in file order: ``no-valid-configuration`` is an error, the others warnings.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> [i.code for i in semantic_lint(demo_ruleset(), time_limit=10)]
        ['redundant-rule', 'redundant-rule']
    """
    deadline = Deadline(time_limit)
    base = compile_model(ruleset)
    model = _lint_model(base)
    rule_ids = list(base.rule_ids())
    backend_obj = backend_for("lint", backend)
    session = backend_obj.open(model)
    issues: list[Issue] = []
    try:
        res = session.solve(rules=rule_ids, time_limit=deadline.remaining())
        if res.status is SolveStatus.UNSAT:
            core = minimal_core(
                session, [], rules=rule_ids, core=res.core, time_limit=deadline.remaining()
            )
            rules = core.rules if core is not None else ()
            names = ", ".join(f"'{r}'" for r in rules) or "the attributes' own limits"
            locs = [ruleset.rule(r).location for r in rules]
            issues.append(
                Issue(
                    "no-valid-configuration",
                    f"no configuration satisfies every rule; these rules conflict: {names}"
                    + ("" if len(locs) < 2 else " (" + ", ".join(str(x) for x in locs[1:]) + ")"),
                    locs[0] if locs else ruleset.product.location,
                    "relax or remove one of the rules named",
                )
            )
            return issues
        if res.status is SolveStatus.UNKNOWN:
            return [_incomplete(ruleset, "the first solve")]
        dom = session.domains(rules=rule_ids, time_limit=deadline.remaining(), int_exact_limit=0)
        if progress:
            progress("values", 1, 3)
        issues.extend(_value_issues(ruleset, model, dom.bools))
        if not dom.complete:
            issues.append(_incomplete(ruleset, "the dead and forced values"))
        for n, rule in enumerate(ruleset.rules):
            if deadline.expired():
                issues.append(_incomplete(ruleset, "the rule checks"))
                break
            if progress:
                progress("rules", n + 1, len(rule_ids))
            others = [r for r in rule_ids if r != rule.id]
            issue = _rule_issue(ruleset, model, session, rule.id, others, deadline)
            if issue is not None:
                issues.append(issue)
    finally:
        session.close()
    return sorted(issues, key=Issue.sort_key)


def _incomplete(ruleset: Ruleset, what: str) -> Issue:
    return Issue(
        "lint-incomplete",
        f"the time limit was reached before {what} were checked",
        ruleset.product.location,
        "raise the time limit",
        "warning",
    )


def _value_issues(
    ruleset: Ruleset, model: ConstraintModel, bools: tuple[frozenset[bool], ...]
) -> list[Issue]:
    out: list[Issue] = []
    for av in model.attributes:
        attr = ruleset.attributes[av.attribute]
        if av.type == "choice":
            for vid, lit in zip(av.values, av.lits, strict=True):
                loc = attr.values[vid].location
                possible = bools[lit.index]
                if True not in possible:
                    out.append(_dead(ruleset, av.attribute, vid, loc))
                elif False not in possible and len(av.values) > 1:
                    out.append(_forced(ruleset, av.attribute, vid, True, loc))
        elif av.type == "multi":
            for vid, lit in zip(av.values, av.lits, strict=True):
                loc = attr.values[vid].location
                possible = bools[lit.index]
                if True not in possible:
                    out.append(_dead(ruleset, av.attribute, vid, loc))
                elif False not in possible:
                    out.append(_forced(ruleset, av.attribute, vid, True, loc))
        elif av.type == "bool":
            possible = bools[av.lits[0].index]
            if len(possible) == 1:
                value = next(iter(possible))
                out.append(_forced(ruleset, av.attribute, value, value, attr.location))
    return out


def _dead(ruleset: Ruleset, attribute: str, value: object, loc: SourceLocation) -> Issue:
    return Issue(
        "dead-value",
        f"{describe_choice(ruleset, attribute, value)} can never be chosen: no valid "
        "configuration uses it",
        loc,
        "remove the value or relax the rules that exclude it",
        "warning",
    )


def _forced(
    ruleset: Ruleset, attribute: str, value: object, on: bool, loc: SourceLocation
) -> Issue:
    what = describe_choice(ruleset, attribute, value)
    return Issue(
        "forced-value",
        f"{what} is forced: every valid configuration has it",
        loc,
        "the rules leave no choice here; check whether that is intended",
        "warning",
    )


def _rule_issue(
    ruleset: Ruleset,
    model: ConstraintModel,
    session: SolverSession,
    rule_id: str,
    others: list[str],
    deadline: Deadline,
) -> Issue | None:
    rule = ruleset.rule(rule_id)
    if f"when:{rule_id}" in model.rule_ids():
        res = session.solve(rules=[*others, f"when:{rule_id}"], time_limit=deadline.remaining())
        if res.status is SolveStatus.UNSAT:
            return Issue(
                "rule-never-fires",
                f"the condition of rule '{rule_id}' can never hold when the other rules hold, "
                "so the rule never applies",
                rule.location,
                "check the 'when' condition",
                "warning",
            )
    # redundant: the other rules imply this one (they leave no room to break it)
    res = session.solve(rules=[*others, f"not:{rule_id}"], time_limit=deadline.remaining())
    if res.status is SolveStatus.UNSAT:
        return Issue(
            "redundant-rule",
            f"rule '{rule_id}' is implied by the other rules: removing it changes nothing",
            rule.location,
            "remove it, or keep it on purpose as documentation",
            "warning",
        )
    return None


def _lint_model(model: ConstraintModel) -> ConstraintModel:
    """The model plus, per rule, its negation (``not:<id>``) and its condition (``when:<id>``),
    each switched on only when a check asks for it."""
    extra: list[Constraint] = []
    for c in model.constraints:
        if c.rule_id is None:
            continue
        extra.append(Constraint(mk_not(c.expr), c.kind, f"not:{c.rule_id}", c.location))
        if isinstance(c.expr, Implies):
            extra.append(Constraint(c.expr.cond, c.kind, f"when:{c.rule_id}", c.location))
    return ConstraintModel(
        model.product_id,
        model.attributes,
        model.bool_vars,
        model.int_vars,
        model.constraints + tuple(extra),
    )
