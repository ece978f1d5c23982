"""The evaluator's compiled fast path against the straightforward walk over the rule trees."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.model.evaluate import _flat, check_values, rule_holds, violated_rules
from cpq.ruleset import load_ruleset
from cpq.ruleset.model import Ruleset
from cpq.testing import configurations, rulesets


def reference(rs: Ruleset, values: dict[str, object]) -> list[str]:
    """The violated rules by the reference walk, one rule at a time."""
    return [r.id for r in rs.rules if not rule_holds(rs, r, values)]  # type: ignore[arg-type]


@settings(max_examples=150)
@given(st.data(), rulesets())
def test_fast_path_matches_reference_walk(data: st.DataObject, rs: Ruleset) -> None:
    """On random rulesets (numbers, properties, tables, multi values) and any full
    configuration, the compiled form breaks exactly the rules the walk breaks."""
    for _ in range(3):
        values = data.draw(configurations(rs))
        assert violated_rules(rs, values) == reference(rs, values)


PROPOSITIONAL = """
cpq: "1"
product: {id: p, name: P}
attributes:
  a: {type: bool}
  b: {type: bool}
  c: {type: bool}
  d: {type: bool}
  size: {type: choice, values: {s: {}, m: {}, l: {}, xl: {}}}
  extras: {type: multi, values: {x: {}, y: {}, z: {}}}
  n: {type: int, range: [0, 3]}
rules:
  - {id: r-implies, when: a, require: b or c}
  - {id: r-exclude, when: "size == 'l'", exclude: [a, "'x' in extras"]}
  - {id: r-list, when: d, require: "size in ['s', 'm']"}
  - {id: r-not-list, when: "not d", require: "size not in ['s']"}
  - {id: r-not-member, require: "'z' not in extras or (a and not b)"}
  - {id: r-bool-eq, require: "a == true or d != false or size != 'xl'"}
  - {id: r-nested, require: "not ((a or b) and (c or d)) or size == 'm'"}
  - {id: r-const, when: "false", require: a}
  - {id: r-always, require: "true"}
  - id: r-big
    require: >-
      (a and b and c and d) or (size == 's' and 'x' in extras and 'y' in extras)
      or (size == 'm' and not a and not b) or (size == 'l' and c and d)
  - {id: r-number, when: a, require: "n >= 2"}
  - id: r-table
    table: {columns: [size, a], allow: [[s, "*"], [m, true], [xl, false]]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rs"
    folder.mkdir()
    (folder / "product.yaml").write_text(text)
    return folder


def _all(rs: Ruleset) -> list[dict[str, object]]:
    out: list[dict[str, object]] = [{}]
    for name, attr in rs.attributes.items():
        if attr.type == "bool":
            opts: list[object] = [True, False]
        elif attr.type == "choice":
            opts = list(attr.values)
        elif attr.type == "multi":
            ids = list(attr.values)
            opts = [
                frozenset(v for j, v in enumerate(ids) if mask >> j & 1)
                for mask in range(1 << len(ids))
            ]
        else:
            assert attr.range is not None
            opts = list(range(attr.range[0], attr.range[1] + 1))
        out = [{**row, name: v} for row in out for v in opts]
    return out


def test_every_configuration_of_a_propositional_ruleset(tmp_path: Path) -> None:
    """Exhaustively: clauses (with ``in`` lists, ``not in``, multi membership, ``== true``,
    nested negations, constants), a rule too big for clauses, numbers and a table."""
    rs = load_ruleset(_write(tmp_path, PROPOSITIONAL))
    flat = _flat(rs)
    by_closure = {rs.rules[i].id for i, _ in flat.closures}
    assert by_closure == {"r-big", "r-number", "r-table"}  # the rest became clauses
    broken: set[str] = set()
    for values in _all(rs):
        got = violated_rules(rs, values)  # type: ignore[arg-type]
        assert got == reference(rs, values)
        assert check_values(rs, values) == got
        broken.update(got)
    # every rule but the constant ones is broken somewhere: the test can fail
    assert broken == {r.id for r in rs.rules} - {"r-const", "r-always"}


def test_compiled_form_is_shared() -> None:
    """A ruleset is compiled once."""
    rs = load_ruleset("rulesets/pump")
    assert _flat(rs) is _flat(rs)
