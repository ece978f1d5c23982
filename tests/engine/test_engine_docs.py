"""docs/configurator.md is code: its ``>>>`` examples run and its ``$ cpq`` blocks print what the
page shows."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configurator.md"
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)
CSV = re.compile(r"`(\w+\.csv)`:\n\n```text\n(.*?)```", re.DOTALL)


def test_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``>>>`` example of the page gives the output shown (run from the repository root)."""
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 40
    assert result.failed == 0


def _commands() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in CONSOLE.findall(PAGE.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            else:
                out[-1][1].append(line)
    return out


COMMANDS = _commands()


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_cli_output_is_real(command: str, expected: list[str], tmp_path: Path) -> None:
    """Each ``$ cpq ...`` line prints exactly the lines below it (CSV files from the page)."""
    for name, text in CSV.findall(PAGE.read_text(encoding="utf-8")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        command = command.replace(f" {name}", f" {tmp_path / name}")
    command = command.replace("cpq ", f"{sys.executable} -m cpq.cli ", 1)
    proc = subprocess.run(
        command, shell=True, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.stdout.splitlines() == expected, proc.stderr
