"""docs/quote-rendering.md is code: its Python blocks run, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "quote-rendering.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_python_blocks_run() -> None:
    """Every Python example of the rendering guide runs and its asserts hold."""
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    namespace: dict[str, object] = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{DOC.name}#python{i}", "exec"), namespace)


def test_documented_filters_exist() -> None:
    """The filter table names exactly the filters the renderer registers."""
    from cpq.quote._format import filters

    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| filter |") : text.index("`money` shows")]
    named = set(re.findall(r"^\| `([a-z]+)", table, re.M))
    named |= set(re.findall(r"`([a-z]+)\(width", table))
    assert named == set(filters())
