"""Loader benchmark: a generated ruleset of 2,000 attributes and 5,000 rules.

Target (issue "Ruleset language"): load and resolve in under 2 seconds on one core.
Reports the YAML read, the schema validation + resolution, and the whole ``load_ruleset`` call,
next to a baseline measured in the same run: ``yaml.safe_load`` of the same text (the least any
YAML-based loader has to do).

Run: ``python bench/bench_loader.py`` (or ``nox -s bench``).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import stats, timeit, write_result

from cpq._yaml import parse_yaml
from cpq.ruleset import load_ruleset

TARGET_S = 2.0


def generate(n_attrs: int = 2000, n_rules: int = 5000, seed: int = 7) -> str:
    """A ruleset in the style of the shipped ones: mixed attribute types and rule kinds."""
    rnd = random.Random(seed)
    lines = ['cpq: "1"', "product: {id: gen, name: Generated product, sku: GEN}", "attributes:"]
    kinds: list[tuple[str, str, list[str]]] = []
    for i in range(n_attrs):
        name = f"a{i}"
        t = rnd.choice(["choice", "choice", "choice", "bool", "int", "multi"])
        if t in ("choice", "multi"):
            vals = [f"v{j}" for j in range(rnd.randint(2, 8))]
            lines.append(f"  {name}:")
            lines.append(f"    type: {t}")
            lines.append(f"    label: Attribute {i}")
            lines.append("    values:")
            for j, v in enumerate(vals):
                lines.append(
                    f"      {v}: {{label: Value {j}, sku: S-{i}-{j}, "
                    f"properties: {{watts: {rnd.randint(1, 400)}, size: {j}.5}}}}"
                )
            kinds.append((name, t, vals))
        elif t == "bool":
            lines.append(f"  {name}: {{type: bool, default: false}}")
            kinds.append((name, t, []))
        else:
            lines.append(f"  {name}: {{type: int, range: [0, 500], unit: mm}}")
            kinds.append((name, t, []))
    lines.append("rules:")
    choices = [k for k in kinds if k[1] == "choice"]
    bools = [k for k in kinds if k[1] == "bool"]
    ints = [k for k in kinds if k[1] == "int"]
    multis = [k for k in kinds if k[1] == "multi"]
    for r in range(n_rules):
        kind = r % 5
        a, b = rnd.sample(choices, 2)
        if kind == 0:
            lines.append(f"  - id: r{r}")
            lines.append(f"    when: {a[0]} == '{a[2][0]}'")
            lines.append(f"    require: {b[0]} in ['{b[2][0]}', '{b[2][-1]}']")
            lines.append(f"    message: Rule {r} in plain words.")
        elif kind == 1:
            c = rnd.choice(bools)
            lines.append(f"  - id: r{r}")
            lines.append(f"    exclude: [{c[0]}, \"{a[0]} == '{a[2][1]}'\"]")
        elif kind == 2:
            lines.append(f"  - id: r{r}")
            lines.append("    table:")
            lines.append(f"      columns: [{a[0]}, {b[0]}]")
            lines.append(f"      allow: [[{a[2][0]}, '*'], [{a[2][1]}, [{b[2][0]}, {b[2][1]}]]]")
        elif kind == 3:
            n = rnd.choice(ints)
            lines.append(f"  - id: r{r}")
            lines.append(f"    require: {a[0]}.watts * 2 + {n[0]} <= 1400")
        else:
            m = rnd.choice(multis)
            lines.append(f"  - id: r{r}")
            lines.append(f"    require: sum({m[0]}.watts) <= {a[0]}.watts * 4 + 100")
    lines.append("bom:")
    lines.append(f"  - {{sku: CABLE, qty: '{ints[0][0]} // 50 + 1'}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    text = generate()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.yaml"
        path.write_text(text)
        t0 = time.perf_counter()
        rs = load_ruleset(path)
        first = time.perf_counter() - t0
        assert len(rs.attributes) == 2000 and len(rs.rules) == 5000
        load = timeit(lambda: load_ruleset(path), 3)
        read = timeit(lambda: parse_yaml(text, "x"), 3)
        base = timeit(lambda: yaml.safe_load(text), 3)
        cbase = timeit(lambda: yaml.load(text, Loader=yaml.CSafeLoader), 3)
    med_load = stats(load)["median_ms"]
    med_base = stats(base)["median_ms"]
    result = {
        "instance": "generated-2000x5000",
        "bytes": len(text),
        "first_load_s": round(first, 3),
        "load_ruleset": stats(load),
        "read_yaml_with_locations": stats(read),
        "baseline_yaml_safe_load": stats(base),
        "baseline_yaml_csafe_load": stats(cbase),
        "ratio_vs_safe_load": round(med_load / med_base, 2),
        "ratio_vs_csafe_load": round(med_load / stats(cbase)["median_ms"], 2),
        "target_s": TARGET_S,
        "meets_target": med_load / 1000 < TARGET_S,
    }
    path = write_result("loader", result)
    print(f"generated ruleset: 2,000 attributes, 5,000 rules, {len(text):,} bytes")
    print(
        f"  load_ruleset (read + validate + resolve): median {med_load:.0f} ms "
        f"(target < {TARGET_S * 1000:.0f} ms: {'met' if result['meets_target'] else 'NOT met'})"
    )
    print(f"  of which YAML read with locations:        median {stats(read)['median_ms']:.0f} ms")
    print(
        f"  baseline yaml.safe_load of the same text:  median {med_base:.0f} ms "
        f"(cpq/baseline = {result['ratio_vs_safe_load']}x)"
    )
    print(
        f"  baseline yaml.load(CSafeLoader), libyaml:   median {stats(cbase)['median_ms']:.0f} ms "
        f"(cpq/baseline = {result['ratio_vs_csafe_load']}x)"
    )
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
