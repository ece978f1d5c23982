"""Errors and diagnostics of cpq.

Every exception cpq raises on purpose derives from :class:`CPQError`. Authoring problems
(rulesets, price books) are *collected*: the error carries every :class:`Issue` found, each with
a stable kebab-case code, a message a product manager understands, a source location and an
optional hint.

The tree::

    CPQError
    ├── RulesetError (ValueError)          problems in a ruleset; .issues holds all of them
    │   ├── RulesetSyntaxError             the file is not readable YAML (or too large, too deep)
    │   ├── RulesetSchemaError             wrong keys, wrong types, missing fields
    │   └── RulesetReferenceError          unknown names, duplicate ids, include cycles, types
    ├── ConfigurationError (ValueError)
    │   ├── UnknownSelectionError          select("motor", "m99") where m99 is not a value
    │   └── InfeasibleConfigurationError   only from raise_for_conflicts()
    ├── SolverError
    │   ├── BackendUnavailableError (ImportError)
    │   ├── SolverTimeoutError (TimeoutError)
    │   └── UnsupportedFeatureError
    ├── PricingError
    │   ├── PriceBookError (ValueError)   problems in a price book file; .issues
    │   ├── MissingPriceError (LookupError)
    │   ├── CurrencyMismatchError (ValueError)
    │   ├── UnknownCustomerError (LookupError)   price() for a customer the book does not know
    │   └── PricingInputError (ValueError)       float or negative quantity, manual discount too big
    ├── ImportFormatError (ValueError)     a UVL, XCSP or DIMACS file that cannot be imported
    └── QuoteError
        └── QuoteRenderError

Example:
    >>> from cpq.errors import Issue, SourceLocation
    >>> issue = Issue("unknown-reference", "rule 'r1' names unknown attribute 'moter'",
    ...               SourceLocation("pump.yaml", 12, 9), hint="did you mean 'motor'?")
    >>> print(issue)
    pump.yaml:12:9: unknown-reference: rule 'r1' names unknown attribute 'moter' (did you mean 'motor'?)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BackendUnavailableError",
    "CPQError",
    "ConfigurationError",
    "CurrencyMismatchError",
    "ImportFormatError",
    "InfeasibleConfigurationError",
    "Issue",
    "IssueCollector",
    "MissingExtraError",
    "MissingPriceError",
    "PriceBookError",
    "PricingError",
    "PricingInputError",
    "QuoteError",
    "QuoteProfileError",
    "QuoteRenderError",
    "RulesetError",
    "RulesetReferenceError",
    "RulesetSchemaError",
    "RulesetSyntaxError",
    "Severity",
    "SolverError",
    "SolverTimeoutError",
    "SourceLocation",
    "UnknownCustomerError",
    "UnknownSelectionError",
    "UnsupportedFeatureError",
    "did_you_mean",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """Where something was written: file, 1-based line and column, and the YAML path.

    Example:
        >>> str(SourceLocation("rulesets/pump/product.yaml", 3, 5, "attributes.medium"))
        'rulesets/pump/product.yaml:3:5'
    """

    file: str
    line: int
    column: int
    path: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def shifted(self, columns: int) -> SourceLocation:
        """The same place, ``columns`` further to the right (for positions inside a string)."""
        return SourceLocation(self.file, self.line, self.column + columns, self.path)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an input file.

    Attributes:
        code: stable kebab-case code, documented in ``docs/errors.md``.
        message: plain-language description.
        location: where the problem is, when known.
        hint: what to do about it ("did you mean 'duplex'?", "quote the value").
        severity: ``error`` makes the file unusable; ``warning`` is advice.
    """

    code: str
    message: str
    location: SourceLocation | None = None
    hint: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        tail = f" ({self.hint})" if self.hint else ""
        sev = "" if self.severity == "error" else "warning: "
        return f"{where}{sev}{self.code}: {self.message}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (used by ``cpq lint --format json`` and the HTTP API)."""
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "path": loc.path if loc else None,
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order issues by file, line, column, code and message."""
        loc = self.location
        if loc is None:
            return ("", 0, 0, self.code, self.message)
        return (loc.file, loc.line, loc.column, self.code, self.message)


@dataclass
class IssueCollector:
    """Collects issues while a file is checked, so all of them can be reported at once."""

    issues: list[Issue] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        location: SourceLocation | None = None,
        hint: str | None = None,
        severity: Severity = "error",
    ) -> None:
        """Record one issue."""
        self.issues.append(Issue(code, message, location, hint, severity))

    def extend(self, issues: Iterable[Issue]) -> None:
        """Record several issues."""
        self.issues.extend(issues)

    @property
    def has_errors(self) -> bool:
        """Whether any recorded issue is an error (not a warning)."""
        return any(i.severity == "error" for i in self.issues)

    def sorted(self) -> tuple[Issue, ...]:
        """The issues in file order, without exact duplicates."""
        seen: set[Issue] = set()
        out: list[Issue] = []
        for issue in sorted(self.issues, key=Issue.sort_key):
            if issue not in seen:
                seen.add(issue)
                out.append(issue)
        return tuple(out)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or ``None`` when nothing is close.

    Example:
        >>> did_you_mean("moter", ["motor", "material"])
        "did you mean 'motor'?"
    """
    pool = [c for c in candidates if isinstance(c, str)]
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return f"did you mean '{matches[0]}'?" if matches else None


class CPQError(Exception):
    """Root of every error cpq raises on purpose."""


class _IssuesMixin:
    """Errors that carry a list of issues and print one compiler-style line per issue."""

    issues: tuple[Issue, ...]

    def _init_issues(self, issues: Sequence[Issue], summary: str | None) -> str:
        self.issues = tuple(issues)
        lines = [str(i) for i in self.issues]
        head = summary or f"{len(self.issues)} problem(s) found"
        return "\n".join([head, *lines]) if lines else head


class RulesetError(_IssuesMixin, CPQError, ValueError):
    """A ruleset could not be loaded; ``issues`` lists every problem found.

    Example:
        >>> from cpq.errors import Issue
        >>> err = RulesetError([Issue("yaml-syntax", "bad")])
        >>> err.issues[0].code
        'yaml-syntax'
    """

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        super().__init__(self._init_issues(issues, summary))


class RulesetSyntaxError(RulesetError):
    """The file is not readable YAML, is not UTF-8, is too large or nests too deeply."""


class RulesetSchemaError(RulesetError):
    """Keys or values do not follow the ruleset format."""


class RulesetReferenceError(RulesetError):
    """Names, ids, includes or expressions do not fit together."""


class ConfigurationError(CPQError, ValueError):
    """A configuration request does not fit the ruleset."""


class UnknownSelectionError(ConfigurationError):
    """A selection names an attribute or value the ruleset does not have."""


class InfeasibleConfigurationError(ConfigurationError):
    """Raised on request (``raise_for_conflicts()``) when a configuration is invalid."""

    def __init__(self, message: str, conflicts: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.conflicts = tuple(conflicts)


class SolverError(CPQError):
    """A solver backend failed or cannot serve the request."""


class BackendUnavailableError(SolverError, ImportError):
    """The solver library of a backend is not installed."""


class SolverTimeoutError(SolverError, TimeoutError):
    """A solver call ran out of time where a partial answer is not acceptable."""


class UnsupportedFeatureError(SolverError):
    """The chosen backend cannot handle a construct of the model or the requested objective."""


class PricingError(CPQError):
    """A price could not be computed."""


class PriceBookError(_IssuesMixin, PricingError, ValueError):
    """A price book could not be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        super().__init__(self._init_issues(issues, summary))


class MissingPriceError(PricingError, LookupError):
    """No price record applies to a SKU for the customer and date."""


class CurrencyMismatchError(PricingError, ValueError):
    """Amounts in different currencies were combined."""


class ImportFormatError(_IssuesMixin, CPQError, ValueError):
    """A model in a foreign format (UVL, XCSP, DIMACS) could not be imported."""

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        super().__init__(self._init_issues(issues, summary))


class QuoteError(CPQError):
    """A quote could not be built."""


class QuoteRenderError(QuoteError):
    """A quote template failed to render."""


class QuoteProfileError(_IssuesMixin, QuoteError, ValueError):
    """A quote profile (seller, terms, customer addresses) could not be loaded; ``issues``
    lists every problem found."""

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        super().__init__(self._init_issues(issues, summary))


class MissingExtraError(CPQError, ImportError):
    """A feature needs an optional extra that is not installed (``pip install "cpqkit[pdf]"``).

    Example:
        >>> err = MissingExtraError("pdf", "PDF output")
        >>> print(err)
        PDF output needs the optional extra 'pdf': pip install "cpqkit[pdf]"
    """

    def __init__(self, extra: str, feature: str) -> None:
        super().__init__(f"{feature} needs the optional extra '{extra}': pip install \"cpqkit[{extra}]\"")
        self.extra = extra


class UnknownCustomerError(PricingError, LookupError):
    """``price()`` was asked for a customer the price book does not know."""


class PricingInputError(PricingError, ValueError):
    """A request to ``price()`` is malformed: a float or negative quantity, an unknown
    currency, or a manual discount above the book's limit."""
