"""Backend fixtures: every test that takes ``backend`` runs once per available backend.

Set ``CPQ_BACKENDS=cpsat,pyconstraint`` to run a subset; a backend whose solver library is not
installed is skipped, not failed.
"""

from __future__ import annotations

import os

import pytest

from cpq.errors import BackendUnavailableError
from cpq.solve.base import Backend
from cpq.solve.registry import BACKENDS, get_backend

NAMES = [n for n in os.environ.get("CPQ_BACKENDS", ",".join(BACKENDS)).split(",") if n]


@pytest.fixture(scope="session", params=NAMES)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each available backend in turn (backends are stateless factories: one per session)."""
    try:
        return get_backend(request.param)
    except BackendUnavailableError as exc:
        pytest.skip(str(exc))
