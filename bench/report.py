"""Write the latest numbers of bench/results/*.json into docs/performance.md.

The page is written by hand; the tables sit between ``<!-- BEGIN bench:NAME -->`` and
``<!-- END bench:NAME -->`` markers and are regenerated here from the result files. The plots
are copied next to the page (``docs/img/``) so the documentation site can show them.

Run: ``python bench/report.py`` after ``python bench/run.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
IMG = ROOT / "docs" / "img"
PLOTS = ("renault_replay.png", "instances_clicks.png")


def _load(name: str) -> dict[str, Any] | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def _n(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _ms(s: dict[str, Any] | None, key: str = "median_ms", digits: int = 1) -> str:
    if not s:
        return "–"
    return _n(s.get(key), digits)


def _secs(res: dict[str, Any] | None) -> str:
    if not res:
        return "–"
    if res.get("seconds") is None:
        out = f"> {res['timeout_s']:.0f} s"
        wall, states = res.get("wall_s"), res.get("states")
        if wall is not None and res.get("raised"):
            out += f" (raised after {wall:.1f} s)"
        elif wall is not None and states:
            total = sum(states.values())
            undecided = states.get("undecided", 0)
            decided = 100 * (total - undecided) / total if total else 0.0
            out += f" (view at {wall:.1f} s, {decided:.0f} % decided)"
        return out
    s = res["seconds"]
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def _int(x: int | None) -> str:
    return "–" if x is None else f"{x:,}"


def _yes(b: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[b]


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def machine_block(parts: list[dict[str, Any] | None]) -> str:
    got = [p for p in parts if p]
    if not got:
        return "_No results yet: run `python bench/run.py`._"
    m = got[0]["machine"]
    v = m["versions"]
    dates = sorted(p["machine"]["date"] for p in got)
    loads = [p.get("load_average_at_start") for p in got if p.get("load_average_at_start")]
    lines = [
        f"- Measured {dates[0]} to {dates[-1]} on {m['platform']}, {m['processor']}, "
        f"{m['cpus']} CPUs, Python {m['python']}; every engine runs on one core "
        "(CP-SAT with one worker).",
        f"- Versions: cpqkit {v.get('cpqkit')}, python-sat {v.get('python-sat')}, ortools "
        f"{v.get('ortools')}, python-constraint2 {v.get('python-constraint2')}, pydantic "
        f"{v.get('pydantic')}, PyYAML {v.get('PyYAML')}.",
    ]
    if loads:
        lines.append(
            "- Load average (1, 5, 15 min) when the runs started: "
            + "; ".join(", ".join(f"{x:.1f}" for x in lo) for lo in loads)
            + " (the machine was shared; on 2 CPUs a load above 2 slows every number down)."
        )
    return "\n".join(lines)


def instances_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    rows = []
    for r in d["instances"]:
        if r.get("available") is False:
            rows.append([r["instance"], r["reason"]] + [""] * 9)
            continue
        c, b = r["cpq"], r["baselines"]
        if c.get("available") is False:
            rows.append([r["instance"], c["reason"]] + [""] * 9)
            continue
        size = f"{c['attributes']:,} / {c['rules']:,}"
        rows.append(
            [
                r["instance"],
                size,
                _n(c.get("load_compile_ms"), 0),
                _ms(c.get("check_full"), digits=2),
                f"{_ms(c.get('options_root_minimal'), 'first_ms')} "
                f"({_ms(c.get('options_root_minimal'))}) / "
                f"{_ms(c.get('options_root_all'), 'first_ms')} "
                f"({_ms(c.get('options_root_all'))}) / "
                f"{_ms(c.get('options_root_none'), 'first_ms')} "
                f"({_ms(c.get('options_root_none'))})",
                _ms(b.get("pysat_root"), digits=2),
                _secs(b.get("cpsat_root")) + " / " + _secs(b.get("cpsat_tuned_root")),
                _secs(b.get("pyconstraint_root")),
                _secs(c.get("options_root_cpsat")),
                _secs(c.get("options_root_pyconstraint")),
            ]
        )
    head = [
        "instance",
        "cpq attributes / rules",
        "load + compile ms",
        "check full ms",
        "options() at root ms, first session (median of 3): as returned / every reason read / reasons=none",
        "pysat loop ms",
        "CP-SAT (default / tuned)",
        "python-constraint",
        "cpq cpsat",
        "cpq pyconstraint",
    ]
    note = (
        "\n\nMedians. *check full*: `Configurator.check()` of a complete valid configuration. "
        "*options() at root*: a fresh session; the view as returned (states; cpq computes the "
        "minimal reason of a value when it is first read), the same with the reason of every "
        "excluded or implied value read, and `reasons='none'`; each variant on a ruleset loaded "
        "anew, its first session cold, the next ones reusing what cpq shares between sessions "
        "on one ruleset. *pysat loop*, *CP-SAT*, "
        "*python-constraint*: the baselines, valid domains at the root from the raw file. "
        "*cpq cpsat / pyconstraint*: `options(reasons='none')` on those backends, the session "
        "opened inside the timing. "
        f"`> N s`: stopped at the time limit ({d['settings']['slow_engine_root_limit_s']:.0f} s); "
        "for cpq, when the call returned and how many values its incomplete view had decided "
        "(the rest `undecided`)."
    )
    return _table(head, rows) + note


def sessions_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    rows = []
    for r in d["instances"]:
        s = r.get("sessions")
        if not isinstance(s, dict) or "cpq-sat" not in s:
            continue
        c, b = s["cpq-sat"], s.get("pysat-baseline", {})
        none = s.get("cpq-sat (every reason read)", {})
        if not c.get("available"):
            rows.append([r["instance"], c.get("reason", "")] + [""] * 9)
            continue
        v = r["verdicts"]
        slow = []
        for name in (
            "cpsat-tuned baseline",
            "pyconstraint baseline",
            "cpq cpsat",
            "cpq pyconstraint",
        ):
            e = s.get(name, {})
            if e.get("per_click"):
                slow.append(f"{name} {e['per_click']['median_ms'] / 1000:.2f} s")
            elif e.get("timeouts"):
                slow.append(f"{name} > {d['settings']['slow_engine_click_limit_s']:.0f} s")
        target = r.get("target_options_median_ms")
        rows.append(
            [
                r["instance"],
                f"{c['clicks']}",
                f"{_ms(c['per_click_cpu'])} / {_ms(c['per_click_cpu'], 'p95_ms')} / "
                f"{_ms(c['per_click_cpu'], 'max_ms')}",
                f"{_ms(c['per_click'])} / {_ms(c['per_click'], 'p95_ms')}",
                f"{_ms(none.get('per_click_cpu'))} / {_ms(none.get('per_click_cpu'), 'p95_ms')}",
                f"{_ms(b.get('per_click_cpu'), digits=2)} / "
                f"{_ms(b.get('per_click_cpu'), 'p95_ms', 2)}",
                _n(v.get("click_ratio_vs_pysat")),
                (f"< {target:.0f}: " + _yes(v.get("meets_click_target"))) if target else "–",
                _yes(v.get("all_targets_reachable")),
                "; ".join(slow) or "–",
            ]
        )
    head = [
        "instance",
        "clicks",
        "cpq sat CPU ms (median / p95 / max)",
        "cpq sat wall ms (median / p95)",
        "cpq sat, every reason read, CPU ms (median / p95)",
        "pysat loop CPU ms (median / p95)",
        "cpq / pysat (median)",
        "target median ms: met",
        "target always reachable",
        "slow engines, first clicks (median)",
    ]
    return _table(head, rows)


def known_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    rows = []
    for r in d["instances"]:
        for k, kv in r.get("verdicts", {}).items():
            if not k.startswith("known_"):
                continue
            what = k[len("known_") :]
            ok = kv["cpq"] == kv["expected"] and kv["baseline"] == kv["expected"]
            took = ""
            if what == "solutions":
                took = (
                    f"pysat enumeration {r['baselines'].get('count_s', '–')} s, "
                    f"cpq `count()` {r['cpq'].get('count_s', '–')} s"
                )
            rows.append(
                [
                    r["instance"],
                    {"solutions": "solutions", "core": "core features", "dead": "dead features"}[
                        what
                    ],
                    f"{kv['expected']:,}",
                    f"{kv['baseline']:,}" if kv["baseline"] is not None else "–",
                    f"{kv['cpq']:,}" if kv["cpq"] is not None else "–",
                    _yes(ok),
                    took,
                ]
            )
    return _table(
        ["instance", "quantity", "expected", "baseline", "cpq", "reproduced", "time"], rows
    )


def replay_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    c = d["classification"]
    cnt = c["counts"]
    lines = [
        f"Rows classified by the baseline's own SAT check: {cnt.get('valid', 0):,} valid, "
        f"{cnt.get('out-of-domain', 0):,} with a value outside a domain, "
        f"{cnt.get('rule-breaking', 0):,} breaking a rule (expected 564 / 1,143 / 14,265: "
        f"{'reproduced' if c['matches_expected'] else '**not reproduced**'}; "
        f"{c['seconds']:.1f} s for all rows).",
        "",
    ]
    rows = []
    for name, r in d["replay"].items():
        if not r.get("available"):
            rows.append([name, r.get("reason", "")] + [""] * 5)
            continue
        pc, cpu = r["per_click"], r["per_click_cpu"]
        rows.append(
            [
                name,
                f"{r['sales']:,} / {r['clicks']:,}",
                f"{_ms(cpu, digits=2)} / {_ms(cpu, 'p95_ms', 2)} / {_ms(cpu, 'max_ms')}",
                f"{_ms(pc, digits=2)} / {_ms(pc, 'p95_ms', 2)}",
                _n(r.get("ratio_vs_pysat_median")),
                _yes(r["all_reachable"]),
                (f"< 8 / < 12: {_yes(r.get('meets_target'))}" if "meets_target" in r else "–"),
                f"{r['seconds']:.0f} s",
            ]
        )
    lines.append(
        _table(
            [
                "engine",
                "sales / clicks",
                "CPU ms per click (median / p95 / max)",
                "wall ms (median / p95)",
                "cpq / pysat (median)",
                "every sold configuration reachable at every click",
                "target median / p95 ms: met",
                "total",
            ],
            rows,
        )
    )
    return "\n".join(lines)


def states_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    s = d["sampled_states"]
    rows = []
    for name, r in s["engines"].items():
        pc = r.get("per_click")
        rows.append(
            [
                name,
                f"{_ms(pc)} / {_ms(pc, 'max_ms')}" if pc else "–",
                f"{r['timeouts']} (+{r.get('skipped_after_timeout', 0)} skipped)"
                if r["timeouts"]
                else "0",
                (f"{r['ratio_vs_baseline_median']} × {r['baseline']}")
                if "ratio_vs_baseline_median" in r
                else "–",
                _n(r.get("ratio_vs_cpq_sat_median"), 2),
                _yes(r["all_reachable"]) if pc else "–",
            ]
        )
    clicks = ", ".join(str(k) for _, k in s["states"])
    return (
        f"Click states (after {clicks} clicks of sales spread over the file), valid domains "
        f"computed from scratch, time limit {s['time_limit_s']:.0f} s each.\n\n"
        + _table(
            [
                "engine",
                "ms (median / max)",
                "over the limit",
                "cpq / same-library baseline",
                "engine / cpq sat",
                "sold values possible",
            ],
            rows,
        )
    )


def orders_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    o = d["order_check"]
    b = o["pysat-baseline"]
    c = o.get("cpq-sat", {})
    rows = [
        [
            "bare python-sat",
            f"{o['rows']:,} / {o['rows']:,}",
            f"{_ms(b['per_order'], digits=2)} / {_ms(b['per_order'], 'p95_ms', 2)} / "
            f"{_ms(b['per_order'], 'max_ms')}",
            "all (minimal by construction)",
            f"{b['repairs_valid']:,} valid, minimum size by construction",
            f"{b['seconds']:.0f} s",
        ]
    ]
    if c.get("available"):
        k = c["counts"]
        rows.append(
            [
                "cpq sat (check, explain, repair)",
                f"{c['rows_done']:,} / {c['rows_total']:,}",
                f"{_ms(c['per_order'], digits=1)} / {_ms(c['per_order'], 'p95_ms')} / "
                f"{_ms(c['per_order'], 'max_ms')}",
                f"{k.get('explained', 0):,} explained by a conflict; "
                f"{k.get('explanation_is_conflict', 0):,} are conflicts, "
                f"{k.get('explanation_minimal', 0):,} minimal; "
                f"{c['rows_done'] - k.get('explained', 0) - k.get('rule_breaking_unexplained', 0):,}"
                " only have values outside their domain (refused by `select`), "
                f"{k.get('rule_breaking_unexplained', 0):,} rule-breaking unexplained",
                f"{k.get('repaired', 0):,} repaired, {k.get('repair_valid', 0):,} valid, "
                f"{k.get('repair_minimum', 0):,} of minimum size",
                f"{_n(c.get('seconds'), 0)} s (projected for all rows: "
                f"{_n(c.get('projected_total_s'), 0)} s)",
            ]
        )
    elif c:
        rows.append(["cpq sat", c.get("reason", ""), "", "", "", ""])
    sku = _load("orders")  # bench_orders.py: every sale as a SKU order through check-order
    if sku:
        n, by = sku["rows"], sku["rows_by_class"]
        rows.append(
            [
                "cpq `check-order` (every sale as a SKU order, one warm solver)",
                f"{n:,} / {n:,}",
                f"{_ms(sku['per_order'], digits=2)} / {_ms(sku['per_order'], 'p95_ms')} / "
                f"{_ms(sku['per_order'], 'max_ms')}",
                f"verdict = classification on {sku['verdict_agrees_with_classification']:,}; "
                f"{by.get('valid', 0):,} valid sales ok, "
                f"{sku['configurations_valid']:,} configurations pass the evaluator; unknown SKU "
                f"named on {sku['out_of_domain_named']:,} / {by.get('out-of-domain', 0):,} "
                "out-of-domain sales",
                "(not asked)",
                f"{sku['seconds']:.0f} s",
            ]
        )
    hist = ", ".join(f"{k}: {v:,}" for k, v in b["repair_size_histogram"].items())
    return (
        _table(
            [
                "engine",
                "orders done / total",
                "ms per order (median / p95 / max)",
                "explanations",
                "repairs",
                "time",
            ],
            rows,
        )
        + f"\n\nMinimum number of changed choices per invalid order (bare python-sat): {hist}."
        + (
            f" cpq's order check ran under a budget of {c['budget_s']:.0f} s with "
            f"{c['repair_time_limit_s']:.0f} s per repair, on the rows in a fixed random order."
            if c.get("available")
            else ""
        )
        + (
            " The `check-order` row is `bench/bench_orders.py`: a SKU on every value of the 48 "
            "sold columns, the 91 technical variables left to the solver; every row, valid or "
            "not, including 1,143 out-of-domain and 14,265 rule-breaking ones."
            if sku
            else ""
        )
    )


def loader_block(d: dict[str, Any] | None) -> str:
    if not d:
        return "_No results yet._"
    rows = [
        ["`load_ruleset` (read + validate + resolve)", _ms(d["load_ruleset"], digits=0)],
        ["of which: YAML read with source locations", _ms(d["read_yaml_with_locations"], digits=0)],
        ["baseline `yaml.safe_load` (pure Python)", _ms(d["baseline_yaml_safe_load"], digits=0)],
        [
            "baseline `yaml.load(CSafeLoader)` (libyaml)",
            _ms(d["baseline_yaml_csafe_load"], digits=0),
        ],
    ]
    return (
        f"Generated ruleset, 2,000 attributes and 5,000 rules ({d['bytes']:,} bytes); target "
        f"< {d['target_s']:.0f} s: {'met' if d['meets_target'] else '**not met**'} "
        f"(cpq / safe_load = {d['ratio_vs_safe_load']}, cpq / CSafeLoader = "
        f"{d['ratio_vs_csafe_load']}; measured {d['machine']['date']}).\n\n"
        + _table(["step", "median ms"], rows)
    )


def targets_block(inst: dict[str, Any] | None, sales: dict[str, Any] | None) -> str:
    rows = []
    if sales:
        r = sales["replay"].get("cpq-sat", {})
        if r.get("available"):
            pc, cpu = r["per_click"], r["per_click_cpu"]
            rows.append(
                [
                    "options() after a click, renault small (sales replay)",
                    "< 8 ms median, < 12 ms p95",
                    f"CPU {cpu['median_ms']:.1f} / {cpu['p95_ms']:.1f} ms (wall "
                    f"{pc['median_ms']:.1f} / {pc['p95_ms']:.1f} ms)",
                    _yes(r.get("meets_target")),
                ]
            )
            rows.append(
                [
                    "every sold configuration reachable at every click",
                    "always",
                    f"{r['sales']} sales, {r['clicks']:,} clicks",
                    _yes(r["all_reachable"]),
                ]
            )
        c = sales["order_check"].get("cpq-sat", {})
        if c.get("available"):
            k = c["counts"]
            rows.append(
                [
                    "order check: explain and repair every invalid row, each repair valid",
                    f"{sales['order_check']['rows']:,} rows",
                    f"{c['rows_done']:,} done, {k.get('repair_valid', 0):,} valid repairs",
                    _yes(c["all_explained_and_repaired"]),
                ]
            )
    if inst:
        by = {r["instance"]: r for r in inst["instances"] if "verdicts" in r}
        for name, what in (("busybox", "< 26 ms median"), ("automotive01", "< 190 ms median")):
            r = by.get(name)
            ses = (r or {}).get("sessions", {}).get("cpq-sat", {})
            pc, wall = ses.get("per_click_cpu"), ses.get("per_click")
            if r and pc and wall:
                rows.append(
                    [
                        f"options() after a click, {name}",
                        what,
                        f"CPU {pc['median_ms']:.1f} ms (wall {wall['median_ms']:.1f} ms)",
                        _yes(r["verdicts"].get("meets_click_target")),
                    ]
                )
        shipped = [by[n] for n in ("pump", "drive", "server") if n in by]
        if shipped:
            meds = [
                r["sessions"]["cpq-sat"]["per_click_cpu"]["median_ms"]
                for r in shipped
                if r["sessions"].get("cpq-sat", {}).get("per_click_cpu")
            ]
            rows.append(
                [
                    "options() after a click, shipped rulesets",
                    "< 10 ms median",
                    ", ".join(
                        f"{r['instance']} CPU {m:.1f} ms"
                        for r, m in zip(shipped, meds, strict=False)
                    ),
                    _yes(all(m < 10 for m in meds) if meds else None),
                ]
            )
        checks = [
            (r["instance"], r["cpq"]["check_full"]["median_ms"])
            for r in by.values()
            if r["cpq"].get("check_full")
        ]
        if checks:
            over = [f"{n} {m:.2f} ms" for n, m in checks if m >= 1]
            rows.append(
                [
                    "check of a full configuration",
                    "< 1 ms",
                    f"{len(checks) - len(over)} of {len(checks)} instances under 1 ms"
                    + (f"; over: {', '.join(over)}" if over else ""),
                    _yes(not over),
                ]
            )
        for r in by.values():
            for k, kv in r["verdicts"].items():
                if k.startswith("known_"):
                    rows.append(
                        [
                            f"known result: {r['instance']} {k[6:]}",
                            f"{kv['expected']:,}",
                            f"cpq {_int(kv['cpq'])}, baseline {_int(kv['baseline'])}",
                            _yes(kv["cpq"] == kv["expected"]),
                        ]
                    )
    if not rows:
        return "_No results yet._"
    return _table(["target", "wanted", "measured", "met"], rows)


def main() -> int:
    inst, sales, loader = _load("instances"), _load("sales"), _load("loader")
    blocks = {
        "machine": machine_block([inst, sales, loader]),
        "targets": targets_block(inst, sales),
        "instances": instances_block(inst),
        "sessions": sessions_block(inst),
        "known": known_block(inst),
        "replay": replay_block(sales),
        "states": states_block(sales),
        "orders": orders_block(sales),
        "loader": loader_block(loader),
    }
    text = DOC.read_text()
    for name, body in blocks.items():
        pattern = re.compile(
            rf"(<!-- BEGIN bench:{name} -->\n).*?(\n<!-- END bench:{name} -->)", re.S
        )
        if not pattern.search(text):
            print(f"warning: no block bench:{name} in {DOC}")
            continue
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    DOC.write_text(text)
    IMG.mkdir(parents=True, exist_ok=True)
    for plot in PLOTS:
        if (RESULTS / plot).exists():
            shutil.copyfile(RESULTS / plot, IMG / plot)
    print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
