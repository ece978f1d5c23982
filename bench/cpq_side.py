"""Everything the benchmarks ask of cpq itself, behind small functions.

When a part of cpq is missing (an importer, the configurator, a backend, an API), the function
raises :class:`NotAvailable` with a short reason, and the benchmark reports "not available yet"
for that measurement instead of failing the whole run.

The instances under ``../shared/benchmarks`` are imported with cpq's importers into
``bench/cache/`` (git-ignored). The cache key is a hash of the source file and of cpq's importer
code, so a changed importer re-imports.

Mapping between the raw instances (the baselines' terms) and the imported rulesets:

* XCSP: attribute = variable name, value id = the integer as text, ``none`` for -1 on domains
  marked ``optional="-1"``;
* DIMACS: attribute *i* (in file order) = variable *i + 1*, a bool attribute;
* UVL: a feature is a bool attribute of that name, or a value of a choice attribute made from an
  alternative group (``G == 'F'``); ``none`` of such an attribute means "no child selected".
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import CACHE, ROOT
from baselines import Choice, Problem


class NotAvailable(Exception):
    """A part of cpq the measurement needs is not there (yet)."""


def _need(what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (ImportError, AttributeError) as exc:
        raise NotAvailable(f"{what}: {exc}") from exc


# -- import and load ------------------------------------------------------------------------


def _importer_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "cpq" / "importers").glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def import_cached(fmt: str, source: Path) -> tuple[Path, float | None]:
    """The cpq ruleset imported from ``source`` (path in bench/cache/) and the import time in
    seconds (``None`` when it came from the cache)."""
    importers = _need("cpq.importers", lambda: __import__("cpq.importers", fromlist=["x"]))
    key = hashlib.sha256(source.read_bytes()).hexdigest()[:12] + "-" + _importer_hash()
    out = CACHE / f"{source.name.split('.')[0]}-{key}.yaml"
    if out.exists():
        return out, None
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"{source.name.split('.')[0]}-*.yaml"):
        old.unlink()
    t0 = time.perf_counter()
    text = importers.import_file(fmt, source)
    took = time.perf_counter() - t0
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return out, took


@dataclass
class Loaded:
    """A loaded and compiled ruleset with its timings (seconds)."""

    ruleset: Any
    model: Any
    load_s: float
    compile_s: float


def load_compile(path: Path) -> Loaded:
    """``load_ruleset`` then ``compile_model``, each timed once (cold)."""
    cpq = _need("cpq.load_ruleset", lambda: __import__("cpq"))
    compile_model = _need(
        "cpq.model.compile", lambda: __import__("cpq.model.compile", fromlist=["x"]).compile_model
    )
    t0 = time.perf_counter()
    rs = cpq.load_ruleset(path)
    t1 = time.perf_counter()
    model = compile_model(rs)
    t2 = time.perf_counter()
    return Loaded(rs, model, t1 - t0, t2 - t1)


def configurator_class() -> Any:
    return _need(
        "cpq.configurator.Configurator",
        lambda: __import__("cpq.configurator", fromlist=["x"]).Configurator,
    )


def check_values_fn() -> Callable[[Any, dict[str, Any]], list[str]]:
    """The independent evaluator: ``check_values(ruleset, values) -> violated rule ids``."""
    return _need(  # type: ignore[no-any-return]
        "cpq.model.evaluate.check_values",
        lambda: __import__("cpq.model.evaluate", fromlist=["x"]).check_values,
    )


def backends() -> list[str]:
    """The cpq backends that can be loaded here."""
    reg = _need("cpq.solve.registry", lambda: __import__("cpq.solve.registry", fromlist=["x"]))
    return list(reg.available_backends())


# -- name mapping between a raw problem and its imported ruleset -------------------------------


@dataclass
class Mapping:
    """Translate choices between the baseline's terms and the ruleset's.

    ``to_cpq[(attribute, value)]`` is the cpq selection ``(attribute, value)`` that makes the
    raw value true; ``from_cpq[(cpq attribute, cpq value)]`` the raw choices it means.
    """

    to_cpq: dict[Choice, tuple[str, Any]] = field(default_factory=dict)
    from_cpq: dict[tuple[str, Any], list[Choice]] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)  # cpq attributes, ruleset order

    def cpq_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """A full raw assignment as a full cpq assignment (every cpq attribute)."""
        out: dict[str, Any] = {}
        for (ca, cv), raws in self.from_cpq.items():
            if all(values.get(a) == v for a, v in raws):
                out.setdefault(ca, cv)
        return out

    def raw_domains(self, cpq_possible: dict[str, set[Any]]) -> dict[str, set[Any]]:
        """Raw values possible given the cpq values possible per cpq attribute."""
        out: dict[str, set[Any]] = {}
        for (ca, cv), raws in self.from_cpq.items():
            if cv in cpq_possible.get(ca, ()):
                for a, v in raws:
                    out.setdefault(a, set()).add(v)
        return out


def mapping(kind: str, problem: Problem, ruleset: Any) -> Mapping:
    """The mapping for an instance read by :mod:`baselines` and imported by cpq."""
    m = Mapping(attributes=list(ruleset.attributes))
    attrs = ruleset.attributes
    if kind == "xcsp":
        for a, vals in problem.attributes.items():
            ids = list(attrs[a].values)
            for v in vals:
                cv = str(v) if str(v) in ids else "none"
                m.to_cpq[(a, v)] = (a, cv)
                m.from_cpq[(a, cv)] = [(a, v)]
        return m
    if kind == "dimacs":
        names = list(problem.attributes)
        if len(names) != len(m.attributes):
            raise NotAvailable(f"{len(names)} variables but {len(m.attributes)} attributes")
        for raw, ca in zip(names, m.attributes, strict=True):
            for b in (False, True):
                m.to_cpq[(raw, b)] = (ca, b)
                m.from_cpq[(ca, b)] = [(raw, b)]
        return m
    # UVL: bool attributes are features (by label), choice values are features (by label or id)
    for ca, attr in attrs.items():
        if attr.type == "bool":
            raw = attr.label or ca
            for b in (False, True):
                m.to_cpq[(raw, b)] = (ca, b)
                m.from_cpq[(ca, b)] = [(raw, b)]
            continue
        children = []
        for vid, val in attr.values.items():
            if vid == "none" and (val.label or "").startswith("none"):
                continue
            children.append((vid, val.label or vid))
        for vid, raw in children:
            m.to_cpq[(raw, True)] = (ca, vid)
            m.from_cpq[(ca, vid)] = [(raw, True)] + [(r, False) for v2, r in children if v2 != vid]
        if "none" in attr.values and ("none", None) not in children:
            m.from_cpq[(ca, "none")] = [(r, False) for _, r in children]
    missing = [a for a in problem.attributes if (a, True) not in m.to_cpq]
    if missing:
        raise NotAvailable(f"{len(missing)} features not found in the import, e.g. {missing[:3]}")
    return m


# -- a configurator session as a replay session ----------------------------------------------


def read_reasons(view: Any) -> int:
    """Read the reason of every excluded or implied value (cpq computes reasons when first
    read); returns how many were read."""
    n = 0
    for opts in view.attributes.values():
        for v in opts.values:
            if v.state in ("excluded", "implied"):
                _ = v.reason
                n += 1
    return n


def get_options(cfg: Any, reasons: str) -> Any:
    """``options()``; ``reasons="all"``: default options with every reason read."""
    if reasons == "all":
        view = cfg.options()
        read_reasons(view)
        return view
    return cfg.options(reasons=reasons)


def select(cfg: Any, attribute: str, value: Any) -> None:
    """One click: ``select`` (a whole set of values for a multi attribute: ``set``)."""
    if isinstance(value, frozenset | set):
        cfg.set(attribute, sorted(value))
    else:
        cfg.select(attribute, value)


@dataclass(frozen=True)
class Range:
    """An int attribute's feasible range (``in`` tests membership)."""

    lo: int
    hi: int

    def __contains__(self, v: object) -> bool:
        return isinstance(v, int) and self.lo <= v <= self.hi


_MULTI_STATES = {
    "selectable": {True, False},
    "selected": {True},
    "implied": {True},
    "excluded": {False},
}


def native_domains(view: Any) -> dict[str, Any]:
    """The possible values per attribute of an options view, in cpq's own terms; a multi
    attribute ``m`` becomes one yes/no entry ``m+value`` per value."""
    out: dict[str, Any] = {}
    for name, opts in view.attributes.items():
        shown = {v.value for v in opts.values if v.state != "excluded"}
        if opts.type == "int":
            if opts.feasible is not None:
                out[name] = set(opts.feasible) | shown
            elif opts.range is not None:
                lo, hi = opts.range
                lo = min([lo, *shown]) if shown else lo
                hi = max([hi, *shown]) if shown else hi
                out[name] = Range(lo, hi)
            else:
                out[name] = shown
        elif opts.type == "multi":
            for v in opts.values:
                out[f"{name}+{v.value}"] = _MULTI_STATES[v.state]
        else:
            out[name] = shown
    return out


def native_target(ruleset: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A full configuration in the terms of :func:`native_domains`."""
    out: dict[str, Any] = {}
    for name, v in values.items():
        attr = ruleset.attributes[name]
        if attr.type == "multi":
            for vid in attr.values:
                out[f"{name}+{vid}"] = vid in v
        else:
            out[name] = v
    return out


class CpqSession:
    """Drive ``Configurator`` like a buyer: a new session per sale, ``select`` then ``options``
    (``reasons``: ``minimal``, the default; ``none``; ``all``: the default with every reason
    read, since cpq computes reasons when they are first read).

    ``domains()`` returns, in raw terms, every value not ``excluded`` in the options view.
    ``cold``: every session starts with an empty store of reasons (cpq keeps the reasons it
    found per loaded ruleset and shares them between sessions; this measures a process that
    has seen no earlier buyer).
    """

    def __init__(
        self,
        ruleset: Any,
        mp: Mapping | None,
        backend: str = "sat",
        reasons: str = "minimal",
        time_limit: float = 60.0,
        raw_clicks: bool = True,
        cold: bool = False,
    ) -> None:
        self.cls = configurator_class()
        self.cold = cold
        self.ruleset = ruleset
        self.mp = mp
        self.raw_clicks = raw_clicks
        self.backend = backend
        self.reasons = reasons
        self.time_limit = time_limit
        self.cfg: Any = None
        self.open_s: list[float] = []
        self.incomplete = 0

    def start(self) -> None:
        t0 = time.perf_counter()
        self.cfg = self.cls(self.ruleset, backend=self.backend, time_limit=self.time_limit)
        _ = self.cfg.session  # open the solver outside the per-click timing
        shared = getattr(self.cfg, "_shared", None)  # cpq's store of reasons (private)
        if self.cold and shared is not None:
            with shared.lock:
                shared.reasons.clear()
                shared.size = 0
        self.open_s.append(time.perf_counter() - t0)

    def click(self, attribute: str, value: Any) -> None:
        if self.raw_clicks and self.mp is not None:
            attribute, value = self.mp.to_cpq[(attribute, value)]
        select(self.cfg, attribute, value)

    def options(self) -> Any:
        return get_options(self.cfg, self.reasons)

    def domains(self) -> dict[str, set[Any]]:
        view = self.options()
        if not view.complete:
            self.incomplete += 1
        if self.mp is None:
            return native_domains(view)
        possible = {
            name: {v.value for v in opts.values if v.state != "excluded"}
            for name, opts in view.attributes.items()
        }
        return self.mp.raw_domains(possible)

    def close(self) -> None:
        if self.cfg is not None:
            self.cfg.close()


def options_view_counts(view: Any) -> dict[str, int]:
    """How many values are in each state."""
    out: dict[str, int] = {}
    for opts in view.attributes.values():
        for v in opts.values:
            out[v.state] = out.get(v.state, 0) + 1
    return out


def core_dead(view: Any, mp: Mapping) -> tuple[int, int]:
    """Core (implied true) and dead (excluded) features of a feature model at the root."""
    possible = {
        name: {v.value for v in opts.values if v.state != "excluded"}
        for name, opts in view.attributes.items()
    }
    raw = mp.raw_domains(possible)
    core = sum(1 for s in raw.values() if s == {True})
    dead = sum(1 for s in raw.values() if s == {False})
    return core, dead


def choices_to_cpq(mp: Mapping, choices: Sequence[Choice]) -> list[tuple[str, Any]]:
    return [mp.to_cpq[c] for c in choices]


def state_runner(
    ruleset: Any,
    mp: Mapping | None,
    backend: str,
    reasons: str = "minimal",
    raw_clicks: bool = True,
) -> Callable[[Sequence[Choice], float], tuple[dict[str, set[Any]], float]]:
    """For :func:`sales.time_states`: a fresh session, the choices selected (not timed), then
    ``options()`` timed; a time-out or an incomplete answer raises ``TimeLimit``."""
    from baselines import TimeLimit

    cls = configurator_class()
    solver_error = _need(
        "cpq.errors.SolverError", lambda: __import__("cpq.errors").errors.SolverError
    )

    def run(choices: Sequence[Choice], time_limit: float) -> tuple[dict[str, set[Any]], float]:
        cfg = cls(ruleset, backend=backend, time_limit=time_limit)
        try:
            _ = cfg.session
            for a, v in choices:
                if raw_clicks and mp is not None:
                    a, v = mp.to_cpq[(a, v)]
                select(cfg, a, v)
            t0 = time.perf_counter()
            try:
                view = get_options(cfg, reasons)
            except solver_error as exc:
                raise TimeLimit from exc
            took = time.perf_counter() - t0
            if not view.complete:
                raise TimeLimit
            if mp is None:
                return native_domains(view), took
            possible = {
                name: {v.value for v in opts.values if v.state != "excluded"}
                for name, opts in view.attributes.items()
            }
            return mp.raw_domains(possible), took
        finally:
            cfg.close()

    return run


@dataclass
class OrderOutcome:
    """cpq's verdict on one order, in raw terms where it names values."""

    status: str  # valid | out-of-domain | rule-breaking
    seconds: float
    out_of_domain: list[str]
    conflict_choices: list[str]
    conflict_rules: list[str]
    repaired: bool  # a repair was found
    repair_valid: bool  # ... and the completed configuration passes the evaluator
    changed: int  # choices the repair changes (out-of-domain ones included)


class CpqOrderChecker:
    """The order check with cpq's configurator: select every value of the order (a value
    outside its domain is refused by ``select``: that is the check's finding), ``check()``,
    then for an invalid order ``explain()`` and ``repair()``. One session, ``reset()``
    between orders. A repair is validated by removing its choices, ``complete()`` and the
    independent evaluator (not timed)."""

    def __init__(
        self, ruleset: Any, mp: Mapping, backend: str = "sat", time_limit: float = 2.0
    ) -> None:
        cls = configurator_class()
        self.unknown = _need(
            "cpq.errors.UnknownSelectionError",
            lambda: __import__("cpq.errors").errors.UnknownSelectionError,
        )
        self.check_values = check_values_fn()
        self.ruleset = ruleset
        self.mp = mp
        self.time_limit = time_limit
        self.cfg = cls(ruleset, backend=backend, time_limit=time_limit)
        _ = self.cfg.session

    def run(self, values: dict[str, Any]) -> OrderOutcome:
        cfg = self.cfg
        t0 = time.perf_counter()
        cfg.reset()
        ood: list[str] = []
        for a, v in values.items():
            ca, cv = self.mp.to_cpq.get((a, v), (a, str(v)))
            try:
                cfg.select(ca, cv)
            except self.unknown:
                ood.append(a)
        verdict = cfg.check()
        invalid = verdict.status == "invalid"
        expl = cfg.explain() if invalid else None
        repairs = (
            cfg.repair(max_size=len(values), limit=1, time_limit=self.time_limit) if invalid else []
        )
        took = time.perf_counter() - t0
        status = "out-of-domain" if ood else ("rule-breaking" if invalid else "valid")
        choices = [c.attribute for c in expl.choices] if expl else []
        rules = [r.id for r in expl.rules] if expl else []
        repaired = bool(repairs) or (not invalid)
        repair_valid = False
        changed = len(ood)
        if repaired:
            for c in repairs[0].remove if repairs else ():
                cfg.deselect(c.attribute)
                changed += 1
            done = cfg.complete()
            repair_valid = done.status == "valid" and not self.check_values(
                self.ruleset, dict(done.values)
            )
        return OrderOutcome(status, took, ood, choices, rules, repaired, repair_valid, changed)
