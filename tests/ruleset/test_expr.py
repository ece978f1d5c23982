"""The rule expression language: precedence, writing back with to_source, errors and limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cpq.ruleset.dump import expr_to_data
from cpq.ruleset.expr import (
    MAX_EXPR_DEPTH,
    MAX_EXPR_LENGTH,
    BoolOp,
    Compare,
    ExprSyntaxError,
    Literal_,
    parse_expr,
    to_source,
)


def tree(text: str) -> object:
    """The parsed expression as nested tuples, without spans."""
    return expr_to_data(parse_expr(text))


N = ("name", "a"), ("name", "b"), ("name", "c")
A, B, C = N


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a or b and c", ("or", A, ("and", B, C))),
        ("a and b or c", ("or", ("and", A, B), C)),
        ("not a and b", ("and", ("not", A), B)),
        ("not a == b", ("not", ("==", A, B))),
        ("a == b and c", ("and", ("==", A, B), C)),
        ("a + b * c", ("+", A, ("*", B, C))),
        ("a * b + c", ("+", ("*", A, B), C)),
        ("a - b - c", ("-", ("-", A, B), C)),
        ("a / b // c", ("//", ("/", A, B), C)),
        ("a - (b - c)", ("-", A, ("-", B, C))),
        ("-a * b", ("*", ("neg", A), B)),
        ("-(a + b)", ("neg", ("+", A, B))),
        ("a + b < c", ("<", ("+", A, B), C)),
        ("a or b or c", ("or", A, B, C)),
        ("(a or b) or c", ("or", ("or", A, B), C)),
        ("a not in b", ("not in", A, B)),
        ("not a in b", ("not", ("in", A, B))),
        ("'x' in b", ("in", ("literal", "x"), B)),
        ("a in ['x', 'y']", ("in", A, ("list", ("literal", "x"), ("literal", "y")))),
        ("a.p >= 2", (">=", ("prop", "a", "p"), ("literal", 2))),
        ("sum(a.p) <= 3", ("<=", ("call", "sum", ("prop", "a", "p")), ("literal", 3))),
        ("min(a, b, 1)", ("call", "min", A, B, ("literal", 1))),
        ("count(a) == 0", ("==", ("call", "count", A), ("literal", 0))),
        ("-1", ("literal", -1)),
        ("--a", ("neg", ("neg", A))),
        ("true and not false", ("and", ("literal", True), ("not", ("literal", False)))),
        ("a.in", ("prop", "a", "in")),
    ],
)
def test_precedence_and_grouping(text: str, expected: object) -> None:
    """Operators bind as the grammar in the expr module docstring says."""
    assert tree(text) == expected


def test_numbers_are_int_or_exact_decimal() -> None:
    """Whole numbers are int; numbers with a point are Decimal with every digit kept."""
    assert parse_expr("12") == Literal_(12, (0, 2))
    value = parse_expr("0.10").value  # type: ignore[union-attr]
    assert isinstance(value, Decimal) and value.as_tuple() == Decimal("0.10").as_tuple()
    negative = parse_expr("-1.00000000000000000000000000000001").value  # type: ignore[union-attr]
    assert negative == Decimal("-1.00000000000000000000000000000001")


def test_strings_take_either_quote_and_backslash_escapes() -> None:
    """'...' and "..." are the same; a backslash escapes the next character."""
    assert tree('a == "x"') == tree("a == 'x'")
    assert tree(r"a == 'it\'s'") == ("==", A, ("literal", "it's"))
    assert tree(r"a == 'back\\slash'") == ("==", A, ("literal", "back\\slash"))


def test_spans_cover_the_source_text() -> None:
    """Each node's span is its (start, end) offset in the text."""
    text = "medium == 'sea_water' and flow >= 10"
    expr = parse_expr(text)
    assert isinstance(expr, BoolOp)
    assert expr.span == (0, len(text))
    first = expr.operands[0]
    assert isinstance(first, Compare)
    assert text[first.span[0] : first.span[1]] == "medium == 'sea_water'"
    assert text[first.right.span[0] : first.right.span[1]] == "'sea_water'"


@pytest.mark.parametrize(
    "text",
    [
        "a or b and c",
        "(a or b) and c",
        "not (a and b)",
        "(not a) == b",
        "a - (b - c)",
        "(a == b) == c",
        "-(a + b) * c",
        "a - -1",
        "a - -0.0",
        "x > 0.0000001",
        "x > 100.50",
        "(a and b) and c",
        "a.p * 20 >= flow and 'k' not in extras",
        "min(a, b) + max(c.p) - abs(-a) // 2",
        "a in []",
        r"a == 'it\'s \\ here'",
        "a == 'line\nbreak'",
        "f()",
    ],
)
def test_to_source_round_trip(text: str) -> None:
    """to_source writes text that parses back to the same tree, and is canonical."""
    source = to_source(parse_expr(text))
    assert tree(source) == tree(text)
    assert to_source(parse_expr(source)) == source


def test_to_source_is_minimal_for_plain_expressions() -> None:
    """Brackets appear only where the precedence needs them."""
    assert to_source(parse_expr("((a)) and (b or c)")) == "a and (b or c)"
    assert to_source(parse_expr("(a * b) + c")) == "a * b + c"
    assert to_source(parse_expr("a * (b + c)")) == "a * (b + c)"
    assert to_source(parse_expr("x > 0.0000001")) == "x > 0.0000001"  # not 1E-7


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        ("medium = 'water'", 7, "'=' is not a comparison", "to compare use '=='"),
        ("a && b", 2, "'&&' is not an operator here", "write 'and' instead of '&&'"),
        ("a || b", 2, "'||' is not an operator here", "write 'or' instead of '||'"),
        ("!a", 0, "'!' is not an operator here", "write 'not' instead of '!'"),
        ("a == 'water", 5, "this text in quotes is never closed", "add the closing '"),
        ("a == b == c", 7, "comparisons cannot be chained", "write 'a < b and b < c'"),
        (
            "a b",
            2,
            "unexpected 'b' after a complete expression",
            "join conditions with 'and' / 'or'",
        ),
        ("(a or b", 7, "expected ')' but found the end of the expression", None),
        ("a and", 5, "the expression ends where a value was expected", None),
        ("a.b.c", 3, "only one level of properties is allowed (attribute.property)", None),
        ("a.1", 2, "expected a property name after 'a.'", None),
        ("a == #", 5, "the character '#' cannot be used in a rule expression", None),
        ("", 0, "the expression is empty", None),
        ("   ", 0, "the expression is empty", None),
        ("f(a,)", 4, "unexpected ')'", None),
        ("x > " + "1" * 101, 4, "this number has 101 characters; the limit is 100", None),
    ],
)
def test_syntax_errors_point_at_the_offending_token(
    text: str, offset: int, message: str, hint: str | None
) -> None:
    """Each syntax error has code expr-syntax, a plain message, a hint and the right offset."""
    with pytest.raises(ExprSyntaxError) as info:
        parse_expr(text)
    assert (info.value.code, info.value.offset, info.value.message, info.value.hint) == (
        "expr-syntax",
        offset,
        message,
        hint,
    )


def test_nesting_deeper_than_the_limit_is_expr_too_deep() -> None:
    """MAX_EXPR_DEPTH brackets are fine; one more gives expr-too-deep at that bracket."""
    ok = "(" * MAX_EXPR_DEPTH + "a" + ")" * MAX_EXPR_DEPTH
    assert tree(ok) == A
    deep = "(" * (MAX_EXPR_DEPTH + 1) + "a" + ")" * (MAX_EXPR_DEPTH + 1)
    with pytest.raises(ExprSyntaxError) as info:
        parse_expr(deep)
    assert info.value.code == "expr-too-deep"
    assert info.value.offset == MAX_EXPR_DEPTH


@pytest.mark.parametrize(
    "text",
    [
        "not " * (MAX_EXPR_DEPTH + 1) + "a",
        "-" * (MAX_EXPR_DEPTH + 1) + "a",
        " + ".join(["1"] * (MAX_EXPR_DEPTH + 2)),
        " * ".join(["a"] * (MAX_EXPR_DEPTH + 2)),
        "min(" * (MAX_EXPR_DEPTH + 1) + "a" + ")" * (MAX_EXPR_DEPTH + 1),
        "[" * (MAX_EXPR_DEPTH + 1) + "]" * (MAX_EXPR_DEPTH + 1),
    ],
)
def test_every_kind_of_nesting_counts_towards_the_limit(text: str) -> None:
    """not, unary minus, operator chains, calls and lists all count as nesting."""
    with pytest.raises(ExprSyntaxError) as info:
        parse_expr(text)
    assert info.value.code == "expr-too-deep"


def test_a_chain_within_the_limit_parses() -> None:
    """A sum of MAX_EXPR_DEPTH + 1 terms (MAX_EXPR_DEPTH operators) is still fine."""
    expr = parse_expr(" + ".join(["1"] * (MAX_EXPR_DEPTH + 1)))
    assert to_source(expr).count("+") == MAX_EXPR_DEPTH


def test_overlong_expression_is_expr_too_long() -> None:
    """More than MAX_EXPR_LENGTH characters gives expr-too-long at offset 0."""
    with pytest.raises(ExprSyntaxError) as info:
        parse_expr("a" * (MAX_EXPR_LENGTH + 1))
    assert (info.value.code, info.value.offset) == ("expr-too-long", 0)
    assert parse_expr("a" * MAX_EXPR_LENGTH)
