"""The rule expression language: a small grammar parsed into an AST, never ``eval``'d.

Grammar (lowest precedence first)::

    expr      := or
    or        := and ("or" and)*
    and       := not ("and" not)*
    not       := "not" not | compare
    compare   := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum)?
    sum       := term (("+" | "-") term)*
    term      := unary (("*" | "/" | "//") unary)*
    unary     := "-" unary | atom
    atom      := NUMBER | STRING | "true" | "false" | NAME ("." NAME)?
               | NAME "(" [expr ("," expr)*] ")" | "[" [expr ("," expr)*] "]" | "(" expr ")"

Names refer to attributes (``medium``), ``attr.property`` to a property of the chosen value
(``motor.power_kw``); strings in quotes are value ids (``medium == 'sea_water'``). Functions:
``sum(multi.prop)``, ``count(multi)``, ``min(a, b, ...)``, ``max(a, b, ...)``, ``abs(x)``.

Example:
    >>> e = parse_expr("motor.power_kw * 20 >= flow_m3h")
    >>> type(e).__name__, e.op
    ('Compare', '>=')
    >>> parse_expr("not atex or 'flange_kit' in accessories").op
    'or'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

__all__ = [
    "FUNCTIONS",
    "MAX_EXPR_DEPTH",
    "MAX_EXPR_LENGTH",
    "Arith",
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ExprSyntaxError",
    "ListLit",
    "Literal_",
    "Name",
    "Neg",
    "Not",
    "Prop",
    "parse_expr",
    "to_source",
]

MAX_EXPR_LENGTH = 10_000
"""Longer expressions are refused (``expr-too-long``)."""
MAX_EXPR_DEPTH = 48
"""Deeper nesting of parentheses and operators is refused (``expr-too-deep``)."""

_MAX_NUMBER_CHARS = 100
"""Longer numbers are refused (Python refuses to read integers of over 4,300 digits)."""

FUNCTIONS = ("sum", "count", "min", "max", "abs")

Span: TypeAlias = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Literal_:
    """A number (``Decimal`` or ``int``), a quoted string or ``true``/``false``."""

    value: int | Decimal | str | bool
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    """An attribute name."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Prop:
    """``attr.property``: a property of the value chosen for ``attr``."""

    attr: str
    prop: str
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    """Logical negation."""

    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``and`` / ``or`` over two or more operands."""

    op: Literal["and", "or"]
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison, including ``in`` and ``not in``."""

    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Arith:
    """Binary arithmetic."""

    op: Literal["+", "-", "*", "/", "//"]
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """A call of one of the built-in functions."""

    func: str
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list of literals, used with ``in``: ``medium in ['water', 'sea_water']``."""

    items: tuple[Expr, ...]
    span: Span


Expr: TypeAlias = Literal_ | Name | Prop | Not | BoolOp | Compare | Arith | Neg | Call | ListLit


class ExprSyntaxError(Exception):
    """A parse problem at an offset inside the expression text (internal; becomes an Issue)."""

    def __init__(self, code: str, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>//|==|!=|<=|>=|&&|\|\||[-+*/<>().,\[\]=!&|])
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "in", "true", "false"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # number, string, name, op, kw, end
    text: str
    start: int
    end: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "'\"":
                raise ExprSyntaxError(
                    "expr-syntax",
                    "this text in quotes is never closed",
                    pos,
                    f"add the closing {ch}",
                )
            raise ExprSyntaxError(
                "expr-syntax",
                f"the character {ch!r} cannot be used in a rule expression",
                pos,
                None,
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            word = m.group()
            if kind == "name" and word in _KEYWORDS:
                kind = "kw"
            toks.append(_Tok(kind, word, m.start(), m.end()))
        pos = m.end()
    toks.append(_Tok("end", "", len(text), len(text)))
    return toks


_WRONG_OPS = {
    "=": ("'=' assigns; to compare use '=='", "=="),
    "&&": ("write 'and' instead of '&&'", "and"),
    "||": ("write 'or' instead of '||'", "or"),
    "&": ("write 'and' instead of '&'", "and"),
    "|": ("write 'or' instead of '|'", "or"),
    "!": ("write 'not' instead of '!'", "not"),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok.kind in ("op", "kw") and tok.text in texts

    def expect(self, text: str, what: str) -> _Tok:
        tok = self.peek()
        if tok.kind in ("op", "kw") and tok.text == text:
            return self.next()
        found = "the end of the expression" if tok.kind == "end" else f"'{tok.text}'"
        raise ExprSyntaxError("expr-syntax", f"expected {what} but found {found}", tok.start)

    def enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_EXPR_DEPTH:
            raise ExprSyntaxError(
                "expr-too-deep",
                f"the expression nests deeper than {MAX_EXPR_DEPTH} levels "
                "(brackets, 'not', '-' and chained operators each add one)",
                offset,
                "split it into several rules",
            )

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> Expr:
        expr = self.parse_or()
        tok = self.peek()
        if tok.kind != "end":
            self.reject_wrong_op(tok)
            raise ExprSyntaxError(
                "expr-syntax",
                f"unexpected '{tok.text}' after a complete expression",
                tok.start,
                "join conditions with 'and' / 'or'",
            )
        return expr

    def reject_wrong_op(self, tok: _Tok) -> None:
        if tok.kind == "op" and tok.text in _WRONG_OPS:
            msg, _ = _WRONG_OPS[tok.text]
            raise ExprSyntaxError(
                "expr-syntax", f"'{tok.text}' is not an operator here", tok.start, msg
            )

    def parse_or(self) -> Expr:
        return self.parse_boolop("or", self.parse_and)

    def parse_and(self) -> Expr:
        return self.parse_boolop("and", self.parse_not)

    def parse_boolop(self, op: Literal["and", "or"], sub: Callable[[], Expr]) -> Expr:
        first = sub()
        items = [first]
        while self.at(op):
            self.next()
            items.append(sub())
        if len(items) == 1:
            return first
        return BoolOp(op, tuple(items), (_span(first)[0], _span(items[-1])[1]))

    def parse_not(self) -> Expr:
        if self.at("not"):
            tok = self.next()
            self.enter(tok.start)
            operand = self.parse_not()
            self.leave()
            return Not(operand, (tok.start, _span(operand)[1]))
        return self.parse_compare()

    def parse_compare(self) -> Expr:
        left = self.parse_sum()
        tok = self.peek()
        op: str | None = None
        if tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">="):
            op = self.next().text
        elif self.at("in"):
            self.next()
            op = "in"
        elif self.at("not") and self.toks[self.i + 1].text == "in":
            self.next()
            self.next()
            op = "not in"
        elif tok.kind == "op" and tok.text == "=":
            raise ExprSyntaxError(
                "expr-syntax", "'=' is not a comparison", tok.start, "to compare use '=='"
            )
        if op is None:
            return left
        right = self.parse_sum()
        nxt = self.peek()
        if nxt.kind == "op" and nxt.text in ("==", "!=", "<", "<=", ">", ">="):
            raise ExprSyntaxError(
                "expr-syntax",
                "comparisons cannot be chained",
                nxt.start,
                "write 'a < b and b < c'",
            )
        return Compare(op, left, right, (_span(left)[0], _span(right)[1]))  # type: ignore[arg-type]

    def parse_sum(self) -> Expr:
        return self.parse_chain(("+", "-"), self.parse_term)

    def parse_term(self) -> Expr:
        return self.parse_chain(("*", "/", "//"), self.parse_unary)

    def parse_chain(self, ops: tuple[str, ...], sub: Callable[[], Expr]) -> Expr:
        """A left-associative chain; each operator nests the tree one level deeper."""
        left = sub()
        levels = 0
        while self.peek().kind == "op" and self.peek().text in ops:
            tok = self.next()
            self.enter(tok.start)
            levels += 1
            right = sub()
            left = Arith(tok.text, left, right, (_span(left)[0], _span(right)[1]))  # type: ignore[arg-type]
        self.depth -= levels
        return left

    def parse_unary(self) -> Expr:
        if self.peek().kind == "op" and self.peek().text == "-":
            tok = self.next()
            self.enter(tok.start)
            operand = self.parse_unary()
            self.leave()
            if (
                isinstance(operand, Literal_)
                and isinstance(operand.value, int | Decimal)
                and not isinstance(operand.value, bool)
            ):
                value = operand.value
                negated = value.copy_negate() if isinstance(value, Decimal) else -value
                return Literal_(negated, (tok.start, operand.span[1]))
            return Neg(operand, (tok.start, _span(operand)[1]))
        return self.parse_atom()

    def parse_atom(self) -> Expr:
        tok = self.next()
        if tok.kind == "number":
            if len(tok.text) > _MAX_NUMBER_CHARS:
                raise ExprSyntaxError(
                    "expr-syntax",
                    f"this number has {len(tok.text):,} characters; "
                    f"the limit is {_MAX_NUMBER_CHARS}",
                    tok.start,
                )
            value: int | Decimal = Decimal(tok.text) if "." in tok.text else int(tok.text)
            return Literal_(value, (tok.start, tok.end))
        if tok.kind == "string":
            body = tok.text[1:-1]
            body = re.sub(r"\\(.)", r"\1", body)
            return Literal_(body, (tok.start, tok.end))
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Literal_(tok.text == "true", (tok.start, tok.end))
        if tok.kind == "name":
            if self.at("("):
                return self.parse_call(tok)
            if self.at("."):
                self.next()
                prop = self.next()
                if prop.kind not in ("name", "kw"):
                    raise ExprSyntaxError(
                        "expr-syntax",
                        f"expected a property name after '{tok.text}.'",
                        prop.start,
                    )
                if self.at("."):
                    raise ExprSyntaxError(
                        "expr-syntax",
                        "only one level of properties is allowed (attribute.property)",
                        self.peek().start,
                    )
                return Prop(tok.text, prop.text, (tok.start, prop.end))
            return Name(tok.text, (tok.start, tok.end))
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok.start)
            inner = self.parse_or()
            self.leave()
            self.expect(")", "')'")
            return inner
        if tok.kind == "op" and tok.text == "[":
            self.enter(tok.start)
            items = self.parse_args("]")
            self.leave()
            end = self.expect("]", "']'")
            return ListLit(tuple(items), (tok.start, end.end))
        if tok.kind == "end":
            raise ExprSyntaxError(
                "expr-syntax", "the expression ends where a value was expected", tok.start
            )
        self.reject_wrong_op(tok)
        raise ExprSyntaxError("expr-syntax", f"unexpected '{tok.text}'", tok.start)

    def parse_call(self, name: _Tok) -> Expr:
        self.next()  # (
        self.enter(name.start)
        args = self.parse_args(")")
        self.leave()
        end = self.expect(")", "')'")
        return Call(name.text, tuple(args), (name.start, end.end))

    def parse_args(self, closer: str) -> list[Expr]:
        items: list[Expr] = []
        if self.at(closer):
            return items
        items.append(self.parse_or())
        while self.at(","):
            self.next()
            items.append(self.parse_or())
        return items


def _span(e: Expr) -> Span:
    return e.span


def parse_expr(text: str) -> Expr:
    """Parse one rule expression.

    Raises:
        ExprSyntaxError: with a code, a message and the offset of the problem.

    Example:
        >>> parse_expr("medium == 'sea_water'").right
        Literal_(value='sea_water', span=(10, 21))
    """
    if len(text) > MAX_EXPR_LENGTH:
        raise ExprSyntaxError(
            "expr-too-long",
            f"the expression has {len(text):,} characters; the limit is {MAX_EXPR_LENGTH:,}",
            0,
            "split it into several rules",
        )
    if not text.strip():
        raise ExprSyntaxError("expr-syntax", "the expression is empty", 0)
    return _Parser(text).parse()


_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "neg": 7}


def to_source(e: Expr) -> str:
    """Write an expression back as text (fully parenthesised where needed).

    Example:
        >>> to_source(parse_expr("a and (b or not c)"))
        'a and (b or not c)'
    """
    return _src(e, 0)


def _src(e: Expr, outer: int) -> str:
    if isinstance(e, Literal_):
        v = e.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"
        text = format(v, "f") if isinstance(v, Decimal) else str(v)
        return f"({text})" if text.startswith("-") else text
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Prop):
        return f"{e.attr}.{e.prop}"
    if isinstance(e, Not):
        s, p = f"not {_src(e.operand, _PREC['not'])}", _PREC["not"]
    elif isinstance(e, BoolOp):
        p = _PREC[e.op]
        s = f" {e.op} ".join(_src(x, p + 1) for x in e.operands)
    elif isinstance(e, Compare):
        p = _PREC["cmp"]
        s = f"{_src(e.left, p + 1)} {e.op} {_src(e.right, p + 1)}"
    elif isinstance(e, Arith):
        p = _PREC[e.op]
        s = f"{_src(e.left, p)} {e.op} {_src(e.right, p + 1)}"
    elif isinstance(e, Neg):
        s, p = f"-{_src(e.operand, _PREC['neg'])}", _PREC["neg"]
    elif isinstance(e, Call):
        return f"{e.func}({', '.join(_src(a, 0) for a in e.args)})"
    else:
        return "[" + ", ".join(_src(a, 0) for a in e.items) + "]"
    return f"({s})" if p < outer else s
