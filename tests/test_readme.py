"""The README's two set-up commands are what CI runs, and its main job writes a real quote."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from cpq.cli import app

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", setup, re.DOTALL)]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, f"CI does not run the README command: {command}"


def test_main_job_writes_the_quote(tmp_path: Path) -> None:
    """Run the `cpq quote ...` part of step 1 (the install and lint parts run in CI)."""
    step1 = readme_commands()[0]
    quote_cmd = next(part.strip() for part in step1.split("&&") if " quote " in part)
    args = shlex.split(quote_cmd)[1:]
    out = tmp_path / "quote.html"
    args[args.index("-o") + 1] = str(out)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Stadtwerke Nord" in html and "Kreiselpumpe" in html
    assert re.search(r"\d{1,3}(\.\d{3})*,\d{2}\s*€", html), "no German amount in the quote"
