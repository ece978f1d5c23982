"""Safe YAML reading with source locations, shared by rulesets and price books.

``parse_yaml`` turns text into plain Python data (dicts, lists, str, int, bool, ``Decimal``,
``date``, ``None``; never ``float``) plus a :class:`LocationIndex` that maps every data path to
its line and column. It never constructs arbitrary objects (only the YAML core tags are
accepted), reports duplicate keys, bounds the work an alias bomb can cause, and flags the YAML 1.1
spellings that silently change meaning (``no`` read as false, ``0132`` read as octal 90).

Example:
    >>> doc, issues = parse_yaml("a: 1\\nb: [x, 2.50]\\n", "f.yaml")
    >>> doc.data
    {'a': 1, 'b': ['x', Decimal('2.50')]}
    >>> str(doc.index.locate(("b", 1)))
    'f.yaml:2:8'
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cpq.errors import Issue, SourceLocation

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_NODES",
    "LocationIndex",
    "Path_",
    "YamlDocument",
    "format_path",
    "gc_paused",
    "parse_yaml",
    "read_yaml_file",
]

Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Files larger than this are refused with ``file-too-large``."""
MAX_NODES = 1_000_000
"""More YAML nodes than this (counting every alias expansion) gives ``yaml-too-complex``."""
MAX_NESTING = 64
"""Deeper nesting than this gives ``yaml-too-deep``."""

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

_MAX_INT_CHARS = 100
"""Longer whole numbers are refused: Python reads at most 4,300 digits, and no ruleset needs more."""

_PLAIN_BOOLS = {"true", "false"}
_OCTAL_LIKE = re.compile(r"^[-+]?0[0-9_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's C parser when PyYAML was built with it (about 4x faster), else pure Python."""


class _TooComplex(Exception):
    pass


class _TooDeep(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int  # 0-based
    column: int  # 0-based, start of the content (inside quotes)
    key_line: int
    key_column: int
    raw: str | None  # text of a plain scalar that YAML resolved to a non-string
    style: str | None


@dataclass
class LocationIndex:
    """Maps data paths (tuples of keys and indexes) to where they were written."""

    file: str
    entries: dict[Path_, _Entry] = field(default_factory=dict)

    def _nearest(self, path: Path_) -> tuple[Path_, _Entry | None]:
        p = tuple(path)
        while p and p not in self.entries:
            p = p[:-1]
        return p, self.entries.get(p)

    def locate(self, path: Path_, *, key: bool = False) -> SourceLocation:
        """Location of the value at ``path`` (or of its key), else of the nearest parent."""
        found, entry = self._nearest(path)
        dotted = format_path(path)
        if entry is None:
            return SourceLocation(self.file, 1, 1, dotted)
        if key and found == tuple(path):
            return SourceLocation(self.file, entry.key_line + 1, entry.key_column + 1, dotted)
        return SourceLocation(self.file, entry.line + 1, entry.column + 1, dotted)

    def raw(self, path: Path_) -> str | None:
        """The source text of a plain scalar that YAML did not read as a string."""
        entry = self.entries.get(tuple(path))
        return entry.raw if entry else None

    def exists(self, path: Path_) -> bool:
        """Whether ``path`` was written in the file."""
        return tuple(path) in self.entries


def format_path(path: Path_) -> str:
    """``('rules', 3, 'when')`` -> ``'rules[3].when'``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class YamlDocument:
    """Plain data read from one YAML file, with its location index."""

    data: Any
    file: str
    index: LocationIndex
    text: str = ""


class _Builder:
    def __init__(
        self, file: str, max_nodes: int, issues: list[Issue], end: tuple[int, int]
    ) -> None:
        self.index = LocationIndex(file)
        self.file = file
        self.max_nodes = max_nodes
        self.visits = 0
        self.issues = issues
        self.constructor = yaml.SafeLoader("")
        self.end = end  # 0-based line and column of the end of the text's last line

    def loc(self, node: Node, path: Path_ = ()) -> SourceLocation:
        mark = node.start_mark
        return SourceLocation(self.file, mark.line + 1, mark.column + 1, format_path(path))

    def record(self, path: Path_, node: Node, key_node: Node | None, raw: str | None) -> None:
        line, col = node.start_mark.line, node.start_mark.column
        style = (node.style or None) if isinstance(node, ScalarNode) else None
        if style in ("'", '"'):
            col += 1
        if line > self.end[0]:  # an empty value at the very end: libyaml marks it past the end
            line, col = self.end
        kn = key_node or node
        self.index.entries[path] = _Entry(
            line,
            col,
            kn.start_mark.line,
            kn.start_mark.column,
            raw,
            style,
        )

    def build(self, node: Node, path: Path_, depth: int, key_node: Node | None = None) -> Any:
        self.visits += 1
        if self.visits > self.max_nodes:
            raise _TooComplex
        if depth > MAX_NESTING:
            raise _TooDeep
        if isinstance(node, ScalarNode):
            value, raw = self.scalar(node, path)
            self.record(path, node, key_node, raw)
            return value
        self.record(path, node, key_node, None)
        if isinstance(node, SequenceNode):
            if node.tag not in (_SEQ,):
                self.unsupported_tag(node, path)
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag not in (_MAP,):
                self.unsupported_tag(node, path)
            return self.mapping(node, path, depth)
        raise _TooComplex  # pragma: no cover - composer only yields the three node kinds

    def unsupported_tag(self, node: Node, path: Path_) -> None:
        self.issues.append(
            Issue(
                "yaml-syntax",
                f"the YAML tag '{node.tag}' is not supported here",
                self.loc(node, path),
                "remove the tag; cpq reads plain YAML only",
            )
        )

    def mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.issues.append(
                    Issue(
                        "yaml-syntax",
                        "a key must be a plain word, not a list or mapping",
                        self.loc(key_node, path),
                    )
                )
                continue
            if key_node.tag == _MERGE:
                merged.extend(self.merge_sources(value_node, path, depth))
                continue
            key = key_node.value
            if key in first_seen:
                prev = first_seen[key]
                self.issues.append(
                    Issue(
                        "duplicate-key",
                        f"the key '{key}' appears twice in the same mapping "
                        f"(first at line {prev.start_mark.line + 1}); YAML would silently keep "
                        "only the last one",
                        self.loc(key_node, (*path, key)),
                        "remove or rename one of them",
                    )
                )
            first_seen[key] = key_node
            out[key] = self.build(value_node, (*path, key), depth + 1, key_node)
        for key, value in merged:
            out.setdefault(key, value)
        return out

    def merge_sources(self, node: Node, path: Path_, depth: int) -> list[tuple[str, Any]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[str, Any]] = []
        for src in sources:
            if not isinstance(src, MappingNode):
                self.issues.append(
                    Issue("yaml-syntax", "a merge key '<<' needs a mapping", self.loc(src, path))
                )
                continue
            built = self.mapping(src, path, depth + 1)
            pairs.extend(built.items())
        return pairs

    def scalar(self, node: ScalarNode, path: Path_) -> tuple[Any, str | None]:
        tag = node.tag
        text = node.value
        if tag == _STR:
            return text, None
        if tag == _NULL:
            return None, text
        if tag == _BOOL:
            if text.lower() not in _PLAIN_BOOLS:
                self.issues.append(
                    Issue(
                        "yaml-coercion",
                        f"'{text}' is read as a yes/no value by YAML 1.1 but as text by YAML 1.2",
                        self.loc(node, path),
                        f"write true or false, or '{text}' in quotes if you mean the text",
                    )
                )
            return text.lower() in ("true", "yes", "on", "y"), text
        if tag == _INT:
            if len(text) > _MAX_INT_CHARS:
                self.issues.append(
                    Issue(
                        "yaml-coercion",
                        f"YAML reads the unquoted {text[:20]}... ({len(text):,} characters) as a "
                        f"number, and cpq reads whole numbers of up to {_MAX_INT_CHARS} characters",
                        self.loc(node, path),
                        "put it in quotes if it is a code",
                    )
                )
                return text, text
            if _OCTAL_LIKE.match(text) or _SEXAGESIMAL.match(text):
                self.issues.append(
                    Issue(
                        "yaml-coercion",
                        f"YAML 1.1 reads {text} as the number "
                        f"{self.constructor.construct_yaml_int(node)}, not as written",
                        self.loc(node, path),
                        f"put it in quotes ('{text}') if it is a code"
                        + (" or a time" if ":" in text else ", or drop the leading zero"),
                    )
                )
            return int(self.constructor.construct_yaml_int(node)), text
        if tag == _FLOAT:
            if _SEXAGESIMAL.match(text):
                self.issues.append(
                    Issue(
                        "yaml-coercion",
                        f"YAML 1.1 reads {text} as a base-60 number",
                        self.loc(node, path),
                        f"put it in quotes ('{text}')",
                    )
                )
            try:
                return Decimal(text.replace("_", "")), text
            except InvalidOperation:
                return text, text
        if tag == _TIMESTAMP:
            try:
                value: date | datetime = self.constructor.construct_yaml_timestamp(node)
            except ValueError:
                return text, text
            return value, text
        self.unsupported_tag(node, path)
        return text, text


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large acyclic structure is built.

    Building hundreds of thousands of YAML nodes otherwise triggers repeated full collections
    that cost more than the parsing itself (measured: 1.6 s -> 0.4 s for a 1 MB ruleset).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_yaml(
    text: str | bytes,
    file: str,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_nodes: int = MAX_NODES,
) -> tuple[YamlDocument | None, list[Issue]]:
    """Read one YAML document safely.

    Returns the document (or ``None`` when nothing usable could be read) and every issue found.
    Never raises on bad input.

    Example:
        >>> _, issues = parse_yaml("a: 1\\na: 2\\n", "f.yaml")
        >>> print(issues[0])
        f.yaml:2:1: duplicate-key: the key 'a' appears twice in the same mapping (first at line 1); YAML would silently keep only the last one (remove or rename one of them)
    """
    with gc_paused():
        return _parse_yaml(text, file, max_bytes=max_bytes, max_nodes=max_nodes)


def _parse_yaml(
    text: str | bytes, file: str, *, max_bytes: int, max_nodes: int
) -> tuple[YamlDocument | None, list[Issue]]:
    issues: list[Issue] = []
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            return None, [_too_large(file, len(text), max_bytes)]
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                Issue(
                    "file-encoding",
                    f"the file is not UTF-8 text (byte {exc.start} cannot be read)",
                    _byte_location(file, exc.object, exc.start),
                    "save the file as UTF-8",
                )
            ]
    elif len(text) > max_bytes:
        return None, [_too_large(file, len(text), max_bytes)]
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = text.count("\n", 0, exc.start) + 1
            col = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
            return None, [
                Issue(
                    "file-encoding",
                    "the text holds a character that UTF-8 cannot store "
                    f"(U+{ord(text[exc.start]):04X}, half of a surrogate pair)",
                    SourceLocation(file, line, col),
                    "save the file as UTF-8",
                )
            ]
    limit = _check_limits(text, file, max_nodes)
    if limit is not None:
        return None, [limit]
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _mark_location(file, text, mark.line, mark.column) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and "expected a single document" in exc.context:
            problem = "the file holds more than one YAML document ('---'); use one per file"
        opened = _OPENERS.get((exc.context or "").removeprefix("while ").strip())
        if opened and exc.problem and exc.context_mark is not None:
            cm = exc.context_mark
            problem += f" ({opened} at line {cm.line + 1}, column {cm.column + 1} is not closed)"
        hint = _syntax_hint(problem)
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            hint = "indent with spaces, not tabs"
        elif mark is not None:
            hint = _context_hint(text, exc, mark.line) or hint
        return None, [Issue("yaml-syntax", _plain(problem), loc, hint)]
    except yaml.YAMLError as exc:
        loc = None
        pos = getattr(exc, "position", None)
        if isinstance(pos, int):
            loc = _reader_location(file, text, pos)
        reason = getattr(exc, "reason", None) or "the file cannot be read as YAML"
        return None, [Issue("yaml-syntax", _plain(str(reason)), loc, "remove control characters")]
    except RecursionError:
        return None, [_too_deep(file)]
    if node is None:
        return YamlDocument(None, file, LocationIndex(file), text), issues
    lines = _lines(text)
    builder = _Builder(file, max_nodes, issues, (len(lines) - 1, len(lines[-1])))
    try:
        data = builder.build(node, (), 0)
    except _TooComplex:
        return None, [_too_complex(SourceLocation(file, 1, 1), max_nodes)]
    except (_TooDeep, RecursionError):
        return None, [_too_deep(file)]
    return YamlDocument(data, file, builder.index, text), issues


def _check_limits(text: str, file: str, max_nodes: int) -> Issue | None:
    """Check nesting and size on the flat event stream, before any node is built.

    The composer recurses once per nesting level (libyaml's does so in C, where some 100,000
    levels overflow the C stack and kill the process) and builds every node before the builder
    can count them. The event stream is flat, so it is walked first and abandoned at the first
    node past a limit. An alias counts with the size and height of what it points to, so an
    alias bomb is refused without being expanded. Syntax errors are left to the composer.
    """
    anchors: dict[str, tuple[int, int]] = {}
    stack: list[list[Any]] = []  # per open collection: [anchor, nodes before it, height]
    total = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, CollectionEndEvent):
                anchor, before, height = stack.pop()
                if anchor is not None:
                    anchors[anchor] = (total - before, height)
                if stack and stack[-1][2] <= height:
                    stack[-1][2] = height + 1
                continue
            if not isinstance(event, NodeEvent):
                continue
            size, height = 1, 0
            if isinstance(event, AliasEvent):
                size, height = anchors.get(str(event.anchor), (1, 0))
            if len(stack) + height > MAX_NESTING:
                return _too_deep(file, _event_location(file, event))
            if total + size > max_nodes:
                return _too_complex(_event_location(file, event), max_nodes)
            if isinstance(event, CollectionStartEvent):
                stack.append([event.anchor, total, 0])
                total += 1
                continue
            total += size
            if event.anchor is not None and isinstance(event, ScalarEvent):
                anchors[event.anchor] = (1, 0)
            if stack and stack[-1][2] <= height:
                stack[-1][2] = height + 1
    except yaml.YAMLError:
        return None
    return None


def read_yaml_file(
    path: Path, display: str | None = None
) -> tuple[YamlDocument | None, list[Issue]]:
    """Read and parse a YAML file; unreadable files become issues, not exceptions."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [_too_large(name, size, MAX_FILE_BYTES)]
        with path.open("rb") as stream:  # bounded: a device or pipe reports size 0
            raw = stream.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None, [_too_large(name, len(raw), MAX_FILE_BYTES, more=True)]
    except FileNotFoundError:
        return None, [Issue("file-not-found", f"there is no file '{name}'", None)]
    except IsADirectoryError:
        return None, [Issue("file-not-found", f"'{name}' is a folder, not a file", None)]
    except OSError as exc:
        return None, [Issue("file-not-found", f"'{name}' cannot be read: {exc.strerror}", None)]
    except ValueError:  # a NUL byte in the path
        return None, [Issue("file-not-found", f"'{name}' is not a usable file name", None)]
    return parse_yaml(raw, name)


def _too_large(file: str, size: int, limit: int, *, more: bool = False) -> Issue:
    return Issue(
        "file-too-large",
        f"the file has {f'more than {limit:,}' if more else f'{size:,}'} bytes; "
        f"the limit is {limit:,}",
        SourceLocation(file, 1, 1),
        "split it into several files with 'include'",
    )


def _event_location(file: str, event: NodeEvent) -> SourceLocation:
    mark = event.start_mark
    if mark is None:
        return SourceLocation(file, 1, 1)
    return SourceLocation(file, mark.line + 1, mark.column + 1)


def _too_deep(file: str, loc: SourceLocation | None = None) -> Issue:
    return Issue(
        "yaml-too-deep",
        f"the YAML nests deeper than {MAX_NESTING} levels",
        loc or SourceLocation(file, 1, 1),
        "flatten the structure",
    )


def _too_complex(loc: SourceLocation, max_nodes: int) -> Issue:
    return Issue(
        "yaml-too-complex",
        f"the file expands to more than {max_nodes:,} YAML nodes "
        "(too many aliases or a far too large file)",
        loc,
        "avoid nesting anchors and aliases (&name / *name)",
    )


_OPENERS = {
    "parsing a flow sequence": "the list '[' opened",
    "parsing a flow mapping": "the mapping '{' opened",
    "scanning a quoted scalar": "the quoted text opened",
}


def _byte_location(file: str, raw: bytes, offset: int) -> SourceLocation:
    """Line and column (in characters) of a byte offset in undecodable bytes."""
    before = _LINE_BREAK.split(raw[:offset].decode("utf-8", errors="replace"))
    return SourceLocation(file, len(before), len(before[-1]) + 1)


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML counts as a line break (not the same as ``str.splitlines``)."""


def _lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the break that ends the last line
    return lines


def _reader_location(file: str, text: str, pos: int) -> SourceLocation:
    """The location of a reader error's position (a UTF-8 byte offset under libyaml)."""
    if _LOADER is not yaml.SafeLoader:
        pos = len(text.encode("utf-8")[:pos].decode("utf-8", errors="ignore"))
    before = _LINE_BREAK.split(text[:pos])
    return SourceLocation(file, len(before), len(before[-1]) + 1)


def _mark_location(file: str, text: str, line: int, column: int) -> SourceLocation:
    """A parser mark as a location; the end of the text is put at the end of its last line."""
    lines = _lines(text)
    if line >= len(lines):
        return SourceLocation(file, len(lines), len(lines[-1]) + 1)
    return SourceLocation(file, line + 1, column + 1)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _plain(problem: str) -> str:
    return problem.replace("\n", " ").strip()


_QUOTED_START = re.compile(r":\s+(['\"])[^'\"\n]*\1\s*[^\s#,\]}]")


def _context_hint(text: str, exc: yaml.MarkedYAMLError, line: int) -> str | None:
    """Hints that need the source text: quoted expressions and unquoted wildcards."""
    lines = text.split("\n")
    candidates = [n for n in (line, line - 1) if 0 <= n < len(lines)]
    if exc.context_mark is not None and exc.context_mark.line < len(lines):
        candidates.append(exc.context_mark.line)
    for n in candidates:
        src = lines[n]
        m = _QUOTED_START.search(src)
        if m:
            value = src[m.start() + 1 :].strip()
            return (
                "a value that starts with a quote must be quoted as a whole: "
                f'write "{value}" (double quotes outside, single quotes inside)'
            )
        if re.search(r"[\[,]\s*\*\s*[\],]", src) or re.search(r":\s+\*\s*$", src):
            return "'*' starts an alias in YAML; quote the wildcard: \"*\""
    return None


def _syntax_hint(problem: str) -> str | None:
    if "\t" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "put a space after ':' or quote text that contains ': '"
    if "could not find expected ':'" in problem:
        return "check the indentation and that every key ends with ':'"
    if "found character that cannot start any token" in problem:
        return "quote values that start with '@', '`', '%' or '*'"
    return None
