"""Baselines written straight against the solver libraries, without any of cpq's layers.

The raw instance files are parsed here by small readers of our own (XCSP 2.1 extensional
tables, DIMACS CNF with feature names in comments, UVL feature models), so the baselines are
independent of cpq's importers, compiler and backends. Every instance becomes a :class:`Problem`:
named attributes with a finite list of values, and the constraints in two forms:

* a CNF over one literal per (attribute, value) plus auxiliary variables (SAT and CP-SAT);
* plain Python predicates over attribute values (python-constraint).

Three ways to compute the valid domains (every value that occurs in at least one solution under
the current choices), all solution-guided (every solution found marks all its values as
possible; only values not yet seen are probed, one solver call each):

* :class:`SatBaseline`: one warm python-sat solver, choices and probes as assumptions;
* :class:`CpSatBaseline`: OR-Tools CP-SAT, one solve per probed value (one worker);
* :class:`PyConstraintBaseline`: python-constraint backtracking search, one search per probe.

Example:
    >>> p = parse_dimacs_text("c 1 a bool\\nc 2 b bool\\np cnf 2 1\\n-1 2 0\\n", "tiny")
    >>> b = SatBaseline(p)
    >>> sorted(b.domains([("a", True)])["b"])
    [True]
    >>> b.count()
    3
"""

from __future__ import annotations

import itertools
import re
import signal
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

Value = Any  # int (XCSP) or bool (feature models)
Choice = tuple[str, Value]
Clause = list[int]

__all__ = [
    "CpSatBaseline",
    "Problem",
    "PyConstraintBaseline",
    "SatBaseline",
    "TimeLimit",
    "parse_dimacs",
    "parse_uvl",
    "parse_xcsp",
]


class TimeLimit(Exception):
    """A baseline ran out of its time budget."""


@dataclass
class Table:
    """An extensional constraint: allowed (supports) or forbidden (conflicts) tuples."""

    name: str
    scope: tuple[str, ...]
    tuples: frozenset[tuple[int, ...]]
    supports: bool = True


@dataclass
class Problem:
    """A finite-domain problem: attributes with values, CNF over value literals, predicates.

    ``lits[(attribute, value)]`` is the SAT literal that says "attribute has value";
    ``clauses`` hold the whole problem (domains included) over those and ``n_aux`` auxiliary
    variables; ``predicates`` state the same constraints for python-constraint, each as
    (scope, function of the scope's values).
    """

    name: str
    kind: str  # "csp" or "fm"
    attributes: dict[str, tuple[Value, ...]]
    lits: dict[Choice, int]
    clauses: list[Clause]
    n_vars: int
    predicates: list[tuple[tuple[str, ...], Callable[..., bool]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    rule_clauses: dict[str, range] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def value_of(self, model: Sequence[int]) -> dict[str, Value]:
        """Attribute values of a full SAT model (list of signed literals)."""
        true = {lit for lit in model if lit > 0}
        out: dict[str, Value] = {}
        for (attr, value), lit in self.lits.items():
            if (lit > 0 and lit in true) or (lit < 0 and -lit not in true):
                out[attr] = value
        return out

    def satisfies(self, values: dict[str, Value]) -> bool:
        """Whether a full assignment satisfies every predicate (independent of the CNF)."""
        return all(fn(*(values[a] for a in scope)) for scope, fn in self.predicates)


# -- XCSP 2.1 -------------------------------------------------------------------------------


def _ints(text: str | None) -> list[int]:
    out: list[int] = []
    for tok in (text or "").split():
        if ".." in tok:
            lo, hi = tok.split("..")
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(tok))
    return out


def parse_xcsp(path: Path | str) -> Problem:
    """An XCSP 2.1 instance with extensional relations (the Renault format)."""
    root = ET.parse(path).getroot()
    domains = {d.get("name"): tuple(_ints(d.text)) for d in root.iter("domain")}
    attributes: dict[str, tuple[Value, ...]] = {}
    for v in root.iter("variable"):
        attributes[str(v.get("name"))] = domains[v.get("domain")]
    relations: dict[str, tuple[frozenset[tuple[int, ...]], bool]] = {}
    for r in root.iter("relation"):
        arity = int(r.get("arity", "0"))
        rows = [row.split() for row in (r.text or "").split("|")]
        tuples = frozenset(tuple(int(x) for x in row) for row in rows if len(row) == arity)
        relations[str(r.get("name"))] = (tuples, r.get("semantics") == "supports")
    tables = []
    for c in root.iter("constraint"):
        scope = tuple(str(c.get("scope")).split())
        tuples, supports = relations[str(c.get("reference"))]
        tables.append(Table(str(c.get("name")), scope, tuples, supports))
    return csp_problem(Path(path).stem, attributes, tables)


def csp_problem(name: str, attributes: dict[str, tuple[int, ...]], tables: list[Table]) -> Problem:
    """Encode a table CSP: a literal per value, exactly-one per variable; binary tables by
    support clauses (arc consistency by unit propagation), wider ones with one selector
    literal per tuple plus support clauses."""
    lits: dict[Choice, int] = {}
    n = 0
    clauses: list[Clause] = []
    for attr, values in attributes.items():
        ls = []
        for v in values:
            n += 1
            lits[(attr, v)] = n
            ls.append(n)
        clauses.append(ls)
        clauses.extend([-a, -b] for a, b in itertools.combinations(ls, 2))
    predicates: list[tuple[tuple[str, ...], Callable[..., bool]]] = []
    rule_clauses: dict[str, range] = {}
    for t in tables:
        start = len(clauses)
        n = _encode_table(t, attributes, lits, clauses, predicates, n)
        rule_clauses[t.name] = range(start, len(clauses))
    return Problem(
        name, "csp", dict(attributes), lits, clauses, n, predicates, list(tables), rule_clauses
    )


def _encode_table(
    t: Table,
    attributes: dict[str, tuple[int, ...]],
    lits: dict[Choice, int],
    clauses: list[Clause],
    predicates: list[tuple[tuple[str, ...], Callable[..., bool]]],
    n: int,
) -> int:
    """Append the clauses and the predicate of one table; returns the last variable used."""
    doms = [set(attributes[x]) for x in t.scope]
    rows = [row for row in t.tuples if all(v in d for v, d in zip(row, doms, strict=True))]
    if not t.supports:
        for row in rows:
            clauses.append([-lits[(x, v)] for x, v in zip(t.scope, row, strict=True)])
        forbidden = frozenset(rows)
        predicates.append((t.scope, lambda *vs, f=forbidden: vs not in f))
        return n
    allowed = frozenset(rows)
    predicates.append((t.scope, lambda *vs, a=allowed: vs in a))
    if len(t.scope) == 2 and t.scope[0] != t.scope[1]:
        x, y = t.scope
        for i, (a, b) in enumerate(((x, y), (y, x))):
            for va in attributes[a]:
                sup = {row[1 - i] for row in rows if row[i] == va}
                clauses.append(
                    [-lits[(a, va)], *(lits[(b, vb)] for vb in attributes[b] if vb in sup)]
                )
        return n
    sel = []
    for row in rows:
        n += 1
        sel.append(n)
        for x, v in zip(t.scope, row, strict=True):
            clauses.append([-n, lits[(x, v)]])
    clauses.append(sel)
    for i, x in enumerate(t.scope):
        for v in attributes[x]:
            clauses.append(
                [-lits[(x, v)], *(s for s, row in zip(sel, rows, strict=True) if row[i] == v)]
            )
    return n


# -- DIMACS ---------------------------------------------------------------------------------


def parse_dimacs(path: Path | str) -> Problem:
    """A DIMACS CNF whose comments name the variables (``c <index> <name> ...``)."""
    return parse_dimacs_text(Path(path).read_text(), Path(path).stem)


_DIMACS_NAME = re.compile(
    r"^c\s+(\d+)\s+(.*?)(?:\s+(?:bool|nonbool|choice_bool|hidden_bool|tristate)\b.*)?$"
)


def parse_dimacs_text(text: str, name: str) -> Problem:
    """See :func:`parse_dimacs`."""
    names: dict[int, str] = {}
    clauses: list[Clause] = []
    n_vars = 0
    current: list[int] = []
    for line in text.splitlines():
        if line.startswith("c"):
            m = _DIMACS_NAME.match(line)
            if m:
                names[int(m.group(1))] = m.group(2)
            continue
        if line.startswith("p"):
            n_vars = int(line.split()[2])
            continue
        for tok in line.split():
            lit = int(tok)
            if lit == 0:
                clauses.append(current)
                current = []
            else:
                current.append(lit)
    attributes: dict[str, tuple[Value, ...]] = {}
    lits: dict[Choice, int] = {}
    for i in range(1, n_vars + 1):
        attr = names.get(i, f"x{i}")
        attributes[attr] = (False, True)
        lits[(attr, True)] = i
        lits[(attr, False)] = -i
    by_index = {i: names.get(i, f"x{i}") for i in range(1, n_vars + 1)}
    predicates = [
        (tuple(by_index[abs(lit)] for lit in cl), _clause_fn([lit > 0 for lit in cl]))
        for cl in clauses
    ]
    return Problem(name, "fm", attributes, lits, clauses, n_vars, predicates)


def _clause_fn(signs: list[bool]) -> Callable[..., bool]:
    return lambda *vs: any(v == s for v, s in zip(vs, signs, strict=True))


# -- UVL ------------------------------------------------------------------------------------

_GROUPS = ("mandatory", "optional", "alternative", "or")
_TOKEN = re.compile(r'\s*(<=>|=>|!|&|\||\(|\)|"[^"]*"|[^\s!&|()"]+)')


@dataclass
class _Node:
    name: str
    children: list[tuple[str, list[_Node]]] = field(default_factory=list)


def _uvl_name(tok: str) -> str:
    tok = tok.strip()
    if tok.startswith('"'):
        return tok[1 : tok.index('"', 1)]
    return tok.split()[0]


def parse_uvl(path: Path | str) -> Problem:
    """A UVL feature model (tree with mandatory/optional/alternative/or groups, Boolean
    cross-tree constraints with ``! & | => <=>``)."""
    lines = Path(path).read_text().splitlines()
    root: _Node | None = None
    stack: list[tuple[int, Any]] = []  # (indent, _Node or group list)
    constraints: list[str] = []
    section = ""
    for raw in lines:
        if not raw.strip():
            continue
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip("\t"))
        if indent == 0:
            section = stripped.split()[0]
            stack = []
            continue
        if section == "constraints":
            constraints.append(stripped)
            continue
        if section != "features":
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        word = stripped.split()[0]
        if word in _GROUPS or word.startswith("["):
            parent = stack[-1][1]
            group: list[_Node] = []
            parent.children.append((word, group))
            stack.append((indent, group))
        else:
            node = _Node(_uvl_name(stripped))
            if not stack:
                root = node
            else:
                stack[-1][1].append(node)
            stack.append((indent, node))
    assert root is not None, "no features"
    features: list[str] = []
    tree: list[Clause] = []
    index: dict[str, int] = {}

    def var(name: str) -> int:
        if name not in index:
            index[name] = len(index) + 1
            features.append(name)
        return index[name]

    def walk(node: _Node) -> None:
        p = var(node.name)
        for kind, group in node.children:
            cs = [var(c.name) for c in group]
            for c in cs:
                tree.append([-c, p])
            if kind == "mandatory":
                tree.extend([-p, c] for c in cs)
            elif kind in ("or", "alternative"):
                tree.append([-p, *cs])
                if kind == "alternative":
                    tree.extend([-a, -b] for a, b in itertools.combinations(cs, 2))
            elif kind.startswith("["):
                raise NotImplementedError(f"group cardinality {kind}")
            for c in group:
                walk(c)

    walk(root)
    tree.append([index[root.name]])
    exprs = [_parse_expr(c) for c in constraints]
    for e in exprs:
        for name in _names(e):
            var(name)
    n = len(features)
    clauses = list(tree)
    counter = [n]
    for e in exprs:
        clauses.extend(_tseitin_top(e, index, counter))
    attributes = {f: (False, True) for f in features}
    lits: dict[Choice, int] = {}
    for f in features:
        lits[(f, True)] = index[f]
        lits[(f, False)] = -index[f]
    predicates = [
        (tuple(features[abs(lit) - 1] for lit in cl), _clause_fn([lit > 0 for lit in cl]))
        for cl in tree
    ]
    for e in exprs:
        scope = tuple(sorted(set(_names(e))))
        predicates.append((scope, _expr_fn(e, scope)))
    return Problem(
        Path(path).name.split(".")[0],
        "fm",
        attributes,
        lits,
        clauses,
        counter[0],
        predicates,
        notes={"features": n, "cross_tree_constraints": len(exprs)},
    )


# expression AST: ("var", name) | ("not", e) | ("and", a, b) | ("or", a, b) | ("imp", a, b) | ("iff", a, b)


def _parse_expr(text: str) -> tuple[Any, ...]:
    toks = [m.group(1) for m in _TOKEN.finditer(text)]
    pos = 0

    def peek() -> str | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def binary(sub: Callable[[], Any], op: str, tag: str) -> Callable[[], Any]:
        def parse() -> Any:
            left = sub()
            while peek() == op:
                take()
                left = (tag, left, sub())
            return left

        return parse

    def unary() -> Any:
        tok = take()
        if tok == "!":
            return ("not", unary())
        if tok == "(":
            e = iff()
            assert take() == ")"
            return e
        return ("var", _uvl_name(tok))

    conj = binary(unary, "&", "and")
    disj = binary(conj, "|", "or")
    imp = binary(disj, "=>", "imp")
    iff = binary(imp, "<=>", "iff")
    e = iff()
    assert pos == len(toks), f"cannot parse constraint {text!r}"
    return e  # type: ignore[no-any-return]


def _names(e: tuple[Any, ...]) -> Iterator[str]:
    if e[0] == "var":
        yield e[1]
    else:
        for sub in e[1:]:
            yield from _names(sub)


def _eval(e: tuple[Any, ...], env: dict[str, bool]) -> bool:
    tag = e[0]
    if tag == "var":
        return env[e[1]]
    if tag == "not":
        return not _eval(e[1], env)
    a, b = _eval(e[1], env), _eval(e[2], env)
    return {"and": a and b, "or": a or b, "imp": (not a) or b, "iff": a == b}[tag]


def _expr_fn(e: tuple[Any, ...], scope: tuple[str, ...]) -> Callable[..., bool]:
    return lambda *vs: _eval(e, dict(zip(scope, vs, strict=True)))


def _tseitin_top(e: tuple[Any, ...], index: dict[str, int], counter: list[int]) -> list[Clause]:
    clauses: list[Clause] = []

    def lit(e: tuple[Any, ...]) -> int:
        tag = e[0]
        if tag == "var":
            return index[e[1]]
        if tag == "not":
            return -lit(e[1])
        a, b = lit(e[1]), lit(e[2])
        counter[0] += 1
        g = counter[0]
        if tag == "imp":
            tag, a = "or", -a
        if tag == "and":
            clauses.extend([[-g, a], [-g, b], [g, -a, -b]])
        elif tag == "or":
            clauses.extend([[g, -a], [g, -b], [-g, a, b]])
        else:  # iff
            clauses.extend([[-g, -a, b], [-g, a, -b], [g, a, b], [g, -a, -b]])
        return g

    clauses.append([lit(e)])
    return clauses


# -- the valid-domain loops -----------------------------------------------------------------


def _all_values(problem: Problem) -> list[Choice]:
    return [(a, v) for a, vs in problem.attributes.items() for v in vs]


class SatBaseline:
    """A bare python-sat valid-domain loop: one warm solver, choices as assumptions.

    Values whose negation unit propagation derives from the choices are impossible without a
    call; before probing, the solver's preferred phases are set to the values not seen yet (again
    after every new solution), so one solution tends to cover many of them."""

    name = "pysat"

    def __init__(self, problem: Problem, solver: str = "glucose4", phases: bool = True) -> None:
        from pysat.solvers import Solver

        self.problem = problem
        self.phases = phases
        self.solver = Solver(name=solver, bootstrap_with=problem.clauses)
        self.calls = 0

    def close(self) -> None:
        self.solver.delete()

    def solve(self, choices: Sequence[Choice] = ()) -> dict[str, Value] | None:
        """One solution under the choices, or ``None``."""
        self.calls += 1
        assumptions = [self.problem.lits[c] for c in choices]
        if not self.solver.solve(assumptions=assumptions):
            return None
        return self.problem.value_of(self.solver.get_model())

    def domains(self, choices: Sequence[Choice] = ()) -> dict[str, set[Value]]:
        """Every attribute's valid values under the choices (empty dict when inconsistent)."""
        lits = self.problem.lits
        assumptions = [lits[c] for c in choices]
        solver = self.solver
        self.calls += 1
        if not solver.solve(assumptions=assumptions):
            return {}
        seen = set(solver.get_model())
        # values whose negation unit propagation derives from the choices need no call
        ok, fixed = solver.propagate(assumptions=assumptions)
        dead = {-x for x in fixed} if ok else set()
        todo = [lit for lit in lits.values() if lit not in seen and lit not in dead]
        stale = True
        for lit in todo:
            if lit in seen:
                continue
            if self.phases and stale:
                solver.set_phases([x for x in todo if x not in seen])
                stale = False
            self.calls += 1
            if solver.solve(assumptions=[*assumptions, lit]):
                seen.update(solver.get_model())
                stale = True
        out: dict[str, set[Value]] = {a: set() for a in self.problem.attributes}
        for (a, v), lit in lits.items():
            if lit in seen:
                out[a].add(v)
        return out

    def count(self, limit: int = 10_000_000) -> int:
        """Number of solutions (projected on the attributes), by enumeration with blocking
        clauses on a fresh solver."""
        from pysat.solvers import Solver

        attrs = list(self.problem.attributes)
        lits = self.problem.lits
        n = 0
        with Solver(name="cadical195", bootstrap_with=self.problem.clauses) as s:
            while n < limit and s.solve():
                values = self.problem.value_of(s.get_model())
                s.add_clause([-lits[(a, values[a])] for a in attrs])
                n += 1
        return n


class CpSatBaseline:
    """OR-Tools CP-SAT: one solve per value not yet seen in a solution (one worker); choices
    and the probed value as assumptions on one model, a fresh ``CpSolver`` per call."""

    name = "cpsat"
    TUNED: ClassVar[dict[str, Any]] = {
        "cp_model_presolve": False,
        "cp_model_probing_level": 0,
        "symmetry_level": 0,
    }
    """Parameters for many small solves: no presolve, probing or symmetry detection."""

    def __init__(self, problem: Problem, tuned: bool = False) -> None:
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.problem = problem
        self.params: dict[str, Any] = dict(self.TUNED) if tuned else {}
        if tuned:
            self.name = "cpsat-tuned"
        m = cp_model.CpModel()
        self.model = m
        self.lit: dict[Choice, Any] = {}
        if problem.kind == "csp":
            ivars = {}
            for a, vs in problem.attributes.items():
                x = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(vs)), a)
                ivars[a] = x
                bs = []
                for v in vs:
                    b = m.NewBoolVar(f"{a}={v}")
                    m.Add(x == v).OnlyEnforceIf(b)
                    m.Add(x != v).OnlyEnforceIf(b.Not())
                    self.lit[(a, v)] = b
                    bs.append(b)
                m.AddExactlyOne(bs)
            for t in problem.tables:
                if t.supports:
                    m.AddAllowedAssignments([ivars[x] for x in t.scope], sorted(t.tuples))
                else:
                    m.AddForbiddenAssignments([ivars[x] for x in t.scope], sorted(t.tuples))
        else:
            bv = [m.NewBoolVar(f"x{i}") for i in range(problem.n_vars + 1)]

            def cp(lit: int) -> Any:
                return bv[lit] if lit > 0 else bv[-lit].Not()

            for (a, v), lit in problem.lits.items():
                self.lit[(a, v)] = cp(lit)
            for cl in problem.clauses:
                m.AddBoolOr([cp(lit) for lit in cl])
        self.calls = 0

    def _solve(self, assumptions: list[Any], deadline: float) -> dict[str, Value] | None:
        cp_model = self.cp_model
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeLimit
        self.model.ClearAssumptions()
        self.model.AddAssumptions(assumptions)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = left
        for key, value in self.params.items():
            setattr(solver.parameters, key, value)
        self.calls += 1
        status = solver.Solve(self.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {a: v for (a, v), b in self.lit.items() if solver.BooleanValue(b)}
        if status == cp_model.INFEASIBLE:
            return None
        raise TimeLimit

    def domains(
        self, choices: Sequence[Choice] = (), time_limit: float = 60.0
    ) -> dict[str, set[Value]]:
        """Valid domains; raises :class:`TimeLimit` past ``time_limit`` seconds."""
        deadline = time.perf_counter() + time_limit
        base = [self.lit[c] for c in choices]
        first = self._solve(base, deadline)
        if first is None:
            return {}
        out: dict[str, set[Value]] = {a: set() for a in self.problem.attributes}
        for a, v in first.items():
            out[a].add(v)
        for a, v in _all_values(self.problem):
            if v in out[a]:
                continue
            sol = self._solve([*base, self.lit[(a, v)]], deadline)
            if sol is not None:
                for a2, v2 in sol.items():
                    out[a2].add(v2)
        return out

    def count(self, time_limit: float = 600.0) -> int:
        """Number of solutions, by CP-SAT's own enumeration (presolve off, as it requires)."""
        cp_model = self.cp_model
        self.model.ClearAssumptions()
        solver = cp_model.CpSolver()
        solver.parameters.enumerate_all_solutions = True
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit
        keys = [self.lit[(a, v)] for a, v in _all_values(self.problem)]

        class Counter(cp_model.CpSolverSolutionCallback):
            def __init__(self) -> None:
                super().__init__()
                self.n = 0
                self.seen: set[tuple[bool, ...]] = set()

            def on_solution_callback(self) -> None:
                self.seen.add(tuple(self.BooleanValue(k) for k in keys))

        cb = Counter()
        status = solver.Solve(self.model, cb)
        if status != cp_model.OPTIMAL:
            raise TimeLimit
        return len(cb.seen)


class _Alarm:
    """Interrupt pure-Python code after ``seconds`` (SIGALRM; main thread only)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        def fire(signum: int, frame: Any) -> None:
            raise TimeLimit

        self.old = signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 1e-3))

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old)


class PyConstraintBaseline:
    """python-constraint's backtracking search: one ``getSolution`` per value not yet seen."""

    name = "pyconstraint"

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.calls = 0

    def _solve(self, fixed: dict[str, Value]) -> dict[str, Value] | None:
        import constraint

        p = constraint.Problem()
        for a, vs in self.problem.attributes.items():
            p.addVariable(a, [fixed[a]] if a in fixed else list(vs))
        for scope, fn in self.problem.predicates:
            p.addConstraint(constraint.FunctionConstraint(fn), list(scope))
        self.calls += 1
        sol = p.getSolution()
        return dict(sol) if sol else None

    def domains(
        self, choices: Sequence[Choice] = (), time_limit: float = 60.0
    ) -> dict[str, set[Value]]:
        """Valid domains; raises :class:`TimeLimit` past ``time_limit`` seconds."""
        fixed = dict(choices)
        with _Alarm(time_limit):
            first = self._solve(fixed)
            if first is None:
                return {}
            out: dict[str, set[Value]] = {a: set() for a in self.problem.attributes}
            for a, v in first.items():
                out[a].add(v)
            for a, v in _all_values(self.problem):
                if v in out[a] or a in fixed:
                    continue
                sol = self._solve({**fixed, a: v})
                if sol is not None:
                    for a2, v2 in sol.items():
                        out[a2].add(v2)
        return out
