"""The HTTP API answers like the CLI's --json, and bad input gets problems with stable codes."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from server_helpers import API, ROOT, assert_problem, client

import cpq
from cpq.configurator import Configurator

PUMP = f"{API}/products/cp-pump"
CONFLICT = {"medium": "sea_water", "casing_material": "cast_iron"}


@pytest.fixture(scope="module")
def api() -> TestClient:
    return client()


def run_cli(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "cpq.cli", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


# -- products ------------------------------------------------------------------------------------


def test_products_lists_every_shipped_product(api: TestClient) -> None:
    """GET /products lists the three shipped products with counts and whether they have prices."""
    r = api.get(f"{API}/products")
    assert r.status_code == 200
    products = {p["id"]: p for p in r.json()["products"]}
    assert set(products) == {"cp-pump", "vd-drive", "rx-server"}
    pump = products["cp-pump"]
    rs = cpq.load_ruleset("rulesets/pump")
    assert pump == {
        "id": "cp-pump",
        "name": rs.product.name,
        "sku": rs.product.sku,
        "attributes": len(rs.attributes),
        "rules": len(rs.rules),
        "has_prices": True,
    }


def test_product_schema_lists_attributes_in_yaml_order(api: TestClient) -> None:
    """GET /products/{id} gives attributes in ruleset order with type, range, default, values."""
    r = api.get(PUMP)
    assert r.status_code == 200
    body = r.json()
    rs = cpq.load_ruleset("rulesets/pump")
    assert [a["id"] for a in body["attributes"]] == list(rs.attributes)
    by_id = {a["id"]: a for a in body["attributes"]}
    medium = by_id["medium"]
    assert medium["type"] == "choice"
    assert [v["id"] for v in medium["values"]] == list(rs.attributes["medium"].values)
    flow = by_id["flow_m3h"]
    assert flow["type"] == "int" and flow["range"] == list(rs.attributes["flow_m3h"].range or ())
    assert flow["values"] == []


def test_customers_of_the_price_book(api: TestClient) -> None:
    """GET /customers lists the book's customers and its currency."""
    r = api.get(f"{PUMP}/customers")
    assert r.status_code == 200
    body = r.json()
    book = cpq.load_price_book("rulesets/pump/prices.yaml")
    assert body["currency"] == book.currency
    assert [c["id"] for c in body["customers"]] == list(book.customers)


def test_customers_without_a_price_book_is_404(tmp_path: object) -> None:
    """A product without prices.yaml answers 404 no-price-book for customers and price."""
    from server_helpers import copy_rulesets

    root = copy_rulesets(tmp_path, "pump")  # type: ignore[arg-type]
    (root / "pump" / "prices.yaml").unlink()
    c = client(root)
    assert c.get(f"{API}/products").json()["products"][0]["has_prices"] is False
    assert_problem(c.get(f"{PUMP}/customers"), 404, "no-price-book")
    assert_problem(c.post(f"{PUMP}/price", json={}), 404, "no-price-book")


# -- configurator: the same JSON as the CLI -------------------------------------------------------


def test_options_equal_the_cli_json() -> None:
    """POST /options gives exactly what `cpq options --json` prints for the same choices."""
    api = client()  # fresh caches: the reasons a fresh `cpq` process finds
    r = api.post(f"{PUMP}/options", json={"selections": {"medium": "sea_water"}})
    assert r.status_code == 200
    assert r.json() == run_cli("options", "rulesets/pump", "--set", "medium=sea_water")
    states = {v["value"]: v for v in r.json()["attributes"]["casing_material"]["values"]}
    assert states["cast_iron"]["state"] == "excluded"
    assert "sea" in states["cast_iron"]["reason"]["text"].lower()


def test_options_with_multi_bool_and_int_selections(api: TestClient) -> None:
    """Multi values as lists, bools and ints are accepted like the Configurator's set()."""
    sel = {"accessories": ["counterflanges"], "flow_m3h": 40, "export_packing": True}
    r = api.post(f"{PUMP}/options", json={"selections": sel, "reasons": "none"})
    assert r.status_code == 200, r.text
    cfg = Configurator(cpq.load_ruleset("rulesets/pump"))
    for k, v in sel.items():
        cfg.set(k, v)
    expected = cfg.options(reasons="none").to_dict()
    assert r.json() == json.loads(json.dumps(expected))


def test_options_of_conflicting_choices_say_why(api: TestClient) -> None:
    """Conflicting choices are an answer (consistent false, the conflict), not an error."""
    r = api.post(f"{PUMP}/options", json={"selections": CONFLICT})
    assert r.status_code == 200
    body = r.json()
    assert body["consistent"] is False
    assert {c["attribute"] for c in body["conflict"]["choices"]} == set(CONFLICT)


def test_check_equals_the_cli_json() -> None:
    """POST /check gives what `cpq check --json` prints."""
    api = client()  # fresh caches: the reasons a fresh `cpq` process finds
    r = api.post(f"{PUMP}/check", json={"selections": CONFLICT})
    assert r.status_code == 200
    assert r.json()["status"] == "invalid"
    assert r.json() == run_cli(
        "check", "rulesets/pump", "--set", "medium=sea_water", "--set", "casing_material=cast_iron"
    )


def test_complete_equals_the_cli_json() -> None:
    """POST /complete gives what `cpq complete --json` prints, with the BOM."""
    api = client()  # fresh caches: the reasons a fresh `cpq` process finds
    r = api.post(f"{PUMP}/complete", json={"selections": {"medium": "sea_water"}})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "valid" and body["bom"]
    assert body == run_cli("complete", "rulesets/pump", "--set", "medium=sea_water")


def test_complete_cheapest_is_not_dearer_than_defaults(api: TestClient) -> None:
    """objective cheapest picks a configuration whose list total is at most the default one's."""
    book = cpq.load_price_book("rulesets/pump/prices.yaml")

    def total(body: dict[str, object]) -> object:
        lines = [(b["sku"], b["quantity"]) for b in body["bom"]]  # type: ignore[attr-defined]
        from datetime import date

        return cpq.price(lines, book, on=date.today()).net

    sel = {"medium": "water"}
    default = api.post(f"{PUMP}/complete", json={"selections": sel}).json()
    cheap = api.post(f"{PUMP}/complete", json={"selections": sel, "objective": "cheapest"})
    assert cheap.status_code == 200, cheap.text
    assert cheap.json()["status"] == "valid"
    assert total(cheap.json()) <= total(default)  # type: ignore[operator]


def test_complete_with_preferences(api: TestClient) -> None:
    """Preferences are honoured where they fit; unknown preferred values are 422."""
    r = api.post(f"{PUMP}/complete", json={"preferences": {"motor": "m11"}})
    assert r.status_code == 200
    assert r.json()["values"]["motor"] == "m11"
    bad = api.post(f"{PUMP}/complete", json={"preferences": {"casing_material": "gold"}})
    assert_problem(bad, 422, "unknown-selection")


def test_explain_equals_the_cli_json() -> None:
    """POST /explain gives the minimal conflict and repairs as `cpq explain --json`."""
    api = client()  # fresh caches: the reasons a fresh `cpq` process finds
    r = api.post(f"{PUMP}/explain", json={"selections": CONFLICT})
    assert r.status_code == 200
    body = r.json()
    assert body["conflict"] is not None and body["repairs"]
    assert body == run_cli(
        "explain",
        "rulesets/pump",
        "--set",
        "medium=sea_water",
        "--set",
        "casing_material=cast_iron",
    )
    ok = api.post(f"{PUMP}/explain", json={"selections": {"medium": "water"}}).json()
    assert ok == {"conflict": None, "repairs": []}


def test_check_order_accepts_a_valid_order_and_flags_unknown_skus(api: TestClient) -> None:
    """POST /check-order checks SKU lines like `cpq check-order --json`."""
    cfg = Configurator(cpq.load_ruleset("rulesets/pump"))
    bom = cfg.bill_of_materials()
    lines = [{"sku": b.sku, "quantity": str(b.quantity)} for b in bom]
    r = api.post(f"{PUMP}/check-order", json={"lines": lines})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True, r.json()["problems"]
    bad = api.post(f"{PUMP}/check-order", json={"lines": [*lines, {"sku": "XX-9", "quantity": 1}]})
    assert bad.status_code == 200
    assert bad.json()["ok"] is False
    assert any("XX-9" in p["skus"] for p in bad.json()["problems"])


# -- pricing --------------------------------------------------------------------------------------


def test_price_completes_and_prices_for_a_customer(api: TestClient) -> None:
    """POST /price completes the choices, prices the BOM for the customer and date."""
    body = {"selections": {"medium": "sea_water"}, "customer": "K-1001", "date": "2026-03-01"}
    r = api.post(f"{PUMP}/price", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["completed"] is True
    assert got["customer"] == "K-1001" and got["date"] == "2026-03-01"
    from datetime import date
    from decimal import Decimal

    rs = cpq.load_ruleset("rulesets/pump")
    done = Configurator(rs).select("medium", "sea_water").complete()
    expected = cpq.price(
        done, cpq.load_price_book("rulesets/pump/prices.yaml"), customer="K-1001",
        on=date(2026, 3, 1),
    )  # fmt: skip
    assert Decimal(got["net"]) == expected.net
    assert [b["sku"] for b in got["bom"]] == [line.sku for line in expected.lines]
    two = api.post(f"{PUMP}/price", json={**body, "quantity": 2}).json()
    assert Decimal(two["quantity"]) == 2


def test_price_of_conflicting_choices_is_409(api: TestClient) -> None:
    """Choices that cannot be completed cannot be priced: 409 with the conflict."""
    body = assert_problem(
        api.post(f"{PUMP}/price", json={"selections": CONFLICT}), 409, "configuration-conflict"
    )
    assert body["conflict"]["choices"]  # type: ignore[index]


def test_price_for_an_unknown_customer_is_422(api: TestClient) -> None:
    """An unknown customer id is the library's UnknownCustomerError: 422 unknown-customer."""
    r = api.post(f"{PUMP}/price", json={"customer": "K-0000"})
    assert_problem(r, 422, "unknown-customer")


def test_price_with_a_bad_date_is_422(api: TestClient) -> None:
    """A date that is not YYYY-MM-DD is a validation problem."""
    assert_problem(api.post(f"{PUMP}/price", json={"date": "1 March"}), 422, "invalid-request")


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["options", "check", "complete", "explain", "price"])
def test_unknown_product_is_404(api: TestClient, path: str) -> None:
    """An id that is not a discovered product is 404 unknown-product, with a hint."""
    body = assert_problem(
        api.post(f"{API}/products/cp-pumb/{path}", json={}), 404, "unknown-product"
    )
    assert "cp-pump" in str(body["detail"])
    assert body["instance"] == f"{API}/products/cp-pumb/{path}"


def test_unknown_product_schema_is_404(api: TestClient) -> None:
    assert_problem(api.get(f"{API}/products/nope"), 404, "unknown-product")
    assert_problem(api.get(f"{API}/products/nope/customers"), 404, "unknown-product")


@pytest.mark.parametrize(
    ("selections", "fragment"),
    [
        ({"mediun": "water"}, "did you mean 'medium'"),
        ({"medium": "sea_watr"}, "did you mean 'sea_water'"),
        ({"medium": 3}, "not a value of 'medium'"),
        ({"flow_m3h": "forty"}, "whole number"),
        ({"flow_m3h": 10**9}, "outside the range"),
        ({"export_packing": "yes"}, "yes/no"),
        ({"accessories": "counterflanges"}, "list of value ids"),
        ({"accessories": ["nope"]}, "not a value of 'accessories'"),
    ],
)
def test_unknown_attribute_value_or_type_is_422(
    api: TestClient, selections: dict[str, object], fragment: str
) -> None:
    """Unknown attributes and values, and values of the wrong kind: 422 unknown-selection."""
    for path in ("options", "check", "complete", "explain", "price"):
        body = assert_problem(
            api.post(f"{PUMP}/{path}", json={"selections": selections}), 422, "unknown-selection"
        )
        assert fragment in str(body["detail"])


def test_malformed_json_is_400(api: TestClient) -> None:
    """A body that is not JSON: 400 malformed-json."""
    r = api.post(
        f"{PUMP}/options", content=b'{"selections": {', headers={"content-type": "application/json"}
    )
    assert_problem(r, 400, "malformed-json")


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"selections": []},
        {"selections": {"medium": 1.5}},
        {"selections": {"medium": None}},
        {"selectionz": {}},
        {"selections": {}, "time_limit": -1},
        {"selections": {}, "time_limit": 0.01},
        {"selections": {}, "time_limit": "fast"},
        {"selections": {}, "reasons": "all"},
    ],
)
def test_wrong_types_and_fields_are_422(api: TestClient, body: object) -> None:
    """Wrong JSON shapes: 422 invalid-request with every problem listed."""
    problem = assert_problem(api.post(f"{PUMP}/options", json=body), 422, "invalid-request")
    assert problem["problems"]


def test_wrong_types_in_other_bodies_are_422(api: TestClient) -> None:
    assert_problem(
        api.post(f"{PUMP}/check-order", json={"lines": "CP-BASE"}), 422, "invalid-request"
    )
    assert_problem(
        api.post(f"{PUMP}/check-order", json={"lines": [{"sku": "A", "quantity": -1}]}),
        422,
        "invalid-request",
    )
    assert_problem(api.post(f"{PUMP}/price", json={"quantity": 0}), 422, "invalid-request")
    assert_problem(api.post(f"{PUMP}/explain", json={"max_size": 0}), 422, "invalid-request")
    assert_problem(api.post(f"{PUMP}/complete", json={"objective": "best"}), 422, "invalid-request")


def test_oversized_body_is_413() -> None:
    """A body over the limit is refused with 413, by its Content-Length or while it streams."""
    small = client(max_body=2048)
    big = {"selections": {"medium": "water"}, "pad": "x" * 5000}
    assert_problem(small.post(f"{PUMP}/options", json=big), 413, "request-too-large")

    def chunks() -> object:
        yield b'{"selections": {"medium": "water"}, "pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    r = small.post(
        f"{PUMP}/options", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(r, 413, "request-too-large")
    assert small.post(f"{PUMP}/options", json={"selections": {}}).status_code == 200


def test_unknown_path_and_method_are_problems(api: TestClient) -> None:
    assert_problem(api.get(f"{API}/nothing"), 404, "not-found")
    assert_problem(api.get(f"{PUMP}/options"), 405, "method-not-allowed")


def test_time_limit_is_capped_by_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request's time_limit never exceeds the server's."""
    seen: list[float] = []
    real = Configurator.__init__

    def spy(self: Configurator, *args: object, **kwargs: object) -> None:
        seen.append(float(kwargs["time_limit"]))  # type: ignore[arg-type]
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Configurator, "__init__", spy)
    c = client(time_limit=2.0)
    assert c.post(f"{PUMP}/check", json={"time_limit": 500}).status_code == 200
    assert c.post(f"{PUMP}/check", json={"time_limit": 0.75}).status_code == 200
    assert c.post(f"{PUMP}/check", json={}).status_code == 200
    assert seen == [2.0, 0.75, 2.0]


def test_an_unexpected_error_is_a_generic_500_and_logged(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug answers 500 internal-error without a trace; the trace goes to the log."""

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Configurator, "check", boom)
    with caplog.at_level(logging.ERROR, logger="cpq.server"):
        r = api.post(f"{PUMP}/check", json={})
    body = assert_problem(r, 500, "internal-error")
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert body["instance"] == f"{PUMP}/check"
    logged = [rec for rec in caplog.records if rec.name == "cpq.server"]
    assert any("secret internal detail" in str(getattr(rec, "trace", "")) for rec in logged)


def test_each_request_is_logged_with_its_fields(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """One access record per request: method, path, status, duration in ms, product."""
    with caplog.at_level(logging.INFO, logger="cpq.server.access"):
        api.post(f"{PUMP}/check", json={})
        api.get(f"{API}/products/nope")
    recs = [r for r in caplog.records if r.name == "cpq.server.access"]
    assert [(r.method, r.path, r.status, r.product) for r in recs] == [  # type: ignore[attr-defined]
        ("POST", f"{PUMP}/check", 200, "cp-pump"),
        ("GET", f"{API}/products/nope", 404, "nope"),
    ]
    assert all(isinstance(r.duration_ms, float) for r in recs)  # type: ignore[attr-defined]


def test_log_lines_are_json() -> None:
    """The formatter writes one JSON object per record with the extra fields."""
    from cpq.server._logging import JsonFormatter

    rec = logging.LogRecord("cpq.server.access", logging.INFO, "", 0, "request", (), None)
    rec.method, rec.status, rec.duration_ms = "GET", 200, 1.5
    data = json.loads(JsonFormatter().format(rec))
    assert data["method"] == "GET" and data["status"] == 200 and data["duration_ms"] == 1.5
    assert data["level"] == "info" and data["message"] == "request"


def test_answers_depend_only_on_the_request(api: TestClient) -> None:
    """The same completion request gives the same answer, whatever came before it."""
    body = {"selections": {"medium": "water"}}
    first = api.post(f"{PUMP}/complete", json=body).json()
    for other in ({"medium": "solvent"}, {"medium": "sea_water"}, CONFLICT):
        api.post(f"{PUMP}/complete", json={"selections": other})
        api.post(f"{PUMP}/options", json={"selections": other})
    assert api.post(f"{PUMP}/complete", json=body).json() == first


# -- the page and the extra --------------------------------------------------------------------


def raw_get(app: object, path: str) -> tuple[int, bytes]:
    """GET ``path`` straight through the ASGI app: no client normalises ``..`` away first."""
    import anyio

    messages: list[dict[str, object]] = []
    asked: list[int] = []

    async def receive() -> dict[str, object]:
        if not asked:
            asked.append(1)
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()  # the client stays connected until the answer is sent
        raise AssertionError("unreachable")

    async def send(message: dict[str, object]) -> None:
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": [(b"host", b"test")],
             "client": ("127.0.0.1", 1), "server": ("test", 80)}  # fmt: skip
    anyio.run(app, scope, receive, send)  # type: ignore[arg-type]
    status = next(int(m["status"]) for m in messages if m["type"] == "http.response.start")  # type: ignore[call-overload]
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")  # type: ignore[misc]
    return status, body


def test_static_files_are_served_from_the_package(api: TestClient) -> None:
    """/ serves static/index.html; /static/ serves the page's files and nothing above them."""
    r = api.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert api.get("/static/app.js").status_code == 200
    app = api.app
    # the raw path reaches the static files as sent (".." inside the folder is served) ...
    assert raw_get(app, "/static/../static/app.js")[0] == 200
    # ... and nothing outside the folder is
    for path in [
        "/static/../_app.py",
        "/static/../../cpq/server/_app.py",
        "/static/../__init__.py",
    ]:
        status, body = raw_get(app, path)
        assert status == 404 and b"import" not in body, (path, body[:200])


def test_the_page_missing_is_a_404_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    import cpq.server._app as server_app

    monkeypatch.setattr(server_app, "STATIC", tmp_path)
    assert_problem(client().get("/"), 404, "not-found")


def test_import_cpq_does_not_import_fastapi() -> None:
    """The core library and the CLI work without the server extra."""
    code = "import sys, cpq, cpq.cli; print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_server_without_the_extra_names_the_install_command() -> None:
    """Importing cpq.server without FastAPI raises an ImportError naming the extra."""
    code = (
        "import sys; sys.modules['fastapi'] = None\n"
        "try:\n    import cpq.server\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert 'pip install "cpqkit[server]"' in out.stdout


def test_a_saved_session_document_is_accepted(api: TestClient) -> None:
    """A session saved by Configurator.to_json() (or the CLI) stands for its choices."""
    rs = cpq.load_ruleset("rulesets/pump")
    session = Configurator(rs).select("medium", "sea_water").to_json()
    by_session = api.post(f"{PUMP}/options", json={"session": session})
    by_selections = api.post(f"{PUMP}/options", json={"selections": {"medium": "sea_water"}})
    assert by_session.status_code == 200
    assert by_session.json() == by_selections.json()
    on_top = api.post(f"{PUMP}/check", json={"session": session, "selections": CONFLICT})
    assert on_top.json()["status"] == "invalid"
    assert_problem(
        api.post(f"{PUMP}/check", json={"session": "{not json"}),
        422,
        "invalid-configuration-request",
    )
    other = Configurator(cpq.load_ruleset("rulesets/drive")).to_json()
    body = assert_problem(
        api.post(f"{PUMP}/check", json={"session": other}), 422, "invalid-configuration-request"
    )
    assert "vd-drive" in str(body["detail"])


def test_cors_only_for_the_configured_origins() -> None:
    """Browsers on other origins may call the API only when the server names them."""
    preflight = {
        "origin": "https://shop.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    closed = client()
    r = closed.post(f"{PUMP}/check", json={}, headers={"origin": "https://shop.example.com"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    opened = client(cors_origins=("https://shop.example.com",))
    r = opened.options(f"{PUMP}/check", headers=preflight)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://shop.example.com"
    r = opened.post(f"{PUMP}/check", json={}, headers={"origin": "https://shop.example.com"})
    assert r.headers["access-control-allow-origin"] == "https://shop.example.com"
    other = opened.options(f"{PUMP}/check", headers={**preflight, "origin": "https://evil.test"})
    assert "access-control-allow-origin" not in other.headers


def test_preload_loads_every_product_at_start() -> None:
    """With preload (what cpq serve sets), products are loaded before the first request."""
    lazy = client().app.state.service.registry  # type: ignore[attr-defined]
    assert lazy._loaded == {}
    eager = client(preload=True).app.state.service.registry  # type: ignore[attr-defined]
    assert set(eager._loaded) == {"cp-pump", "vd-drive", "rx-server"}


def test_the_thread_pool_is_limited_while_the_app_runs() -> None:
    """The routes run on at most `threads` threads per worker (the work is CPU-bound)."""
    import anyio.to_thread
    from fastapi.testclient import TestClient as Client

    from cpq.server import ServerSettings, create_app

    def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    with Client(create_app(ServerSettings("rulesets", threads=1))) as c:  # runs the lifespan
        assert c.portal is not None and c.portal.call(tokens) == 1
        assert c.post(f"{PUMP}/check", json={}).status_code == 200
