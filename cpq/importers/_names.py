"""Deterministic, collision-free names for imported models.

Foreign formats allow names that cpq cannot use in rule expressions (``"CW_height_1024,0"``,
``F_JT4L/05h``, names with spaces or accents). :class:`NameTable` turns each into an identifier
(``[A-Za-z_][A-Za-z0-9_]*``, not a reserved word) and keeps the names unique:

1. Names that already are valid identifiers are kept exactly, in the order claimed.
2. Other names are sanitised: accents are stripped (``ä`` -> ``a``, ``ß`` -> ``ss``), every run
   of other characters becomes one ``_``, a leading digit gets the prefix ``f_``, an empty
   result becomes ``f``, and reserved words get a trailing ``_``.
3. A name that is already taken gets the first free suffix ``_2``, ``_3``, ...

The result depends only on the order in which names are claimed, never on hashing.

Example:
    >>> t = NameTable()
    >>> t.claim_all(["Engine", "CW height 1024,0", "2fast", "or", "Engine"])
    ['Engine', 'CW_height_1024_0', 'f_2fast', 'or_', 'Engine_2']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from cpq.ruleset.expr import FUNCTIONS

__all__ = ["RESERVED", "NameTable", "is_identifier", "sanitize", "sanitize_id"]

RESERVED = frozenset({"and", "or", "not", "in", "true", "false", *FUNCTIONS})
"""Words that cannot name an attribute in a cpq rule expression."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BAD_RUN = re.compile(r"[^A-Za-z0-9_]+")
_RULE_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_SPECIAL = {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE"}


def is_identifier(name: str) -> bool:
    """Whether ``name`` can be used as it is as an attribute name in cpq rules.

    Example:
        >>> is_identifier("CONFIG_TAR"), is_identifier("a b"), is_identifier("not")
        (True, False, False)
    """
    return bool(_IDENT.match(name)) and name not in RESERVED


def _ascii(name: str) -> str:
    text = "".join(_SPECIAL.get(ch, ch) for ch in name)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sanitize(name: str) -> str:
    """The identifier form of a name (before making it unique).

    Example:
        >>> sanitize("Größe (mm)"), sanitize("1st"), sanitize("true"), sanitize("é/è")
        ('Grosse_mm_', 'f_1st', 'true_', 'e_e')
    """
    if is_identifier(name):
        return name
    text = _BAD_RUN.sub("_", _ascii(name))
    if not text or text == "_":
        text = "f" + text
    if text[0].isdigit():
        text = "f_" + text
    if text in RESERVED:
        text += "_"
    return text


def sanitize_id(name: str) -> str:
    """A rule or product id form of a name: letters, digits, ``_``, ``-`` and ``.``.

    Example:
        >>> sanitize_id("contrainte 12"), sanitize_id("-x")
        ('contrainte_12', 'x_-x')
    """
    text = _RULE_ID_BAD.sub("_", _ascii(name))
    if not text or not (text[0].isalnum() or text[0] == "_"):
        text = "x_" + text
    return text


class NameTable:
    """Hands out unique names; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self._taken

    def reserve(self, name: str) -> None:
        """Mark a name as taken without handing it out (for fixed names such as ``none``)."""
        self._taken.add(name)

    def claim(self, name: str, *, id_like: bool = False) -> str:
        """The unique cpq name for ``name`` (an identifier, or a rule id with ``id_like``)."""
        base = sanitize_id(name) if id_like else sanitize(name)
        candidate = base
        n = 2
        while candidate in self._taken:
            candidate = f"{base}_{n}"
            n += 1
        self._taken.add(candidate)
        return candidate

    def claim_all(self, names: Iterable[str]) -> list[str]:
        """Claim several names: valid identifiers first (kept exactly), then the others.

        Returns the cpq names in the order of ``names``.
        """
        items = list(names)
        out: list[str | None] = [None] * len(items)
        for i, name in enumerate(items):
            if is_identifier(name) and name not in self._taken:
                self._taken.add(name)
                out[i] = name
        for i, name in enumerate(items):
            if out[i] is None:
                out[i] = self.claim(name)
        return [n for n in out if n is not None]
