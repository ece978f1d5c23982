"""The ``sat`` backend: python-sat, one warm incremental solver per session.

This is the only module that imports :mod:`pysat`. The encoding (documented in full in
``docs/engine.md``):

* **Choices.** Every value variable of the IR is one SAT variable (``BoolVar.index + 1``). A
  choice attribute's "exactly one" is a cardinality encoding (pairwise up to 6 values, else a
  sequential counter); a multi attribute's selection bounds are sequential counters.
* **Bounded integers.** Every integer-valued node (an ``int`` attribute, a sum, a product, a
  property of the chosen value ...) gets an *order-and-direct* encoding over its set of possible
  values ``v_0 < ... < v_n``: order literals ``[x >= v_i]`` chained by ``[x >= v_i+1] ->
  [x >= v_i]``, and direct literals ``[x = v_i] <-> [x >= v_i] and not [x >= v_i+1]``. The
  possible values of a node are computed exactly from its children, and a node is defined by
  clauses ``[a = v] and [b = w] -> [z = f(v, w)]``. Terms that are values of one choice attribute
  (``motor.power_kw`` compiles to ``sum(p_v * [motor = v])``) are merged into one term first,
  since exactly one of them is true. A comparison ``S + c*t op 0`` is encoded with one clause per
  value of ``S`` and an order literal of ``t``.
* **Tables.** An ``allow`` table gets one row literal per row (``row -> cell`` clauses), one
  clause "some row holds", and support clauses ``[col = v] -> rows that allow v`` so that unit
  propagation removes unsupported values. A ``forbid`` table gets one clause per row.
* **Rules.** Every rule is guarded by a selector literal: its clauses hold only when the
  selector is assumed true. Calls assume the selectors of the enabled rules, so an
  unsatisfiable core names the rules (and user choices) involved.
* **Time limits.** ``solve_limited`` with an interrupt from one shared watchdog thread.

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> from cpq.model.compile import compile_model
    >>> s = SatBackend().open(compile_model(demo_ruleset()))
    >>> s.solve(time_limit=5).status
    <SolveStatus.SAT: 'sat'>
"""

from __future__ import annotations

import bisect
import collections
import copy
import heapq
import itertools
import math
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pysat.card import CardEnc, EncType
from pysat.solvers import Solver

from cpq.errors import UnsupportedFeatureError
from cpq.model.ir import (
    Abs,
    And,
    Assignment,
    BoolConst,
    BoolExpr,
    BoolToInt,
    BoolVar,
    Compare,
    ConstraintModel,
    FloorDiv,
    IfThenElse,
    Implies,
    IntConst,
    IntVar,
    Linear,
    Max,
    Min,
    Mul,
    Not,
    NumExpr,
    Objective,
    Or,
    Table,
)
from cpq.solve.base import (
    Assumption,
    Capabilities,
    Core,
    Deadline,
    Domains,
    EnumerationResult,
    SolveResult,
    SolveStatus,
    check_assumption,
)

__all__ = ["MAX_DOMAIN", "MAX_PAIRS", "SatBackend", "SatSession"]

MAX_DOMAIN = 100_000
"""The most values an integer node may have (wider models need the ``cpsat`` backend)."""
MAX_PAIRS = 400_000
"""The most value pairs a binary numeric node may combine."""
WIDE = 4096
"""Non-linear comparisons whose sides may take more values than this are split by cases."""
MDD_MIN_TERMS = 3
"""Linear inequalities with at least this many terms are encoded as decision diagrams."""


# -- watchdog: one thread interrupts solvers whose deadline passed ---------------------------


class _Watchdog:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.heap: list[tuple[float, int]] = []
        self.active: dict[int, Callable[[], None]] = {}
        self.counter = itertools.count()
        self.thread: threading.Thread | None = None

    def arm(self, at: float, interrupt: Callable[[], None]) -> int:
        token = next(self.counter)
        with self.cond:
            self.active[token] = interrupt
            earliest = self.heap[0][0] if self.heap else None
            heapq.heappush(self.heap, (at, token))
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self.run, name="cpq-sat-watchdog", daemon=True
                )
                self.thread.start()
            if earliest is None or at < earliest:
                # wake the thread only when it has to wake up earlier than planned
                self.cond.notify()
        return token

    def disarm(self, token: int) -> None:
        with self.cond:
            self.active.pop(token, None)

    def run(self) -> None:
        import time

        with self.cond:
            while True:
                while self.heap and self.heap[0][1] not in self.active:
                    heapq.heappop(self.heap)
                if not self.heap:
                    self.cond.wait()
                    continue
                at, token = self.heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self.cond.wait(wait)
                    continue
                heapq.heappop(self.heap)
                fire = self.active.pop(token, None)
                if fire is not None:
                    fire()


_WATCHDOG = _Watchdog()


# -- integer domains ------------------------------------------------------------------------


@dataclass(slots=True)
class _Dom:
    """Order-and-direct encoding of an integer node: sorted values, ``ge[i] = [x >= values[i]]``
    (``ge[0]`` is true), ``eq[i] = [x = values[i]]``."""

    values: list[int]
    ge: list[int]
    eq: list[int]


class _Encoder:
    """Translates a ConstraintModel into clauses."""

    def __init__(self, model: ConstraintModel) -> None:
        self.model = model
        self.nvars = len(model.bool_vars)
        self.clauses: list[list[int]] = []
        self.true = self.new()
        self.clauses.append([self.true])
        self.keep: list[object] = []
        self.bcache: dict[int, int] = {}
        self.ncache: dict[int, _Dom] = {}
        self.cell_cache: dict[tuple[str, frozenset[object]], int] = {}
        self.choice_of: dict[int, str] = {}
        for av in model.attributes:
            if av.type == "choice":
                for lit in av.lits:
                    self.choice_of[lit.index] = av.attribute
        self.int_doms: list[_Dom] = [self.int_dom(iv) for iv in model.int_vars]
        self.selectors: dict[str, int] = {}
        for c in model.constraints:
            if c.kind == "domain":
                self.domain(c.expr)
            else:
                assert c.rule_id is not None
                sel = self.new()
                self.selectors[c.rule_id] = sel
                self.impose(c.expr, [-sel])
        # make sure the solver allocates every variable (models list all of them)
        self.clauses.append([self.true, self.nvars])

    def new(self) -> int:
        self.nvars += 1
        return self.nvars

    def copy(self) -> _Encoder:
        """An independent copy that can be extended (new clauses, new nodes)."""
        other = copy.copy(self)
        other.clauses = list(self.clauses)
        other.keep = list(self.keep)
        other.bcache = dict(self.bcache)
        other.ncache = dict(self.ncache)
        other.cell_cache = dict(self.cell_cache)
        return other

    # -- domains ----------------------------------------------------------------------------

    def make_dom(self, values: Sequence[int]) -> _Dom:
        vals = sorted(set(values))
        n = len(vals)
        if n == 0:
            raise UnsupportedFeatureError("an integer expression has no possible value")
        if n > MAX_DOMAIN:
            raise UnsupportedFeatureError(
                f"an integer expression has {n:,} possible values; the sat backend handles up to "
                f"{MAX_DOMAIN:,}: use backend='cpsat'"
            )
        t = self.true
        if n == 1:
            return _Dom(vals, [t], [t])
        ge = [t] + [self.new() for _ in range(n - 1)]
        cl = self.clauses
        for i in range(1, n - 1):
            cl.append([-ge[i + 1], ge[i]])
        eq = [0] * n
        eq[0] = -ge[1]
        eq[n - 1] = ge[n - 1]
        for i in range(1, n - 1):
            e = self.new()
            eq[i] = e
            cl.append([-e, ge[i]])
            cl.append([-e, -ge[i + 1]])
            cl.append([e, -ge[i], ge[i + 1]])
        return _Dom(vals, ge, eq)

    def int_dom(self, iv: IntVar) -> _Dom:
        if iv.hi - iv.lo + 1 > MAX_DOMAIN:
            raise UnsupportedFeatureError(
                f"the range of '{iv.attribute}' has {iv.hi - iv.lo + 1:,} values; the sat "
                f"backend handles up to {MAX_DOMAIN:,}: use backend='cpsat'"
            )
        return self.make_dom(range(iv.lo, iv.hi + 1))

    def image(self, cases: Sequence[tuple[Sequence[int], int]]) -> _Dom:
        """The node whose value is ``v`` when all literals of the (exactly one) true case hold."""
        dom = self.make_dom([v for _, v in cases])
        if len(dom.values) == 1:
            return dom
        index = {v: i for i, v in enumerate(dom.values)}
        cl = self.clauses
        for lits, v in cases:
            cl.append([*(-x for x in lits), dom.eq[index[v]]])
        return dom

    # -- literals of order conditions --------------------------------------------------------

    def cmp_lit(self, dom: _Dom, c: int, k: int, op: str) -> int:
        """The literal of ``c * x + k op 0`` for the node ``dom`` (``c != 0``)."""
        b = Fraction(-k, c)
        if c < 0:
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        vals = dom.values
        n = len(vals)
        t = self.true
        if op in ("==", "!="):
            lit = -t
            if b.denominator == 1:
                i = bisect.bisect_left(vals, int(b))
                if i < n and vals[i] == int(b):
                    lit = dom.eq[i]
            return lit if op == "==" else -lit
        if op == "<":
            op, b = "<=", Fraction(math.ceil(b) - 1)
        elif op == ">":
            op, b = ">=", Fraction(math.floor(b) + 1)
        if op == "<=":
            p = bisect.bisect_right(vals, math.floor(b))
            if p == 0:
                return -t
            if p == n:
                return t
            return -dom.ge[p]
        i = bisect.bisect_left(vals, math.ceil(b))
        if i >= n:
            return -t
        return dom.ge[i]

    # -- numeric nodes ----------------------------------------------------------------------

    def num(self, e: NumExpr) -> _Dom:
        key = id(e)
        hit = self.ncache.get(key)
        if hit is not None:
            return hit
        dom = self.num_new(e)
        self.ncache[key] = dom
        self.keep.append(e)
        return dom

    def num_new(self, e: NumExpr) -> _Dom:
        if isinstance(e, IntConst):
            return _Dom([e.value], [self.true], [self.true])
        if isinstance(e, IntVar):
            return self.int_doms[e.index]
        if isinstance(e, BoolToInt):
            lit = self.lit(e.arg)
            return _Dom([0, 1], [self.true, lit], [-lit, lit])
        if isinstance(e, Linear):
            return self.linear_dom(e)
        if isinstance(e, Mul):
            return self.binary(e.left, e.right, lambda a, b: a * b)
        if isinstance(e, FloorDiv):
            return self.binary(e.left, e.right, lambda a, b: 0 if b == 0 else a // b)
        if isinstance(e, Min | Max):
            f: Callable[[int, int], int] = min if isinstance(e, Min) else max
            acc = self.num(e.args[0])
            for arg in e.args[1:]:
                acc = self.binary_dom(acc, self.num(arg), f)
            return acc
        if isinstance(e, Abs):
            d = self.num(e.arg)
            return self.image([([d.eq[i]], abs(v)) for i, v in enumerate(d.values)])
        c = self.lit(e.cond)
        a, b = self.num(e.then), self.num(e.orelse)
        cases = [([c, a.eq[i]], v) for i, v in enumerate(a.values)]
        cases += [([-c, b.eq[i]], v) for i, v in enumerate(b.values)]
        dom = self.make_dom([v for _, v in cases])
        index = {v: i for i, v in enumerate(dom.values)}
        for lits, v in cases:
            self.clauses.append([*(-x for x in lits), dom.eq[index[v]]])
        return dom

    def binary(self, left: NumExpr, right: NumExpr, f: Callable[[int, int], int]) -> _Dom:
        return self.binary_dom(self.num(left), self.num(right), f)

    def binary_dom(self, a: _Dom, b: _Dom, f: Callable[[int, int], int]) -> _Dom:
        if len(a.values) * len(b.values) > MAX_PAIRS:
            raise UnsupportedFeatureError(
                "a numeric expression combines too many values for the sat backend: "
                "use backend='cpsat'"
            )
        cases = [
            ([a.eq[i], b.eq[j]], f(va, vb))
            for i, va in enumerate(a.values)
            for j, vb in enumerate(b.values)
        ]
        return self.image(cases)

    def terms(self, e: Linear) -> tuple[list[tuple[int, _Dom]], int]:
        """The terms of a linear sum as (coefficient, node), merging one choice's values."""
        groups: dict[str, dict[int, int]] = {}
        out: list[tuple[int, _Dom]] = []
        for c, t in e.terms:
            if isinstance(t, BoolToInt) and isinstance(t.arg, BoolVar):
                attr = self.choice_of.get(t.arg.index)
                if attr is not None:
                    g = groups.setdefault(attr, {})
                    g[t.arg.index] = g.get(t.arg.index, 0) + c
                    continue
            out.append((c, self.num(t)))
        for attr, coefs in groups.items():
            av = self.model.attribute(attr)
            cases = [([lit.index + 1], coefs.get(lit.index, 0)) for lit in av.lits]
            out.append((1, self.image(cases)))
        return out, e.constant

    def scaled(self, c: int, d: _Dom) -> list[tuple[list[int], int]]:
        return [([d.eq[i]], c * v) for i, v in enumerate(d.values)]

    def sum_dom(self, terms: list[tuple[int, _Dom]], constant: int) -> _Dom:
        if not terms:
            return _Dom([constant], [self.true], [self.true])
        terms = sorted(terms, key=lambda t: len(t[1].values))
        c0, d0 = terms[0]
        acc = self.image([(lits, v + constant) for lits, v in self.scaled(c0, d0)])
        for c, d in terms[1:]:
            scaled = _Dom([c * v for v in d.values], d.ge, d.eq)  # eq lits only are used
            acc = self.binary_dom(acc, scaled, lambda a, b: a + b)
        return acc

    def linear_dom(self, e: Linear) -> _Dom:
        terms, constant = self.terms(e)
        return self.sum_dom(terms, constant)

    def compare_parts(self, e: Compare) -> tuple[_Dom, int, _Dom, int]:
        """``left - right`` as ``S + c * t + k`` with ``t`` the widest term."""
        left = e.left if isinstance(e.left, Linear) else Linear(((1, e.left),))
        right = e.right if isinstance(e.right, Linear) else Linear(((1, e.right),))
        lt, lk = self.terms(left)
        rt, rk = self.terms(right)
        terms = lt + [(-c, d) for c, d in rt]
        k = lk - rk
        if not terms:
            return _Dom([0], [self.true], [self.true]), 0, _Dom([0], [self.true], [self.true]), k
        widest = max(range(len(terms)), key=lambda i: len(terms[i][1].values))
        c, t = terms[widest]
        rest = terms[:widest] + terms[widest + 1 :]
        return self.sum_dom(rest, 0), c, t, k

    def compare_cases(self, e: Compare) -> list[tuple[int, int]]:
        """Pairs (``[S = s]``, literal of the comparison given ``S = s``)."""
        s, c, t, k = self.compare_parts(e)
        return [(s.eq[i], self.cmp_lit(t, c, k + sv, e.op)) for i, sv in enumerate(s.values)]

    # -- comparisons: three encodings ---------------------------------------------------------

    def compare(self, e: Compare, guard: list[int] | None) -> int | None:
        """Encode a comparison: imposed under ``guard``, or (``guard`` None) as a literal.

        Non-linear comparisons whose value set would be wide are split over the values of all
        atoms but one integer, which gets a threshold (order literal) per case. Linear sums of
        three or more terms use an interval-merged decision diagram. Everything else uses
        ``compare_cases`` (the sum of all terms but the widest, then an order literal).
        """
        if _nonlinear(e) and max(_estimate(e.left), _estimate(e.right)) > WIDE:
            done = self.threshold(e, guard)
            if done is not False:
                return done if isinstance(done, int) else None
        if e.op in ("<", "<=", ">", ">=") and _term_count(e) >= MDD_MIN_TERMS:
            return self.mdd(e, guard)
        cases = self.compare_cases(e)
        if guard is not None:
            for s, c in cases:
                self.clause(guard, [-s, c])
            return None
        r = self.new()
        for s, c in cases:
            self.clauses.append([-s, -r, c])
            self.clauses.append([-s, r, -c])
        return r

    def atoms(
        self, e: NumExpr | BoolExpr, out: dict[object, tuple[list[object], list[int]]]
    ) -> None:
        """The finite-domain leaves of a numeric expression: ``key -> (values, eq literals)``."""
        if isinstance(e, IntVar):
            key: object = ("int", e.index)
            if key not in out:
                d = self.int_doms[e.index]
                out[key] = (list(d.values), list(d.eq))
            return
        if isinstance(e, BoolVar):
            attr = self.choice_of.get(e.index)
            if attr is not None:
                key = ("choice", attr)
                if key not in out:
                    av = self.model.attribute(attr)
                    out[key] = (list(av.values), [lit.index + 1 for lit in av.lits])
                return
            key = ("bool", e.index)
            if key not in out:
                out[key] = ([False, True], [-(e.index + 1), e.index + 1])
            return
        if isinstance(e, IntConst):
            return
        if isinstance(e, BoolToInt):
            self.atoms(e.arg, out)
            return
        if isinstance(e, Linear | Mul | FloorDiv | Min | Max | Abs):
            for child in _num_children(e):
                self.atoms(child, out)
            return
        if isinstance(e, IfThenElse):
            self.atoms(e.cond, out)
            self.atoms(e.then, out)
            self.atoms(e.orelse, out)
            return
        # any other formula: one literal atom
        key = ("lit", id(e))
        if key not in out:
            lit = self.lit(e)
            self.keep.append(e)
            out[key] = ([False, True], [-lit, lit])

    def threshold(self, e: Compare, guard: list[int] | None) -> int | bool | None:
        """Case split over all atoms but one integer ``t`` (the expression must be linear in
        ``t``); returns False when not applicable."""
        atoms: dict[object, tuple[list[object], list[int]]] = {}
        self.atoms(e.left, atoms)
        self.atoms(e.right, atoms)
        diff = Linear(((1, e.left), (-1, e.right)))
        ints = [k for k in atoms if isinstance(k, tuple) and k[0] == "int"]
        linear = [k for k in ints if _degree(diff, k[1]) <= 1]
        monotone = [k for k in ints if _monotone_in(diff, k[1])] if e.op not in ("==", "!=") else []
        if not linear and not monotone:
            return False
        pool = linear if linear else monotone
        t_key = max(pool, key=lambda k: len(atoms[k][0]))
        is_linear = t_key in linear
        others = [k for k in atoms if k != t_key]
        combos = 1
        for k in others:
            combos *= len(atoms[k][0])
        if combos > 50_000:
            return False
        assert isinstance(t_key, tuple)
        t_index = t_key[1]
        t_dom = self.int_doms[t_index]
        r = self.new() if guard is None else 0
        domains = [atoms[k] for k in others]
        f = _compile_eval(diff, self)
        env: dict[object, object] = {}
        for combo in itertools.product(*(range(len(d[0])) for d in domains)):
            for i, j in enumerate(combo):
                env[others[i]] = domains[i][0][j]
            if is_linear:
                env[t_key] = 0
                d0 = f(env)
                env[t_key] = 1
                c = f(env) - d0
                if c == 0:
                    lit = self.true if _holds(e.op, d0) else -self.true
                else:
                    lit = self.cmp_lit(t_dom, c, d0, e.op)
            else:
                lit = self.monotone_lit(f, env, t_key, t_dom, e.op)
            eqs = [-domains[i][1][j] for i, j in enumerate(combo)]
            if guard is not None:
                self.clause(guard, [*eqs, lit])
            else:
                self.clause([], [*eqs, -r, lit])
                self.clause([], [*eqs, r, -lit])
        return r if guard is None else None

    def monotone_lit(
        self,
        f: Callable[[dict[object, object]], int],
        env: dict[object, object],
        t_key: object,
        t_dom: _Dom,
        op: str,
    ) -> int:
        """The literal of ``f(t) op 0`` for ``f`` monotone in ``t``: a prefix or a suffix of
        ``t``'s values, found by binary search."""
        vals = t_dom.values
        n = len(vals)

        def ok(i: int) -> bool:
            env[t_key] = vals[i]
            return _holds(op, f(env))

        first, last = ok(0), ok(n - 1)
        if first and last:
            return self.true
        if not first and not last:
            return -self.true
        if first:  # a prefix holds: find its length p (ok(p - 1), not ok(p))
            lo, hi = 0, n - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if ok(mid):
                    lo = mid
                else:
                    hi = mid
            return -t_dom.ge[hi]
        lo, hi = 0, n - 1  # a suffix holds from index hi on
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return t_dom.ge[hi]

    def mdd(self, e: Compare, guard: list[int] | None) -> int | None:
        """``sum(c_i * T_i) op 0`` (op an inequality) as a decision diagram with interval
        merging (equivalent sub-diagrams for a range of right-hand sides are built once)."""
        left = e.left if isinstance(e.left, Linear) else Linear(((1, e.left),))
        right = e.right if isinstance(e.right, Linear) else Linear(((1, e.right),))
        lt, lk = self.terms(left)
        rt, rk = self.terms(right)
        terms = lt + [(-c, d) for c, d in rt]
        k = rk - lk  # sum(terms) op k
        op = e.op
        if op in (">", ">="):
            terms = [(-c, d) for c, d in terms]
            k = -k
            op = "<" if op == ">" else "<="
        if op == "<":
            k -= 1
        # each layer: (weight, literal "the term's weight is at least this"), ascending
        layers: list[list[tuple[int, int]]] = []
        for c, d in terms:
            nv = len(d.values)
            if c > 0:
                layers.append([(c * v, d.ge[i]) for i, v in enumerate(d.values)])
            else:
                layer = []
                for j in range(nv):
                    i = nv - 1 - j
                    layer.append((c * d.values[i], -d.ge[i + 1] if i + 1 < nv else self.true))
                layers.append(layer)
        layers.sort(key=lambda layer: -(layer[-1][0] - layer[0][0]))
        n = len(layers)
        lo_rest = [0] * (n + 1)
        hi_rest = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            lo_rest[i] = lo_rest[i + 1] + layers[i][0][0]
            hi_rest[i] = hi_rest[i + 1] + layers[i][-1][0]
        inf = float("inf")
        memo_lo: list[list[float]] = [[] for _ in range(n + 1)]
        memo: list[list[tuple[float, float, int]]] = [[] for _ in range(n + 1)]
        t = self.true
        reified = guard is None

        def build(i: int, rhs: int) -> tuple[int, float, float]:
            if rhs >= hi_rest[i]:
                return t, hi_rest[i], inf
            if rhs < lo_rest[i]:
                return -t, -inf, lo_rest[i] - 1
            pos = bisect.bisect_right(memo_lo[i], rhs) - 1
            if pos >= 0 and memo[i][pos][1] >= rhs:
                lo, hi, node = memo[i][pos]
                return node, lo, hi
            lo, hi = -inf, inf
            children: list[tuple[int, int]] = []
            for w, ge in layers[i]:
                child, clo, chi = build(i + 1, rhs - w)
                children.append((ge, child))
                lo, hi = max(lo, clo + w), min(hi, chi + w)
            kinds = {c for _, c in children}
            if len(kinds) == 1:
                node = kinds.pop()
            else:
                node = self.new()
                # one clause per run of equal children, using the order literals
                m = len(children)
                j = 0
                while j < m:
                    ge, child = children[j]
                    end = j
                    while end + 1 < m and children[end + 1][1] == child:
                        end += 1
                    head = [] if ge == t else [-ge]
                    if child != t:
                        self.clauses.append([-node, *head] + ([] if child == -t else [child]))
                    if reified and child != -t:
                        tail = [children[end + 1][0]] if end + 1 < m else []
                        self.clauses.append([node, *head, *tail] + ([] if child == t else [-child]))
                    j = end + 1
            at = bisect.bisect_left(memo_lo[i], lo)
            memo_lo[i].insert(at, lo)
            memo[i].insert(at, (lo, hi, node))
            return node, lo, hi

        root, _, _ = build(0, k)
        if guard is not None:
            self.clause(guard, [root])
            return None
        return root

    # -- Boolean formulas (Tseitin, full equivalence, cached by node) ------------------------

    def lit(self, e: BoolExpr) -> int:
        if isinstance(e, BoolVar):
            return e.index + 1
        if isinstance(e, BoolConst):
            return self.true if e.value else -self.true
        if isinstance(e, Not):
            return -self.lit(e.arg)
        key = id(e)
        hit = self.bcache.get(key)
        if hit is not None:
            return hit
        out = self.lit_new(e)
        self.bcache[key] = out
        self.keep.append(e)
        return out

    def or_def(self, lits: Sequence[int]) -> int:
        lits = list(dict.fromkeys(lits))
        if self.true in lits:
            return self.true
        lits = [x for x in lits if x != -self.true]
        if not lits:
            return -self.true
        if len(lits) == 1:
            return lits[0]
        o = self.new()
        self.clauses.append([-o, *lits])
        for x in lits:
            self.clauses.append([o, -x])
        return o

    def and_def(self, lits: Sequence[int]) -> int:
        return -self.or_def([-x for x in lits])

    def lit_new(self, e: BoolExpr) -> int:
        if isinstance(e, And):
            return self.and_def([self.lit(x) for x in e.args])
        if isinstance(e, Or):
            return self.or_def([self.lit(x) for x in e.args])
        if isinstance(e, Implies):
            return self.or_def([-self.lit(e.cond), self.lit(e.then)])
        if isinstance(e, Compare):
            r = self.compare(e, None)
            assert r is not None
            return r
        assert isinstance(e, Table)
        rows = [
            self.and_def(
                [
                    self.cell_lit(col, cell)
                    for col, cell in zip(e.columns, row, strict=True)
                    if cell is not None
                ]
            )
            for row in e.rows
        ]
        any_row = self.or_def(rows)
        return any_row if e.mode == "allow" else -any_row

    def cell_lits(self, col: Any, cell: frozenset[Any]) -> list[int]:
        """Literals one of which holds exactly when the column's value is in ``cell``."""
        if col.type == "bool":
            return [col.lits[0].index + 1] if True in cell else [-(col.lits[0].index + 1)]
        if col.type == "int":
            dom = self.int_doms[col.int_var.index]
            return [dom.eq[i] for i, v in enumerate(dom.values) if v in cell]
        return [lit.index + 1 for vid, lit in zip(col.values, col.lits, strict=True) if vid in cell]

    def cell_covers_all(self, col: Any, cell: frozenset[Any]) -> bool:
        if col.type == "bool":
            return True in cell and False in cell
        if col.type == "int":
            return all(v in cell for v in range(col.int_var.lo, col.int_var.hi + 1))
        return all(v in cell for v in col.values)

    def cell_lit(self, col: Any, cell: frozenset[Any]) -> int:
        if self.cell_covers_all(col, cell):
            return self.true
        key = (col.attribute, cell)
        hit = self.cell_cache.get(key)
        if hit is None:
            hit = self.or_def(self.cell_lits(col, cell))
            self.cell_cache[key] = hit
        return hit

    def int_cell_clause(self, col: Any, cell: frozenset[Any]) -> list[list[int]]:
        """Clauses (each to be prefixed) saying an int column's value is in ``cell``."""
        dom = self.int_doms[col.int_var.index]
        if not cell:
            return [[]]  # matches nothing
        lo, hi = min(cell), max(cell)
        if hi - lo + 1 == len(cell):
            out = []
            lo_lit = self.cmp_lit(dom, 1, -lo, ">=")
            hi_lit = self.cmp_lit(dom, 1, -hi, "<=")
            if lo_lit != self.true:
                out.append([lo_lit])
            if hi_lit != self.true:
                out.append([hi_lit])
            return out
        return [self.cell_lits(col, cell)]

    # -- assertions -------------------------------------------------------------------------

    def neg_lits(self, e: BoolExpr) -> list[int]:
        """Literals whose disjunction is ``not e``."""
        if isinstance(e, And):
            out: list[int] = []
            for x in e.args:
                out.extend(self.neg_lits(x))
            return out
        if isinstance(e, Not):
            return self.pos_lits(e.arg)
        return [-self.lit(e)]

    def pos_lits(self, e: BoolExpr) -> list[int]:
        """Literals whose disjunction is ``e``."""
        if isinstance(e, Or):
            out: list[int] = []
            for x in e.args:
                out.extend(self.pos_lits(x))
            return out
        if isinstance(e, Not):
            return self.neg_lits(e.arg)
        if isinstance(e, Implies):
            return self.neg_lits(e.cond) + self.pos_lits(e.then)
        return [self.lit(e)]

    def clause(self, guard: list[int], lits: Sequence[int]) -> None:
        out = [*guard]
        for x in lits:
            if x == self.true:
                return
            if x != -self.true:
                out.append(x)
        self.clauses.append(out if out else [-self.true])

    def impose(self, e: BoolExpr, guard: list[int]) -> None:
        """Add clauses that make ``e`` hold unless one of the ``guard`` literals is true."""
        if isinstance(e, BoolConst):
            if not e.value:
                self.clause(guard, [])
        elif isinstance(e, And):
            for x in e.args:
                self.impose(x, guard)
        elif isinstance(e, Implies):
            self.impose(e.then, guard + self.neg_lits(e.cond))
        elif isinstance(e, Not):
            self.impose_not(e.arg, guard)
        elif isinstance(e, Compare):
            self.compare(e, guard)
        elif isinstance(e, Table):
            self.impose_table(e, guard)
        else:
            self.clause(guard, self.pos_lits(e))

    def impose_not(self, e: BoolExpr, guard: list[int]) -> None:
        if isinstance(e, Not):
            self.impose(e.arg, guard)
        elif isinstance(e, Or):
            for x in e.args:
                self.impose_not(x, guard)
        elif isinstance(e, Implies):
            self.impose(e.cond, guard)
            self.impose_not(e.then, guard)
        elif isinstance(e, Compare):
            neg = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[e.op]
            self.impose(Compare(neg, e.left, e.right), guard)  # type: ignore[arg-type]
        else:
            self.clause(guard, self.neg_lits(e))

    def impose_table(self, e: Table, guard: list[int]) -> None:
        if e.mode == "forbid":
            for row in e.rows:
                lits: list[int] = []
                for col, cell in zip(e.columns, row, strict=True):
                    if cell is None or self.cell_covers_all(col, cell):
                        continue
                    lits.append(-self.cell_lit(col, cell))
                self.clause(guard, lits)
            return
        row_lits: list[int] = []
        for row in e.rows:
            cells = [
                (col, cell)
                for col, cell in zip(e.columns, row, strict=True)
                if cell is not None and not self.cell_covers_all(col, cell)
            ]
            if not cells:
                return  # a row of wildcards allows everything
            r = self.new()
            row_lits.append(r)
            for col, cell in cells:
                if col.type == "int":
                    for cl in self.int_cell_clause(col, cell):
                        self.clause([-r], cl)
                else:
                    self.clause([-r], self.cell_lits(col, cell))
        self.clause(guard, row_lits)
        # support clauses: a value of a column needs a row that allows it
        for ci, col in enumerate(e.columns):
            pairs: list[tuple[object, int]]
            if col.type == "int":
                assert col.int_var is not None
                dom = self.int_doms[col.int_var.index]
                if len(dom.values) > 64:
                    continue
                pairs = list(zip(dom.values, dom.eq, strict=True))
            elif col.type == "bool":
                b = col.lits[0].index + 1
                pairs = [(True, b), (False, -b)]
            else:
                pairs = [
                    (vid, lit.index + 1) for vid, lit in zip(col.values, col.lits, strict=True)
                ]
            for value, vlit in pairs:
                supports = [
                    r
                    for r, row in zip(row_lits, e.rows, strict=True)
                    if row[ci] is None or _cell_has(row[ci], value)
                ]
                if len(supports) < len(row_lits):
                    self.clause(guard, [-vlit, *supports])

    def domain(self, e: BoolExpr) -> None:
        """Domain constraints: cardinality encodings, always on."""
        if isinstance(e, And):
            for x in e.args:
                self.domain(x)
            return
        if (
            isinstance(e, Compare)
            and isinstance(e.left, Linear)
            and isinstance(e.right, IntConst)
            and all(
                c == 1 and isinstance(t, BoolToInt) and isinstance(t.arg, BoolVar)
                for c, t in e.left.terms
            )
        ):
            lits = [
                t.arg.index + 1
                for _, t in e.left.terms
                if isinstance(t, BoolToInt) and isinstance(t.arg, BoolVar)
            ]
            k = e.right.value - e.left.constant
            enc = (
                EncType.pairwise
                if len(lits) <= 6 and e.op == "==" and k == 1
                else EncType.seqcounter
            )
            if e.op == "==":
                cnf = CardEnc.equals(lits, k, top_id=self.nvars, encoding=enc)
            elif e.op == "<=":
                cnf = CardEnc.atmost(lits, k, top_id=self.nvars, encoding=enc)
            elif e.op == ">=":
                cnf = CardEnc.atleast(lits, k, top_id=self.nvars, encoding=enc)
            else:
                self.impose(e, [])
                return
            self.nvars = max(self.nvars, cnf.nv)
            self.clauses.extend(cnf.clauses)
            return
        self.impose(e, [])

    def assumption(self, a: Assumption) -> int:
        kind = type(a)
        if kind is BoolVar:
            return a.index + 1  # type: ignore[union-attr]
        if kind is Not and type(a.arg) is BoolVar:  # type: ignore[union-attr]
            return -(a.arg.index + 1)  # type: ignore[union-attr]
        check_assumption(a)
        if isinstance(a, BoolVar):
            return a.index + 1
        if isinstance(a, Not):
            assert isinstance(a.arg, BoolVar)
            return -(a.arg.index + 1)
        assert (
            isinstance(a, Compare) and isinstance(a.left, IntVar) and isinstance(a.right, IntConst)
        )
        return self.cmp_lit(self.int_doms[a.left.index], 1, -a.right.value, a.op)


def _num_children(e: NumExpr) -> list[NumExpr]:
    if isinstance(e, Linear):
        return [t for _, t in e.terms]
    if isinstance(e, Mul | FloorDiv):
        return [e.left, e.right]
    if isinstance(e, Min | Max):
        return list(e.args)
    if isinstance(e, Abs):
        return [e.arg]
    if isinstance(e, IfThenElse):
        return [e.then, e.orelse]
    return []


def _nonlinear(e: Compare) -> bool:
    def walk(x: NumExpr) -> bool:
        if isinstance(x, Mul | FloorDiv | Min | Max | Abs | IfThenElse):
            return True
        return any(walk(c) for c in _num_children(x))

    return walk(e.left) or walk(e.right)


def _estimate(e: NumExpr) -> int:
    """An upper bound of the number of values of an integer node (capped)."""
    cap = 10**9
    if isinstance(e, IntConst):
        return 1
    if isinstance(e, IntVar):
        return e.hi - e.lo + 1
    if isinstance(e, BoolToInt):
        return 2
    if isinstance(e, Linear):
        out = 1
        for _, t in e.terms:
            out = min(cap, out * _estimate(t))
        return out
    if isinstance(e, Mul | FloorDiv):
        return min(cap, _estimate(e.left) * _estimate(e.right))
    if isinstance(e, Min | Max):
        return min(cap, sum(_estimate(a) for a in e.args))
    if isinstance(e, Abs):
        return _estimate(e.arg)
    return min(cap, _estimate(e.then) + _estimate(e.orelse))


def _term_count(e: Compare) -> int:
    n = 0
    for side in (e.left, e.right):
        if isinstance(side, Linear):
            n += len(side.terms)
        elif not isinstance(side, IntConst):
            n += 1
    return n


def _degree(e: NumExpr, t_index: int) -> int:
    """The degree of an expression in the integer variable ``t_index`` (99: not polynomial)."""
    if isinstance(e, IntVar):
        return 1 if e.index == t_index else 0
    if isinstance(e, IntConst | BoolToInt):
        return 0 if not isinstance(e, BoolToInt) or not _mentions(e.arg, t_index) else 99
    if isinstance(e, Linear):
        return max((_degree(t, t_index) for _, t in e.terms), default=0)
    if isinstance(e, Mul):
        return _degree(e.left, t_index) + _degree(e.right, t_index)
    children: list[NumExpr | BoolExpr] = list(_num_children(e))
    if isinstance(e, IfThenElse):
        children.append(e.cond)
    return 99 if any(_mentions(c, t_index) for c in children) else 0


def _monotone_in(e: NumExpr, t_index: int) -> bool:
    """Whether ``e`` is monotone in the integer variable ``t_index`` once every other atom is
    fixed (the direction may depend on the other atoms' values)."""
    if not _mentions(e, t_index):
        return True
    if isinstance(e, IntVar):
        return True
    if isinstance(e, Linear):
        # a sum of monotone terms is monotone only if they move the same way: require that
        # at most one term mentions t
        return sum(1 for _, t in e.terms if _mentions(t, t_index)) <= 1 and all(
            _monotone_in(t, t_index) for _, t in e.terms
        )
    if isinstance(e, Mul):
        a, b = _mentions(e.left, t_index), _mentions(e.right, t_index)
        return not (a and b) and _monotone_in(e.left, t_index) and _monotone_in(e.right, t_index)
    if isinstance(e, FloorDiv):
        return not _mentions(e.right, t_index) and _monotone_in(e.left, t_index)
    if isinstance(e, Min | Max):
        return sum(1 for a in e.args if _mentions(a, t_index)) <= 1 and all(
            _monotone_in(a, t_index) for a in e.args
        )
    return False


def _mentions(e: NumExpr | BoolExpr, t_index: int) -> bool:
    from cpq.model.ir import iter_children

    if isinstance(e, IntVar):
        return e.index == t_index
    if isinstance(e, Table):
        return any(c.int_var is not None and c.int_var.index == t_index for c in e.columns)
    return any(_mentions(c, t_index) for c in iter_children(e))


def _holds(op: str, d: int) -> bool:
    """Whether ``d op 0``."""
    if op == "==":
        return d == 0
    if op == "!=":
        return d != 0
    if op == "<":
        return d < 0
    if op == "<=":
        return d <= 0
    if op == ">":
        return d > 0
    return d >= 0


def _compile_eval(e: NumExpr | BoolExpr, enc: _Encoder) -> Callable[[dict[object, object]], int]:
    """A closure that evaluates a numeric expression (or a formula, as 0/1) over atom values.

    The terms of a linear sum that are values of one choice attribute become one table lookup.
    """
    if isinstance(e, IntConst):
        c = e.value
        return lambda env: c
    if isinstance(e, IntVar):
        key: object = ("int", e.index)
        return lambda env: env[key]  # type: ignore[return-value]
    if isinstance(e, BoolToInt):
        return _compile_eval(e.arg, enc)
    if isinstance(e, Linear):
        groups: dict[str, dict[object, int]] = {}
        rest: list[tuple[int, Callable[[dict[object, object]], int]]] = []
        for coef, t in e.terms:
            if isinstance(t, BoolToInt) and isinstance(t.arg, BoolVar):
                attr = enc.choice_of.get(t.arg.index)
                if attr is not None:
                    g = groups.setdefault(attr, {})
                    g[t.arg.value] = g.get(t.arg.value, 0) + coef
                    continue
            rest.append((coef, _compile_eval(t, enc)))
        const = e.constant
        lookups = [(("choice", attr), g) for attr, g in groups.items()]

        def linear(env: dict[object, object]) -> int:
            total = const
            for k, g in lookups:
                total += g.get(env[k], 0)
            for coef, fn in rest:
                total += coef * fn(env)
            return total

        return linear
    if isinstance(e, Mul):
        a, b = _compile_eval(e.left, enc), _compile_eval(e.right, enc)
        return lambda env: a(env) * b(env)
    if isinstance(e, FloorDiv):
        a, b = _compile_eval(e.left, enc), _compile_eval(e.right, enc)

        def floordiv(env: dict[object, object]) -> int:
            d = b(env)
            return 0 if d == 0 else a(env) // d

        return floordiv
    if isinstance(e, Min | Max):
        fns = [_compile_eval(x, enc) for x in e.args]
        pick = min if isinstance(e, Min) else max
        return lambda env: pick(fn(env) for fn in fns)
    if isinstance(e, Abs):
        a = _compile_eval(e.arg, enc)
        return lambda env: abs(a(env))
    if isinstance(e, IfThenElse):
        c2, t2, o2 = (_compile_eval(x, enc) for x in (e.cond, e.then, e.orelse))
        return lambda env: t2(env) if c2(env) else o2(env)
    if isinstance(e, BoolVar):
        attr2 = enc.choice_of.get(e.index)
        if attr2 is not None:
            ck: object = ("choice", attr2)
            value = e.value
            return lambda env: 1 if env[ck] == value else 0
        bk: object = ("bool", e.index)
        return lambda env: 1 if env[bk] else 0
    lk: object = ("lit", id(e))
    return lambda env: 1 if env[lk] else 0


def _cell_has(cell: frozenset[Any] | None, value: object) -> bool:
    if cell is None:
        return True
    if isinstance(value, bool):
        return any(isinstance(x, bool) and x == value for x in cell)
    return value in cell


# -- backend and session --------------------------------------------------------------------


class SatBackend:
    """python-sat backend (incremental; cores; native valid-domain loop).

    Args:
        solver: the pysat solver name (one that supports interrupts: ``glucose4``,
            ``glucose42``, ``minisat22``, ``maplechrono``).

    Example:
        >>> SatBackend().capabilities.supports("incremental")
        True
    """

    name = "sat"
    capabilities = Capabilities(
        frozenset({"incremental", "cores", "domains", "optimize", "enumerate", "hints"})
    )

    def __init__(self, solver: str = "glucose4") -> None:
        self.solver = solver

    def open(self, model: ConstraintModel) -> SatSession:
        """A session with one warm solver on ``model``.

        Raises:
            UnsupportedFeatureError: a numeric expression is too wide for this encoding.
        """
        return SatSession(model, self.solver)


class SatSession:
    """One incremental solver on one model (not thread-safe)."""

    def __init__(
        self, model: ConstraintModel, solver_name: str = "glucose4", *, fresh: bool = False
    ) -> None:
        self.model = model
        self.enc = _Encoder(model) if fresh else _encoding(model)
        self._shared = True
        self.solver_name = solver_name
        self.solver: Any = Solver(name=solver_name, bootstrap_with=self.enc.clauses)
        self.nb = len(model.bool_vars)
        self.all_rules = tuple(self.enc.selectors)
        self.calls = 0
        self.phase_guidance = True
        self._pool: collections.deque[tuple[list[int], bool]] = collections.deque(maxlen=16)
        self._full = True  # whether the current call has every rule switched on
        # unsatisfiable cores seen so far, indexed by one non-selector literal (0: none)
        self._core_index: dict[int, list[frozenset[int]]] = {}
        self._selector_set = frozenset(self.enc.selectors.values())
        self._rule_of_selector = {
            sel: (n, rule) for n, (rule, sel) in enumerate(self.enc.selectors.items())
        }
        self._token: int | None = None
        self._finalizer = weakref.finalize(self, _delete_solver, self.solver)

    # -- plumbing ---------------------------------------------------------------------------

    def _own_encoder(self) -> None:
        """Copy the shared encoding before adding to it (copy on write)."""
        if self._shared:
            self.enc = self.enc.copy()
            self._shared = False

    def prefer(self, assumptions: Sequence[Assumption]) -> None:
        """Search these values first from now on (a phase hint; answers do not change)."""
        phases: list[int] = []
        for a in assumptions:
            if (
                isinstance(a, Compare)
                and isinstance(a.left, IntVar)
                and isinstance(a.right, IntConst)
            ):
                d = self.enc.int_doms[a.left.index]
                k = a.right.value
                phases.extend(
                    g if v <= k else -g for v, g in zip(d.values[1:], d.ge[1:], strict=True)
                )
            else:
                phases.append(self.enc.assumption(a))
        self.solver.set_phases(phases)

    def close(self) -> None:
        """Release the solver."""
        self._finalizer()

    def _selector_lits(self, rules: Collection[str] | None) -> list[int]:
        sel = self.enc.selectors
        if rules is None:
            return list(sel.values())
        wanted = rules if isinstance(rules, set | frozenset) else set(rules)
        for r in wanted:
            if r not in sel:
                raise KeyError(f"unknown rule id {r!r}")
        if len(wanted) == len(sel):
            return list(sel.values())
        return [sel[r] for r in self.all_rules if r in wanted]

    def _arm(self, deadline: Deadline) -> None:
        solver = self.solver
        self._token = _WATCHDOG.arm(deadline.at, solver.interrupt)

    def _disarm(self) -> None:
        if self._token is not None:
            _WATCHDOG.disarm(self._token)
            self._token = None

    def _model(self) -> list[int]:
        """The solver's model, remembered in the pool of recent solutions."""
        model: list[int] = self.solver.get_model()
        self._pool.appendleft((model, self._full))
        return model

    @staticmethod
    def _satisfies(model: list[int], lits: Sequence[int]) -> bool:
        n = len(model)
        return all(abs(x) <= n and model[abs(x) - 1] == x for x in lits)

    def _pool_hits(self, user: Sequence[int], selectors: Sequence[int]) -> list[list[int]]:
        """Recent solutions that satisfy the user literals with the given rules on (reuse of
        work between clicks). A solution found with every rule on satisfies any subset of the
        rules, so only the others need a selector check."""
        out = []
        check = list(reversed(user))  # the last literal (the one tested) rarely holds: first
        for model, model_full in self._pool:
            if not self._satisfies(model, check):
                continue
            if model_full or self._satisfies(model, selectors):
                out.append(model)
        return out

    def _run(self, lits: list[int], deadline: Deadline) -> bool | None:
        if deadline.expired():
            return None
        self.solver.clear_interrupt()
        self.calls += 1
        res: bool | None = self.solver.solve_limited(assumptions=lits, expect_interrupt=True)
        return res

    def _decode(self, model: list[int]) -> Assignment:
        bools = tuple(x > 0 for x in model[: self.nb])
        ints = tuple(self._int_value(model, d) for d in self.enc.int_doms)
        return Assignment(bools, ints)

    def _int_value(self, model: list[int], d: _Dom) -> int:
        lo, hi = 0, len(d.values) - 1  # largest i with ge[i] true
        while lo < hi:
            mid = (lo + hi + 1) // 2
            g = d.ge[mid]
            if model[abs(g) - 1] * (1 if g > 0 else -1) > 0:
                lo = mid
            else:
                hi = mid - 1
        return d.values[lo]

    def _learn(self) -> frozenset[int]:
        """Remember the solver's last core (it refutes any call that assumes all of it)."""
        core = frozenset(self.solver.get_core() or ())
        key = next((x for x in core if x not in self._selector_set), 0)
        bucket = self._core_index.setdefault(key, [])
        if core not in bucket:
            bucket.append(core)
            if len(bucket) > 8:
                bucket.pop(0)
        return core

    def _known_core(self, query: set[int] | frozenset[int]) -> frozenset[int] | None:
        """A remembered core contained in the query (the query is then unsatisfiable)."""
        index = self._core_index
        if not index:
            return None
        if len(index) < len(query):
            keys: Iterable[int] = (k for k in index if k == 0 or k in query)
        else:
            keys = itertools.chain((0,), (x for x in query if x not in self._selector_set))
        for key in keys:
            for core in index.get(key, ()):
                if core <= query:
                    return core
        return None

    def _core_of(self, raw: frozenset[int], user: list[int]) -> Core:
        by_sel = self._rule_of_selector
        found = sorted((by_sel[x] for x in raw if x in by_sel), key=lambda p: p[0])
        return Core(
            tuple(i for i, lit in enumerate(user) if lit in raw), tuple(r for _, r in found)
        )

    # -- protocol ---------------------------------------------------------------------------

    def solve(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """One solution, or a core naming assumption indices and rule ids.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> s = SatSession(m)
            >>> sea, cast = m.attribute("medium").lit("sea_water"), m.attribute("material").lit("cast_iron")
            >>> s.solve([sea, cast], time_limit=5).core
            Core(assumptions=(0, 1), rules=('sea-water-needs-duplex',))
        """
        deadline = Deadline(time_limit)
        user = [self.enc.assumption(a) for a in assumptions]
        lits = self._selector_lits(rules) + user
        self._full = rules is None
        hits = self._pool_hits(user, lits[: len(lits) - len(user)])
        if hits:
            return SolveResult(SolveStatus.SAT, self._decode(hits[0]))
        known = self._known_core(set(lits))
        if known is not None:
            return SolveResult(SolveStatus.UNSAT, core=self._core_of(known, user))
        self._arm(deadline)
        try:
            res = self._run(lits, deadline)
            if res is None:
                return SolveResult(SolveStatus.UNKNOWN)
            if res:
                return SolveResult(SolveStatus.SAT, self._decode(self._model()))
            return SolveResult(SolveStatus.UNSAT, core=self._core_of(self._learn(), user))
        finally:
            self._disarm()

    def domains(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
        int_exact_limit: int = 256,
    ) -> Domains:
        """Valid domains by a solution-guided loop on the warm solver.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> d = SatSession(m).domains([m.attribute("medium").lit("sea_water")], time_limit=5)
            >>> sorted(v for v in m.attribute("material").lits if True in d.bools[v.index])
            [BoolVar(index=7, name='material=duplex', attribute='material', value='duplex')]
        """
        deadline = Deadline(time_limit)
        user = [self.enc.assumption(a) for a in assumptions]
        base = self._selector_lits(rules) + user
        nb, ni = self.nb, len(self.model.int_vars)
        self._arm(deadline)
        try:
            self._full = rules is None
            hits = self._pool_hits(user, base[: len(base) - len(user)])
            first = True if hits else self._run(base, deadline)
            if first is None or not first:
                status = SolveStatus.UNKNOWN if first is None else SolveStatus.UNSAT
                return Domains(
                    status,
                    tuple(frozenset[bool]() for _ in range(nb)),
                    tuple(frozenset[int]() for _ in range(ni)),
                    (None,) * ni,
                    {},
                    first is not None,
                )
            seen_t = [False] * nb
            seen_f = [False] * nb
            seen_i: list[set[int]] = [set() for _ in range(ni)]
            doms = self.enc.int_doms

            def note(model: list[int]) -> None:
                for i in range(nb):
                    if model[i] > 0:
                        seen_t[i] = True
                    else:
                        seen_f[i] = True
                for j, d in enumerate(doms):
                    seen_i[j].add(self._int_value(model, d))

            for m in hits:
                note(m)
            if not hits:
                note(self._model())
            cores: dict[tuple[int, bool], Core] = {}
            complete = True
            # literals fixed by unit propagation are impossible to flip: no call needed
            ok, fixed_list = self.solver.propagate(assumptions=base)
            fixed = set(fixed_list) if ok else set()
            present = set(base)
            for i in range(nb):
                for value in (True, False):
                    seen = seen_t if value else seen_f
                    if seen[i]:
                        continue
                    lit = (i + 1) if value else -(i + 1)
                    if -lit in fixed:
                        continue
                    known = self._known_core(present | {lit})
                    if known is not None:
                        # a core found on an earlier call still applies (monotone reuse)
                        cores[(i, value)] = self._core_of(known, user)
                        continue
                    if self.phase_guidance:
                        # prefer values no solution has shown yet: one model covers many
                        self.solver.set_phases(
                            [(k + 1) if not seen_t[k] else -(k + 1) for k in range(nb)]
                        )
                    res = self._run([*base, lit], deadline)
                    if res is None:
                        complete = False
                    elif res:
                        note(self._model())
                    else:
                        raw = self._learn()
                        cores[(i, value)] = self._core_of(raw, user)
            bounds: list[tuple[int, int] | None] = []
            for j, d in enumerate(doms):
                vals = seen_i[j]
                if len(d.values) <= int_exact_limit:
                    for k, v in enumerate(d.values):
                        if v in vals:
                            continue
                        res = self._run([*base, d.eq[k]], deadline)
                        if res is None:
                            complete = False
                        elif res:
                            note(self._model())
                else:
                    ok = self._int_extreme(base, deadline, d, vals, low=True)
                    ok &= self._int_extreme(base, deadline, d, vals, low=False)
                    complete &= ok
                bounds.append((min(vals), max(vals)) if vals else None)
            return Domains(
                SolveStatus.SAT if complete else SolveStatus.UNKNOWN,
                tuple(
                    frozenset(v for v, s in ((True, seen_t[i]), (False, seen_f[i])) if s)
                    for i in range(nb)
                ),
                tuple(frozenset(s) for s in seen_i),
                tuple(bounds),
                cores,
                complete,
            )
        finally:
            self._disarm()

    def _int_extreme(
        self, base: list[int], deadline: Deadline, d: _Dom, vals: set[int], *, low: bool
    ) -> bool:
        """Extend ``vals`` with the smallest (or largest) feasible value; False on time out."""
        index = {v: i for i, v in enumerate(d.values)}
        best = index[min(vals)] if low else index[max(vals)]
        lo, hi = (0, best - 1) if low else (best + 1, len(d.values) - 1)
        first = True
        while lo <= hi:
            if first:  # the end of the range is often feasible: try it first
                mid = lo if low else hi
                first = False
            else:
                mid = (lo + hi) // 2 if low else (lo + hi + 1) // 2
            lit = -d.ge[mid + 1] if low else d.ge[mid]
            if self._known_core({*base, lit}) is not None:
                res: bool | None = False
            else:
                res = self._run([*base, lit], deadline)
                if res is False:
                    self._learn()
            if res is None:
                return False
            if res:
                model = self._model()
                found = index[self._int_value(model, d)]
                vals.add(d.values[found])
                if low:
                    hi = found - 1
                else:
                    lo = found + 1
            elif low:
                lo = mid + 1
            else:
                hi = mid - 1
        return True

    def optimize(
        self,
        objective: Objective,
        assumptions: Sequence[Assumption] = (),
        *,
        rules: Collection[str] | None = None,
        time_limit: float,
    ) -> SolveResult:
        """Best objective value by binary search over the objective's order literals.

        The objective is encoded like any integer node, so it must have at most
        :data:`MAX_DOMAIN` possible values (counts of changes and small sums do).

        Raises:
            UnsupportedFeatureError: the objective has too many possible values.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> from cpq.model.ir import IntVar, Objective
            >>> m = compile_model(demo_ruleset())
            >>> r = SatSession(m).optimize(Objective(m.int_vars[0], "max"), time_limit=5)
            >>> r.objective, r.optimal
            (220, True)
        """
        deadline = Deadline(time_limit)
        self._own_encoder()
        nclauses = len(self.enc.clauses)
        dom = self.enc.num(objective.expr)
        new = self.enc.clauses[nclauses:]
        if new:
            self.solver.append_formula(new)
        user = [self.enc.assumption(a) for a in assumptions]
        base = self._selector_lits(rules) + user
        self._full = rules is None
        self._arm(deadline)
        try:
            res = self._run(base, deadline)
            if res is None:
                return SolveResult(SolveStatus.UNKNOWN)
            if not res:
                return SolveResult(SolveStatus.UNSAT, core=self._core_of(self._learn(), user))
            model = self._model()
            index = {v: i for i, v in enumerate(dom.values)}
            best_i = index[self._int_value(model, dom)]
            best_model = model
            minimize = objective.sense == "min"
            lo, hi = (0, best_i - 1) if minimize else (best_i + 1, len(dom.values) - 1)
            optimal = True
            while lo <= hi:
                mid = (lo + hi) // 2 if minimize else (lo + hi + 1) // 2
                lit = -dom.ge[mid + 1] if minimize else dom.ge[mid]
                r = self._run([*base, lit], deadline)
                if r is None:
                    optimal = False
                    break
                if r:
                    best_model = self._model()
                    best_i = index[self._int_value(best_model, dom)]
                    if minimize:
                        hi = best_i - 1
                    else:
                        lo = best_i + 1
                elif minimize:
                    lo = mid + 1
                else:
                    hi = mid - 1
            return SolveResult(
                SolveStatus.SAT,
                self._decode(best_model),
                objective=dom.values[best_i],
                optimal=optimal,
            )
        finally:
            self._disarm()

    def enumerate(
        self,
        assumptions: Sequence[Assumption] = (),
        *,
        limit: int,
        time_limit: float,
    ) -> EnumerationResult:
        """Distinct solutions from a fresh solver with blocking clauses (deterministic order).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> len(SatSession(m).enumerate(limit=10, time_limit=5).assignments)
            10
        """
        deadline = Deadline(time_limit)
        user = [self.enc.assumption(a) for a in assumptions]
        fixed = [[x] for x in self._selector_lits(None) + user]
        solver: Any = Solver(name=self.solver_name, bootstrap_with=self.enc.clauses + fixed)
        token = _WATCHDOG.arm(deadline.at, solver.interrupt)
        found: list[Assignment] = []
        complete = True
        try:
            proj = [i + 1 for i in range(self.nb)]
            for d in self.enc.int_doms:
                proj.extend(x for x in d.ge[1:])
            while True:
                if deadline.expired():
                    complete = False
                    break
                res = solver.solve_limited(expect_interrupt=True)
                if res is None:
                    complete = False
                    break
                if not res:
                    break
                if len(found) >= limit:
                    complete = False
                    break
                model = solver.get_model()
                found.append(self._decode(model))
                solver.add_clause([-model[abs(x) - 1] for x in proj])
        finally:
            _WATCHDOG.disarm(token)
            solver.delete()
        return EnumerationResult(tuple(found), complete)


_ENCODINGS: dict[int, tuple[ConstraintModel, _Encoder]] = {}
_ENCODINGS_LOCK = threading.Lock()
_ENCODINGS_MAX = 16


def _encoding(model: ConstraintModel) -> _Encoder:
    """The CNF encoding of a model, built once per model and shared read-only by sessions."""
    key = id(model)
    with _ENCODINGS_LOCK:
        hit = _ENCODINGS.get(key)
        if hit is not None and hit[0] is model:
            return hit[1]
    enc = _Encoder(model)
    with _ENCODINGS_LOCK:
        if len(_ENCODINGS) >= _ENCODINGS_MAX:
            _ENCODINGS.pop(next(iter(_ENCODINGS)))
        _ENCODINGS[key] = (model, enc)
    return enc


def _delete_solver(solver: Any) -> None:
    solver.delete()
