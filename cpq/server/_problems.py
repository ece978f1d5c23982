"""Errors as RFC 9457 problem details, with the library's error codes.

Every error answer of the server is ``application/problem+json``::

    {"type": "https://cpq.dev/errors#unknown-selection", "title": "Unknown selection",
     "status": 422, "detail": "'m99' is not a value of 'motor' (did you mean 'm9'?)",
     "code": "unknown-selection", "instance": "/api/v1/products/cp-pump/options"}

The codes are documented in ``docs/errors-server.md`` (and, for codes the library shares, in
the other error pages). :func:`from_exception` maps the library's exceptions to a problem;
anything it does not know is a 500 ``internal-error`` whose detail says nothing about the
server's internals.

Example:
    >>> p = problem("unknown-product", 404, "there is no product 'x'")
    >>> p.status, p.body()["type"]
    (404, 'https://cpq.dev/errors#unknown-product')
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cpq.errors import (
    BackendUnavailableError,
    ConfigurationError,
    CurrencyMismatchError,
    MissingExtraError,
    MissingPriceError,
    PricingError,
    PricingInputError,
    QuoteError,
    SolverTimeoutError,
    UnknownCustomerError,
    UnknownSelectionError,
    UnsupportedFeatureError,
)
from cpq.server._registry import ProductUnavailable, UnknownProduct

__all__ = ["ERROR_BASE", "MEDIA_TYPE", "ProblemError", "encode_json", "from_exception", "problem"]

ERROR_BASE = "https://cpq.dev/errors#"
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    500: "Internal server error",
    501: "Not implemented",
    503: "Service unavailable",
}


class ProblemError(Exception):
    """An error answer: status, code, detail and optional extra members.

    Raise it from a route; the application turns it into the problem JSON.
    """

    def __init__(
        self,
        code: str,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        problems: Sequence[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.problems = list(problems) if problems is not None else None
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem-details JSON object."""
        out: dict[str, Any] = {
            "type": ERROR_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance is not None:
            out["instance"] = instance
        if self.problems is not None:
            out["problems"] = self.problems
        out.update(self.extra)
        return out

    def encode(self, instance: str | None = None) -> bytes:
        """The problem as UTF-8 JSON (escaped to ASCII when a text holds a lone surrogate)."""
        return encode_json(self.body(instance))


def encode_json(data: Any) -> bytes:
    """``data`` as UTF-8 JSON; texts that cannot be UTF-8 (lone surrogates a client sent as
    ``"\\ud800"``) are written as JSON escapes instead of failing.

    Example:
        >>> encode_json({"a": "\\ud800", "b": "ä"})
        b'{"a": "\\\\ud800", "b": "\\\\u00e4"}'
    """
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, default=str).encode()


def problem(code: str, status: int, detail: str, **kwargs: Any) -> ProblemError:
    """A :class:`ProblemError` (to raise): ``problem("unknown-product", 404, "...")``."""
    return ProblemError(code, status, detail, **kwargs)


def one_line(text: str) -> str:
    """A library message on one line (its indented detail lines joined with ``; ``).

    Example:
        >>> one_line("2 lines have no price:\\n  line 1 'A': none\\n  line 2 'B': none")
        "2 lines have no price: line 1 'A': none; line 2 'B': none"
    """
    head, *rest = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    return " ".join([head, "; ".join(rest)]) if rest else head


def from_exception(exc: BaseException) -> ProblemError | None:
    """The problem for a library exception, or ``None`` when it is not one we expect."""
    if isinstance(exc, ProblemError):
        return exc
    err = _from_exception(exc)
    if err is not None:
        err.detail = one_line(err.detail)
    return err


def _from_exception(exc: BaseException) -> ProblemError | None:
    if isinstance(exc, UnknownProduct):
        from cpq.errors import did_you_mean

        hint = did_you_mean(exc.product, exc.known)
        return problem(
            "unknown-product",
            404,
            f"there is no product '{exc.product}'" + (f" ({hint})" if hint else ""),
        )
    if isinstance(exc, ProductUnavailable):
        return problem(
            "product-unavailable",
            503,
            f"the files of product '{exc.product}' do not load at the moment; "
            "the operator has been told in the log",
            problems=exc.issue_dicts(),
        )
    if isinstance(exc, UnknownSelectionError):
        return problem("unknown-selection", 422, str(exc), title="Unknown selection")
    if isinstance(exc, ConfigurationError):
        return problem("invalid-configuration-request", 422, str(exc))
    if isinstance(exc, SolverTimeoutError):
        return problem(
            "solver-timeout",
            503,
            f"{exc} (try again with a larger time_limit, up to the server's limit)",
        )
    if isinstance(exc, UnsupportedFeatureError):
        return problem("unsupported-feature", 422, str(exc))
    if isinstance(exc, BackendUnavailableError):
        return problem("backend-unavailable", 501, str(exc))
    if isinstance(exc, UnknownCustomerError):
        return problem("unknown-customer", 422, str(exc))
    if isinstance(exc, MissingPriceError):
        return problem("missing-price", 422, str(exc))
    if isinstance(exc, CurrencyMismatchError):
        return problem("currency-mismatch", 422, str(exc))
    if isinstance(exc, PricingInputError):
        return problem("pricing-input", 422, str(exc))
    if isinstance(exc, PricingError):
        return problem("pricing-failed", 422, str(exc))
    if isinstance(exc, MissingExtraError):
        return problem("pdf-unavailable", 501, str(exc))
    if isinstance(exc, QuoteError):
        return problem("quote-failed", 422, str(exc))
    return None


def internal_error() -> ProblemError:
    """The answer to an unexpected exception: no trace, no internals."""
    return problem(
        "internal-error",
        500,
        "the server failed to answer this request; the error has been logged",
    )
