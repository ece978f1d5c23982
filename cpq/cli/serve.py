"""``cpq serve``: the HTTP API and the guided-selling page (needs the ``server`` extra)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cpq.cli._app import app

__all__ = ["parse_prices", "serve"]


def parse_prices(specs: list[str]) -> dict[str, str]:
    """``--prices`` values: ``PRODUCT=FILE`` (that product) or ``FILE`` (every product without
    a ``prices.yaml`` of its own).

    Example:
        >>> parse_prices(["cp-pump=books/pump.yaml", "books/all.yaml"])
        {'cp-pump': 'books/pump.yaml', '*': 'books/all.yaml'}
    """
    out: dict[str, str] = {}
    for spec in specs:
        product, sep, file = spec.partition("=")
        if not sep:
            product, file = "*", spec
        if not product or not file:
            raise typer.BadParameter(
                f"write PRODUCT=FILE or FILE, not {spec!r}", param_hint="--prices"
            )
        out[product] = file
    return out


LOG_LEVELS = ("debug", "info", "warning", "error")


def _check_backend(name: str) -> None:
    """Exit 2 unless the backend ``name`` exists and loads here (before the server starts)."""
    from cpq.errors import BackendUnavailableError
    from cpq.solve.registry import BACKENDS, get_backend

    if name != "auto" and name not in BACKENDS:
        sys.stderr.write(f"error: --backend is one of auto, {', '.join(BACKENDS)}, not {name!r}\n")
        raise typer.Exit(2)
    try:
        get_backend(name)
    except BackendUnavailableError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(2) from None


@app.command("serve")
def serve(
    rulesets: Annotated[
        Path, typer.Argument(help="Folder with the products (searched like cpq lint does).")
    ],
    prices: Annotated[
        list[str] | None,
        typer.Option(
            "--prices",
            help="A price book: PRODUCT=FILE for one product (overrides its prices.yaml), or "
            "FILE for every product without one. Repeatable.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="Solver seconds per request (cap).")
    ] = 10.0,
    max_body: Annotated[
        int, typer.Option("--max-body", min=1024, help="Largest request body in bytes.")
    ] = 1 << 20,
    backend: Annotated[str, typer.Option(help="auto, sat, cpsat or pyconstraint.")] = "auto",
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    threads: Annotated[
        int,
        typer.Option(min=1, help="Requests a worker computes at once (CPU-bound: 1 or 2)."),
    ] = 2,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="A web origin (https://shop.example.com) whose pages may call the API from "
            "the browser. Repeatable; none by default.",
        ),
    ] = None,
) -> None:
    """Serve the products under RULESETS over HTTP (JSON API, OpenAPI at /openapi.json, the
    guided-selling page at /). Logs are JSON lines on stderr. Stop with Ctrl-C.
    """
    try:
        import uvicorn

        from cpq.server._app import ServerSettings
        from cpq.server._logging import configure_logging
        from cpq.server._registry import ProductRegistry
    except ImportError:
        sys.stderr.write('error: cpq serve needs the server extra: pip install "cpqkit[server]"\n')
        raise typer.Exit(2) from None
    if not rulesets.is_dir():
        sys.stderr.write(f"error: '{rulesets}' is not a folder\n")
        raise typer.Exit(2)
    if log_level not in LOG_LEVELS:
        sys.stderr.write(
            f"error: --log-level is one of {', '.join(LOG_LEVELS)}, not {log_level!r}\n"
        )
        raise typer.Exit(2)
    _check_backend(backend)
    books = parse_prices(prices or [])
    for file in books.values():
        if not Path(file).is_file():
            sys.stderr.write(f"error: there is no price book '{file}'\n")
            raise typer.Exit(2)
    settings = ServerSettings(
        rulesets=str(rulesets.resolve()),
        prices={k: str(Path(v).resolve()) for k, v in books.items()},
        max_body=max_body,
        time_limit=time_limit,
        backend=backend,
        cors_origins=tuple(cors_origin or ()),
        preload=True,
        threads=threads,
    )
    configure_logging(log_level)
    found = ProductRegistry(settings.rulesets, prices=settings.prices)
    unknown = sorted(set(books) - {"*"} - set(found.ids()))
    if unknown:
        sys.stderr.write(f"error: --prices names unknown products: {', '.join(unknown)}\n")
        raise typer.Exit(2)
    if not found.ids():
        sys.stderr.write(f"error: no product loads under '{rulesets}' (try cpq lint)\n")
        raise typer.Exit(2)
    os.environ["CPQ_SERVE"] = settings.to_env()
    os.environ["CPQ_SERVE_LOG_LEVEL"] = log_level
    uvicorn.run(
        "cpq.server._app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        log_level=log_level,
    )
