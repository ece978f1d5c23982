"""Render a :class:`~cpq.quote.Quote` to HTML, Markdown, plain text, PDF or JSON.

Templates are Jinja2 files: the shipped ones live in ``cpq/quote/templates/`` (``quote.html``
extending ``base.html``, ``quote.md``, ``quote.txt``); a user template directory given as
``template_dir`` is searched first, so a file there with a shipped name replaces the shipped
template; the shipped ones stay reachable as ``cpq/<name>``, so a user ``quote.html`` can
``{% extends "cpq/quote.html" %}`` and replace a single block. The environment:

- autoescaping by file extension (``select_autoescape()``: ``.html`` escaped, ``.md``/``.txt``
  not); ``.md`` templates instead pass every printed value through :func:`escape_markdown`, so
  user text can not break a table or inject HTML into a Markdown viewer;
- ``StrictUndefined``: a misspelt variable fails instead of printing nothing;
- an immutable sandbox whenever ``template_dir`` is given (``sandboxed=None``): templates can
  read the quote but not reach Python internals, mutate data or build huge values;
- the filters of :mod:`cpq.quote._format` (``money``, ``number``, ``percent``, ``qty``,
  ``date``, ``md``, ``pad``, ``wrap``), locale from the render context.

Templates get ``quote`` (the frozen model), ``texts`` (the fixed texts of the locale's
language, :mod:`cpq.quote._texts`), ``locale`` and ``fmt``; they format values, they never
compute amounts. PDF goes through WeasyPrint (the ``pdf`` extra) with a URL fetcher that only
serves files inside the template directories and ``data:`` URLs.

Example:
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from cpq.quote.model import Party, Quote, Totals
    >>> zero = Decimal("0.00")
    >>> quote = Quote(number="Q-1", issue_date=date(2026, 3, 2), valid_until=date(2026, 4, 1),
    ...     currency="EUR", seller=Party(name="Pumpenwerk GmbH"), buyer=Party(name="A | B"),
    ...     positions=(), vat_breakdown=(), totals=Totals(line_net_total=zero,
    ...     tax_exclusive=zero, tax_total=zero, tax_inclusive=zero, payable=zero))
    >>> print(render_quote(quote, "txt").splitlines()[0])
    Angebot Q-1
    >>> "A \\\\| B" in render_quote(quote, "md", locale="en_US")
    True
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
from babel import Locale, UnknownLocaleError
from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from cpq.errors import MissingExtraError, QuoteRenderError
from cpq.quote._format import escape_markdown, filters
from cpq.quote._texts import texts_for
from cpq.quote.model import Quote

__all__ = ["FORMATS", "TEMPLATES_DIR", "RenderFormat", "local_url_fetcher", "render_quote"]

RenderFormat = Literal["html", "md", "txt", "pdf", "json"]
"""The output formats of :func:`render_quote`."""

FORMATS: tuple[str, ...] = get_args(RenderFormat)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""The shipped templates (and the base URL of their assets)."""

_TEMPLATE_FOR = {"html": "quote.html", "pdf": "quote.html", "md": "quote.md", "txt": "quote.txt"}

MAX_SEQUENCE = 100_000
"""The sandbox refuses to build strings or lists longer than this with ``*``."""

MAX_INT_BITS = 100_000
"""The sandbox refuses ``**`` results larger than this many bits."""


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """Every ``{{ value }}`` of a ``.md`` template is escaped for Markdown."""
    if (context.name or "").endswith(".md") and not isinstance(value, Markup):
        return escape_markdown(value)
    return value


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing ``*`` and ``**`` that would build huge values."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "**":
            big = isinstance(left, int) and isinstance(right, int) and right > 0
            if big and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                raise SecurityError(f"the template builds a number above 2**{MAX_INT_BITS:,}")
            return left**right
        sizes = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
        factors = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
        if sizes and factors and sizes[0] * abs(factors[0]) > MAX_SEQUENCE:
            raise SecurityError(f"the template builds a value longer than {MAX_SEQUENCE:,}")
        return left * right


@functools.lru_cache(maxsize=32)
def _environment(locale: str, template_dir: str | None, sandboxed: bool) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(template_dir))
    shipped = PackageLoader("cpq", "quote/templates")
    loaders += [shipped, PrefixLoader({"cpq": shipped})]
    options: dict[str, Any] = {
        "loader": ChoiceLoader(loaders),
        "autoescape": select_autoescape(),
        "undefined": StrictUndefined,
        "finalize": _finalize,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    env = _Sandbox(**options) if sandboxed else jinja2.Environment(**options)
    env.filters.update(filters())
    env.globals.update({"locale": locale, "texts": texts_for(locale)})
    return env


def _check_locale(locale: str) -> str:
    try:
        return str(Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise QuoteRenderError(
            f"unknown locale {locale!r}: use a locale such as 'de_DE' or 'en_US' "
            "(language, underscore, country)"
        ) from None


def _template_roots(template_dir: str | None) -> list[Path]:
    roots = [TEMPLATES_DIR]
    if template_dir is not None:
        roots.insert(0, Path(template_dir).resolve())
    return roots


def _where(exc: BaseException, roots: list[Path]) -> tuple[str | None, int | None]:
    """The template file and line an error was raised in (Jinja2 rewrites tracebacks so that
    template frames carry the template's file name and line)."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _short(name, roots), line
    tb: types.TracebackType | None = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        short = _short(filename, roots)
        if short is not None and short != filename:
            found = (short, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _short(filename: str | None, roots: list[Path]) -> str | None:
    if filename is None:
        return None
    path = Path(filename)
    for root in roots:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            continue
    return filename


def _render_error(exc: BaseException, roots: list[Path], template: str) -> QuoteRenderError:
    name, line = _where(exc, roots)
    where = f"template {name or template}" + (f", line {line}" if line else "")
    if isinstance(exc, SecurityError):
        what = f"not allowed in the sandbox: {exc}"
    elif isinstance(exc, jinja2.UndefinedError):
        what = f"undefined value: {exc}"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        what = f"syntax error: {exc.message}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        what = f"template not found: {exc.name}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    return QuoteRenderError(f"{where}: {what}")


def render_quote(
    quote: Quote,
    fmt: str,
    *,
    locale: str | None = None,
    template_dir: str | os.PathLike[str] | None = None,
    sandboxed: bool | None = None,
) -> str | bytes:
    """Render a quote.

    Args:
        quote: the frozen quote.
        fmt: ``html``, ``md``, ``txt``, ``pdf`` (returns ``bytes``; needs the ``pdf`` extra)
            or ``json`` (the saved form, :meth:`Quote.to_json`).
        locale: a Babel locale (``de_DE``, ``en_US``, ``fr_FR``, ...) for numbers, dates and
            units; the texts are German for ``de``, English otherwise. Default: the quote's
            ``language``.
        template_dir: a directory of templates that replace the shipped ones by name.
        sandboxed: render in Jinja2's immutable sandbox; ``None`` means "iff template_dir".

    Returns:
        The document: ``str`` for html, md, txt and json, ``bytes`` for pdf.

    Raises:
        QuoteRenderError: unknown format or locale, a template error (with the template's
            name and line), a sandbox violation, or an asset the PDF may not load.
        MissingExtraError: ``pdf`` without WeasyPrint installed.

    Example:
        >>> from datetime import date
        >>> from decimal import Decimal
        >>> from cpq.quote.model import Party, Quote, Totals
        >>> zero = Decimal("0.00")
        >>> quote = Quote(number="Q-1", issue_date=date(2026, 3, 2),
        ...     valid_until=date(2026, 4, 1), currency="EUR", seller=Party(name="S"),
        ...     buyer=Party(name="<b>Müller & Söhne</b>"), positions=(), vat_breakdown=(),
        ...     totals=Totals(line_net_total=zero, tax_exclusive=zero, tax_total=zero,
        ...                   tax_inclusive=zero, payable=zero))
        >>> html = render_quote(quote, "html", locale="en_US")
        >>> "&lt;b&gt;Müller &amp; Söhne&lt;/b&gt;" in html
        True
        >>> render_quote(quote, "docx")
        Traceback (most recent call last):
        ...
        cpq.errors.QuoteRenderError: unknown format 'docx': choose one of html, md, txt, pdf, json
    """
    if fmt not in FORMATS:
        raise QuoteRenderError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return quote.to_json()
    loc = _check_locale(locale or quote.language)
    directory: str | None = None
    if template_dir is not None:
        path = Path(template_dir).resolve()
        if not path.is_dir():
            raise QuoteRenderError(f"template directory {str(template_dir)!r} does not exist")
        directory = str(path)
    sandbox = directory is not None if sandboxed is None else bool(sandboxed)
    if fmt == "pdf":
        try:
            import weasyprint  # noqa: F401  (fail early, before rendering the HTML)
        except ImportError:
            raise MissingExtraError("pdf", "PDF output") from None
        except OSError as exc:  # WeasyPrint is installed, the Pango library is not
            raise QuoteRenderError(
                f"PDF output needs the Pango library that WeasyPrint uses ({exc}); on Debian "
                "or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
            ) from None
    html_or_text = _render_template(quote, fmt, loc, directory, sandbox)
    if fmt == "pdf":
        return _write_pdf(html_or_text, directory)
    return html_or_text


def _render_template(
    quote: Quote, fmt: str, locale: str, directory: str | None, sandbox: bool
) -> str:
    env = _environment(locale, directory, sandbox)
    name = _TEMPLATE_FOR[fmt]
    roots = _template_roots(directory)
    context: Mapping[str, Any] = {"quote": quote, "fmt": fmt}
    try:
        return env.get_template(name).render(context)
    except (jinja2.TemplateError, SecurityError) as exc:
        raise _render_error(exc, roots, name) from exc
    except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError) as exc:
        # a filter refused a value (a float amount, a bad date) or a user template misused one
        raise _render_error(exc, roots, name) from exc


def local_url_fetcher(roots: list[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves only files under ``roots`` and ``data:`` URLs.

    Anything else (http, https, ftp, a file outside the roots, a path escaping them with
    ``..`` or a symlink) stops the PDF with a :class:`~cpq.errors.QuoteRenderError` naming the
    URL. Needs the ``pdf`` extra.
    """
    try:
        from weasyprint.urls import FatalURLFetchingError, URLFetcher
    except ImportError:
        raise MissingExtraError("pdf", "PDF output") from None
    allowed = [r.resolve() for r in roots]

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        refused: list[str]

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False,
                             fail_on_errors=True)  # fmt: skip
            self.refused = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            reason = _refuse(url, scheme, allowed)
            if reason is None:
                return super().fetch(url, headers)
            self.refused.append(f"{url}: {reason}")
            raise FatalURLFetchingError(f"{url}: {reason}")

    return LocalOnly()


def _refuse(url: str, scheme: str, allowed: list[Path]) -> str | None:
    """Why ``url`` may not be loaded, or ``None`` when it is a file inside an allowed root."""
    if scheme != "file":
        where = ", ".join(str(a) for a in allowed)
        return (f"PDF rendering loads no {scheme or 'relative'} URLs, only files inside the "
                f"template directories ({where}) and data: URLs")  # fmt: skip
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return "file URLs on other hosts are not loaded"
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if any(path.is_relative_to(root) for root in allowed):
        return None
    return "the file is outside the template directories"


def _write_pdf(html: str, directory: str | None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    roots = _template_roots(directory)
    fetcher = local_url_fetcher(roots)
    base = (Path(directory) if directory else TEMPLATES_DIR).as_uri() + "/"
    try:
        return cast(bytes, HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf())
    except FatalURLFetchingError as exc:
        refused = "; ".join(fetcher.refused) or str(exc)
        raise QuoteRenderError(f"the PDF asks for an asset it may not load: {refused}") from None
    except Exception as exc:  # a layout failure inside WeasyPrint, e.g. on a user's CSS
        raise QuoteRenderError(
            f"WeasyPrint could not lay out the PDF: {type(exc).__name__}: {exc}"
        ) from exc
