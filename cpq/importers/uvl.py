"""Import UVL feature models (Universal Variability Language) as cpq rulesets.

UVL is read by our own parser, written from the official grammar (``UVLParser.g4`` and
``UVLLexer.g4`` of the Universal-Variability-Language project). The official Python parser
(PyPI ``uvlparser``, ANTLR 4) was evaluated and not used: its lexer needs about 7 s for
automotive01 (2,513 features) where this one needs a fraction of a second, it is GPL-3.0
while cpq is MIT, and it installs top-level modules named ``main`` and ``test_grammar``.

Mapping (the full table with examples is in ``docs/importers.md``):

* Every feature becomes a ``bool`` attribute named after the feature (sanitised by
  :class:`~cpq.importers._names.NameTable`; the original name is the label), except the children
  of an ``alternative`` group (or a ``[1..1]`` or ``[0..1]`` group): such a group becomes one
  ``choice`` attribute ``<parent>_choice`` whose values are the children, with a value ``none``
  ("none selected") unless the parent is always selected and the group needs exactly one child.
* ``root`` requires the root feature; ``parent-C`` requires the parent of a selected child
  (left out when the parent is always selected); ``mandatory-C`` requires a mandatory child of
  a selected parent; ``or-P`` requires one child of an or-group; ``alternative-G`` requires a
  choice when the parent is selected; ``card-P`` (a forbid table) enforces other ``[n..m]``.
* Cross-tree constraints become ``ctc-1``, ``ctc-2``, ... (numbered in file order): ``A => B``
  becomes ``when: A`` / ``require: B``; ``!``, ``&``, ``|`` become ``not``, ``and``, ``or``;
  ``<=>`` becomes ``==`` between conditions. Constraints written as feature attributes
  (``{constraint A => B}``) become ``<feature>-constraint-1``, ...
* Feature attributes are kept in the attribute's description; on choice values, numbers,
  texts and booleans also become value properties.
* Not supported, reported as ``import-unsupported`` errors with file:line:col: numeric, string
  and aggregate constraints (``Price > 10``, ``sum(Price) < 100``), typed features (``Integer``,
  ``Real``, ``String``), feature cardinalities (``cardinality [1..3]``) and ``imports``. With
  ``skip_unsupported=True`` such constraints are left out and listed in the YAML header, and
  typed or cloned features are imported as plain yes/no features, each with a warning.

Example:
    >>> model = parse_uvl('''
    ... features
    ...     Car
    ...         mandatory
    ...             Engine
    ...                 alternative
    ...                     Diesel
    ...                     Petrol
    ...         optional
    ...             Towbar
    ... constraints
    ...     Towbar => Diesel
    ... ''', "car.uvl")
    >>> [a.name for a in model.attributes]
    ['Car', 'Engine', 'Engine_choice', 'Towbar']
    >>> [(r.id, r.when, r.require) for r in model.rules]
    [('root', None, 'Car'), ('mandatory-Engine', None, 'Engine'), ('ctc-1', 'Towbar', "Engine_choice == 'Diesel'")]
"""

from __future__ import annotations

import itertools
import math
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cpq.importers._common import (
    MAX_TABLE_ROWS,
    Issues,
    all_of,
    any_of,
    display_name,
    equals,
    expr_fits,
    is_,
    negate,
    read_text,
    source,
    var,
)
from cpq.importers._names import NameTable, sanitize_id
from cpq.importers.model import (
    ANY_CELL,
    Cell,
    ImportedAttribute,
    ImportedModel,
    ImportedRule,
    ImportedTable,
    ImportedValue,
    PropertyValue,
)
from cpq.ruleset.expr import BoolOp, Expr, Literal_

__all__ = ["parse_uvl", "read_uvl"]

_WHAT = "UVL"
NONE_LABEL = "none selected"
"""The label of the ``none`` value of a choice attribute made from a group."""
MAX_TREE_DEPTH = 400
"""Deeper feature trees are refused (``import-too-large``)."""
MAX_NESTING = 200
"""Constraints nesting deeper than this are refused (``import-too-large``)."""

# -- lexer ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<nl>\r\n|\r|\n)
  | (?P<ws>[ \t\f\v]+)
  | (?P<lc>//[^\r\n]*)
  | (?P<bc>/\*.*?\*/)
  | (?P<qid>"[^"\r\n]+")
  | (?P<str>'[^'\r\n]*')
  | (?P<card>\[\d+(?:\.\.(?:\d+|\*))?\])
  | (?P<num>-?(?:\d*\.\d+|\d+))
  | (?P<op><=>|=>|==|<=|>=|!=|[!&|<>+\-*/(){}\[\],.])
  | (?P<id>[^\W\d][\w#§%?\\';]*)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")", "]", "}"}
_GROUP_WORDS = ("or", "alternative", "optional", "mandatory")
_TYPE_WORDS = ("String", "Integer", "Boolean", "Real")
_SECTIONS = ("namespace", "include", "imports", "features", "constraints")
_AGGREGATES = ("sum", "avg", "len", "floor", "ceil")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # qid, id, str, card, num, op
    text: str
    line: int
    col: int
    pos: int

    @property
    def name(self) -> str:
        """The name an id or quoted id stands for."""
        return self.text[1:-1] if self.kind == "qid" else self.text

    def describe(self) -> str:
        return f"'{self.text}'"


@dataclass(slots=True)
class _Line:
    indent: int
    toks: list[_Tok]
    children: list[_Line] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.toks[0].line

    @property
    def col(self) -> int:
        return self.toks[0].col


class _Stop(Exception):
    """Internal: a syntax error that ends the parse (already recorded)."""


def _visual(prefix: str) -> int:
    col = 0
    for ch in prefix:
        col = col + 8 - col % 8 if ch == "\t" else col + 1
    return col


def _lines(text: str, issues: Issues) -> list[_Line]:
    """Tokens grouped into logical lines (newlines inside brackets do not end a line)."""
    out: list[_Line] = []
    current: list[_Tok] = []
    indent = 0
    pending: int | None = None  # indentation of a block comment that starts a line
    depth: list[_Tok] = []
    line, line_start, pos, n = 1, 0, 0, len(text)
    match = _TOKEN.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            ch = text[pos]
            col = pos - line_start + 1
            if text.startswith("/*", pos):
                issues.add("import-syntax", "this comment is never closed (add */)", line, col)
            elif ch == '"':
                issues.add(
                    "import-syntax",
                    "this quoted name is never closed, or is empty",
                    line,
                    col,
                    'write "name" on one line',
                )
            else:
                issues.add("import-syntax", f"the character {ch!r} cannot be used here", line, col)
            raise _Stop
        kind = m.lastgroup
        end = m.end()
        if kind == "nl":
            line += 1
            line_start = end
            pending = None
            if not depth and current:
                out.append(_Line(indent, current))
                current = []
        elif kind == "bc":
            prefix = text[line_start:pos]
            if not current and pending is None and not prefix.strip():
                pending = _visual(prefix)
            body = m.group()
            breaks = body.count("\n") + body.count("\r") - body.count("\r\n")
            if breaks:
                line += breaks
                line_start = pos + max(body.rfind("\n"), body.rfind("\r")) + 1
        elif kind not in ("ws", "lc") and kind is not None:
            word = m.group()
            tok = _Tok(kind, word, line, pos - line_start + 1, pos)
            if not current:
                indent = _visual(text[line_start:pos]) if pending is None else pending
                pending = None
            current.append(tok)
            if kind == "op":
                if word in _OPENERS:
                    depth.append(tok)
                elif word in _CLOSERS:
                    if not depth or _OPENERS[depth[-1].text] != word:
                        issues.add("import-syntax", f"unmatched '{word}'", tok.line, tok.col)
                        raise _Stop
                    depth.pop()
        pos = end
    if depth:
        tok = depth[-1]
        issues.add(
            "import-syntax",
            f"'{tok.text}' is never closed",
            tok.line,
            tok.col,
            f"add '{_OPENERS[tok.text]}'",
        )
        raise _Stop
    if current:
        out.append(_Line(indent, current))
    return out


def _tree(lines: list[_Line], issues: Issues) -> list[_Line]:
    """Nest logical lines by indentation; returns the top-level lines."""
    root = _Line(-1, [])
    stack = [root]
    for ln in lines:
        while stack[-1].indent >= ln.indent:
            stack.pop()
        parent = stack[-1]
        if parent.children and parent.children[0].indent != ln.indent:
            first = parent.children[0]
            issues.add(
                "import-syntax",
                f"this line is indented to column {ln.indent + 1}, but the lines it belongs "
                f"with start at column {first.indent + 1} (line {first.line})",
                ln.line,
                ln.col,
                "indent each level consistently (UVL counts a tab as up to 8 spaces)",
            )
            raise _Stop
        parent.children.append(ln)
        stack.append(ln)
    return root.children


# -- constraint expressions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    """A parsed UVL constraint or arithmetic expression."""

    kind: str  # ref, not, bin, cmp, arith, num, str, agg, bool
    tok: _Tok
    op: str = ""
    args: tuple[_Node, ...] = ()
    parts: tuple[str, ...] = ()


_BIN_PREC = {"<=>": 1, "=>": 2, "|": 3, "&": 4}
_NOT_PREC = 5
_CMP_PREC = 6
_ARITH_PREC = {"+": 7, "-": 7, "*": 8, "/": 8}
_CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")


class _ExprParser:
    def __init__(self, toks: list[_Tok], issues: Issues, start: int = 0) -> None:
        self.toks = toks
        self.i = start
        self.issues = issues
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, message: str, tok: _Tok | None, hint: str | None = None) -> _Stop:
        if tok is None:
            last = self.toks[-1]
            self.issues.add("import-syntax", message, last.line, last.col + len(last.text), hint)
        else:
            self.issues.add("import-syntax", message, tok.line, tok.col, hint)
        return _Stop()

    def expect(self, text: str) -> _Tok:
        tok = self.peek()
        if tok is None or tok.kind != "op" or tok.text != text:
            found = "the end of the line" if tok is None else tok.describe()
            raise self.error(f"expected '{text}' but found {found}", tok)
        self.i += 1
        return tok

    def parse(self, min_prec: int = 0) -> _Node:
        self.depth += 1
        try:
            return self.parse_inner(min_prec)
        finally:
            self.depth -= 1

    def parse_inner(self, min_prec: int) -> _Node:
        if self.depth > MAX_NESTING:
            here = self.peek() or self.toks[-1]
            self.issues.add(
                "import-too-large",
                f"the constraint nests deeper than {MAX_NESTING} levels",
                here.line,
                here.col,
            )
            raise _Stop
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op":
                return left
            op = tok.text
            if op in _BIN_PREC:
                prec = _BIN_PREC[op]
                kind = "bin"
            elif op in _CMP_OPS:
                prec, kind = _CMP_PREC, "cmp"
            elif op in _ARITH_PREC:
                prec, kind = _ARITH_PREC[op], "arith"
            else:
                return left
            if prec < min_prec:
                return left
            self.i += 1
            right = self.parse(prec + 1)
            if kind == "cmp":
                nxt = self.peek()
                if nxt is not None and nxt.kind == "op" and nxt.text in _CMP_OPS:
                    raise self.error("comparisons cannot be chained", nxt)
            left = _Node(kind, tok, op, (left, right))

    def prefix(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise self.error("the constraint ends where a feature name was expected", None)
        self.i += 1
        if tok.kind == "op" and tok.text == "!":
            return _Node("not", tok, "!", (self.parse(_NOT_PREC),))
        if tok.kind == "op" and tok.text == "(":
            inner = self.parse(0)
            self.expect(")")
            return inner
        if tok.kind == "num":
            return _Node("num", tok)
        if tok.kind == "str":
            return _Node("str", tok)
        if tok.kind == "id" and tok.text in ("true", "false"):
            return _Node("bool", tok)
        if tok.kind == "id" and tok.text in _AGGREGATES:
            nxt = self.peek()
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                self.i += 1
                args = [self.reference()]
                while self.peek_op(",") is not None:
                    self.i += 1
                    args.append(self.reference())
                self.expect(")")
                return _Node("agg", tok, tok.text, tuple(args))
        if tok.kind in ("id", "qid"):
            self.i -= 1
            return self.reference()
        hint = None
        if tok.kind == "op" and tok.text in ("&&", "||", "~", "-"):
            hint = "UVL writes ! for not, & for and, | for or"
        raise self.error(f"unexpected {tok.describe()} in a constraint", tok, hint)

    def peek_op(self, text: str) -> _Tok | None:
        tok = self.peek()
        return tok if tok is not None and tok.kind == "op" and tok.text == text else None

    def reference(self) -> _Node:
        tok = self.peek()
        if tok is None or tok.kind not in ("id", "qid"):
            found = "the end of the line" if tok is None else tok.describe()
            raise self.error(f"expected a feature name but found {found}", tok)
        self.i += 1
        parts = [tok.name]
        while self.peek_op(".") is not None:
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("id", "qid"):
                raise self.error("expected a name after '.'", nxt)
            self.i += 1
            parts.append(nxt.name)
        return _Node("ref", tok, parts=tuple(parts))


# -- the feature tree ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Attr:
    key: str
    value: PropertyValue | None  # None: a flag without value
    raw: str  # the value as written, for descriptions
    tok: _Tok


@dataclass(slots=True)
class _Group:
    kind: str  # mandatory, optional, or, alternative, card
    lo: int
    hi: int | None  # None: *
    tok: _Tok
    children: list[_Feature] = field(default_factory=list)


@dataclass(slots=True)
class _Feature:
    name: str
    tok: _Tok
    type: str | None = None
    cardinality: str | None = None
    attrs: list[_Attr] = field(default_factory=list)
    constraints: list[tuple[_Node, str, _Tok]] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    parent: _Feature | None = None
    group: _Group | None = None
    cpq: str = ""  # the cpq name
    choice: str | None = None  # the choice attribute when this feature is a value of one
    always: bool = False  # selected in every configuration by the tree alone


def _span_text(text: str, toks: list[_Tok]) -> str:
    """The source text of a token range, whitespace collapsed to single spaces."""
    first, last = toks[0], toks[-1]
    return " ".join(text[first.pos : last.pos + len(last.text)].split())


class _TreeParser:
    def __init__(self, issues: Issues, text: str) -> None:
        self.issues = issues
        self.text = text
        self.features: list[_Feature] = []
        self.by_name: dict[str, _Feature] = {}

    def error(self, message: str, tok: _Tok, hint: str | None = None) -> None:
        self.issues.add("import-syntax", message, tok.line, tok.col, hint)

    def feature(
        self, ln: _Line, parent: _Feature | None, group: _Group | None, depth: int = 0
    ) -> None:
        toks = ln.toks
        i = 0
        ftype = None
        if (
            toks[0].kind == "id"
            and toks[0].text in _TYPE_WORDS
            and len(toks) > 1
            and toks[1].kind in ("id", "qid")
        ):
            ftype = toks[0].text
            i = 1
        head = toks[i]
        if head.kind not in ("id", "qid"):
            hint = None
            if head.kind == "card":
                hint = "a group needs a feature above it"
            self.error(f"expected a feature name but found {head.describe()}", head, hint)
            return
        if head.kind == "id" and head.text in _GROUP_WORDS:
            self.error(
                f"'{head.text}' is a group keyword; a feature was expected here",
                head,
                "indent the group under its parent feature, or quote the feature name",
            )
            return
        name = head.name
        i += 1
        if i < len(toks) and toks[i].kind == "op" and toks[i].text == ".":
            self.issues.add(
                "import-unsupported",
                "features of imported models (dotted names) are not supported",
                head.line,
                head.col,
                "merge the models into one UVL file",
            )
            return
        feat = _Feature(name, head, ftype, parent=parent, group=group)
        if i < len(toks) and toks[i].kind == "id" and toks[i].text == "cardinality":
            if i + 1 < len(toks) and toks[i + 1].kind == "card":
                feat.cardinality = toks[i + 1].text
                i += 2
            else:
                self.error("expected [n..m] after 'cardinality'", toks[i])
                return
        if i < len(toks) and toks[i].kind == "op" and toks[i].text == "{":
            try:
                i = self.attributes(toks, i, feat)
            except _Stop:
                return
        if i < len(toks):
            extra = toks[i]
            self.error(
                f"unexpected {extra.describe()} after the feature '{name}'",
                extra,
                'quote names that contain spaces or symbols: "my feature"',
            )
            return
        if name in self.by_name:
            first = self.by_name[name].tok
            self.issues.add(
                "import-duplicate",
                f"the feature '{name}' is declared twice (first at line {first.line})",
                head.line,
                head.col,
            )
        else:
            self.by_name[name] = feat
        self.features.append(feat)
        if group is not None:
            group.children.append(feat)
        if depth > MAX_TREE_DEPTH:
            self.issues.add(
                "import-too-large",
                f"the feature tree is deeper than {MAX_TREE_DEPTH} levels",
                head.line,
                head.col,
            )
            return
        for child in ln.children:
            self.group(child, feat, depth)

    def group(self, ln: _Line, parent: _Feature, depth: int) -> None:
        tok = ln.toks[0]
        lo: int
        hi: int | None
        if tok.kind == "id" and tok.text in _GROUP_WORDS:
            kind = tok.text
            lo, hi = {"mandatory": (0, 0), "optional": (0, 0), "or": (1, None)}.get(kind, (1, 1))
        elif tok.kind == "card":
            kind = "card"
            body = tok.text[1:-1]
            lo_text, _, hi_text = body.partition("..")
            lo = int(lo_text)
            hi = None if hi_text == "*" else int(hi_text or lo_text)
            if hi is not None and hi < lo:
                self.error(f"the group cardinality {tok.text} has max < min", tok)
                return
        else:
            hint = "write mandatory, optional, or, alternative or [n..m] above the features"
            self.error(
                f"expected a group (mandatory, optional, or, alternative or [n..m]) under "
                f"the feature '{parent.name}', found {tok.describe()}",
                tok,
                hint,
            )
            return
        if len(ln.toks) > 1:
            self.error(
                f"unexpected {ln.toks[1].describe()} after the group keyword",
                ln.toks[1],
                "put each feature of the group on its own, more indented line",
            )
            return
        if not ln.children:
            self.error(f"the group '{tok.text}' has no features", tok)
            return
        grp = _Group(kind, lo, hi, tok)
        parent.groups.append(grp)
        for child in ln.children:
            self.feature(child, parent, grp, depth + 1)

    def attributes(self, toks: list[_Tok], i: int, feat: _Feature) -> int:
        """Parse ``{...}`` starting at ``toks[i]``; returns the index after ``}``."""
        p = _ExprParser(toks, self.issues, i)
        p.expect("{")
        if p.peek_op("}") is not None:
            return p.i + 1
        while True:
            key = p.peek()
            if key is None or key.kind not in ("id", "qid"):
                found = "the end of the line" if key is None else key.describe()
                raise p.error(f"expected an attribute name but found {found}", key)
            p.i += 1
            if key.kind == "id" and key.text in ("constraint", "constraints"):
                if key.text == "constraint":
                    start = p.i
                    node = p.parse()
                    feat.constraints.append(
                        (node, _span_text(self.text, toks[start : p.i]), toks[start])
                    )
                else:
                    p.expect("[")
                    if p.peek_op("]") is None:
                        while True:
                            start = p.i
                            node = p.parse()
                            feat.constraints.append(
                                (node, _span_text(self.text, toks[start : p.i]), toks[start])
                            )
                            if p.peek_op(",") is None:
                                break
                            p.i += 1
                    p.expect("]")
            else:
                nxt = p.peek()
                if nxt is None or (nxt.kind == "op" and nxt.text in (",", "}")):
                    feat.attrs.append(_Attr(key.name, None, "", key))
                else:
                    start = p.i
                    value = self.value(p)
                    raw = _span_text(self.text, toks[start : p.i])
                    feat.attrs.append(_Attr(key.name, value, raw, key))
            if p.peek_op(",") is not None:
                p.i += 1
                continue
            p.expect("}")
            return p.i

    def value(self, p: _ExprParser) -> PropertyValue | None:
        tok = p.peek()
        assert tok is not None
        if tok.kind == "op" and tok.text in ("{", "["):
            closer = _OPENERS[tok.text]
            depth = 0
            while p.i < len(p.toks):
                t = p.toks[p.i]
                p.i += 1
                if t.kind == "op" and t.text in _OPENERS:
                    depth += 1
                elif t.kind == "op" and t.text in _CLOSERS:
                    depth -= 1
                    if depth == 0:
                        assert t.text == closer
                        return None
            raise p.error(f"'{tok.text}' is never closed", tok)  # pragma: no cover
        p.i += 1
        if tok.kind == "id" and tok.text in ("true", "false"):
            return tok.text == "true"
        if tok.kind == "num":
            try:
                return Decimal(tok.text) if "." in tok.text else int(tok.text)
            except InvalidOperation:  # pragma: no cover - the lexer only passes numbers
                return tok.text
        if tok.kind == "str":
            return tok.text[1:-1]
        if tok.kind == "card":
            return None
        raise p.error(f"unexpected {tok.describe()} as an attribute value", tok)


# -- the mapping ----------------------------------------------------------------------------------


@dataclass
class _Mapper:
    issues: Issues
    skip_unsupported: bool
    model: ImportedModel
    features: list[_Feature]
    by_name: dict[str, _Feature]
    names: NameTable = field(default_factory=NameTable)
    choice_values: dict[str, list[_Feature]] = field(default_factory=dict)
    rule_ids: set[str] = field(default_factory=set)
    lossy: dict[str, list[tuple[_Feature, _Attr]]] = field(default_factory=dict)
    none_ids: dict[str, str] = field(default_factory=dict)

    # literals --------------------------------------------------------------------------------

    def lit(self, f: _Feature) -> Expr:
        return is_(f.choice, f.cpq) if f.choice is not None else var(f.cpq)

    def cell_col(self, f: _Feature) -> tuple[str, Cell]:
        """The table column of a feature and the cell meaning "selected"."""
        return (f.choice, f.cpq) if f.choice is not None else (f.cpq, True)

    # rules -------------------------------------------------------------------------------

    def add_rule(self, rule: ImportedRule) -> None:
        if rule.id in self.rule_ids:  # pragma: no cover - ids are built from unique names
            raise AssertionError(f"duplicate rule id {rule.id}")
        self.rule_ids.add(rule.id)
        self.model.rules.append(rule)

    def implies(self, rid: str, cond: _Feature | None, then: Expr, line: int) -> None:
        """``then`` must hold when ``cond`` is selected (always, when ``cond`` is None)."""
        when = None if cond is None or cond.always else source(self.lit(cond))
        self.add_rule(ImportedRule(rid, require=source(then), when=when, line=line))

    # the tree ------------------------------------------------------------------------------

    def run(self) -> None:
        root = self.features[0]
        self.check_features()
        self.name_features()
        root.always = True
        for f in self.features[1:]:
            grp = f.group
            assert grp is not None and f.parent is not None
            f.always = f.parent.always and self.kind(grp) == "mandatory"
        self.emit_attributes(root)
        self.report_lossy()
        self.add_rule(ImportedRule("root", require=source(var(root.cpq)), line=root.tok.line))
        for f in self.features:
            self.tree_rules(f)
        for f in self.features:
            for k, (node, text, first) in enumerate(f.constraints, start=1):
                self.constraint(f"{f.cpq}-constraint-{k}", node, text, first)
        self.model.stats["features"] = len(self.features)

    def kind(self, g: _Group) -> str:
        """mandatory, optional, or, choice1 (exactly one), choice01 (at most one), card."""
        n = len(g.children)
        if g.kind in ("mandatory", "optional", "or"):
            return g.kind
        if g.kind == "alternative":
            return "choice1"
        hi = n if g.hi is None else min(g.hi, n)
        lo = g.lo
        if lo > n:
            return "card"
        if lo == n and hi == n:
            return "mandatory"
        if lo == 0 and hi == n:
            return "optional"
        if lo == 1 and hi == n:
            return "or"
        if hi == 1:
            return "choice1" if lo == 1 else "choice01"
        return "card"

    def check_features(self) -> None:
        for f in self.features:
            if f.type is not None and f.type != "Boolean":
                self.unsupported_feature(f, f"the {f.type} feature '{f.name}' has a value")
            if f.cardinality is not None:
                self.unsupported_feature(
                    f, f"the feature '{f.name}' has the feature cardinality {f.cardinality}"
                )

    def unsupported_feature(self, f: _Feature, what: str) -> None:
        if self.skip_unsupported:
            self.issues.warn(
                "import-lossy",
                f"{what}; imported as a yes/no feature",
                f.tok.line,
                f.tok.col,
            )
        else:
            self.issues.add(
                "import-unsupported",
                f"{what}, which cpq cannot import",
                f.tok.line,
                f.tok.col,
                "import with skip_unsupported (cpq import --skip-unsupported) to import it "
                "as a yes/no feature",
            )

    def name_features(self) -> None:
        for f, cpq in zip(
            self.features, self.names.claim_all(f.name for f in self.features), strict=True
        ):
            f.cpq = cpq
        for f in self.features:
            for g in f.groups:
                if self.kind(g) in ("choice1", "choice01"):
                    attr = self.names.claim(f"{f.cpq}_choice")
                    self.choice_values[attr] = g.children
                    for child in g.children:
                        child.choice = attr

    def description(self, f: _Feature) -> str | None:
        parts: list[str] = []
        for a in f.attrs:
            if a.value is None and not a.raw:
                parts.append(a.key)
            else:
                parts.append(f"{a.key} {a.raw}")
        return "; ".join(parts) if parts else None

    def emit_attributes(self, f: _Feature) -> None:
        if f.choice is None:
            self.model.attributes.append(
                ImportedAttribute(
                    f.cpq, "bool", f.name, self.description(f), source=f.name, line=f.tok.line
                )
            )
            self.note_attrs(f)
        for g in f.groups:
            kind = self.kind(g)
            if kind in ("choice1", "choice01"):
                self.emit_choice(f, g, kind)
            for child in g.children:
                self.emit_attributes(child)

    def note_attrs(self, f: _Feature) -> None:
        for a in f.attrs:
            if a.key != "abstract":
                self.lossy.setdefault(a.key, []).append((f, a))

    def report_lossy(self) -> None:
        """One warning per attribute name kept in descriptions only."""
        for key, uses in self.lossy.items():
            f, a = uses[0]
            more = f" and {len(uses) - 1} other feature(s)" if len(uses) > 1 else ""
            self.issues.warn(
                "import-lossy",
                f"the attribute '{key}' of the feature '{f.name}'{more} is kept in the "
                "description only (cpq keeps numbers, texts and yes/no values as properties "
                "of the values of an alternative group only)",
                a.tok.line,
                a.tok.col,
            )

    def emit_choice(self, parent: _Feature, g: _Group, kind: str) -> None:
        attr = g.children[0].choice
        assert attr is not None
        local = NameTable()
        values: list[ImportedValue] = []
        for child in g.children:
            local.reserve(child.cpq)
            props: dict[str, PropertyValue] = {}
            pnames = NameTable()
            for a in child.attrs:
                if a.value is not None:
                    props[pnames.claim(a.key)] = a.value
            label = child.name if child.name != child.cpq else None
            values.append(ImportedValue(child.cpq, label, self.description(child), props))
        needs_none = not parent.always or kind == "choice01"
        if needs_none:
            none_id = local.claim("none")
            self.none_ids[attr] = none_id
            values.insert(0, ImportedValue(none_id, NONE_LABEL))
        label = parent.name
        if len(parent.groups) > 1:
            label += f" ({g.tok.text} group, line {g.tok.line})"
        desc = (
            f"exactly one of the {g.tok.text} group of {parent.name}"
            if kind == "choice1"
            else f"at most one of the {g.tok.text} group of {parent.name}"
        )
        if needs_none and kind == "choice1":
            desc += f" when {parent.name} is selected"
        self.model.attributes.append(
            ImportedAttribute(attr, "choice", label, desc, values, line=g.tok.line)
        )
        for child in g.children:
            self.note_value_attrs(child)

    def choice_rules(self, parent: _Feature, g: _Group, kind: str) -> None:
        """A value other than none needs the parent; an alternative needs a value."""
        attr = g.children[0].choice
        assert attr is not None
        if parent.always:
            return
        line = g.tok.line
        chosen = negate(is_(attr, self.none_ids[attr]))
        self.add_rule(
            ImportedRule(
                f"parent-{attr}",
                when=source(chosen),
                require=source(self.lit(parent)),
                line=line,
            )
        )
        if kind == "choice1":
            self.implies(f"alternative-{attr}", parent, chosen, line)

    def note_value_attrs(self, f: _Feature) -> None:
        for a in f.attrs:
            if a.key != "abstract" and a.value is None and a.raw:
                self.lossy.setdefault(a.key, []).append((f, a))

    def tree_rules(self, f: _Feature) -> None:
        counts: dict[str, int] = {}
        for g in f.groups:
            kind = self.kind(g)
            if kind in ("choice1", "choice01"):
                self.choice_rules(f, g, kind)
                continue
            for child in g.children:
                if not f.always:
                    self.implies(f"parent-{child.cpq}", child, self.lit(f), child.tok.line)
                if kind == "mandatory":
                    self.implies(f"mandatory-{child.cpq}", f, self.lit(child), child.tok.line)
            if kind in ("or", "card"):
                counts[kind] = counts.get(kind, 0) + 1
                suffix = "" if counts[kind] == 1 else f"-{counts[kind]}"
                if kind == "or":
                    self.or_group(f"or-{f.cpq}{suffix}", f, g)
                else:
                    self.card_group(f"card-{f.cpq}{suffix}", f, g)

    def or_group(self, rid: str, f: _Feature, g: _Group) -> None:
        expr = any_of([self.lit(c) for c in g.children])
        text = source(expr)
        when = None if f.always else source(self.lit(f))
        if expr_fits(text) and (when is None or expr_fits(when)):
            self.add_rule(ImportedRule(rid, require=text, when=when, line=g.tok.line))
            return
        # too long for one expression: a one-row forbid table "parent and no child"
        table = self.table([] if f.always else [f], g.children)
        table.rows.append(tuple([*([] if f.always else [self.cell_col(f)[1]]), *self.nones(g)]))
        self.add_rule(ImportedRule(rid, table=table, line=g.tok.line))

    def nones(self, g: _Group) -> list[Cell]:
        return [False for _ in g.children]

    def table(self, parents: list[_Feature], children: list[_Feature]) -> ImportedTable:
        cols = [self.cell_col(p)[0] for p in parents] + [c.cpq for c in children]
        return ImportedTable(cols, "forbid")

    def card_group(self, rid: str, f: _Feature, g: _Group) -> None:
        """``[lo..hi]`` as forbid rows: any hi+1 children all selected, or, when the parent is
        selected, any n-lo+1 children all unselected."""
        n = len(g.children)
        lo = g.lo
        hi = n if g.hi is None else min(g.hi, n)
        line = g.tok.line
        if lo > n:
            self.implies(rid, f, Literal_(False, (0, 0)), line)
            return
        rows = (math.comb(n, hi + 1) if hi < n else 0) + (math.comb(n, n - lo + 1) if lo else 0)
        if rows > MAX_TABLE_ROWS:
            self.issues.add(
                "import-too-large",
                f"the group {g.tok.text} of '{f.name}' with {n} features needs {rows:,} table "
                f"rows; the limit is {MAX_TABLE_ROWS:,}",
                g.tok.line,
                g.tok.col,
            )
            return
        parents = [] if f.always else [f]
        table = self.table(parents, g.children)
        pcell: list[Cell] = [] if f.always else [self.cell_col(f)[1]]
        pany: list[Cell] = [] if f.always else [ANY_CELL]
        if hi < n:
            for subset in itertools.combinations(range(n), hi + 1):
                chosen = set(subset)
                table.rows.append(
                    tuple([*pany, *(True if i in chosen else ANY_CELL for i in range(n))])
                )
        if lo:
            for subset in itertools.combinations(range(n), n - lo + 1):
                chosen = set(subset)
                table.rows.append(
                    tuple([*pcell, *(False if i in chosen else ANY_CELL for i in range(n))])
                )
        self.add_rule(ImportedRule(rid, table=table, line=line))

    # constraints ----------------------------------------------------------------------------

    def constraint(self, rid: str, node: _Node, text: str, first: _Tok) -> None:
        tok = first
        try:
            if node.kind == "bin" and node.op == "=>":
                when: Expr | None = self.expr(node.args[0])
                then = self.expr(node.args[1])
            else:
                when, then = None, self.expr(node)
        except _Unsupported as exc:
            where = f"{Path(self.issues.file).name}:{tok.line}"
            if self.skip_unsupported:
                self.model.skipped.append(f"{rid} ({where}): {text} -- {exc.message}")
                self.issues.warn(
                    "import-skipped",
                    f"constraint {rid} not imported: {exc.message}",
                    exc.tok.line,
                    exc.tok.col,
                )
            else:
                self.issues.add(
                    "import-unsupported",
                    f"{exc.message}; cpq cannot import this constraint",
                    exc.tok.line,
                    exc.tok.col,
                    "import with skip_unsupported (cpq import --skip-unsupported) to leave it "
                    "out and list it in the file header",
                )
            return
        except _Unknown:
            return
        desc = f"UVL line {tok.line}: {text}"
        parts = self.split(when, then)
        if parts is None:
            self.issues.add(
                "import-too-large",
                "this constraint is too long or nests too deeply for one cpq rule "
                "(at most 10,000 characters and 48 levels)",
                tok.line,
                tok.col,
                "split it into several constraints",
            )
            return
        for k, (w, r) in enumerate(parts, start=1):
            pid = rid if len(parts) == 1 else f"{rid}.{k}"
            self.add_rule(
                ImportedRule(
                    pid,
                    require=r,
                    when=w,
                    description=desc,
                    line=tok.line,
                )
            )

    def split(self, when: Expr | None, then: Expr) -> list[tuple[str | None, str]] | None:
        """The rule texts; a conjunction too long for one rule is split into several."""
        wtext = None if when is None else source(when)
        ttext = source(then)
        if (wtext is None or expr_fits(wtext)) and expr_fits(ttext):
            return [(wtext, ttext)]
        if (wtext is None or expr_fits(wtext)) and isinstance(then, BoolOp) and then.op == "and":
            out = [(wtext, source(part)) for part in then.operands]
            if all(expr_fits(t) for _, t in out):
                return out
        return None

    def expr(self, node: _Node) -> Expr:
        kind = node.kind
        if kind == "ref":
            return self.ref(node)
        if kind == "not":
            return negate(self.expr(node.args[0]))
        if kind == "bool":
            return Literal_(node.tok.text == "true", (0, 0))
        if kind == "bin":
            left, right = self.expr(node.args[0]), self.expr(node.args[1])
            if node.op == "&":
                return all_of([left, right])
            if node.op == "|":
                return any_of([left, right])
            if node.op == "=>":
                return any_of([negate(left), right])
            return equals(left, right)
        if kind in ("cmp", "arith", "num"):
            raise _Unsupported("numeric constraints (comparisons and arithmetic)", node.tok)
        if kind == "str":
            raise _Unsupported("string constraints", node.tok)
        raise _Unsupported(f"the aggregate function {node.op}()", node.tok)

    def ref(self, node: _Node) -> Expr:
        name = ".".join(node.parts)
        f = self.by_name.get(name)
        if f is not None:
            return self.lit(f)
        if len(node.parts) > 1 and node.parts[0] in self.by_name:
            raise _Unsupported(
                f"'{name}' is an attribute of a feature, used as a condition", node.tok
            )
        from cpq.errors import did_you_mean

        self.issues.add(
            "import-reference",
            f"there is no feature '{name}'",
            node.tok.line,
            node.tok.col,
            did_you_mean(name, self.by_name),
        )
        raise _Unknown


class _Unsupported(Exception):
    def __init__(self, message: str, tok: _Tok) -> None:
        super().__init__(message)
        self.message = message
        self.tok = tok


class _Unknown(Exception):
    pass


# -- entry points ------------------------------------------------------------------------------


def _sections(top: list[_Line], p: _TreeParser, issues: Issues) -> tuple[str | None, list[_Line]]:
    """Walk the top-level sections; returns the namespace and the constraint lines."""
    seen: dict[str, _Line] = {}
    namespace = None
    constraint_lines: list[_Line] = []
    for ln in top:
        tok = ln.toks[0]
        word = tok.text if tok.kind == "id" else ""
        if word not in _SECTIONS:
            hint = None
            if tok.kind in ("id", "qid") and not seen:
                hint = "a UVL model starts with 'features' and the root feature indented below"
            issues.add(
                "import-syntax",
                f"expected namespace, include, imports, features or constraints at the start "
                f"of a section, found {tok.describe()}",
                tok.line,
                tok.col,
                hint,
            )
            raise _Stop
        if word in seen:
            issues.add(
                "import-syntax",
                f"the section '{word}' appears twice (first at line {seen[word].line})",
                tok.line,
                tok.col,
            )
            raise _Stop
        seen[word] = ln
        rest = ln.toks[1:]
        if word == "namespace":
            if not rest or ln.children:
                issues.add("import-syntax", "write 'namespace Name' on one line", tok.line, tok.col)
                raise _Stop
            namespace = "".join(t.name if t.kind != "op" else t.text for t in rest)
            continue
        if rest:
            issues.add(
                "import-syntax",
                f"unexpected {rest[0].describe()} after '{word}'",
                rest[0].line,
                rest[0].col,
                f"put the content of '{word}' on the following, indented lines",
            )
            raise _Stop
        if word == "include":
            continue  # language levels: informative only
        if word == "imports":
            for child in ln.children:
                issues.add(
                    "import-unsupported",
                    "imports of other UVL models are not supported",
                    child.line,
                    child.col,
                    "merge the models into one UVL file",
                )
            continue
        if word == "features":
            if not ln.children:
                issues.add("import-syntax", "'features' has no root feature", tok.line, tok.col)
                raise _Stop
            if len(ln.children) > 1:
                second = ln.children[1]
                issues.add(
                    "import-syntax",
                    f"a feature model has one root feature; '{second.toks[0].text}' is a second "
                    "one",
                    second.line,
                    second.col,
                    "indent it under a group of the root feature",
                )
                raise _Stop
            p.feature(ln.children[0], None, None)
            continue
        for child in ln.children:
            if child.children:
                nested = child.children[0]
                issues.add(
                    "import-syntax",
                    "unexpected indentation inside the constraints",
                    nested.line,
                    nested.col,
                    "write each constraint on one line, or wrap a long one in parentheses",
                )
                raise _Stop
            constraint_lines.append(child)
    if "features" not in seen:
        issues.add("import-syntax", "the model has no 'features' section", 1, 1)
        raise _Stop
    return namespace, constraint_lines


def parse_uvl(
    text: str, filename: str = "<uvl>", *, skip_unsupported: bool = False
) -> ImportedModel:
    """Import a UVL feature model given as text.

    Args:
        text: the UVL source.
        filename: the name used in messages and in the YAML header.
        skip_unsupported: leave out constraints cpq cannot express (listed in
            :attr:`ImportedModel.skipped` and the YAML header, each with a warning) instead of
            failing.

    Returns:
        The imported model; :meth:`ImportedModel.to_yaml` gives the ruleset text.

    Raises:
        ImportFormatError: the text is not valid UVL or uses what cpq cannot import; every
            problem found is listed with file:line:col.

    Example:
        >>> m = parse_uvl("features\\n  Shop\\n    or\\n      Cash\\n      Card\\n")
        >>> [(r.id, r.require) for r in m.rules]
        [('root', 'Shop'), ('or-Shop', 'Cash or Card')]
    """
    issues = Issues(filename, _WHAT)
    text = text.removeprefix("\ufeff")
    parser = _TreeParser(issues, text)
    constraint_lines: list[_Line] = []
    namespace = None
    try:
        top = _tree(_lines(text, issues), issues)
        if not top:
            issues.add("import-syntax", "the file is empty; a UVL model needs 'features'", 1, 1)
            raise _Stop
        namespace, constraint_lines = _sections(top, parser, issues)
    except _Stop:
        pass
    issues.check()
    nodes: list[tuple[_Node, str, _Tok]] = []
    for ln in constraint_lines:
        ep = _ExprParser(ln.toks, issues)
        try:
            node = ep.parse()
            if ep.i < len(ln.toks):
                extra = ln.toks[ep.i]
                raise ep.error(
                    f"unexpected {extra.describe()} in the constraint",
                    extra,
                    "join conditions with & (and), | (or), => (implies), <=> (iff)",
                )
        except _Stop:
            continue
        nodes.append((node, _span_text(text, ln.toks), ln.toks[0]))
    issues.check()
    root = parser.features[0]
    stem = Path(filename).name.split(".")[0] or "model"
    product_id = sanitize_id(namespace or stem)
    model = ImportedModel(_WHAT.lower(), filename, product_id, namespace or root.name)
    mapper = _Mapper(issues, skip_unsupported, model, parser.features, parser.by_name)
    mapper.run()
    for k, (node, ctext, first) in enumerate(nodes, start=1):
        mapper.constraint(f"ctc-{k}", node, ctext, first)
    issues.check()
    model.stats["cross-tree constraints"] = len(nodes)
    model.stats["attributes"] = len(model.attributes)
    model.stats["rules"] = len(model.rules)
    renamed = sum(1 for f in parser.features if f.cpq != f.name)
    if renamed:
        model.notes.append(
            f"{renamed} feature name(s) were changed to fit cpq names; each keeps its UVL "
            "name as label."
        )
    model.warnings = list(issues.warnings)
    return model


def read_uvl(path: str | os.PathLike[str], *, skip_unsupported: bool = False) -> ImportedModel:
    """Import a UVL feature model file.

    Args:
        path: the ``.uvl`` file.
        skip_unsupported: see :func:`parse_uvl`.

    Raises:
        ImportFormatError: the file is missing, not UTF-8, not valid UVL, or uses what cpq
            cannot import.

    Example:
        >>> m = read_uvl("tests/importers/data/car.uvl")
        >>> m.attributes[0].name, m.rules[0].id
        ('Car', 'root')
    """
    name = display_name(path)
    issues = Issues(name, _WHAT)
    text = read_text(path, issues)
    return parse_uvl(text, name, skip_unsupported=skip_unsupported)
