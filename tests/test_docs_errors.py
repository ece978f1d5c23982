"""docs/errors*.md have exactly one section per error code in the code base, and the examples work.

A *code* is a kebab-case string literal passed as the first argument (or as ``code=``) of a
call that makes an issue, anywhere in ``cpq/``: ``Issue("yaml-syntax", ...)``,
``issues.add("duplicate-id", ...)``, ``self.error("tier-gap", ...)``, ``.warn(...)``,
``.error_now(...)``, ``ExprSyntaxError("expr-syntax", ...)``, ``self.problem("expr-type", ...)``
(see ``ISSUE_CALLS``; add a helper's name there when codes are made through a new one). Each must have a heading ``## code {#code}`` in
``docs/errors.md`` or in one of the ``docs/errors-*.md`` pages (price books, importers, ...), and
every such heading must name a code that exists. When this test fails after you added a code,
add its section (what it means for the author of the file, a small example, the fix).
"""

from __future__ import annotations

import ast
import re
import tempfile
from pathlib import Path

import pytest

from cpq.ruleset import check_ruleset

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("errors*.md"))
CODE = re.compile(r"^[a-z]+(?:-[a-z]+)+$")
HEADING = re.compile(r"^## (?P<code>[a-z]+(?:-[a-z]+)+) \{#(?P<anchor>[a-z-]+)\}$")
HEADER = 'cpq: "1"\nproduct: {id: pump, name: Pump}\n'
"""The two lines the examples in docs/errors.md leave out."""


ISSUE_CALLS = frozenset(
    {"Issue", "ExprSyntaxError", "ExprProblem", "add", "error", "error_now", "warn", "warning",
     "problem", "OrderProblem"}
)  # fmt: skip
"""Names of the functions and methods whose first argument is an error code."""


def codes_in_code() -> dict[str, set[str]]:
    """Every error code used in cpq/, with the modules that use it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "cpq").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ISSUE_CALLS:
                continue
            for arg in node.args[:1] + [k.value for k in node.keywords if k.arg == "code"]:
                if isinstance(arg, ast.Constant) and CODE.match(str(arg.value)):
                    found.setdefault(str(arg.value), set()).add(str(path.relative_to(ROOT)))
    return found


def sections(doc: Path) -> dict[str, str]:
    """The ``## code {#code}`` sections of a page: code -> the text of the section."""
    out: dict[str, str] = {}
    current: str | None = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            m = HEADING.match(line)
            assert m is not None, f"{doc.name}: heading not in the form '## code {{#code}}': {line}"
            assert m["code"] == m["anchor"], f"{doc.name}: anchor differs from code: {line}"
            current = m["code"]
            assert current not in out, f"{doc.name}: two sections for {current}"
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


def documented() -> dict[str, list[str]]:
    """code -> the pages documenting it."""
    pages: dict[str, list[str]] = {}
    for doc in DOCS:
        for code in sections(doc):
            pages.setdefault(code, []).append(doc.name)
    return pages


def test_the_scan_finds_codes() -> None:
    """The scan sees codes from the YAML reader, the loader and the expression checker."""
    codes = codes_in_code()
    assert {"yaml-syntax", "duplicate-id", "expr-syntax", "expr-type"} <= set(codes)
    assert (ROOT / "docs" / "errors.md") in DOCS


def test_every_code_is_documented_and_every_section_is_a_code() -> None:
    """The codes in cpq/ and the {#code} sections of docs/errors*.md are the same set."""
    in_code = codes_in_code()
    in_docs = documented()
    undocumented = {c: sorted(m) for c, m in in_code.items() if c not in in_docs}
    unused = {c: p for c, p in in_docs.items() if c not in in_code}
    assert undocumented == {}, "codes without a section in docs/errors*.md"
    assert unused == {}, "sections in docs/errors*.md for codes no module uses"


def test_each_code_has_one_section() -> None:
    """No code is documented on two pages."""
    assert {c: p for c, p in documented().items() if len(p) > 1} == {}


def test_errors_md_lists_every_section_in_its_table() -> None:
    """The table at the top of docs/errors.md links every section on the page."""
    doc = ROOT / "docs" / "errors.md"
    text = doc.read_text(encoding="utf-8")
    linked = set(re.findall(r"\[([a-z-]+)\]\(#\1\)", text.split("\n## ", 1)[0]))
    assert linked == set(sections(doc))


# -- the examples in docs/errors.md ----------------------------------------------------------

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def examples() -> list[tuple[str, str, list[str], str | None]]:
    """(code, bad example, messages shown for it, fixed example) for each section with YAML."""
    out = []
    for code, body in sections(ROOT / "docs" / "errors.md").items():
        blocks = FENCE.findall(body)
        yaml_blocks = [text for lang, text in blocks if lang == "yaml"]
        if not yaml_blocks:
            continue
        shown = [
            line
            for lang, text in blocks
            if lang == "text"
            for line in text.splitlines()
            if line.startswith("product.yaml:")
        ]
        out.append((code, yaml_blocks[0], shown, yaml_blocks[1] if len(yaml_blocks) > 1 else None))
    return out


EXAMPLES = examples()


def run_example(block: str) -> list[str]:
    """Load an example (with the two header lines unless it has its own) -> issue lines."""
    text = block if re.search(r"^(- )?cpq:", block, re.M) else HEADER + block
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.yaml"
        path.write_text(text, encoding="utf-8")
        _, issues = check_ruleset(path)
        return [str(i).replace(str(path), "product.yaml") for i in issues]


@pytest.mark.parametrize(("code", "bad", "shown", "fixed"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_error_examples_give_the_messages_shown(
    code: str, bad: str, shown: list[str], fixed: str | None
) -> None:
    """Each bad example gives its code with exactly the lines shown; its fix does not."""
    got = run_example(bad)
    assert any(f": {code}: " in line for line in got), got
    assert shown, f"the section {code} shows no message for its example"
    for line in shown:
        assert line in got
    if fixed is not None:
        assert not any(f": {code}: " in line for line in run_example(fixed))


def test_most_sections_have_a_tested_example() -> None:
    """Only codes that need big, binary or several files are shown without a tested example."""
    untested = set(sections(ROOT / "docs" / "errors.md")) - {e[0] for e in EXAMPLES}
    assert len(untested) <= 16, sorted(untested)
