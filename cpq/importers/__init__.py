"""Importers: real configuration models from UVL, XCSP and DIMACS as cpq rulesets.

Each format has a module (:mod:`~cpq.importers.uvl`, :mod:`~cpq.importers.xcsp`,
:mod:`~cpq.importers.dimacs`) that reads a file into an :class:`ImportedModel` (the data
structure); the shared writer (:mod:`~cpq.importers.writer`) turns it into cpq YAML that the
ruleset loader accepts. The mapping of each format is documented in ``docs/importers.md``.

Every problem in the input raises :class:`~cpq.errors.ImportFormatError`, whose ``issues`` say
file:line:col, a stable code and a message; what the import could not carry over exactly is in
:attr:`ImportedModel.warnings` and in the YAML header.

Example:
    >>> from cpq.importers import import_uvl, read_uvl
    >>> text = import_uvl("tests/importers/data/car.uvl")
    >>> text.splitlines()[2]
    'cpq: "1"'
    >>> model = read_uvl("tests/importers/data/car.uvl")
    >>> model.rules[0].id, model.rules[0].require
    ('root', 'Car')
"""

from __future__ import annotations

import os
from typing import Literal, TypeAlias

from cpq.importers.dimacs import parse_dimacs, read_dimacs
from cpq.importers.model import (
    ImportedAttribute,
    ImportedModel,
    ImportedRule,
    ImportedTable,
    ImportedValue,
)
from cpq.importers.uvl import parse_uvl, read_uvl
from cpq.importers.writer import to_yaml, write_yaml
from cpq.importers.xcsp import parse_xcsp, read_xcsp

__all__ = [
    "FORMATS",
    "Format",
    "ImportedAttribute",
    "ImportedModel",
    "ImportedRule",
    "ImportedTable",
    "ImportedValue",
    "import_dimacs",
    "import_file",
    "import_uvl",
    "import_xcsp",
    "parse_dimacs",
    "parse_uvl",
    "parse_xcsp",
    "read_dimacs",
    "read_model",
    "read_uvl",
    "read_xcsp",
    "to_yaml",
    "write_yaml",
]

Format: TypeAlias = Literal["uvl", "xcsp", "dimacs"]
FORMATS: tuple[Format, ...] = ("uvl", "xcsp", "dimacs")
"""The formats :func:`read_model` and ``cpq import`` know."""


def read_model(
    fmt: Format, path: str | os.PathLike[str], *, skip_unsupported: bool = False
) -> ImportedModel:
    """Import a file of the given format into an :class:`ImportedModel`.

    Args:
        fmt: ``uvl``, ``xcsp`` or ``dimacs``.
        path: the file.
        skip_unsupported: leave out constraints cpq cannot express (UVL, XCSP), listing them
            in :attr:`ImportedModel.skipped` and the YAML header, instead of failing. DIMACS
            has no such constraints.

    Raises:
        ImportFormatError: the file is missing or malformed, or uses what cpq cannot import.
        ValueError: ``fmt`` is not a known format.

    Example:
        >>> m = read_model("dimacs", "tests/importers/data/car.cnf")
        >>> len(m.attributes), len(m.rules)
        (5, 4)
    """
    if fmt == "uvl":
        return read_uvl(path, skip_unsupported=skip_unsupported)
    if fmt == "xcsp":
        return read_xcsp(path, skip_unsupported=skip_unsupported)
    if fmt == "dimacs":
        return read_dimacs(path)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def import_file(
    fmt: Format, path: str | os.PathLike[str], *, skip_unsupported: bool = False
) -> str:
    """Import a file of the given format and return the cpq ruleset YAML text.

    Example:
        >>> "table:" in import_file("xcsp", "tests/importers/data/tiny.xml")
        True
    """
    return to_yaml(read_model(fmt, path, skip_unsupported=skip_unsupported))


def import_uvl(path: str | os.PathLike[str], *, skip_unsupported: bool = False) -> str:
    """Import a UVL feature model file; return the cpq ruleset YAML text.

    Args:
        path: the ``.uvl`` file.
        skip_unsupported: leave out constraints cpq cannot express (listed in the header).

    Raises:
        ImportFormatError: the file is missing or not valid UVL, or uses what cpq cannot
            import (numeric constraints, typed features, imports...).

    Example:
        >>> "ctc-1" in import_uvl("tests/importers/data/car.uvl")
        True
    """
    return to_yaml(read_uvl(path, skip_unsupported=skip_unsupported))


def import_xcsp(path: str | os.PathLike[str], *, skip_unsupported: bool = False) -> str:
    """Import an XCSP 2.1 / XCSP3 table model file; return the cpq ruleset YAML text.

    Args:
        path: the ``.xml`` file (optionally ``.gz``, ``.bz2``, ``.xz``, ``.lzma``).
        skip_unsupported: leave out constraints cpq cannot express (listed in the header).

    Raises:
        ImportFormatError: the file is missing, malformed, or uses what cpq cannot import
            (intensional or global constraints, soft relations...).

    Example:
        >>> "columns: [colour, size]" in import_xcsp("tests/importers/data/tiny.xml")
        True
    """
    return to_yaml(read_xcsp(path, skip_unsupported=skip_unsupported))


def import_dimacs(path: str | os.PathLike[str]) -> str:
    """Import a DIMACS CNF file with feature names in comments; return the cpq YAML text.

    Raises:
        ImportFormatError: the file is missing or not DIMACS CNF.

    Example:
        >>> "require: not Engine or Car" in import_dimacs("tests/importers/data/car.cnf")
        True
    """
    return to_yaml(read_dimacs(path))
