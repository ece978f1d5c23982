"""The FastAPI application: routes, limits, problem answers and the access log."""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import logging
import os
import re
import threading
import time
import traceback
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Mapping,
    MutableMapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import cpq
from cpq.bom import OrderLine, check_order
from cpq.configurator import Configurator, compiled_model
from cpq.errors import PricingError, QuoteProfileError
from cpq.pricing import price
from cpq.quote import (
    Address,
    Party,
    Quote,
    QuoteItem,
    QuoteProfile,
    build_quote,
    load_quote_profile,
    render_quote,
)
from cpq.server._models import (
    BuyerIn,
    CheckOrderRequest,
    CheckRequest,
    CompleteOut,
    CompleteRequest,
    ConfigurationOut,
    CustomersOut,
    ExplainOut,
    ExplainRequest,
    OptionsOut,
    OptionsRequest,
    OrderCheckOut,
    PriceOut,
    PriceRequest,
    Problem,
    ProductSchema,
    ProductsOut,
    QuoteRequest,
)
from cpq.server._problems import (
    MEDIA_TYPE,
    ProblemError,
    encode_json,
    from_exception,
    internal_error,
    problem,
)
from cpq.server._registry import LoadedProduct, ProductRegistry, ProductUnavailable

__all__ = ["ServerSettings", "create_app", "openapi_document"]

log = logging.getLogger("cpq.server")
access = logging.getLogger("cpq.server.access")

STATIC = Path(__file__).resolve().parent / "static"
API = "/api/v1"
_PRODUCT_IN_PATH = re.compile(r"^/api/v1/products/([^/]+)")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How a server runs.

    Attributes:
        rulesets: the folder the products are discovered in (nothing else is read).
        prices: extra price books, ``{product id: file}``; ``"*"`` for every product that has
            no ``prices.yaml`` of its own.
        max_body: largest request body in bytes (larger: 413).
        time_limit: the solver time limit per request in seconds, and the cap on the
            ``time_limit`` a request may ask for.
        backend: the configurator backend (``auto``, ``sat``, ``cpsat``, ``pyconstraint``).
        rescan_interval: seconds between searches of the folder for new or removed products.
        cors_origins: web origins (``https://shop.example.com``) whose pages may call the API
            from the browser; none by default (same origin only).
        preload: load and compile every product when the application starts (``cpq serve``
            does), so the first requests do not pay for it.
        threads: requests a worker process computes at the same time (the others wait their
            turn). The work is CPU-bound Python: more threads than cores only add contention.
    """

    rulesets: str
    prices: Mapping[str, str] = field(default_factory=dict)
    max_body: int = 1 << 20
    time_limit: float = 10.0
    backend: str = "auto"
    rescan_interval: float = 2.0
    cors_origins: tuple[str, ...] = ()
    preload: bool = False
    threads: int = 2

    def to_env(self) -> str:
        """The settings as JSON (handed to worker processes through the environment)."""
        return json.dumps(
            {
                "rulesets": self.rulesets,
                "prices": dict(self.prices),
                "max_body": self.max_body,
                "time_limit": self.time_limit,
                "backend": self.backend,
                "rescan_interval": self.rescan_interval,
                "cors_origins": list(self.cors_origins),
                "preload": self.preload,
                "threads": self.threads,
            }
        )

    @classmethod
    def from_env(cls, text: str) -> ServerSettings:
        """Settings written by :meth:`to_env`."""
        data = json.loads(text)
        return cls(
            rulesets=str(data["rulesets"]),
            prices={str(k): str(v) for k, v in data.get("prices", {}).items()},
            max_body=int(data.get("max_body", 1 << 20)),
            time_limit=float(data.get("time_limit", 10.0)),
            backend=str(data.get("backend", "auto")),
            rescan_interval=float(data.get("rescan_interval", 2.0)),
            cors_origins=tuple(str(o) for o in data.get("cors_origins", ())),
            preload=bool(data.get("preload", False)),
            threads=int(data.get("threads", 2)),
        )


# -- ASGI middleware: body limit, catch-all, access log ---------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(StarletteHTTPException):
    """The body is over the limit (an HTTPException, so the framework passes it on)."""

    def __init__(self) -> None:
        super().__init__(413)


class Guard:
    """Outermost middleware: limits the body, turns any exception into a problem, logs a line.

    The body limit is checked on ``Content-Length`` and again while the body streams in (a
    client may send chunks without a length). An exception that reaches here is logged with
    its trace and answered with a generic 500 problem: the client never sees a trace.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = str(scope.get("path", ""))[:1000]
        state = {"status": 0, "started": False}
        m = _PRODUCT_IN_PATH.match(path)
        product = m.group(1)[:100] if m else None

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        seen = 0

        async def receive_wrapper() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                raise _TooLarge
            await self.app(scope, receive_wrapper, send_wrapper)
        except _TooLarge:
            if not state["started"]:
                err = problem(
                    "request-too-large",
                    413,
                    f"the request body is larger than {self.max_body} bytes",
                )
                await _send_problem(send_wrapper, err, path)
        except Exception:
            log.error(
                "unhandled error",
                extra={"method": scope.get("method"), "path": path, "product": product,
                       "trace": traceback.format_exc()},
            )  # fmt: skip
            if not state["started"]:
                await _send_problem(send_wrapper, internal_error(), path)
        finally:
            access.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": path,
                    "status": state["status"],
                    "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    "product": product,
                },
            )


async def _send_problem(send: Send, err: ProblemError, path: str) -> None:
    body = err.encode(path)
    await send(
        {
            "type": "http.response.start",
            "status": err.status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json(data: Any) -> Response:
    return Response(encode_json(data), media_type="application/json")


def _problem_response(err: ProblemError, path: str) -> Response:
    return Response(err.encode(path), status_code=err.status, media_type=MEDIA_TYPE)


# -- the service: what the routes call -----------------------------------------------------------


class Service:
    """The work behind the routes, free of HTTP: one fresh configurator per request.

    Each request gets a new :class:`~cpq.configurator.Configurator` on the cached compiled
    model, so an answer depends on the request only (a warm session reused across requests
    would return other, equally valid completions depending on what it answered before).
    """

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.registry = ProductRegistry(
            settings.rulesets, prices=settings.prices, rescan_interval=settings.rescan_interval
        )
        self._list_prices: dict[tuple[str, int, _dt.date], dict[str, Decimal]] = {}
        self._profiles: dict[tuple[str, int], QuoteProfile] = {}
        self._lock = threading.Lock()
        if settings.preload:
            for p in self.registry.products():
                compiled_model(p.ruleset)

    def product(self, product: str) -> LoadedProduct:
        return self.registry.get(product)

    def limit(self, requested: float | None) -> float:
        cap = self.settings.time_limit
        return cap if requested is None else min(requested, cap)

    def configurator(self, p: LoadedProduct, req: CheckRequest) -> Configurator:
        """A new session on the product: the request's session document, then its selections."""
        limit = self.limit(req.time_limit)
        if req.session is not None:
            cfg = Configurator.from_json(p.ruleset, req.session, backend=self.settings.backend)
            cfg.time_limit = limit
        else:
            cfg = Configurator(p.ruleset, backend=self.settings.backend, time_limit=limit)
        for name, value in req.selections.items():
            cfg.set(name, value)
        return cfg

    def profile(self, p: LoadedProduct) -> QuoteProfile | None:
        """The product's quote profile (``quote.yaml`` next to it), loaded once per version."""
        if p.quote_profile is None:
            return None
        key = (p.id, p.version)
        with self._lock:
            if key in self._profiles:
                return self._profiles[key]
        try:
            prof = load_quote_profile(p.quote_profile)
        except QuoteProfileError as exc:
            raise ProductUnavailable(p.id, exc.issues, self.registry.root) from None
        with self._lock:
            for old in [k for k in self._profiles if k[0] == p.id]:
                del self._profiles[old]  # an earlier version of the product
            self._profiles[key] = prof
        return prof

    def list_prices(self, p: LoadedProduct) -> dict[str, Decimal]:
        """List prices of the product's SKUs today (SKUs without a list price are left out)."""
        if p.book is None:
            raise problem(
                "no-price-book", 404, f"product '{p.id}' has no price book on this server"
            )
        key = (p.id, p.version, _dt.date.today())
        with self._lock:
            hit = self._list_prices.get(key)
        if hit is not None:
            return hit
        out: dict[str, Decimal] = {}
        for sku in sorted(p.ruleset.skus()):
            try:
                res = price([(sku, 1)], p.book, on=key[2])
            except PricingError:
                continue
            out[sku] = res.lines[0].line_net
        with self._lock:
            for old in [k for k in self._list_prices if k[0] == p.id]:
                del self._list_prices[old]  # another version or day
            self._list_prices[key] = out
        return out

    def completed(
        self, p: LoadedProduct, req: CompleteRequest | PriceRequest
    ) -> tuple[Configurator, cpq.Configuration]:
        cfg = self.configurator(p, req)
        prefs: dict[str, object] | None = None
        prices: dict[str, Decimal] | None = None
        if isinstance(req, CompleteRequest):
            if req.preferences is not None and req.objective == "cheapest":
                raise problem(
                    "invalid-request", 422, "give either preferences or objective 'cheapest'"
                )
            if req.preferences is not None:
                prefs = dict(req.preferences)
                for name, value in prefs.items():  # unknown names and values: 422 up front
                    Configurator(p.ruleset).set(name, value)
            if req.objective == "cheapest":
                prices = self.list_prices(p)
        done = cfg.complete(preferences=prefs, prices=prices)
        return cfg, done


QUOTE_MEDIA = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
}
QuoteFormat = Literal["json", "html", "md", "txt", "pdf"]


@functools.cache
def pdf_available() -> bool:
    """Whether WeasyPrint (the ``pdf`` extra) imports here (it also needs Pango)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def quote_formats() -> list[str]:
    """The formats the quote endpoint renders on this server."""
    return ["json", "html", "md", "txt", *(["pdf"] if pdf_available() else [])]


@functools.lru_cache(maxsize=256)
def _known_locale(locale: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _party(buyer: BuyerIn | None) -> Party | None:
    if buyer is None:
        return None
    fields = ("street", "additional", "postcode", "city", "country_code")
    address = {f: getattr(buyer, f) for f in fields if getattr(buyer, f) is not None}
    return Party(
        name=buyer.name,
        id=buyer.id,
        address=Address(**address) if address else None,
        vat_id=buyer.vat_id,
    )


def _bom(lines: list[cpq.BomLine]) -> list[dict[str, str]]:
    return [
        {"sku": b.sku, "quantity": str(b.quantity), "source": b.source, "label": b.label}
        for b in lines
    ]


def _conflict(done: cpq.Configuration) -> ProblemError:
    return problem(
        "configuration-conflict",
        409,
        "the selections cannot be completed to a valid configuration"
        + (f": {done.conflict.text}" if done.conflict else ""),
        conflict=done.conflict.to_dict() if done.conflict else None,
    )


def _schema(p: LoadedProduct) -> dict[str, Any]:
    rs = p.ruleset
    attrs = []
    for a in rs.attributes.values():
        default: object = a.default
        if isinstance(default, tuple):
            default = list(default)
        attrs.append(
            {
                "id": a.name,
                "label": a.label,
                "type": a.type,
                "description": a.description,
                "unit": a.unit,
                "range": list(a.range) if a.range else None,
                "default": default,
                "values": [{"id": v.id, "label": v.label, "sku": v.sku} for v in a.values.values()],
            }
        )
    return {
        "id": rs.product.id,
        "name": rs.product.name,
        "sku": rs.product.sku,
        "description": rs.product.description,
        "attributes": attrs,
    }


# -- the application ------------------------------------------------------------------------------

_ERRORS = {
    400: "The body is not JSON (`malformed-json`).",
    404: "No such product (`unknown-product`) or, for prices, no price book (`no-price-book`).",
    413: "The body is larger than the server's limit (`request-too-large`).",
    422: "Wrong fields or types (`invalid-request`), an unknown attribute or value "
    "(`unknown-selection`), a rule construct the server's backend cannot handle "
    "(`unsupported-feature`), or input the library rejects (see the code).",
    500: "An unexpected error (`internal-error`); the server logged it.",
    501: "The server's solver backend is not installed (`backend-unavailable`) or, for "
    "quotes, PDF rendering is not available (`pdf-unavailable`).",
    503: "The product's files do not load at the moment (`product-unavailable`) or the "
    "solver ran out of time where no partial answer exists (`solver-timeout`).",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": Problem, "description": _ERRORS.get(c, "Error")} for c in codes}


_POST_ERRORS = _errors(400, 404, 413, 422, 500, 501, 503)


_UNION_TAG = re.compile(
    r"^(str|bool|int|float|list\[.*\]|dict\[.*\]|constrained-\w+|function-\w+\[.*\])$"
)
_TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
}


def _plain_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic's validation errors as one plain-language problem per field.

    Example:
        >>> _plain_errors([{"loc": ("body", "time_limit"), "type": "float_type",
        ...                 "msg": "Input should be a valid number"}])
        [{'loc': ['body', 'time_limit'], 'msg': 'must be a number', 'type': 'float_type'}]
    """
    fields: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for e in errors:
        parts = [str(x) for x in e.get("loc", ())]
        if len(parts) > 2 and _UNION_TAG.match(parts[-1]):
            parts = parts[:-1]  # the member of a union pydantic tried
        fields.setdefault(tuple(parts), []).append(e)
    out: list[dict[str, Any]] = []
    for loc, errs in fields.items():
        first = errs[0]
        kind = str(first.get("type", ""))
        if len(loc) == 1:
            msg = 'the body must be a JSON object such as {"selections": {}}'
        elif len(loc) == 3 and loc[1] in ("selections", "preferences") and len(errs) > 1:
            msg = "must be a value id (text), true or false, a whole number, or a list of value ids"
        elif loc[-1] == "quantity" and len(errs) > 1:
            msg = "must be a whole number of at least 1, or a decimal number as text such as '2.5'"
        elif kind in _TYPE_WORDS:
            msg = _TYPE_WORDS[kind]
        else:
            msg = str(first.get("msg", "is not valid"))
            msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
            for word in ("Input should", "String should", "List should", "Dictionary should"):
                msg = msg.replace(word, "must")
            msg = msg.replace("must match pattern", "must have the form")
        out.append({"loc": list(loc), "msg": msg, "type": kind})
    return out


def _lifespan(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Limit the worker's thread pool for the routes (they are CPU-bound) to ``threads``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def create_app(settings: ServerSettings) -> FastAPI:
    """The ASGI application serving the products under ``settings.rulesets``.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> client = TestClient(create_app(ServerSettings("rulesets")))
        >>> sel = {"medium": "sea_water", "casing_material": "cast_iron"}
        >>> r = client.post("/api/v1/products/cp-pump/check", json={"selections": sel})
        >>> r.status_code, r.json()["status"]
        (200, 'invalid')
    """
    service = Service(settings)
    app = FastAPI(
        title="cpq",
        version=cpq.__version__,
        summary="Rule-based product configuration, pricing and quoting over HTTP.",
        description="Stateless: every request carries the buyer's selections. Errors are "
        "problem details (`application/problem+json`) with a stable `code`; see the error "
        "pages of the documentation.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=_lifespan(settings.threads),
    )
    app.state.service = service

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return _problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            err = problem(
                "malformed-json", 400, "the request body is not valid JSON", problems=[
                    {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))}
                    for e in errors
                ]
            )  # fmt: skip
            return _problem_response(err, request.url.path)
        sent = request.headers.get("content-type", "")
        if not sent.split(";")[0].strip().lower().endswith("json"):
            err = problem(
                "invalid-request",
                422,
                "send the body as JSON with the header Content-Type: application/json",
            )
            return _problem_response(err, request.url.path)
        items = _plain_errors(errors)
        first = items[0] if items else {"loc": [], "msg": "the request is not valid"}
        where = ".".join(first["loc"][1:])
        err = problem(
            "invalid-request",
            422,
            (f"{where}: {first['msg']}" if where else str(first["msg"]))
            + (f" (and {len(items) - 1} more)" if len(items) > 1 else ""),
            problems=items,
        )
        return _problem_response(err, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:
            limit = settings.max_body
            err = problem(
                "request-too-large", 413, f"the request body is larger than {limit} bytes"
            )
        elif exc.status_code == 404:
            err = problem("not-found", 404, f"there is nothing at {request.url.path}")
        elif exc.status_code == 400:  # the framework could not read the body as JSON
            err = problem(
                "malformed-json",
                400,
                "the request body is not usable JSON (it must be UTF-8 text, nested less "
                "deeply, with numbers of reasonable size)",
            )
        elif exc.status_code == 405:
            err = problem(
                "method-not-allowed", 405, f"{request.method} is not allowed on {request.url.path}"
            )
        else:
            err = problem("http-error", exc.status_code, str(exc.detail))
        return _problem_response(err, request.url.path)

    def answer(fn: Callable[[], Any]) -> Response:
        """Run library work; expected library errors become problems (others: 500)."""
        try:
            return _json(fn())
        except Exception as exc:
            err = from_exception(exc)
            if err is None:
                raise
            raise err from None

    # -- products -------------------------------------------------------------------------

    @app.get(f"{API}/products", response_model=ProductsOut, tags=["products"],
             responses=_errors(500))  # fmt: skip
    def list_products() -> Response:
        """Every product the server answers for."""
        out = [
            {
                "id": p.id,
                "name": p.ruleset.product.name,
                "sku": p.ruleset.product.sku,
                "attributes": len(p.ruleset.attributes),
                "rules": len(p.ruleset.rules),
                "has_prices": p.book is not None,
            }
            for p in service.registry.products()
        ]
        return _json({"products": out, "quote_formats": quote_formats()})

    @app.get(f"{API}/products/{{product}}", response_model=ProductSchema, tags=["products"],
             responses=_errors(404, 500, 503))  # fmt: skip
    def product_schema(product: str) -> Response:
        """The product's attributes and values, in the order of the ruleset."""
        return answer(lambda: _schema(service.product(product)))

    @app.get(f"{API}/products/{{product}}/customers", response_model=CustomersOut,
             tags=["pricing"], responses=_errors(404, 500, 503))  # fmt: skip
    def customers(product: str) -> Response:
        """The customers of the product's price book (404 ``no-price-book`` without one)."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            if p.book is None:
                raise problem(
                    "no-price-book", 404, f"product '{p.id}' has no price book on this server"
                )
            return {
                "customers": [{"id": c.id, "name": c.name} for c in p.book.customers.values()],
                "currency": p.book.currency,
            }

        return answer(run)

    # -- configurator ---------------------------------------------------------------------

    @app.post(f"{API}/products/{{product}}/options", response_model=OptionsOut,
              tags=["configurator"], responses=_POST_ERRORS)  # fmt: skip
    def options(product: str, body: OptionsRequest) -> Response:
        """Every value's state (selectable, selected, implied, excluded) with reasons."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            cfg = service.configurator(p, body)
            return cfg.options(reasons=body.reasons).to_dict()

        return answer(run)

    @app.post(f"{API}/products/{{product}}/check", response_model=ConfigurationOut,
              tags=["configurator"], responses=_POST_ERRORS)  # fmt: skip
    def check(product: str, body: CheckRequest) -> Response:
        """Valid, incomplete (values missing) or invalid (rules broken)."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            return service.configurator(p, body).check().to_dict()

        return answer(run)

    @app.post(f"{API}/products/{{product}}/complete", response_model=CompleteOut,
              tags=["configurator"], responses=_POST_ERRORS)  # fmt: skip
    def complete(product: str, body: CompleteRequest) -> Response:
        """A valid full configuration (defaults, preferences or cheapest) and its BOM."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            cfg, done = service.completed(p, body)
            data = done.to_dict()
            data["bom"] = _bom(cfg.bill_of_materials(done)) if done.is_valid else []
            return data

        return answer(run)

    @app.post(f"{API}/products/{{product}}/explain", response_model=ExplainOut,
              tags=["configurator"], responses=_POST_ERRORS)  # fmt: skip
    def explain(product: str, body: ExplainRequest) -> Response:
        """A minimal conflict among the choices and the smallest repairs."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            cfg = service.configurator(p, body)
            conflict = cfg.explain()
            repairs = cfg.repair(max_size=body.max_size) if conflict is not None else []
            return {
                "conflict": conflict.to_dict() if conflict else None,
                "repairs": [r.to_dict() for r in repairs],
            }

        return answer(run)

    @app.post(f"{API}/products/{{product}}/check-order", response_model=OrderCheckOut,
              tags=["configurator"], responses=_POST_ERRORS)  # fmt: skip
    def check_order_route(product: str, body: CheckOrderRequest) -> Response:
        """Check an order (SKUs and quantities) against the product's rules."""

        def run() -> dict[str, Any]:
            p = service.product(product)
            lines = [
                OrderLine(line.sku, Decimal(str(line.quantity)), i)
                for i, line in enumerate(body.lines, start=1)
            ]
            return check_order(
                p.ruleset, lines, time_limit=service.limit(body.time_limit)
            ).to_dict()

        return answer(run)

    # -- pricing --------------------------------------------------------------------------

    def priced(
        product: str, body: PriceRequest
    ) -> tuple[LoadedProduct, cpq.Configuration, cpq.PriceResult, list[cpq.BomLine]]:
        p = service.product(product)
        if p.book is None:
            raise problem(
                "no-price-book", 404, f"product '{p.id}' has no price book on this server"
            )
        cfg, done = service.completed(p, body)
        if not done.is_valid:
            raise _conflict(done)
        bom = cfg.bill_of_materials(done)
        result = price(
            bom,
            p.book,
            on=body.date or _dt.date.today(),
            customer=body.customer,
            quantity=body.quantity,
        )
        return p, done, result, bom

    @app.post(f"{API}/products/{{product}}/price", response_model=PriceOut, tags=["pricing"],
              responses={**_POST_ERRORS, **_errors(409)})  # fmt: skip
    def price_route(product: str, body: PriceRequest) -> Response:
        """Complete the selections if needed, and price the BOM for a customer and date."""

        def run() -> dict[str, Any]:
            _, done, result, bom = priced(product, body)
            data: dict[str, Any] = result.to_dict()
            # completed: the solver picked a value (defaults that held and implied values are
            # what the selections already mean, as check says)
            data["completed"] = "completed" in done.provenance.values() or any(
                "completed" in members.values() for members in done.member_provenance.values()
            )
            data["values"] = done.to_dict()["values"]
            data["bom"] = _bom(bom)
            return data

        return answer(run)

    quote_content: dict[str, Any] = {
        "text/html": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    }

    @app.post(
        f"{API}/products/{{product}}/quote",
        tags=["quotes"],
        response_class=Response,
        responses={
            200: {
                "model": Quote,
                "description": "The quote: JSON (the saved form, Quote.to_json()) or the "
                "rendered document, as an attachment for html, md, txt and pdf.",
                "content": quote_content,
            },
            **_POST_ERRORS,
            **_errors(409, 501),
        },
    )
    def quote_route(
        product: str,
        body: QuoteRequest,
        fmt: Annotated[QuoteFormat, Query(alias="format")] = "json",
        locale: Annotated[
            str | None,
            Query(
                pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$",
                description="Locale of numbers, dates and texts, e.g. de_DE or en_US "
                "(default: the customer's language from the quote profile).",
            ),
        ] = None,
    ) -> Response:
        """Complete and price the selections, and render the quote in a format."""

        def run() -> Response:
            if fmt == "pdf" and not pdf_available():
                raise problem(
                    "pdf-unavailable",
                    501,
                    'PDF quotes need the pdf extra on the server: pip install "cpqkit[pdf]"',
                )
            if locale is not None and not _known_locale(locale):
                raise problem(
                    "invalid-request",
                    422,
                    f"locale: unknown locale '{locale}' (use one such as de_DE or en_US)",
                )
            p = service.product(product)
            if p.book is None:
                raise problem(
                    "no-price-book", 404, f"product '{p.id}' has no price book on this server"
                )
            _, done = service.completed(p, body)
            if not done.is_valid:
                raise _conflict(done)
            issue = _dt.date.today()
            quote = build_quote(
                [QuoteItem(done, body.quantity)],
                p.book,
                number=body.number or "Q",
                customer=body.customer,
                on=issue,
                pricing_date=body.date,
                profile=service.profile(p),
                language=locale,
                buyer=_party(body.buyer),
            )
            if body.number is None:
                cid = quote.items[0].configuration_id or "CFG-000000"
                quote = quote.model_copy(update={"number": f"Q-{issue:%Y%m%d}-{cid[4:10]}"})
            doc = render_quote(quote, fmt, locale=locale)
            content = doc if isinstance(doc, bytes) else doc.encode()
            headers = {}
            if fmt != "json":
                name = re.sub(r"[^A-Za-z0-9._-]", "_", quote.number)
                headers["content-disposition"] = f'attachment; filename="{name}.{fmt}"'
            return Response(content, media_type=QUOTE_MEDIA[fmt], headers=headers)

        try:
            return run()
        except Exception as exc:
            err = from_exception(exc)
            if err is None:
                raise
            raise err from None

    # -- the page ---------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC / "index.html"
        if not page.is_file():
            raise problem("not-found", 404, "the guided-selling page is not installed")
        return FileResponse(page)

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for op in path.values():
                    for status, resp in op.get("responses", {}).items():
                        content = resp.get("content", {})
                        if status[0] in "45" and "application/json" in content:
                            content[MEDIA_TYPE] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["content-type"],
            expose_headers=["content-disposition"],
            max_age=600,
        )
    return _wrap(app, settings)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the API (the same for every rulesets folder).

    ``docs/openapi.json`` is this document; write it again after changing the API with
    ``python -c "import json, cpq.server as s; print(json.dumps(s.openapi_document(), indent=2))"
    > docs/openapi.json``.

    Example:
        >>> openapi_document()["paths"]["/api/v1/products/{product}/options"]["post"]["tags"]
        ['configurator']
    """
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        doc: dict[str, Any] = create_app(ServerSettings(empty)).openapi()
        return doc


def _wrap(app: FastAPI, settings: ServerSettings) -> FastAPI:
    app.add_middleware(Guard, max_body=settings.max_body)
    return app


def app_from_env() -> FastAPI:
    """The application for ``uvicorn --factory`` worker processes (settings in ``CPQ_SERVE``)."""
    from cpq.server._logging import configure_logging

    configure_logging(os.environ.get("CPQ_SERVE_LOG_LEVEL", "info"))
    return create_app(ServerSettings.from_env(os.environ["CPQ_SERVE"]))
