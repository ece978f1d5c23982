"""The shared writer: an :class:`~cpq.importers.model.ImportedModel` as cpq YAML text.

The output is meant to be read by people as well as by the loader: one attribute or rule per
line where it fits in 100 columns, table rows one per line, and a comment header that says where
the ruleset came from, what was counted, every warning and every constraint that was left out.

Quoting is conservative: a string is written plain only when it starts with a letter or ``_``,
holds nothing but letters, digits, spaces and ``_ - . / ( )`` and is not a word YAML 1.1 reads
as something else (``yes``, ``no``, ``on``, ``off``, ``null`` ...); everything else is written in
double quotes with escapes, so names from foreign files round-trip exactly.

Example:
    >>> from cpq.importers.model import ImportedAttribute, ImportedModel, ImportedRule
    >>> m = ImportedModel("dimacs", "t.cnf", "t", "t")
    >>> m.attributes.append(ImportedAttribute("no", "bool", label="no"))
    >>> m.rules.append(ImportedRule("c1", require="not no"))
    >>> print(to_yaml(m, header=False), end="")
    cpq: "1"
    product: {id: t, name: t}
    attributes:
      "no": {type: bool, label: "no"}
    rules:
      - {id: c1, require: not no}
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from cpq.importers.model import ImportedModel

__all__ = ["quote", "to_yaml", "write_yaml"]

WIDTH = 100
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./()\-]*$")
_YAML11_WORDS = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
)
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_COMMENT_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


@functools.lru_cache(maxsize=1 << 16)
def quote(text: str) -> str:
    """A string as a YAML scalar that reads back as exactly this string.

    Example:
        >>> quote("CONFIG_TAR"), quote("0"), quote("off"), quote("a == 'b'")
        ('CONFIG_TAR', '"0"', '"off"', '"a == \\'b\\'"')
    """
    if _PLAIN.match(text) and not text.endswith(" ") and text.lower() not in _YAML11_WORDS:
        return text
    out = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def _scalar(value: Any) -> str:
    if type(value) is str:
        return quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    return quote(str(value))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _small(value: Any, budget: int = 24) -> bool:
    """Whether a structure is small enough to try writing it on one line."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            budget -= len(item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            budget -= len(item)
            stack.extend(item)
        if budget < 0:
            return False
    return True


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{quote(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join([_flow(v) for v in value]) + "]"
    return _scalar(value)


def _block(value: Any, indent: int) -> Iterator[str]:
    """Lines for a mapping or list at ``indent`` (each line without its newline)."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{quote(key)}:"
            yield from _entry(head, item, indent)
    else:
        for item in value:
            if isinstance(item, dict) and item and not _fits(f"{pad}- ", item):
                lines = _block(item, indent + 2)
                first = next(lines)
                yield f"{pad}- {first[indent + 2 :]}"
                yield from lines
            else:
                yield from _entry(f"{pad}-", item, indent)


def _fits(head: str, value: Any) -> bool:
    return _small(value) and len(head) + len(_flow(value)) + 1 <= WIDTH


def _entry(head: str, value: Any, indent: int) -> Iterator[str]:
    if _is_scalar(value):
        yield f"{head} {_scalar(value)}"
    elif not value:
        yield f"{head} {'{}' if isinstance(value, dict) else '[]'}"
    elif isinstance(value, list | tuple) and all(_is_scalar(v) for v in value):
        yield f"{head} [{', '.join([_scalar(v) for v in value])}]"
    elif _fits(head, value):
        yield f"{head} {_flow(value)}"
    else:
        yield head
        yield from _block(value, indent + 2)


def comment(text: str) -> str:
    """One comment line (line breaks and characters YAML refuses are escaped)."""
    safe = _COMMENT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return f"# {safe}".rstrip()


def _header(model: ImportedModel) -> Iterator[str]:
    yield comment(
        f"Imported by `cpq import {model.format}` from {Path(model.source).name}. "
        "Edit the source model and import it again rather than editing this file."
    )
    if model.stats:
        yield comment("Read: " + ", ".join(f"{v:,} {k}" for k, v in model.stats.items()) + ".")
    for note in model.notes:
        yield comment(note)
    if model.warnings:
        yield comment(f"{len(model.warnings)} warning(s):")
        for issue in model.warnings:
            yield comment(f"  {issue}")
    if model.skipped:
        yield comment(
            f"{len(model.skipped)} constraint(s) NOT imported (skip_unsupported was set); "
            "the configurator does not enforce them:"
        )
        for line in model.skipped:
            yield comment(f"  {line}")


def lines(model: ImportedModel, *, header: bool = True) -> Iterator[str]:
    """The YAML text of ``model``, line by line."""
    if header:
        yield from _header(model)
    data = model.to_dict()
    yield f"cpq: {json.dumps(data['cpq'])}"
    yield from _entry("product:", data["product"], 0)
    for key in ("attributes", "rules"):
        if data[key]:
            yield f"{key}:"
            yield from _block(data[key], 2)
        else:
            yield f"{key}: {'{}' if key == 'attributes' else '[]'}"


def to_yaml(model: ImportedModel, *, header: bool = True) -> str:
    """The cpq YAML text of an imported model.

    Args:
        model: the imported model.
        header: write the comment header (source, counts, warnings, skipped constraints).

    Example:
        >>> from cpq.importers.model import ImportedModel
        >>> to_yaml(ImportedModel("uvl", "m.uvl", "m", "M"), header=False).splitlines()[1]
        'product: {id: m, name: M}'
    """
    return "\n".join(lines(model, header=header)) + "\n"


def write_yaml(model: ImportedModel, out: TextIO, *, header: bool = True) -> None:
    """Write the cpq YAML text of ``model`` to an open text file, line by line.

    Example:
        >>> import io
        >>> from cpq.importers.model import ImportedModel
        >>> buf = io.StringIO()
        >>> write_yaml(ImportedModel("uvl", "m.uvl", "m", "M"), buf, header=False)
        >>> buf.getvalue().startswith('cpq: "1"')
        True
    """
    for line in lines(model, header=header):
        out.write(line)
        out.write("\n")
