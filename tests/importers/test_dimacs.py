"""DIMACS CNF import: names from comments, clauses as rules, malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from importers_brute import load

from cpq.errors import ImportFormatError
from cpq.importers import parse_dimacs, read_dimacs

DATA = Path(__file__).parent / "data"


def test_names_descriptions_and_clauses() -> None:
    m = read_dimacs(DATA / "car.cnf")
    assert [(a.name, a.label, a.description) for a in m.attributes] == [
        ("Car", "Car", "DIMACS variable 1"),
        ("Engine", "Engine", "DIMACS variable 2"),
        ("Towbar", "Towbar", "DIMACS variable 3"),
        ("Sun", "Sun", "DIMACS variable 4; roof extra-info"),  # the name is one word
        ("x5", None, "DIMACS variable 5"),  # no name comment
    ]
    assert [(r.id, r.require, r.line) for r in m.rules] == [
        ("c1", "Car", 7),
        ("c2", "not Engine or Car", 8),
        ("c3", "not Towbar or Engine", 9),
        ("c4", "not Sun or not x5 or Car", 9),  # starts on line 9, ends on line 10
    ]
    assert m.stats == {"variables": 5, "named variables": 4, "clauses": 4}
    assert not m.warnings
    rs = load(m)
    assert rs.rule("c4").texts["require"] == "not Sun or not x5 or Car"


def test_recoverable_problems_are_warnings() -> None:
    m = read_dimacs(DATA / "warnings.cnf")
    assert [(r.id, r.require) for r in m.rules] == [
        ("c1", "A or B"),
        ("c2", "false"),
        ("c3", "not or_"),
    ]
    assert [(w.code, w.location.line if w.location else 0) for w in m.warnings] == [
        ("import-syntax", 7),  # the last clause has no 0
        ("import-count-mismatch", 4),
        ("import-empty-clause", 6),
    ]
    assert all(w.severity == "warning" for w in m.warnings)
    load(m)


def test_duplicate_and_odd_names() -> None:
    text = "c 1 A\nc 2 A\nc 3 x1\nc 4 not\nc 5 é\np cnf 6 1\n1 2 3 4 5 6 0\n"
    m = parse_dimacs(text, "dup.cnf")
    assert [(a.name, a.label) for a in m.attributes] == [
        ("A", "A"),
        ("A_2", "A"),
        ("x1", "x1"),
        ("not_", "not"),
        ("e", "é"),
        ("x6", None),
    ]
    assert m.rules[0].require == "A or A_2 or x1 or not_ or e or x6"
    load(m)


MALFORMED = [
    ("no_header.cnf", "import-syntax", 2, 1, "before the 'p cnf"),
    ("literal.cnf", "import-syntax", 2, 3, "'two' is not a literal"),
    ("wcnf.cnf", "import-unsupported", 1, 3, "'p wcnf'"),
    ("twice.cnf", "import-duplicate", 2, 1, "variable 1 is named twice"),
]


@pytest.mark.parametrize(("name", "code", "line", "col", "text"), MALFORMED)
def test_malformed_files(name: str, code: str, line: int, col: int, text: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        read_dimacs(DATA / "bad" / name)
    issues = info.value.issues
    assert len(issues) == 1, issues
    loc = issues[0].location
    assert loc is not None
    assert (issues[0].code, loc.line, loc.column) == (code, line, col)
    assert text in issues[0].message


def test_every_problem_is_reported() -> None:
    with pytest.raises(ImportFormatError) as info:
        read_dimacs(DATA / "bad" / "range.cnf")
    assert [(i.code, i.location.line if i.location else 0) for i in info.value.issues] == [
        ("import-syntax", 2),  # literal -3 above the 2 declared variables
        ("import-reference", 3),  # a comment names variable 7
    ]


@pytest.mark.parametrize(
    "text",
    ["", "c only comments\n", "p cnf x 1\n1 0\n", "p cnf 1\n", "p cnf 1 1\np cnf 1 1\n1 0\n"],
)
def test_headers(text: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        parse_dimacs(text, "h.cnf")
    assert info.value.issues[0].code == "import-syntax"


def test_satlib_percent_ends_the_clauses() -> None:
    m = parse_dimacs("p cnf 2 1\n1 -2 0\n%\n0\n", "satlib.cnf")
    assert [r.require for r in m.rules] == ["x1 or not x2"]


def test_very_long_clause_becomes_a_forbid_row() -> None:
    n = 900
    names = "".join(f"c {i} A_feature_name_that_is_long_{i}\n" for i in range(1, n + 1))
    clause = " ".join(str(i if i % 2 else -i) for i in range(1, n + 1)) + " 0\n"
    m = parse_dimacs(names + f"p cnf {n} 2\n{clause}1 -1 " + clause, "long.cnf")
    table = m.rules[0].table
    assert table is not None and table.mode == "forbid"
    assert table.rows == [tuple(i % 2 == 0 for i in range(1, n + 1))]
    assert (m.rules[1].require, m.rules[1].description) == ("true", "a tautology")
    load(m)
