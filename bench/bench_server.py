"""HTTP load test: options requests against ``cpq serve`` on loopback, next to in-process.

The requests are guided-selling clicks on the shipped products (rulesets/pump, drive, server):
for each product a few buyers start from nothing and click, one selectable value at a time,
up to 8 choices deep; every click is one ``POST /api/v1/products/{id}/options`` with all the
choices so far (the server is stateless). The list is sent in order, over and over, up to a
bounded number of requests (repeats hit the reason cache each process keeps, as in production,
where many buyers click the same first choices); the same sequence is measured

* in process: what one request costs the library, exactly as the server runs it (a fresh
  ``Configurator`` on the cached compiled model, ``options()``, every reason read, JSON
  encoded), one after another on one thread, after the same 20 warm-up requests;
* in process with one warm session per product reused for every request, for comparison: a
  server doing that would be faster but its answers would depend on earlier requests;
* over HTTP: ``cpq serve rulesets --workers N`` (N = 1 and 2) in its own process group, loaded by
  a client with 4 or 8 keep-alive connections (one thread each), bounded by a request count and
  a time budget per setting. The client runs on the same machine and takes CPU from the server (a real front end
  runs elsewhere): on a 2-core machine the HTTP figures are a floor.

Reported per setting: requests per second, p50 and p95 latency in ms, errors. Results go to
``bench/results/server.json`` (``server-quick.json`` with ``CPQ_BENCH_QUICK=1``).

Run: ``python bench/bench_server.py`` (or ``python bench/run.py server``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx
from _common import ROOT, write_result

import cpq
from cpq.configurator import Configurator

QUICK = bool(os.environ.get("CPQ_BENCH_QUICK"))
PRODUCTS = {"pump": "cp-pump", "drive": "vd-drive", "server": "rx-server"}
BUYERS = 4 if QUICK else 12
DEPTH = 8
HTTP_REQUESTS = 300 if QUICK else 1500
HTTP_BUDGET_S = 30.0 if QUICK else 90.0
SETTINGS = ((1, 4), (2, 4), (1, 8), (2, 8))
"""(worker processes, client connections) of the HTTP runs."""


def clicks() -> list[tuple[str, dict[str, Any]]]:
    """The requests: (product id, selections) of every click of every buyer, in order."""
    rng = random.Random(7)
    out: list[tuple[str, dict[str, Any]]] = []
    for folder, pid in PRODUCTS.items():
        rs = cpq.load_ruleset(ROOT / "rulesets" / folder)
        for _ in range(BUYERS):
            sel: dict[str, Any] = {}
            out.append((pid, dict(sel)))
            for _ in range(DEPTH):
                cfg = Configurator(rs)
                for k, v in sel.items():
                    cfg.set(k, v)
                view = cfg.options(reasons="none")
                free = [
                    (a.attribute, a.type, v.value)
                    for a in view.attributes.values()
                    if a.attribute not in sel and a.type != "int"
                    for v in a.values
                    if v.state == "selectable"
                ]
                if not free:
                    break
                name, kind, value = rng.choice(free)
                sel[name] = [value] if kind == "multi" else value
                out.append((pid, dict(sel)))
    return out


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies: list[float], wall: float, errors: int) -> dict[str, Any]:
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(wall, 3),
        "rps": round(len(latencies) / wall, 1) if wall > 0 else None,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p95_ms": round(pct(latencies, 0.95) * 1000, 2) if latencies else None,
    }


def in_process(requests: list[tuple[str, dict[str, Any]]], *, warm: bool) -> dict[str, Any]:
    """The library's cost of each request on one thread: as the server computes it (a fresh
    configurator per request), or with one warm session per product reused for every request
    (faster, but then completions and reasons depend on the requests before)."""
    rulesets = {pid: cpq.load_ruleset(ROOT / "rulesets" / f) for f, pid in PRODUCTS.items()}
    sessions = {pid: Configurator(rs, time_limit=10.0) for pid, rs in rulesets.items()}

    def one(pid: str, sel: dict[str, Any]) -> None:
        cfg = sessions[pid].reset() if warm else Configurator(rulesets[pid], time_limit=10.0)
        for k, v in sel.items():
            cfg.set(k, v)
        json.dumps(cfg.options().to_dict())

    for pid, sel in requests[:20]:  # warm-up as over HTTP: compile the models, import the solver
        one(pid, sel)
    latencies: list[float] = []
    t0 = time.perf_counter()
    for i in range(HTTP_REQUESTS):  # the same sequence the HTTP client sends
        pid, sel = requests[i % len(requests)]
        s = time.perf_counter()
        one(pid, sel)
        latencies.append(time.perf_counter() - s)
    return summary(latencies, time.perf_counter() - t0, 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def over_http(
    requests: list[tuple[str, dict[str, Any]]],
    workers: int,
    connections: int,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Start ``cpq serve`` with ``workers`` processes, load it with ``connections`` keep-alive
    connections (one client thread each); stop it afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "cpq.cli", "serve", str(ROOT / "rulesets"), "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", *extra]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/products", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("cpq serve did not start")
            time.sleep(0.2)
        bodies = [
            (f"/api/v1/products/{pid}/options", json.dumps({"selections": sel}).encode())
            for pid, sel in requests
        ]
        # warm-up (first-request costs: imports, solver start-up). The models are compiled by
        # every worker at start (cpq serve preloads); these requests share one keep-alive
        # connection, so they do not necessarily reach every worker.
        with httpx.Client(base_url=base, timeout=30) as http:
            for path, body in bodies[:20] * workers:
                http.post(path, content=body, headers={"content-type": "application/json"})
        lock = threading.Lock()
        latencies: list[float] = []
        errors = [0]
        next_index = [0]
        stop_at = time.monotonic() + HTTP_BUDGET_S

        def client() -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                while True:
                    with lock:
                        i = next_index[0]
                        next_index[0] += 1
                    if i >= HTTP_REQUESTS or time.monotonic() > stop_at:
                        return
                    path, body = bodies[i % len(bodies)]
                    s = time.perf_counter()
                    try:
                        r = http.post(
                            path, content=body, headers={"content-type": "application/json"}
                        )
                        ok = r.status_code == 200
                    except Exception:  # a failed request (timeout, reset) is an error, counted
                        ok = False
                    took = time.perf_counter() - s
                    with lock:
                        if ok:
                            latencies.append(took)
                        else:
                            errors[0] += 1

        threads = [threading.Thread(target=client) for _ in range(connections)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return summary(latencies, time.perf_counter() - t0, errors[0])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def main() -> int:
    requests = clicks()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows: dict[str, dict[str, Any]] = {
        "in-process, 1 thread (as the server)": in_process(requests, warm=False),
        "in-process, 1 thread, warm sessions": in_process(requests, warm=True),
    }
    for n, conns in SETTINGS:
        name = f"HTTP, {n} worker{'s' if n > 1 else ''}, {conns} connections"
        rows[name] = over_http(requests, n, conns)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(
        f"{len(requests)} distinct options requests (clicks of {BUYERS} buyers on each of "
        f"{len(PRODUCTS)} shipped products, up to {DEPTH} choices); "
        f"HTTP: at most {HTTP_REQUESTS} requests or {HTTP_BUDGET_S:.0f} s per setting"
    )
    print(f"{'setting':<42}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}")
    for name, r in rows.items():
        print(
            f"{name:<42}{r['requests']:>9}{r['errors']:>7}{r['rps']:>8}{r['p50_ms']:>8}"
            f"{r['p95_ms']:>8}"
        )
    print(f"cpus {os.cpu_count()}, load average {load_before} before, {load_after} after")
    out = write_result(
        "server-quick" if QUICK else "server",
        {
            "distinct_requests": len(requests),
            "buyers_per_product": BUYERS,
            "depth": DEPTH,
            "http_requests": HTTP_REQUESTS,
            "http_budget_s": HTTP_BUDGET_S,
            "http_settings": [{"workers": n, "connections": c} for n, c in SETTINGS],
            "load_average": [load_before, load_after],
            "results": rows,
        },
    )
    print(f"written {out.relative_to(ROOT)}")
    failed = any(r["errors"] for r in rows.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
