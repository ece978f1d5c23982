"""The typer application that every ``cpq`` sub-command registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="cpq",
    help="Rule-based product configuration, pricing and quoting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
