"""``cpq check|options|complete|explain|check-order``: the configurator on the command line.

Choices are given as ``--set attribute=value`` (repeatable; a multi attribute takes a
comma-separated list, a bool ``true``/``false``) or read from a saved session (``--session``).
Every command has human output and ``--json``; long runs show progress on a terminal and stop
cleanly on Ctrl-C (exit status 130).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from cpq.cli._app import app
from cpq.errors import CPQError, RulesetError
from cpq.ruleset.model import Ruleset

__all__ = ["check", "check_order_cmd", "complete", "explain", "options"]

T = TypeVar("T")

RulesetArg = Annotated[Path, typer.Argument(help="Ruleset folder or product file.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        help="A choice: attribute=value (multi: a,b,c; bool: true/false). Repeatable.",
    ),
]
SessionOpt = Annotated[
    Path | None, typer.Option("--session", help="A saved session (JSON) to start from.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
LimitOpt = Annotated[float, typer.Option("--time-limit", help="Seconds for the solver.")]
BackendOpt = Annotated[str, typer.Option("--backend", help="auto, sat, cpsat or pyconstraint.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(code)


def _load(path: Path) -> Ruleset:
    from cpq.ruleset import load_ruleset

    try:
        return load_ruleset(path)
    except RulesetError as exc:
        sys.stderr.write(f"{exc}\n")
        raise typer.Exit(2) from None


def _parse_value(ruleset: Ruleset, name: str, text: str) -> object:
    attr = ruleset.attributes.get(name)
    if attr is None:
        from cpq.errors import did_you_mean

        hint = did_you_mean(name, ruleset.attributes)
        raise _fail(f"there is no attribute '{name}'" + (f" ({hint})" if hint else ""))
    if attr.type == "bool":
        low = text.strip().lower()
        if low in ("true", "yes", "1", "on"):
            return True
        if low in ("false", "no", "0", "off"):
            return False
        raise _fail(f"'{name}' is yes/no: write true or false, not {text!r}")
    if attr.type == "int":
        try:
            return int(text)
        except ValueError:
            raise _fail(f"'{name}' takes a whole number, not {text!r}") from None
    if attr.type == "multi":
        return [x.strip() for x in text.split(",") if x.strip()]
    return text.strip()


def _configurator(
    ruleset: Ruleset,
    sets: list[str] | None,
    session: Path | None,
    time_limit: float,
    backend: str,
) -> Any:
    from cpq.configurator import Configurator

    try:
        if session is not None:
            cfg = Configurator.from_json(
                ruleset, session.read_text(encoding="utf-8"), backend=backend
            )
            cfg.time_limit = time_limit
        else:
            cfg = Configurator(ruleset, backend=backend, time_limit=time_limit)
        apply_sets(cfg, ruleset, sets)
    except CPQError as exc:
        raise _fail(str(exc)) from None
    return cfg


def apply_sets(cfg: Any, ruleset: Ruleset, sets: list[str] | None) -> None:
    """Apply ``--set attribute=value`` choices to a configurator, in order."""
    for item in sets or []:
        if "=" not in item:
            raise _fail(f"--set needs attribute=value, not {item!r}")
        name, text = item.split("=", 1)
        name = name.strip()
        cfg.set(name, _parse_value(ruleset, name, text))


@contextlib.contextmanager
def _interruptible(label: str, quiet: bool) -> Iterator[Callable[[str], None]]:
    """Show a spinner on a terminal; turn Ctrl-C into a clean exit (status 130)."""
    err = Console(stderr=True)
    try:
        if err.is_terminal and not quiet:
            with err.status(label) as status:
                yield lambda text: status.update(text)
        else:
            yield lambda text: None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def _value_text(v: object) -> str:
    if isinstance(v, frozenset | set):
        return "{" + ", ".join(sorted(str(x) for x in v)) + "}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


@app.command("check")
def check(
    ruleset_path: RulesetArg,
    set_: SetOpt = None,
    session: SessionOpt = None,
    as_json: JsonOpt = False,
    time_limit: LimitOpt = 10.0,
    backend: BackendOpt = "auto",
) -> None:
    """Check choices: valid, incomplete (values missing) or invalid (rules broken).

    Exit status: 0 valid or incomplete, 1 invalid, 2 bad input.
    """
    rs = _load(ruleset_path)
    cfg = _configurator(rs, set_, session, time_limit, backend)
    with _interruptible("checking...", as_json):
        result = cfg.check()
    if as_json:
        _emit(result.to_dict())
    else:
        out = sys.stdout
        out.write(f"{result.status}\n")
        if result.missing:
            out.write(f"missing: {', '.join(result.missing)}\n")
        for v in result.violations:
            out.write(f"{v}\n")
        if result.conflict is not None:
            out.write(f"conflict: {result.conflict.text}\n")
    if result.status == "invalid":
        raise typer.Exit(1)


@app.command("options")
def options(
    ruleset_path: RulesetArg,
    set_: SetOpt = None,
    session: SessionOpt = None,
    as_json: JsonOpt = False,
    reasons: Annotated[str, typer.Option("--reasons", help="minimal, core or none.")] = "minimal",
    time_limit: LimitOpt = 10.0,
    backend: BackendOpt = "auto",
) -> None:
    """Show every value's state: selectable, selected, implied (why) or excluded (why)."""
    if reasons not in ("minimal", "core", "none"):
        raise _fail("--reasons takes minimal, core or none")
    rs = _load(ruleset_path)
    cfg = _configurator(rs, set_, session, time_limit, backend)
    with _interruptible("computing options...", as_json):
        view = cfg.options(reasons=reasons)
    if as_json:
        _emit(view.to_dict())
        return
    out = sys.stdout
    if not view.consistent and view.conflict is not None:
        out.write(f"the choices conflict: {view.conflict.text}\n")
    if not view.complete:
        out.write("note: the time limit was reached; some states are not proven\n")
    marks = {
        "selected": "[x]",
        "implied": "[=]",
        "selectable": "[ ]",
        "excluded": "[-]",
        "undecided": "[?]",
    }
    for a in view.attributes.values():
        head = f"{a.label} ({a.attribute})"
        if a.type == "int":
            rng = f"{a.range[0]}..{a.range[1]}" if a.range else "no feasible value"
            sel = "".join(f" {marks[v.state]} {v.value}" for v in a.values)
            out.write(f"{head}: {rng}{sel}\n")
            continue
        out.write(f"{head}:\n")
        for v in a.values:
            why = f"  ({v.reason.text})" if v.reason is not None else ""
            out.write(f"  {marks[v.state]} {v.label} [{v.value!s}] {v.state}{why}\n")


@app.command("complete")
def complete(
    ruleset_path: RulesetArg,
    set_: SetOpt = None,
    session: SessionOpt = None,
    prefer: Annotated[
        list[str] | None,
        typer.Option("--prefer", help="A preferred value: attribute=value. Repeatable."),
    ] = None,
    as_json: JsonOpt = False,
    bom: Annotated[
        bool, typer.Option("--bom/--no-bom", help="Print the bill of materials.")
    ] = True,
    time_limit: LimitOpt = 10.0,
    backend: BackendOpt = "auto",
) -> None:
    """Complete the choices to a valid configuration (defaults, then preferences) with its BOM.

    Exit status 1 when the choices cannot be completed.
    """
    rs = _load(ruleset_path)
    cfg = _configurator(rs, set_, session, time_limit, backend)
    prefs: dict[str, object] | None = None
    if prefer:
        prefs = {}
        for item in prefer:
            if "=" not in item:
                raise _fail(f"--prefer needs attribute=value, not {item!r}")
            name, text = item.split("=", 1)
            prefs[name.strip()] = _parse_value(rs, name.strip(), text)
    with _interruptible("completing...", as_json):
        try:
            done = cfg.complete(preferences=prefs)
        except CPQError as exc:
            raise _fail(str(exc)) from None
        lines = cfg.bill_of_materials(done) if done.is_valid and bom else []
    if as_json:
        data = done.to_dict()
        data["bom"] = [
            {"sku": b.sku, "quantity": str(b.quantity), "source": b.source, "label": b.label}
            for b in lines
        ]
        _emit(data)
    else:
        out = sys.stdout
        out.write(f"{done.status}\n")
        if done.conflict is not None:
            out.write(f"conflict: {done.conflict.text}\n")
        width = max((len(k) for k in done.values), default=0)
        for name, value in done.values.items():
            out.write(f"  {name:<{width}}  {_value_text(value)}  ({done.provenance.get(name)})\n")
        if lines:
            out.write("bill of materials:\n")
            for b in lines:
                out.write(f"  {b.quantity:>6} x {b.sku:<20} {b.label}  [{b.source}]\n")
    if not done.is_valid:
        raise typer.Exit(1)


@app.command("explain")
def explain(
    ruleset_path: RulesetArg,
    set_: SetOpt = None,
    session: SessionOpt = None,
    as_json: JsonOpt = False,
    max_size: Annotated[
        int | None,
        typer.Option(help="Largest repair to look for (default: no bound, smallest first)."),
    ] = None,
    time_limit: LimitOpt = 10.0,
    backend: BackendOpt = "auto",
) -> None:
    """Explain conflicting choices (a minimal conflict) and list the smallest repairs."""
    rs = _load(ruleset_path)
    cfg = _configurator(rs, set_, session, time_limit, backend)
    with _interruptible("explaining...", as_json):
        conflict = cfg.explain()
        repairs = cfg.repair(max_size=max_size) if conflict is not None else []
    if as_json:
        _emit(
            {
                "conflict": conflict.to_dict() if conflict else None,
                "repairs": [r.to_dict() for r in repairs],
            }
        )
        return
    out = sys.stdout
    if conflict is None:
        out.write("no conflict: the choices can be completed\n")
        return
    out.write(f"conflict: {conflict.text}\n")
    for c in conflict.choices:
        out.write(f"  choice: {c.text}\n")
    for r in conflict.rules:
        out.write(f"  {r.location}: {r.id}: {r.text}\n" if r.location else f"  {r.id}: {r.text}\n")
    for i, rep in enumerate(repairs, start=1):
        what = "; ".join(c.text for c in rep.remove)
        alts = "; ".join(
            f"{k}: {', '.join(_value_text(x) for x in v) or '-'}"
            for k, v in rep.alternatives.items()
        )
        out.write(f"repair {i}: change {what} (possible: {alts})\n")


@app.command("check-order")
def check_order_cmd(
    ruleset_path: RulesetArg,
    order: Annotated[Path, typer.Argument(help="Quick-order CSV file: sku,quantity per line.")],
    as_json: JsonOpt = False,
    time_limit: LimitOpt = 10.0,
    backend: BackendOpt = "auto",
) -> None:
    """Check an order (SKUs and quantities) before it goes to the ERP.

    Each problem is printed as "code: message" (codes: docs/errors-orders.md). Exit status: 0
    when the order is a valid configuration, 1 when problems were found, 2 for bad input.
    """
    from cpq.bom import check_order, read_order_csv

    rs = _load(ruleset_path)
    try:
        lines = read_order_csv(order)
    except (OSError, CPQError) as exc:
        raise _fail(str(exc)) from None
    with _interruptible("checking the order...", as_json):
        try:
            result = check_order(rs, lines, time_limit=time_limit, backend=backend)
        except CPQError as exc:
            raise _fail(str(exc)) from None
    if as_json:
        _emit(result.to_dict())
    else:
        out = sys.stdout
        if result.ok:
            out.write(f"ok: the order is a valid {rs.product.name} ({result.units} unit(s))\n")
        for p in result.problems:
            out.write(f"{p.code}: {p.message}\n")
        if result.configuration is not None:
            if result.assumed:
                assumed = ", ".join(f"{k}={_value_text(v)}" for k, v in result.assumed.items())
                out.write(f"assumed (not determined by the order): {assumed}\n")
            for b in result.added:
                out.write(f"will be added: {b.quantity} x {b.sku} {b.label}  [{b.source}]\n")
    if not result.ok:
        raise typer.Exit(1)
