"""``cpq quote`` and ``cpq requote``: write a quote; re-check a saved one."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from cpq.cli._app import app
from cpq.cli.engine import _fail
from cpq.errors import CPQError

__all__: list[str] = []

_FORMATS = ("html", "pdf", "md", "txt", "json")


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{what} must be a date YYYY-MM-DD, not {text!r}") from None


def _quantity(text: str, what: str) -> Decimal:
    try:
        q = Decimal(text)
    except InvalidOperation:
        raise _fail(f"{what} must be a number, not {text!r}") from None
    if not q.is_finite() or q <= 0 or q > 10**9:
        raise _fail(f"{what} must be a positive number up to 1,000,000,000, not {text!r}")
    return q


def _sku_items(specs: list[str], kind: str, what: str) -> list[object]:
    from cpq.quote import QuoteItem

    out: list[object] = []
    for spec in specs:
        sku, _, qty = spec.partition("=")
        if not sku:
            raise _fail(f"{what} needs SKU[=QTY], not {spec!r}")
        out.append(QuoteItem(sku, _quantity(qty or "1", what), kind))  # type: ignore[arg-type]
    return out


def _read_config(path: Path) -> dict[str, object]:
    """Read a configuration file: a mapping of attribute ids to values, YAML or JSON."""
    from cpq._yaml import read_yaml_file

    doc, issues = read_yaml_file(path)
    errors = [i for i in issues if i.severity == "error"]
    if doc is None or errors:
        raise _fail("; ".join(str(i) for i in errors) or f"cannot read {path}")
    data = doc.data
    if isinstance(data, dict) and isinstance(data.get("values"), dict):
        data = data["values"]  # a configuration as `cpq complete --json` prints it
    if not isinstance(data, dict):
        raise _fail(f"{path}: a configuration file is a mapping of attribute: value")
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, Decimal):
            if value != value.to_integral_value():
                raise _fail(f"{path}: '{key}' must be a whole number, not {value}")
            value = int(value)
        out[str(key)] = value
    return out


def _format_of(fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = {"htm": "html", "markdown": "md", "text": "txt"}.get(suffix, suffix) or "txt"
    if fmt not in _FORMATS:
        raise _fail(f"the format must be one of {', '.join(_FORMATS)}, not {fmt!r}")
    return fmt


@app.command("quote")
def quote_command(
    ruleset_path: Annotated[
        Path, typer.Argument(metavar="RULESET", help="Ruleset folder or product file.")
    ],
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="A choice: attribute=value (repeatable)."),
    ] = None,
    session: Annotated[
        Path | None, typer.Option(help="A saved configurator session (JSON) to start from.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="A configuration file: YAML or JSON mapping attribute -> value (multi: a list).",
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(help="Price book (default: prices.yaml next to the ruleset)."),
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(help="Quote profile (default: quote.yaml next to the ruleset, if any)."),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Customer id of the price book.")] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Issue date YYYY-MM-DD (default: today).")
    ] = None,
    number: Annotated[
        str | None, typer.Option(help="Quote number (default: Q-<date>-<configuration id>).")
    ] = None,
    quantity: Annotated[
        str, typer.Option("--quantity", "-n", help="How many of the configured product.")
    ] = "1",
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="An extra article SKU[=QTY] (spare part, service)."),
    ] = None,
    optional: Annotated[
        list[str] | None,
        typer.Option("--optional", help="An optional position SKU[=QTY], not in the totals."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="html, pdf, md, txt or json (default: from -o)."),
    ] = None,
    locale: Annotated[
        str | None, typer.Option(help="Locale, e.g. de_DE or en_US (default: the customer's).")
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(help="Folder of your own templates (rendered in a sandbox)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 10.0,
) -> None:
    """Configure, price and write a quote in one step.

    Incomplete choices are completed first (defaults, then the solver), and the quote says
    which values were chosen for the buyer. Exit status: 0 written, 1 the choices cannot be
    completed to a valid configuration, 2 bad input. Example:

        cpq quote rulesets/pump --set medium=sea_water --customer K-1001 -o quote.html
    """
    from cpq.cli.engine import _configurator, _load, apply_sets
    from cpq.pricing import load_price_book
    from cpq.quote import QuoteItem, build_quote, load_quote_profile
    from cpq.quote.render import render_quote

    kind = _format_of(fmt, output)
    if output is not None and output.is_dir():
        raise _fail(f"{output} is a folder; give a file name, e.g. {output / 'quote.html'}")
    if kind == "pdf" and output is None:
        raise _fail("PDF is binary: give an output file with -o quote.pdf")
    issue = _day(on, "--date") or date.today()
    qty = _quantity(quantity, "--quantity")
    ruleset = _load(ruleset_path)
    folder = ruleset_path if ruleset_path.is_dir() else ruleset_path.parent
    try:
        book = load_price_book(prices or folder)
        prof_path = profile or (folder / "quote.yaml")
        prof = load_quote_profile(prof_path) if profile or prof_path.is_file() else None
        cfg = _configurator(ruleset, None, session, time_limit, "auto")
        if config is not None:
            for name, value in _read_config(config).items():
                cfg.set(name, value)
        apply_sets(cfg, ruleset, sets)  # the command line wins over the file
        done = cfg.complete()
        if not done.is_valid:
            sys.stderr.write("error: the choices cannot be completed to a valid configuration\n")
            for v in done.violations:
                sys.stderr.write(f"  {v}\n")
            if done.conflict is not None:
                sys.stderr.write(f"  conflict: {done.conflict.text}\n")
            raise typer.Exit(1)
        chosen = sum(1 for p in done.provenance.values() if p != "user")
        items: list[object] = [QuoteItem(done, qty)]
        items += _sku_items(add or [], "normal", "--add")
        items += _sku_items(optional or [], "optional", "--optional")
        quote = build_quote(
            items,  # type: ignore[arg-type]
            book,
            number=number or "Q",
            customer=customer,
            on=issue,
            profile=prof,
            language=locale,
        )
        if number is None:
            cid = quote.items[0].configuration_id or "CFG-000000"
            quote = quote.model_copy(update={"number": f"Q-{issue:%Y%m%d}-{cid[4:10]}"})
        doc = render_quote(quote, kind, locale=locale, template_dir=templates)
    except CPQError as exc:
        raise _fail(str(exc)) from None
    if output is None:
        assert isinstance(doc, str)
        sys.stdout.write(doc if doc.endswith("\n") else doc + "\n")
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(doc, bytes):
                output.write_bytes(doc)
            else:
                output.write_text(doc, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror}") from None
    t = quote.totals
    note = f"; {chosen} value(s) completed for the buyer" if chosen else ""
    approval = "; needs approval" if quote.needs_approval else ""
    where = f"wrote {output}" if output else "quote"
    sys.stderr.write(
        f"{where}: {quote.display_number}, net {t.tax_exclusive} {quote.currency}, gross "
        f"{t.tax_inclusive} {quote.currency}{note}{approval}\n"
    )


@app.command("requote")
def requote_command(
    quote_path: Annotated[Path, typer.Argument(metavar="QUOTE", help="A saved quote (JSON).")],
    rulesets: Annotated[
        list[Path] | None,
        typer.Option("--ruleset", "-r", help="Current ruleset(s) (repeatable)."),
    ] = None,
    prices: Annotated[Path | None, typer.Option(help="Current price book.")] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Re-price on this date (default: the quote's pricing date)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the re-priced quote (JSON) here."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option(help="Seconds for checking each configuration.")
    ] = 10.0,
) -> None:
    """Re-check a saved quote against the current rules and prices; the file is not changed.

    Exit status: 0 unchanged, 1 something changed or is no longer valid, 2 bad input. The
    re-priced quote (``-o``) is the next revision of the same number.
    Example:

        cpq requote quote.json --ruleset rulesets/pump --prices rulesets/pump/prices.yaml
    """
    import json

    from cpq.pricing import load_price_book
    from cpq.quote import Quote, requote
    from cpq.ruleset import load_ruleset

    if not rulesets or prices is None:
        raise _fail("give the current rules and prices: --ruleset PATH --prices FILE")
    try:
        saved = Quote.from_json(quote_path.read_bytes(), file=str(quote_path))
    except OSError as exc:
        raise _fail(f"cannot read {quote_path}: {exc.strerror}") from None
    except CPQError as exc:
        raise _fail(str(exc)) from None
    try:
        current = [load_ruleset(p) for p in rulesets]
        book = load_price_book(prices)
        report = requote(saved, current, book, on=_day(on, "--date"), time_limit=time_limit)
    except CPQError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(str(report) + "\n")
    if output is not None and report.after_quote is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(report.after_quote.to_json(), encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror}") from None
    raise typer.Exit(1 if report.changed else 0)
