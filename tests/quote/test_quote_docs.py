"""docs/quotes.md and docs/index.md: the Python examples run, the profile example parses, and
the console output shown is what the commands print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpq.cli import app
from cpq.quote import parse_quote_profile

DOCS = Path(__file__).resolve().parents[2] / "docs"


def blocks(page: str, lang: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.DOTALL)


@pytest.mark.parametrize("page", ["quotes.md", "index.md"])
def test_python_examples_run(page: str) -> None:
    for code in blocks(page, "python"):
        exec(compile(code, f"{page} example", "exec"), {})  # our own docs


def test_profile_example_parses() -> None:
    (profile,) = [b for b in blocks("quotes.md", "yaml") if b.startswith('cpq_quote: "1"')]
    parsed = parse_quote_profile(profile, "docs/quotes.md")
    assert parsed.customers["K-9001"].language == "en_US"


def test_quote_command_prints_what_the_docs_show(tmp_path: Path) -> None:
    (console,) = [b for b in blocks("quotes.md", "console") if "wrote quote.html" in b]
    command, shown = console.strip().splitlines()
    args = shlex.split(command.removeprefix("$ "))[1:]
    args[args.index("-o") + 1] = str(tmp_path / "quote.html")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == shown.replace("quote.html", str(tmp_path / "quote.html"))
