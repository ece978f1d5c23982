"""Hypothesis strategies for ruleset *files*: random valid rulesets as YAML data and text.

Where :mod:`cpq.testing` draws already-loaded :class:`~cpq.ruleset.model.Ruleset` objects (for
testing the configurator and the solvers), these strategies draw what an author writes, so
that the loader itself is tested:

* :func:`ruleset_data` draws a valid product ruleset as plain data (what ``yaml.safe_load`` of a
  file gives): attributes of all four types, values with numeric, text and yes/no properties
  (some through ``property_defaults``), defaults, ``require``/``exclude``/``table`` rules with
  random well-typed expressions and optional ``when``, and a ``bom``. Names, value ids and
  texts include the YAML 1.1 traps (``no``, ``1.10``, ``0132``, ``null``) and odd characters.
* :func:`ruleset_files` draws the same split over a product file and an included library, as
  file name -> YAML text, ready to write to a folder and load.
* :func:`yaml_text` writes such data as YAML with every text quoted where YAML 1.1 would
  coerce it and every ``Decimal`` written digit for digit.
* :func:`expressions` draws syntactically valid (not type-checked) expression trees, for
  round trips through :func:`~cpq.ruleset.expr.to_source` and the parser.

Requires ``hypothesis`` (a development dependency).

Example:
    >>> from hypothesis import given, settings
    >>> from cpq.ruleset.strategies import ruleset_data
    >>> @settings(max_examples=5)
    ... @given(ruleset_data())
    ... def test_every_ruleset_has_a_product(data):
    ...     assert data["cpq"] == "1" and data["product"]["id"]
    >>> test_every_ruleset_has_a_product()
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

from cpq.ruleset.expr import (
    FUNCTIONS,
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLit,
    Literal_,
    Name,
    Neg,
    Not,
    Prop,
)

__all__ = ["expressions", "ruleset_data", "ruleset_files", "yaml_text"]

# -- names and texts --------------------------------------------------------------------------

_RESERVED = {"and", "or", "not", "in", "true", "false", *FUNCTIONS}
_TRAPS = ["no", "yes", "on", "off", "y", "n", "null", "true", "1.10", "0132", "007", "1e3", "1:20"]
"""Plain words that YAML 1.1 reads as something other than text."""

_idents = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: s not in _RESERVED
)
"""Attribute and property names: usable in expressions."""

_value_ids = st.one_of(
    st.from_regex(r"[a-z0-9_][a-z0-9_.\-]{0,7}", fullmatch=True),
    st.sampled_from([*_TRAPS, "NO", "On", "x:y", "#x", "-x", "a&b", "*", "é-1"]),
)
"""Value ids: anything without spaces, quotes, commas or brackets."""

_rule_ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,11}", fullmatch=True),
    st.sampled_from(_TRAPS[:-1]),
)

_texts = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.sampled_from([*_TRAPS, "", " ", "a: b", "- x", "# not a comment", "'", '"', "\\", "\n"]),
)
"""Labels, messages, descriptions and text properties: any text at all."""

_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: abs(d.adjusted()) < 30
)
_numbers = st.one_of(st.integers(-(10**6), 10**6), _decimals)

# -- writing YAML -----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper (which quotes every text YAML 1.1 would coerce) plus Decimal."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    from cpq.ruleset.dump import _decimal

    return dumper.represent_scalar("tag:yaml.org,2002:float", _decimal(value))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # PyYAML writes NEL (and LS, PS) raw inside single quotes, where YAML folds it to a space;
    # double quotes escape it.
    style = '"' if any(ch in value for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)


def yaml_text(data: Any, *, flow: bool | None = None) -> str:
    """Write plain data as YAML that reads back to the same data.

    ``flow`` picks the layout: ``False`` block style, ``True`` all flow (``{a: [1, 2]}``),
    ``None`` block with flow leaves (PyYAML's default).

    Example:
        >>> print(yaml_text({"id": "no", "v": Decimal("1.10")}, flow=False), end="")
        id: 'no'
        v: 1.10
        >>> print(yaml_text({"id": "no", "v": Decimal("1.10")}), end="")
        {id: 'no', v: 1.10}
    """
    return yaml.dump(
        data, Dumper=_Dumper, default_flow_style=flow, allow_unicode=True, sort_keys=False
    )


# -- attributes -------------------------------------------------------------------------------


def _prop_value(draw: st.DrawFn, kind: str) -> Any:
    if kind == "num":
        return draw(_numbers)
    if kind == "bool":
        return draw(st.booleans())
    return draw(_texts)


@st.composite
def _attribute(draw: st.DrawFn, typ: str) -> dict[str, Any]:
    """One attribute spec of type ``typ``; private keys (``_...``) describe it for expressions."""
    spec: dict[str, Any] = {"type": typ}
    if draw(st.booleans()):
        spec["label"] = draw(_texts)
    if draw(st.integers(0, 3)) == 0:
        spec["description"] = draw(_texts)
    if typ in ("choice", "multi"):
        ids = draw(st.lists(_value_ids, min_size=1, max_size=5, unique=True))
        names = draw(st.lists(_idents, max_size=3, unique=True))
        kinds = {n: draw(st.sampled_from(["num", "num", "text", "bool"])) for n in names}
        shared = {n for n in names if draw(st.integers(0, 2)) == 0}
        if shared:
            spec["property_defaults"] = {n: _prop_value(draw, kinds[n]) for n in shared}
        values: dict[str, Any] = {}
        for vid in ids:
            own = {
                n: _prop_value(draw, kinds[n])
                for n in names
                if n not in shared or draw(st.booleans())
            }
            vspec: dict[str, Any] = {}
            if own:
                vspec["properties"] = own
            if draw(st.booleans()):
                vspec["label"] = draw(_texts)
            if draw(st.booleans()):
                vspec["sku"] = draw(_texts)
            if draw(st.integers(0, 3)) == 0:
                vspec["lead_time_days"] = draw(st.integers(0, 400))
            if draw(st.integers(0, 5)) == 0:
                vspec["description"] = draw(_texts)
            keep = bool(vspec) or draw(st.booleans())  # else written 'id:' (null)
            values[vid] = vspec if keep else None
        spec["values"] = values
        spec["_props"] = kinds
        if typ == "choice" and draw(st.booleans()):
            spec["default"] = draw(st.sampled_from(ids))
        if typ == "multi":
            lo = draw(st.integers(0, len(ids)))
            if draw(st.booleans()):
                spec["min_selected"] = lo
            if draw(st.booleans()):
                spec["max_selected"] = draw(st.integers(lo, len(ids) + 1))
            if draw(st.booleans()):
                spec["default"] = draw(st.lists(st.sampled_from(ids), unique=True))
    elif typ == "int":
        lo = draw(st.integers(-1000, 1000))
        hi = lo + draw(st.integers(0, 500))
        spec["range"] = [lo, hi]
        if draw(st.booleans()):
            spec["unit"] = draw(_texts)
        if draw(st.booleans()):
            spec["default"] = draw(st.integers(lo, hi))
    else:
        if draw(st.booleans()):
            spec["default"] = draw(st.booleans())
        if draw(st.booleans()):
            spec["sku"] = draw(_texts)
        if draw(st.booleans()):
            spec["lead_time_days"] = draw(st.integers(0, 400))
    return spec


# -- well-typed expressions -------------------------------------------------------------------


def _quote(value_id: str) -> str:
    return "'" + value_id.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _props_of(attrs: dict[str, Any], name: str, kind: str) -> list[str]:
    return [p for p, k in attrs[name].get("_props", {}).items() if k == kind]


def _of_type(attrs: dict[str, Any], *types: str) -> list[str]:
    return [n for n, a in attrs.items() if a["type"] in types]


@st.composite
def _number(draw: st.DrawFn, attrs: dict[str, Any], depth: int) -> str:
    """A numeric expression over ``attrs``."""
    atoms = [str(draw(st.integers(0, 50))), format(draw(st.decimals(0, 10, places=2)), "f")]
    atoms += _of_type(attrs, "int")
    for name in _of_type(attrs, "choice"):
        atoms += [f"{name}.{p}" for p in _props_of(attrs, name, "num")]
    for name in _of_type(attrs, "multi"):
        atoms.append(f"count({name})")
        atoms += [f"sum({name}.{p})" for p in _props_of(attrs, name, "num")]
        atoms += [f"max({name}.{p})" for p in _props_of(attrs, name, "num")]
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(atoms))
    sub = _number(attrs, depth - 1)
    form = draw(st.integers(0, 4))
    if form == 0:
        return f"-{draw(sub)}" if draw(st.booleans()) else f"abs({draw(sub)})"
    if form == 1:
        func = draw(st.sampled_from(["min", "max"]))
        return f"{func}({', '.join(draw(st.lists(sub, min_size=1, max_size=3)))})"
    op = draw(st.sampled_from(["+", "-", "*", "/", "//"]))
    return f"({draw(sub)} {op} {draw(sub)})"


@st.composite
def _condition(draw: st.DrawFn, attrs: dict[str, Any], depth: int) -> str:
    """A yes/no expression over ``attrs``."""
    forms: list[str] = ["true", "false", "compare"]
    forms += ["bool"] * bool(_of_type(attrs, "bool"))
    forms += ["choice"] * bool(_of_type(attrs, "choice"))
    forms += ["multi"] * bool(_of_type(attrs, "multi"))
    forms += ["prop"] * any(
        _props_of(attrs, n, k) for n in _of_type(attrs, "choice") for k in ("text", "bool")
    )
    if depth > 0:
        forms += ["not", "and", "or"]
    form = draw(st.sampled_from(forms))
    sub = _condition(attrs, depth - 1)
    if form in ("true", "false"):
        return form
    if form == "bool":
        return draw(st.sampled_from(_of_type(attrs, "bool")))
    if form == "choice":
        name = draw(st.sampled_from(_of_type(attrs, "choice")))
        ids = list(attrs[name]["values"])
        if draw(st.booleans()):
            op = draw(st.sampled_from(["==", "!="]))
            return f"{name} {op} {_quote(draw(st.sampled_from(ids)))}"
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))
        op = draw(st.sampled_from(["in", "not in"]))
        return f"{name} {op} [{', '.join(_quote(v) for v in chosen)}]"
    if form == "multi":
        name = draw(st.sampled_from(_of_type(attrs, "multi")))
        op = draw(st.sampled_from(["in", "not in"]))
        return f"{_quote(draw(st.sampled_from(list(attrs[name]['values']))))} {op} {name}"
    if form == "prop":
        name = draw(
            st.sampled_from(
                [n for n in _of_type(attrs, "choice") if _props_of(attrs, n, "text")]
                + [n for n in _of_type(attrs, "choice") if _props_of(attrs, n, "bool")]
            )
        )
        texts = _props_of(attrs, name, "text")
        if texts and (not _props_of(attrs, name, "bool") or draw(st.booleans())):
            word = draw(st.from_regex(r"[A-Za-z0-9 _-]{0,6}", fullmatch=True))
            return f"{name}.{draw(st.sampled_from(texts))} == {_quote(word)}"
        return f"{name}.{draw(st.sampled_from(_props_of(attrs, name, 'bool')))}"
    if form == "compare":
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        num = _number(attrs, min(depth, 2))
        return f"{draw(num)} {op} {draw(num)}"
    if form == "not":
        return f"not ({draw(sub)})"
    return f"({draw(sub)} {form} {draw(sub)})"


# -- rules, tables and bom --------------------------------------------------------------------


@st.composite
def _cell(draw: st.DrawFn, attr: dict[str, Any]) -> Any:
    if draw(st.integers(0, 4)) == 0:
        return "*"
    if attr["type"] == "bool":
        cells = draw(st.lists(st.booleans(), min_size=1, max_size=2, unique=True))
        return cells[0] if len(cells) == 1 and draw(st.booleans()) else cells
    if attr["type"] == "int":
        lo, hi = attr["range"]
        a = draw(st.integers(lo, hi))
        if draw(st.booleans()):
            return a
        return f"{a}..{draw(st.integers(a, min(hi, a + 50)))}"
    ids = draw(st.lists(st.sampled_from(list(attr["values"])), min_size=1, max_size=3, unique=True))
    return ids[0] if len(ids) == 1 and draw(st.booleans()) else ids


@st.composite
def _rule(draw: st.DrawFn, attrs: dict[str, Any], rule_id: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": rule_id}
    columns = _of_type(attrs, "choice", "bool", "int")
    kinds = ["require", "exclude"] + ["table"] * bool(columns)
    kind = draw(st.sampled_from(kinds))
    if draw(st.booleans()):
        rule["when"] = draw(_condition(attrs, 2))
    if kind == "require":
        rule["require"] = draw(_condition(attrs, 3))
    elif kind == "exclude":
        rule["exclude"] = draw(st.lists(_condition(attrs, 2), min_size=1, max_size=3))
    else:
        cols = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique=True))
        rows = draw(st.lists(st.tuples(*(_cell(attrs[c]) for c in cols)), max_size=4))
        mode = draw(st.sampled_from(["allow", "forbid"]))
        rule["table"] = {"columns": cols, mode: [list(r) for r in rows]}
    if draw(st.booleans()):
        rule["message"] = draw(_texts)
    if draw(st.integers(0, 3)) == 0:
        rule["description"] = draw(_texts)
    return rule


@st.composite
def _bom_item(draw: st.DrawFn, attrs: dict[str, Any], sku: str) -> dict[str, Any]:
    item: dict[str, Any] = {"sku": sku}
    qty = draw(st.integers(0, 3))
    if qty == 1:
        item["qty"] = draw(st.integers(0, 1000))
    elif qty == 2:
        item["qty"] = draw(st.decimals(0, 100, places=3))
    elif qty == 3:
        item["qty"] = draw(_number(attrs, 2))
    if draw(st.booleans()):
        item["when"] = draw(_condition(attrs, 2))
    if draw(st.booleans()):
        item["label"] = draw(_texts)
    if draw(st.integers(0, 3)) == 0:
        item["lead_time_days"] = draw(st.integers(0, 400))
    return item


# -- whole rulesets ---------------------------------------------------------------------------


def _public(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if not k.startswith("_")}


@st.composite
def _ruleset(
    draw: st.DrawFn, max_attributes: int, max_rules: int, max_bom: int
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    names = draw(st.lists(_idents, min_size=1, max_size=max_attributes, unique=True))
    attrs = {
        n: draw(_attribute(draw(st.sampled_from(["choice", "multi", "bool", "int"]))))
        for n in names
    }
    data: dict[str, Any] = {"cpq": "1", "product": {"id": draw(_rule_ids), "name": draw(_texts)}}
    for key in ("sku", "description"):
        if draw(st.booleans()):
            data["product"][key] = draw(_texts)
    if draw(st.booleans()):
        data["product"]["lead_time_days"] = draw(st.integers(0, 400))
    data["attributes"] = {n: _public(a) for n, a in attrs.items()}
    rule_ids = draw(st.lists(_rule_ids, max_size=max_rules, unique=True))
    if rule_ids:
        data["rules"] = [draw(_rule(attrs, rid)) for rid in rule_ids]
    skus = draw(st.lists(_texts, max_size=max_bom, unique=True))
    if skus:
        data["bom"] = [draw(_bom_item(attrs, sku)) for sku in skus]
    return data, attrs


def ruleset_data(
    *, max_attributes: int = 5, max_rules: int = 6, max_bom: int = 3
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid one-file product rulesets as plain data (as ``yaml.safe_load`` would give).

    Every drawn ruleset loads without an error; write it with :func:`yaml_text`.
    """
    return _ruleset(max_attributes, max_rules, max_bom).map(lambda pair: pair[0])


@st.composite
def _files(draw: st.DrawFn, max_attributes: int, max_rules: int) -> dict[str, str]:
    data, _ = draw(_ruleset(max_attributes, max_rules, 3))
    flow = draw(st.sampled_from([None, False, True]))
    attributes: dict[str, Any] = data["attributes"]
    moved = [n for n in attributes if draw(st.booleans())]
    if not moved:
        return {"product.yaml": yaml_text(data, flow=flow)}
    library: dict[str, Any] = {"cpq": "1", "library": {"id": "shared"}}
    library["attributes"] = {n: attributes.pop(n) for n in moved}
    if not attributes:
        del data["attributes"]
    rules = data.get("rules", [])
    if rules and draw(st.booleans()):  # rules may live in the library too
        cut = draw(st.integers(0, len(rules)))
        library["rules"], data["rules"] = rules[:cut], rules[cut:]
    product = {"cpq": "1", "product": data["product"], "include": ["lib/shared.yaml"]}
    product.update({k: v for k, v in data.items() if k not in product})
    return {
        "product.yaml": yaml_text(product, flow=flow),
        "lib/shared.yaml": yaml_text(library, flow=flow),
    }


def ruleset_files(
    *, max_attributes: int = 5, max_rules: int = 6
) -> st.SearchStrategy[dict[str, str]]:
    """Valid rulesets as file name -> YAML text: ``product.yaml`` and maybe ``lib/shared.yaml``.

    Some attributes (and rules) may be moved to the library, which the product includes; the
    layout (block, flow, mixed) is drawn too.
    """
    return _files(max_attributes, max_rules)


# -- syntactic expressions --------------------------------------------------------------------

_names = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(lambda s: s not in _RESERVED)
_literals = st.one_of(
    st.integers(-(10**12), 10**12).map(lambda v: Literal_(v, (0, 0))),
    st.decimals(-(10**6), 10**6, places=3).map(lambda v: Literal_(v, (0, 0))),
    st.booleans().map(lambda v: Literal_(v, (0, 0))),
    st.text(st.characters(codec="utf-8"), max_size=8).map(lambda v: Literal_(v, (0, 0))),
    _names.map(lambda n: Name(n, (0, 0))),
    st.tuples(_names, st.one_of(_names, st.sampled_from(sorted(_RESERVED)))).map(
        lambda p: Prop(p[0], p[1], (0, 0))
    ),
)


_BOOL_OPS: tuple[Literal["and", "or"], ...] = ("and", "or")
_COMPARE_OPS: tuple[Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"], ...] = (
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
)
_ARITH_OPS: tuple[Literal["+", "-", "*", "/", "//"], ...] = ("+", "-", "*", "/", "//")


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    z = (0, 0)
    bool_ops = st.sampled_from(_BOOL_OPS)
    compare_ops = st.sampled_from(_COMPARE_OPS)
    arith_ops = st.sampled_from(_ARITH_OPS)
    args = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        children.map(lambda e: Not(e, z)),
        children.map(lambda e: Neg(e, z)).filter(lambda e: not isinstance(e.operand, Literal_)),
        st.tuples(bool_ops, st.lists(children, min_size=2, max_size=3)).map(
            lambda p: BoolOp(p[0], tuple(p[1]), z)
        ),
        st.tuples(compare_ops, children, children).map(lambda p: Compare(p[0], p[1], p[2], z)),
        st.tuples(arith_ops, children, children).map(lambda p: Arith(p[0], p[1], p[2], z)),
        st.tuples(st.sampled_from((*FUNCTIONS, "foo")), args).map(lambda p: Call(p[0], p[1], z)),
        args.map(lambda items: ListLit(items, z)),
    )


def expressions(max_leaves: int = 12) -> st.SearchStrategy[Expr]:
    """Syntactically valid expression trees (names and types are not checked; spans are 0).

    Every drawn tree is one the parser can produce: ``to_source`` of it parses back to it.
    """
    return st.recursive(_literals, _extend, max_leaves=max_leaves)
