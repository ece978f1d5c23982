"""Import DIMACS CNF files (with feature names in comments) as cpq rulesets.

The format: comment lines ``c ...``, one header ``p cnf <variables> <clauses>``, then clauses as
whitespace-separated non-zero integers, each clause ended by ``0`` (a clause may span lines,
a line may hold several clauses). A line starting with ``%`` ends the clauses (an old SATLIB
habit).

Mapping (details and examples in ``docs/importers.md``):

* Variable ``i`` becomes a ``bool`` attribute. Its name comes from a comment ``c <i> <name>``
  (as written by FeatureIDE, kconfigreader and the feature-model benchmark sets; an optional
  ``$`` after the index is accepted); the name is sanitised to an identifier by
  :class:`~cpq.importers._names.NameTable` and kept as the label. Text after the name on that
  line goes into the description. Variables without a name comment are called ``x<i>``.
* Clause ``k`` (1-based, in file order) becomes the rule ``c<k>`` with
  ``require: a or not b or c``. An empty clause becomes ``require: false`` (with a warning: the
  model has no valid configuration). A clause too long for one expression becomes a one-row
  forbid table.

Example:
    >>> m = parse_dimacs("c 1 Engine\\nc 2 Towbar\\np cnf 2 1\\n-2 1 0\\n", "car.cnf")
    >>> [(a.name, a.label) for a in m.attributes]
    [('Engine', 'Engine'), ('Towbar', 'Towbar')]
    >>> [(r.id, r.require) for r in m.rules]
    [('c1', 'not Towbar or Engine')]
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cpq.importers._common import (
    Issues,
    any_of,
    display_name,
    negate,
    read_text,
    source,
    var,
)
from cpq.importers._names import NameTable, sanitize_id
from cpq.importers.model import (
    Cell,
    ImportedAttribute,
    ImportedModel,
    ImportedRule,
    ImportedTable,
)
from cpq.ruleset.expr import MAX_EXPR_LENGTH

__all__ = ["parse_dimacs", "read_dimacs"]

_WHAT = "DIMACS CNF"
_NAME_COMMENT = re.compile(r"^c\s+(\d+)\$?\s+(\S+)(?:\s+(.*?))?\s*$")
MAX_VARIABLES = 10_000_000
"""Headers declaring more variables are refused (``import-too-large``)."""


def parse_dimacs(text: str, filename: str = "<dimacs>") -> ImportedModel:
    """Import a DIMACS CNF model given as text.

    Args:
        text: the DIMACS source.
        filename: the name used in messages and in the YAML header.

    Returns:
        The imported model; :meth:`ImportedModel.to_yaml` gives the ruleset text.

    Raises:
        ImportFormatError: the text is not DIMACS CNF (no header, a token that is not a
            number, a variable above the declared count...), with file:line:col.

    Example:
        >>> m = parse_dimacs("p cnf 2 2\\n1 2 0 -1 0\\n")
        >>> [r.require for r in m.rules]
        ['x1 or x2', 'not x1']
    """
    issues = Issues(filename, _WHAT)
    names: dict[int, tuple[str, str | None, int]] = {}
    header: tuple[int, int, int] | None = None  # variables, clauses, line
    clauses: list[tuple[list[int], int]] = []
    current: list[int] = []
    current_line = 0
    for lineno, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head = line[0]
        if head == "c" and (line == "c" or line[1] in " \t"):
            m = _NAME_COMMENT.match(line)
            if m is not None:
                idx = int(m.group(1))
                if idx in names:
                    issues.add(
                        "import-duplicate",
                        f"variable {idx} is named twice (first at line {names[idx][2]})",
                        lineno,
                        1,
                    )
                else:
                    names[idx] = (m.group(2), m.group(3) or None, lineno)
            continue
        if head == "%":
            break
        if head == "p":
            fields = line.split()
            if header is not None:
                issues.add(
                    "import-syntax",
                    f"a second 'p' header (the first is at line {header[2]})",
                    lineno,
                    1,
                )
                continue
            if len(fields) >= 2 and fields[1] != "cnf":
                issues.add(
                    "import-unsupported",
                    f"'p {fields[1]}' files are not supported; only 'p cnf'",
                    lineno,
                    3,
                )
                break
            if len(fields) != 4 or not fields[2].isdigit() or not fields[3].isdigit():
                issues.add(
                    "import-syntax",
                    "the header must read 'p cnf <variables> <clauses>'",
                    lineno,
                    1,
                )
                break
            header = (int(fields[2]), int(fields[3]), lineno)
            if header[0] > MAX_VARIABLES:
                issues.add(
                    "import-too-large",
                    f"the header declares {header[0]:,} variables; the limit is {MAX_VARIABLES:,}",
                    lineno,
                    1,
                )
                break
            continue
        if header is None:
            issues.add(
                "import-syntax",
                "a clause before the 'p cnf <variables> <clauses>' header",
                lineno,
                1,
                "DIMACS files start with comments and the header line",
            )
            break
        nvars = header[0]
        col = 1
        for token in line.split():
            try:
                lit = int(token)
            except ValueError:
                col = raw.find(token) + 1
                issues.add(
                    "import-syntax",
                    f"'{token[:40]}' is not a literal (a whole number)",
                    lineno,
                    col,
                    "comment lines start with 'c '",
                )
                break
            if lit == 0:
                clauses.append((current, current_line or lineno))
                current = []
                current_line = 0
                continue
            if abs(lit) > nvars:
                issues.add(
                    "import-syntax",
                    f"the literal {lit} names variable {abs(lit)}, but the header declares "
                    f"{nvars} variable(s)",
                    lineno,
                    raw.find(token) + 1,
                )
                continue
            if not current:
                current_line = lineno
            current.append(lit)
    if header is None and not issues.errors:
        issues.add("import-syntax", "there is no 'p cnf <variables> <clauses>' header", 1, 1)
    if header is not None:
        for idx, (_, _, lineno) in sorted(names.items()):
            if not 1 <= idx <= header[0]:
                issues.add(
                    "import-reference",
                    f"the comment names variable {idx}, but the header declares {header[0]} "
                    "variable(s)",
                    lineno,
                    1,
                )
    issues.check()
    assert header is not None
    nvars, nclauses, hline = header
    if current:
        issues.warn(
            "import-syntax",
            "the last clause is not ended by 0; it is imported as written",
            current_line,
            1,
        )
        clauses.append((current, current_line))
    if len(clauses) != nclauses:
        issues.warn(
            "import-count-mismatch",
            f"the header declares {nclauses:,} clause(s) but the file has {len(clauses):,}; "
            "all clauses found are imported",
            hline,
            1,
        )
    stem = Path(filename).name.split(".")[0] or "model"
    model = ImportedModel("dimacs", filename, sanitize_id(stem), stem)
    table = NameTable()
    named = [i for i in range(1, nvars + 1) if i in names]
    attr_names: dict[int, str] = dict(
        zip(named, table.claim_all(names[i][0] for i in named), strict=True)
    )
    for i in range(1, nvars + 1):
        if i not in attr_names:
            attr_names[i] = table.claim(f"x{i}")
    for i in range(1, nvars + 1):
        if i in names:
            label, rest, lineno = names[i]
            desc = f"DIMACS variable {i}" + (f"; {rest}" if rest else "")
            model.attributes.append(
                ImportedAttribute(attr_names[i], "bool", label, desc, source=label, line=lineno)
            )
        else:
            model.attributes.append(
                ImportedAttribute(attr_names[i], "bool", None, f"DIMACS variable {i}")
            )
    for k, (lits, lineno) in enumerate(clauses, start=1):
        model.rules.append(_clause_rule(f"c{k}", lits, attr_names, lineno, issues))
    renamed = sum(1 for i in named if attr_names[i] != names[i][0])
    model.stats = {
        "variables": nvars,
        "named variables": len(named),
        "clauses": len(clauses),
    }
    if renamed:
        model.notes.append(
            f"{renamed} variable name(s) were changed to fit cpq names; each keeps its DIMACS "
            "name as label."
        )
    model.warnings = list(issues.warnings)
    return model


def _clause_rule(
    rid: str, lits: list[int], attr_names: dict[int, str], line: int, issues: Issues
) -> ImportedRule:
    if not lits:
        issues.warn(
            "import-empty-clause",
            f"clause {rid[1:]} is empty: no configuration can satisfy the model",
            line,
            1,
        )
        return ImportedRule(rid, require="false", line=line)
    expr = any_of(
        [var(attr_names[lit]) if lit > 0 else negate(var(attr_names[-lit])) for lit in lits]
    )
    text = source(expr)
    if len(text) <= MAX_EXPR_LENGTH:
        return ImportedRule(rid, require=text, line=line)
    # too long for one expression: forbid the one assignment that falsifies the clause
    signs: dict[int, bool] = {}
    for lit in lits:
        if signs.get(abs(lit), lit > 0) != (lit > 0):
            return ImportedRule(rid, require="true", description="a tautology", line=line)
        signs[abs(lit)] = lit > 0
    cols = [attr_names[v] for v in signs]
    row: tuple[Cell, ...] = tuple(not positive for positive in signs.values())
    return ImportedRule(rid, table=ImportedTable(cols, "forbid", [row]), line=line)


def read_dimacs(path: str | os.PathLike[str]) -> ImportedModel:
    """Import a DIMACS CNF file.

    Args:
        path: the ``.cnf`` or ``.dimacs`` file.

    Raises:
        ImportFormatError: the file is missing, not UTF-8 or not DIMACS CNF.

    Example:
        >>> m = read_dimacs("tests/importers/data/car.cnf")
        >>> m.rules[0].id
        'c1'
    """
    name = display_name(path)
    issues = Issues(name, _WHAT)
    return parse_dimacs(read_text(path, issues), name)
