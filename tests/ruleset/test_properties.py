"""Property tests of the ruleset loader: round trips, and bad input only ever gives issues.

* Random valid rulesets (files with includes, in block or flow layout) load without a problem,
  load what was written, and survive ``dump_ruleset`` -> ``load_ruleset`` unchanged.
* Fuzzed YAML text, random bytes and randomly shaped data given to ``parse_yaml`` and
  ``check_ruleset`` only ever give :class:`~cpq.errors.Issue` objects pointing inside the file,
  and ``load_ruleset`` only ever raises :class:`~cpq.errors.CPQError` subclasses.
* Random expression text only ever gives ``ExprSyntaxError``; random expression trees survive
  ``to_source`` -> ``parse_expr``, and the type checker only ever reports problems.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from cpq._yaml import parse_yaml
from cpq.errors import Issue, RulesetError
from cpq.ruleset import Ruleset, check_ruleset, dump_ruleset, load_ruleset
from cpq.ruleset.dump import expr_to_data, ruleset_equal, ruleset_to_data
from cpq.ruleset.expr import ExprSyntaxError, parse_expr, to_source
from cpq.ruleset.strategies import expressions, ruleset_data, ruleset_files, yaml_text
from cpq.ruleset.typecheck import ExprChecker
from cpq.testing import rulesets

# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def on_disk(files: dict[str, str] | dict[str, bytes]) -> Iterator[Path]:
    """The files written into a fresh folder, removed afterwards; yields the folder."""
    with tempfile.TemporaryDirectory(prefix="cpq-prop-") as tmp:
        root = Path(tmp)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        yield root


def load_text(text: str) -> tuple[Ruleset | None, list[Issue]]:
    """check_ruleset on a one-file ruleset with this content."""
    with on_disk({"product.yaml": text}) as root:
        return check_ruleset(root / "product.yaml")


YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML counts as a line break (Python's splitlines also splits at \\f, \\v ...)."""


def assert_issues_are_sound(issues: list[Issue], root: Path | None = None) -> None:
    """Every issue has a kebab code and a message, and its location is inside its file."""
    for issue in issues:
        assert isinstance(issue, Issue)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", issue.code), issue
        assert issue.message
        loc = issue.location
        if loc is None or root is None:
            continue
        raw = Path(loc.file).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        lines = YAML_LINE_BREAK.split(raw)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the break that ends the last line
        assert 1 <= loc.line <= len(lines), issue
        assert 1 <= loc.column <= len(lines[loc.line - 1]) + 1, issue


def check_everything(content: str | bytes) -> list[Issue]:
    """Run every entry point on ``content``; none may raise anything but a RulesetError."""
    _, yaml_issues = parse_yaml(content, "fuzz.yaml")
    assert_issues_are_sound(yaml_issues)
    files: dict[str, str | bytes] = {"product.yaml": content}
    with on_disk(files) as root:  # type: ignore[arg-type]
        ruleset, issues = check_ruleset(root / "product.yaml")
        assert_issues_are_sound(issues, root)
        errors = [i for i in issues if i.severity == "error"]
        assert (ruleset is None) == bool(errors)
        try:
            load_ruleset(root / "product.yaml")
        except RulesetError as exc:
            assert list(exc.issues) == errors
    return issues


# -- (b) valid rulesets: load, and dump -> load unchanged ----------------------------------------


@given(ruleset_files())
def test_generated_ruleset_files_load_without_issues(files: dict[str, str]) -> None:
    """Every generated ruleset (product plus maybe an included library) loads with no issue."""
    with on_disk(files) as root:
        ruleset, issues = check_ruleset(root / "product.yaml")
    assert [str(i) for i in issues] == []
    assert ruleset is not None
    assert len(ruleset.files) == len(files)


def _expected_values(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    defaults = spec.get("property_defaults", {})
    out = {}
    for vid, vspec in spec.get("values", {}).items():
        props = dict(defaults)
        props.update((vspec or {}).get("properties", {}))
        out[vid] = props
    return out


@given(ruleset_data())
def test_loaded_ruleset_holds_what_was_written(data: dict[str, Any]) -> None:
    """Names, types, value ids, properties, defaults, rule ids and bom skus read back as written.

    In particular the YAML 1.1 traps ('no', '1.10', '0132') stay text and Decimals keep every
    digit.
    """
    ruleset, issues = load_text(yaml_text(data))
    assert [str(i) for i in issues] == []
    assert ruleset is not None
    assert ruleset.product.id == data["product"]["id"]
    assert ruleset.product.name == data["product"]["name"]
    assert list(ruleset.attributes) == list(data.get("attributes", {}))
    for name, spec in data.get("attributes", {}).items():
        attr = ruleset.attributes[name]
        assert attr.type == spec["type"]
        got = {vid: v.properties for vid, v in attr.values.items()}
        want = _expected_values(spec)
        assert list(got) == list(want)
        for vid in want:
            assert got[vid].keys() == want[vid].keys()
            for prop, value in want[vid].items():
                assert type(got[vid][prop]) is type(value)
                if isinstance(value, Decimal):
                    assert got[vid][prop].as_tuple() == value.as_tuple()
                else:
                    assert got[vid][prop] == value
        default = spec.get("default")
        expect = tuple(dict.fromkeys(default)) if isinstance(default, list) else default
        assert attr.default == expect
    assert [r.id for r in ruleset.rules] == [r["id"] for r in data.get("rules", [])]
    for rule, spec in zip(ruleset.rules, data.get("rules", []), strict=True):
        assert rule.kind in spec
        assert rule.message == spec.get("message")
    assert [b.sku for b in ruleset.bom] == [b["sku"] for b in data.get("bom", [])]


@given(ruleset_files())
def test_dump_then_load_gives_an_equal_ruleset(files: dict[str, str]) -> None:
    """dump_ruleset -> load_ruleset gives the same ruleset, and dumping that gives the same text."""
    with on_disk(files) as root:
        original = load_ruleset(root / "product.yaml")
    text = dump_ruleset(original)
    again, issues = load_text(text)
    assert [str(i) for i in issues] == []
    assert again is not None
    assert ruleset_to_data(again) == ruleset_to_data(original)
    assert ruleset_equal(again, original)
    assert dump_ruleset(again) == text


@given(rulesets())
def test_dump_of_cpq_testing_rulesets_loads_back_equal(ruleset: Ruleset) -> None:
    """The rulesets cpq.testing draws for the solver tests also survive a dump and a load."""
    again, issues = load_text(dump_ruleset(ruleset))
    assert [str(i) for i in issues] == []
    assert again is not None
    assert ruleset_equal(again, ruleset)


# -- (c) fuzzing: bad input only ever gives issues --------------------------------------------


@given(st.binary(max_size=400))
def test_random_bytes_only_give_issues(content: bytes) -> None:
    """Random bytes never raise from parse_yaml or check_ruleset; load_ruleset a RulesetError."""
    check_everything(content)


_YAML_ALPHABET = st.sampled_from(
    [
        *list("{}[]:-,?'\"&*!|>#%@`~ \t\n\r\\.0123456789abcdeflnorstuy_"),
        "\x00",
        "\x85",
        "é",
        "\ufeff",
    ]
)


@given(st.text(_YAML_ALPHABET, max_size=200))
def test_random_yaml_like_text_only_gives_issues(content: str) -> None:
    """Text made of YAML's special characters never raises (checked as text and as UTF-8)."""
    check_everything(content)
    check_everything(content.encode("utf-8", errors="replace"))


@st.composite
def mutated_ruleset_text(draw: st.DrawFn) -> str:
    """A valid ruleset's text with a few random edits: deletions, insertions, swapped lines."""
    text = yaml_text(draw(ruleset_data(max_attributes=3, max_rules=3)))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        edit = draw(st.sampled_from(["delete", "insert", "swap", "indent", "duplicate"]))
        i = draw(st.integers(0, max(0, len(text) - 1)))
        if edit == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)) :]
        elif edit == "insert":
            text = text[:i] + draw(st.text(_YAML_ALPHABET, min_size=1, max_size=6)) + text[i:]
        else:
            a = draw(st.integers(0, len(lines) - 1))
            b = draw(st.integers(0, len(lines) - 1))
            if edit == "swap":
                lines[a], lines[b] = lines[b], lines[a]
            elif edit == "indent":
                lines[a] = " " * draw(st.integers(0, 4)) + lines[a].lstrip(" ")
            else:
                lines.insert(b, lines[a])
            text = "\n".join(lines)
    return text


@given(mutated_ruleset_text())
def test_mutated_ruleset_text_only_gives_issues(content: str) -> None:
    """Valid rulesets with random edits never make the loader raise; issues point inside."""
    check_everything(content)


_KEYS = st.sampled_from(
    [
        "cpq", "product", "library", "include", "attributes", "rules", "bom", "id", "name",
        "type", "values", "range", "default", "properties", "property_defaults", "label", "sku",
        "when", "require", "exclude", "table", "columns", "allow", "forbid", "qty",
        "min_selected", "max_selected", "lead_time_days", "unit", "message", "a", "b", "x",
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: abs(d.adjusted()) < 20),
    st.sampled_from(["1", "choice", "multi", "bool", "int", "a", "b", "*", "1..3", "a == 'x'",
                     "x and", "count(a)", "lib.yaml", "product.yaml", "", "no"]),
)  # fmt: skip
_SHAPES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=25,
)


@given(st.dictionaries(_KEYS, _SHAPES, max_size=7), st.sampled_from([None, True, False]))
def test_randomly_shaped_data_only_gives_issues(data: dict[str, Any], flow: bool | None) -> None:
    """Data of random shape under the format's own keys never makes the loader raise."""
    check_everything(yaml_text(data, flow=flow))


@given(ruleset_files(max_attributes=3, max_rules=3), st.data())
def test_broken_library_only_gives_issues(files: dict[str, str], data: st.DataObject) -> None:
    """Damage in an included library is reported (in the library) and never raises."""
    assume("lib/shared.yaml" in files)
    lib = files["lib/shared.yaml"]
    cut = data.draw(st.integers(0, len(lib)))
    junk = data.draw(st.text(_YAML_ALPHABET, max_size=5))
    with on_disk({**files, "lib/shared.yaml": lib[:cut] + junk}) as root:
        _, issues = check_ruleset(root / "product.yaml")
        assert_issues_are_sound(issues, root)


# -- (d) expressions --------------------------------------------------------------------------

_EXPR_ALPHABET = st.sampled_from(
    [*list("()[]<>=!+-*/.,'\"&| \t\n\\_0123456789abcxyz"), "and", "or", "not", "in", "sum", "é"]
)


@given(st.one_of(st.text(max_size=60), st.lists(_EXPR_ALPHABET, max_size=40).map("".join)))
def test_random_expression_text_only_raises_expr_syntax_error(text: str) -> None:
    """The parser returns a tree or raises ExprSyntaxError with a known code and a valid offset."""
    try:
        expr = parse_expr(text)
    except ExprSyntaxError as exc:
        assert exc.code in {"expr-syntax", "expr-too-deep", "expr-too-long"}
        assert 0 <= exc.offset <= len(text)
        assert exc.message
    else:
        assert expr_to_data(parse_expr(to_source(expr))) == expr_to_data(expr)


@given(expressions())
def test_to_source_then_parse_gives_the_same_tree(expr: Any) -> None:
    """to_source writes every tree the parser can make so that it parses back to that tree."""
    text = to_source(expr)
    again = parse_expr(text)
    assert expr_to_data(again) == expr_to_data(expr)
    assert to_source(again) == text


@given(ruleset_data(max_attributes=4, max_rules=0), expressions())
def test_type_checker_only_reports_problems(data: dict[str, Any], expr: Any) -> None:
    """Checking any tree against any attributes gives problems, never an exception."""
    ruleset, _ = load_text(yaml_text(data))
    assert ruleset is not None
    for expect in ("bool", "num"):
        problems = ExprChecker(ruleset.attributes).check(expr, expect)
        for p in problems:
            assert p.code in {
                "expr-type", "unknown-reference", "unknown-value", "unknown-property",
                "missing-property", "unknown-function",
            }  # fmt: skip
