"""XCSP import: domains, tables, XCSP3 extension, safety and malformed files."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest
from importers_brute import load

from cpq.errors import ImportFormatError
from cpq.importers import parse_xcsp, read_xcsp

DATA = Path(__file__).parent / "data"


def test_xcsp21_tables_and_optional_values() -> None:
    m = read_xcsp(DATA / "tiny.xml")
    assert m.product_id == "tiny"
    assert [(a.name, a.label, [(v.id, v.label) for v in a.values]) for a in m.attributes] == [
        ("colour", "colour", [("0", None), ("1", None), ("2", None)]),
        ("size", "size", [("0", None), ("1", None), ("2", None)]),
        ("pack_1", "pack_1", [("0", None), ("none", "not taken")]),
    ]
    assert [(r.id, r.table.columns, r.table.mode, r.table.rows) for r in m.rules if r.table] == [
        ("C1", ["colour", "size"], "allow", [("0", "0"), ("1", "1"), ("2", "2")]),
        ("C2", ["colour", "pack_1"], "forbid", [("2", "0")]),
    ]
    assert m.stats == {"variables": 3, "values": 8, "tables": 2, "tuples": 4, "max arity": 2}
    rs = load(m)
    assert rs.attributes["pack_1"].values["none"].label == "not taken"


def test_xcsp3_extension_arrays_symbols_stars_and_unary() -> None:
    m = read_xcsp(DATA / "xcsp3.xml")
    assert [(a.name, a.label) for a in m.attributes] == [
        ("size", "size"),
        ("extra", "extra"),
        ("colour", "colour"),
        ("wheel_0_", "wheel[0]"),
        ("wheel_1_", "wheel[1]"),
    ]
    assert [v.id for v in m.attributes[2].values] == ["red", "green", "blue"]
    assert [(r.id, r.table.columns, r.table.mode, r.table.rows) for r in m.rules if r.table] == [
        ("size-colour", ["size", "colour"], "allow", [("0", "red"), ("1", "*"), ("2", "blue")]),
        ("ext-2", ["wheel_0_", "wheel_1_"], "forbid", [("15", "17"), ("17", "15")]),
        ("ext-3", ["extra"], "allow", [("0",), ("2",)]),
    ]
    load(m)


def test_warnings_for_tuples_that_never_match() -> None:
    m = read_xcsp(DATA / "warnings.xml")
    assert [(r.id, r.table.columns, r.table.rows) for r in m.rules if r.table] == [
        ("same", ["x"], [("0",)]),  # scope "x x": one column, (0,1) can never match
        ("C_2", ["x", "y"], [("0", "0"), ("0", "1")]),  # (1,5): 5 is not a value of y
    ]
    assert [w.message.split(";")[0] for w in m.warnings] == [
        "the domain 'D' declares 3 values but lists 2",
        'optional="-1" names a value the domain does not have',
        "1 tuple(s) of the constraint 'same' use a value outside the domain of their variable",
        "1 tuple(s) of the constraint 'same' give a variable that appears twice in the scope "
        "two different values",
        "1 tuple(s) of the constraint 'C 2' use a value outside the domain of their variable",
    ]
    load(m)


def test_unsupported_constraints() -> None:
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(DATA / "unsupported.xml")
    got = [(i.code, i.location.line if i.location else 0) for i in info.value.issues]
    assert got == [("import-unsupported", 20), ("import-unsupported", 23)]
    assert "predicate or function 'P'" in info.value.issues[0].message
    assert "global constraint allDifferent" in info.value.issues[1].message
    m = read_xcsp(DATA / "unsupported.xml", skip_unsupported=True)
    assert [r.id for r in m.rules] == ["C1"]
    assert [s.split(" (")[0] for s in m.skipped] == ["C2", "C3"]
    load(m)


def test_other_xcsp3_constraints_are_unsupported() -> None:
    xml = (
        '<instance format="XCSP3" type="COP"><variables><var id="x"> 0..3 </var></variables>'
        "<constraints><intension> lt(x,3) </intension></constraints>"
        "<objectives><minimize> x </minimize></objectives></instance>"
    )
    with pytest.raises(ImportFormatError) as info:
        parse_xcsp(xml, "cop.xml")
    assert info.value.issues[0].code == "import-unsupported"
    assert "<intension>" in info.value.issues[0].message
    m = parse_xcsp(xml, "cop.xml", skip_unsupported=True)
    assert m.skipped == ["intension-1 (cop.xml:1): the XCSP3 constraint <intension>"]
    assert "objectives are not imported" in m.warnings[-1].message


MALFORMED = [
    ("malformed.xml", "import-syntax", 3, 1, "not well-formed XML"),
    ("entities.xml", "import-syntax", 3, 15, "refused for safety"),
    ("not_xcsp.xml", "import-syntax", 2, 1, "root element is <csp>"),
]


@pytest.mark.parametrize(("name", "code", "line", "col", "text"), MALFORMED)
def test_malformed_files(name: str, code: str, line: int, col: int, text: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(DATA / "bad" / name)
    issues = info.value.issues
    assert len(issues) == 1, issues
    loc = issues[0].location
    assert loc is not None
    assert (issues[0].code, loc.line, loc.column) == (code, line, col)
    assert text in issues[0].message


def test_every_reference_problem_is_reported() -> None:
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(DATA / "bad" / "references.xml")
    assert [(i.code, i.location.line if i.location else 0) for i in info.value.issues] == [
        ("import-reference", 5),  # domain Dy
        ("import-reference", 11),  # variable w
        ("import-reference", 12),  # relation Q
    ]
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(DATA / "bad" / "tuples.xml")
    assert [(i.code, i.location.line if i.location else 0) for i in info.value.issues] == [
        ("import-syntax", 2),  # 'x' in a domain
        ("import-syntax", 5),  # a tuple of the wrong arity (the constraint is not reported)
    ]


def test_compressed_files(tmp_path: Path) -> None:
    raw = (DATA / "tiny.xml").read_bytes()
    (tmp_path / "tiny.xml.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "tiny.xml.bz2").write_bytes(bz2.compress(raw))
    for name in ("tiny.xml.gz", "tiny.xml.bz2"):
        assert len(read_xcsp(tmp_path / name).rules) == 2
    (tmp_path / "broken.xml.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(tmp_path / "broken.xml.gz")
    assert info.value.issues[0].code == "file-encoding"


def test_missing_file_and_huge_domain(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError) as info:
        read_xcsp(tmp_path / "nope.xml")
    assert info.value.issues[0].code == "file-not-found"
    xml = '<instance><domains><domain name="D">0..100000000</domain></domains></instance>'
    with pytest.raises(ImportFormatError) as info:
        parse_xcsp(xml, "huge.xml")
    assert info.value.issues[0].code == "import-too-large"


def test_big_tables_import_quickly() -> None:
    """A 200,000-tuple relation imports in well under the time the loader needs for it."""
    import time

    tuples = "|".join(f"{i % 100} {i // 100 % 100} {i // 10000}" for i in range(200_000))
    xml = (
        '<instance><domains><domain name="D">0..99</domain></domains><variables>'
        '<variable name="a" domain="D"/><variable name="b" domain="D"/>'
        '<variable name="c" domain="D"/></variables><relations>'
        f'<relation name="R" arity="3" semantics="supports">{tuples}</relation></relations>'
        '<constraints><constraint name="C" arity="3" scope="a b c" reference="R"/>'
        "</constraints></instance>"
    )
    started = time.perf_counter()
    m = parse_xcsp(xml, "big.xml")
    text = m.to_yaml()
    elapsed = time.perf_counter() - started
    assert m.stats["tuples"] == 200_000
    assert text.count("\n") > 200_000
    assert elapsed < 10, elapsed


def test_array_references_stay_inside_the_array() -> None:
    xml = (
        '<instance format="XCSP3"><variables><array id="w" size="[2]"> 0 1 </array>'
        "</variables><constraints><extension><list>w[0..99999999]</list>"
        "<supports>(0)</supports></extension></constraints></instance>"
    )
    with pytest.raises(ImportFormatError) as info:
        parse_xcsp(xml, "a.xml")
    assert [i.code for i in info.value.issues] == ["import-reference"]
    assert "outside the array 'w'" in info.value.issues[0].message
