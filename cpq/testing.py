"""Hypothesis strategies for testing code built on cpq (and cpq itself).

* :func:`rulesets` draws small random, well-typed :class:`~cpq.ruleset.model.Ruleset` objects:
  choice, multi, bool and int attributes with numeric, text and yes/no properties, and
  ``require``/``exclude``/``table`` rules with optional ``when``, using every operator of the
  expression language.
* :func:`configurations` draws full configurations (valid or not) of a given ruleset;
  :func:`selections` draws partial user choices.
* :func:`all_configurations` and :func:`valid_configurations` enumerate by brute force: the
  oracle for counts and valid domains on small rulesets.

Requires ``hypothesis`` (a development dependency).

Example:
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5)
    ... @given(rulesets())
    ... def test_every_ruleset_has_attributes(rs):
    ...     assert rs.attributes
    >>> test_every_ruleset_has_attributes()
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from hypothesis import strategies as st

from cpq.errors import SourceLocation
from cpq.model.evaluate import Value, check_values
from cpq.ruleset.expr import parse_expr
from cpq.ruleset.model import (
    ANY,
    Attribute,
    AttrType,
    Cell,
    Product,
    Rule,
    RuleKind,
    Ruleset,
    Table,
)
from cpq.ruleset.model import Value as RsValue
from cpq.ruleset.typecheck import ExprChecker

__all__ = [
    "all_configurations",
    "configurations",
    "count_configurations",
    "rulesets",
    "selections",
    "valid_configurations",
]

_FILE = "<generated>"
_TAGS = ("x", "y", "z")
_TYPES: tuple[AttrType, ...] = ("choice", "choice", "multi", "bool", "int")
_KINDS: tuple[RuleKind, ...] = ("require", "require", "exclude", "table")


def _loc(line: int, path: str = "") -> SourceLocation:
    return SourceLocation(_FILE, line, 1, path)


@st.composite
def _attribute(
    draw: st.DrawFn, name: str, line: int, max_values: int, max_int_width: int
) -> Attribute:
    typ: AttrType = draw(st.sampled_from(_TYPES))
    values: dict[str, RsValue] = {}
    rng: tuple[int, int] | None = None
    default: Any = None
    min_sel, max_sel = 0, None
    if typ in ("choice", "multi"):
        n = draw(st.integers(1, max_values))
        for i in range(n):
            vid = f"v{i}"
            w = draw(
                st.one_of(
                    st.integers(-3, 6),
                    st.sampled_from(
                        [Decimal("0.5"), Decimal("1.5"), Decimal("-2.5"), Decimal("2.25")]
                    ),
                )
            )
            props = {
                "w": w,
                "tag": draw(st.sampled_from(_TAGS)),
                "flag": draw(st.booleans()),
            }
            values[vid] = RsValue(
                vid,
                vid.upper(),
                f"{name.upper()}-{vid.upper()}",
                props,
                None,
                None,
                _loc(line, f"attributes.{name}.values.{vid}"),
            )
        if typ == "choice" and draw(st.booleans()):
            default = draw(st.sampled_from(list(values)))
        if typ == "multi":
            min_sel = draw(st.integers(0, min(1, n)))
            max_sel = draw(st.one_of(st.none(), st.integers(max(min_sel, 1), n)))
            if draw(st.booleans()):
                default = tuple(
                    draw(st.lists(st.sampled_from(list(values)), unique=True, max_size=n))
                )
    elif typ == "int":
        lo = draw(st.integers(-3, 5))
        rng = (lo, lo + draw(st.integers(0, max_int_width - 1)))
        if draw(st.booleans()):
            default = draw(st.integers(rng[0], rng[1]))
    else:
        if draw(st.booleans()):
            default = draw(st.booleans())
    return Attribute(
        name=name,
        type=typ,
        label=name.capitalize(),
        description=None,
        values=values,
        range=rng,
        unit=None,
        default=default,
        sku=f"{name.upper()}-YES" if typ == "bool" else None,
        lead_time_days=None,
        min_selected=min_sel,
        max_selected=max_sel,
        location=_loc(line, f"attributes.{name}"),
    )


def _num_atoms(attrs: dict[str, Attribute]) -> list[str]:
    out = ["1", "2", "3", "0.5"]
    for a in attrs.values():
        if a.type == "int":
            out.append(a.name)
        elif a.type == "choice":
            out.append(f"{a.name}.w")
        elif a.type == "multi":
            out.extend(
                [f"count({a.name})", f"sum({a.name}.w)", f"max({a.name}.w)", f"min({a.name}.w)"]
            )
    return out


@st.composite
def _num(draw: st.DrawFn, attrs: dict[str, Attribute], depth: int) -> str:
    atoms = _num_atoms(attrs)
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(atoms))
    form = draw(st.integers(0, 6))
    a = draw(_num(attrs, depth - 1))
    b = draw(_num(attrs, depth - 1))
    if form == 0:
        return f"({a} + {b})"
    if form == 1:
        return f"({a} - {b})"
    if form == 2:
        return f"({a} * {b})"
    if form == 3:
        return f"({a} // {b})"
    if form == 4:
        return f"({a} / {b})"
    if form == 5:
        return f"{draw(st.sampled_from(['min', 'max']))}({a}, {b})"
    return f"abs(-{a})"


@st.composite
def _atom(draw: st.DrawFn, attrs: dict[str, Attribute], depth: int) -> str:
    a = draw(st.sampled_from(list(attrs.values())))
    vals = list(a.values)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"{draw(_num(attrs, depth))} {op} {draw(_num(attrs, depth))}"
    if a.type == "bool":
        return a.name
    if a.type == "int":
        return f"{a.name} in [{draw(st.integers(a.range[0], a.range[1]))}, 2]"  # type: ignore[index]
    if a.type == "choice":
        form = draw(st.integers(0, 4))
        if form == 0:
            return f"{a.name} == '{draw(st.sampled_from(vals))}'"
        if form == 1:
            picks = draw(st.lists(st.sampled_from(vals), min_size=1, max_size=3))
            return f"{a.name} in [{', '.join(repr(v) for v in picks)}]"
        if form == 2:
            return f"{a.name}.tag == '{draw(st.sampled_from(_TAGS))}'"
        if form == 3:
            return f"{a.name}.flag"
        others = [b for b in attrs.values() if b.type == "multi"]
        if others:
            return f"{a.name} in {draw(st.sampled_from(others)).name}"
        return f"{a.name} != '{draw(st.sampled_from(vals))}'"
    form = draw(st.integers(0, 1))
    if form == 0:
        return f"'{draw(st.sampled_from(vals))}' in {a.name}"
    return f"'{draw(st.sampled_from(vals))}' not in {a.name}"


@st.composite
def _cond(draw: st.DrawFn, attrs: dict[str, Attribute], depth: int) -> str:
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(_atom(attrs, 1))
    form = draw(st.integers(0, 2))
    a = draw(_cond(attrs, depth - 1))
    if form == 0:
        return f"not ({a})"
    b = draw(_cond(attrs, depth - 1))
    return f"({a}) {'and' if form == 1 else 'or'} ({b})"


@st.composite
def _table(draw: st.DrawFn, attrs: dict[str, Attribute]) -> Table | None:
    cols = [a for a in attrs.values() if a.type != "multi"]
    if not cols:
        return None
    chosen = draw(
        st.lists(
            st.sampled_from(cols),
            min_size=1,
            max_size=min(3, len(cols)),
            unique_by=lambda a: a.name,
        )
    )
    rows: list[tuple[Cell, ...]] = []
    for _ in range(draw(st.integers(0, 4))):
        cells: list[Cell] = []
        for a in chosen:
            if draw(st.integers(0, 3)) == 0:
                cells.append(ANY)
            elif a.type == "bool":
                cells.append(frozenset(draw(st.lists(st.booleans(), min_size=1, max_size=2))))
            elif a.type == "int":
                assert a.range is not None
                cells.append(
                    frozenset(draw(st.lists(st.integers(*a.range), min_size=1, max_size=3)))
                )
            else:
                cells.append(
                    frozenset(
                        draw(st.lists(st.sampled_from(list(a.values)), min_size=1, max_size=2))
                    )
                )
        rows.append(tuple(cells))
    mode: Literal["allow", "forbid"] = draw(st.sampled_from(("allow", "forbid")))
    return Table(
        tuple(a.name for a in chosen),
        mode,
        tuple(rows),
        tuple(_loc(900 + i) for i in range(len(rows))),
    )


@st.composite
def rulesets(
    draw: st.DrawFn,
    *,
    max_attributes: int = 4,
    max_values: int = 3,
    max_rules: int = 4,
    max_int_width: int = 5,
    expression_depth: int = 2,
    messages: bool = True,
) -> Ruleset:
    """Small random well-typed rulesets.

    Args:
        max_attributes: most attributes (at least one).
        max_values: most values of a choice or multi attribute.
        max_rules: most rules.
        max_int_width: most values in an int attribute's range.
        expression_depth: nesting depth of generated conditions and numbers.
        messages: whether some rules carry a ``message``.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=3)
        ... @given(rulesets(max_attributes=2))
        ... def t(rs):
        ...     assert len(rs.attributes) <= 2
        >>> t()
    """
    n_attr = draw(st.integers(1, max_attributes))
    attrs: dict[str, Attribute] = {}
    for i in range(n_attr):
        name = f"a{i}"
        attrs[name] = draw(_attribute(name, 10 + i, max_values, max_int_width))
    checker = ExprChecker(attrs)
    rules: list[Rule] = []
    for r in range(draw(st.integers(0, max_rules))):
        rid = f"r{r}"
        line = 100 + 10 * r
        kind: RuleKind = draw(st.sampled_from(_KINDS))
        texts: dict[str, str] = {}
        when = None
        if draw(st.integers(0, 2)) == 0:
            texts["when"] = draw(_cond(attrs, 1))
            when = parse_expr(texts["when"])
        require = None
        exclude: list[Any] = []
        table = None
        if kind == "require":
            texts["require"] = draw(_cond(attrs, expression_depth))
            require = parse_expr(texts["require"])
        elif kind == "exclude":
            for j in range(draw(st.integers(1, 3))):
                texts[f"exclude[{j}]"] = draw(_cond(attrs, expression_depth - 1))
                exclude.append(parse_expr(texts[f"exclude[{j}]"]))
        else:
            table = draw(_table(attrs))
            if table is None:
                continue
        for e in [when, require, *exclude]:
            if e is not None:
                problems = checker.check(e, "bool")
                assert not problems, (problems, texts)
        message = f"message of {rid}" if messages and draw(st.booleans()) else None
        rules.append(
            Rule(
                rid,
                kind,
                message,
                None,
                when,
                require,
                tuple(exclude),
                table,
                _loc(line, f"rules[{r}]"),
                texts,
            )
        )
    product = Product("generated", "Generated product", "GEN-BASE", None, None, _loc(1, "product"))
    return Ruleset("1", product, attrs, tuple(rules), (), (_FILE,))


def _domain(attr: Attribute) -> list[Value]:
    if attr.type == "choice":
        return list(attr.values)
    if attr.type == "bool":
        return [False, True]
    if attr.type == "int":
        assert attr.range is not None
        return list(range(attr.range[0], attr.range[1] + 1))
    vals = list(attr.values)
    return [frozenset(c) for r in range(len(vals) + 1) for c in itertools.combinations(vals, r)]


def all_configurations(ruleset: Ruleset) -> Iterator[dict[str, Value]]:
    """Every full configuration (valid or not), in a fixed order; use on small rulesets only.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> sum(1 for _ in all_configurations(demo_ruleset())) > 1000
        True
    """
    names = list(ruleset.attributes)
    domains = [_domain(ruleset.attributes[n]) for n in names]
    for combo in itertools.product(*domains):
        yield dict(zip(names, combo, strict=True))


def valid_configurations(ruleset: Ruleset) -> Iterator[dict[str, Value]]:
    """Every valid full configuration, by brute force with the independent evaluator.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> next(valid_configurations(demo_ruleset()))["motor"]
        'm55'
    """
    for values in all_configurations(ruleset):
        if not check_values(ruleset, values):
            yield values


def count_configurations(ruleset: Ruleset) -> int:
    """How many valid full configurations there are (brute force).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> count_configurations(demo_ruleset()) > 0
        True
    """
    return sum(1 for _ in valid_configurations(ruleset))


@st.composite
def configurations(draw: st.DrawFn, ruleset: Ruleset) -> dict[str, Value]:
    """A full configuration of ``ruleset`` (not necessarily valid).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from hypothesis import given, settings
        >>> rs = demo_ruleset()
        >>> @settings(max_examples=3)
        ... @given(configurations(rs))
        ... def t(v):
        ...     assert set(v) == set(rs.attributes)
        >>> t()
    """
    out: dict[str, Value] = {}
    for name, attr in ruleset.attributes.items():
        if attr.type == "choice":
            out[name] = draw(st.sampled_from(list(attr.values)))
        elif attr.type == "bool":
            out[name] = draw(st.booleans())
        elif attr.type == "int":
            assert attr.range is not None
            out[name] = draw(st.integers(attr.range[0], attr.range[1]))
        else:
            out[name] = frozenset(draw(st.lists(st.sampled_from(list(attr.values)), unique=True)))
    return out


@st.composite
def selections(draw: st.DrawFn, ruleset: Ruleset, max_size: int = 3) -> list[tuple[str, Value]]:
    """A list of user choices ``(attribute, value)``; for multi attributes one value id each.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from hypothesis import given, settings
        >>> rs = demo_ruleset()
        >>> @settings(max_examples=3)
        ... @given(selections(rs))
        ... def t(sel):
        ...     assert all(a in rs.attributes for a, _ in sel)
        >>> t()
    """
    names = list(ruleset.attributes)
    out: list[tuple[str, Value]] = []
    for _ in range(draw(st.integers(0, max_size))):
        name = draw(st.sampled_from(names))
        attr = ruleset.attributes[name]
        if attr.type in ("choice", "multi"):
            out.append((name, draw(st.sampled_from(list(attr.values)))))
        elif attr.type == "bool":
            out.append((name, draw(st.booleans())))
        else:
            assert attr.range is not None
            out.append((name, draw(st.integers(attr.range[0], attr.range[1]))))
    return out
