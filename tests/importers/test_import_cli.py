"""`cpq import FORMAT FILE -o ruleset.yaml` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cpq.cli import app
from cpq.ruleset import check_ruleset

runner = CliRunner()
DATA = Path("tests/importers/data")


def test_import_writes_a_ruleset_the_loader_accepts(tmp_path: Path) -> None:
    out = tmp_path / "car" / "product.yaml"
    result = runner.invoke(app, ["import", "uvl", str(DATA / "car.uvl"), "-o", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "5 attributes, 4 rules" in result.stderr
    assert "the loader accepts it" in result.stderr
    rs, issues = check_ruleset(out)
    assert rs is not None and not issues
    assert [r.id for r in rs.rules] == ["root", "mandatory-Engine", "ctc-1", "ctc-2"]
    assert not list(tmp_path.glob("car/.*.tmp"))  # the temporary file is gone


def test_import_to_stdout_for_each_format() -> None:
    for fmt, name in (("uvl", "car.uvl"), ("XCSP", "tiny.xml"), ("dimacs", "car.cnf")):
        result = runner.invoke(app, ["import", fmt, str(DATA / name)])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("# Imported by `cpq import")
        assert 'cpq: "1"' in result.stdout


def test_errors_are_compiler_style_and_exit_1() -> None:
    result = runner.invoke(app, ["import", "uvl", str(DATA / "bad" / "unknown_feature.uvl")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "tests/importers/data/bad/unknown_feature.uvl:7:15: import-reference: there is no "
        "feature 'Engin' (did you mean 'Engine'?)"
    ]
    assert result.stdout == ""


def test_missing_file_names_the_file() -> None:
    result = runner.invoke(app, ["import", "dimacs", "no/such.cnf"])
    assert result.exit_code == 1
    assert result.stderr.startswith("no/such.cnf: file-not-found: ")


def test_warnings_skip_unsupported_and_quiet(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    args = ["import", "uvl", str(DATA / "unsupported.uvl"), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 1
    result = runner.invoke(app, [*args, "--skip-unsupported"])
    assert result.exit_code == 0, result.output
    assert "warning: import-skipped: constraint ctc-1 not imported" in result.stderr
    assert "2 constraint(s) left out" in result.stderr
    result = runner.invoke(app, [*args, "--skip-unsupported", "-q"])
    assert result.exit_code == 0 and result.stderr == ""


def test_unknown_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["import", "json", str(DATA / "car.uvl")])
    assert result.exit_code == 2


def test_check_needs_an_output_file() -> None:
    result = runner.invoke(app, ["import", "dimacs", str(DATA / "car.cnf"), "--check"])
    assert result.exit_code == 1
    assert "--check needs --output" in result.stderr
