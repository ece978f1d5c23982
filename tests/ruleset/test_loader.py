"""Loading rulesets: source locations, includes, YAML traps, and every issue reported at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cpq._yaml import parse_yaml
from cpq.errors import (
    Issue,
    RulesetError,
    RulesetReferenceError,
    RulesetSchemaError,
    RulesetSyntaxError,
)
from cpq.ruleset import ANY, Ruleset, check_ruleset, load_ruleset

HEADER = 'cpq: "1"\nproduct: {id: pump, name: Pump}\n'

PUMP = """\
cpq: "1"
product: {id: cp-pump, name: Centrifugal pump, sku: CP-BASE}
include: [lib/motors.yaml]
attributes:
  medium:
    type: choice
    values:
      water: {label: Water}
      sea_water: {label: Sea water}
  flow: {type: int, range: [5, 400], unit: m3/h}
  material: {type: choice, values: {cast_iron: {}, duplex: {}}, default: cast_iron}
rules:
  - id: sea-water-needs-duplex
    when: medium == 'sea_water'
    require: material == 'duplex'
  - id: motor-material
    table:
      columns: [motor, material]
      allow:
        - [m55, cast_iron]
        - [m110, "*"]
bom:
  - {sku: CABLE, qty: "flow // 50 + 2"}
"""

MOTORS = """\
cpq: "1"
library: {id: motors}
attributes:
  motor:
    type: choice
    values:
      m55: {sku: MOT-055, properties: {power_kw: 5.5}}
      m110: {sku: MOT-110, properties: {power_kw: 11}}
rules:
  - id: motor-sizing
    require: motor.power_kw * 20 >= flow
"""


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` under ``root``; returns the path of the first one."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / next(iter(files))


def check(root: Path, text: str, more: dict[str, str] | None = None) -> list[str]:
    """check_ruleset on a product file (plus ``more`` files); issues as 'code@line:col'."""
    path = write(root, {"product.yaml": text, **(more or {})})
    _, issues = check_ruleset(path)
    return [short(i, root) for i in issues]


def short(issue: Issue, root: Path) -> str:
    loc = issue.location
    assert loc is not None
    rel = Path(loc.file).resolve().relative_to(root.resolve())
    where = "" if rel.name == "product.yaml" else f"{rel}:"
    return f"{issue.code}@{where}{loc.line}:{loc.column}"


@pytest.fixture
def pump(tmp_path: Path) -> Ruleset:
    return load_ruleset(write(tmp_path, {"product.yaml": PUMP, "lib/motors.yaml": MOTORS}))


# -- locations ------------------------------------------------------------------------------


def test_objects_keep_where_they_were_written(pump: Ruleset) -> None:
    """Attributes, values, rules, table rows and bom items point at their line and column."""
    at = {
        "medium": (pump.attributes["medium"].location, 5, 3),
        "sea_water": (pump.attributes["medium"].values["sea_water"].location, 9, 7),
        "flow": (pump.attributes["flow"].location, 10, 3),
        "rule": (pump.rule("sea-water-needs-duplex").location, 13, 9),
        "bom": (pump.bom[0].location, 23, 5),
    }
    for what, (loc, line, col) in at.items():
        assert (Path(loc.file).name, loc.line, loc.column) == ("product.yaml", line, col), what
    table = pump.rule("motor-material").table
    assert table is not None
    assert [(r.line, r.column) for r in table.row_locations] == [(20, 11), (21, 11)]
    assert table.rows[1][1] is ANY


def test_objects_from_a_library_point_into_the_library(pump: Ruleset) -> None:
    """Whatever a library defines keeps the library's file, line and column."""
    motor = pump.attributes["motor"].location
    assert (Path(motor.file).as_posix().endswith("lib/motors.yaml"), motor.line) == (True, 4)
    rule = pump.rule("motor-sizing").location
    assert (Path(rule.file).name, rule.line, rule.column) == ("motors.yaml", 10, 9)
    assert [Path(f).name for f in pump.files] == ["motors.yaml", "product.yaml"]


def test_location_path_names_the_yaml_path(tmp_path: Path) -> None:
    """An issue's location also carries the dotted YAML path of the problem."""
    path = write(tmp_path, {"product.yaml": HEADER + "rules:\n  - {id: r, require: nope}\n"})
    _, issues = check_ruleset(path)
    assert [i.location.path for i in issues if i.location] == ["rules[0].require"]


@pytest.mark.parametrize(
    ("value", "place"),
    [
        ("a == 'y'", "6:19"),  # plain: at the token
        ("\"a == 'y'\"", "6:20"),  # double-quoted: at the token inside the quotes
        ("'a == ''y'''", "6:15"),  # '' escapes change the text: at the start of the value
        ('"a == \\u0027y\\u0027"', "6:15"),  # so do \\u escapes
        (">\n      a == 'y'", "6:14"),  # a block scalar: at its indicator
        ("a ==\n      'y'", "6:14"),  # a plain scalar over two lines: at its start
    ],
)
def test_expression_errors_point_into_the_expression_when_possible(
    tmp_path: Path, value: str, place: str
) -> None:
    """Expression issues are at the offending token when the text is written as is."""
    text = HEADER + "attributes: {a: {type: choice, values: {x: {}}}}\n"
    text += f"rules:\n  - id: r\n    require: {value}\n"
    assert check(tmp_path, text) == [f"unknown-value@{place}"]


def test_crlf_and_byte_order_mark_do_not_shift_locations(tmp_path: Path) -> None:
    """Windows line ends and a UTF-8 byte order mark leave lines and columns as an editor shows."""
    text = "\ufeff" + HEADER + "rules:\n  - {id: r, require: nope}\n"
    path = tmp_path / "product.yaml"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    _, issues = check_ruleset(path)
    assert [short(i, tmp_path) for i in issues] == ["unknown-reference@4:22"]


# -- includes -------------------------------------------------------------------------------


def test_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    """A library including another library names it relative to itself."""
    lib = 'cpq: "1"\nlibrary: {id: a}\ninclude: [../common/b.yaml]\n'
    common = 'cpq: "1"\nlibrary: {id: b}\nattributes: {atex: {type: bool}}\n'
    product = HEADER + "include: [libs/a.yaml]\nrules: [{id: r, require: atex}]\n"
    path = write(tmp_path, {"product.yaml": product, "libs/a.yaml": lib, "common/b.yaml": common})
    ruleset, issues = check_ruleset(path)
    assert issues == []
    assert ruleset is not None and "atex" in ruleset.attributes


def test_a_library_included_twice_is_loaded_once(tmp_path: Path) -> None:
    """Two libraries including the same third one do not define its attributes twice."""
    shared = 'cpq: "1"\nlibrary: {id: s}\nattributes: {atex: {type: bool}}\n'
    a = 'cpq: "1"\nlibrary: {id: a}\ninclude: [shared.yaml]\n'
    b = 'cpq: "1"\nlibrary: {id: b}\ninclude: [shared.yaml]\n'
    product = HEADER + "include: [a.yaml, b.yaml, shared.yaml]\n"
    path = write(
        tmp_path, {"product.yaml": product, "a.yaml": a, "b.yaml": b, "shared.yaml": shared}
    )
    ruleset, issues = check_ruleset(path)
    assert issues == []
    assert ruleset is not None and len(ruleset.files) == 4


def test_include_problems(tmp_path: Path) -> None:
    """Missing files (with a did-you-mean), folders, cycles and included products are reported."""
    (tmp_path / "libdir").mkdir()
    lib = 'cpq: "1"\nlibrary: {id: l}\ninclude: [product.yaml]\n'
    other = 'cpq: "1"\nproduct: {id: fan, name: Fan}\n'
    product = HEADER + "include: [motor.yaml, libdir, motors.yaml, fan.yaml]\n"
    found = check(tmp_path, product, {"motors.yaml": lib, "fan.yaml": other})
    assert found == [  # sorted by file name, then place
        "not-a-ruleset@fan.yaml:2:1",
        "include-cycle@motors.yaml:3:11",
        "include-not-found@3:11",
        "include-not-found@3:23",
    ]
    _, issues = check_ruleset(tmp_path / "product.yaml")
    by_code = {i.code: i for i in issues}
    missing = [i for i in issues if i.code == "include-not-found"]
    assert missing[0].hint == "did you mean 'motors.yaml'?"
    assert "'libdir' is a folder, not a file" in missing[1].message
    assert "product.yaml -> " in by_code["include-cycle"].message


def test_include_of_an_unusable_name_is_an_issue(tmp_path: Path) -> None:
    """An include too long for the file system, or with a NUL, is include-not-found, no crash."""
    product = HEADER + f'include: ["{"x" * 5000}", "a\\0b"]\n'
    assert check(tmp_path, product) == ["include-not-found@3:12", "include-not-found@3:5016"]


def test_duplicate_attribute_across_files_names_the_first(tmp_path: Path) -> None:
    """An attribute defined in a library and again in the product: reported at the second."""
    lib = 'cpq: "1"\nlibrary: {id: l}\nattributes: {atex: {type: bool}}\n'
    product = HEADER + "include: [lib.yaml]\nattributes: {atex: {type: bool}}\n"
    path = write(tmp_path, {"product.yaml": product, "lib.yaml": lib})
    _, issues = check_ruleset(path)
    assert [short(i, tmp_path) for i in issues] == ["duplicate-attribute@4:14"]
    assert "first at lib.yaml:3:14" in issues[0].message.replace(str(tmp_path) + "/", "")


# -- YAML traps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The Norway problem: NO is false in YAML 1.1.
        ("  country: {type: choice, values: {de: {}, 'no': {}}, default: NO}", ["yaml-coercion@4:64", "invalid-default@4:64"]),
        ("  country: {type: choice, values: {de: {}, 'no': {}}, default: 'no'}", []),
        # An unquoted value id written like a number is read as the id it spells.
        ("  v: {type: choice, values: {1.10: {}, '1.1': {}}, default: 1.10}", []),
        # A leading zero makes an octal number: 0132 is 90.
        ("  v: {type: choice, values: {'0132': {}}, default: 0132}", ["yaml-coercion@4:52"]),
        ("  v: {type: choice, values: {'0132': {}}, default: '0132'}", []),
        # yes/no/on/off for a yes/no attribute: write true or false.
        ("  atex: {type: bool, default: yes}", ["yaml-coercion@4:31"]),
        ("  atex: {type: bool, default: true}", []),
        # A base-60 number: 1:20 is 80.
        ("  flow: {type: int, range: [0, 100], default: 1:20}", ["yaml-coercion@4:47"]),
    ],
)  # fmt: skip
def test_yaml_11_traps_in_attributes(tmp_path: Path, line: str, expected: list[str]) -> None:
    """Values YAML 1.1 silently turns into something else are reported where they are written."""
    assert sorted(check(tmp_path, HEADER + "attributes:\n" + line + "\n")) == sorted(expected)


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("sku", "1.10", "YAML reads the unquoted 1.10 as the number 1.10; write '1.10'"),
        ("sku", "0132", "YAML reads the unquoted 0132 as the number 90; write '0132'"),
        ("label", "NO", "YAML reads the unquoted NO as the yes/no value false; write 'NO'"),
        (
            "label",
            "2024-01-31",
            "YAML reads the unquoted 2024-01-31 as the date 2024-01-31; write '2024-01-31'",
        ),
    ],
)
def test_texts_that_yaml_reads_as_something_else(
    tmp_path: Path, field: str, value: str, hint: str
) -> None:
    """A text field written unquoted as a number, yes/no, date or null says how to quote it."""
    text = HEADER + f"attributes:\n  v: {{type: choice, values: {{a: {{{field}: {value}}}}}}}\n"
    path = write(tmp_path, {"product.yaml": text})
    _, issues = check_ruleset(path)
    wrong = [i for i in issues if i.code == "wrong-type"]
    assert len(wrong) == 1
    assert wrong[0].hint == hint
    assert wrong[0].location is not None and wrong[0].location.line == 4


def test_cpq_version_must_be_quoted(tmp_path: Path) -> None:
    """cpq: 1 (a number) is wrong-type with the fix in the hint; cpq: "2" is unsupported."""
    path = write(tmp_path, {"product.yaml": "cpq: 1\nproduct: {id: p, name: P}\n"})
    _, issues = check_ruleset(path)
    assert [(i.code, i.hint) for i in issues] == [
        ("wrong-type", "YAML reads the unquoted 1 as the number 1; write '1'")
    ]


def test_duplicate_keys_are_reported_at_every_level(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys silently; cpq reports each repeat."""
    text = """\
    cpq: "1"
    product: {id: p, name: P, name: Q}
    attributes:
      a:
        type: choice
        values: {x: {}, y: {}, x: {}}
        type: choice
      a: {type: bool}
    cpq: "1"
    """
    assert check(tmp_path, text) == [
        "duplicate-key@2:27",
        "duplicate-key@6:28",
        "duplicate-key@7:5",
        "duplicate-key@8:3",
        "duplicate-key@9:1",
    ]


def test_anchors_and_aliases_may_share_definitions(tmp_path: Path) -> None:
    """Anchors, aliases and merge keys work inside a section; they are expanded on load."""
    text = HEADER + textwrap.dedent(
        """\
        attributes:
          inlet: &port {type: choice, values: {dn50: {}, dn80: {}}, default: dn50}
          outlet: *port
          drain: {<<: *port, default: dn80}
        """
    )
    path = write(tmp_path, {"product.yaml": text})
    ruleset = load_ruleset(path)
    assert ruleset.attributes["outlet"].value_ids == ("dn50", "dn80")
    assert ruleset.attributes["drain"].default == "dn80"


def test_yaml_tags_are_refused(tmp_path: Path) -> None:
    """Tags that would build Python objects (or anything but plain data) are yaml-syntax."""
    text = HEADER + "attributes: !!python/object/apply:os.system [echo hi]\n"
    assert check(tmp_path, text) == ["wrong-type@3:13", "yaml-syntax@3:13"]


def test_parse_yaml_never_builds_floats() -> None:
    """Numbers with a point are Decimal (exact), never float."""
    doc, issues = parse_yaml("a: 0.1\nb: 1.10\nc: 1.0e+3\n", "f.yaml")
    assert issues == [] and doc is not None
    assert [str(v) for v in doc.data.values()] == ["0.1", "1.10", "1.0E+3"]


# -- everything at once ---------------------------------------------------------------------


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """One run reports the problems of the header, attributes, rules, bom and a library."""
    lib = """\
    cpq: "1"
    library: {id: l}
    attributes:
      motor: {type: choice, values: {m55: {properties: {kw: 5.5}}, m110: {}}}
    rules:
      - {id: sizing, require: motor.kw > 1}
    """
    product = """\
    cpq: "1"
    product: {id: pump, nam: Pump}
    include: [lib.yaml]
    attributes:
      medium: {type: choice, values: {water: {}}, default: oil}
      flow: {type: int, range: [10, 1]}
      atex: {type: bool, unit: x}
    rules:
      - {id: r1, require: medium == 'oil'}
      - {id: r1, require: atex}
      - {id: r3, require: flow > 'x' and pressure}
      - {id: r4, exclude: [atex], require: atex}
    bom:
      - {sku: A, qty: -1}
      - {sku: B, when: medium}
    """
    found = check(tmp_path, product, {"lib.yaml": lib})
    assert found == [
        "missing-property@lib.yaml:6:33",
        "missing-field@2:10",
        "unknown-field@2:21",
        "invalid-default@5:56",
        "invalid-range@6:28",
        "misplaced-field@7:22",  # atex is broken: the rules using it are not reported again
        "unknown-value@9:33",
        "duplicate-id@10:10",
        "expr-type@11:30",
        "unknown-reference@11:38",
        "rule-kind@12:5",
        "invalid-value@14:19",
        "expr-type@15:20",
    ]


def test_issues_come_sorted_and_without_duplicates(tmp_path: Path) -> None:
    """check_ruleset returns issues by file, line and column, each once."""
    text = HEADER + "rules:\n  - {id: b, require: y}\n  - {id: a, require: x}\n"
    path = write(tmp_path, {"product.yaml": text})
    _, issues = check_ruleset(path)
    assert [i.sort_key() for i in issues] == sorted(i.sort_key() for i in issues)
    assert len(set(issues)) == len(issues)


# -- load_ruleset ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("cpq: '1'\nproduct: {id: p, name: [\n", RulesetSyntaxError),
        ("cpq: '1'\nproduct: {id: p}\n", RulesetSchemaError),
        ("cpq: '1'\nproduct: {id: p, name: P}\nrules: [{id: r, require: x}]\n", RulesetReferenceError),
    ],
)  # fmt: skip
def test_load_ruleset_raises_one_error_with_all_issues(
    tmp_path: Path, text: str, cls: type[RulesetError]
) -> None:
    """load_ruleset raises the subclass for the kind of problem; it is also a ValueError."""
    path = write(tmp_path, {"product.yaml": text})
    with pytest.raises(cls) as info:
        load_ruleset(path)
    assert isinstance(info.value, ValueError)
    assert info.value.issues
    lines = str(info.value).splitlines()
    assert lines[0].endswith("has 1 problem(s)")
    assert lines[1] == str(info.value.issues[0])


def test_issue_text_is_compiler_style(tmp_path: Path) -> None:
    """str(issue) is 'file:line:col: code: message (hint)', the format editors jump to."""
    path = write(tmp_path, {"product.yaml": HEADER + "rules:\n  - {id: r, require: mediun}\n"})
    text = HEADER + "attributes: {medium: {type: bool}}\nrules:\n  - {id: r, require: mediun}\n"
    path.write_text(text)
    _, issues = check_ruleset(path)
    assert str(issues[0]).endswith(
        "product.yaml:5:22: unknown-reference: there is no attribute 'mediun' "
        "(did you mean 'medium'?)"
    )


def test_a_folder_loads_its_product_yaml(tmp_path: Path) -> None:
    """A folder path loads product.yaml, or the single file with a product: key."""
    write(tmp_path, {"a/product.yaml": HEADER, "b/pump.yaml": HEADER, "b/lib.yaml": MOTORS})
    assert load_ruleset(tmp_path / "a").product.id == "pump"
    assert load_ruleset(tmp_path / "b").product.id == "pump"


def test_shipped_sample_loads() -> None:
    """The sample in rulesets/pump loads (the tests run from the repository root)."""
    assert load_ruleset("rulesets/pump").product.id == "cp-pump"


@pytest.mark.parametrize("ending", ["", "\n", "\n\n"])
def test_an_empty_value_at_the_end_is_located_inside_the_file(tmp_path: Path, ending: str) -> None:
    """A key without a value on the last line is reported right after it, not past the end."""
    text = 'cpq: "1"\nproduct: {id: pump, name: Pump}\nbom:\n  - qty: 1\n    sku:' + ending
    assert check(tmp_path, text) == ["wrong-type@5:9"]
    text = 'cpq: "1"\nproduct:\n  id: pump\n  name:' + ending
    assert check(tmp_path, text) == ["wrong-type@4:8"]
