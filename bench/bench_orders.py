"""Order check benchmark: every Renault sale (15,972 rows) as a SKU order through
``cpq.bom.OrderChecker`` (the ``cpq check-order`` engine), one warm solver for all orders.

The imported Renault ruleset has no SKUs, so the benchmark gives one to every value of the 48
sold columns (``<attribute>=<value>``); the other 91 variables are technical and have no SKU (the
order does not decide them: the solver does), nor has the ``none`` value of an optional variable.
A sale becomes an order of one SKU per sold column (an out-of-domain value gives a SKU the
ruleset does not know).

Checked on every row against the raw-table classification of :mod:`sales` (our own SAT check of
the XCSP tables): a valid sale must give ``ok``, an invalid one must not; an out-of-domain sale
must name its unknown SKU (``order-unknown-sku``); every configuration the check returns must
pass the independent evaluator (``check_values``), untimed.

Run: ``python bench/bench_orders.py [--quick]`` (``--quick``: every 10th row). Writes
``bench/results/orders.json`` (``orders-quick.json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpq_side as cs
from _common import stats, write_result
from baselines import SatBaseline, parse_xcsp
from progress import Progress
from sales import OUT_OF_DOMAIN, RENAULT_XML, RULE_BREAKING, VALID, classify, read_sales


def with_skus(ruleset: Any, columns: list[str]) -> Any:
    """The ruleset with a SKU ``<attribute>=<value>`` on every value of the sold columns."""
    attrs = {}
    sold = set(columns)
    for name, attr in ruleset.attributes.items():
        if name in sold and attr.type in ("choice", "multi"):
            values = {
                vid: dataclasses.replace(val, sku=None if vid == "none" else f"{name}={vid}")
                for vid, val in attr.values.items()
            }
            attr = dataclasses.replace(attr, values=values)
        attrs[name] = attr
    return dataclasses.replace(ruleset, attributes=attrs)


def order_of(mp: cs.Mapping, values: dict[str, Any]) -> list[tuple[str, int]]:
    """One SKU per sold column (``none`` values have no SKU and are left out)."""
    out = []
    for a, v in values.items():
        ca, cv = mp.to_cpq.get((a, v), (a, str(v)))
        if cv != "none":
            out.append((f"{ca}={cv}", 1))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="every 10th row (env CPQ_BENCH_QUICK=1)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per order")
    args = ap.parse_args(argv)
    if os.environ.get("CPQ_BENCH_QUICK"):
        args.quick = True
    from cpq.bom import OrderChecker
    from cpq.model.evaluate import check_values

    problem = parse_xcsp(RENAULT_XML)
    columns, sales = read_sales()
    classes = classify(problem, sales, SatBaseline(problem))
    rows = list(zip(sales, classes, strict=True))
    if args.quick:
        rows = rows[::10]
    path, _ = cs.import_cached("xcsp", RENAULT_XML)
    ruleset = with_skus(cs.load_compile(path).ruleset, columns)
    mp = cs.mapping("xcsp", problem, ruleset)
    t0 = time.perf_counter()
    checker = OrderChecker(ruleset, backend="sat", time_limit=args.time_limit)
    _ = checker.session
    open_s = time.perf_counter() - t0
    times: dict[str, list[float]] = {VALID: [], OUT_OF_DOMAIN: [], RULE_BREAKING: []}
    codes: Counter[str] = Counter()
    tally: Counter[str] = Counter()
    progress = Progress("order check (SKUs)", len(rows), 10.0)
    for sale, cls in rows:
        order = order_of(mp, sale.values)
        t0 = time.perf_counter()
        result = checker.check(order)
        times[cls].append(time.perf_counter() - t0)
        for p in result.problems:
            codes[p.code] += 1
        tally["rows"] += 1
        tally["agrees"] += result.ok == (cls == VALID)
        if cls == OUT_OF_DOMAIN:
            tally["out_of_domain_named"] += any(
                p.code == "order-unknown-sku" for p in result.problems
            )
        if result.configuration is not None:
            tally["configurations"] += 1
            tally["configurations_valid"] += not check_values(ruleset, dict(result.configuration))
        progress.step()
    checker.close()
    every = [t for ts in times.values() for t in ts]
    result_json: dict[str, Any] = {
        "instance": "renault small (XCSP 2.1, 139 variables) with SKUs on the 48 sold columns",
        "quick": args.quick,
        "rows": len(rows),
        "session_open_s": round(open_s, 3),
        "per_order": stats(every),
        "per_order_by_class": {k: stats(v) for k, v in times.items() if v},
        "rows_by_class": {k: len(v) for k, v in times.items()},
        "verdict_agrees_with_classification": tally["agrees"],
        "out_of_domain_named": tally["out_of_domain_named"],
        "configurations_returned": tally["configurations"],
        "configurations_valid": tally["configurations_valid"],
        "problem_codes": dict(sorted(codes.items())),
        "seconds": round(sum(every), 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    out = write_result("orders-quick" if args.quick else "orders", result_json)
    print()
    print(f"Order check of {len(rows):,} Renault sales as SKU orders, ms median / p95 / max")
    for k, s in result_json["per_order_by_class"].items():
        print(
            f"  {k:14s} {result_json['rows_by_class'][k]:>6,} rows  "
            f"{s['median_ms']:.2f} / {s['p95_ms']:.2f} / {s['max_ms']:.1f}"
        )
    s = result_json["per_order"]
    print(
        f"  {'all':14s} {len(rows):>6,} rows  {s['median_ms']:.2f} / {s['p95_ms']:.2f} / "
        f"{s['max_ms']:.1f}; {result_json['seconds']} s in all"
    )
    print(
        f"  verdict = classification on {tally['agrees']:,}/{len(rows):,} rows; out-of-domain "
        f"SKU named on {tally['out_of_domain_named']:,}/{len(times[OUT_OF_DOMAIN]):,}; "
        f"configurations returned {tally['configurations']:,}, valid "
        f"{tally['configurations_valid']:,}; codes {result_json['problem_codes']}"
    )
    print(f"  written to {out}")
    return 0 if tally["agrees"] == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
