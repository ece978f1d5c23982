"""Imported rulesets allow exactly the configurations of the original model.

Random small models in each format are generated together with their meaning, computed here
directly from the format's semantics (independent of the importers); the imported ruleset is
loaded and all its valid assignments are enumerated by brute force (importers_brute). The two
sets must be equal, and no two assignments of the ruleset may stand for the same configuration
of the original model (so the numbers of solutions agree too).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st
from importers_brute import load, solutions

from cpq.importers import ImportedModel, parse_dimacs, parse_uvl, parse_xcsp

# -- UVL ---------------------------------------------------------------------------------------

# Awkward names on purpose: spaces, a keyword, accents, a leading digit, names that collide with
# generated names (<parent>_choice, none) and with each other after sanitising.
NAMES = [
    "Car",
    "Engine",
    "Sun roof",
    "or",
    "Größe",
    "2fast",
    "Car_choice",
    "none",
    "Sun_roof",
    "x-1",
    "Engine_choice",
]


@dataclass
class Group:
    kind: str  # mandatory, optional, or, alternative, card
    lo: int = 0
    hi: int | None = None
    children: list[Feature] = field(default_factory=list)

    def keyword(self) -> str:
        if self.kind != "card":
            return self.kind
        if self.hi == self.lo:
            return f"[{self.lo}]"
        return f"[{self.lo}..{'*' if self.hi is None else self.hi}]"

    def holds(self, count: int) -> bool:
        k = len(self.children)
        if self.kind == "mandatory":
            return count == k
        if self.kind == "optional":
            return True
        if self.kind == "or":
            return count >= 1
        if self.kind == "alternative":
            return count == 1
        return self.lo <= count <= (k if self.hi is None else self.hi)


@dataclass
class Feature:
    name: str
    groups: list[Group] = field(default_factory=list)


Formula = tuple[object, ...]  # ("f", name) | ("!", f) | (op, f, g)


def evaluate(f: Formula, sel: frozenset[str]) -> bool:
    if f[0] == "f":
        return f[1] in sel
    if f[0] == "!":
        return not evaluate(f[1], sel)  # type: ignore[arg-type]
    a, b = evaluate(f[1], sel), evaluate(f[2], sel)  # type: ignore[arg-type]
    return {"&": a and b, "|": a or b, "=>": (not a) or b, "<=>": a == b}[str(f[0])]


def render_formula(f: Formula) -> str:
    if f[0] == "f":
        return f'"{f[1]}"'
    if f[0] == "!":
        return "!" + render_formula(f[1])  # type: ignore[arg-type]
    return f"({render_formula(f[1])} {f[0]} {render_formula(f[2])})"  # type: ignore[arg-type]


@st.composite
def formulas(draw: st.DrawFn, names: list[str], depth: int = 3) -> Formula:
    if depth == 0 or draw(st.booleans()):
        return ("f", draw(st.sampled_from(names)))
    op = draw(st.sampled_from(["!", "&", "|", "=>", "<=>"]))
    if op == "!":
        return ("!", draw(formulas(names, depth - 1)))
    return (op, draw(formulas(names, depth - 1)), draw(formulas(names, depth - 1)))


@st.composite
def feature_models(draw: st.DrawFn) -> tuple[Feature, list[Feature], list[Formula]]:
    n = draw(st.integers(1, 7))
    names = draw(st.permutations(NAMES))[:n]
    root = Feature(names[0])
    features = [root]
    for name in names[1:]:
        parent = draw(st.sampled_from(features))
        if parent.groups and draw(st.booleans()):
            group = draw(st.sampled_from(parent.groups))
        else:
            kind = draw(st.sampled_from(["mandatory", "optional", "or", "alternative", "card"]))
            group = Group(kind)
            if kind == "card":
                group.lo = draw(st.integers(0, 3))
                group.hi = draw(st.one_of(st.none(), st.integers(group.lo, 4)))
            parent.groups.append(group)
        child = Feature(name)
        group.children.append(child)
        features.append(child)
    ctcs = draw(st.lists(formulas(names), max_size=3))
    return root, features, ctcs


def render_uvl(root: Feature, ctcs: list[Formula], tab: bool) -> str:
    unit = "\t" if tab else "    "
    lines = ["features"]

    def walk(f: Feature, depth: int) -> None:
        lines.append(unit * depth + f'"{f.name}"')
        for g in f.groups:
            lines.append(unit * (depth + 1) + g.keyword())
            for c in g.children:
                walk(c, depth + 2)

    walk(root, 1)
    if ctcs:
        lines.append("constraints")
        lines.extend(unit + render_formula(c) for c in ctcs)
    return "\n".join(lines) + "\n"


def uvl_meaning(root: Feature, features: list[Feature], ctcs: list[Formula]) -> set[frozenset[str]]:
    parent_of: dict[str, str] = {}
    for f in features:
        for g in f.groups:
            for c in g.children:
                parent_of[c.name] = f.name
    out: set[frozenset[str]] = set()
    names = [f.name for f in features]
    for bits in itertools.product([False, True], repeat=len(names)):
        sel = frozenset(n for n, b in zip(names, bits, strict=True) if b)
        if root.name not in sel:
            continue
        if any(c in sel and p not in sel for c, p in parent_of.items()):
            continue
        ok = all(
            g.holds(sum(c.name in sel for c in g.children))
            for f in features
            if f.name in sel
            for g in f.groups
        )
        if ok and all(evaluate(c, sel) for c in ctcs):
            out.add(sel)
    return out


def selected_features(model: ImportedModel, values: dict[str, bool | str]) -> frozenset[str]:
    """The original features a ruleset assignment stands for."""
    sel: set[str] = set()
    for a in model.attributes:
        v = values[a.name]
        if a.type == "bool":
            if v is True:
                assert a.source is not None
                sel.add(a.source)
            continue
        for value in a.values:
            if value.id == v and value.label != "none selected":
                sel.add(value.label or value.id)
    return frozenset(sel)


@given(feature_models(), st.booleans())
def test_uvl_import_keeps_the_configurations(
    fm: tuple[Feature, list[Feature], list[Formula]], tab: bool
) -> None:
    """Every UVL construct (groups, cardinalities, cross-tree operators) keeps its meaning."""
    root, features, ctcs = fm
    text = render_uvl(root, ctcs, tab)
    model = parse_uvl(text, "random.uvl")
    rs = load(model)
    found = [selected_features(model, s) for s in solutions(rs)]
    assert len(found) == len(set(found)), text
    assert set(found) == uvl_meaning(root, features, ctcs), text


# -- DIMACS --------------------------------------------------------------------------------------


@given(
    st.integers(1, 7).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.lists(st.integers(1, n).flatmap(lambda v: st.sampled_from([v, -v])), max_size=4),
                max_size=8,
            ),
            st.lists(st.sampled_from(NAMES), min_size=n, max_size=n),
        )
    )
)
def test_dimacs_import_keeps_the_models(case: tuple[int, list[list[int]], list[str]]) -> None:
    """Clauses (empty, unit, repeated and opposite literals, duplicate names) keep their meaning."""
    n, clauses, names = case
    text = "".join(f"c {i} {name.replace(' ', '_')}\n" for i, name in enumerate(names, 1))
    text += f"p cnf {n} {len(clauses)}\n" + "".join(" ".join(map(str, c)) + " 0\n" for c in clauses)
    model = parse_dimacs(text, "random.cnf")
    rs = load(model)
    attr_of = [a.name for a in model.attributes]
    expected = {
        bits
        for bits in itertools.product([False, True], repeat=n)
        if all(any(bits[abs(lit) - 1] == (lit > 0) for lit in c) for c in clauses)
    }
    found = [tuple(bool(s[a]) for a in attr_of) for s in solutions(rs)]
    assert len(found) == len(set(found))
    assert set(found) == expected, text


# -- XCSP ----------------------------------------------------------------------------------------


@st.composite
def xcsp_models(
    draw: st.DrawFn,
) -> tuple[str, list[list[int]], list[tuple[str, list[int], set[tuple[int, ...]]]]]:
    nvars = draw(st.integers(1, 4))
    domains = [
        sorted(draw(st.sets(st.integers(-1, 3), min_size=1, max_size=3))) for _ in range(nvars)
    ]
    constraints = []
    for _ in range(draw(st.integers(0, 3))):
        scope = draw(st.lists(st.integers(0, nvars - 1), min_size=1, max_size=3))
        tuples = draw(st.sets(st.tuples(*[st.integers(-1, 3) for _ in scope]), max_size=6))
        constraints.append((draw(st.sampled_from(["supports", "conflicts"])), scope, tuples))
    parts = ['<instance><presentation name="rnd" format="XCSP 2.1"/><domains>']
    for i, dom in enumerate(domains):
        opt = ' optional="-1"' if -1 in dom and i % 2 == 0 else ""
        parts.append(f'<domain name="D{i}"{opt}>{" ".join(map(str, dom))}</domain>')
    parts.append("</domains><variables>")
    parts.extend(f'<variable name="v{i}" domain="D{i}"/>' for i in range(nvars))
    parts.append("</variables><relations>")
    for k, (sem, scope, tuples) in enumerate(constraints):
        body = "|".join(" ".join(map(str, t)) for t in sorted(tuples))
        parts.append(
            f'<relation name="R{k}" arity="{len(scope)}" semantics="{sem}">{body}</relation>'
        )
    parts.append("</relations><constraints>")
    for k, (_, scope, _) in enumerate(constraints):
        vs = " ".join(f"v{i}" for i in scope)
        parts.append(
            f'<constraint name="C{k}" arity="{len(scope)}" scope="{vs}" reference="R{k}"/>'
        )
    parts.append("</constraints></instance>")
    return "".join(parts), domains, constraints


@given(xcsp_models())
def test_xcsp_import_keeps_the_solutions(
    case: tuple[str, list[list[int]], list[tuple[str, list[int], set[tuple[int, ...]]]]],
) -> None:
    """Supports and conflicts, optional values, repeated scope variables and tuples outside
    the domains keep their meaning."""
    xml, domains, constraints = case
    model = parse_xcsp(xml, "random.xml")
    rs = load(model)
    expected = set()
    for combo in itertools.product(*domains):
        ok = True
        for sem, scope, tuples in constraints:
            hit = tuple(combo[i] for i in scope) in tuples
            ok = ok and (hit if sem == "supports" else not hit)
        if ok:
            expected.add(combo)
    found = []
    for s in solutions(rs):
        found.append(
            tuple(-1 if s[f"v{i}"] == "none" else int(s[f"v{i}"]) for i in range(len(domains)))
        )
    assert len(found) == len(set(found))
    assert set(found) == expected, model.to_yaml()
