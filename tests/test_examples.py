"""Every script in examples/ runs to the end (each ends in assertions)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example runs as __main__ and prints something."""
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()
