"""Import XCSP constraint problems given by tables (XCSP 2.1 relations, XCSP3 extension).

The XML is read as a stream (SAX) through ``defusedxml``, so entity declarations (the
"billion laughs" family) and external references are refused, and a large file is never held
in memory as a tree: only the domains, the relations and the current element's text are kept.
Files ending in ``.gz``, ``.bz2``, ``.xz`` or ``.lzma`` are decompressed on the fly.

Mapping (details and examples in ``docs/importers.md``):

* Each variable becomes a ``choice`` attribute named after the variable (sanitised to an
  identifier; the original name is the label). Its values are the domain's integers written as
  text (``"0"``, ``"1"``, ``"-3"``); symbolic XCSP3 domains keep their symbols. A domain with
  ``optional="-1"`` (the Renault instances) turns that value into ``none``, labelled
  "not taken".
* Each XCSP 2.1 ``<constraint>`` over a ``<relation>`` becomes a ``table`` rule named after the
  constraint, columns in scope order: ``allow`` for ``supports``, ``forbid`` for ``conflicts``.
  Tuples with a value outside a column's domain can never match and are left out (counted in
  a warning). A variable repeated in a scope keeps its first column (tuples that disagree on
  it are dropped). Each XCSP3 ``<extension>`` becomes the same kind of table (``*`` stays
  ``*``), named after its ``id`` or ``ext-<n>``.
* Not supported, reported as ``import-unsupported``: intensional constraints (predicates,
  ``<intension>``), global constraints, soft relations and any other XCSP3 constraint. With
  ``skip_unsupported=True`` they are left out and listed in the YAML header instead.

Example:
    >>> xml = '''<instance><presentation name="tiny" format="XCSP 2.1"/>
    ... <domains nbDomains="2"><domain name="D" nbValues="2">0 1</domain>
    ... <domain name="O" nbValues="2" optional="-1">0 -1</domain></domains>
    ... <variables nbVariables="2"><variable name="a" domain="D"/>
    ... <variable name="b" domain="O"/></variables>
    ... <relations nbRelations="1">
    ... <relation name="R" arity="2" nbTuples="2" semantics="supports">0 0|1 -1</relation>
    ... </relations><constraints nbConstraints="1">
    ... <constraint name="C1" arity="2" scope="a b" reference="R"/></constraints></instance>'''
    >>> m = parse_xcsp(xml.encode(), "tiny.xml")
    >>> [v.id for v in m.attributes[1].values]
    ['0', 'none']
    >>> m.rules[0].id, m.rules[0].table.rows
    ('C1', [('0', '0'), ('1', 'none')])
"""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import lzma
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, cast
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from cpq.errors import ImportFormatError
from cpq.importers._common import Issues, display_name
from cpq.importers._names import NameTable, sanitize_id
from cpq.importers.model import (
    ANY_CELL,
    Cell,
    ImportedAttribute,
    ImportedModel,
    ImportedRule,
    ImportedTable,
    ImportedValue,
)

__all__ = ["parse_xcsp", "read_xcsp"]

_WHAT = "XCSP"
MAX_DOMAIN = 100_000
"""Domains with more values are refused (``import-too-large``): a choice attribute lists each."""
NONE_ID = "none"
NONE_LABEL = "not taken"

_INT = re.compile(r"^[+-]?\d+$")
_RANGE = re.compile(r"^([+-]?\d+)\.\.([+-]?\d+)$")
_SYMBOL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TUPLE3 = re.compile(r"\(([^()]*)\)")
_ARRAY_REF = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\])*)$")
_CONSTRAINT_OK = frozenset({"constraint", "block", "extension"})
"""Elements inside <constraints> that are read; any other is an unsupported constraint."""
_STARTS = frozenset(
    {"presentation", "predicate", "function", "variable", "constraint", "array", "extension"}
    | {"objectives"}
)
_ENDS = frozenset({"domain", "relation", "var", "array", "list", "supports", "conflicts"})
_ENDS = _ENDS | {"extension"}
_TEXT_ELEMENTS = frozenset(
    {"domain", "relation", "var", "array", "list", "supports", "conflicts", "predicate"}
)


class _Abort(Exception):
    """Internal: stop reading (the issue is recorded)."""


@dataclass(slots=True)
class _Domain:
    values: list[str]  # value texts in the cpq form ("0", "-1", "red")
    optional: str | None
    line: int


@dataclass(slots=True)
class _Variable:
    name: str
    domain: _Domain
    line: int
    cpq: str = ""


@dataclass(slots=True)
class _Relation:
    name: str
    arity: int
    semantics: str
    tuples: list[tuple[str, ...]]
    line: int


@dataclass(slots=True)
class _Constraint:
    rid: str | None
    scope: list[str]
    line: int
    column: int
    mode: Literal["allow", "forbid"] | None = None
    reference: str | None = None
    tuples: list[tuple[str, ...]] | None = None
    unsupported: str | None = None


@dataclass
class _Handler(ContentHandler):
    issues: Issues
    stack: list[tuple[str, int, int]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    collecting: bool = False
    name: str | None = None
    domains: dict[str, _Domain] = field(default_factory=dict)
    variables: dict[str, _Variable] = field(default_factory=dict)
    relations: dict[str, _Relation] = field(default_factory=dict)
    constraints: list[_Constraint] = field(default_factory=list)
    attrs_stack: list[dict[str, str]] = field(default_factory=list)
    locator: Locator | None = None
    extension: _Constraint | None = None
    array_domains: list[tuple[list[str], _Domain]] = field(default_factory=list)
    objective_line: int | None = None
    n_ext: int = 0
    arrays: dict[str, list[int]] = field(default_factory=dict)
    predicates: set[str] = field(default_factory=set)
    done: bool = False
    broken: set[str] = field(default_factory=set)  # relations with errors (reported once)

    def __post_init__(self) -> None:
        super().__init__()

    # plumbing ----------------------------------------------------------------------------------

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def where(self) -> tuple[int, int]:
        if self.locator is None:  # pragma: no cover - expat always provides one
            return 0, 0
        return (self.locator.getLineNumber() or 0), (self.locator.getColumnNumber() or 0) + 1

    def error(self, code: str, message: str, line: int, col: int = 1) -> None:
        self.issues.add(code, message, line, col)

    def attr(self, name: str, required: bool = True) -> str | None:
        attrs = self.attrs_stack[-1]
        value = attrs.get(name)
        if value is None and required:
            elem, line, col = self.stack[-1]
            self.error("import-syntax", f'<{elem}> needs the attribute {name}="..."', line, col)
        return value

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        line, col = self.where()
        self.stack.append((name, line, col))
        self.attrs_stack.append(dict(attrs.items()))
        if len(self.stack) == 1:
            if name != "instance":
                self.error(
                    "import-syntax",
                    f"this is not an XCSP instance: the root element is <{name}>, not <instance>",
                    line,
                    col,
                )
                raise _Abort
            return
        if name in _TEXT_ELEMENTS:
            self.collecting = True
            self.text = []
        if name in _STARTS:
            getattr(self, f"start_{name}")(line, col)
        elif self.parent() in ("constraints", "block") and name not in _CONSTRAINT_OK:
            self.start_any_constraint(name, line, col)

    def endDocument(self) -> None:
        self.done = True

    def characters(self, content: str) -> None:
        if self.collecting:
            self.text.append(content)

    def endElement(self, name: str) -> None:
        _, line, col = self.stack[-1]
        text = ""
        if name in _TEXT_ELEMENTS:
            text = "".join(self.text)
            self.text = []
            self.collecting = False
        if name in _ENDS:
            getattr(self, f"end_{name}")(text, line, col)
        self.stack.pop()
        self.attrs_stack.pop()

    def parent(self) -> str:
        return self.stack[-2][0] if len(self.stack) > 1 else ""

    # XCSP 2.1 ------------------------------------------------------------------------------------

    def start_presentation(self, line: int, col: int) -> None:
        self.name = self.attr("name", required=False)

    def start_predicate(self, line: int, col: int) -> None:
        name = self.attr("name", required=False)
        if name is not None:
            self.predicates.add(name)

    def start_function(self, line: int, col: int) -> None:
        self.start_predicate(line, col)

    def end_domain(self, text: str, line: int, col: int) -> None:
        if self.parent() == "array":
            fors = (self.attr("for") or "").split()
            dom = self.domain_values(text, line, col, None)
            self.array_domains.append((fors, dom))
            return
        name = self.attr("name")
        if name is None:
            return
        if name in self.domains:
            self.error("import-duplicate", f"the domain '{name}' is defined twice", line, col)
            return
        optional = self.attr("optional", required=False)
        self.domains[name] = self.domain_values(text, line, col, optional)
        declared = self.attr("nbValues", required=False)
        got = len(self.domains[name].values)
        if declared is not None and declared.strip().isdigit() and int(declared) != got:
            self.issues.warn(
                "import-count-mismatch",
                f"the domain '{name}' declares {declared} values but lists {got}",
                line,
                col,
            )

    def domain_values(
        self, text: str, line: int, col: int, optional: str | None, symbolic: bool = False
    ) -> _Domain:
        values: list[str] = []
        seen: set[str] = set()
        for token in text.split():
            m = _RANGE.match(token)
            if m is not None and not symbolic:
                lo, hi = int(m.group(1)), int(m.group(2))
                if hi - lo + len(values) >= MAX_DOMAIN:
                    self.error(
                        "import-too-large",
                        f"the domain has more than {MAX_DOMAIN:,} values; cpq lists every "
                        "value of a choice attribute",
                        line,
                        col,
                    )
                    raise _Abort
                new = [str(v) for v in range(lo, hi + 1)]
            elif _INT.match(token) and not symbolic:
                new = [str(int(token))]
            elif symbolic and _SYMBOL.match(token):
                new = [token]
            else:
                self.error(
                    "import-syntax",
                    f"'{token[:40]}' is not a value (write integers and ranges like 0..5)",
                    line,
                    col,
                )
                return _Domain(values, None, line)
            for v in new:
                if v not in seen:
                    seen.add(v)
                    values.append(v)
            if len(values) > MAX_DOMAIN:
                self.error(
                    "import-too-large", f"the domain has more than {MAX_DOMAIN:,} values", line
                )
                raise _Abort
        opt = None
        if optional is not None:
            norm = str(int(optional)) if _INT.match(optional.strip()) else optional.strip()
            if norm in seen:
                opt = norm
            else:
                self.issues.warn(
                    "import-lossy",
                    f'optional="{optional}" names a value the domain does not have; ignored',
                    line,
                    col,
                )
        return _Domain(values, opt, line)

    def start_variable(self, line: int, col: int) -> None:
        name = self.attr("name")
        dname = self.attr("domain")
        if name is None or dname is None:
            return
        dom = self.domains.get(dname)
        if dom is None:
            self.error("import-reference", f"there is no domain '{dname}'", line, col)
            return
        self.add_variable(name, dom, line, col)

    def add_variable(self, name: str, dom: _Domain, line: int, col: int) -> None:
        if name in self.variables:
            first = self.variables[name].line
            self.error(
                "import-duplicate",
                f"the variable '{name}' is declared twice (first at line {first})",
                line,
                col,
            )
            return
        if not dom.values:
            self.error("import-syntax", f"the variable '{name}' has an empty domain", line, col)
            return
        self.variables[name] = _Variable(name, dom, line)

    def end_relation(self, text: str, line: int, col: int) -> None:
        name = self.attr("name")
        arity_text = self.attr("arity")
        semantics = self.attr("semantics") or ""
        if name is None or arity_text is None:
            return
        if not arity_text.strip().isdigit() or int(arity_text) < 1:
            self.error("import-syntax", f"the arity '{arity_text}' is not a whole number", line)
            self.broken.add(name)
            return
        arity = int(arity_text)
        if name in self.relations:
            self.error("import-duplicate", f"the relation '{name}' is defined twice", line, col)
            return
        if semantics not in ("supports", "conflicts"):
            # soft relations and anything else: kept as a marker, reported when used
            self.relations[name] = _Relation(name, arity, semantics, [], line)
            return
        tuples: list[tuple[str, ...]] = []
        cache: dict[str, str] = {}
        body = text.strip()
        chunks = body.split("|") if body else []
        for k, chunk in enumerate(chunks, start=1):
            tokens = chunk.split()
            if len(tokens) != arity:
                if not tokens and k == len(chunks):
                    continue  # a trailing '|'
                self.error(
                    "import-syntax",
                    f"tuple {k} of the relation '{name}' has {len(tokens)} value(s), but the "
                    f"arity is {arity}",
                    line,
                    col,
                )
                self.broken.add(name)
                return
            row: list[str] = []
            for token in tokens:
                value = cache.get(token)
                if value is None:
                    if not _INT.match(token):
                        self.error(
                            "import-syntax",
                            f"'{token[:40]}' in tuple {k} of the relation '{name}' is not an "
                            "integer",
                            line,
                            col,
                        )
                        self.broken.add(name)
                        return
                    value = cache[token] = str(int(token))
                row.append(value)
            tuples.append(tuple(row))
        declared = self.attr("nbTuples", required=False)
        if declared is not None and declared.strip().isdigit() and int(declared) != len(tuples):
            self.issues.warn(
                "import-count-mismatch",
                f"the relation '{name}' declares {declared} tuples but lists {len(tuples)}",
                line,
                col,
            )
        self.relations[name] = _Relation(name, arity, semantics, tuples, line)

    def start_constraint(self, line: int, col: int) -> None:
        name = self.attr("name")
        scope = (self.attr("scope") or "").split()
        ref = self.attr("reference")
        if name is None or ref is None:
            return
        arity = self.attr("arity", required=False)
        if arity is not None and arity.strip().isdigit() and int(arity) != len(scope):
            self.error(
                "import-syntax",
                f"the constraint '{name}' has arity {arity} but {len(scope)} variable(s) in its "
                "scope",
                line,
                col,
            )
            return
        self.constraints.append(_Constraint(name, scope, line, col, reference=ref))

    # XCSP3 ----------------------------------------------------------------------------------------

    def end_var(self, text: str, line: int, col: int) -> None:
        name = self.attr("id")
        if name is None:
            return
        same = self.attr("as", required=False)
        if same is not None:
            other = self.variables.get(same)
            if other is None:
                self.error("import-reference", f"there is no variable '{same}'", line, col)
                return
            self.add_variable(name, other.domain, line, col)
            return
        symbolic = self.attr("type", required=False) == "symbolic"
        kind = self.attr("type", required=False)
        if kind not in (None, "integer", "symbolic"):
            self.unsupported_decl(f"variables of type '{kind}'", line, col)
            return
        self.add_variable(name, self.domain_values(text, line, col, None, symbolic), line, col)

    def start_array(self, line: int, col: int) -> None:
        self.array_domains = []

    def end_array(self, text: str, line: int, col: int) -> None:
        name = self.attr("id")
        size = self.attr("size")
        if name is None or size is None:
            return
        dims_text = re.findall(r"\[\s*(\d+)\s*\]", size)
        if not dims_text or "".join(f"[{d}]" for d in dims_text) != size.replace(" ", ""):
            self.error("import-syntax", f'size="{size}" is not like [3] or [2][4]', line, col)
            return
        dims = [int(d) for d in dims_text]
        total = 1
        for d in dims:
            total *= d
        if total > MAX_DOMAIN:
            self.error("import-too-large", f"the array '{name}' has {total:,} variables", line)
            return
        if self.attr("type", required=False) not in (None, "integer"):
            self.unsupported_decl("arrays that are not of integers", line, col)
            return
        names = [
            name + "".join(f"[{i}]" for i in idx)
            for idx in itertools.product(*(range(d) for d in dims))
        ]
        uniform = self.domain_values(text, line, col, None) if text.strip() else None
        chosen: dict[str, _Domain] = {}
        others: _Domain | None = uniform
        for fors, dom in self.array_domains:
            if fors == ["others"]:
                others = dom
                continue
            for ref in fors:
                for var in self.expand(ref, line, col, {name: dims}):
                    chosen[var] = dom
        for var in names:
            vdom = chosen.get(var, others)
            if vdom is None:
                self.error("import-syntax", f"no domain is given for '{var}'", line, col)
                return
            self.add_variable(var, vdom, line, col)
        self.arrays[name] = dims

    def expand(
        self, ref: str, line: int, col: int, arrays: dict[str, list[int]] | None = None
    ) -> list[str]:
        """Variable names of a reference: ``x``, ``x[2]``, ``x[]``, ``x[1..3][0]``."""
        arrays = self.arrays if arrays is None else arrays
        m = _ARRAY_REF.match(ref)
        if m is None or not m.group(2):
            return [ref]
        base = m.group(1)
        dims = arrays.get(base)
        if dims is None:
            return [ref]
        parts = re.findall(r"\[([^\]]*)\]", m.group(2))
        if len(parts) != len(dims):
            self.error("import-syntax", f"'{ref}' does not match the size of '{base}'", line, col)
            return []
        ranges: list[range] = []
        for part, d in zip(parts, dims, strict=True):
            part = part.strip()
            if part == "":
                ranges.append(range(d))
            elif _INT.match(part):
                ranges.append(range(int(part), int(part) + 1))
            elif (rm := _RANGE.match(part)) is not None:
                ranges.append(range(int(rm.group(1)), int(rm.group(2)) + 1))
            else:
                self.error("import-syntax", f"'{ref}' is not a variable reference", line, col)
                return []
        for r, d in zip(ranges, dims, strict=True):
            if r.start < 0 or r.stop > d:
                self.error("import-reference", f"'{ref}' is outside the array '{base}'", line, col)
                return []
        return [base + "".join(f"[{i}]" for i in idx) for idx in itertools.product(*ranges)]

    def start_extension(self, line: int, col: int) -> None:
        self.n_ext += 1
        rid = self.attr("id", required=False)
        self.extension = _Constraint(rid or f"ext-{self.n_ext}", [], line, col)

    def end_list(self, text: str, line: int, col: int) -> None:
        if self.extension is None or self.parent() != "extension":
            return
        scope: list[str] = []
        before = len(self.issues.errors)
        for ref in text.split():
            scope.extend(self.expand(ref, line, col))
        if len(self.issues.errors) > before:
            self.extension = None  # reported; its tuples would only add follow-on errors
            return
        self.extension.scope = scope

    def end_supports(self, text: str, line: int, col: int) -> None:
        self.extension_tuples(text, "allow", line, col)

    def end_conflicts(self, text: str, line: int, col: int) -> None:
        self.extension_tuples(text, "forbid", line, col)

    def extension_tuples(
        self, text: str, mode: Literal["allow", "forbid"], line: int, col: int
    ) -> None:
        ext = self.extension
        if ext is None or self.parent() != "extension":
            return
        ext.mode = mode
        tuples: list[tuple[str, ...]] = []
        body = text.strip()
        if len(ext.scope) == 1 and not body.startswith("("):
            for token in body.split():
                m = _RANGE.match(token)
                if m is not None:
                    lo, hi = int(m.group(1)), int(m.group(2))
                    if hi - lo > MAX_DOMAIN:
                        self.error("import-too-large", f"the range {token} is too large", line)
                        return
                    tuples.extend((str(v),) for v in range(lo, hi + 1))
                else:
                    tuples.append((_norm(token),))
        else:
            rest = _TUPLE3.sub("", body)
            if rest.strip():
                self.error(
                    "import-syntax",
                    f"unexpected text '{rest.strip()[:40]}' between the tuples",
                    line,
                    col,
                )
                return
            for m in _TUPLE3.finditer(body):
                tuples.append(tuple(_norm(t) for t in m.group(1).split(",")))
        for k, t in enumerate(tuples, start=1):
            if len(t) != len(ext.scope):
                self.error(
                    "import-syntax",
                    f"tuple {k} has {len(t)} value(s), but the list has {len(ext.scope)} "
                    "variable(s)",
                    line,
                    col,
                )
                return
        ext.tuples = tuples

    def end_extension(self, text: str, line: int, col: int) -> None:
        ext = self.extension
        self.extension = None
        if ext is None:  # its <list> had errors
            return
        if ext.mode is None or ext.tuples is None:
            if not self.issues.errors:
                self.error(
                    "import-syntax",
                    "an <extension> needs <list> and <supports> or <conflicts>",
                    line,
                    col,
                )
            return
        self.constraints.append(ext)

    def start_objectives(self, line: int, col: int) -> None:
        self.objective_line = line

    def unsupported_decl(self, what: str, line: int, col: int) -> None:
        self.error("import-unsupported", f"{what} are not supported", line, col)

    def start_any_constraint(self, name: str, line: int, col: int) -> None:
        """An XCSP3 constraint element other than <extension>: recorded as unsupported."""
        self.n_ext += 1
        rid = self.attr("id", required=False) or f"{name}-{self.n_ext}"
        self.constraints.append(
            _Constraint(rid, [], line, col, unsupported=f"the XCSP3 constraint <{name}>")
        )


def _norm(token: str) -> str:
    token = token.strip()
    if _INT.match(token):
        return str(int(token))
    return token


def _open(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if suffix == ".bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    if suffix in (".xz", ".lzma"):
        return cast(IO[bytes], lzma.open(path, "rb"))
    return path.open("rb")


def _read(source: IO[bytes], filename: str, skip_unsupported: bool) -> ImportedModel:
    issues = Issues(filename, _WHAT)
    handler = _Handler(issues)
    try:  # a core dependency; imported here so the rest of cpq works without it
        import defusedxml
        import defusedxml.sax
    except ImportError:  # pragma: no cover - defusedxml is installed with cpq
        raise issues.error_now(
            "import-unsupported",
            "reading XCSP needs the package defusedxml (pip install defusedxml)",
        ) from None
    parser = defusedxml.sax.make_parser()
    parser.setContentHandler(handler)
    try:
        parser.parse(source)
    except _Abort:
        pass
    except SAXParseException as exc:
        issues.add(
            "import-syntax",
            f"the file is not well-formed XML: {exc.getMessage()}",
            exc.getLineNumber() or 1,
            (exc.getColumnNumber() or 0) + 1,
        )
    except defusedxml.DefusedXmlException as exc:
        line, col = handler.where()
        issues.add(
            "import-syntax",
            f"the file declares XML entities or external references, which are refused for "
            f"safety ({type(exc).__name__})",
            line,
            col,
        )
    except (OSError, EOFError, lzma.LZMAError) as exc:
        issues.add("file-encoding", f"cannot read the file: {exc}")
    except UnicodeError as exc:
        issues.add("file-encoding", f"the file is not in a readable text encoding: {exc}")
    if not handler.done:
        issues.check()  # the document was not read to its end: nothing more to say
    return _build(handler, issues, filename, skip_unsupported)


def _build(h: _Handler, issues: Issues, filename: str, skip_unsupported: bool) -> ImportedModel:
    if not h.variables:
        issues.add("import-syntax", "the instance declares no variables", 1, 1)
        issues.check()
    stem = Path(filename).name.split(".")[0] or "model"
    name = h.name or stem
    model = ImportedModel("xcsp", filename, sanitize_id(name), name)
    names = NameTable()
    variables = list(h.variables.values())
    for var, cpq in zip(variables, names.claim_all(v.name for v in variables), strict=True):
        var.cpq = cpq
        values = [
            ImportedValue(NONE_ID, NONE_LABEL) if v == var.domain.optional else ImportedValue(v)
            for v in var.domain.values
        ]
        model.attributes.append(
            ImportedAttribute(cpq, "choice", var.name, None, values, source=var.name, line=var.line)
        )
    rule_ids = NameTable()
    n_tuples = 0
    max_arity = 0
    for c in h.constraints:
        rid = rule_ids.claim(c.rid or "constraint", id_like=True)
        problem = c.unsupported
        rel: _Relation | None = None
        if c.reference in h.broken:
            continue
        if problem is None and c.reference is not None:
            rel = h.relations.get(c.reference)
            if rel is None:
                if c.reference.startswith("global:"):
                    problem = f"the global constraint {c.reference[7:]}"
                else:
                    problem = (
                        f"the intensional constraint '{c.rid}' (predicate or function "
                        f"'{c.reference}')"
                    )
                    if c.reference not in h.predicates:
                        issues.add(
                            "import-reference",
                            f"there is no relation '{c.reference}'",
                            c.line,
                            c.column,
                        )
                        continue
            elif rel.semantics not in ("supports", "conflicts"):
                problem = f"the relation '{rel.name}' with semantics=\"{rel.semantics}\""
            elif rel.arity != len(c.scope):
                issues.add(
                    "import-syntax",
                    f"the relation '{rel.name}' has arity {rel.arity} but the constraint "
                    f"'{c.rid}' has {len(c.scope)} variable(s)",
                    c.line,
                    c.column,
                )
                continue
        if problem is not None:
            where = f"{Path(filename).name}:{c.line}"
            if skip_unsupported:
                model.skipped.append(f"{rid} ({where}): {problem}")
                issues.warn(
                    "import-skipped",
                    f"constraint {rid} not imported: {problem}",
                    c.line,
                    c.column,
                )
            else:
                issues.add(
                    "import-unsupported",
                    f"{problem} is not supported; cpq imports tables (supports/conflicts) only",
                    c.line,
                    c.column,
                    "import with skip_unsupported (cpq import --skip-unsupported) to leave it "
                    "out and list it in the file header",
                )
            continue
        unknown = [v for v in c.scope if v not in h.variables]
        if unknown:
            issues.add(
                "import-reference",
                f"the constraint '{c.rid}' names the unknown variable '{unknown[0]}'",
                c.line,
                c.column,
            )
            continue
        if not c.scope:
            issues.add("import-syntax", f"the constraint '{c.rid}' has no variables", c.line)
            continue
        mode: Literal["allow", "forbid"]
        if rel is not None:
            mode = "allow" if rel.semantics == "supports" else "forbid"
            tuples = rel.tuples
        else:
            assert c.mode is not None and c.tuples is not None
            mode, tuples = c.mode, c.tuples
        table, outside, clashing = _table([h.variables[v] for v in c.scope], mode, tuples)
        if outside:
            issues.warn(
                "import-lossy",
                f"{outside:,} tuple(s) of the constraint '{c.rid}' use a value outside the "
                "domain of their variable; they can never match and were left out",
                c.line,
                c.column,
            )
        if clashing:
            issues.warn(
                "import-lossy",
                f"{clashing:,} tuple(s) of the constraint '{c.rid}' give a variable that "
                "appears twice in the scope two different values; they can never match and "
                "were left out",
                c.line,
                c.column,
            )
        n_tuples += len(table.rows)
        max_arity = max(max_arity, len(table.columns))
        model.rules.append(ImportedRule(rid, table=table, line=c.line))
    issues.check()
    if h.objective_line is not None:
        issues.warn(
            "import-lossy",
            "the objectives are not imported (a ruleset has no objective)",
            h.objective_line,
            1,
        )
    model.stats = {
        "variables": len(variables),
        "values": sum(len(a.values) for a in model.attributes),
        "tables": len(model.rules),
        "tuples": n_tuples,
        "max arity": max_arity,
    }
    renamed = sum(1 for v in variables if v.cpq != v.name)
    if renamed:
        model.notes.append(
            f"{renamed} variable name(s) were changed to fit cpq names; each keeps its XCSP "
            "name as label."
        )
    if any(v.domain.optional is not None for v in variables):
        model.notes.append(
            f"Values marked optional in the XCSP domains are the value '{NONE_ID}' "
            f'("{NONE_LABEL}").'
        )
    model.warnings = list(issues.warnings)
    return model


def _table(
    columns: list[_Variable], mode: Literal["allow", "forbid"], tuples: list[tuple[str, ...]]
) -> tuple[ImportedTable, int, int]:
    """The table of a constraint, and the numbers of tuples left out because a value is
    outside its domain and because a repeated variable gets two values."""
    first: dict[str, int] = {}
    keep: list[int] = []
    same: list[tuple[int, int]] = []
    for i, var in enumerate(columns):
        if var.name in first:
            same.append((first[var.name], i))
        else:
            first[var.name] = i
            keep.append(i)
    maps: list[dict[str, Cell]] = []
    for var in columns:
        m: dict[str, Cell] = {
            v: (NONE_ID if v == var.domain.optional else v) for v in var.domain.values
        }
        m[ANY_CELL] = ANY_CELL
        maps.append(m)
    rows: list[tuple[Cell, ...]] = []
    outside = clashing = 0
    for t in tuples:
        try:
            cells = [maps[i][t[i]] for i in range(len(columns))]
        except KeyError:
            outside += 1
            continue
        if same:
            if any(t[a] != t[b] and ANY_CELL not in (t[a], t[b]) for a, b in same):
                clashing += 1
                continue
            for a, b in same:  # '*' in the kept column takes the other column's value
                if cells[a] == ANY_CELL:
                    cells[a] = cells[b]
        rows.append(tuple(cells[i] for i in keep))
    table = ImportedTable([columns[i].cpq for i in keep], mode, rows)
    return table, outside, clashing


def parse_xcsp(
    data: bytes | str, filename: str = "<xcsp>", *, skip_unsupported: bool = False
) -> ImportedModel:
    """Import an XCSP instance given as bytes (or text).

    Args:
        data: the XML document.
        filename: the name used in messages and in the YAML header.
        skip_unsupported: leave out constraints cpq cannot express (listed in
            :attr:`ImportedModel.skipped` and the YAML header, each with a warning) instead of
            failing.

    Returns:
        The imported model; :meth:`ImportedModel.to_yaml` gives the ruleset text.

    Raises:
        ImportFormatError: the XML is malformed, declares entities, is not an XCSP instance,
            or uses what cpq cannot import; every problem with file:line:col.

    Example:
        >>> m = parse_xcsp(b'<instance format="XCSP3" type="CSP"><variables>'
        ...     b'<var id="x"> 0..2 </var><var id="y"> 0..2 </var></variables><constraints>'
        ...     b'<extension><list> x y </list><conflicts> (0,0)(1,*) </conflicts></extension>'
        ...     b'</constraints></instance>')
        >>> r = m.rules[0]
        >>> r.id, r.table.mode, r.table.rows
        ('ext-1', 'forbid', [('0', '0'), ('1', '*')])
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return _read(io.BytesIO(raw), filename, skip_unsupported)


def read_xcsp(path: str | os.PathLike[str], *, skip_unsupported: bool = False) -> ImportedModel:
    """Import an XCSP file (XCSP 2.1 tables or XCSP3 extension constraints).

    The file is streamed; ``.gz``, ``.bz2``, ``.xz`` and ``.lzma`` files are decompressed on
    the fly.

    Args:
        path: the ``.xml`` file.
        skip_unsupported: see :func:`parse_xcsp`.

    Raises:
        ImportFormatError: the file is missing, not well-formed XML, not an XCSP instance, or
            uses what cpq cannot import.

    Example:
        >>> m = read_xcsp("tests/importers/data/tiny.xml")
        >>> m.attributes[0].type
        'choice'
    """
    name = display_name(path)
    p = Path(path)
    if not p.is_file():
        issues = Issues(name, _WHAT)
        what = "a folder, not a file" if p.is_dir() else "not found"
        raise issues.error_now("file-not-found", f"'{path}' is {what}")
    try:
        with _open(p) as fh:
            return _read(fh, name, skip_unsupported)
    except ImportFormatError:
        raise
    except OSError as exc:  # pragma: no cover - opening races
        raise Issues(name, _WHAT).error_now(
            "file-not-found", f"cannot read '{path}': {exc}"
        ) from None
