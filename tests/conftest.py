"""Shared test configuration: hypothesis profiles and paths.

Profiles: ``ci`` (default; bounded example counts so the whole suite stays within a few
minutes on two cores), ``dev`` (quick local runs) and ``long`` (thorough; ``nox -s long``).
Select one with ``HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see paths like ``rulesets/pump`` exactly as the README and docs write them."""
    monkeypatch.chdir(ROOT)


def shipped_rulesets() -> list[Path]:
    """The product folders under rulesets/."""
    return sorted(p for p in RULESETS.iterdir() if (p / "product.yaml").is_file())
