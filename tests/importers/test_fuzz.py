"""Malformed input of any kind gives ImportFormatError, never another exception; whatever
imports also loads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from importers_brute import load

from cpq.errors import ImportFormatError
from cpq.importers import ImportedModel, parse_dimacs, parse_uvl, parse_xcsp

UVL_WORDS = [
    "features", "constraints", "namespace", "include", "imports", "mandatory", "optional",
    "or", "alternative", "[1..2]", "[0..*]", "[3]", "cardinality", "Integer", "A", "B", "C",
    '"x y"', "'s'", "{abstract}", "{p 1, constraint A => B}", "=>", "<=>", "&", "|", "!", "(",
    ")", "==", "1", "2.5", "sum(p)", ".", ",", "/*", "*/", "//", "\t", "    ", "  ", "\n",
    "\n    ", "\n        ", "\n            ", "true",
]  # fmt: skip


def imports_or_fails(build: object) -> None:
    try:
        model = build()  # type: ignore[operator]
    except ImportFormatError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.code and issue.message
        return
    assert isinstance(model, ImportedModel)
    load(model)


@given(st.lists(st.sampled_from(UVL_WORDS), max_size=40), st.booleans())
def test_uvl_token_soup(words: list[str], skip: bool) -> None:
    text = " ".join(words)
    imports_or_fails(lambda: parse_uvl(text, "soup.uvl", skip_unsupported=skip))


@given(st.text(max_size=200), st.booleans())
def test_uvl_any_text(text: str, skip: bool) -> None:
    imports_or_fails(lambda: parse_uvl(text, "any.uvl", skip_unsupported=skip))


DIMACS_WORDS = ["p", "cnf", "c", "1", "-1", "2", "-3", "0", "3", "x", "%", "\n", "\nc 1 A", "$"]


@given(st.lists(st.sampled_from(DIMACS_WORDS), max_size=40))
def test_dimacs_token_soup(words: list[str]) -> None:
    text = "p cnf 3 2\n" + " ".join(words) if words[:1] != ["p"] else " ".join(words)
    imports_or_fails(lambda: parse_dimacs(text, "soup.cnf"))


@given(st.text(max_size=200))
def test_dimacs_any_text(text: str) -> None:
    imports_or_fails(lambda: parse_dimacs(text, "any.cnf"))


XML_PARTS = [
    "<instance>", "</instance>", '<instance format="XCSP3">', "<domains>", "</domains>",
    '<domain name="D">0..2</domain>', '<domain name="D" optional="-1">0 -1</domain>',
    "<variables>", "</variables>", '<variable name="a" domain="D"/>',
    '<variable name="b" domain="D"/>', '<var id="x"> 0 1 </var>', '<var id="y" as="x"/>',
    '<array id="w" size="[2]"> 0..1 </array>', "<relations>", "</relations>",
    '<relation name="R" arity="2" semantics="supports">0 0|1 -1</relation>',
    '<relation name="S" arity="1" semantics="conflicts">2</relation>',
    "<constraints>", "</constraints>", '<constraint name="C" arity="2" scope="a b" reference="R"/>',
    '<constraint name="K" arity="1" scope="a" reference="S"/>',
    "<extension><list>x w[]</list><supports>(0,1,*)</supports></extension>",
    "<extension><list>y</list><conflicts>1</conflicts></extension>", "<block>", "</block>",
    "<intension>x</intension>", "&lt;", "<!-- c -->", "junk",
]  # fmt: skip


@given(st.lists(st.sampled_from(XML_PARTS), max_size=25), st.booleans())
def test_xcsp_part_soup(parts: list[str], skip: bool) -> None:
    xml = "".join(parts)
    imports_or_fails(lambda: parse_xcsp(xml, "soup.xml", skip_unsupported=skip))


@given(st.binary(max_size=200))
def test_xcsp_any_bytes(data: bytes) -> None:
    imports_or_fails(lambda: parse_xcsp(data, "any.xml"))
