"""The compiler: a loaded :class:`~cpq.ruleset.model.Ruleset` becomes a :class:`ConstraintModel`.

Each rule becomes exactly one IR :class:`~cpq.model.ir.Constraint` carrying the rule id, the
source location and the rule kind; each attribute contributes its variables and, where needed, a
``domain`` constraint (exactly one value of a choice attribute, the selection bounds of a multi
attribute).

Numbers are made exact integers: a numeric sub-expression is compiled to a fraction
``num / den`` with ``den > 0``; decimal properties share one denominator per property (a power of
ten, or its divisor), so ``motor.power_kw * 20 >= flow_m3h`` becomes the linear
``sum(2 * power_kw_v * [motor=v]) * 10 >= 2 * flow_m3h``-style comparison over integers. True
division by a non-constant becomes a fraction whose denominator is an expression, and the
comparison is cross-multiplied (denominators are positive by construction). Text values,
choices and set membership are compiled to plain Boolean formulas over the value variables.

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> model = compile_model(demo_ruleset())
    >>> [c.rule_id for c in model.constraints if c.kind != "domain"]
    ['sea-water-needs-duplex', 'motor-sizing', 'atex-no-sensor', 'slots', 'motor-material']
    >>> model.attribute("medium").lit("water").name
    'medium=water'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from cpq.errors import ConfigurationError, UnknownSelectionError
from cpq.model.evaluate import Value
from cpq.model.ir import (
    Abs,
    And,
    Assignment,
    AttributeVars,
    BoolConst,
    BoolExpr,
    BoolToInt,
    BoolVar,
    Compare,
    CompareOp,
    Constraint,
    ConstraintModel,
    FloorDiv,
    IfThenElse,
    Implies,
    IntConst,
    IntVar,
    Linear,
    Max,
    Min,
    Mul,
    Not,
    NumExpr,
    Or,
    Table,
    TableCell,
)
from cpq.ruleset import expr as ast
from cpq.ruleset.model import ANY, Attribute, Rule, Ruleset

__all__ = [
    "assignment_to_values",
    "compile_expr",
    "compile_model",
    "compile_rule",
    "mk_and",
    "mk_not",
    "mk_or",
    "values_to_assignment",
]


# -- formula helpers (with constant folding) ------------------------------------------------

TRUE = BoolConst(True)
FALSE = BoolConst(False)


def mk_not(e: BoolExpr) -> BoolExpr:
    """Negation with constant folding and double-negation removal.

    Example:
        >>> mk_not(BoolConst(True))
        BoolConst(value=False)
    """
    if isinstance(e, BoolConst):
        return BoolConst(not e.value)
    if isinstance(e, Not):
        return e.arg
    return Not(e)


def mk_and(args: Sequence[BoolExpr]) -> BoolExpr:
    """Conjunction with constant folding and flattening.

    Example:
        >>> mk_and([BoolConst(True), BoolConst(True)])
        BoolConst(value=True)
    """
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BoolConst):
            if not a.value:
                return FALSE
            continue
        if isinstance(a, And):
            out.extend(a.args)
        else:
            out.append(a)
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else And(tuple(out))


def mk_or(args: Sequence[BoolExpr]) -> BoolExpr:
    """Disjunction with constant folding and flattening.

    Example:
        >>> mk_or([BoolConst(False)])
        BoolConst(value=False)
    """
    out: list[BoolExpr] = []
    for a in args:
        if isinstance(a, BoolConst):
            if a.value:
                return TRUE
            continue
        if isinstance(a, Or):
            out.extend(a.args)
        else:
            out.append(a)
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else Or(tuple(out))


def _iff(a: BoolExpr, b: BoolExpr) -> BoolExpr:
    return mk_or([mk_and([a, b]), mk_and([mk_not(a), mk_not(b)])])


# -- integer helpers ------------------------------------------------------------------------


def _const(e: NumExpr) -> int | None:
    return e.value if isinstance(e, IntConst) else None


def _linear(terms: Sequence[tuple[int, NumExpr]], constant: int = 0) -> NumExpr:
    """A linear sum, flattened, with zero terms dropped and constants folded."""
    flat: list[tuple[int, NumExpr]] = []
    for c, t in terms:
        if c == 0:
            continue
        if isinstance(t, IntConst):
            constant += c * t.value
        elif isinstance(t, Linear):
            constant += c * t.constant
            flat.extend((c * c2, t2) for c2, t2 in t.terms)
        else:
            flat.append((c, t))
    if not flat:
        return IntConst(constant)
    if len(flat) == 1 and flat[0][0] == 1 and constant == 0:
        return flat[0][1]
    return Linear(tuple(flat), constant)


def _scale(e: NumExpr, k: int) -> NumExpr:
    if k == 1:
        return e
    return _linear([(k, e)])


def _imul(a: NumExpr, b: NumExpr) -> NumExpr:
    ca, cb = _const(a), _const(b)
    if ca is not None:
        return _scale(b, ca)
    if cb is not None:
        return _scale(a, cb)
    return Mul(a, b)


# -- compiled values ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Frac:
    """An exact rational ``num / den`` with ``den > 0`` (``den`` an int or an expression)."""

    num: NumExpr
    den: int | NumExpr

    def const(self) -> Fraction | None:
        n = _const(self.num)
        if n is not None and isinstance(self.den, int):
            return Fraction(n, self.den)
        return None


def _frac_of(q: Fraction) -> _Frac:
    return _Frac(IntConst(q.numerator), q.denominator)


def _den_expr(d: int | NumExpr) -> NumExpr:
    return IntConst(d) if isinstance(d, int) else d


def _common(a: _Frac, b: _Frac) -> tuple[NumExpr, NumExpr, int | NumExpr]:
    """Both numerators over one common (positive) denominator."""
    if isinstance(a.den, int) and isinstance(b.den, int):
        lcm = a.den * b.den // math.gcd(a.den, b.den)
        return _scale(a.num, lcm // a.den), _scale(b.num, lcm // b.den), lcm
    da, db = _den_expr(a.den), _den_expr(b.den)
    return _imul(a.num, db), _imul(b.num, da), _imul(da, db)


@dataclass(frozen=True, slots=True)
class _Disc:
    """A discrete value (value id, text or yes/no) as ``{value: condition}``."""

    cases: tuple[tuple[str | bool | Fraction, BoolExpr], ...]


@dataclass(frozen=True, slots=True)
class _Set:
    """A multi attribute: ``{value id: is chosen}``."""

    members: tuple[tuple[str, BoolExpr], ...]


@dataclass(frozen=True, slots=True)
class _Props:
    """The numeric property of the chosen values of a multi attribute."""

    items: tuple[tuple[BoolExpr, Fraction], ...]


_CV: TypeAlias = BoolExpr | _Frac | _Disc | _Set | _Props | str | tuple[object, ...]


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _is_bool(v: object) -> bool:
    return isinstance(v, BoolVar | BoolConst | Not | And | Or | Implies | Compare | Table)


def _prop_num(v: object) -> Fraction:
    assert isinstance(v, int | Decimal) and not isinstance(v, bool)
    return Fraction(v)


class _Compiler:
    def __init__(self, ruleset: Ruleset, attrs: Mapping[str, AttributeVars]) -> None:
        self.ruleset = ruleset
        self.attrs = attrs

    # -- entry points ------------------------------------------------------------------------

    def boolean(self, e: ast.Expr) -> BoolExpr:
        v = self.ev(e)
        if isinstance(v, _Disc):  # a bool property of a choice
            return mk_or([c for k, c in v.cases if k is True])
        if not _is_bool(v):
            raise TypeError(f"expected a condition: {ast.to_source(e)}")
        return v  # type: ignore[return-value]

    def number(self, e: ast.Expr) -> _Frac:
        v = self.ev(e)
        if not isinstance(v, _Frac):
            raise TypeError(f"expected a number: {ast.to_source(e)}")
        return v

    # -- expressions -------------------------------------------------------------------------

    def ev(self, e: ast.Expr) -> _CV:
        if isinstance(e, ast.Literal_):
            v = e.value
            if isinstance(v, bool):
                return BoolConst(v)
            if isinstance(v, str):
                return v
            return _frac_of(Fraction(v))
        if isinstance(e, ast.Name):
            return self.name(e.name)
        if isinstance(e, ast.Prop):
            return self.prop(e.attr, e.prop)
        if isinstance(e, ast.Not):
            return mk_not(self.boolean(e.operand))
        if isinstance(e, ast.BoolOp):
            parts = [self.boolean(x) for x in e.operands]
            return mk_and(parts) if e.op == "and" else mk_or(parts)
        if isinstance(e, ast.Compare):
            return self.compare(e)
        if isinstance(e, ast.Arith):
            return self.arith(e.op, self.number(e.left), self.number(e.right))
        if isinstance(e, ast.Neg):
            a = self.number(e.operand)
            return _Frac(_scale(a.num, -1), a.den)
        if isinstance(e, ast.Call):
            return self.call(e)
        return tuple(self.literal_item(x) for x in e.items)

    def literal_item(self, e: ast.Expr) -> object:
        if isinstance(e, ast.Literal_):
            v = e.value
            return v if isinstance(v, bool | str) else Fraction(v)
        v2 = self.ev(e)
        if isinstance(v2, _Frac) and v2.const() is not None:
            return v2.const()
        raise TypeError(f"a list may hold only literals: {ast.to_source(e)}")

    def name(self, name: str) -> _CV:
        av = self.attrs[name]
        if av.type == "bool":
            return av.lits[0]
        if av.type == "int":
            assert av.int_var is not None
            return _Frac(av.int_var, 1)
        if av.type == "choice":
            return _Disc(tuple(zip(av.values, av.lits, strict=True)))
        return _Set(tuple(zip(av.values, av.lits, strict=True)))

    def prop(self, attr_name: str, prop: str) -> _CV:
        attr = self.ruleset.attributes[attr_name]
        av = self.attrs[attr_name]
        raw = [attr.values[vid].properties[prop] for vid in av.values]
        if attr.type == "multi":
            return _Props(tuple((lit, _prop_num(p)) for lit, p in zip(av.lits, raw, strict=True)))
        if all(isinstance(p, bool) for p in raw):
            return mk_or([lit for lit, p in zip(av.lits, raw, strict=True) if p is True])
        if all(isinstance(p, str) for p in raw):
            groups: dict[str | bool | Fraction, list[BoolExpr]] = {}
            for lit, p in zip(av.lits, raw, strict=True):
                assert isinstance(p, str)
                groups.setdefault(p, []).append(lit)
            return _Disc(tuple((k, mk_or(v)) for k, v in groups.items()))
        nums = [_prop_num(p) for p in raw]
        den = math.lcm(*(q.denominator for q in nums)) if nums else 1
        terms = [(int(q * den), BoolToInt(lit)) for lit, q in zip(av.lits, nums, strict=True)]
        return _Frac(_linear(terms), den)

    # -- comparisons -------------------------------------------------------------------------

    def as_disc(self, v: _CV) -> _Disc | None:
        if isinstance(v, _Disc):
            return v
        if isinstance(v, str):
            return _Disc(((v, TRUE),))
        return None

    def compare(self, e: ast.Compare) -> BoolExpr:
        left, right = self.ev(e.left), self.ev(e.right)
        op = e.op
        if op in ("in", "not in"):
            out = self.member(left, right)
            return out if op == "in" else mk_not(out)
        if op in ("==", "!="):
            eq = self.equal(left, right)
            return eq if op == "==" else mk_not(eq)
        assert isinstance(left, _Frac) and isinstance(right, _Frac)
        return self.num_compare(op, left, right)  # type: ignore[arg-type]

    def member(self, left: _CV, right: _CV) -> BoolExpr:
        if isinstance(right, _Set):
            ld = self.as_disc(left)
            assert ld is not None
            members = dict(right.members)
            return mk_or(
                [
                    mk_and([c, members[k]])
                    for k, c in ld.cases
                    if isinstance(k, str) and k in members
                ]
            )
        assert isinstance(right, tuple)
        return mk_or([self.equal(left, self.lift(item)) for item in right])

    def lift(self, item: object) -> _CV:
        if isinstance(item, bool):
            return BoolConst(item)
        if isinstance(item, Fraction):
            return _frac_of(item)
        assert isinstance(item, str)
        return item

    def equal(self, left: _CV, right: _CV) -> BoolExpr:
        if isinstance(left, _Frac) and isinstance(right, _Frac):
            return self.num_compare("==", left, right)
        ld, rd = self.as_disc(left), self.as_disc(right)
        if ld is not None and rd is not None:
            out: list[BoolExpr] = []
            for k1, c1 in ld.cases:
                for k2, c2 in rd.cases:
                    if _same(k1, k2):
                        out.append(mk_and([c1, c2]))
            return mk_or(out)
        if _is_bool(left) and _is_bool(right):
            return _iff(left, right)  # type: ignore[arg-type]
        if ld is not None and _is_bool(right):
            return _iff(mk_or([c for k, c in ld.cases if k is True]), right)  # type: ignore[arg-type]
        if rd is not None and _is_bool(left):
            return _iff(left, mk_or([c for k, c in rd.cases if k is True]))  # type: ignore[arg-type]
        raise TypeError(f"cannot compare {left!r} with {right!r}")

    def num_compare(self, op: CompareOp, a: _Frac, b: _Frac) -> BoolExpr:
        ca, cb = a.const(), b.const()
        if ca is not None and cb is not None:
            return BoolConst(_cmp(op, ca, cb))
        x, y, _ = _common(a, b)
        if isinstance(x, IntConst) and isinstance(y, IntConst):
            return BoolConst(_cmp(op, Fraction(x.value), Fraction(y.value)))
        return Compare(op, x, y)

    # -- arithmetic --------------------------------------------------------------------------

    def arith(self, op: str, a: _Frac, b: _Frac) -> _Frac:
        ca, cb = a.const(), b.const()
        if ca is not None and cb is not None:
            if op == "+":
                return _frac_of(ca + cb)
            if op == "-":
                return _frac_of(ca - cb)
            if op == "*":
                return _frac_of(ca * cb)
            if cb == 0:
                return _frac_of(Fraction(0))
            return _frac_of(ca / cb if op == "/" else Fraction(ca // cb))
        if op in ("+", "-"):
            x, y, den = _common(a, b)
            return _Frac(_linear([(1, x), (1 if op == "+" else -1, y)]), den)
        if op == "*":
            if isinstance(a.den, int) and isinstance(b.den, int):
                return _Frac(_imul(a.num, b.num), a.den * b.den)
            return _Frac(_imul(a.num, b.num), _imul(_den_expr(a.den), _den_expr(b.den)))
        # division: a / b = (na * db) / (da * nb)
        top = _imul(a.num, _den_expr(b.den))
        bottom = _imul(_den_expr(a.den), b.num)
        if op == "//":
            return _Frac(_floordiv(top, bottom), 1)
        k = _const(bottom)
        if k is not None:
            if k == 0:
                return _frac_of(Fraction(0))
            return _Frac(_scale(top, -1), -k) if k < 0 else _Frac(top, k)
        is_zero = Compare("==", b.num, IntConst(0))
        negative = Compare("<", b.num, IntConst(0))
        num = IfThenElse(is_zero, IntConst(0), IfThenElse(negative, _scale(top, -1), top))
        den = IfThenElse(is_zero, IntConst(1), Abs(bottom))
        return _Frac(num, den)

    def call(self, e: ast.Call) -> _CV:
        args = [self.ev(a) for a in e.args]
        if e.func == "count":
            (s,) = args
            assert isinstance(s, _Set)
            return _Frac(_linear([(1, BoolToInt(lit)) for _, lit in s.members]), 1)
        if e.func == "sum":
            (p,) = args
            assert isinstance(p, _Props)
            den = math.lcm(*(q.denominator for _, q in p.items)) if p.items else 1
            terms = [(int(q * den), BoolToInt(lit)) for lit, q in p.items]
            return _Frac(_linear(terms), den)
        if e.func == "abs":
            (a,) = args
            assert isinstance(a, _Frac)
            c = a.const()
            return _frac_of(abs(c)) if c is not None else _Frac(Abs(a.num), a.den)
        if len(args) == 1 and isinstance(args[0], _Props):
            return self.props_extreme(e.func, args[0])
        nums = [a for a in args if isinstance(a, _Frac)]
        assert len(nums) == len(args)
        return self.extreme(e.func, nums)

    def props_extreme(self, func: str, p: _Props) -> _Frac:
        if not p.items:
            return _frac_of(Fraction(0))
        den = math.lcm(*(q.denominator for _, q in p.items))
        ints = [(lit, int(q * den)) for lit, q in p.items]
        # An unchosen value contributes the neutral bound, which never wins.
        neutral = max(v for _, v in ints) if func == "min" else min(v for _, v in ints)
        parts: list[NumExpr] = [
            IfThenElse(lit, IntConst(v), IntConst(neutral)) if v != neutral else IntConst(v)
            for lit, v in ints
        ]
        inner: NumExpr = Min(tuple(parts)) if func == "min" else Max(tuple(parts))
        anything = mk_or([lit for lit, _ in ints])
        return _Frac(IfThenElse(anything, inner, IntConst(0)), den)

    def extreme(self, func: str, nums: list[_Frac]) -> _Frac:
        consts = [n.const() for n in nums]
        if all(c is not None for c in consts):
            vals = [c for c in consts if c is not None]
            return _frac_of(min(vals) if func == "min" else max(vals))
        if all(isinstance(n.den, int) for n in nums):
            den = math.lcm(*(n.den for n in nums if isinstance(n.den, int)))
            parts = tuple(_scale(n.num, den // n.den) for n in nums if isinstance(n.den, int))
            return _Frac(Min(parts) if func == "min" else Max(parts), den)
        acc = nums[0]
        for n in nums[1:]:
            x, y, common = _common(acc, n)
            op: CompareOp = "<=" if func == "min" else ">="
            acc = _Frac(IfThenElse(Compare(op, x, y), x, y), common)
        return acc


def _floordiv(top: NumExpr, bottom: NumExpr) -> NumExpr:
    a, b = _const(top), _const(bottom)
    if a is not None and b is not None:
        return IntConst(0 if b == 0 else a // b)
    if b == 1:
        return top
    return FloorDiv(top, bottom)


def _cmp(op: str, a: Fraction, b: Fraction) -> bool:
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


# -- rules and model ------------------------------------------------------------------------


def _table(rule: Rule, attrs: Mapping[str, AttributeVars]) -> Table:
    table = rule.table
    assert table is not None
    columns = tuple(attrs[c] for c in table.columns)
    rows: list[tuple[TableCell, ...]] = []
    for row in table.rows:
        cells: list[TableCell] = []
        for cell in row:
            if cell is ANY:
                cells.append(None)
            else:
                assert isinstance(cell, frozenset)
                cells.append(cell)
        rows.append(tuple(cells))
    return Table(columns, tuple(rows), table.mode)


def compile_rule(ruleset: Ruleset, rule: Rule, model: ConstraintModel) -> BoolExpr:
    """The formula of one rule over the model's variables.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> m = compile_model(rs)
        >>> type(compile_rule(rs, rs.rule("sea-water-needs-duplex"), m)).__name__
        'Implies'
    """
    c = _Compiler(ruleset, {a.attribute: a for a in model.attributes})
    return _rule_expr(c, rule)


def _rule_expr(c: _Compiler, rule: Rule) -> BoolExpr:
    if rule.kind == "require":
        assert rule.require is not None
        body = c.boolean(rule.require)
    elif rule.kind == "exclude":
        body = mk_not(mk_and([c.boolean(x) for x in rule.exclude]))
    else:
        body = _table(rule, c.attrs)
    if rule.when is None:
        return body
    cond = c.boolean(rule.when)
    if isinstance(cond, BoolConst):
        return body if cond.value else TRUE
    return Implies(cond, body)


def compile_expr(ruleset: Ruleset, expr: ast.Expr, model: ConstraintModel) -> BoolExpr | NumExpr:
    """Compile one condition or number of the ruleset to the IR.

    Numbers must be whole for every assignment (``flow_m3h // 50 + 2`` is, ``flow_m3h / 3``
    is not); for fractional expressions compile a comparison instead.

    Raises:
        TypeError: when a numeric expression is not integer-valued by construction.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> from cpq.ruleset.expr import parse_expr
        >>> rs = demo_ruleset()
        >>> m = compile_model(rs)
        >>> compile_expr(rs, parse_expr("flow_m3h // 50 + 2"), m)  # doctest: +ELLIPSIS
        Linear(terms=((1, FloorDiv(...)),), constant=2)
    """
    c = _Compiler(ruleset, {a.attribute: a for a in model.attributes})
    v = c.ev(expr)
    if isinstance(v, _Frac):
        if v.den != 1:
            raise TypeError("the expression is not whole-numbered")
        return v.num
    return c.boolean(expr)


def compile_model(ruleset: Ruleset) -> ConstraintModel:
    """Compile a ruleset to the solver-neutral constraint model.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> m = compile_model(demo_ruleset())
        >>> len(m.bool_vars), [(v.name, v.lo, v.hi) for v in m.int_vars]
        (11, [('flow_m3h', 5, 400)])
    """
    bool_vars: list[BoolVar] = []
    int_vars: list[IntVar] = []
    attrs: list[AttributeVars] = []
    domain: list[Constraint] = []
    for attr in ruleset.attributes.values():
        av = _attribute_vars(attr, bool_vars, int_vars)
        attrs.append(av)
        expr = _domain_expr(av)
        if expr is not None:
            domain.append(Constraint(expr, "domain", None, attr.location, attr.name))
    by_name = {a.attribute: a for a in attrs}
    comp = _Compiler(ruleset, by_name)
    rules = [
        Constraint(_rule_expr(comp, rule), rule.kind, rule.id, rule.location)
        for rule in ruleset.rules
    ]
    return ConstraintModel(
        ruleset.product.id,
        tuple(attrs),
        tuple(bool_vars),
        tuple(int_vars),
        tuple(domain + rules),
    )


def _attribute_vars(attr: Attribute, bools: list[BoolVar], ints: list[IntVar]) -> AttributeVars:
    name = attr.name
    if attr.type == "int":
        assert attr.range is not None
        iv = IntVar(len(ints), name, name, attr.range[0], attr.range[1])
        ints.append(iv)
        return AttributeVars(name, "int", (), (), iv)
    if attr.type == "bool":
        bv = BoolVar(len(bools), name, name, None)
        bools.append(bv)
        return AttributeVars(name, "bool", (), (bv,))
    sep = "=" if attr.type == "choice" else "+"
    lits: list[BoolVar] = []
    for vid in attr.values:
        bv = BoolVar(len(bools), f"{name}{sep}{vid}", name, vid)
        bools.append(bv)
        lits.append(bv)
    return AttributeVars(
        name,
        attr.type,
        tuple(attr.values),
        tuple(lits),
        None,
        attr.min_selected,
        attr.max_selected,
    )


def _domain_expr(av: AttributeVars) -> BoolExpr | None:
    if av.type == "choice":
        count = Linear(tuple((1, BoolToInt(lit)) for lit in av.lits))
        return Compare("==", count, IntConst(1))
    if av.type != "multi":
        return None
    lo, hi = av.min_selected, av.max_selected
    n = len(av.lits)
    parts: list[BoolExpr] = []
    count = Linear(tuple((1, BoolToInt(lit)) for lit in av.lits))
    if lo > 0:
        parts.append(Compare(">=", count, IntConst(lo)))
    if hi is not None and hi < n:
        parts.append(Compare("<=", count, IntConst(hi)))
    if not parts:
        return None
    return mk_and(parts)


# -- configurations <-> assignments ---------------------------------------------------------


def values_to_assignment(model: ConstraintModel, values: Mapping[str, Value]) -> Assignment:
    """The IR assignment of a full configuration (attribute -> value).

    Raises:
        ConfigurationError: an attribute has no value.
        UnknownSelectionError: a value does not belong to its attribute.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> m = compile_model(demo_ruleset())
        >>> a = values_to_assignment(m, {"medium": "water", "flow_m3h": 10, "material": "duplex",
        ...     "atex": True, "accessories": frozenset(), "motor": "m55"})
        >>> a.ints
        (10,)
    """
    bools = [False] * len(model.bool_vars)
    ints = [0] * len(model.int_vars)
    for av in model.attributes:
        if av.attribute not in values:
            raise ConfigurationError(f"the attribute '{av.attribute}' has no value")
        v = values[av.attribute]
        if av.type == "int":
            assert av.int_var is not None
            if isinstance(v, bool) or not isinstance(v, int):
                raise UnknownSelectionError(f"'{av.attribute}' needs a whole number")
            ints[av.int_var.index] = v
        elif av.type == "bool":
            if not isinstance(v, bool):
                raise UnknownSelectionError(f"'{av.attribute}' needs true or false")
            bools[av.lits[0].index] = v
        elif av.type == "choice":
            if not isinstance(v, str) or v not in av.values:
                raise UnknownSelectionError(f"{v!r} is not a value of '{av.attribute}'")
            bools[av.lit(v).index] = True
        else:
            if not isinstance(v, frozenset | set | tuple | list):
                raise UnknownSelectionError(f"'{av.attribute}' needs a set of value ids")
            for item in v:
                if item not in av.values:
                    raise UnknownSelectionError(f"{item!r} is not a value of '{av.attribute}'")
                bools[av.lit(item).index] = True
    return Assignment(tuple(bools), tuple(ints))


def assignment_to_values(model: ConstraintModel, a: Assignment) -> dict[str, Value]:
    """The configuration (attribute -> value) of an IR assignment.

    A choice attribute whose variables are all false (possible only in an assignment that breaks
    the domain constraints) gets its first true value or, failing that, no entry.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> m = compile_model(demo_ruleset())
        >>> v = {"medium": "water", "flow_m3h": 10, "material": "duplex", "atex": True,
        ...      "accessories": frozenset({"flange_kit"}), "motor": "m55"}
        >>> assignment_to_values(m, values_to_assignment(m, v)) == v
        True
    """
    out: dict[str, Value] = {}
    for av in model.attributes:
        if av.type == "int":
            assert av.int_var is not None
            out[av.attribute] = a.ints[av.int_var.index]
        elif av.type == "bool":
            out[av.attribute] = a.bools[av.lits[0].index]
        elif av.type == "choice":
            for vid, lit in zip(av.values, av.lits, strict=True):
                if a.bools[lit.index]:
                    out[av.attribute] = vid
                    break
        else:
            out[av.attribute] = frozenset(
                vid for vid, lit in zip(av.values, av.lits, strict=True) if a.bools[lit.index]
            )
    return out
