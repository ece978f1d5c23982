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
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, overload

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
    (``ge[0]`` is true), ``eq[i] = [x = values[i]]``.

    For an ``int`` attribute ``ge`` and ``eq`` are lazy (:class:`_Ladder`): a literal exists only
    once the encoding asks for it."""

    values: list[int]
    ge: Sequence[int]
    eq: Sequence[int]


@dataclass(frozen=True, slots=True)
class _Classes:
    """The classes of an int attribute: maximal runs of values that no literal of the encoding
    tells apart. Class ``j`` is ``lo[j]..hi[j]``; ``ge[j] = [x >= lo[j]]`` (``ge[0]`` true) and
    ``eq[j] = [lo[j] <= x <= hi[j]]``."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    ge: tuple[int, ...]
    eq: tuple[int, ...]

    def of(self, v: int) -> int:
        """The class of a value (the value must be in the range)."""
        return bisect.bisect_right(self.lo, v) - 1


class _Ladder:
    """Lazy order encoding of one ``int`` attribute (the breakpoints the rules distinguish).

    ``[x >= v]`` gets a variable only when a constraint (or a query) asks for it; the ladder
    clauses ``[x >= w] -> [x >= v]`` (``v < w``) chain the literals that exist. A comparison with
    1000/2000/3000 thus splits 0..4000 into four classes instead of 4,001 values. Every literal
    keeps its exact meaning, so a class is satisfiable exactly when each of its values is:
    answers stay exact while the solver propagates a short ladder.
    """

    __slots__ = ("_classes", "cuts", "enc", "eq_vars", "final", "ge_vars", "values")

    def __init__(self, enc: _Encoder, values: list[int]) -> None:
        self.enc = enc
        self.values = values
        self.ge_vars: dict[int, int] = {0: enc.true}
        self.eq_vars: dict[int, int] = {}
        self.cuts: list[int] = [0]
        self.final = False
        self._classes: _Classes | None = None

    def clone(self, enc: _Encoder) -> _Ladder:
        other = _Ladder(enc, self.values)
        other.ge_vars = dict(self.ge_vars)
        other.eq_vars = dict(self.eq_vars)
        other.cuts = list(self.cuts)
        other.final = self.final
        other._classes = self._classes
        return other

    def ge(self, i: int) -> int:
        """``[x >= values[i]]`` (``0 <= i < len(values)``)."""
        hit = self.ge_vars.get(i)
        if hit is not None:
            return hit
        if not 0 < i < len(self.values):
            raise IndexError(i)
        g = self.enc.new()
        self.ge_vars[i] = g
        if self.final:
            # a new breakpoint after the ladder was built: link it to its neighbours
            pos = bisect.bisect_left(self.cuts, i)
            self.cuts.insert(pos, i)
            self.enc.clauses.append([-g, self.ge_vars[self.cuts[pos - 1]]])
            if pos + 1 < len(self.cuts):
                self.enc.clauses.append([-self.ge_vars[self.cuts[pos + 1]], g])
            self._classes = None
        return g

    def eq(self, i: int) -> int:
        """``[x = values[i]]``."""
        hit = self.eq_vars.get(i)
        if hit is not None:
            return hit
        n = len(self.values)
        if not 0 <= i < n:
            raise IndexError(i)
        t = self.enc.true
        if n == 1:
            e = t
        elif i == 0:
            e = -self.ge(1)
        elif i == n - 1:
            e = self.ge(i)
        else:
            e = self.enc.between(self.ge(i), self.ge(i + 1))
        self.eq_vars[i] = e
        return e

    def finalize(self) -> None:
        """Chain the literals that exist and build the classes (end of the encoding)."""
        if self.final:
            return
        self.cuts = sorted(self.ge_vars)
        cl = self.enc.clauses
        for a, b in itertools.pairwise(self.cuts[1:]):
            cl.append([-self.ge_vars[b], self.ge_vars[a]])
        self.final = True
        self.classes()

    def materialize(self) -> None:
        """Create every literal (the node then distinguishes every value)."""
        for i in range(len(self.values)):
            self.eq(i)

    def classes(self) -> _Classes:
        if self._classes is not None:
            return self._classes
        assert self.final
        vals = self.values
        cuts = self.cuts
        los, his, ges, eqs = [], [], [], []
        for j, start in enumerate(cuts):
            end = cuts[j + 1] - 1 if j + 1 < len(cuts) else len(vals) - 1
            los.append(vals[start])
            his.append(vals[end])
            ges.append(self.ge_vars[start])
            if start == end:
                eqs.append(self.eq(start))
            elif j + 1 == len(cuts):
                eqs.append(self.ge_vars[start])
            elif j == 0:
                eqs.append(-self.ge_vars[cuts[1]])
            else:
                eqs.append(self.enc.between(self.ge_vars[start], self.ge_vars[cuts[j + 1]]))
        self._classes = _Classes(tuple(los), tuple(his), tuple(ges), tuple(eqs))
        return self._classes


class _LazySeq(Sequence[int]):
    """``ge`` or ``eq`` of a :class:`_Ladder` as a sequence (literals made on access)."""

    __slots__ = ("get", "n")

    def __init__(self, get: Callable[[int], int], n: int) -> None:
        self.get = get
        self.n = n

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self.get(k) for k in range(*i.indices(self.n))]
        return self.get(i if i >= 0 else self.n + i)


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
        self.between_cache: dict[tuple[int, int], int] = {}
        self.ladders: list[_Ladder] = []
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
        for ladder in self.ladders:
            ladder.finalize()
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
        other.between_cache = dict(self.between_cache)
        other.ladders = [ladder.clone(other) for ladder in self.ladders]
        other.int_doms = [_ladder_dom(ladder) for ladder in other.ladders]
        return other

    def between(self, a: int, b: int) -> int:
        """A literal for ``a and not b`` (``b -> a``: an interval of an order encoding)."""
        key = (a, b)
        hit = self.between_cache.get(key)
        if hit is None:
            hit = self.new()
            self.clauses.append([-hit, a])
            self.clauses.append([-hit, -b])
            self.clauses.append([hit, -a, b])
            self.between_cache[key] = hit
        return hit

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
        ladder = _Ladder(self, list(range(iv.lo, iv.hi + 1)))
        self.ladders.append(ladder)
        return _ladder_dom(ladder)

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
        if isinstance(e, IntVar):
            return self.int_doms[e.index]
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
        self, e: NumExpr | BoolExpr, out: dict[object, tuple[Sequence[object], Sequence[int]]]
    ) -> None:
        """The finite-domain leaves of a numeric expression: ``key -> (values, eq literals)``."""
        if isinstance(e, IntVar):
            key: object = ("int", e.index)
            if key not in out:
                d = self.int_doms[e.index]
                out[key] = (d.values, d.eq)  # eq literals are made only for cases used
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
        atoms: dict[object, tuple[Sequence[object], Sequence[int]]] = {}
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
        # each layer: the term's weights, ascending, and the literal "the weight is at least
        # the j-th" (made only where the diagram needs it: int attributes stay lazy)
        pairs: list[tuple[list[int], Callable[[int], int]]] = []
        for c, d in terms:
            nv = len(d.values)
            if c > 0:
                pairs.append(([c * v for v in d.values], _ge_of(d)))
            else:
                pairs.append(([c * d.values[nv - 1 - j] for j in range(nv)], _le_of(d, self.true)))
        pairs.sort(key=lambda p: -(p[0][-1] - p[0][0]))
        layers = [p[0] for p in pairs]
        lit_of = [p[1] for p in pairs]
        n = len(layers)
        lo_rest = [0] * (n + 1)
        hi_rest = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            lo_rest[i] = lo_rest[i + 1] + layers[i][0]
            hi_rest[i] = hi_rest[i + 1] + layers[i][-1]
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
            for pos_w, w in enumerate(layers[i]):
                child, clo, chi = build(i + 1, rhs - w)
                children.append((pos_w, child))
                lo, hi = max(lo, clo + w), min(hi, chi + w)
            kinds = {c for _, c in children}
            if len(kinds) == 1:
                node = kinds.pop()
            else:
                node = self.new()
                # one clause per run of equal children, using the order literals
                ge_at = lit_of[i]
                m = len(children)
                j = 0
                while j < m:
                    child = children[j][1]
                    end = j
                    while end + 1 < m and children[end + 1][1] == child:
                        end += 1
                    head = [] if j == 0 else [-ge_at(j)]
                    if child != t:
                        self.clauses.append([-node, *head] + ([] if child == -t else [child]))
                    if reified and child != -t:
                        tail = [ge_at(end + 1)] if end + 1 < m else []
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
            return [self.interval_lit(dom, a, b) for a, b in _runs(cell, dom.values)]
        return [lit.index + 1 for vid, lit in zip(col.values, col.lits, strict=True) if vid in cell]

    def interval_lit(self, dom: _Dom, a: int, b: int) -> int:
        """The literal of ``a <= x <= b`` (two order literals, not one per value)."""
        if a == b:
            return self.cmp_lit(dom, 1, -a, "==")
        lo = self.cmp_lit(dom, 1, -a, ">=")
        hi = self.cmp_lit(dom, 1, -b, "<=")
        return self.and_def([lo, hi])

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


def _ge_of(d: _Dom) -> Callable[[int], int]:
    """``j -> [x >= values[j]]``."""
    ge = d.ge
    return lambda j: ge[j]


def _le_of(d: _Dom, true: int) -> Callable[[int], int]:
    """``j -> [x <= values[n - 1 - j]]`` (the j-th weight of a negated term, ascending)."""
    ge, n = d.ge, len(d.values)
    return lambda j: -ge[n - j] if j > 0 else true


def _ladder_dom(ladder: _Ladder) -> _Dom:
    n = len(ladder.values)
    return _Dom(ladder.values, _LazySeq(ladder.ge, n), _LazySeq(ladder.eq, n))


def _runs(cell: frozenset[Any], values: Sequence[int]) -> list[tuple[int, int]]:
    """The values of ``cell`` within ``values`` (a contiguous range) as maximal intervals."""
    lo, hi = values[0], values[-1]
    inside = sorted(v for v in cell if isinstance(v, int) and lo <= v <= hi)
    out: list[tuple[int, int]] = []
    for v in inside:
        if out and out[-1][1] == v - 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


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


_POOL = 96
"""Recent solutions (found with every rule on) kept to answer later questions without solving."""


@dataclass(frozen=True, slots=True)
class _Allow:
    """The values an int attribute may take under a call's assumptions on it."""

    lo: int
    hi: int
    out: frozenset[int] = frozenset()

    def meet(self, op: str, k: int) -> _Allow:
        lo, hi, out = self.lo, self.hi, self.out
        if op == "==":
            lo, hi = max(lo, k), min(hi, k)
        elif op == "!=":
            out = out | {k}
        elif op == "<":
            hi = min(hi, k - 1)
        elif op == "<=":
            hi = min(hi, k)
        elif op == ">":
            lo = max(lo, k + 1)
        else:
            lo = max(lo, k)
        return _Allow(lo, hi, out)

    def first(self, a: int, b: int) -> int | None:
        """The smallest allowed value in ``a..b``."""
        v = max(a, self.lo)
        end = min(b, self.hi)
        while v <= end:
            if v not in self.out:
                return v
            v += 1
        return None

    def last(self, a: int, b: int) -> int | None:
        """The largest allowed value in ``a..b``."""
        v = min(b, self.hi)
        start = max(a, self.lo)
        while v >= start:
            if v not in self.out:
                return v
            v -= 1
        return None


@dataclass(slots=True)
class _Query:
    """A call's assumptions as solver literals.

    Attributes:
        lits: the literals to assume.
        per: the literals of each assumption (for cores; assumptions on one int attribute
            share the literals of their intersection).
        pmask, nmask: the Boolean literals as byte vectors (positive and negative).
        ints: per int attribute with assumptions, the values they allow.
        ranges: per such attribute ``(index, first class, last class, empty classes)``.
        shared: whether some int attribute has more than one assumption.
        impossible: whether the assumptions contradict each other on their own.
    """

    lits: list[int]
    per: list[tuple[int, ...]]
    pmask: int = 0
    nmask: int = 0
    ints: dict[int, _Allow] = field(default_factory=dict)
    ranges: tuple[tuple[int, int, int, frozenset[int]], ...] = ()
    shared: bool = False
    impossible: bool = False


@dataclass(frozen=True, slots=True)
class _Sol:
    """A solution, compact: one byte per Boolean variable, the class of each int attribute."""

    raw: bytes
    bits: int
    cls: tuple[int, ...]


class SatSession:
    """One incremental solver on one model (not thread-safe).

    Work is reused between calls: recent solutions (with every rule on) answer "is this
    possible?" without solving when one of them satisfies the question's assumptions, and
    unsatisfiable cores answer any later question that contains one of them.
    """

    reuses_solutions = True
    """Callers need not keep their own witnesses: :meth:`solve` reuses kept solutions."""

    def __init__(
        self, model: ConstraintModel, solver_name: str = "glucose4", *, fresh: bool = False
    ) -> None:
        self.model = model
        self.enc = _Encoder(model) if fresh else _encoding(model)
        self._shared = True
        self.solver_name = solver_name
        self.solver: Any = Solver(name=solver_name, bootstrap_with=self.enc.clauses)
        self._nsynced = len(self.enc.clauses)
        self._nvars = self.enc.nvars
        self.nb = len(model.bool_vars)
        self._all = int.from_bytes(b"\x01" * self.nb, "little")
        self._ids = list(range(1, self.nb + 1))
        self._neg_ids = [-x for x in self._ids]
        self.all_rules = tuple(self.enc.selectors)
        self._rule_pos = {r: i for i, r in enumerate(self.all_rules)}
        self.calls = 0
        self._tested = 0
        self.phase_guidance = True
        self._classes = [ladder.classes() for ladder in self.enc.ladders]
        self._pool: collections.deque[_Sol] = collections.deque(maxlen=_POOL)
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

    def _sync(self) -> None:
        """Give the solver the clauses added to the encoding since the last call."""
        enc = self.enc
        classes = [ladder.classes() for ladder in enc.ladders]  # may add clauses
        if len(enc.clauses) > self._nsynced:
            self.solver.append_formula(enc.clauses[self._nsynced :])
            self._nsynced = len(enc.clauses)
        if enc.nvars != self._nvars:
            self._nvars = enc.nvars
            if classes != self._classes:
                # kept solutions name classes that no longer exist
                self._classes = classes
                self._pool.clear()

    def prefer(self, assumptions: Sequence[Assumption]) -> None:
        """Search these values first from now on (a phase hint; answers do not change)."""
        phases: list[int] = []
        for a in assumptions:
            if (
                isinstance(a, Compare)
                and isinstance(a.left, IntVar)
                and isinstance(a.right, IntConst)
            ):
                c = self._classes[a.left.index]
                allow = _Allow(a.left.lo, a.left.hi).meet(a.op, a.right.value)
                v = allow.first(allow.lo, allow.hi)
                if v is None:
                    continue
                k = c.of(v)
                phases.extend(g if i <= k else -g for i, g in enumerate(c.ge) if i > 0)
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
        pos = self._rule_pos
        return [sel[r] for r in sorted(wanted, key=pos.__getitem__)]

    def _arm(self, deadline: Deadline) -> None:
        solver = self.solver
        self._token = _WATCHDOG.arm(deadline.at, solver.interrupt)

    def _disarm(self) -> None:
        if self._token is not None:
            _WATCHDOG.disarm(self._token)
            self._token = None

    def _run(self, lits: list[int], deadline: Deadline) -> bool | None:
        if deadline.expired():
            return None
        self.solver.clear_interrupt()
        self.calls += 1
        self._tested = lits[-1] if lits else 0
        res: bool | None = self.solver.solve_limited(assumptions=lits, expect_interrupt=True)
        return res

    # -- assumptions ------------------------------------------------------------------------

    def _query(self, assumptions: Sequence[Assumption]) -> _Query:
        """The literals of a call's assumptions."""
        lits: list[int] = []
        per: list[tuple[int, ...]] = []
        ints: dict[int, _Allow] = {}
        where: dict[int, list[int]] = {}
        for a in assumptions:
            kind = type(a)
            if kind is BoolVar:
                lit = a.index + 1  # type: ignore[union-attr]
            elif kind is Not and type(a.arg) is BoolVar:  # type: ignore[union-attr]
                lit = -(a.arg.index + 1)  # type: ignore[union-attr]
            else:
                check_assumption(a)
                if isinstance(a, BoolVar):
                    lit = a.index + 1
                elif isinstance(a, Not):
                    assert isinstance(a.arg, BoolVar)
                    lit = -(a.arg.index + 1)
                else:
                    assert isinstance(a, Compare) and isinstance(a.left, IntVar)
                    assert isinstance(a.right, IntConst)
                    iv = a.left
                    start = ints.get(iv.index, _Allow(iv.lo, iv.hi))
                    ints[iv.index] = start.meet(a.op, a.right.value)
                    where.setdefault(iv.index, []).append(len(per))
                    per.append(())
                    continue
            lits.append(lit)
            per.append((lit,))
        pm, nm = self._masks(lits)
        q = _Query(lits, per, pm, nm)
        if not ints:
            return q
        ranges = []
        false = -self.enc.true
        for j, allow in ints.items():
            int_lits, rng = self._int_lits(j, allow)
            if rng is None:
                int_lits = [false]
                q.impossible = True
            else:
                ranges.append((j, *rng))
            lits.extend(int_lits)
            for pos in where[j]:
                per[pos] = tuple(int_lits)
            q.shared |= len(where[j]) > 1
        q.ints = ints
        q.ranges = tuple(ranges)
        return q

    def _int_lits(
        self, j: int, allow: _Allow
    ) -> tuple[list[int], tuple[int, int, frozenset[int]] | None]:
        """Literals for "the attribute's class holds an allowed value", and the classes that
        do (first, last, empty ones in between); ``None`` when there is none."""
        c = self._classes[j]
        lo, hi = max(allow.lo, c.lo[0]), min(allow.hi, c.hi[-1])
        if lo > hi:
            return [], None
        j1, j2 = c.of(lo), c.of(hi)
        empty = set()
        for v in allow.out:
            if lo <= v <= hi:
                k = c.of(v)
                if allow.first(c.lo[k], c.hi[k]) is None:
                    empty.add(k)
        while j1 <= j2 and j1 in empty:
            j1 += 1
        while j2 >= j1 and j2 in empty:
            j2 -= 1
        if j1 > j2:
            return [], None
        out = []
        if j1 > 0:
            out.append(c.ge[j1])
        if j2 + 1 < len(c.lo):
            out.append(-c.ge[j2 + 1])
        out.extend(-c.eq[k] for k in sorted(empty) if j1 < k < j2)
        return out, (j1, j2, frozenset(k for k in empty if j1 < k < j2))

    # -- solutions --------------------------------------------------------------------------

    def _masks(self, lits: Iterable[int]) -> tuple[int, int]:
        """Boolean literals as byte vectors (positive, negative); other literals are left out."""
        nb = self.nb
        pos = bytearray(nb)
        neg = bytearray(nb)
        for x in lits:
            if 0 < x <= nb:
                pos[x - 1] = 1
            elif 0 < -x <= nb:
                neg[-x - 1] = 1
        return int.from_bytes(pos, "little"), int.from_bytes(neg, "little")

    def _keep(self, model: list[int], full: bool) -> _Sol:
        """The compact form of the solver's model; remembered when every rule was on."""
        raw = bytes(map((0).__lt__, model[: self.nb]))
        cls = tuple(_class_in(model, c) for c in self._classes)
        sol = _Sol(raw, int.from_bytes(raw, "little"), cls)
        if full:
            self._pool.appendleft(sol)
        return sol

    def _phases(self, seen: int) -> list[int]:
        """Phases: true for the variables not seen true yet, false for the others."""
        ids = self._ids
        raw = seen.to_bytes(self.nb, "little")
        return [
            *itertools.compress(ids, raw.translate(_FLIP)),
            *itertools.compress(self._neg_ids, raw),
        ]

    def _holding(self, lit: int) -> Iterator[_Sol]:
        """Kept solutions in which a Boolean literal holds, most recent first."""
        i = abs(lit) - 1
        want = 1 if lit > 0 else 0
        for sol in self._pool:
            if sol.raw[i] == want:
                yield sol

    @staticmethod
    def _fits(sol: _Sol, q: _Query) -> bool:
        """Whether a solution satisfies the assumptions of a query."""
        if q.impossible:
            return False
        b = sol.bits
        if b & q.pmask != q.pmask or b & q.nmask:
            return False
        for j, j1, j2, empty in q.ranges:
            k = sol.cls[j]
            if k < j1 or k > j2 or k in empty:
                return False
        return True

    def _reuse(self, q: _Query) -> _Sol | None:
        """A kept solution that satisfies the query (work of earlier calls reused)."""
        if q.lits and abs(q.lits[-1]) <= self.nb:
            # the last literal (the one tested) is the rarest: filter on it first
            candidates: Iterable[_Sol] = self._holding(q.lits[-1])
        else:
            candidates = self._pool
        for sol in candidates:
            if self._fits(sol, q):
                return sol
        return None

    def _witnessed(self, lits: list[int]) -> bool:
        """Whether a kept solution (found with every rule on) satisfies Boolean literals."""
        nb = self.nb
        if not lits or any(abs(x) > nb for x in lits):
            return False
        pm, nm = self._masks(lits)
        return any(sol.bits & pm == pm and not sol.bits & nm for sol in self._holding(lits[-1]))

    def _decode(self, sol: _Sol, q: _Query) -> Assignment:
        ints: list[int] = []
        for j, (c, k) in enumerate(zip(self._classes, sol.cls, strict=True)):
            lo, hi = c.lo[k], c.hi[k]
            allow = q.ints.get(j)
            v = lo if allow is None else allow.first(lo, hi)
            ints.append(lo if v is None else v)
        return Assignment(tuple(map(bool, sol.raw)), tuple(ints))

    def _learn(self) -> frozenset[int]:
        """Remember the solver's last core (it refutes any call that assumes all of it).

        Cores are filed under the call's last assumption (the value tested) when the core has
        it, so the cores of one value under different choices stay together."""
        core = frozenset(self.solver.get_core() or ())
        tested = self._tested
        if tested in core and tested not in self._selector_set:
            key = tested
        else:
            key = next((x for x in core if x not in self._selector_set), 0)
        bucket = self._core_index.setdefault(key, [])
        if core not in bucket:
            bucket.append(core)
            if len(bucket) > 16:
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

    def _core_of(self, raw: frozenset[int], q: _Query) -> Core:
        by_sel = self._rule_of_selector
        found = sorted((by_sel[x] for x in raw if x in by_sel), key=lambda p: p[0])
        return Core(
            tuple(i for i, lits in enumerate(q.per) if any(x in raw for x in lits)),
            tuple(r for _, r in found),
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
        q = self._query(assumptions)
        hit = self._reuse(q)
        if hit is not None:
            return SolveResult(SolveStatus.SAT, self._decode(hit, q))
        lits = self._selector_lits(rules) + q.lits
        known = self._known_core(set(lits))
        if known is not None:
            return SolveResult(SolveStatus.UNSAT, core=self._core_of(known, q))
        self._arm(deadline)
        try:
            res = self._run(lits, deadline)
            if res is None:
                return SolveResult(SolveStatus.UNKNOWN)
            if res:
                sol = self._keep(self.solver.get_model(), rules is None)
                return SolveResult(SolveStatus.SAT, self._decode(sol, q))
            return SolveResult(SolveStatus.UNSAT, core=self._core_of(self._learn(), q))
        finally:
            self._disarm()

    def minimal_core(
        self,
        assumptions: Sequence[Assumption],
        *,
        extra: Sequence[Assumption] = (),
        rules: Collection[str] | None = None,
        core: Core | None = None,
        time_limit: float,
        keep_rules: bool = False,
    ) -> Core | None:
        """:func:`cpq.solve.explain.minimal_core` on solver literals (same answer contract:
        a minimal subset of ``assumptions`` and rules unsatisfiable with ``extra``; sound but
        perhaps not minimal on a time out; ``None`` when satisfiable).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> s = SatSession(m)
            >>> sea = m.attribute("medium").lit("sea_water")
            >>> iron = m.attribute("material").lit("cast_iron")
            >>> s.minimal_core([m.attribute("atex").lits[0], sea], extra=[iron], time_limit=5)
            Core(assumptions=(1,), rules=('sea-water-needs-duplex',))
        """
        deadline = Deadline(time_limit)
        n = len(assumptions)
        everything = [*assumptions, *extra]
        q = self._query(everything)
        sel = self.enc.selectors
        rule_ids = (
            list(self.all_rules)
            if rules is None
            else [
                r
                for r, _ in sorted(((r, self._rule_pos[r]) for r in set(rules)), key=lambda p: p[1])
            ]
        )

        def lits_of(idx: list[int]) -> tuple[list[int], list[tuple[int, ...]]]:
            if q.shared:  # assumptions on one int attribute: their literals depend on the subset
                sub = self._query([everything[i] for i in idx] + list(extra))
                return sub.lits, sub.per[: len(idx)]
            per = [q.per[i] for i in idx]
            out: list[int] = []
            for p in per:
                out.extend(p)
            for p in q.per[n:]:
                out.extend(p)
            return out, per

        def check(idx: list[int], rs: list[str]) -> tuple[list[int], list[str]] | None:
            """The refined core (choice indices, rules) when still unsatisfiable."""
            if deadline.expired():
                return None
            user, per = lits_of(idx)
            if self._witnessed(user):  # a kept solution (every rule on) satisfies the choices
                return None
            lits = [sel[r] for r in rs] + user
            raw = self._known_core(set(lits))
            if raw is None:
                res = self._run(lits, deadline)
                if res is not False:
                    return None
                raw = self._learn()
            return (
                [i for i, p in zip(idx, per, strict=True) if any(x in raw for x in p)],
                [r for r in rs if sel[r] in raw],
            )

        self._arm(deadline)
        try:
            if core is None:
                start = check(list(range(n)), rule_ids)
                if start is None:
                    if deadline.expired():
                        cur_a, cur_r = list(range(n)), list(rule_ids)
                    else:
                        return None
                else:
                    cur_a, cur_r = start
            else:
                in_core = set(core.rules)
                cur_a = sorted(i for i in core.assumptions if i < n)
                cur_r = [r for r in rule_ids if r in in_core]
            if keep_rules:
                cur_r = list(rule_ids)
            else:
                i = 0
                while i < len(cur_r):
                    refined = check(cur_a, cur_r[:i] + cur_r[i + 1 :])
                    if refined is None:
                        i += 1
                        continue
                    cur_a, cur_r = refined
            i = 0
            while i < len(cur_a):
                refined = check(cur_a[:i] + cur_a[i + 1 :], cur_r)
                if refined is None:
                    i += 1
                    continue
                if keep_rules:
                    cur_a = refined[0]
                else:
                    cur_a, cur_r = refined
            return Core(tuple(sorted(cur_a)), tuple(cur_r))
        finally:
            self._disarm()

    def minimum_corrections(
        self,
        assumptions: Sequence[Assumption],
        *,
        hard: Sequence[Assumption] = (),
        rules: Collection[str] | None = None,
        max_size: int | None = None,
        limit: int = 10,
        time_limit: float,
    ) -> tuple[list[tuple[int, ...]], bool]:
        """:func:`cpq.solve.explain.minimum_corrections` with a cardinality constraint (same
        contract): every assumption gets a "kept" literal, a totalizer counts the dropped ones,
        and the smallest bound with a solution is the size of the minimum corrections, which
        are then enumerated (blocking each one) and returned in index order. One fresh solver
        per call; orders needing 8 changes out of 48 take milliseconds, not a search over
        subsets.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> sea = m.attribute("medium").lit("sea_water")
            >>> iron = m.attribute("material").lit("cast_iron")
            >>> SatSession(m).minimum_corrections([sea, iron], time_limit=5)
            ([(0,), (1,)], True)
        """
        from pysat.card import ITotalizer

        deadline = Deadline(time_limit)
        n = len(assumptions)
        largest = n if max_size is None else min(n, max_size)
        q = self._query([*assumptions, *hard])
        if q.shared:  # bounds on one int attribute cannot be dropped one by one here
            from cpq.solve.explain import _generic_minimum_corrections

            return _generic_minimum_corrections(
                self,
                assumptions,
                hard=hard,
                rules=rules,
                max_size=max_size,
                limit=limit,
                time_limit=deadline.remaining(),
            )
        top = self.enc.nvars
        keep = list(range(top + 1, top + n + 1))
        clauses = [[-k, x] for k, p in zip(keep, q.per[:n], strict=True) for x in p]
        count = ITotalizer(lits=[-k for k in keep], ubound=min(n, largest + 1), top_id=top + n)
        base = self._selector_lits(rules) + [x for p in q.per[n:] for x in p]
        solver: Any = Solver(
            name=self.solver_name, bootstrap_with=self.enc.clauses + clauses + count.cnf.clauses
        )
        token = _WATCHDOG.arm(deadline.at, solver.interrupt)
        try:

            def run(extra: list[int]) -> bool | None:
                if deadline.expired():
                    return None
                solver.clear_interrupt()
                self.calls += 1
                res: bool | None = solver.solve_limited(
                    assumptions=base + extra, expect_interrupt=True
                )
                return res

            res = run(keep)
            if res is None:
                return [], False
            if res:
                return [()], True
            rhs = count.rhs
            for size in range(1, largest + 1):
                res = run([-rhs[size]] if size < len(rhs) else [])
                if res is None:
                    return [], False
                if not res:
                    continue
                found: list[tuple[int, ...]] = []
                while res:
                    model = solver.get_model()
                    dropped = tuple(i for i, k in enumerate(keep) if model[k - 1] < 0)
                    found.append(dropped)
                    solver.add_clause([keep[i] for i in dropped])  # this set, not again
                    if len(found) > 4 * limit + 100:
                        return sorted(found)[:limit], False
                    res = run([-rhs[size]] if size < len(rhs) else [])
                    if res is None:
                        return sorted(found)[:limit], False
                return sorted(found)[:limit], True
            return [], False
        finally:
            _WATCHDOG.disarm(token)
            solver.delete()
            count.delete()

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
        q = self._query(assumptions)
        base = self._selector_lits(rules) + q.lits
        full = rules is None
        nb, ni = self.nb, len(self.model.int_vars)
        self._arm(deadline)
        try:
            hits = [sol for sol in self._pool if self._fits(sol, q)]
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
            if not hits:
                hits = [self._keep(self.solver.get_model(), full)]
            seen_t = 0
            seen_f = 0
            seen_c: list[set[int]] = [set() for _ in range(ni)]
            everything = self._all

            def note(sol: _Sol) -> None:
                nonlocal seen_t, seen_f
                seen_t |= sol.bits
                seen_f |= everything & ~sol.bits
                for j, k in enumerate(sol.cls):
                    seen_c[j].add(k)

            for sol in hits:
                note(sol)
            cores: dict[tuple[int, bool], Core] = {}
            complete = True
            # literals fixed by unit propagation are impossible to flip: no call needed
            ok, fixed_list = self.solver.propagate(assumptions=base)
            fixed = set(fixed_list) if ok else set()
            present = set(base)
            phased = -1  # seen_t when phases were last set
            t_raw = f_raw = b""
            snap = -1, -1
            for i in range(nb):
                for value in (True, False):
                    if snap != (seen_t, seen_f):  # byte views of the masks, for O(1) tests
                        t_raw = seen_t.to_bytes(nb, "little")
                        f_raw = seen_f.to_bytes(nb, "little")
                        snap = seen_t, seen_f
                    if (t_raw if value else f_raw)[i]:
                        continue
                    lit = (i + 1) if value else -(i + 1)
                    if -lit in fixed:
                        continue
                    kept = next((s for s in self._holding(lit) if self._fits(s, q)), None)
                    if kept is not None:
                        note(kept)
                        continue
                    known = self._known_core(present | {lit})
                    if known is not None:
                        # a core found on an earlier call still applies (monotone reuse)
                        cores[(i, value)] = self._core_of(known, q)
                        continue
                    if self.phase_guidance and phased != seen_t:
                        # prefer values no solution has shown yet: one model covers many
                        # (set_phases replaces every earlier preference: give them all)
                        self.solver.set_phases(self._phases(seen_t))
                        phased = seen_t
                    res = self._run([*base, lit], deadline)
                    if res is None:
                        complete = False
                    elif res:
                        note(self._keep(self.solver.get_model(), full))
                    else:
                        cores[(i, value)] = self._core_of(self._learn(), q)
            ints: list[frozenset[int]] = []
            bounds: list[tuple[int, int] | None] = []
            for j, iv in enumerate(self.model.int_vars):
                c = self._classes[j]
                allow = q.ints.get(j, _Allow(iv.lo, iv.hi))
                rng = next((r[1:] for r in q.ranges if r[0] == j), None)
                j1, j2, empty = rng if rng is not None else (0, len(c.lo) - 1, frozenset())
                seen = seen_c[j]
                if iv.hi - iv.lo + 1 <= int_exact_limit:
                    for k in range(j1, j2 + 1):
                        if k in seen or k in empty:
                            continue
                        res = self._run([*base, c.eq[k]], deadline)
                        if res is None:
                            complete = False
                        elif res:
                            note(self._keep(self.solver.get_model(), full))
                        else:
                            self._learn()
                    vals: set[int] = set()
                    for k in seen:
                        a = allow.first(c.lo[k], c.hi[k])
                        while a is not None and a <= min(c.hi[k], allow.hi):
                            vals.add(a)
                            a = allow.first(a + 1, c.hi[k])
                else:
                    ok = self._class_extreme(base, deadline, j, seen, j1, j2, full, low=True)
                    ok &= self._class_extreme(base, deadline, j, seen, j1, j2, full, low=False)
                    complete &= ok
                    vals = set()
                    for k in seen:
                        a, b = allow.first(c.lo[k], c.hi[k]), allow.last(c.lo[k], c.hi[k])
                        if a is not None and b is not None:
                            vals.update((a, b))
                ints.append(frozenset(vals))
                bounds.append((min(vals), max(vals)) if vals else None)
            nbytes = nb
            t_raw = seen_t.to_bytes(nbytes, "little") if nbytes else b""
            f_raw = seen_f.to_bytes(nbytes, "little") if nbytes else b""
            return Domains(
                SolveStatus.SAT if complete else SolveStatus.UNKNOWN,
                tuple(_BOOL_SETS[t * 2 + f] for t, f in zip(t_raw, f_raw, strict=True)),
                tuple(ints),
                tuple(bounds),
                cores,
                complete,
            )
        finally:
            self._disarm()

    def keep_defaults(
        self,
        assumptions: Sequence[Assumption],
        defaults: Sequence[Assumption],
        *,
        time_limit: float,
    ) -> tuple[list[int], Assignment] | None:
        """Soft defaults in order, each kept when it fits the assumptions and the defaults kept
        before it: the indices kept and a solution with all of them (``None``: the assumptions
        have no solution, or the time limit was reached before one was found). A default whose
        check runs out of time gives way.

        The greedy pass works on solutions that follow the defaults (solver phases), not on
        kept solutions, so most defaults are confirmed without a call.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> from cpq.model.ir import Not
            >>> m = compile_model(demo_ruleset())
            >>> sea = m.attribute("medium").lit("sea_water")
            >>> iron, atex = m.attribute("material").lit("cast_iron"), m.attribute("atex").lits[0]
            >>> SatSession(m).keep_defaults([sea], [iron, Not(atex)], time_limit=5)[0]
            [1]
        """
        deadline = Deadline(time_limit)
        q = self._query(assumptions)
        every = self._query([*assumptions, *defaults])
        dlits = [self._query([d]).lits for d in defaults]
        base = self._selector_lits(None) + q.lits
        everything = list(range(len(defaults)))
        hit = next((sol for sol in self._pool if self._fits(sol, every)), None)
        if hit is not None:
            return everything, self._decode(hit, every)
        self._arm(deadline)
        try:
            lits = base + [x for ls in dlits for x in ls]
            if self._known_core(set(lits)) is None:
                res = self._run(lits, deadline)
                if res:
                    return everything, self._decode(
                        self._keep(self.solver.get_model(), True), every
                    )
                if res is False:
                    self._learn()
            if not self._run(base, deadline):
                return None
            model = self.solver.get_model()
            kept: list[int] = []
            kept_lits: list[int] = []
            for i, ls in enumerate(dlits):
                if all((model[abs(x) - 1] > 0) == (x > 0) for x in ls):
                    kept.append(i)
                    kept_lits.extend(ls)
                    continue
                trial = base + kept_lits + ls
                if self._known_core(set(trial)) is not None:
                    continue
                res = self._run(trial, deadline)
                if res:
                    model = self.solver.get_model()
                    kept.append(i)
                    kept_lits.extend(ls)
                elif res is False:
                    self._learn()
            done = self._query([*assumptions, *(defaults[i] for i in kept)])
            return kept, self._decode(self._keep(model, True), done)
        finally:
            self._disarm()

    def int_domain(
        self,
        assumptions: Sequence[Assumption],
        iv: IntVar,
        *,
        exact: bool,
        time_limit: float,
    ) -> tuple[frozenset[int], bool]:
        """The feasible values of one int attribute under the assumptions: all of them
        (``exact``) or at least the smallest and the largest; and whether the answer is
        complete. Works on classes of values the encoding does not tell apart.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> from cpq.model.compile import compile_model
            >>> m = compile_model(demo_ruleset())
            >>> vals, ok = SatSession(m).int_domain([m.attribute("motor").lit("m55")],
            ...     m.int_vars[0], exact=False, time_limit=5)
            >>> min(vals), max(vals), ok
            (5, 110, True)
        """
        deadline = Deadline(time_limit)
        q = self._query(assumptions)
        base = self._selector_lits(None) + q.lits
        j = iv.index
        c = self._classes[j]
        allow = q.ints.get(j, _Allow(iv.lo, iv.hi))
        rng = next((r[1:] for r in q.ranges if r[0] == j), None)
        j1, j2, empty = rng if rng is not None else (0, len(c.lo) - 1, frozenset())
        seen = {sol.cls[j] for sol in self._pool if self._fits(sol, q)}
        complete = True
        self._arm(deadline)
        try:
            if not seen:
                res = self._run(base, deadline)
                if not res:
                    if res is False:
                        self._learn()
                    return frozenset(), res is False
                seen.add(self._keep(self.solver.get_model(), True).cls[j])
            if exact:
                for k in range(j1, j2 + 1):
                    if k in seen or k in empty:
                        continue
                    lit = c.eq[k]
                    if self._known_core({*base, lit}) is not None:
                        continue
                    res = self._run([*base, lit], deadline)
                    if res is None:
                        complete = False
                    elif res:
                        seen.add(self._keep(self.solver.get_model(), True).cls[j])
                    else:
                        self._learn()
            else:
                complete &= self._class_extreme(base, deadline, j, seen, j1, j2, True, low=True)
                complete &= self._class_extreme(base, deadline, j, seen, j1, j2, True, low=False)
        finally:
            self._disarm()
        out: set[int] = set()
        for k in seen:
            if exact:
                v = allow.first(c.lo[k], c.hi[k])
                while v is not None:
                    out.add(v)
                    v = allow.first(v + 1, c.hi[k])
            else:
                a, b = allow.first(c.lo[k], c.hi[k]), allow.last(c.lo[k], c.hi[k])
                if a is not None and b is not None:
                    out.update((a, b))
        return frozenset(out), complete

    def _class_extreme(
        self,
        base: list[int],
        deadline: Deadline,
        j: int,
        seen: set[int],
        first_class: int,
        last_class: int,
        full: bool,
        *,
        low: bool,
    ) -> bool:
        """Add the lowest (or highest) feasible class of int attribute ``j`` to ``seen``; False
        on time out."""
        c = self._classes[j]
        best = min(seen) if low else max(seen)
        lo, hi = (first_class, best - 1) if low else (best + 1, last_class)
        first = True
        while lo <= hi:
            if first:  # the end of the range is often feasible: try it first
                mid = lo if low else hi
                first = False
            else:
                mid = (lo + hi) // 2 if low else (lo + hi + 1) // 2
            lit = -c.ge[mid + 1] if low else c.ge[mid]
            if self._known_core({*base, lit}) is not None:
                res: bool | None = False
            else:
                res = self._run([*base, lit], deadline)
                if res is False:
                    self._learn()
            if res is None:
                return False
            if res:
                found = self._keep(self.solver.get_model(), full).cls[j]
                seen.add(found)
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
        if isinstance(objective.expr, IntVar):
            self.enc.ladders[objective.expr.index].materialize()
        dom = self.enc.num(objective.expr)
        self._sync()
        q = self._query(assumptions)
        base = self._selector_lits(rules) + q.lits
        full = rules is None
        self._arm(deadline)
        try:
            res = self._run(base, deadline)
            if res is None:
                return SolveResult(SolveStatus.UNKNOWN)
            if not res:
                return SolveResult(SolveStatus.UNSAT, core=self._core_of(self._learn(), q))
            model = self.solver.get_model()
            best_i = _dom_index(model, dom)
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
                    best_model = self.solver.get_model()
                    best_i = _dom_index(best_model, dom)
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
                self._decode(self._keep(best_model, full), q),
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
        q = self._query(assumptions)
        fixed = [[x] for x in self._selector_lits(None) + q.lits]
        solver: Any = Solver(name=self.solver_name, bootstrap_with=self.enc.clauses + fixed)
        token = _WATCHDOG.arm(deadline.at, solver.interrupt)
        found: list[Assignment] = []
        complete = True
        try:
            proj = [i + 1 for i in range(self.nb)]
            for c in self._classes:
                proj.extend(c.ge[1:])
            while complete:
                if deadline.expired():
                    complete = False
                    break
                res = solver.solve_limited(expect_interrupt=True)
                if res is None:
                    complete = False
                    break
                if not res:
                    break
                model = solver.get_model()
                sol = self._keep(model, False)
                bools = tuple(map(bool, sol.raw))
                choices: list[list[int]] = []
                for j, (c, k) in enumerate(zip(self._classes, sol.cls, strict=True)):
                    iv = self.model.int_vars[j]
                    allow = q.ints.get(j, _Allow(iv.lo, iv.hi))
                    vals = []
                    v = allow.first(c.lo[k], c.hi[k])
                    while v is not None:
                        vals.append(v)
                        v = allow.first(v + 1, c.hi[k])
                    choices.append(vals)
                for ints in itertools.product(*choices):
                    if len(found) >= limit:
                        complete = False
                        break
                    found.append(Assignment(bools, ints))
                solver.add_clause([-model[abs(x) - 1] for x in proj])
        finally:
            _WATCHDOG.disarm(token)
            solver.delete()
        return EnumerationResult(tuple(found), complete)


_FLIP = bytes([1, 0]) + bytes(254)
"""``bytes.translate`` table that turns 0 into 1 and 1 into 0."""

_BOOL_SETS = (
    frozenset[bool](),
    frozenset({False}),
    frozenset({True}),
    frozenset({True, False}),
)


def _class_in(model: list[int], c: _Classes) -> int:
    """The class of an int attribute in a solver model (largest ``j`` with ``ge[j]`` true)."""
    ge = c.ge
    lo, hi = 0, len(ge) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        g = ge[mid]
        if (model[abs(g) - 1] > 0) == (g > 0):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _dom_index(model: list[int], d: _Dom) -> int:
    """The index of a node's value in a solver model (every literal of ``d`` exists)."""
    lo, hi = 0, len(d.values) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        g = d.ge[mid]
        if (model[abs(g) - 1] > 0) == (g > 0):
            lo = mid
        else:
            hi = mid - 1
    return lo


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
