"""``cpq schema``: write the JSON Schema of ruleset (and price book) files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpq.cli._app import app


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of a file kind: ``ruleset``, ``prices`` or ``quote`` (quote profile)."""
    if kind == "ruleset":
        from cpq.ruleset.schema import ruleset_json_schema

        return ruleset_json_schema()
    if kind == "prices":
        from cpq.pricing.schema import price_book_json_schema

        return price_book_json_schema()
    if kind == "quote":
        from cpq.quote.profile import quote_profile_json_schema

        return quote_profile_json_schema()
    raise typer.BadParameter("use ruleset, prices or quote", param_hint="--kind")


@app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    kind: Annotated[str, typer.Option(help="ruleset, prices or quote.")] = "ruleset",
) -> None:
    """Write the JSON Schema of the ruleset format, for editor completion and checks.

    Point a YAML language server at it with a first line like
    ``# yaml-language-server: $schema=../schema/ruleset.schema.json``.
    """
    text = json.dumps(schema_for(kind), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
