"""``cpq.server``: the HTTP API (and the guided-selling page) of cpq, as an ASGI application.

Needs the ``server`` extra (FastAPI and uvicorn): ``pip install "cpqkit[server]"``. Start it with
``cpq serve rulesets/`` or build the application yourself and run it with any ASGI server::

    from cpq.server import ServerSettings, create_app
    app = create_app(ServerSettings("rulesets", time_limit=5.0))

The server is stateless: every request carries the buyer's selections, so any number of
replicas can run behind a load balancer. See ``docs/server.md``.

Example:
    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app(ServerSettings("rulesets")))
    >>> [p["id"] for p in client.get("/api/v1/products").json()["products"]]
    ['vd-drive', 'cp-pump', 'rx-server']
"""

from __future__ import annotations

try:
    import fastapi as _fastapi  # noqa: F401
    import uvicorn as _uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        'cpq.server needs the "server" extra (FastAPI and uvicorn): pip install "cpqkit[server]"'
    ) from exc

from cpq.server._app import ServerSettings, create_app, openapi_document
from cpq.server._logging import JsonFormatter, configure_logging

__all__ = ["JsonFormatter", "ServerSettings", "configure_logging", "create_app", "openapi_document"]
