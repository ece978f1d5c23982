"""``cpq import FORMAT FILE -o ruleset.yaml``: turn a UVL, XCSP or DIMACS model into a ruleset.

Problems in the input are printed one per line as ``file:line:col: code: message`` on standard
error and the command exits with status 1; warnings use the same form with ``warning:``.
Without ``-o`` the YAML goes to standard output.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cpq._yaml import MAX_FILE_BYTES
from cpq.cli._app import app
from cpq.errors import ImportFormatError
from cpq.importers import read_model, write_yaml
from cpq.importers.model import ImportedModel

__all__ = ["ImportFormat", "import_command"]


class ImportFormat(StrEnum):
    """The formats ``cpq import`` reads."""

    uvl = "uvl"
    xcsp = "xcsp"
    dimacs = "dimacs"


def _write(model: ImportedModel, output: Path) -> None:
    """Write atomically: a half-written ruleset never replaces a good one."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            write_yaml(model, fh)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("import")
def import_command(
    format: Annotated[
        ImportFormat,
        typer.Argument(help="The format of FILE: uvl, xcsp or dimacs.", case_sensitive=False),
    ],
    file: Annotated[Path, typer.Argument(help="The model to import.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the ruleset here (default: standard output)."),
    ] = None,
    skip_unsupported: Annotated[
        bool,
        typer.Option(
            "--skip-unsupported",
            help="Leave out constraints cpq cannot express (listed in the file header) "
            "instead of failing.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Load the written ruleset and report any problem."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print errors only, no warnings or summary.")
    ] = False,
) -> None:
    """Import a UVL feature model, an XCSP table model or a DIMACS CNF file as a ruleset.

    Examples: cpq import uvl car.uvl -o rulesets/car/product.yaml;
    cpq import xcsp renault.xml -o renault.yaml --check
    """
    err = sys.stderr
    started = time.perf_counter()
    try:
        model = read_model(format.value, file, skip_unsupported=skip_unsupported)
    except ImportFormatError as exc:
        for issue in exc.issues:
            prefix = "" if issue.location is not None else f"{file}: "
            err.write(f"{prefix}{issue}\n")
        if not exc.issues:  # pragma: no cover - importers always give issues
            err.write(f"{exc}\n")
        raise typer.Exit(1) from None
    if not quiet:
        for issue in model.warnings:
            err.write(f"{issue}\n")
    if output is None:
        write_yaml(model, sys.stdout)
        size = None
    else:
        try:
            _write(model, output)
        except OSError as exc:
            err.write(f"{output}: file-not-found: cannot write the ruleset: {exc}\n")
            raise typer.Exit(1) from None
        size = output.stat().st_size
    elapsed = time.perf_counter() - started
    if not quiet:
        where = f"wrote {output}" if output is not None else "imported"
        warn = f", {len(model.warnings)} warning(s)" if model.warnings else ""
        skipped = f", {len(model.skipped)} constraint(s) left out" if model.skipped else ""
        err.write(
            f"{where}: {len(model.attributes):,} attributes, {len(model.rules):,} rules"
            f"{warn}{skipped} ({elapsed:.2f} s)\n"
        )
    if size is not None and size > MAX_FILE_BYTES:
        err.write(
            f"{output}: warning: file-too-large: the ruleset has {size:,} bytes; the loader "
            f"reads at most {MAX_FILE_BYTES:,}\n"
        )
    if check:
        if output is None:
            err.write("--check needs --output: the written file is what gets checked\n")
            raise typer.Exit(1)
        from cpq.ruleset import check_ruleset

        _, issues = check_ruleset(output)
        errors = [i for i in issues if i.severity == "error"]
        for issue in issues:
            err.write(f"{issue}\n")
        if errors:
            raise typer.Exit(1)
        if not quiet:
            err.write(f"checked {output}: the loader accepts it\n")
