"""`cpq serve` starts a real server (uvicorn) on loopback; its logs are JSON lines."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import API, ROOT, copy_rulesets

from cpq.cli.serve import parse_prices


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `cpq serve` process; its stderr (the log) goes to a file."""

    def __init__(self, log: Path, *args: str) -> None:
        port = free_port()
        self.log = log
        with log.open("w", encoding="utf-8") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cpq.cli", "serve", *args, "--port", str(port)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"cpq serve exited: {log.read_text(encoding='utf-8')}")
            try:
                if httpx.get(f"{self.base}{API}/products", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("cpq serve did not start within 60 s")

    def stop(self) -> str:
        """Stop the server (Ctrl-C to its process group) and return what it logged."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.log.read_text(encoding="utf-8")


def test_serve_answers_with_two_workers_and_logs_json(tmp_path: Path) -> None:
    """Two worker processes answer the API; each request is one JSON log line."""
    root = copy_rulesets(tmp_path, "pump", "drive")
    server = Server(tmp_path / "log", str(root), "--workers", "2", "--time-limit", "5")
    base = server.base
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            ids = [p["id"] for p in http.get(f"{API}/products").json()["products"]]
            assert ids == ["vd-drive", "cp-pump"]
            for _ in range(6):
                r = http.post(
                    f"{API}/products/cp-pump/options", json={"selections": {"medium": "water"}}
                )
                assert r.status_code == 200
            r = http.post(f"{API}/products/nope/check", json={})
            assert r.status_code == 404
            assert r.headers["content-type"] == "application/problem+json"
            assert http.get("/openapi.json").json()["info"]["title"] == "cpq"
    finally:
        log = server.stop()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert all(line.startswith("{") for line in log.splitlines() if line.strip()), log
    access = [r for r in records if r["logger"] == "cpq.server.access"]
    assert len(access) >= 9
    miss = next(r for r in access if r["path"] == f"{API}/products/nope/check")
    assert miss["status"] == 404 and miss["method"] == "POST" and miss["product"] == "nope"
    assert isinstance(miss["duration_ms"], float)
    assert all(isinstance(r["pid"], int) for r in access)


def test_serve_with_an_extra_price_book(tmp_path: Path) -> None:
    """--prices PRODUCT=FILE gives a product without prices.yaml a book."""
    root = copy_rulesets(tmp_path, "pump")
    book = tmp_path / "book.yaml"
    (root / "pump" / "prices.yaml").rename(book)
    server = Server(tmp_path / "log", str(root), "--prices", f"cp-pump={book}")
    base = server.base
    try:
        products = httpx.get(f"{base}{API}/products", timeout=30).json()["products"]
        assert products[0]["has_prices"] is True
        r = httpx.get(f"{base}{API}/products/cp-pump/customers", timeout=30)
        assert r.status_code == 200 and r.json()["currency"] == "EUR"
    finally:
        server.stop()


def test_serve_refuses_bad_arguments(tmp_path: Path) -> None:
    """A missing folder, a missing book or a book for an unknown product: exit 2."""
    root = copy_rulesets(tmp_path, "pump")
    cases = [
        [str(tmp_path / "missing")],
        [str(root), "--prices", str(tmp_path / "none.yaml")],
        [str(root), "--prices", f"nope={root / 'pump' / 'prices.yaml'}"],
    ]
    for args in cases:
        out = subprocess.run(
            [sys.executable, "-m", "cpq.cli", "serve", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("error: ")


def test_parse_prices() -> None:
    assert parse_prices(["a=x.yaml", "y.yaml"]) == {"a": "x.yaml", "*": "y.yaml"}
    import typer

    with pytest.raises(typer.BadParameter):
        parse_prices(["=x.yaml"])
