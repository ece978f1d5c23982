"""docs/server.md is true: its Python runs, its endpoint table matches the OpenAPI document."""

from __future__ import annotations

import re

from server_helpers import ROOT

from cpq.server import openapi_document

DOC = ROOT / "docs" / "server.md"


def test_python_blocks_run() -> None:
    """Every ```python block of docs/server.md runs without error."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})


def test_endpoint_table_lists_every_operation() -> None:
    """The endpoint table and the OpenAPI document name the same operations."""
    text = DOC.read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `(GET|POST) (/products[^`?]*)", text, re.M))
    doc = openapi_document()
    served = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, ops in doc["paths"].items()
        for method in ops
    }
    assert table == served


def test_error_pages_are_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "server.md" in nav and "errors-server.md" in nav
