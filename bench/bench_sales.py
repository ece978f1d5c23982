"""Renault sales benchmark: guided-selling replay of the valid sold configurations and the
order check of the invalid ones (the engine issue, part 2).

1. Classify the 15,972 rows of ``sales/small_brut.csv`` with our own SAT check of the raw XCSP
   tables (expected: 564 valid, 1,143 with a value outside a domain, 14,265 breaking a rule).
2. Replay every valid row: click its 48 values in column order, ask for the options after every
   click, record the latency of ``select + options()`` and whether every sold value is still
   possible after every click. Engines: cpq (``sat`` backend, ``options()`` as returned; cpq
   computes reasons when they are first read, so a quarter of the sales are also replayed with
   every reason read, once with the reasons earlier sessions found and once "cold", the store
   of reasons emptied before every sale) and the bare python-sat loop of :mod:`baselines` on every click; the slow
   engines
   (CP-SAT and python-constraint baselines, cpq's ``cpsat`` and ``pyconstraint`` backends) on a
   few sampled click states, next to cpq ``sat`` and pysat on the same states.
3. Order check of every invalid row: check, a minimal explanation, a repair; every repair is
   validated (completion + the independent evaluator), every explanation is checked to be a
   conflict and minimal, and the repair size is compared with the minimum found by the bare
   python-sat order checker (which also runs on every row, as the baseline).

Run: ``python bench/bench_sales.py [--quick]`` (or ``nox -s bench``). Writes
``bench/results/sales.json`` and ``bench/results/renault_replay.png``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpq_side as cs
from _common import RESULTS, stats, write_result
from baselines import CpSatBaseline, PyConstraintBaseline, SatBaseline, parse_xcsp
from plots import latency_plot
from progress import Progress
from sales import (
    RENAULT_XML,
    VALID,
    BaselineSession,
    ReplayResult,
    SatOrderChecker,
    classify,
    read_sales,
    replay,
    sample_states,
    time_states,
    timed,
)

EXPECTED = {"valid": 564, "out-of-domain": 1143, "rule-breaking": 14265}
TARGET_MEDIAN_MS = 8.0
TARGET_P95_MS = 12.0


def _stats(samples: list[float]) -> dict[str, float] | None:
    return stats(samples) if samples else None


def _summary(r: ReplayResult) -> dict[str, Any]:
    return {
        "available": True,
        "sales": r.sales,
        "clicks": len(r.latencies),
        "per_click": _stats(r.latencies),
        "per_click_cpu": _stats(r.cpu),
        "timeouts": r.timeouts,
        "skipped_after_timeout": r.skipped,
        "timeout_wall_s": [round(x, 1) for x in r.timeout_walls],
        "all_reachable": r.all_reachable,
        "unreachable_examples": r.unreachable[:5],
        "unreachable_count": len(r.unreachable),
        "seconds": round(r.seconds, 2),
    }


def _na(exc: Exception) -> dict[str, Any]:
    return {"available": False, "reason": f"not available yet: {exc}"}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="a tenth of the sales, fewer samples, 60 s of cpq order check (env CPQ_BENCH_QUICK=1)",
    )
    ap.add_argument("--states", type=int, default=3, help="sampled click states (slow engines)")
    ap.add_argument("--slow-limit", type=float, default=20.0, help="seconds per sampled state")
    ap.add_argument(
        "--order-budget", type=float, default=360.0, help="seconds for cpq's order check"
    )
    ap.add_argument("--repair-limit", type=float, default=2.0, help="seconds per cpq repair")
    ap.add_argument(
        "--reasons-stride", type=int, default=4, help="replay every n-th sale reading reasons"
    )
    args = ap.parse_args(argv)
    if os.environ.get("CPQ_BENCH_QUICK"):  # e.g. CPQ_BENCH_QUICK=1 python bench/run.py
        args.quick = True
    if args.quick:
        args.order_budget = min(args.order_budget, 60.0)
        args.slow_limit = min(args.slow_limit, 10.0)
    load_start = os.getloadavg()
    t_run = time.perf_counter()

    problem = parse_xcsp(RENAULT_XML)
    columns, sales = read_sales()
    sat = SatBaseline(problem)
    t0 = time.perf_counter()
    classes = classify(problem, sales, sat)
    t_classify = time.perf_counter() - t0
    counts = Counter(classes)
    valid = [s for s, c in zip(sales, classes, strict=True) if c == VALID]
    invalid = [s for s, c in zip(sales, classes, strict=True) if c != VALID]
    print(
        f"renault small sales: {len(sales):,} rows: {counts['valid']:,} valid, "
        f"{counts['out-of-domain']:,} out of domain, {counts['rule-breaking']:,} rule-breaking "
        f"(classified in {t_classify:.1f} s; expected {EXPECTED['valid']}/"
        f"{EXPECTED['out-of-domain']:,}/{EXPECTED['rule-breaking']:,})"
    )
    if args.quick:
        valid = valid[::10]
        invalid = invalid[::15]
        args.states = min(args.states, 2)
    result: dict[str, Any] = {
        "instance": "renault small (XCSP 2.1, 139 variables, 147 tables)",
        "quick": args.quick,
        "load_average_at_start": [round(x, 2) for x in load_start],
        "classification": {
            "counts": dict(counts),
            "expected": EXPECTED,
            "matches_expected": dict(counts) == EXPECTED,
            "seconds": round(t_classify, 3),
        },
        "targets": {"options_median_ms": TARGET_MEDIAN_MS, "options_p95_ms": TARGET_P95_MS},
    }

    # -- replay --------------------------------------------------------------------------------
    replays: dict[str, Any] = {}
    series: dict[str, list[float]] = {}
    print(f"replay: {len(valid)} valid sales x {len(columns)} clicks")
    r = replay(BaselineSession(sat.domains), valid, "replay pysat baseline")
    replays["pysat-baseline"] = _summary(r)
    series["pysat baseline"] = r.latencies
    ruleset = mp = None
    try:
        path, _ = cs.import_cached("xcsp", RENAULT_XML)
        loaded = cs.load_compile(path)
        ruleset = loaded.ruleset
        mp = cs.mapping("xcsp", problem, ruleset)

        def fresh(p: Path = path) -> Any:
            # cpq shares work between sessions on one loaded ruleset: each engine below
            # starts from a ruleset loaded anew, so none profits from another's warm caches
            return cs.load_compile(p).ruleset

        sess = cs.CpqSession(ruleset, mp, "sat", "minimal")
        r = replay(sess, valid, "replay cpq sat")
        sess.close()
        replays["cpq-sat"] = _summary(r) | {
            "session_open": _stats(sess.open_s),
            "incomplete_views": sess.incomplete,
        }
        series["cpq sat"] = r.latencies
        # cpq computes reasons when first read: the same with every reason read, on a subset
        subset = valid[:: args.reasons_stride]
        sess = cs.CpqSession(fresh(), mp, "sat", "all")
        r = replay(sess, subset, "replay cpq sat, every reason read")
        sess.close()
        replays["cpq-sat (every reason read)"] = _summary(r) | {"sales_stride": args.reasons_stride}
        series["cpq sat, every reason read (subset)"] = r.latencies
        # the same with no reason known from earlier sessions: the store is emptied per sale
        sess = cs.CpqSession(fresh(), mp, "sat", "all", cold=True)
        r = replay(sess, subset, "replay cpq sat, every reason read, cold")
        sess.close()
        replays["cpq-sat (every reason read, cold)"] = _summary(r) | {
            "sales_stride": args.reasons_stride
        }
    except cs.NotAvailable as exc:
        replays["cpq-sat"] = _na(exc)
    cpq_sat = replays["cpq-sat"]
    if cpq_sat.get("available"):
        pc, cpu = cpq_sat["per_click"], cpq_sat["per_click_cpu"]
        # "on one core": judged on CPU time; wall clock also reported (shared machine)
        cpq_sat["meets_target"] = (
            cpu["median_ms"] < TARGET_MEDIAN_MS and cpu["p95_ms"] < TARGET_P95_MS
        )
        cpq_sat["meets_target_wall_clock"] = (
            pc["median_ms"] < TARGET_MEDIAN_MS and pc["p95_ms"] < TARGET_P95_MS
        )
        base = replays["pysat-baseline"]["per_click_cpu"]
        cpq_sat["ratio_vs_pysat_median"] = round(cpu["median_ms"] / base["median_ms"], 2)
        cpq_sat["ratio_vs_pysat_p95"] = round(cpu["p95_ms"] / base["p95_ms"], 2)
    result["replay"] = replays

    # -- sampled click states: the slow engines ----------------------------------------------
    states = sample_states(valid, args.states)
    print(
        f"sampled click states: {len(states)} (clicks {[k for _, k in states]}), "
        f"{args.slow_limit:.0f} s limit each"
    )
    engines: list[tuple[str, Any]] = [
        ("pysat-baseline", timed(lambda ch, tl: sat.domains(ch))),
        ("cpsat-baseline", timed(CpSatBaseline(problem, tuned=True).domains)),
        ("pyconstraint-baseline", timed(PyConstraintBaseline(problem).domains)),
    ]
    if ruleset is not None and mp is not None:
        engines.append(("cpq-sat", cs.state_runner(fresh(), mp, "sat", "minimal")))
        engines.append(("cpq-sat (every reason read)", cs.state_runner(fresh(), mp, "sat", "all")))
        engines.append(("cpq-sat (reasons=none)", cs.state_runner(fresh(), mp, "sat", "none")))
        for b in ("cpsat", "pyconstraint"):
            engines.append((f"cpq-{b} (reasons=none)", cs.state_runner(fresh(), mp, b, "none")))
    sampled: dict[str, Any] = {}
    for name, run in engines:
        r = time_states(run, states, args.slow_limit, f"states {name}")
        sampled[name] = _summary(r)
        print(
            f"    {name:32s} "
            + (
                f"median {stats(r.latencies)['median_ms']:>10.1f} ms"
                if r.latencies
                else "no answer"
            )
            + (f", {r.timeouts} over {args.slow_limit:.0f} s" if r.timeouts else ""),
            flush=True,
        )
    ref = sampled.get("cpq-sat", {}).get("per_click")
    for s in sampled.values():
        if ref and s["per_click"]:
            s["ratio_vs_cpq_sat_median"] = round(s["per_click"]["median_ms"] / ref["median_ms"], 2)
    # cpq's time over the same-library baseline's, on the same states
    for cpq_name, base_name in (
        ("cpq-sat", "pysat-baseline"),
        ("cpq-sat (every reason read)", "pysat-baseline"),
        ("cpq-sat (reasons=none)", "pysat-baseline"),
        ("cpq-cpsat (reasons=none)", "cpsat-baseline"),
        ("cpq-pyconstraint (reasons=none)", "pyconstraint-baseline"),
    ):
        mine, theirs = sampled.get(cpq_name), sampled.get(base_name)
        if mine and theirs and mine["per_click"] and theirs["per_click"]:
            mine["baseline"] = base_name
            mine["ratio_vs_baseline_median"] = round(
                mine["per_click"]["median_ms"] / theirs["per_click"]["median_ms"], 2
            )
    result["sampled_states"] = {
        "states": [(s.row, k) for s, k in states],
        "time_limit_s": args.slow_limit,
        "engines": sampled,
    }

    # -- order check ------------------------------------------------------------------------
    print(f"order check: {len(invalid):,} invalid rows")
    checker = SatOrderChecker(problem, columns)
    base_times: list[float] = []
    base_sizes: dict[int, int] = {}
    base_ok = 0
    status_agree = 0
    progress = Progress("order check pysat baseline", len(invalid), 10.0)
    for s in invalid:
        t0 = time.perf_counter()
        verdict = checker.explain(s.values)
        full, changed = checker.repair(s.values)
        base_times.append(time.perf_counter() - t0)
        base_sizes[s.row] = len(changed)
        base_ok += problem.satisfies(full)
        status_agree += verdict.status == classes[s.row - 1]
        progress.step()
    order: dict[str, Any] = {
        "rows": len(invalid),
        "pysat-baseline": {
            "available": True,
            "per_order": _stats(base_times),
            "repairs_valid": base_ok,
            "status_agrees_with_classification": status_agree,
            "repair_size_histogram": dict(sorted(Counter(base_sizes.values()).items())),
            "seconds": round(sum(base_times), 2),
        },
    }
    if ruleset is not None and mp is not None:
        try:
            order["cpq-sat"] = _cpq_orders(
                fresh(), mp, problem, checker, invalid, classes, base_sizes, args
            )
        except cs.NotAvailable as exc:
            order["cpq-sat"] = _na(exc)
    else:
        order["cpq-sat"] = _na(Exception("the XCSP import or the configurator"))
    result["order_check"] = order

    # -- output ------------------------------------------------------------------------------
    suffix = "-quick" if args.quick else ""  # quick runs keep the full results intact
    plot = latency_plot(
        {"renault small: sales replay (every click)": series},
        RESULTS / f"renault_replay{suffix}.png",
        "Per-click latency, Renault small, replay of the valid sales",
        {"renault small: sales replay (every click)": TARGET_MEDIAN_MS},
    )
    result["plot"] = plot.name if plot else None
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_seconds"] = round(time.perf_counter() - t_run, 1)
    out = write_result(f"sales{suffix}", result)
    _print_table(result)
    print(f"  written to {out}" + (f" and {plot}" if plot else ""))
    return 0


def _cpq_orders(
    ruleset: Any,
    mp: cs.Mapping,
    problem: Any,
    checker: SatOrderChecker,
    invalid: list[Any],
    classes: list[str],
    base_sizes: dict[int, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    oc = cs.CpqOrderChecker(ruleset, mp, "sat", args.repair_limit)
    rows = list(invalid)
    random.Random(0).shuffle(rows)  # a partial run covers the whole file evenly
    times: list[float] = []
    tally: Counter[str] = Counter()
    sizes: Counter[int] = Counter()
    progress = Progress("order check cpq sat", len(rows), 10.0)
    t_end = time.perf_counter() + args.order_budget
    for s in rows:
        if time.perf_counter() > t_end:
            break
        o = oc.run(s.values)
        times.append(o.seconds)
        tally["done"] += 1
        tally["status_agrees"] += o.status == classes[s.row - 1]
        if o.conflict_choices or o.conflict_rules:
            tally["explained"] += 1
            try:
                conflict, minimal = checker.conflict_holds(
                    s.values, o.conflict_choices, o.conflict_rules
                )
            except KeyError:
                conflict = minimal = False
            tally["explanation_is_conflict"] += conflict
            tally["explanation_minimal"] += minimal
        elif o.status == "rule-breaking":
            tally["rule_breaking_unexplained"] += 1
        tally["repaired"] += o.repaired
        tally["repair_valid"] += o.repair_valid
        if o.repaired:
            sizes[o.changed] += 1
            tally["repair_minimum"] += o.changed == base_sizes[s.row]
        progress.step()
    done = tally["done"]
    return {
        "available": True,
        "rows_done": done,
        "rows_total": len(rows),
        "budget_s": args.order_budget,
        "repair_time_limit_s": args.repair_limit,
        "per_order": _stats(times),
        "seconds": round(sum(times), 1),
        "projected_total_s": round(sum(times) / done * len(rows), 1) if done else None,
        "counts": dict(tally),
        "repair_size_histogram": dict(sorted(sizes.items())),
        "all_done": done == len(rows),
        "all_explained_and_repaired": done == len(rows)
        and tally["repair_valid"] == done
        and tally["rule_breaking_unexplained"] == 0,
    }


def _fmt(s: dict[str, float] | None) -> str:
    if not s:
        return "-"
    return f"{s['median_ms']:.2f} / {s['p95_ms']:.2f} / {s['max_ms']:.1f}"


def _print_table(result: dict[str, Any]) -> None:
    print()
    print("Replay of the valid sales (per click: select + options), ms median / p95 / max")
    print("  (targets and ratios on CPU time, i.e. one core; wall clock includes the load)")
    for name, r in result["replay"].items():
        if not r.get("available"):
            print(f"  {name:28s} {r['reason']}")
            continue
        extra = ""
        if "ratio_vs_pysat_median" in r:
            extra = (
                f"  x{r['ratio_vs_pysat_median']} pysat (median), target "
                f"{'met' if r['meets_target'] else 'NOT met'}"
            )
        print(
            f"  {name:28s} wall {_fmt(r['per_click']):>24s}  cpu {_fmt(r['per_click_cpu']):>24s}"
            f"  clicks {r['clicks']:,}, all sold "
            f"configurations reachable: {'yes' if r['all_reachable'] else 'NO'}{extra}"
        )
    print("Sampled click states (valid domains from scratch), ms median / p95 / max")
    for name, r in result["sampled_states"]["engines"].items():
        ratio = r.get("ratio_vs_baseline_median")
        print(
            f"  {name:36s} {_fmt(r['per_click']):>28s}"
            + (f"  {r['timeouts']} over the limit" if r["timeouts"] else "")
            + (f"  x{ratio} {r['baseline']}" if ratio is not None else "")
        )
    oc = result["order_check"]
    print(f"Order check of {oc['rows']:,} invalid rows, ms per order median / p95 / max")
    b = oc["pysat-baseline"]
    print(
        f"  {'pysat-baseline':28s} {_fmt(b['per_order']):>28s}  repairs valid "
        f"{b['repairs_valid']:,}/{oc['rows']:,}, minimum repair sizes "
        f"{b['repair_size_histogram']}"
    )
    c = oc["cpq-sat"]
    if not c.get("available"):
        print(f"  {'cpq-sat':28s} {c['reason']}")
    else:
        k = c["counts"]
        print(
            f"  {'cpq-sat':28s} {_fmt(c['per_order']):>28s}  {c['rows_done']:,}/"
            f"{c['rows_total']:,} rows in the budget; explained {k.get('explained', 0):,} "
            f"(minimal {k.get('explanation_minimal', 0):,}), repaired "
            f"{k.get('repaired', 0):,}, valid {k.get('repair_valid', 0):,}, minimum size "
            f"{k.get('repair_minimum', 0):,}; projected {c['projected_total_s']} s for all rows"
        )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
