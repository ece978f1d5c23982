"""Every real model in ../shared/benchmarks imports, keeps its counts and names, and loads.

The models are not in the repository; the tests skip when the folder is absent. The expected
counts are those of the benchmark README, except financialservices01, whose file holds 771
features and 1,080 constraints (the README says 774 / 1,148; the official UVL parser reads
the file as we do).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cpq.importers import ImportedModel, read_dimacs, read_uvl, read_xcsp
from cpq.ruleset import check_ruleset

BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

needs_benchmarks = pytest.mark.skipif(
    not BENCHMARKS.is_dir(), reason=f"the benchmark models are not at {BENCHMARKS}"
)

UVL = {  # file: (features, cross-tree constraints)
    "berkeleydb.uvl": (76, 20),
    "axTLS.uvl": (96, 14),
    "uClibc.uvl": (313, 56),
    "busybox_2010-05-02_14-17-07.uvl": (631, 681),
    "financialservices01.uvl": (771, 1080),
    "automotive01.uvl": (2513, 2833),
    "dm_DOPLERTools.csv.uvl": (50, 15),
}
DIMACS = {  # file: (variables, clauses)
    "axtls.cnf": (94, 190),
    "toybox.cnf": (544, 1020),
    "buildroot.cnf": (565, 1164),
    "busybox_1_28_0.cnf": (998, 962),
}


def load_written(model: ImportedModel, tmp_path: Path) -> float:
    """Write the YAML, load it with the ruleset loader, check names; returns the load time."""
    path = tmp_path / "product.yaml"
    path.write_text(model.to_yaml(), encoding="utf-8")
    started = time.perf_counter()
    rs, issues = check_ruleset(path)
    elapsed = time.perf_counter() - started
    errors = [str(i) for i in issues if i.severity == "error"]
    assert not errors, errors[:10]
    assert rs is not None
    assert list(rs.attributes) == [a.name for a in model.attributes]
    assert [r.id for r in rs.rules] == [r.id for r in model.rules]
    for a in model.attributes:
        assert IDENT.match(a.name)
        if a.source is not None:  # the original name survives as the label
            assert rs.attributes[a.name].label == a.source
    return elapsed


@needs_benchmarks
@pytest.mark.parametrize("name", sorted(UVL))
def test_uvl_benchmark(name: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    model = read_uvl(BENCHMARKS / "uvl" / name)
    imported = time.perf_counter() - started
    features, ctcs = UVL[name]
    assert model.stats["features"] == features
    assert model.stats["cross-tree constraints"] == ctcs
    bools = [a for a in model.attributes if a.type == "bool"]
    values = [v for a in model.attributes if a.type == "choice" for v in a.values if v.id != "none"]
    assert len(bools) + len(values) == features  # every feature is an attribute or a value
    assert len({r.id.split(".")[0] for r in model.rules if r.id.startswith("ctc-")}) == ctcs
    assert not model.skipped
    loaded = load_written(model, tmp_path)
    if name == "automotive01.uvl":
        assert imported + loaded < 20, (imported, loaded)  # about 1.5 s on the CI machine


@needs_benchmarks
@pytest.mark.parametrize("name", sorted(DIMACS))
def test_dimacs_benchmark(name: str, tmp_path: Path) -> None:
    model = read_dimacs(BENCHMARKS / "dimacs" / name)
    variables, clauses = DIMACS[name]
    assert len(model.attributes) == variables
    assert [r.id for r in model.rules] == [f"c{k}" for k in range(1, clauses + 1)]
    assert not model.warnings
    load_written(model, tmp_path)


@needs_benchmarks
def test_renault_xcsp_benchmark(tmp_path: Path) -> None:
    model = read_xcsp(BENCHMARKS / "renault-xcsp" / "small_contraintes.xml")
    assert model.stats == {
        "variables": 139,
        "values": 340,
        "tables": 147,
        "tuples": 3044,
        "max arity": 8,
    }
    assert not model.warnings
    names = [a.name for a in model.attributes]
    assert names[:3] == ["v0", "v1", "v2"] and "v20_0_Option" in names
    assert [r.id for r in model.rules][:2] == ["contrainte1", "contrainte4"]
    optional = [a for a in model.attributes if any(v.id == "none" for v in a.values)]
    assert optional and all(
        next(v for v in a.values if v.id == "none").label == "not taken" for a in optional
    )
    load_written(model, tmp_path)
