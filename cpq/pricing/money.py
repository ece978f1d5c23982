"""Money, currencies and the one rounding function of cpq.

Every amount in cpq is a :class:`decimal.Decimal`; ``float`` is refused wherever a number enters
(see :func:`to_decimal`). Rounding happens in exactly one place, :func:`quantize`, which always
names its rounding mode (commercial rounding, ``ROUND_HALF_UP``, unless a price book asks for
``half_even``). Arithmetic between amounts in different currencies raises
:class:`~cpq.errors.CurrencyMismatchError`.

Example:
    >>> from decimal import Decimal
    >>> quantize(Decimal("0.125"), 2)
    Decimal('0.13')
    >>> quantize(Decimal("0.125"), 2, "half_even")
    Decimal('0.12')
    >>> Money(Decimal("10.00"), "EUR") + Money(Decimal("2.50"), "EUR")
    Money(amount=Decimal('12.50'), currency='EUR')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
)
from typing import Literal, TypeAlias

from babel.numbers import get_currency_precision, list_currencies

from cpq.errors import CurrencyMismatchError

__all__ = [
    "HUNDRED",
    "ONE",
    "ZERO",
    "Currency",
    "Money",
    "RoundingMode",
    "currency_minor_units",
    "is_known_currency",
    "quantize",
    "to_decimal",
]

RoundingMode: TypeAlias = Literal["half_up", "half_even", "up", "down"]
"""How :func:`quantize` resolves the digit it drops.

``half_up`` (default, commercial rounding) and ``half_even`` (banker's rounding) are the choices a
price book offers; ``up`` and ``down`` round toward +infinity and -infinity and are used
internally, e.g. to round a price floor up so that rounding never takes a price below it.
"""

_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "up": ROUND_CEILING,
    "down": ROUND_FLOOR,
}

ZERO = Decimal(0)
ONE = Decimal(1)
_EXPONENTS: dict[int, Decimal] = {}
HUNDRED = Decimal(100)

_NUMBER = re.compile(r"^\s*[-+]?(\d[\d_]*)?(\.\d[\d_]*|\.)?\s*$")


def quantize(value: Decimal, places: int, mode: RoundingMode = "half_up") -> Decimal:
    """Round ``value`` to ``places`` decimal places: the only rounding step in cpq.

    Args:
        value: the exact amount.
        places: decimal places to keep (2 for cents, 0 for yen, 4 for a unit price).
        mode: ``half_up`` (commercial, the default), ``half_even``, ``up`` or ``down``.

    Returns:
        The rounded amount with exactly ``places`` decimal places.

    Examples:
        >>> quantize(Decimal("2.675"), 2)
        Decimal('2.68')
        >>> quantize(Decimal("82.935"), 4)
        Decimal('82.9350')
        >>> quantize(Decimal("1234.5"), 0)
        Decimal('1235')
        >>> quantize(Decimal("62.401"), 2, "up")
        Decimal('62.41')
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"quantize() needs a Decimal, not {type(value).__name__}")
    exponent = _EXPONENTS.get(places)
    if exponent is None:
        exponent = _EXPONENTS[places] = Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=_MODES[mode])


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """Convert an ``int``, ``str`` or ``Decimal`` to a finite ``Decimal``; refuse ``float``.

    Args:
        value: the number as written.
        what: a word for the value in error messages (``amount``, ``quantity``).

    Returns:
        The number as a finite ``Decimal``.

    Raises:
        TypeError: for floats, booleans and other types (floats cannot hold 0.10 exactly).
        ValueError: for text that is not a plain decimal number, NaN or infinity.

    Examples:
        >>> to_decimal("100.00")
        Decimal('100.00')
        >>> to_decimal(7)
        Decimal('7')
        >>> to_decimal(0.1)
        Traceback (most recent call last):
        ...
        TypeError: the amount 0.1 is a float; write it as a string or Decimal, e.g. '0.1'
    """
    if isinstance(value, bool):
        raise TypeError(f"the {what} {value} is a yes/no value, not a number")
    if isinstance(value, float):
        raise TypeError(
            f"the {what} {value!r} is a float; write it as a string or Decimal, e.g. '{value!r}'"
        )
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, int):
        out = Decimal(value)
    elif isinstance(value, str):
        if not _NUMBER.match(value) or not any(c.isdigit() for c in value):
            raise ValueError(f"the {what} '{value}' is not a decimal number")
        try:
            out = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
            raise ValueError(f"the {what} '{value}' is not a decimal number") from None
    else:
        raise TypeError(f"the {what} must be a number, not {type(value).__name__}")
    if not out.is_finite():
        raise ValueError(f"the {what} {value} is not a finite number")
    return out


def is_known_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency known to CLDR (via Babel).

    Examples:
        >>> is_known_currency("EUR"), is_known_currency("EURO")
        (True, False)
    """
    return code in _known_currencies()


_KNOWN: frozenset[str] | None = None


def _known_currencies() -> frozenset[str]:
    global _KNOWN
    if _KNOWN is None:
        _KNOWN = frozenset(list_currencies())
    return _KNOWN


def currency_minor_units(code: str) -> int:
    """Decimal places of a currency's minor unit (CLDR data): EUR 2, JPY 0, KWD 3.

    Examples:
        >>> currency_minor_units("EUR"), currency_minor_units("JPY"), currency_minor_units("KWD")
        (2, 0, 3)
    """
    return int(get_currency_precision(code))


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency of a price book.

    Attributes:
        code: ISO 4217 code, e.g. ``EUR``.
        minor_units: decimal places of line nets and totals (EUR 2, JPY 0).
    """

    code: str
    minor_units: int


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Adding or comparing two currencies raises an error.

    Examples:
        >>> Money(Decimal("1"), "EUR") + Money(Decimal("1"), "USD")
        Traceback (most recent call last):
        ...
        cpq.errors.CurrencyMismatchError: cannot add 1 USD to 1 EUR
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")

    def _check(self, other: Money, verb: str) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                f"cannot {verb} {other.amount} {other.currency} to {self.amount} {self.currency}"
            )

    def __add__(self, other: Money) -> Money:
        self._check(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other, "compare")
        return self.amount <= other.amount

    def rounded(self, places: int, mode: RoundingMode = "half_up") -> Money:
        """The amount rounded with :func:`quantize`."""
        return Money(quantize(self.amount, places, mode), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
