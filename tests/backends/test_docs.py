"""The snippets of docs/backends.md run (the modules' doctests run in tests/test_doctests.py)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path


def test_backends_page_snippets_print_what_they_say() -> None:
    """Each ``python`` block of docs/backends.md runs; ``print`` lines match their comments."""
    page = Path(__file__).resolve().parents[2] / "docs" / "backends.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL)
    assert blocks
    for block in blocks:
        expected = [
            line.split("#", 1)[1].strip()
            for line in block.splitlines()
            if line.startswith("print(") and "#" in line
        ]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(page), "exec"), {})
        assert out.getvalue().split("\n")[: len(expected)] == expected
