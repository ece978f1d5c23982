"""``cpq price``: price SKU lines against a price book and show the waterfall."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cpq._yaml import read_yaml_file
from cpq.bom import BomLine
from cpq.cli._app import app
from cpq.errors import PriceBookError, PricingError
from cpq.pricing import LineRequest, PriceResult, load_price_book, price

__all__ = ["format_amount", "parse_lines", "render_waterfall"]


def format_amount(value: Decimal | None, places: int = 2) -> str:
    """Show an exact amount with at least ``places`` decimals, dropping no digit.

    This is display only: it never rounds (the engine has rounded every printed net already).
    """
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    frac = frac.ljust(places, "0")
    return f"{whole}.{frac}" if frac else whole


def _split(text: str, what: str) -> tuple[str, str | None]:
    sku, sep, value = text.partition("=")
    if not sku:
        raise typer.BadParameter(f"'{text}' has no SKU", param_hint=what)
    return sku, (value if sep else None)


def parse_lines(
    specs: list[str], discounts: list[str], lines_file: Path | None, *, required: bool = True
) -> list[LineRequest]:
    """Build the lines to price from ``SKU[=QTY]`` arguments, ``--discount`` and ``--lines``."""
    manual: dict[str, str] = {}
    for d in discounts:
        sku, pct = _split(d, "--discount")
        if pct is None:
            raise typer.BadParameter(f"write SKU=PERCENT, not '{d}'", param_hint="--discount")
        manual[sku] = pct
    out: list[LineRequest] = []
    if lines_file is not None:
        doc, issues = read_yaml_file(lines_file)
        errors = [i for i in issues if i.severity == "error"]
        if doc is None or errors:
            raise typer.BadParameter("; ".join(str(i) for i in errors), param_hint="--lines")
        rows = doc.data if isinstance(doc.data, list) else None
        if rows is None:
            raise typer.BadParameter(
                "expected a list of {sku: ..., quantity: ...}", param_hint="--lines"
            )
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or not isinstance(row.get("sku"), str):
                raise typer.BadParameter(f"entry {i + 1} needs a 'sku'", param_hint="--lines")
            sku = row["sku"]
            amount: Any = row.get("quantity", row.get("qty", 1))
            disc = row.get("manual_discount", manual.get(sku))
            label = str(row.get("label", ""))
            out.append(LineRequest(sku, amount, label, "lines-file", disc))
    for spec in specs:
        sku, text = _split(spec, "LINES")
        out.append(LineRequest(sku, text if text is not None else 1, "", "", manual.get(sku)))
    if not out and required:
        raise typer.BadParameter(
            "give at least one SKU (e.g. S-100=10), --lines FILE or --ruleset with --set"
        )
    return out


def render_waterfall(result: PriceResult, console: Console, *, trace: bool = True) -> None:
    """Print the priced lines with their trace steps, the VAT totals and the approvals."""
    who = f"customer {result.customer}" if result.customer else "no customer"
    console.print(
        f"[bold]Price book {result.book}[/] · {who} · {result.on.isoformat()} · "
        f"{result.currency} · quantity {format_amount(result.quantity, 0)}"
    )
    table = Table(show_lines=False, header_style="bold")
    table.add_column("Pos", justify="right")
    table.add_column("SKU / step")
    table.add_column("Qty", justify="right")
    table.add_column("Unit net | before", justify="right")
    table.add_column("Line net | after", justify="right")
    table.add_column("Source")
    for line in result.lines:
        unit = str(line.unit_net)
        per = f" per {line.price_unit}" if line.price_unit != 1 else ""
        avg = " (avg)" if line.unit_net_is_average else ""
        table.add_row(
            str(line.position),
            Text(f"{line.sku}  {line.label}".rstrip(), style="bold"),
            format_amount(line.quantity, 0),
            Text(f"{unit}{per}{avg}", style="bold"),
            Text(str(line.line_net), style="bold"),
            f"{line.price_source} · VAT {line.vat_category} {format_amount(line.vat_rate, 0)} %",
        )
        if not trace:
            continue
        for s in line.trace:
            marker = "=" if s.op == "note" else ("→" if s.op != "set" else "·")
            table.add_row(
                "",
                Text(f"  {s.step}: {s.rule}", style="dim" if s.op == "note" else ""),
                "",
                format_amount(s.before),
                f"{marker} {s.after if s.op == 'round' else format_amount(s.after)}",
                str(s.location) if s.location else "",
            )
    console.print(table)
    totals = Table(show_header=True, header_style="bold")
    totals.add_column("VAT")
    totals.add_column("Rate", justify="right")
    totals.add_column("Net", justify="right")
    totals.add_column("VAT amount", justify="right")
    for v in result.vat_totals:
        totals.add_row(
            f"{v.category} ({v.code})",
            f"{format_amount(v.rate, 0)} %",
            format_amount(v.basis),
            format_amount(v.vat),
        )
    totals.add_row(
        Text("Total", style="bold"),
        "",
        Text(format_amount(result.net), style="bold"),
        Text(format_amount(result.vat), style="bold"),
    )
    console.print(totals)
    console.print(
        f"[bold]Net {format_amount(result.net)} {result.currency} · VAT "
        f"{format_amount(result.vat)} · Gross {format_amount(result.gross)} {result.currency}[/]"
    )
    if result.approvals:
        console.print(f"[bold yellow]Needs approval level {result.approval_level}:[/]")
        for a in result.approvals:
            console.print(f"  level {a.level} · {a.rule}: {a.message}")
    else:
        console.print("No approval needed.")


def _configured_lines(ruleset_path: Path, sets: list[str], err: Console) -> list[BomLine]:
    """Complete the choices to a valid configuration and return its bill of materials."""
    from cpq.bom import bill_of_materials
    from cpq.cli.engine import _configurator, _load

    ruleset = _load(ruleset_path)
    cfg = _configurator(ruleset, sets, None, 10.0, "auto")
    done = cfg.complete()
    if not done.is_valid:
        err.print("the choices cannot be completed to a valid configuration:", markup=False)
        for v in done.violations:
            err.print(f"  {v}", markup=False, highlight=False)
        if done.conflict is not None:
            err.print(f"  conflict: {done.conflict.text}", markup=False, highlight=False)
        raise typer.Exit(1)
    return bill_of_materials(ruleset, done.values)


@app.command("price")
def price_command(
    book_path: Annotated[
        Path, typer.Argument(metavar="BOOK", help="Price-book file (or folder with prices.yaml).")
    ],
    lines: Annotated[
        list[str] | None,
        typer.Argument(metavar="SKU[=QTY]...", help="Lines to price, e.g. S-100=10 ACC-FL."),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Customer id from the book.")] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Pricing date YYYY-MM-DD (default: today).")
    ] = None,
    quantity: Annotated[
        str, typer.Option("--quantity", "-n", help="Number of configured units (multiplier).")
    ] = "1",
    currency: Annotated[str | None, typer.Option(help="Quote currency.")] = None,
    discount: Annotated[
        list[str] | None,
        typer.Option("--discount", help="Manual discount SKU=PERCENT (repeatable)."),
    ] = None,
    lines_file: Annotated[
        Path | None,
        typer.Option("--lines", help="YAML/JSON list of {sku, quantity, manual_discount}."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    no_trace: Annotated[bool, typer.Option("--no-trace", help="Hide the trace steps.")] = False,
    ruleset_path: Annotated[
        Path | None,
        typer.Option(
            "--ruleset",
            help="Price a configuration of this ruleset: its choices (--set) are completed "
            "to a valid configuration and its bill of materials is priced.",
        ),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="With --ruleset: a choice attribute=value (repeatable)."),
    ] = None,
) -> None:
    """Price lines, or a configuration, for a customer on a date and show the price waterfall.

    Give SKU lines, or --ruleset with --set choices to price a configured product
    (e.g. cpq price rulesets/pump --ruleset rulesets/pump --set medium=sea_water
    --customer K-1001). Exits with 1 when a price is missing or in another currency or the
    choices conflict, 2 when the book or the arguments are wrong.
    """
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise typer.BadParameter(
            f"'{on}' is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    requests: list[LineRequest | BomLine] = list(
        parse_lines(lines or [], discount or [], lines_file, required=ruleset_path is None)
    )
    err = Console(stderr=True, soft_wrap=True)
    if ruleset_path is not None:
        requests = [*_configured_lines(ruleset_path, sets or [], err), *requests]
    elif sets:
        raise typer.BadParameter("--set needs --ruleset", param_hint="--set")
    try:
        book = load_price_book(book_path)
    except PriceBookError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise typer.Exit(2) from None
    try:
        result = price(
            requests, book, customer=customer, on=day, quantity=quantity, currency=currency
        )
    except PricingError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    out = Console(width=None if sys.stdout.isatty() else 240, highlight=False)
    render_waterfall(result, out, trace=not no_trace)
