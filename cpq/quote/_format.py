"""Locale-aware formatting for quote templates: the Jinja2 filters ``money``, ``number``,
``percent``, ``qty``, ``date``, plus the text helpers ``md``, ``pad`` and ``wrap``.

The number filters format, they never round: ``money`` shows exactly the digits the quote holds
(at least the currency's minor units, more for unit prices kept at a finer price precision) and
refuses floats. Every formatting function takes the locale as a parameter; the Jinja2 filters in
:func:`filters` read it from the render context (the ``locale`` variable).

Example:
    >>> from decimal import Decimal
    >>> format_money(Decimal("1234.56"), "EUR", "de_DE")
    '1.234,56\\xa0€'
    >>> format_money(Decimal("1234.56"), "EUR", "en_US")
    '€1,234.56'
    >>> format_qty(Decimal("2.5"), "MTR", "de_DE")
    '2,5 m'
    >>> escape_markdown("A | B *bold*")
    'A \\\\| B \\\\*bold\\\\*'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from cpq.quote._texts import texts_for

__all__ = [
    "CLDR_UNITS",
    "escape_markdown",
    "filters",
    "format_date",
    "format_money",
    "format_number",
    "format_percent_value",
    "format_qty",
    "pad",
    "wrap",
]

CLDR_UNITS: dict[str, str] = {
    "MTR": "length-meter",
    "CMT": "length-centimeter",
    "MMT": "length-millimeter",
    "KMT": "length-kilometer",
    "MTK": "area-square-meter",
    "MTQ": "volume-cubic-meter",
    "LTR": "volume-liter",
    "KGM": "mass-kilogram",
    "GRM": "mass-gram",
    "TNE": "mass-tonne",
    "KWT": "power-kilowatt",
    "WTT": "power-watt",
    "MIN": "duration-minute",
    "HUR": "duration-hour",
    "DAY": "duration-day",
    "WEE": "duration-week",
    "MON": "duration-month",
    "ANN": "duration-year",
}
"""UN/ECE Recommendation 20 unit codes that CLDR knows, so Babel names them in any locale.
Count units (C62 piece, H87 piece, SET, PR pair, LS lump sum) come from cpq's own texts."""


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(
            f"{what} needs a Decimal, not the float {value!r}: floats cannot hold amounts "
            "exactly (the quote model keeps Decimals)"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} needs a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} needs a finite number, not {number}")
    return number


def format_money(value: object, currency: str, locale: str, *, negative: bool = False) -> str:
    """An amount as the locale writes it, with the currency sign; never rounds.

    Args:
        value: an already rounded ``Decimal`` (an ``int`` is accepted; floats are refused).
        currency: ISO 4217 code.
        locale: a Babel locale such as ``de_DE``.
        negative: print the amount as a deduction (a discount shown with a minus sign).

    Raises:
        TypeError: for a float or a non-number.

    Example:
        >>> format_money(Decimal("82.9350"), "EUR", "de_DE")
        '82,935\\xa0€'
        >>> format_money(Decimal("10.00"), "EUR", "en_US", negative=True)
        '-€10.00'
    """
    amount = _decimal(value, "money")
    if negative:
        amount = -amount
    return format_currency(amount, currency, locale=locale, decimal_quantization=False)


def format_number(value: object, locale: str) -> str:
    """A number with the locale's separators, every digit it has.

    Example:
        >>> format_number(Decimal("12345.5"), "de_DE")
        '12.345,5'
    """
    return format_decimal(_decimal(value, "number"), locale=locale, decimal_quantization=False)


def format_percent_value(value: object, locale: str) -> str:
    """A rate given in percent (``19`` for 19 %) as the locale writes percentages.

    Example:
        >>> format_percent_value(Decimal("7.5"), "de_DE")
        '7,5\\xa0%'
        >>> format_percent_value(Decimal(19), "en_US")
        '19%'
    """
    rate = _decimal(value, "percent").scaleb(-2)  # a decimal shift, exact
    return format_percent(rate, locale=locale, decimal_quantization=False)


def format_qty(value: object, unit: str, locale: str) -> str:
    """A quantity with its UN/ECE unit code as a localized short unit name.

    Units CLDR knows (``MTR``, ``MTK``, ``KWT``, ``HUR``, ...; see :data:`CLDR_UNITS`) are named
    by Babel in any locale; count units (``C62``, ``H87``, ``SET``, ``PR``, ``LS``) come from
    cpq's texts (German or English); an unknown code is printed as it is.

    Example:
        >>> format_qty(Decimal(3), "C62", "de_DE"), format_qty(Decimal(1), "C62", "en_US")
        ('3 Stk.', '1 pc')
        >>> format_qty(Decimal(12), "MTK", "en_US")
        '12 m²'
    """
    number = _decimal(value, "qty")
    cldr = CLDR_UNITS.get(unit)
    if cldr is not None:
        return format_unit(number, cldr, length="short", locale=locale)
    names = texts_for(locale).units.get(unit)
    if names is None:
        return f"{format_number(number, locale)} {unit}"
    one = Locale.parse(locale).plural_form(number) == "one"
    return f"{format_number(number, locale)} {names[0] if one else names[1]}"


def format_date(value: object, locale: str, fmt: str = "medium") -> str:
    """A date in one of Babel's formats (``short``, ``medium``, ``long``, ``full``) or a
    pattern such as ``dd.MM.yyyy``.

    Example:
        >>> from datetime import date
        >>> format_date(date(2026, 3, 7), "de_DE"), format_date(date(2026, 3, 7), "de_DE", "long")
        ('07.03.2026', '7. März 2026')
    """
    if not isinstance(value, date):
        raise TypeError(f"date needs a date, not {type(value).__name__}")
    if isinstance(value, datetime):
        value = value.date()
    return _babel_date(value, format=fmt, locale=locale)


_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>|#~])")
_MD_BULLET = re.compile(r"^(\s*)([-+=])(?=\s|$)")
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_NEWLINES = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


def escape_markdown(value: object) -> str:
    """Text made inert for Markdown: active characters get a backslash, line breaks (also
    vertical tab, form feed and the Unicode line and paragraph separators) become spaces (a line
    break would end a table row), a leading list or heading marker is escaped.

    ``Markup`` (a template's ``|safe``) is passed through unchanged.

    Example:
        >>> escape_markdown("<script>alert(1)</script> & Co")
        '\\\\<script\\\\>alert(1)\\\\</script\\\\> & Co'
        >>> escape_markdown("- first\\nsecond")
        '\\\\- first second'
    """
    if isinstance(value, Markup):
        return str(value)
    text = _NEWLINES.sub(" ", str(value))
    text = _MD_ACTIVE.sub(r"\\\1", text)
    text = _MD_BULLET.sub(r"\1\\\2", text, count=1)
    return _MD_NUMBERED.sub(r"\1\\\2", text, count=1)


def pad(value: object, width: int, align: str = "<") -> str:
    """Text padded to ``width`` characters (``<`` left, ``>`` right, ``^`` centred); longer
    text is returned unchanged (use :func:`wrap` first to keep columns straight).

    Example:
        >>> pad("12", 5, ">") + "|"
        '   12|'
    """
    if align not in ("<", ">", "^"):
        raise ValueError(f"pad() align must be '<', '>' or '^', not {align!r}")
    return format(str(value), f"{align}{int(width)}")


def wrap(value: object, width: int) -> list[str]:
    """Text broken into lines of at most ``width`` characters (long words are split), at
    least one line.

    Example:
        >>> wrap("Centrifugal pump CP with duplex impeller", 16)
        ['Centrifugal pump', 'CP with duplex', 'impeller']
    """
    text = _NEWLINES.sub(" ", str(value)).strip()
    lines = textwrap.wrap(text, int(width), break_long_words=True, break_on_hyphens=False)
    return lines or [""]


def _locale(context: Context) -> str:
    locale = context.get("locale")
    if not isinstance(locale, str):
        raise TypeError("the render context has no 'locale'")
    return locale


def filters() -> dict[str, Callable[..., Any]]:
    """The filters cpq registers on its Jinja2 environments (locale read from the context)."""

    @pass_context
    def money(context: Context, value: object, currency: str, negative: bool = False) -> str:
        return format_money(value, currency, _locale(context), negative=negative)

    @pass_context
    def number(context: Context, value: object) -> str:
        return format_number(value, _locale(context))

    @pass_context
    def percent(context: Context, value: object) -> str:
        return format_percent_value(value, _locale(context))

    @pass_context
    def discount(context: Context, value: object) -> str:
        """A discount as a percentage; a negative one (a surcharge) with a plus sign."""
        if isinstance(value, Decimal) and value < 0:
            return "+" + format_percent_value(-value, _locale(context))
        return format_percent_value(value, _locale(context))

    @pass_context
    def qty(context: Context, value: object, unit: str = "C62") -> str:
        return format_qty(value, unit, _locale(context))

    @pass_context
    def date_(context: Context, value: object, fmt: str = "medium") -> str:
        return format_date(value, _locale(context), fmt)

    return {
        "money": money,
        "number": number,
        "percent": percent,
        "discount": discount,
        "qty": qty,
        "date": date_,
        "md": escape_markdown,
        "pad": pad,
        "wrap": wrap,
    }
