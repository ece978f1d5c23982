"""POST .../quote renders the library's quote (cpq.quote) in every format."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_helpers import API, assert_problem, client, copy_rulesets

import cpq
from cpq.configurator import Configurator
from cpq.quote import QuoteItem, build_quote, load_quote_profile

PUMP = f"{API}/products/cp-pump"
SEA = {"selections": {"medium": "sea_water"}, "customer": "K-1001", "date": "2026-03-01"}


@pytest.fixture(scope="module")
def api() -> TestClient:
    return client()


def test_the_product_list_names_the_quote_formats(api: TestClient) -> None:
    """quote_formats lists what the quote endpoint renders here (pdf with WeasyPrint)."""
    from cpq.server._app import pdf_available

    formats = api.get(f"{API}/products").json()["quote_formats"]
    assert formats[:4] == ["json", "html", "md", "txt"]
    assert ("pdf" in formats) == pdf_available()


def test_json_quote_equals_the_library_quote(api: TestClient) -> None:
    """The JSON quote is build_quote() of the completed configuration, priced on the date."""
    r = api.post(f"{PUMP}/quote", json={**SEA, "number": "Q-1", "quantity": 2})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert "content-disposition" not in r.headers
    got = r.json()
    rs = cpq.load_ruleset("rulesets/pump")
    done = Configurator(rs).select("medium", "sea_water").complete()
    expected = build_quote(
        [QuoteItem(done, 2)],
        cpq.load_price_book("rulesets/pump/prices.yaml"),
        number="Q-1",
        customer="K-1001",
        pricing_date=date(2026, 3, 1),
        profile=load_quote_profile("rulesets/pump/quote.yaml"),
    )
    assert got["number"] == "Q-1"
    assert Decimal(got["totals"]["payable"]) == expected.totals.payable
    assert json.loads(expected.to_json())["positions"] == got["positions"]


@pytest.mark.parametrize(
    ("fmt", "media", "marker"),
    [
        ("html", "text/html; charset=utf-8", b"<html"),
        ("md", "text/markdown; charset=utf-8", b"# "),
        ("txt", "text/plain; charset=utf-8", b"CP-CAS-1.4517"),
        ("pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_documents_are_attachments(api: TestClient, fmt: str, media: str, marker: bytes) -> None:
    """html, md, txt and pdf come as attachments named after the quote number."""
    from cpq.server._app import pdf_available

    if fmt == "pdf" and not pdf_available():
        pytest.skip("WeasyPrint is not installed here")
    r = api.post(f"{PUMP}/quote?format={fmt}&locale=en_US", json=SEA)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Q-') and disposition.endswith(f'.{fmt}"')
    assert marker in r.content


def test_buyer_and_number_are_printed(api: TestClient) -> None:
    """The request's buyer replaces the profile's; markup in it is escaped."""
    body = {**SEA, "number": "Q-2026/7", "buyer": {"name": "Müller <b>& Söhne", "city": "Köln"}}
    r = api.post(f"{PUMP}/quote?format=html&locale=de_DE", json=body)
    assert r.status_code == 200, r.text
    assert "Müller &lt;b&gt;&amp; Söhne" in r.text and "Köln" in r.text
    assert r.headers["content-disposition"] == 'attachment; filename="Q-2026_7.html"'


def test_bad_quote_requests(api: TestClient) -> None:
    """Conflicts are 409, unknown formats and locales 422, unknown products 404."""
    conflict = {"selections": {"medium": "sea_water", "casing_material": "cast_iron"}}
    assert_problem(api.post(f"{PUMP}/quote", json=conflict), 409, "configuration-conflict")
    assert_problem(api.post(f"{PUMP}/quote?format=docx", json={}), 422, "invalid-request")
    assert_problem(api.post(f"{PUMP}/quote?locale=german", json={}), 422, "invalid-request")
    assert_problem(api.post(f"{PUMP}/quote?locale=xx_YY", json={}), 422, "invalid-request")
    html = api.post(f"{PUMP}/quote?format=html&locale=xx_YY", json={})
    assert_problem(html, 422, "invalid-request")
    assert_problem(api.post(f"{PUMP}/quote", json={"customer": "K-0"}), 422, "unknown-customer")
    assert_problem(api.post(f"{API}/products/x/quote", json={}), 404, "unknown-product")
    bad_buyer = {"buyer": {"city": "Köln"}}
    assert_problem(api.post(f"{PUMP}/quote", json=bad_buyer), 422, "invalid-request")


def test_pdf_without_the_extra_is_501(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WeasyPrint, pdf is not offered and asking for it answers 501 pdf-unavailable."""
    from cpq.server import _app

    monkeypatch.setattr(_app, "pdf_available", lambda: False)
    assert "pdf" not in api.get(f"{API}/products").json()["quote_formats"]
    body = assert_problem(api.post(f"{PUMP}/quote?format=pdf", json=SEA), 501, "pdf-unavailable")
    assert 'pip install "cpqkit[pdf]"' in str(body["detail"])


def test_missing_extra_from_the_renderer_is_501(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the renderer itself reports the missing extra, the answer is the same problem."""
    from cpq.errors import MissingExtraError
    from cpq.server import _app

    def no_pdf(*args: object, **kwargs: object) -> bytes:
        raise MissingExtraError("pdf", "PDF output")

    monkeypatch.setattr(_app, "pdf_available", lambda: True)
    monkeypatch.setattr(_app, "render_quote", no_pdf)
    assert_problem(api.post(f"{PUMP}/quote?format=pdf", json=SEA), 501, "pdf-unavailable")


def test_the_quote_profile_is_reloaded_and_checked(tmp_path: Path) -> None:
    """quote.yaml next to the product is used, reloaded on change, and a broken one is 503."""
    import os

    root = copy_rulesets(tmp_path, "pump")
    api = client(root)
    first = api.post(f"{PUMP}/quote", json=SEA).json()
    profile = root / "pump" / "quote.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "validity_days: 30" in text
    st = profile.stat()
    profile.write_text(text.replace("validity_days: 30", "validity_days: 10"), encoding="utf-8")
    os.utime(profile, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    second = api.post(f"{PUMP}/quote", json=SEA).json()
    assert second["valid_until"] != first["valid_until"]
    profile.write_text("cpq_quote: '1'\nseller: [\n", encoding="utf-8")
    os.utime(profile, ns=(st.st_atime_ns, st.st_mtime_ns + 9_000_000_000))
    assert_problem(api.post(f"{PUMP}/quote", json=SEA), 503, "product-unavailable")
    assert api.post(f"{PUMP}/check", json={}).status_code == 200
