"""Command-line interface: ``cpq lint|schema|...``.

Each command lives in its own module and registers itself on :data:`cpq.cli._app.app`.
"""

from __future__ import annotations

# Command modules register themselves on import (one line per module).
from cpq.cli import engine as _engine  # noqa: F401
from cpq.cli import import_ as _import  # noqa: F401
from cpq.cli import lint as _lint  # noqa: F401
from cpq.cli import price as _price  # noqa: F401
from cpq.cli import quote as _quote  # noqa: F401
from cpq.cli import schema as _schema  # noqa: F401
from cpq.cli import serve as _serve  # noqa: F401
from cpq.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``cpq`` console script."""
    app()
