"""Helpers of the server tests: an in-process client over the shipped rulesets or a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from cpq.server import ServerSettings, create_app

ROOT = Path(__file__).resolve().parents[2]
RULESETS = ROOT / "rulesets"
API = "/api/v1"


def client(rulesets: Path = RULESETS, **settings: object) -> TestClient:
    """A test client of a fresh application (exceptions become answers, as in production)."""
    app = create_app(ServerSettings(str(rulesets), **settings))  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


def copy_rulesets(dest: Path, *products: str) -> Path:
    """Copy the shared library and the named product folders of rulesets/ to ``dest``."""
    root = dest / "rulesets"
    shutil.copytree(RULESETS / "_lib", root / "_lib")
    for name in products:
        shutil.copytree(RULESETS / name, root / name)
    return root


def assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    """The answer is a problem-details JSON with this status and code; returns it."""
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json", r.headers  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["type"] == f"https://cpq.dev/errors#{code}"
    assert body["title"] and body["detail"]
    assert "Traceback" not in r.text  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]
