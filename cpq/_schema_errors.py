"""Wording shared by the schema errors of rulesets and price books (private).

Example:
    >>> found(None), found(True), found(3), found("abc"), found([1])
    ('nothing', 'the yes/no value true', 'the number 3', "the text 'abc'", 'a list')
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def found(value: Any) -> str:
    """How an error message names the value it found instead of the expected one."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):  # also datetime
        return f"the date {value.isoformat()}"
    return type(value).__name__
