"""Name sanitisation and YAML quoting: deterministic, collision-free and exact round trips."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cpq._yaml import parse_yaml
from cpq.importers._names import NameTable, is_identifier, sanitize, sanitize_id
from cpq.importers.writer import comment, quote

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RULE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


@given(st.lists(st.text(max_size=12), max_size=30))
def test_claimed_names_are_unique_identifiers(names: list[str]) -> None:
    table = NameTable()
    out = table.claim_all(names)
    assert len(out) == len(names)
    assert len(set(out)) == len(out)
    assert all(is_identifier(n) for n in out)
    assert all(IDENT.match(n) for n in out)


@given(st.lists(st.text(max_size=12), max_size=30))
def test_names_that_fit_are_kept_and_results_are_deterministic(names: list[str]) -> None:
    out = NameTable().claim_all(names)
    assert out == NameTable().claim_all(names)
    seen: set[str] = set()
    for name, got in zip(names, out, strict=True):
        if is_identifier(name) and name not in seen:
            assert got == name
        seen.add(name)


@given(st.text(max_size=20))
def test_sanitised_ids(name: str) -> None:
    assert IDENT.match(sanitize(name))
    assert RULE_ID.match(sanitize_id(name))


def test_examples() -> None:
    t = NameTable()
    assert t.claim_all(["a b", "a_b", "a-b", "sum", "count_", "Ünïcödé", ""]) == [
        "a_b_2",
        "a_b",
        "a_b_3",
        "sum_",
        "count_",
        "Unicode",
        "f",
    ]


@given(st.text(max_size=40))
def test_quoted_strings_read_back_exactly(text: str) -> None:
    """Whatever a name or label holds, the loader's YAML reader gets the same string back."""
    doc, issues = parse_yaml(f"k: {quote(text)}\n{quote(text)}: 1\n", "q.yaml")
    assert not [i for i in issues if i.severity == "error"], (text, issues)
    assert doc is not None
    assert doc.data == {"k": text, text: 1} or (text == "k" and doc.data == {"k": 1})


@given(st.text(max_size=40))
def test_comments_stay_on_one_line(text: str) -> None:
    line = comment(text)
    assert line.startswith("#")
    doc, issues = parse_yaml(line + "\nk: 1\n", "c.yaml")
    assert doc is not None and doc.data == {"k": 1}, issues
