"""Per-instance benchmark: every shipped ruleset and every instance under ../shared/benchmarks.

For each instance (the engine issue, part 2):

* cpq: import into ``bench/cache/`` (cpq's importers), ``load_ruleset`` and ``compile_model``;
  ``check()`` of a full configuration; ``options()`` at the root (cold session; as returned,
  with every reason read, and with ``reasons="none"``); the other backends at the root;
* baselines built from the raw file without cpq (:mod:`baselines`): valid domains at the root
  with the bare python-sat loop, CP-SAT (one solve per value not yet seen; default and tuned
  parameters) and python-constraint;
* known results: solution count (Renault small, 172,056), core and dead features (busybox 9/0,
  automotive01 94/185), computed by both cpq and the baseline;
* guided-selling sessions: random valid target configurations (seeded), 10 clicks each on
  attributes not yet decided, ``options()`` after every click, latency and reachability of the
  target, for cpq ``sat`` and the pysat baseline on every click and for the slow engines on
  the first clicks of the first session.

Instances that time out in an engine at the root are not timed per click in that engine.

Run: ``python bench/bench_instances.py [--quick] [--only NAME ...]``. Writes
``bench/results/instances.json`` and ``bench/results/instances_clicks.png``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpq_side as cs
from _common import BENCHMARKS, RESULTS, ROOT, stats, write_result
from baselines import (
    CpSatBaseline,
    Problem,
    PyConstraintBaseline,
    SatBaseline,
    TimeLimit,
    parse_dimacs,
    parse_uvl,
    parse_xcsp,
)
from plots import latency_plot
from sales import BaselineSession, ReplayResult, Sale, replay, time_states, timed

CHECK_TARGET_MS = 1.0


@dataclass
class Inst:
    name: str
    kind: str  # xcsp | uvl | dimacs | ruleset
    path: Path
    known: dict[str, int] = field(default_factory=dict)
    target_ms: float | None = None  # options() per click, median
    sessions: int = 5


INSTANCES = [
    Inst(
        "renault-small",
        "xcsp",
        BENCHMARKS / "renault-xcsp" / "small_contraintes.xml",
        {"solutions": 172_056},
    ),
    Inst("berkeleydb", "uvl", BENCHMARKS / "uvl" / "berkeleydb.uvl"),
    Inst("axTLS", "uvl", BENCHMARKS / "uvl" / "axTLS.uvl"),
    Inst("dm_DOPLERTools", "uvl", BENCHMARKS / "uvl" / "dm_DOPLERTools.csv.uvl"),
    Inst("uClibc", "uvl", BENCHMARKS / "uvl" / "uClibc.uvl"),
    Inst(
        "busybox",
        "uvl",
        BENCHMARKS / "uvl" / "busybox_2010-05-02_14-17-07.uvl",
        {"core": 9, "dead": 0},
        26.0,
    ),
    Inst("financialservices01", "uvl", BENCHMARKS / "uvl" / "financialservices01.uvl", sessions=2),
    Inst(
        "automotive01",
        "uvl",
        BENCHMARKS / "uvl" / "automotive01.uvl",
        {"core": 94, "dead": 185},
        190.0,
        sessions=2,
    ),
    Inst("axtls.cnf", "dimacs", BENCHMARKS / "dimacs" / "axtls.cnf"),
    Inst("toybox.cnf", "dimacs", BENCHMARKS / "dimacs" / "toybox.cnf"),
    Inst("buildroot.cnf", "dimacs", BENCHMARKS / "dimacs" / "buildroot.cnf"),
    Inst("busybox_1_28_0.cnf", "dimacs", BENCHMARKS / "dimacs" / "busybox_1_28_0.cnf"),
    Inst("pump", "ruleset", ROOT / "rulesets" / "pump", target_ms=10.0),
    Inst("drive", "ruleset", ROOT / "rulesets" / "drive", target_ms=10.0),
    Inst("server", "ruleset", ROOT / "rulesets" / "server", target_ms=10.0),
]

PARSERS = {"xcsp": parse_xcsp, "uvl": parse_uvl, "dimacs": parse_dimacs}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _stats(samples: list[float]) -> dict[str, float] | None:
    return stats(samples) if samples else None


def _summary(r: ReplayResult) -> dict[str, Any]:
    return {
        "available": True,
        "sessions": r.sales,
        "clicks": len(r.latencies),
        "per_click": _stats(r.latencies),
        "per_click_cpu": _stats(r.cpu),
        "timeouts": r.timeouts,
        "skipped_after_timeout": r.skipped,
        "timeout_wall_s": [round(x, 1) for x in r.timeout_walls],
        "all_reachable": r.all_reachable,
        "unreachable_examples": r.unreachable[:5],
        "seconds": round(r.seconds, 2),
    }


def _na(exc: Exception) -> dict[str, Any]:
    return {"available": False, "reason": f"not available yet: {exc}"}


def _capped(fn: Any, limit: float) -> dict[str, Any]:
    """Time one call that may raise TimeLimit."""
    t0 = time.perf_counter()
    try:
        out = fn(limit)
    except TimeLimit:
        return {"seconds": None, "timeout_s": limit}
    return {"seconds": round(time.perf_counter() - t0, 3), "result": out}


# -- sessions -----------------------------------------------------------------------------------


def raw_sessions(problem: Problem, mp: cs.Mapping, n: int, clicks: int, seed: int) -> list[Sale]:
    """Random valid targets from the baseline (random phases); clicks in cpq terms on
    attributes not yet decided, in a random order."""
    rnd = random.Random(seed)
    gen = SatBaseline(problem, phases=False)
    n_vars = problem.n_vars
    out = []
    for i in range(n):
        gen.solver.set_phases([v if rnd.random() < 0.5 else -v for v in range(1, n_vars + 1)])
        target = gen.solve()
        assert target is not None
        cpq_target = mp.cpq_values(target)
        order = list(cpq_target)
        rnd.shuffle(order)
        chosen: dict[str, Any] = {}
        raw: list[tuple[str, Any]] = []
        doms = gen.domains()
        for ca in order:
            if len(chosen) == clicks:
                break
            members = mp.from_cpq[(ca, cpq_target[ca])]
            if all(len(doms[a]) == 1 for a, _ in members):
                continue
            chosen[ca] = cpq_target[ca]
            raw.extend(members)
            doms = gen.domains(raw)
        out.append(Sale(i + 1, 1, chosen, target))
    gen.close()
    return out


def native_sessions(ruleset: Any, n: int, clicks: int, seed: int) -> list[Sale]:
    """Random valid targets from cpq's own enumeration, clicks in a random order."""
    rnd = random.Random(seed)
    cfg = cs.configurator_class()(ruleset)
    pool = cfg.enumerate(limit=500)
    cfg.close()
    out = []
    for i in range(n):
        target = dict(rnd.choice(pool))
        order = list(target)
        rnd.shuffle(order)
        chosen = {a: target[a] for a in order[:clicks]}
        out.append(Sale(i + 1, 1, chosen, cs.native_target(ruleset, target)))
    return out


# -- one instance ---------------------------------------------------------------------------------


def measure(
    inst: Inst, args: argparse.Namespace, series: dict[str, dict[str, list[float]]]
) -> dict[str, Any]:
    row: dict[str, Any] = {"instance": inst.name, "format": inst.kind, "known": inst.known}
    row["target_options_median_ms"] = inst.target_ms
    raw = inst.kind != "ruleset"
    problem: Problem | None = None
    sat: SatBaseline | None = None
    cap = args.slow_limit
    slow_ok: dict[str, bool] = {}
    base: dict[str, Any] = {}
    # -- baselines ---------------------------------------------------------------------------
    if raw:
        t0 = time.perf_counter()
        problem = PARSERS[inst.kind](inst.path)
        sat = SatBaseline(problem)
        base["build_ms"] = _ms(time.perf_counter() - t0)
        row["size"] = {
            "attributes": len(problem.attributes),
            "values": len(problem.lits),
            "sat_vars": problem.n_vars,
            "clauses": len(problem.clauses),
        }
        t0 = time.perf_counter()
        doms = sat.domains()
        cold = time.perf_counter() - t0
        warm = [_timed(lambda: sat.domains()) for _ in range(5)]  # type: ignore[union-attr]
        base["pysat_root"] = {"cold_ms": _ms(cold), **stats(warm)}
        if problem.kind == "fm":
            base["core"] = sum(1 for s in doms.values() if s == {True})
            base["dead"] = sum(1 for s in doms.values() if s == {False})
        if problem.kind == "csp" and not args.quick:
            t0 = time.perf_counter()
            base["solutions"] = sat.count()
            base["count_s"] = round(time.perf_counter() - t0, 2)
        for name, make in (
            ("cpsat_root", lambda: CpSatBaseline(problem)),
            ("cpsat_tuned_root", lambda: CpSatBaseline(problem, tuned=True)),
            ("pyconstraint_root", lambda: PyConstraintBaseline(problem)),
        ):
            engine = make()
            res = _capped(lambda tl, e=engine: e.domains(time_limit=tl) == doms, cap)
            if res["seconds"] is not None:
                res["agrees_with_pysat"] = res.pop("result")
            base[name] = res
            slow_ok[name] = res["seconds"] is not None
        print(
            f"  baselines: pysat root {base['pysat_root']['median_ms']:.1f} ms, CP-SAT "
            f"{_secs(base['cpsat_root'])}, CP-SAT tuned {_secs(base['cpsat_tuned_root'])}, "
            f"python-constraint {_secs(base['pyconstraint_root'])}",
            flush=True,
        )
    row["baselines"] = base
    # -- cpq -------------------------------------------------------------------------------------
    mine: dict[str, Any] = {}
    mp: cs.Mapping | None = None
    ruleset = None
    try:
        if raw:
            path, took = cs.import_cached(inst.kind, inst.path)
            mine["import_ms"] = _ms(took) if took is not None else "cached"
        else:
            path = inst.path
        loaded = cs.load_compile(path)
        ruleset = loaded.ruleset
        mine["load_ms"] = _ms(loaded.load_s)
        mine["compile_ms"] = _ms(loaded.compile_s)
        mine["load_compile_ms"] = _ms(loaded.load_s + loaded.compile_s)
        mine["attributes"] = len(ruleset.attributes)
        mine["rules"] = len(ruleset.rules)
        if raw:
            assert problem is not None
            mp = cs.mapping(inst.kind, problem, ruleset)

        def fresh(p: Path = path) -> Any:
            # cpq shares work between sessions on one loaded ruleset: every variant starts
            # from a ruleset loaded anew, so none profits from another's warm caches
            return cs.load_compile(p).ruleset

        mine.update(_cpq_root(inst, ruleset, fresh, mp, problem, sat, args, slow_ok))
    except cs.NotAvailable as exc:
        mine = _na(exc)
    row["cpq"] = mine
    # -- sessions ---------------------------------------------------------------------------
    row["sessions"] = (
        _sessions(inst, fresh, mp, problem, sat, args, slow_ok, series)
        if ruleset is not None
        else {"available": False, "reason": "cpq part not available"}
    )
    _verdicts(row)
    return row


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _secs(res: dict[str, Any]) -> str:
    if res.get("seconds") is None:
        return f"> {res['timeout_s']:.0f} s"
    return f"{res['seconds']:.2f} s"


def _cpq_root(
    inst: Inst,
    ruleset: Any,
    fresh: Any,
    mp: cs.Mapping | None,
    problem: Problem | None,
    sat: SatBaseline | None,
    args: argparse.Namespace,
    slow_ok: dict[str, bool],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cls = cs.configurator_class()
    # a full valid configuration to check
    if mp is not None and sat is not None:
        raw_full = sat.solve()
        assert raw_full is not None
        full = mp.cpq_values(raw_full)
    else:
        probe = cls(ruleset)
        full = dict(probe.enumerate(limit=1)[0])
        probe.close()
    cfg = cls(ruleset)
    for a, v in full.items():
        cs.select(cfg, a, v)
    verdict = cfg.check()
    times = [_timed(cfg.check) for _ in range(200)]
    out["check_full"] = {"status": verdict.status, **stats(times)}
    check_values = cs.check_values_fn()
    out["evaluator_full"] = stats([_timed(lambda: check_values(ruleset, full)) for _ in range(200)])
    cfg.close()
    # options at the root, cold sessions
    for reasons in ("minimal", "all", "none"):
        samples, opens = [], []
        view = None
        rs = fresh()
        for _ in range(3):
            cfg = cls(rs)
            opens.append(_timed(lambda c=cfg: c.session))
            t0 = time.perf_counter()
            view = cs.get_options(cfg, reasons)
            samples.append(time.perf_counter() - t0)
            cfg.close()
            if samples[-1] > 2.0:
                break
        out[f"options_root_{reasons}"] = {
            "complete": view.complete,
            "first_ms": round(samples[0] * 1000, 3),
            **stats(samples),
        }
        out.setdefault("session_open", stats(opens))
        if reasons == "minimal":
            out["options_root_states"] = cs.options_view_counts(view)
            if mp is not None and problem is not None and problem.kind == "fm":
                out["core"], out["dead"] = cs.core_dead(view, mp)
    print(
        f"  cpq: check {out['check_full']['median_ms']:.3f} ms, options at root "
        f"{out['options_root_minimal']['median_ms']:.1f} ms (as returned), "
        f"{out['options_root_all']['median_ms']:.1f} ms (every reason read), "
        f"{out['options_root_none']['median_ms']:.1f} ms (no reasons)",
        flush=True,
    )
    # the other backends at the root
    # (the time limit is a deadline for the whole call, session opening included: a call that
    # runs out of time returns a view marked incomplete, its undecided values counted here)
    for b in ("cpsat", "pyconstraint"):
        cfg = cls(fresh(), backend=b, time_limit=args.slow_limit)
        t0 = time.perf_counter()
        view, open_s = None, None
        try:
            _ = cfg.session
            open_s = time.perf_counter() - t0
            view = cfg.options(reasons="none")
            took = time.perf_counter() - t0
            ok = view.complete
        except Exception as exc:  # a missing backend, a model it cannot encode...
            took, ok = time.perf_counter() - t0, False
            out[f"{b}_error"] = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            cfg.close()
        res: dict[str, Any] = (
            {"seconds": round(took, 3)}
            if ok
            else {"seconds": None, "timeout_s": args.slow_limit, "wall_s": round(took, 2)}
        )
        if open_s is not None:
            res["open_s"] = round(open_s, 3)
        if view is not None:
            counts = cs.options_view_counts(view)
            res["states"] = counts
            res["raised"] = False
        elif f"{b}_error" in out:
            res["raised"] = True
        out[f"options_root_{b}"] = res
        slow_ok[f"cpq_{b}"] = ok
    # the known results
    if "solutions" in inst.known and not args.quick:
        cfg = cls(fresh(), time_limit=args.count_limit)
        t0 = time.perf_counter()
        try:
            res = cfg.count(limit=inst.known["solutions"] * 2, time_limit=args.count_limit)
            out["solutions"] = res.count
            out["solutions_exact"] = res.exact
        except Exception as exc:
            out["solutions_error"] = f"{type(exc).__name__}: {exc}"[:200]
        out["count_s"] = round(time.perf_counter() - t0, 2)
        cfg.close()
    return out


def _sessions(
    inst: Inst,
    fresh: Any,
    mp: cs.Mapping | None,
    problem: Problem | None,
    sat: SatBaseline | None,
    args: argparse.Namespace,
    slow_ok: dict[str, bool],
    series: dict[str, dict[str, list[float]]],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = max(1, inst.sessions // 2) if args.quick else inst.sessions
    clicks = args.clicks
    plot = series.setdefault(inst.name, {})
    if problem is not None and sat is not None:
        if mp is None:  # cpq's import is missing: sessions in raw terms
            return {"available": False, "reason": "needs cpq's import for the click terms"}
        sessions = raw_sessions(problem, mp, n, clicks, seed=7)

        def translate(a: str, v: Any, m: cs.Mapping = mp) -> list[tuple[str, Any]]:
            return m.from_cpq[(a, v)]

        r = replay(BaselineSession(sat.domains, translate), sessions, f"{inst.name} pysat")
        out["pysat-baseline"] = _summary(r)
        plot["pysat baseline"] = r.latencies
    else:
        sessions = native_sessions(fresh(), n, clicks, seed=7)
    sess = cs.CpqSession(fresh(), mp, "sat", "minimal", raw_clicks=False)
    r = replay(sess, sessions, f"{inst.name} cpq sat")
    sess.close()
    out["cpq-sat"] = _summary(r) | {"incomplete_views": sess.incomplete}
    plot["cpq sat"] = r.latencies
    sess = cs.CpqSession(fresh(), mp, "sat", "all", raw_clicks=False)
    r = replay(sess, sessions, f"{inst.name} cpq sat, every reason read")
    sess.close()
    out["cpq-sat (every reason read)"] = _summary(r) | {"incomplete_views": sess.incomplete}
    plot["cpq sat, every reason read"] = r.latencies
    # slow engines on the first clicks of the first session
    first = sessions[0]
    states = [(first, k) for k in range(1, min(args.slow_clicks, len(first.values)) + 1)]
    engines: list[tuple[str, str, Any]] = []
    if problem is not None and mp is not None:

        def base_runner(engine: Any, m: cs.Mapping = mp) -> Any:
            def domains(ch: Any, tl: float) -> Any:
                raw = [x for a, v in ch for x in m.from_cpq[(a, v)]]
                return engine.domains(raw, time_limit=tl)

            return timed(domains)

        engines += [
            ("cpsat-tuned baseline", "cpsat_tuned_root", base_runner(CpSatBaseline(problem, True))),
            (
                "pyconstraint baseline",
                "pyconstraint_root",
                base_runner(PyConstraintBaseline(problem)),
            ),
        ]
    for b in ("cpsat", "pyconstraint"):
        engines.append(
            (f"cpq {b}", f"cpq_{b}", cs.state_runner(fresh(), mp, b, "none", raw_clicks=False))
        )
    for label, key, run in engines:
        if not slow_ok.get(key, False):
            out[label] = {"available": False, "reason": f"over {args.slow_limit:.0f} s at the root"}
            continue
        r = time_states(run, states, args.click_limit, f"{inst.name} {label}")
        out[label] = _summary(r) | {"sampled_clicks": len(states)}
        plot[label] = r.latencies
    return out


def _verdicts(row: dict[str, Any]) -> None:
    """Ratios, targets and known results, from what was measured."""
    v: dict[str, Any] = {}
    mine, base, sess = row["cpq"], row["baselines"], row["sessions"]
    if mine.get("check_full"):
        v["check_under_1ms"] = mine["check_full"]["median_ms"] < CHECK_TARGET_MS
    # targets and ratios on CPU time ("one core"); wall clock is reported next to it
    cpq_click = sess.get("cpq-sat", {}).get("per_click_cpu") if isinstance(sess, dict) else None
    base_click = (
        sess.get("pysat-baseline", {}).get("per_click_cpu") if isinstance(sess, dict) else None
    )
    wall = sess.get("cpq-sat", {}).get("per_click") if isinstance(sess, dict) else None
    if cpq_click and base_click:
        v["click_ratio_vs_pysat"] = round(cpq_click["median_ms"] / base_click["median_ms"], 2)
    if mine.get("options_root_minimal") and base.get("pysat_root"):
        v["root_ratio_vs_pysat"] = round(
            mine["options_root_minimal"]["median_ms"] / base["pysat_root"]["median_ms"], 2
        )
        v["root_ratio_vs_pysat_no_reasons"] = round(
            mine["options_root_none"]["median_ms"] / base["pysat_root"]["median_ms"], 2
        )
    for key in ("cpsat_root", "cpsat_tuned_root", "pyconstraint_root"):
        b = base.get(key, {})
        if mine.get("options_root_none") and b.get("seconds"):
            v[f"root_{key}_over_cpq_sat"] = round(
                b["seconds"] * 1000 / mine["options_root_none"]["median_ms"], 1
            )
    if row["target_options_median_ms"] and cpq_click and wall:
        v["meets_click_target"] = cpq_click["median_ms"] < row["target_options_median_ms"]
        v["meets_click_target_wall_clock"] = wall["median_ms"] < row["target_options_median_ms"]
    for k, want in row["known"].items():
        v[f"known_{k}"] = {
            "expected": want,
            "baseline": base.get({"solutions": "solutions"}.get(k, k)),
            "cpq": mine.get(k),
        }
    reach = [
        s.get("all_reachable")
        for s in sess.values()
        if isinstance(s, dict) and "all_reachable" in s
    ]
    v["all_targets_reachable"] = all(reach) if reach else None
    row["verdicts"] = v


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="fewer sessions, no counting, shorter limits (env CPQ_BENCH_QUICK=1)",
    )
    ap.add_argument("--only", nargs="*", default=[], help="instances whose name contains any")
    ap.add_argument("--clicks", type=int, default=10, help="clicks per session")
    ap.add_argument(
        "--slow-limit", type=float, default=10.0, help="seconds, slow engines at the root"
    )
    ap.add_argument(
        "--click-limit", type=float, default=5.0, help="seconds, slow engines per click"
    )
    ap.add_argument("--slow-clicks", type=int, default=2, help="clicks timed for slow engines")
    ap.add_argument("--count-limit", type=float, default=120.0, help="seconds for cpq's count")
    args = ap.parse_args(argv)
    if os.environ.get("CPQ_BENCH_QUICK"):  # e.g. CPQ_BENCH_QUICK=1 python bench/run.py
        args.quick = True
    if args.quick:
        args.slow_limit = min(args.slow_limit, 5.0)
        args.click_limit = min(args.click_limit, 2.0)
    load_start = os.getloadavg()
    t_run = time.perf_counter()
    chosen = [i for i in INSTANCES if not args.only or any(o in i.name for o in args.only)]
    rows = []
    series: dict[str, dict[str, list[float]]] = {}
    for inst in chosen:
        if not inst.path.exists():
            rows.append(
                {"instance": inst.name, "available": False, "reason": f"{inst.path} missing"}
            )
            continue
        print(f"{inst.name} ({inst.kind})", flush=True)
        t0 = time.perf_counter()
        row = measure(inst, args, series)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        _print_row(row)
    targets = {i.name: i.target_ms for i in chosen if i.target_ms}
    # partial and quick runs get their own files (the committed results are full runs)
    name = "instances" if not args.only else "instances-" + "-".join(args.only)
    name += "-quick" if args.quick else ""
    plot = latency_plot(
        series,
        RESULTS / f"{name.replace('instances', 'instances_clicks', 1)}.png",
        "Per-click latency (select + options) in random guided sessions, per instance and engine",
        targets,  # type: ignore[arg-type]
        sampled={"cpsat-tuned baseline", "pyconstraint baseline", "cpq cpsat", "cpq pyconstraint"},
    )
    result = {
        "quick": args.quick,
        "only": args.only,
        "settings": {
            "clicks_per_session": args.clicks,
            "slow_engine_root_limit_s": args.slow_limit,
            "slow_engine_click_limit_s": args.click_limit,
            "slow_engine_clicks": args.slow_clicks,
            "check_target_ms": CHECK_TARGET_MS,
        },
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "total_seconds": round(time.perf_counter() - t_run, 1),
        "plot": plot.name if plot else None,
        "instances": rows,
    }
    out = write_result(name, result)
    print(f"  written to {out}" + (f" and {plot}" if plot else ""))
    return 0


def _print_row(row: dict[str, Any]) -> None:
    mine, v, sess = row["cpq"], row["verdicts"], row["sessions"]
    parts = []
    if mine.get("available", True) and "load_compile_ms" in mine:
        parts.append(f"load+compile {mine['load_compile_ms']:.0f} ms")
    c = sess.get("cpq-sat", {}).get("per_click_cpu") if isinstance(sess, dict) else None
    w = sess.get("cpq-sat", {}).get("per_click") if isinstance(sess, dict) else None
    b = sess.get("pysat-baseline", {}).get("per_click_cpu") if isinstance(sess, dict) else None
    if c and w:
        parts.append(
            f"click cpq sat cpu {c['median_ms']:.1f}/{c['p95_ms']:.1f} ms (median/p95), "
            f"wall {w['median_ms']:.1f}/{w['p95_ms']:.1f}"
        )
    if b:
        parts.append(f"pysat cpu {b['median_ms']:.2f}/{b['p95_ms']:.2f} ms")
    if "click_ratio_vs_pysat" in v:
        parts.append(f"x{v['click_ratio_vs_pysat']}")
    if "meets_click_target" in v:
        parts.append(
            f"target < {row['target_options_median_ms']:.0f} ms "
            + ("met" if v["meets_click_target"] else "NOT met")
        )
    for k in row["known"]:
        kv = v[f"known_{k}"]
        parts.append(f"{k}: expected {kv['expected']}, baseline {kv['baseline']}, cpq {kv['cpq']}")
    parts.append(f"reachable: {v.get('all_targets_reachable')}")
    parts.append(f"{row['seconds']:.0f} s")
    print("  => " + "; ".join(parts), flush=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
