"""Linting of cpq files: rulesets, shared libraries and price books, file by file or by folder.

``lint_paths`` finds the cpq files under the given paths, checks each with the checker for its
kind (dispatching on the top-level key: ``product:``, ``library:`` or a price book's key), and
returns every issue, de-duplicated and in file order, plus a summary per ruleset.

Example:
    >>> report = lint_paths(["rulesets/pump"])
    >>> report.ok
    True
    >>> report.rulesets[0].product_id
    'cp-pump'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpq._yaml import read_yaml_file
from cpq.errors import Issue, IssueCollector, SourceLocation
from cpq.model.lint import semantic_lint
from cpq.pricing.lint import lint_price_book
from cpq.ruleset.model import Ruleset
from cpq.ruleset.resolve import check_library, check_ruleset, display_path

__all__ = ["LintReport", "RulesetSummary", "lint_paths"]

_YAML_SUFFIXES = (".yaml", ".yml")
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".nox"}


@dataclass(frozen=True, slots=True)
class RulesetSummary:
    """A short description of one linted ruleset."""

    file: str
    product_id: str
    name: str
    attributes: dict[str, int]
    rules: dict[str, int]
    bom_items: int
    values: int
    includes: tuple[str, ...]
    errors: int
    warnings: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "file": self.file,
            "product": self.product_id,
            "name": self.name,
            "attributes": self.attributes,
            "rules": self.rules,
            "values": self.values,
            "bom_items": self.bom_items,
            "includes": list(self.includes),
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass
class LintReport:
    """Everything ``cpq lint`` found."""

    issues: list[Issue] = field(default_factory=list)
    rulesets: list[RulesetSummary] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Issues of severity error."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues of severity warning."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "files": self.files,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
            "rulesets": [r.to_dict() for r in self.rulesets],
        }


def _kind_of(path: Path) -> tuple[str, list[Issue]]:
    """The kind of a YAML file by its top-level keys: product, library, prices or unknown."""
    doc, issues = read_yaml_file(path, display_path(path))
    if doc is None:
        return "broken", issues
    data = doc.data
    if isinstance(data, dict):
        if "product" in data:
            return "product", issues
        if "library" in data:
            return "library", issues
        if any(str(k).startswith("cpq_prices") or k == "price_book" for k in data):
            return "prices", issues
        if "cpq_quote" in data:
            return "quote", issues
        if "cpq" in data:
            return "product", issues
    return "unknown", issues


def _find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if (
                    f.suffix in _YAML_SUFFIXES
                    and f.is_file()
                    and not any(part in _SKIP_DIRS for part in f.parts)
                ):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            issues.append(Issue("file-not-found", f"there is no file or folder '{raw}'"))
    return list(dict.fromkeys(files)), issues


def summarize(ruleset: Ruleset, file: str, issues: Sequence[Issue]) -> RulesetSummary:
    """A :class:`RulesetSummary` of a loaded ruleset."""
    by_type: dict[str, int] = {}
    for attr in ruleset.attributes.values():
        by_type[attr.type] = by_type.get(attr.type, 0) + 1
    by_kind: dict[str, int] = {}
    for rule in ruleset.rules:
        by_kind[rule.kind] = by_kind.get(rule.kind, 0) + 1
    values = sum(len(a.values) for a in ruleset.attributes.values())
    return RulesetSummary(
        file=file,
        product_id=ruleset.product.id,
        name=ruleset.product.name,
        attributes=by_type,
        rules=by_kind,
        bom_items=len(ruleset.bom),
        values=values,
        includes=tuple(f for f in ruleset.files if f != file),
        errors=sum(1 for i in issues if i.severity == "error"),
        warnings=sum(1 for i in issues if i.severity == "warning"),
    )


def lint_paths(
    paths: Iterable[str | Path],
    *,
    semantic: bool = True,
    semantic_time_limit: float = 30.0,
    progress: Callable[[str], None] | None = None,
) -> LintReport:
    """Lint every cpq file under ``paths``; never raises on bad input.

    Args:
        paths: files or folders. Folders are searched recursively for ``*.yaml``/``*.yml``.
        semantic: also run the solver-based checks (dead values, no valid configuration...).
        semantic_time_limit: seconds the solver-based checks may take per ruleset; checks
            not reached are reported as skipped (``lint-incomplete``).
        progress: called with a file name before each file is checked.
    """
    files, not_found = _find_files(paths)
    collector = IssueCollector()
    collector.extend(not_found)
    report = LintReport()
    explicit = {Path(p) for p in paths if Path(p).is_file()}
    included: set[str] = set()
    libraries: list[Path] = []
    price_books: list[Path] = []
    profiles: list[Path] = []
    skus_by_dir: dict[Path, set[str]] = {}
    for f in files:
        kind, issues = _kind_of(f)
        if progress:
            progress(display_path(f))
        if kind == "broken":
            collector.extend(issues)
            continue
        if kind == "unknown":
            if f in explicit:
                collector.add(
                    "not-a-ruleset",
                    "this YAML file is neither a ruleset (product:), a library (library:), "
                    "a price book (cpq_prices:) nor a quote profile (cpq_quote:)",
                    SourceLocation(display_path(f), 1, 1),
                )
            continue
        if kind == "library":
            libraries.append(f)
            continue
        if kind == "prices":
            price_books.append(f)
            continue
        if kind == "quote":
            profiles.append(f)
            continue
        ruleset, rs_issues = check_ruleset(f)
        file_issues = list(rs_issues)
        if ruleset is not None:
            included.update(ruleset.files)
            skus_by_dir.setdefault(f.parent.resolve(), set()).update(ruleset.skus())
            if semantic and not any(i.severity == "error" for i in rs_issues):
                file_issues.extend(semantic_lint(ruleset, time_limit=semantic_time_limit))
            report.rulesets.append(summarize(ruleset, display_path(f), file_issues))
        collector.extend(file_issues)
    for lib in libraries:
        if display_path(lib) in included:
            continue
        collector.extend(check_library(lib))
    for book in price_books:
        known = skus_by_dir.get(book.parent.resolve())
        collector.extend(lint_price_book(book, known))
    for prof in profiles:
        from cpq.quote.profile import lint_quote_profile

        collector.extend(lint_quote_profile(prof))
    report.issues = list(collector.sorted())
    report.files = [display_path(f) for f in files]
    return report
