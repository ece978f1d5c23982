"""The `cpq lint` and `cpq schema` commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cpq.cli import app
from cpq.ruleset.schema import ruleset_json_schema

runner = CliRunner()

GOOD = """\
cpq: "1"
product: {id: p1, name: Product one, sku: P1}
attributes:
  size: {type: choice, values: {s: {sku: S}, m: {sku: M}}, default: s}
  extra: {type: bool}
rules:
  - id: extra-needs-m
    when: extra
    require: size == 'm'
"""

BAD = """\
cpq: "1"
product: {id: p1, name: Product one}
attributes:
  size: {type: choice, values: {s: {}, m: {}}}
  color: {type: choise, values: {red: {}}}
rules:
  - id: r1
    require: sise == 'm'
  - id: r2
    require: size == 'xl'
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_lint_good_file_exits_zero_and_summarises(tmp_path: Path) -> None:
    """A clean ruleset exits 0 and gets a one-line summary."""
    f = write(tmp_path, "good/product.yaml", GOOD)
    result = runner.invoke(app, ["lint", str(f.parent)])
    assert result.exit_code == 0, result.output
    assert "p1 'Product one': 2 attributes" in result.output
    assert "1 require" in result.output
    assert "no problems" in result.output


def test_lint_reports_every_problem_with_location(tmp_path: Path) -> None:
    """All problems of a file are reported at once, compiler-style, and the exit code is 1."""
    f = write(tmp_path, "bad/product.yaml", BAD)
    result = runner.invoke(app, ["lint", str(f)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ": " in ln and ln.startswith(str(f))]
    codes = {ln.split(": ")[1] for ln in lines}
    assert codes == {"invalid-value", "unknown-reference", "unknown-value"}
    assert f"{f}:5:17: invalid-value" in result.output
    assert "(did you mean 'choice'?)" in result.output
    assert f"{f}:8:14: unknown-reference: there is no attribute 'sise'" in result.output
    assert f"{f}:10:22: unknown-value: 'xl' is not a value of 'size'" in result.output
    assert "Traceback" not in result.output


def test_lint_json_format(tmp_path: Path) -> None:
    """--format json gives machine-readable issues with line and column."""
    f = write(tmp_path, "bad/product.yaml", BAD)
    result = runner.invoke(app, ["lint", "--format", "json", str(f)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["errors"] == 3
    first = data["issues"][0]
    assert (first["line"], first["column"], first["code"]) == (5, 17, "invalid-value")


def test_lint_missing_path_and_non_ruleset(tmp_path: Path) -> None:
    """A missing path and an unrelated YAML file named explicitly are errors, not crashes."""
    other = write(tmp_path, "other.yaml", "name: not a ruleset\n")
    result = runner.invoke(app, ["lint", str(other), str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "not-a-ruleset" in result.output
    assert "file-not-found" in result.output


def test_lint_folder_skips_unrelated_yaml(tmp_path: Path) -> None:
    """Inside a folder, YAML files that are not cpq files are skipped."""
    write(tmp_path, "good/product.yaml", GOOD)
    write(tmp_path, "good/ci.yaml", "jobs: {}\n")
    result = runner.invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_lint_random_bytes_never_traceback(tmp_path: Path) -> None:
    """Binary junk with a .yaml name is a clean file-encoding error."""
    f = tmp_path / "junk" / "product.yaml"
    f.parent.mkdir()
    f.write_bytes(bytes(range(256)) * 10)
    result = runner.invoke(app, ["lint", str(f)])
    assert result.exit_code == 1
    assert "file-encoding" in result.output


def test_lint_shipped_rulesets_pass() -> None:
    """The shipped rulesets lint without errors (the README's main job)."""
    result = runner.invoke(app, ["lint", "rulesets/"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[ok") >= 3


def test_console_script_runs_as_module() -> None:
    """`python -m cpq.cli` works like the console script."""
    proc = subprocess.run(
        [sys.executable, "-m", "cpq.cli", "lint", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "file:line:col" in proc.stdout


def test_schema_command_writes_valid_json(tmp_path: Path) -> None:
    """`cpq schema -o` writes the schema; it names every attribute type."""
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0
    schema = json.loads(out.read_text())
    attr = schema["$defs"]["AttributeSpec"]["properties"]["type"]
    assert set(attr["enum"]) == {"choice", "multi", "bool", "int"}
    assert schema["properties"]["cpq"]["const"] == "1"


def test_shipped_schema_is_current() -> None:
    """rulesets/schema/ruleset.schema.json equals what `cpq schema` writes today."""
    shipped = json.loads(Path("rulesets/schema/ruleset.schema.json").read_text())
    assert shipped == json.loads(json.dumps(ruleset_json_schema())), (
        "regenerate with: cpq schema -o rulesets/schema/ruleset.schema.json"
    )


def test_shipped_price_schema_is_current() -> None:
    """rulesets/schema/prices.schema.json equals what `cpq schema --kind prices` writes."""
    from cpq.pricing.schema import price_book_json_schema

    shipped = json.loads(Path("rulesets/schema/prices.schema.json").read_text())
    assert shipped == json.loads(json.dumps(price_book_json_schema())), (
        "regenerate with: cpq schema --kind prices -o rulesets/schema/prices.schema.json"
    )


def test_shipped_price_books_point_to_schema() -> None:
    """Every shipped price book starts with the modeline of the price-book schema."""
    books = sorted(Path("rulesets").rglob("prices.yaml"))
    assert len(books) >= 3
    for p in books:
        first = p.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/prices.schema.json", p


def test_shipped_quote_profiles_point_to_schema() -> None:
    """Every shipped quote profile starts with the modeline of the quote-profile schema, and the
    shipped schema is what `cpq schema --kind quote` writes."""
    profiles = sorted(Path("rulesets").rglob("quote.yaml"))
    assert profiles
    for p in profiles:
        first = p.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/quote.schema.json", p
    from cpq.cli.schema import schema_for

    shipped = json.loads(Path("rulesets/schema/quote.schema.json").read_text())
    assert shipped == schema_for("quote"), (
        "regenerate with: cpq schema --kind quote -o rulesets/schema/quote.schema.json"
    )


def test_shipped_rulesets_point_to_schema() -> None:
    """Every shipped ruleset and library file starts with the yaml-language-server modeline."""
    files = [
        p
        for p in Path("rulesets").rglob("*.yaml")
        if "schema" not in p.parts and not p.name.startswith(("prices", "quote"))
    ]
    assert files
    for p in files:
        first = p.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/ruleset.schema.json", p
