"""Regression tests for the defects found in the review of the server (notes/server-review.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_helpers import API, ROOT, assert_problem, client, copy_rulesets

PUMP = f"{API}/products/cp-pump"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def api() -> TestClient:
    return client()


def touch_later(path: Path, text: str) -> None:
    """Write a file so that its mtime surely differs from before (a new file gets one too)."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, max(st.st_mtime_ns, old) + 5_000_000_000))


# -- 1: lone surrogates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("options", r'{"selections": {"\ud800": "x"}}'),
        ("options", r'{"selections": {"medium": "\udfff"}}'),
        ("check", r'{"selections": {"accessories": ["\ud800"]}}'),
        ("complete", r'{"selections": {}, "preferences": {"\ud800": "x"}}'),
        ("complete", r'{"selections": {}, "preferences": {"medium": "\ud800"}}'),
        ("price", r'{"selections": {}, "customer": "\ud800"}'),
    ],
)
def test_a_lone_surrogate_is_a_422_not_a_500(api: TestClient, path: str, body: str) -> None:
    r = api.post(f"{PUMP}/{path}", content=body.encode(), headers=JSON)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] in ("invalid-request", "unknown-selection", "unknown-customer")


def test_a_problem_with_a_surrogate_encodes() -> None:
    from cpq.server._problems import problem

    body = json.loads(problem("unknown-selection", 422, "'\ud800' is not known").encode())
    assert body["detail"] == "'\ud800' is not known"


# -- 2: deeply nested session document --------------------------------------------------------


def test_a_deeply_nested_session_is_422(api: TestClient) -> None:
    for session in ["[" * 100_000, '{"a":' * 50_000]:
        r = api.post(f"{PUMP}/options", json={"session": session})
        assert_problem(r, 422, "invalid-configuration-request")


def test_a_session_choice_with_a_non_bool_selected_is_422(api: TestClient) -> None:
    doc = {"cpq_session": 1, "product": "cp-pump",
           "choices": [{"attribute": "accessories", "value": "counterflanges", "selected": "no"}]}  # fmt: skip
    r = api.post(f"{PUMP}/check", json={"session": json.dumps(doc)})
    assert_problem(r, 422, "invalid-configuration-request")


# -- 3: a broken product stays 503 after the next folder scan -------------------------------


def test_a_broken_product_is_503_also_after_a_new_search(tmp_path: Path) -> None:
    root = copy_rulesets(tmp_path, "pump")
    api = client(root, rescan_interval=0.0)
    assert api.get(PUMP).status_code == 200
    product = root / "pump" / "product.yaml"
    good = product.read_text(encoding="utf-8")
    for broken in (good + "\nrules: [oops\n", good.replace("attributes:", "attributez:", 1)):
        touch_later(product, broken)
        for _ in range(2):  # the list searches the folder again; the product stays "broken"
            api.get(f"{API}/products")
            assert_problem(api.post(f"{PUMP}/check", json={}), 503, "product-unavailable")
            assert_problem(api.get(PUMP), 503, "product-unavailable")
    touch_later(product, good)
    api.get(f"{API}/products")
    assert api.post(f"{PUMP}/check", json={}).status_code == 200


# -- 4: price books and quote profiles added or removed while running -------------------------


def test_a_price_book_added_or_removed_while_running_is_noticed(tmp_path: Path) -> None:
    root = copy_rulesets(tmp_path, "pump")
    book = root / "pump" / "prices.yaml"
    text = book.read_text(encoding="utf-8")
    book.unlink()
    api = client(root, rescan_interval=3600.0)
    assert_problem(api.get(f"{PUMP}/customers"), 404, "no-price-book")
    touch_later(book, text)
    assert api.get(f"{PUMP}/customers").status_code == 200
    assert api.get(f"{API}/products").json()["products"][0]["has_prices"] is True
    book.unlink()
    assert_problem(api.get(f"{PUMP}/customers"), 404, "no-price-book")


def test_a_quote_profile_added_or_removed_while_running_is_noticed(tmp_path: Path) -> None:
    root = copy_rulesets(tmp_path, "pump")
    profile = root / "pump" / "quote.yaml"
    text = profile.read_text(encoding="utf-8")
    api = client(root, rescan_interval=3600.0)
    sel = {"selections": {}, "customer": "K-1001", "date": "2026-03-02"}
    with_profile = api.post(f"{PUMP}/quote", json=sel)
    assert with_profile.status_code == 200, with_profile.text
    profile.unlink()
    without = api.post(f"{PUMP}/quote", json=sel)
    assert without.status_code == 200, without.text
    assert without.json()["seller"] != with_profile.json()["seller"]
    touch_later(profile, text)
    again = api.post(f"{PUMP}/quote", json=sel)
    assert again.status_code == 200, again.text
    assert again.json()["seller"] == with_profile.json()["seller"]


# -- 5: bodies that are not usable JSON --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"selections": {"medium": "\xff"}}',
        b"[" * 1000 + b"]" * 1000,
        b'{"selections": {"n": ' + b"9" * 5000 + b"}}",
    ],
    ids=["invalid-utf8", "deep", "huge-int"],
)
def test_a_body_that_is_not_usable_json_is_malformed_json(api: TestClient, body: bytes) -> None:
    assert_problem(api.post(f"{PUMP}/options", content=body, headers=JSON), 400, "malformed-json")


# -- 6: price and quote coerce nothing ---------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"date": 1767225600},
        {"date": "2026-03-02T10:00:00"},
        {"time_limit": "2"},
        {"quantity": "2"},
        {"quantity": 2.0},
        {"customer": 1001},
    ],
)
@pytest.mark.parametrize("path", ["price", "quote"])
def test_price_and_quote_take_no_coerced_types(api: TestClient, extra: dict, path: str) -> None:
    r = api.post(f"{PUMP}/{path}", json={"selections": {}, **extra})
    assert_problem(r, 422, "invalid-request")


def test_price_takes_an_iso_date(api: TestClient) -> None:
    r = api.post(f"{PUMP}/price", json={"selections": {}, "date": "2026-03-02"})
    assert r.status_code == 200, r.text


# -- 7: "completed" only when the server completed something --------------------------------


def test_price_says_completed_only_when_it_completed(api: TestClient) -> None:
    """Defaults that held are not a completion; a value the solver picked is."""
    for sel, completed in [({}, False), ({"medium": "sea_water"}, True)]:
        full = api.post(f"{PUMP}/complete", json={"selections": sel}).json()
        assert ("completed" in full["provenance"].values()) is completed  # the premise
        r = api.post(f"{PUMP}/price", json={"selections": sel, "date": "2026-03-02"})
        assert r.status_code == 200, r.text
        assert r.json()["completed"] is completed, sel
    values = api.post(f"{PUMP}/complete", json={"selections": {"medium": "sea_water"}}).json()
    r = api.post(f"{PUMP}/price", json={"selections": values["values"], "date": "2026-03-02"})
    assert r.json()["completed"] is False


# -- 8 and 9: cpq serve refuses bad options with exit 2 ------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--backend", "foo"], ["--log-level", "loud"], ["--port", "99999"], ["--port", "-1"]],
)
def test_serve_refuses_bad_options(tmp_path: Path, args: list[str]) -> None:
    root = copy_rulesets(tmp_path, "pump")
    out = subprocess.run(
        [sys.executable, "-m", "cpq.cli", "serve", str(root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2, (args, out.stderr)
    assert "Traceback" not in out.stderr


# -- lesser remarks: plain-language details ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("options", {"selections": {"medium": 1.5}}, "selections.medium: must be a value id"),
        ("options", {"time_limit": "1"}, "time_limit: must be a number"),
        ("options", {"reasons": "x"}, "reasons: must be 'minimal', 'core' or 'none'"),
        ("options", {"selections": {}, "foo": 1}, "foo: is not a field of this request"),
        ("options", [1], "the body must be a JSON object"),
        ("options", {"time_limit": 0}, "time_limit: must be greater than or equal to 0.5"),
        ("price", {"date": "2026-02-30"}, "date: '2026-02-30' is not a date of the calendar"),
        ("check-order", {"lines": [{"sku": "x", "quantity": "a"}]}, "lines.0.quantity: must be"),
        ("check-order", {}, "lines: is required"),
    ],
)
def test_invalid_request_details_are_plain_language(
    api: TestClient, path: str, body: object, words: str
) -> None:
    problem = assert_problem(api.post(f"{PUMP}/{path}", json=body), 422, "invalid-request")
    detail = str(problem["detail"])
    assert detail.startswith(words), detail
    assert "Input should" not in detail and "Value error" not in detail, detail
    assert ".str" not in detail and "constrained" not in detail, detail
    for item in problem["problems"]:  # type: ignore[attr-defined]
        assert "Input should" not in item["msg"], item


def test_a_body_that_is_not_sent_as_json_says_so(api: TestClient) -> None:
    for headers in ({}, {"content-type": "text/plain"}):
        r = api.post(f"{PUMP}/options", content=b'{"selections": {}}', headers=headers)
        problem = assert_problem(r, 422, "invalid-request")
        assert "Content-Type: application/json" in str(problem["detail"])


def test_a_missing_price_detail_is_one_line(api: TestClient) -> None:
    body = {"selections": {}, "customer": "K-1001", "date": "1990-01-01"}
    problem = assert_problem(api.post(f"{PUMP}/price", json=body), 422, "missing-price")
    assert "\n" not in str(problem["detail"]) and "  " not in str(problem["detail"])
    assert "CP-BASE" in str(problem["detail"])


def test_the_openapi_document_lists_501_on_the_solver_endpoints(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for name in ["options", "check", "complete", "explain", "check-order", "price", "quote"]:
        responses = paths[f"{API}/products/{{product}}/{name}"]["post"]["responses"]
        assert "501" in responses and "backend-unavailable" in responses["501"]["description"]
        assert "unsupported-feature" in responses["422"]["description"]


# -- 10: an include outside the folder is refused before it is read --------------------------


def test_an_include_outside_the_folder_is_refused_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cpq.server._registry as registry

    outside = copy_rulesets(tmp_path / "outside", "pump")
    root = copy_rulesets(tmp_path / "served", "pump")
    product = root / "pump" / "product.yaml"
    good = product.read_text(encoding="utf-8")
    lib = outside / "_lib" / "motors.yaml"
    loaded: list[Path] = []

    def spy(path: Path) -> object:
        loaded.append(Path(path))
        return real(path)

    real = registry.load_ruleset
    monkeypatch.setattr(registry, "load_ruleset", spy)
    escaping = good.replace("  - ../_lib/motors.yaml", f"  - {lib}", 1)
    assert escaping != good
    # a nested include: a library inside the folder that includes one outside
    (root / "_lib" / "hop.yaml").write_text(f"library: hop\ninclude:\n  - {lib}\n", "utf-8")
    nested = good.replace("  - ../_lib/motors.yaml", "  - ../_lib/hop.yaml", 1)
    for text in (escaping, nested):
        product.write_text(text, encoding="utf-8")
        loaded.clear()
        reg = registry.ProductRegistry(root)
        assert reg.ids() == [] and loaded == [], loaded
    # a product that loaded before and now includes outside: 503, still without reading it
    product.write_text(good, encoding="utf-8")
    api = client(root, rescan_interval=0.0)
    assert api.get(PUMP).status_code == 200
    touch_later(product, escaping)
    loaded.clear()
    assert_problem(api.post(f"{PUMP}/check", json={}), 503, "product-unavailable")
    assert_problem(api.get(PUMP), 503, "product-unavailable")
    assert loaded == [], loaded
