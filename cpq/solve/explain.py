"""Minimal conflicts and minimal repairs, on top of any :class:`SolverSession`.

* :func:`minimal_core` shrinks an unsatisfiable core to a *minimal* one (removing any element
  makes the rest satisfiable) by deletion with core refinement: each successful deletion
  continues from the new, often smaller, core the solver returns. Backends without cores start
  from every assumption and every enabled rule.
* :func:`minimum_corrections` finds the smallest sets of assumptions whose removal makes the
  problem satisfiable (the repairs), by increasing size.

Both only call ``session.solve`` and are deterministic for a deterministic backend.

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> from cpq.model.compile import compile_model
    >>> from cpq.solve.registry import get_backend
    >>> m = compile_model(demo_ruleset())
    >>> s = get_backend("sat").open(m)
    >>> sea = m.attribute("medium").lit("sea_water")
    >>> iron = m.attribute("material").lit("cast_iron")
    >>> atex = m.attribute("atex").lits[0]
    >>> minimal_core(s, [atex, sea, iron], time_limit=5)
    Core(assumptions=(1, 2), rules=('sea-water-needs-duplex',))
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

from cpq.solve.base import Assumption, Core, Deadline, SolverSession, SolveStatus

__all__ = ["minimal_core", "minimum_corrections"]


def minimal_core(
    session: SolverSession,
    assumptions: Sequence[Assumption],
    *,
    extra: Sequence[Assumption] = (),
    rules: Collection[str] | None = None,
    core: Core | None = None,
    time_limit: float,
    keep_rules: bool = False,
) -> Core | None:
    """A minimal subset of ``assumptions`` and rules that is unsatisfiable together with ``extra``.

    ``extra`` assumptions are always kept and never reported (use them for the value being
    tested). Returns ``None`` when the problem is satisfiable. On a time out the core returned is
    sound (still unsatisfiable) but perhaps not minimal.

    Args:
        session: the solver session.
        assumptions: the candidate assumptions (user choices).
        extra: assumptions that are always present.
        rules: the enabled rules (``None``: all).
        core: a known core to start from (saves the first call).
        time_limit: seconds.
        keep_rules: when true, rules are not minimised (all enabled rules stay on).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.model.compile import compile_model
        >>> from cpq.solve.registry import get_backend
        >>> m = compile_model(demo_ruleset())
        >>> s = get_backend("sat").open(m)
        >>> minimal_core(s, [m.attribute("atex").lits[0]], time_limit=5) is None
        True
    """
    native = getattr(session, "minimal_core", None)
    if native is not None:  # the backend shrinks on its own literals (same contract)
        found: Core | None = native(
            assumptions,
            extra=extra,
            rules=rules,
            core=core,
            time_limit=time_limit,
            keep_rules=keep_rules,
        )
        return found
    deadline = Deadline(time_limit)
    wanted = None if rules is None else set(rules)
    all_rules = tuple(r for r in session.model.rule_ids() if wanted is None or r in wanted)
    if core is None:
        res = session.solve(
            [*assumptions, *extra], rules=all_rules, time_limit=deadline.remaining()
        )
        if res.status is SolveStatus.SAT:
            return None
        if res.status is SolveStatus.UNKNOWN or res.core is None:
            core = Core(tuple(range(len(assumptions))), all_rules)
        else:
            core = _clip(res.core, len(assumptions))
    core = _clip(core, len(assumptions))
    cur_a = list(core.assumptions)
    core_rules = set(core.rules)
    cur_r = list(all_rules) if keep_rules else [r for r in all_rules if r in core_rules]

    def check(idx: list[int], rs: list[str]) -> Core | None:
        """The refined core when still unsatisfiable, else None."""
        if deadline.expired():
            return None
        res = session.solve(
            [*(assumptions[i] for i in idx), *extra], rules=rs, time_limit=deadline.remaining()
        )
        if res.status is not SolveStatus.UNSAT:
            return None
        if res.core is None:
            return Core(tuple(idx), tuple(rs))
        sub = {pos: i for pos, i in enumerate(idx)}
        found = set(res.core.rules)
        return Core(
            tuple(sub[p] for p in res.core.assumptions if p in sub),
            tuple(r for r in rs if r in found),
        )

    # rules first (so that the user's choices stay in the explanation), then choices, oldest first
    if not keep_rules:
        i = 0
        while i < len(cur_r):
            trial = cur_r[:i] + cur_r[i + 1 :]
            refined = check(cur_a, trial)
            if refined is None:
                i += 1
                continue
            keep = set(refined.rules)
            kept_a = set(refined.assumptions)
            cur_r = [r for r in trial if r in keep]
            cur_a = [a for a in cur_a if a in kept_a]
    i = 0
    while i < len(cur_a):
        trial_a = cur_a[:i] + cur_a[i + 1 :]
        refined = check(trial_a, cur_r)
        if refined is None:
            i += 1
            continue
        kept_a = set(refined.assumptions)
        cur_a = [a for a in trial_a if a in kept_a]
        if not keep_rules:
            kept_r = set(refined.rules)
            cur_r = [r for r in cur_r if r in kept_r]
    return Core(tuple(sorted(cur_a)), tuple(cur_r))


def _clip(core: Core, n: int) -> Core:
    return Core(tuple(i for i in core.assumptions if i < n), core.rules)


def minimum_corrections(
    session: SolverSession,
    assumptions: Sequence[Assumption],
    *,
    hard: Sequence[Assumption] = (),
    rules: Collection[str] | None = None,
    max_size: int | None = None,
    limit: int = 10,
    time_limit: float,
) -> tuple[list[tuple[int, ...]], bool]:
    """The smallest sets of assumption indices whose removal makes the problem satisfiable.

    Returns every correction set of the minimum size (up to ``limit`` of them, in index order)
    and whether the search finished (false on time out or when no set of at most ``max_size``
    elements exists). ``max_size`` ``None`` (the default) sets no bound: sizes are tried from
    the smallest up, as long as the time limit allows. When the problem is satisfiable as it
    is, the list is ``[()]``.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.model.compile import compile_model
        >>> from cpq.solve.registry import get_backend
        >>> m = compile_model(demo_ruleset())
        >>> s = get_backend("sat").open(m)
        >>> sea = m.attribute("medium").lit("sea_water")
        >>> iron = m.attribute("material").lit("cast_iron")
        >>> minimum_corrections(s, [sea, iron], time_limit=5)
        ([(0,), (1,)], True)
    """
    native = getattr(session, "minimum_corrections", None)
    if native is not None:  # the backend counts dropped choices itself (same contract)
        got: tuple[list[tuple[int, ...]], bool] = native(
            assumptions,
            hard=hard,
            rules=rules,
            max_size=max_size,
            limit=limit,
            time_limit=time_limit,
        )
        return got
    return _generic_minimum_corrections(
        session,
        assumptions,
        hard=hard,
        rules=rules,
        max_size=max_size,
        limit=limit,
        time_limit=time_limit,
    )


def _generic_minimum_corrections(
    session: SolverSession,
    assumptions: Sequence[Assumption],
    *,
    hard: Sequence[Assumption] = (),
    rules: Collection[str] | None = None,
    max_size: int | None = None,
    limit: int = 10,
    time_limit: float,
) -> tuple[list[tuple[int, ...]], bool]:
    """Minimum corrections by trying subsets of the assumptions by size (any backend)."""
    deadline = Deadline(time_limit)
    n = len(assumptions)
    res = session.solve([*assumptions, *hard], rules=rules, time_limit=deadline.remaining())
    if res.status is SolveStatus.SAT:
        return [()], True
    if res.status is SolveStatus.UNKNOWN:
        return [], False
    # every correction set must hit every core: use cores to prune candidates
    cores: list[frozenset[int]] = []
    if res.core is not None:
        cores.append(frozenset(i for i in res.core.assumptions if i < n))
    largest = n if max_size is None else min(max_size, n)
    for size in range(1, largest + 1):
        found: list[tuple[int, ...]] = []
        for combo in itertools.combinations(range(n), size):
            if deadline.expired():
                return found, False
            chosen = set(combo)
            if any(not (chosen & c) for c in cores):
                continue
            rest = [assumptions[i] for i in range(n) if i not in chosen]
            r = session.solve([*rest, *hard], rules=rules, time_limit=deadline.remaining())
            if r.status is SolveStatus.SAT:
                found.append(combo)
                if len(found) >= limit:
                    return found, True
            elif r.status is SolveStatus.UNSAT and r.core is not None:
                kept = [i for i in range(n) if i not in chosen]
                cores.append(frozenset(kept[p] for p in r.core.assumptions if p < len(kept)))
            elif r.status is SolveStatus.UNKNOWN:
                return found, False
        if found:
            return found, True
    return [], False
