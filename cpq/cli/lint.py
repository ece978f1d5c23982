"""``cpq lint``: check rulesets, libraries and price books; report every problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cpq.cli._app import app
from cpq.lint import LintReport, lint_paths


def _summary_line(r: object) -> str:
    from cpq.lint import RulesetSummary

    assert isinstance(r, RulesetSummary)
    attrs = ", ".join(f"{n} {t}" for t, n in sorted(r.attributes.items()))
    rules = ", ".join(f"{n} {k}" for k, n in sorted(r.rules.items()))
    n_attr = sum(r.attributes.values())
    n_rules = sum(r.rules.values())
    status = "ok" if r.errors == 0 else f"{r.errors} error(s)"
    if r.warnings:
        status += f", {r.warnings} warning(s)"
    inc = f"; includes {', '.join(r.includes)}" if r.includes else ""
    return (
        f"{r.file}: {r.product_id} '{r.name}': {n_attr} attributes ({attrs}), "
        f"{r.values} values, {n_rules} rules ({rules}), {r.bom_items} bom items{inc} [{status}]"
    )


def print_report(report: LintReport, *, quiet: bool) -> None:
    """Print issues compiler-style (one per line), then a summary per ruleset."""
    out = sys.stdout
    for issue in report.issues:
        out.write(f"{issue}\n")
    if not quiet:
        for r in report.rulesets:
            out.write(_summary_line(r) + "\n")
        e, w = len(report.errors), len(report.warnings)
        verdict = "no problems" if not e and not w else f"{e} error(s), {w} warning(s)"
        out.write(f"checked {len(report.files)} file(s): {verdict}\n")


@app.command("lint")
def lint(
    paths: Annotated[list[Path], typer.Argument(help="Ruleset files or folders to check.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="Output format: text or json.")
    ] = "text",
    semantic: Annotated[
        bool,
        typer.Option("--semantic/--no-semantic", help="Run the solver-based checks as well."),
    ] = True,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print issues only.")] = False,
) -> None:
    """Check rulesets, shared libraries and price books; print file:line:col: code: message.

    Exits with status 1 when an error is found (or a warning, with --strict).
    """
    if format not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    err = Console(stderr=True)
    show_progress = format == "text" and err.is_terminal and not quiet
    if show_progress:
        with err.status("linting...") as status:
            report = lint_paths(
                paths, semantic=semantic, progress=lambda f: status.update(f"linting {f}")
            )
    else:
        report = lint_paths(paths, semantic=semantic)
    if format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        print_report(report, quiet=quiet)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    raise typer.Exit(1 if failed else 0)
