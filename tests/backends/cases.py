"""The shared case table: small IR models that every backend must answer alike.

Each :class:`Case` is a model built directly from :mod:`cpq.model.ir` classes (or compiled from
a tiny ruleset) plus the number of solutions, worked out by hand; ``test_parity`` checks the
number against brute force first, so a wrong expectation fails loudly instead of hiding a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cpq.model.compile import compile_model
from cpq.model.ir import (
    Abs,
    And,
    AttributeVars,
    BoolConst,
    BoolExpr,
    BoolToInt,
    BoolVar,
    Compare,
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
    Or,
    Table,
)
from cpq.ruleset import check_ruleset


@dataclass(frozen=True)
class Case:
    """One model and its number of solutions (``None``: brute force only)."""

    name: str
    model: ConstraintModel
    count: int | None

    def __str__(self) -> str:
        return self.name


def _b(i: int, name: str, attribute: str | None = None, value: str | None = None) -> BoolVar:
    return BoolVar(i, name, attribute or name, value)


def _choice(name: str, values: tuple[str, ...], start: int) -> AttributeVars:
    lits = tuple(_b(start + k, f"{name}={v}", name, v) for k, v in enumerate(values))
    return AttributeVars(name, "choice", values, lits)


def _exactly_one(av: AttributeVars) -> Constraint:
    count = Linear(tuple((1, BoolToInt(x)) for x in av.lits))
    return Constraint(Compare("==", count, IntConst(1)), "domain", None, None, av.attribute)


def _rule(expr: BoolExpr, rid: str) -> Constraint:
    return Constraint(expr, "table" if isinstance(expr, Table) else "require", rid, None)


def _model(
    name: str,
    attrs: tuple[AttributeVars, ...],
    bools: tuple[BoolVar, ...],
    ints: tuple[IntVar, ...],
    constraints: tuple[Constraint, ...],
) -> ConstraintModel:
    return ConstraintModel(name, attrs, bools, ints, constraints)


def _int_attr(iv: IntVar) -> AttributeVars:
    return AttributeVars(iv.name, "int", (), (), iv)


def _bool_attr(v: BoolVar) -> AttributeVars:
    return AttributeVars(v.name, "bool", (), (v,))


P, Q, R = _b(0, "p"), _b(1, "q"), _b(2, "r")

# ---- clauses and constants
CLAUSE = Case(
    "clause",
    _model("clause", (_bool_attr(P), _bool_attr(Q)), (P, Q), (), (_rule(Or((P, Q)), "r1"),)),
    3,
)
EMPTY = Case("empty", _model("empty", (), (), (), ()), 1)
EMPTY_FALSE = Case("empty-false", _model("f", (), (), (), (_rule(BoolConst(False), "no"),)), 0)
CONSTANTS = Case(
    "constants",
    _model(
        "constants",
        (_bool_attr(P),),
        (P,),
        (),
        (
            _rule(BoolConst(True), "t"),
            _rule(And(()), "empty-and"),
            _rule(Not(Or(())), "not-empty-or"),
            _rule(Implies(BoolConst(False), BoolConst(False)), "vacuous"),
        ),
    ),
    2,
)
UNSAT = Case(
    "unsat",
    _model(
        "unsat",
        (_bool_attr(P), _bool_attr(Q)),
        (P, Q),
        (),
        (_rule(Implies(P, Q), "p-needs-q"), _rule(P, "p"), _rule(Not(Q), "not-q")),
    ),
    0,
)

# ---- a choice attribute with its domain, and a rule over an int
MEDIUM = _choice("medium", ("water", "sea", "solvent"), 0)
ATEX = _b(3, "atex")
FLOW = IntVar(0, "flow", "flow", 1, 8)
PUMP = Case(
    "pump",
    _model(
        "pump",
        (MEDIUM, _bool_attr(ATEX), _int_attr(FLOW)),
        (*MEDIUM.lits, ATEX),
        (FLOW,),
        (
            _exactly_one(MEDIUM),
            _rule(Implies(MEDIUM.lit("solvent"), ATEX), "solvent-needs-atex"),
            _rule(Implies(ATEX, Compare("<=", FLOW, IntConst(5))), "atex-limits-flow"),
            _rule(
                Compare(
                    ">=", Linear(((2, FLOW), (-3, BoolToInt(MEDIUM.lit("sea")))), 1), IntConst(4)
                ),
                "sea-flow",
            ),
        ),
    ),
    # water: atex off -> flow 2..8 (7), on -> 2..5 (4)  = 11
    # sea:   2*flow >= 6 -> flow 3..8 (6) off, 3..5 (3) on = 9
    # solvent: atex on, flow 2..5 = 4
    24,
)

# ---- multi attribute with bounds
ACC = AttributeVars(
    "acc", "multi", ("a", "b", "c"), tuple(_b(i, f"acc+{v}", "acc", v) for i, v in enumerate("abc"))
)
_count = Linear(tuple((1, BoolToInt(x)) for x in ACC.lits))
MULTI = Case(
    "multi-bounds",
    _model(
        "multi",
        (ACC,),
        ACC.lits,
        (),
        (
            Constraint(
                And((Compare(">=", _count, IntConst(1)), Compare("<=", _count, IntConst(2)))),
                "domain",
                None,
                None,
                "acc",
            ),
        ),
    ),
    6,
)

# ---- tables
MOTOR = _choice("motor", ("m55", "m110"), 0)
MAT = _choice("material", ("iron", "steel", "duplex"), 2)
TABLE_ALLOW = Case(
    "table-allow",
    _model(
        "table-allow",
        (MOTOR, MAT),
        (*MOTOR.lits, *MAT.lits),
        (),
        (
            _exactly_one(MOTOR),
            _exactly_one(MAT),
            _rule(
                Table(
                    (MOTOR, MAT),
                    (
                        (frozenset({"m55"}), frozenset({"iron", "steel"})),
                        (frozenset({"m110"}), None),
                    ),
                    "allow",
                ),
                "motor-material",
            ),
        ),
    ),
    5,
)
HEAT = _b(0, "heat")
SIZE = IntVar(0, "size", "size", 0, 4)
TABLE_FORBID = Case(
    "table-forbid-int",
    _model(
        "table-forbid",
        (_bool_attr(HEAT), _int_attr(SIZE)),
        (HEAT,),
        (SIZE,),
        (
            _rule(
                Table(
                    (_bool_attr(HEAT), _int_attr(SIZE)),
                    ((frozenset({True}), frozenset({0, 1, 9})), (None, frozenset({4}))),
                    "forbid",
                ),
                "no-small-heater",
            ),
        ),
    ),
    # 10 assignments; forbidden: heat & size in {0,1} (2), size 4 (2)
    6,
)
# A choice attribute with no "exactly one": the table reads its first true value (or none).
LOOSE = _choice("loose", ("x", "y"), 0)
TABLE_LOOSE = Case(
    "table-without-domain",
    _model(
        "loose",
        (LOOSE,),
        LOOSE.lits,
        (),
        (_rule(Table((LOOSE,), ((frozenset({"y"}),), ((None,))), "allow"), "any"),),
    ),
    4,
)
TABLE_LOOSE_Y = Case(
    "table-first-true-value",
    _model(
        "loose-y",
        (LOOSE,),
        LOOSE.lits,
        (),
        (_rule(Table((LOOSE,), ((frozenset({"y"}),),), "allow"), "only-y"),),
    ),
    # (x, y) = (F, T) only: (T, T) reads "x" first
    1,
)
TABLE_EMPTY = Case(
    "table-no-rows",
    _model(
        "no-rows",
        (MOTOR,),
        MOTOR.lits,
        (),
        (_exactly_one(MOTOR), _rule(Table((MOTOR,), (), "forbid"), "nothing-forbidden")),
    ),
    2,
)

# ---- numeric nodes
X = IntVar(0, "x", "x", -3, 3)
Y = IntVar(1, "y", "y", -2, 2)
FLOORDIV = Case(
    "floordiv",
    _model(
        "floordiv",
        (_int_attr(X), _int_attr(Y)),
        (),
        (X, Y),
        (_rule(Compare("==", FloorDiv(X, Y), IntConst(-1)), "q"),),
    ),
    # y=-2: x in {1,2}; y=-1: x=1; y=0: never (x // 0 == 0); y=1: x=-1; y=2: x in {-2,-1}
    6,
)
NONLINEAR = Case(
    "nonlinear",
    _model(
        "nonlinear",
        (_int_attr(X), _int_attr(Y)),
        (),
        (X, Y),
        (
            _rule(Compare(">=", Mul(X, Y), IntConst(2)), "product"),
            _rule(Compare("<=", Abs(Linear(((1, X), (1, Y)))), IntConst(3)), "abs-sum"),
            _rule(Compare("!=", Min((X, Y, IntConst(1))), Max((X, IntConst(-1)))), "min-max"),
        ),
    ),
    # (x, y) in {(-2, -1), (-1, -2), (2, 1)}; (1, 2) fails min-max: min(1, 2, 1) == max(1, -1)
    3,
)
FLAG = _b(0, "flag")
ITE = Case(
    "if-then-else",
    _model(
        "ite",
        (_bool_attr(FLAG), _int_attr(X)),
        (FLAG,),
        (X,),
        (
            _rule(
                Compare("==", IfThenElse(FLAG, Linear(((2, X),)), Abs(X)), IntConst(2)),
                "ite",
            ),
        ),
    ),
    # flag: 2x == 2 -> x = 1; not flag: |x| == 2 -> x = +-2
    3,
)
EMPTY_RANGE = Case(
    "empty-int-range",
    _model("empty-range", (), (), (IntVar(0, "z", "z", 3, 2),), ()),
    0,
)

_PUMP_YAML = """\
cpq: "1"
product: {id: mini-pump, name: Mini pump, sku: MP}
attributes:
  medium:
    type: choice
    values:
      water: {}
      sea_water: {}
      solvent: {}
  flow: {type: int, range: [1, 6]}
  motor:
    type: choice
    values:
      m1: {properties: {power: 1.5}}
      m2: {properties: {power: 3}}
  material: {type: choice, values: {iron: {}, steel: {}, duplex: {}}}
  atex: {type: bool}
  accessories: {type: multi, values: {flange: {}, sensor: {}}}
rules:
  - id: sea-water-needs-duplex
    when: medium == 'sea_water'
    require: material == 'duplex'
  - id: motor-sizing
    require: motor.power * 2 >= flow
  - id: atex-no-sensor
    exclude: [atex, "'sensor' in accessories"]
  - id: motor-material
    table:
      columns: [motor, material]
      allow: [[m1, iron], [m1, steel], [m2, "*"]]
"""


def compiled_case(tmp: Path) -> Case:
    """The mini pump ruleset, compiled (its count is checked against brute force only)."""
    path = tmp / "product.yaml"
    path.write_text(_PUMP_YAML)
    rs, issues = check_ruleset(path)
    assert rs is not None, [str(i) for i in issues]
    return Case("compiled-mini-pump", compile_model(rs), None)


CASES: tuple[Case, ...] = (
    CLAUSE,
    EMPTY,
    EMPTY_FALSE,
    CONSTANTS,
    UNSAT,
    PUMP,
    MULTI,
    TABLE_ALLOW,
    TABLE_FORBID,
    TABLE_LOOSE,
    TABLE_LOOSE_Y,
    TABLE_EMPTY,
    FLOORDIV,
    NONLINEAR,
    ITE,
)
"""The shared table. ``EMPTY_RANGE`` (an int whose range is empty, which the compiler never
produces) is left out: backends may answer UNSAT or refuse the model."""
