"""Renault sales: read the sold configurations, classify them, replay them click by click, and
a bare python-sat order checker (check, minimal explanation, minimum repair).

``sales/small_brut.csv`` has a frequency column ``vfreq`` and one column per user-facing
variable of the small Renault problem, named like the XCSP variables (``v1`` ... ``v53``); its
values are the XCSP integers (``-1``: option not taken). A row is

* ``valid`` when its values extend to a full solution of the 139-variable problem,
* ``out-of-domain`` when a value is not in its variable's domain (``v24=8``, ``v7=3`` ...),
* ``rule-breaking`` otherwise (in-domain values that no solution extends).

The check is this module's own (a SAT call on the raw XCSP tables, :mod:`baselines`), so it is
independent of cpq. Replays click the columns in the file's order (``v1``, ``v2``, ...,
``v53``) and ask for the valid domains after every click.

Example:
    >>> columns, sales = read_sales()
    >>> len(columns), len(sales), columns[:3]
    (48, 15972, ['v1', 'v2', 'v3'])
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from _common import BENCHMARKS
from baselines import Choice, Problem, SatBaseline, TimeLimit
from progress import Progress

RENAULT_XML = BENCHMARKS / "renault-xcsp" / "small_contraintes.xml"
SALES_CSV = BENCHMARKS / "renault-xcsp" / "sales" / "small_brut.csv"

VALID, OUT_OF_DOMAIN, RULE_BREAKING = "valid", "out-of-domain", "rule-breaking"


@dataclass(frozen=True)
class Sale:
    """One row of the sales file: ``row`` is the 1-based data row, ``values`` in click order.

    ``target`` (synthetic sessions): the full configuration to keep reachable, when the clicks
    are not in the same terms as the domains (otherwise ``values`` is the target)."""

    row: int
    freq: int
    values: dict[str, Any]
    target: dict[str, Any] | None = None


def read_sales(path: Path = SALES_CSV) -> tuple[list[str], list[Sale]]:
    """The columns (the click order) and every row."""
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols = header[1:]
        sales = [
            Sale(i, int(r[0]), {c: int(x) for c, x in zip(cols, r[1:], strict=True)})
            for i, r in enumerate(reader, 1)
        ]
    return cols, sales


def out_of_domain(problem: Problem, values: dict[str, int]) -> list[str]:
    """The attributes whose value is not in the domain."""
    return [a for a, v in values.items() if v not in problem.attributes[a]]


def classify(problem: Problem, sales: Sequence[Sale], sat: SatBaseline) -> list[str]:
    """``valid``, ``out-of-domain`` or ``rule-breaking`` for each sale."""
    out = []
    for s in sales:
        if out_of_domain(problem, s.values):
            out.append(OUT_OF_DOMAIN)
        elif sat.solve(list(s.values.items())) is None:
            out.append(RULE_BREAKING)
        else:
            out.append(VALID)
    return out


# -- replays --------------------------------------------------------------------------------


class ReplaySession(Protocol):
    """What a replay drives: a fresh session, one click, the valid domains afterwards."""

    def start(self) -> None: ...

    def click(self, attribute: str, value: int) -> None: ...

    def domains(self) -> dict[str, set[int]]: ...


class BaselineSession:
    """A replay session over a baseline's ``domains(choices)``; ``translate`` turns a click
    into the baseline's choices (default: the click itself)."""

    def __init__(
        self,
        domains: Callable[[Sequence[Choice]], dict[str, set[int]]],
        translate: Callable[[str, Any], list[Choice]] | None = None,
    ) -> None:
        self._domains = domains
        self.translate = translate
        self.choices: list[Choice] = []

    def start(self) -> None:
        self.choices = []

    def click(self, attribute: str, value: Any) -> None:
        if self.translate is None:
            self.choices.append((attribute, value))
        else:
            self.choices.extend(self.translate(attribute, value))

    def domains(self) -> dict[str, set[int]]:
        return self._domains(self.choices)


@dataclass
class ReplayResult:
    """Per-click latencies (seconds, wall clock; ``cpu``: CPU time of the process) and every
    click after which a sold value was excluded."""

    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    unreachable: list[tuple[int, int, str, int]] = field(default_factory=list)
    sales: int = 0
    seconds: float = 0.0
    timeouts: int = 0
    skipped: int = 0
    timeout_walls: list[float] = field(default_factory=list)

    @property
    def all_reachable(self) -> bool:
        return not self.unreachable


def _unreachable(sale: Sale, domains: dict[str, Any]) -> list[tuple[str, Any]]:
    target = sale.target if sale.target is not None else sale.values
    return [(a, v) for a, v in target.items() if v not in domains.get(a, ())]


def replay(
    session: ReplaySession, sales: Sequence[Sale], label: str, *, every: float = 10.0
) -> ReplayResult:
    """Click every sale's values in column order; time ``click + domains`` per click (wall
    clock and CPU time of this process) and check that every value of the sale stays possible
    after every click."""
    res = ReplayResult(sales=len(sales))
    clicks = sum(len(s.values) for s in sales)
    progress = Progress(label, clicks, every)
    t_start = time.perf_counter()
    for sale in sales:
        session.start()
        for k, (attr, value) in enumerate(sale.values.items()):
            c0 = time.process_time()
            t0 = time.perf_counter()
            session.click(attr, value)
            doms = session.domains()
            res.latencies.append(time.perf_counter() - t0)
            res.cpu.append(time.process_time() - c0)
            for a, v in _unreachable(sale, doms):
                res.unreachable.append((sale.row, k + 1, a, v))
            progress.step()
    res.seconds = time.perf_counter() - t_start
    return res


def sample_states(sales: Sequence[Sale], k: int) -> list[tuple[Sale, int]]:
    """``k`` click states spread over the sales and over the click positions: (sale, clicks)."""
    if not sales or k <= 0:
        return []
    n_cols = len(sales[0].values)
    out = []
    for i in range(k):
        sale = sales[(i * len(sales)) // k]
        clicks = 1 + (i * 7 + 3) % n_cols if k > 1 else n_cols // 2
        out.append((sale, clicks))
    return out


def time_states(
    run: Callable[[Sequence[Choice], float], tuple[dict[str, set[int]], float]],
    states: Iterable[tuple[Sale, int]],
    time_limit: float,
    label: str,
    stop_after_timeout: bool = True,
) -> ReplayResult:
    """Time the slow engines on given click states: ``run(choices, time_limit)`` returns the
    domains and the seconds it measured (set-up such as selecting the choices excluded). A
    state that runs out of time (:class:`TimeLimit`) counts as a timeout, not as a sample; after
    a timeout the remaining states are skipped (counted in ``skipped``)."""
    states = list(states)
    res = ReplayResult(sales=len(states))
    progress = Progress(label, len(states), 10.0)
    t_start = time.perf_counter()
    for i, (sale, clicks) in enumerate(states):
        if stop_after_timeout and res.timeouts:
            res.skipped = len(states) - i
            break
        choices = list(sale.values.items())[:clicks]
        t0 = time.perf_counter()
        try:
            doms, seconds = run(choices, time_limit)
        except TimeLimit:
            res.timeouts += 1
            res.timeout_walls.append(time.perf_counter() - t0)
        else:
            res.latencies.append(seconds)
            for a, v in _unreachable(sale, doms):
                res.unreachable.append((sale.row, clicks, a, v))
        progress.step()
    res.seconds = time.perf_counter() - t_start
    return res


def timed(
    domains: Callable[[Sequence[Choice], float], dict[str, set[int]]],
) -> Callable[[Sequence[Choice], float], tuple[dict[str, set[int]], float]]:
    """Wrap a baseline's ``domains(choices, time_limit)`` for :func:`time_states`."""

    def run(choices: Sequence[Choice], time_limit: float) -> tuple[dict[str, set[int]], float]:
        t0 = time.perf_counter()
        doms = domains(choices, time_limit)
        return doms, time.perf_counter() - t0

    return run


# -- the order check, bare python-sat ---------------------------------------------------------


@dataclass
class OrderVerdict:
    """What the order check says about one row."""

    status: str
    out_of_domain: list[str]
    conflict_choices: list[str]
    conflict_rules: list[str]
    repair: dict[str, int] | None = None
    changed: list[str] = field(default_factory=list)


class SatOrderChecker:
    """Check, explain (a subset-minimal conflict of choices and tables) and repair (a
    minimum number of changed choices) orders on one warm python-sat solver.

    Every table is switched on by a selector literal; each order column ``a`` has a
    "changed" literal ``c_a`` and, per value ``v``, a "keep" literal ``k_av`` with the clause
    ``k_av -> (a = v or c_a)``; a totalizer over the ``c_a`` bounds the number of changes.
    """

    def __init__(self, problem: Problem, columns: Sequence[str], solver: str = "glucose4") -> None:
        from pysat.card import ITotalizer
        from pysat.solvers import Solver

        self.problem = problem
        self.columns = list(columns)
        n = problem.n_vars
        in_rule = {i for r in problem.rule_clauses.values() for i in r}
        hard = [cl for i, cl in enumerate(problem.clauses) if i not in in_rule]
        self.selector: dict[str, int] = {}
        guarded: list[list[int]] = []
        for name, idx in problem.rule_clauses.items():
            n += 1
            self.selector[name] = n
            guarded.extend([-n, *problem.clauses[i]] for i in idx)
        self.rule_of = {s: name for name, s in self.selector.items()}
        self.changed: dict[str, int] = {}
        self.keep: dict[Choice, int] = {}
        relax: list[list[int]] = []
        for a in self.columns:
            n += 1
            self.changed[a] = n
            for v in problem.attributes[a]:
                n += 1
                self.keep[(a, v)] = n
                relax.append([-n, self.changed[a], problem.lits[(a, v)]])
        self.tot = ITotalizer(
            lits=[self.changed[a] for a in self.columns], ubound=len(self.columns), top_id=n
        )
        self.solver = Solver(
            name=solver, bootstrap_with=hard + guarded + relax + self.tot.cnf.clauses
        )
        self.all_rules = list(self.selector.values())
        self.calls = 0

    def _solve(self, assumptions: list[int]) -> bool:
        self.calls += 1
        return bool(self.solver.solve(assumptions=assumptions))

    def check(self, values: dict[str, int]) -> str:
        if out_of_domain(self.problem, values):
            return OUT_OF_DOMAIN
        lits = [self.problem.lits[c] for c in values.items()]
        return VALID if self._solve(self.all_rules + lits) else RULE_BREAKING

    def explain(self, values: dict[str, int]) -> OrderVerdict:
        """The out-of-domain columns, plus a subset-minimal conflicting set of the remaining
        choices and tables when they have no solution (deletion with core refinement)."""
        ood = out_of_domain(self.problem, values)
        keep = {a: v for a, v in values.items() if a not in ood}
        lit_of = {self.problem.lits[(a, v)]: a for a, v in keep.items()}
        assumptions = self.all_rules + list(lit_of)
        if self._solve(assumptions):
            return OrderVerdict(OUT_OF_DOMAIN if ood else VALID, ood, [], [])
        core = list(self.solver.get_core() or assumptions)
        i = 0
        while i < len(core):
            trial = core[:i] + core[i + 1 :]
            if self._solve(trial):
                i += 1
            else:
                found = set(self.solver.get_core() or trial)
                core = [x for x in trial if x in found]
        choices = [lit_of[x] for x in core if x in lit_of]
        rules = [self.rule_of[x] for x in core if x in self.rule_of]
        return OrderVerdict(OUT_OF_DOMAIN if ood else RULE_BREAKING, ood, choices, rules)

    def repair(self, values: dict[str, int]) -> tuple[dict[str, int], list[str]]:
        """A full solution that changes the fewest order columns (out-of-domain ones always)."""
        ood = out_of_domain(self.problem, values)
        base = self.all_rules + [self.changed[a] for a in ood]
        base += [self.keep[(a, v)] for a, v in values.items() if a not in ood]
        rhs = self.tot.rhs
        for k in range(len(ood), len(self.columns) + 1):
            bound = [-rhs[k]] if k < len(rhs) else []
            if self._solve(base + bound):
                model = self.solver.get_model()
                full = self.problem.value_of(model)
                changed = [a for a in self.columns if full[a] != values[a]]
                return full, changed
        raise AssertionError("no repair: the problem has no solution")

    def conflict_holds(
        self, values: dict[str, int], choices: Sequence[str], rules: Sequence[str]
    ) -> tuple[bool, bool]:
        """Whether the named choices (of ``values``) and rules conflict, and whether the set is
        minimal (dropping any one element leaves a solution)."""
        lits = [self.problem.lits[(a, values[a])] for a in choices]
        lits += [self.selector[r] for r in rules]
        if self._solve(lits):
            return False, False
        minimal = all(self._solve(lits[:i] + lits[i + 1 :]) for i in range(len(lits)))
        return True, minimal
