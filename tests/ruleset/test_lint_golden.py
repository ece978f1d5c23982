"""Golden test of `cpq lint` on a broken ruleset: the exact text and JSON a user gets.

``golden/broken/`` is a pump ruleset with a dozen mistakes spread over the product file and the
library it includes. ``golden/broken.expected`` is the text output and
``golden/broken.expected.json`` the ``--format json`` output, both byte for byte. After an
intended change of the output, regenerate them with::

    CPQ_UPDATE_GOLDEN=1 pytest tests/ruleset/test_lint_golden.py

and review the diff like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpq.cli import app

GOLDEN = Path("tests/ruleset/golden")
"""Relative to the repository root, where the tests run, so the output shows relative paths."""
BROKEN = GOLDEN / "broken"
UPDATE = os.environ.get("CPQ_UPDATE_GOLDEN") == "1"


def lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def compare(expected_file: Path, output: str) -> None:
    if UPDATE:
        expected_file.write_text(output, encoding="utf-8")
    assert output == expected_file.read_text(encoding="utf-8")


def test_lint_text_output_matches_the_golden_file() -> None:
    """`cpq lint golden/broken` prints every problem of both files, then a total; exit 1."""
    code, output = lint(str(BROKEN))
    assert code == 1
    compare(GOLDEN / "broken.expected", output)


def test_lint_json_output_matches_the_golden_file() -> None:
    """`cpq lint --format json golden/broken` gives the same problems as data."""
    code, output = lint("--format", "json", str(BROKEN))
    assert code == 1
    compare(GOLDEN / "broken.expected.json", output)


def test_text_and_json_report_the_same_problems() -> None:
    """Each issue line of the text output is one issue of the JSON output, in the same order."""
    text = (GOLDEN / "broken.expected").read_text(encoding="utf-8").splitlines()
    data = json.loads((GOLDEN / "broken.expected.json").read_text(encoding="utf-8"))
    lines = [line for line in text if line.startswith(str(BROKEN))]
    assert len(lines) == len(data["issues"]) == data["errors"] + data["warnings"]
    for line, issue in zip(lines, data["issues"], strict=True):
        assert line.startswith(f"{issue['file']}:{issue['line']}:{issue['column']}: ")
        assert f": {issue['code']}: {issue['message']}" in line


def test_golden_ruleset_spans_two_files_and_many_codes() -> None:
    """The fixture keeps its point: problems in both files, of many kinds, all reported at once."""
    data = json.loads((GOLDEN / "broken.expected.json").read_text(encoding="utf-8"))
    files = {Path(i["file"]).name for i in data["issues"]}
    codes = {i["code"] for i in data["issues"]}
    assert files == {"product.yaml", "motors.yaml"}
    assert len(codes) >= 8
    assert data["ok"] is False


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_lint_of_a_clean_ruleset_exits_zero(tmp_path: Path, fmt: str) -> None:
    """The same product with its mistakes fixed lints clean (no --semantic surprises)."""
    product = tmp_path / "product.yaml"
    product.write_text(
        'cpq: "1"\nproduct: {id: p, name: P}\n'
        "attributes: {atex: {type: bool}}\n"
        "bom: [{sku: SEAL-KIT, when: atex}]\n"
    )
    code, output = lint("--format", fmt, str(tmp_path))
    assert code == 0, output
