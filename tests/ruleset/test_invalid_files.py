"""Every error code the loader produces, from a small file that shows it, at its exact place.

Each ``tests/ruleset/invalid/*.yaml`` starts with one or more lines
``# expect: <code> @ [<file>:]<line>:<col>`` (the file, relative to ``invalid/``, only when the
problem is in an included file under ``invalid/lib/``). The test loads the file and compares the
*set* of reported ``code@place`` with the expected set: no issue missing, none extra.

Inputs that would be big files (huge, alias bombs, deep nesting, overlong expressions) are
generated here instead, each with a bound on the time it may take to be refused.
"""

from __future__ import annotations

import ast
import re
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cpq._yaml import MAX_FILE_BYTES, MAX_NESTING, MAX_NODES, parse_yaml
from cpq.errors import Issue, RulesetError, RulesetSchemaError, RulesetSyntaxError
from cpq.ruleset import check_ruleset, load_ruleset
from cpq.ruleset.expr import MAX_EXPR_LENGTH
from cpq.ruleset.resolve import SCHEMA_CODES, SYNTAX_CODES

ROOT = Path(__file__).resolve().parents[2]
INVALID = Path(__file__).resolve().parent / "invalid"
CODE = re.compile(r"^[a-z]+(?:-[a-z]+)+$")
FILES = sorted(INVALID.glob("*.yaml"))
EXPECT = re.compile(
    r"^# expect: (?P<code>[a-z-]+) @ (?:(?P<file>[^:]+):)?(?P<line>\d+):(?P<col>\d+)$"
)
HEADER = 'cpq: "1"\nproduct: {id: pump, name: Pump}\n'

SECONDS = 5.0
"""How long refusing a hostile input may take (generous for a loaded two-core CI machine)."""
PEAK_BYTES = 64 * 1024 * 1024
"""How much Python memory refusing a hostile input may take at its peak."""


def expectations(path: Path) -> set[str]:
    """The ``code@file:line:col`` set written in the file's leading ``# expect:`` lines."""
    out = set()
    for raw in path.read_bytes().split(b"\n"):
        line = raw.decode("ascii", errors="replace")
        m = EXPECT.match(line)
        if m is None:
            break
        out.add(f"{m['code']}@{m['file'] or path.name}:{m['line']}:{m['col']}")
    return out


def reported(issues: list[Issue], base: Path = INVALID) -> set[str]:
    """The issues as ``code@file:line:col`` with files relative to ``base``."""
    out = set()
    for issue in issues:
        loc = issue.location
        assert loc is not None, f"issue without a location: {issue}"
        rel = Path(loc.file).resolve().relative_to(base)
        out.add(f"{issue.code}@{rel}:{loc.line}:{loc.column}")
    return out


def loader_codes() -> set[str]:
    """Every code the YAML reader and the ruleset loader can report.

    A code is a kebab-case string literal passed as the first argument (or as ``code=``) of any
    call: ``Issue("yaml-syntax", ...)``, ``issues.add("duplicate-id", ...)``,
    ``ExprSyntaxError("expr-syntax", ...)``, ``self.problem("expr-type", ...)``.
    """
    found: set[str] = set()
    for src in [ROOT / "cpq" / "_yaml.py", *sorted((ROOT / "cpq" / "ruleset").glob("*.py"))]:
        for node in ast.walk(ast.parse(src.read_text())):
            if not isinstance(node, ast.Call):
                continue
            args = node.args[:1] + [k.value for k in node.keywords if k.arg == "code"]
            for arg in args:
                if isinstance(arg, ast.Constant) and CODE.match(str(arg.value)):
                    found.add(str(arg.value))
    return found


@contextmanager
def bounded(seconds: float = SECONDS, peak: int | None = PEAK_BYTES) -> Iterator[None]:
    """Fail when the block takes longer than ``seconds`` or allocates more than ``peak`` bytes.

    ``peak=None`` skips the memory check: tracing every allocation of millions of YAML events
    slows them down tenfold.
    """
    if peak is not None:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        top = tracemalloc.get_traced_memory()[1] if peak is not None else 0
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak is None or top < peak, f"peaked at {top / 1e6:.0f} MB"


# -- the committed files --------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_invalid_file_reports_exactly_its_expected_issues(path: Path) -> None:
    """The file's issues are exactly its '# expect:' lines: same codes, files, lines, columns."""
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    ruleset, issues = check_ruleset(path)
    assert ruleset is None
    assert reported(issues) == expected


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_load_ruleset_raises_the_matching_error_class(path: Path) -> None:
    """load_ruleset raises one RulesetError subclass carrying the same issues, chosen by code."""
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    codes = {i.code for i in info.value.issues}
    assert reported(list(info.value.issues)) == expectations(path)
    if codes & SYNTAX_CODES:
        assert isinstance(info.value, RulesetSyntaxError)
    elif codes & SCHEMA_CODES:
        assert isinstance(info.value, RulesetSchemaError)
    for issue in info.value.issues:
        assert str(issue) in str(info.value)


def test_expect_lines_name_the_file_code() -> None:
    """Each file is named after (one of) the codes it expects, so the folder reads as an index."""
    for path in FILES:
        codes = {e.split("@")[0] for e in expectations(path)}
        assert any(path.stem == c or path.stem.startswith(c + "-") for c in codes), path.name


GENERATED = {
    "file-not-found",
    "file-too-large",
    "yaml-too-deep",
    "yaml-too-complex",
    "expr-too-long",
}
"""Codes shown by inputs generated in the tests below rather than by a committed file."""


def test_every_loader_code_has_an_invalid_file() -> None:
    """Every code the loader can produce is shown by a file here or a generated input below."""
    in_files = {e.split("@")[0] for p in FILES for e in expectations(p)}
    codes = loader_codes()
    assert "unknown-reference" in codes and "yaml-syntax" in codes  # the scan works
    assert codes - in_files - GENERATED == set()
    assert in_files | GENERATED <= codes


# -- generated inputs ------------------------------------------------------------------------


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "product.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _codes_at(issues: list[Issue]) -> set[str]:
    return {f"{i.code}@{i.location.line}:{i.location.column}" for i in issues if i.location}


def test_missing_path_is_file_not_found(tmp_path: Path) -> None:
    """A path that does not exist gives file-not-found (no location: there is no file)."""
    ruleset, issues = check_ruleset(tmp_path / "nope")
    assert ruleset is None
    assert [i.code for i in issues] == ["file-not-found"]
    with pytest.raises(RulesetSyntaxError):
        load_ruleset(tmp_path / "nope")


def test_folder_without_product_is_file_not_found(tmp_path: Path) -> None:
    """A folder with no product.yaml (and no single product file) gives file-not-found."""
    (tmp_path / "a.yaml").write_text(HEADER)
    (tmp_path / "b.yaml").write_text(HEADER)
    _, issues = check_ruleset(tmp_path)
    assert [i.code for i in issues] == ["file-not-found"]
    assert "product.yaml" in issues[0].message


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A file over the size limit gives file-too-large at once, without being parsed."""
    path = _write(tmp_path, HEADER + "description: '" + "x" * MAX_FILE_BYTES + "'\n")
    with bounded(seconds=1.0, peak=1024 * 1024):
        _, issues = check_ruleset(path)
    assert _codes_at(issues) == {"file-too-large@1:1"}


def test_huge_text_is_refused_by_parse_yaml() -> None:
    """parse_yaml refuses over-long text and bytes alike."""
    for big in ("a: " + "x" * MAX_FILE_BYTES, b"a: " + b"x" * MAX_FILE_BYTES):
        doc, issues = parse_yaml(big, "big.yaml")
        assert doc is None
        assert [i.code for i in issues] == ["file-too-large"]


def _laughs(levels: int = 9, fan: int = 9) -> str:
    lines = ["cpq: '1'", "product: {id: lol, name: lol}", "laughs:", '  l0: &l0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    """An alias bomb (9**9 expansions in 600 bytes) gives yaml-too-complex, not a hang."""
    text = _laughs()
    assert len(text) < 1000
    path = _write(tmp_path, text)
    with bounded(seconds=2.0):
        _, issues = check_ruleset(path)
    assert [i.code for i in issues] == ["yaml-too-complex"]
    loc = issues[0].location  # at the alias that crosses the limit
    assert loc is not None
    assert text.splitlines()[loc.line - 1][loc.column - 1] == "*"


def test_many_plain_nodes_within_the_size_limit_are_refused(tmp_path: Path) -> None:
    """More than MAX_NODES nodes (a 2 MB flat list) give yaml-too-complex within seconds."""
    text = HEADER + "bom: [" + ",".join(["1"] * (MAX_NODES + 10)) + "]\n"
    assert len(text) < MAX_FILE_BYTES
    path = _write(tmp_path, text)
    with bounded(seconds=2 * SECONDS, peak=None):  # about 1 s: a million events to count
        _, issues = check_ruleset(path)
    assert [i.code for i in issues] == ["yaml-too-complex"]


@pytest.mark.parametrize(
    "shape",
    ["flow-list", "flow-mapping", "block-mapping", "block-list", "aliases"],
)
def test_deep_nesting_is_refused_quickly(tmp_path: Path, shape: str) -> None:
    """Nesting far past MAX_NESTING gives yaml-too-deep at the first node too deep, and no crash.

    (A million nested brackets once overflowed libyaml's C stack and killed the process.)
    """
    n = 1_000_000
    text = {
        "flow-list": "bom: " + "[" * n + "]" * n + "\n",
        "flow-mapping": "bom: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n",
        "block-mapping": "bom:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(2000)),
        "block-list": "bom:\n  " + "- " * n + "x\n",
        "aliases": "x: &a " + "[" * 40 + "1" + "]" * 40 + "\nbom: " + "[" * 30 + "*a" + "]" * 30,
    }[shape]
    path = _write(tmp_path, HEADER + text)
    with bounded(peak=128 * 1024 * 1024):
        _, issues = check_ruleset(path)
    assert [i.code for i in issues] == ["yaml-too-deep"]
    assert issues[0].location is not None and issues[0].location.line >= 3


def test_nesting_up_to_the_limit_is_read() -> None:
    """Exactly MAX_NESTING levels are fine; one more is yaml-too-deep."""
    ok = "a: " + "[" * (MAX_NESTING - 1) + "1" + "]" * (MAX_NESTING - 1)
    doc, issues = parse_yaml(ok, "f.yaml")
    assert doc is not None and issues == []
    deep = "a: " + "[" * MAX_NESTING + "1" + "]" * MAX_NESTING
    doc, issues = parse_yaml(deep, "f.yaml")
    assert doc is None and [i.code for i in issues] == ["yaml-too-deep"]


def test_overlong_expression_is_expr_too_long(tmp_path: Path) -> None:
    """An expression over MAX_EXPR_LENGTH characters gives expr-too-long at its start."""
    expr = " or ".join(["atex"] * (MAX_EXPR_LENGTH // 8 + 10))
    assert len(expr) > MAX_EXPR_LENGTH
    text = (
        HEADER + f"attributes:\n  atex: {{type: bool}}\nrules:\n  - id: long\n    require: {expr}\n"
    )
    path = _write(tmp_path, text)
    with bounded():
        _, issues = check_ruleset(path)
    assert _codes_at(issues) == {"expr-too-long@7:14"}


def test_long_operator_chain_is_expr_too_deep_not_a_crash(tmp_path: Path) -> None:
    """'1 + 1 + ... + 1' under the length limit is refused as too deep (it once hit RecursionError)."""
    expr = "flow < " + " + ".join(["1"] * 2400)
    assert len(expr) < MAX_EXPR_LENGTH
    text = HEADER + "attributes:\n  flow: {type: int, range: [0, 9]}\nrules:\n"
    text += f"  - id: chain\n    require: {expr}\n"
    _, issues = check_ruleset(_write(tmp_path, text))
    assert [i.code for i in issues] == ["expr-too-deep"]
