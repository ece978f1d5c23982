"""Shared plumbing of the importers: reading files, collecting issues, building expressions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cpq.errors import ImportFormatError, Issue, Severity, SourceLocation
from cpq.ruleset.expr import (
    MAX_EXPR_LENGTH,
    BoolOp,
    Compare,
    Expr,
    ExprSyntaxError,
    Literal_,
    Name,
    Not,
    parse_expr,
    to_source,
)

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_TABLE_ROWS",
    "Issues",
    "all_of",
    "any_of",
    "display_name",
    "equals",
    "expr_fits",
    "is_",
    "negate",
    "read_text",
    "source",
    "var",
]

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""Text inputs (UVL, DIMACS) larger than this are refused with ``import-too-large``."""
MAX_TABLE_ROWS = 100_000
"""A generated table (a UVL group cardinality) may have at most this many rows."""

_SPAN = (0, 0)


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    p = Path(path)
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return rel if not rel.startswith("..") else str(p)


@dataclass
class Issues:
    """Collects the errors and warnings of one import; :meth:`check` raises on errors."""

    file: str
    what: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    max_errors: int = 200

    def loc(self, line: int | None, column: int | None = None) -> SourceLocation | None:
        """A location in the input file (``None`` when the line is unknown)."""
        if line is None:
            return None
        return SourceLocation(self.file, line, column or 1)

    def add(
        self,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        severity: Severity = "error",
    ) -> None:
        """Record one issue; raise at once when there are too many errors to be useful."""
        issue = Issue(code, message, self.loc(line, column), hint, severity)
        if severity == "error":
            self.errors.append(issue)
            if len(self.errors) >= self.max_errors:
                self.fail(f"stopped after {len(self.errors)} errors")
        else:
            self.warnings.append(issue)

    def warn(
        self,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        """Record a warning."""
        self.add(code, message, line, column, hint, "warning")

    def fail(self, note: str | None = None) -> None:
        """Raise :class:`ImportFormatError` with every error recorded so far."""
        issues = sorted(self.errors, key=Issue.sort_key) if note is None else self.errors
        head = f"cannot import {self.file} ({self.what}): {len(issues)} problem(s)"
        raise ImportFormatError(issues, head + (f", {note}" if note else ""))

    def check(self) -> None:
        """Raise :class:`ImportFormatError` when an error was recorded."""
        if self.errors:
            self.fail()

    def error_now(
        self, code: str, message: str, line: int | None = None, column: int | None = None
    ) -> ImportFormatError:
        """Record one error and return the exception to raise (for errors that stop reading)."""
        self.errors.append(Issue(code, message, self.loc(line, column)))
        head = f"cannot import {self.file} ({self.what}): {len(self.errors)} problem(s)"
        return ImportFormatError(list(self.errors), head)


def read_text(path: str | os.PathLike[str], issues: Issues) -> str:
    """The text of an input file (UTF-8, a byte order mark is dropped).

    Raises:
        ImportFormatError: the file is missing, unreadable, too large or not UTF-8.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise issues.error_now(
                "import-too-large",
                f"the file has {size:,} bytes; the limit is {MAX_INPUT_BYTES:,}",
            )
        data = p.read_bytes()
    except FileNotFoundError:
        raise issues.error_now("file-not-found", f"there is no file '{path}'") from None
    except IsADirectoryError:
        raise issues.error_now("file-not-found", f"'{path}' is a folder, not a file") from None
    except OSError as exc:
        raise issues.error_now("file-not-found", f"cannot read '{path}': {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise issues.error_now(
            "file-encoding", f"the file is not UTF-8 text (byte {exc.start:,})", line
        ) from None
    return text.removeprefix("\ufeff")


# -- expressions ----------------------------------------------------------------------------


def var(name: str) -> Expr:
    """A bool attribute."""
    return Name(name, _SPAN)


def is_(attr: str, value: str) -> Expr:
    """``attr == 'value'`` for a choice attribute."""
    return Compare("==", Name(attr, _SPAN), Literal_(value, _SPAN), _SPAN)


def negate(e: Expr) -> Expr:
    """``not e``, simplified: ``a == 'x'`` becomes ``a != 'x'``, double negation drops."""
    if isinstance(e, Not):
        return e.operand
    if isinstance(e, Compare) and e.op in ("==", "!="):
        return Compare("!=" if e.op == "==" else "==", e.left, e.right, _SPAN)
    if isinstance(e, Literal_) and isinstance(e.value, bool):
        return Literal_(not e.value, _SPAN)
    return Not(e, _SPAN)


def _flat(op: str, items: Iterable[Expr]) -> list[Expr]:
    out: list[Expr] = []
    for item in items:
        if isinstance(item, BoolOp) and item.op == op:
            out.extend(item.operands)
        else:
            out.append(item)
    return out


def all_of(items: Sequence[Expr]) -> Expr:
    """The conjunction (``true`` when empty)."""
    flat = _flat("and", items)
    if not flat:
        return Literal_(True, _SPAN)
    return flat[0] if len(flat) == 1 else BoolOp("and", tuple(flat), _SPAN)


def any_of(items: Sequence[Expr]) -> Expr:
    """The disjunction (``false`` when empty)."""
    flat = _flat("or", items)
    if not flat:
        return Literal_(False, _SPAN)
    return flat[0] if len(flat) == 1 else BoolOp("or", tuple(flat), _SPAN)


def equals(left: Expr, right: Expr) -> Expr:
    """``left == right`` between two conditions (logical equivalence)."""
    return Compare("==", left, right, _SPAN)


def expr_fits(text: str) -> bool:
    """Whether the loader accepts an expression of this size and nesting.

    Example:
        >>> expr_fits("a or b"), expr_fits("not " * 60 + "a")
        (True, False)
    """
    if len(text) > MAX_EXPR_LENGTH:
        return False
    try:
        parse_expr(text)
    except ExprSyntaxError:
        return False
    return True


def source(e: Expr) -> str:
    """The text of an expression."""
    return to_source(e)
