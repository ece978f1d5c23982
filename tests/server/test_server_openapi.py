"""The OpenAPI document: shipped as docs/openapi.json, and fuzzed with schemathesis.

The schemathesis run generates requests from the served document for every operation (a
bounded number of examples each, against the shipped products) and checks that no answer is a
5xx, that every status code and content type is documented, and that every body matches its
schema. A second, hypothesis-driven run sends *valid* selections built from each product's
attribute schema, which random data almost never hits, through every configurator endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from server_helpers import API, ROOT, client

from cpq.server import ServerSettings, create_app, openapi_document
from cpq.server._models import CompleteOut, ConfigurationOut, ExplainOut, OptionsOut, PriceOut

SHIPPED = ROOT / "docs" / "openapi.json"
APP = create_app(ServerSettings(str(ROOT / "rulesets"), time_limit=5.0))
PRODUCTS = ["cp-pump", "vd-drive", "rx-server"]

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def rejects_negative_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-violating requests are rejected with a 4xx; 413 (body over the server's limit,
    which schemathesis does not count as a rejection) is a rejection too."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)  # type: ignore[no-any-return]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    rejects_negative_data,
]


def test_shipped_document_equals_the_served_one() -> None:
    """docs/openapi.json is what the server serves (regenerate: see openapi_document)."""
    served = client().get("/openapi.json").json()
    assert served == openapi_document()
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == served, (
        "docs/openapi.json is out of date: write it again with cpq.server.openapi_document()"
    )


def test_the_document_describes_problems_and_models() -> None:
    """Errors are documented as problem+json; the answers have precise schemas."""
    doc = openapi_document()
    op = doc["paths"][f"{API}/products/{{product}}/options"]["post"]
    assert set(op["responses"]) >= {"200", "400", "404", "413", "422", "500"}
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OptionsOut"
    }
    assert doc["components"]["schemas"]["OptionsOut"]["additionalProperties"] is False


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_finds_no_server_error_and_no_schema_violation(case: Any) -> None:
    """Generated requests (valid and invalid) never get a 5xx or an undocumented answer."""
    if "product" in (case.path_parameters or {}):
        # a real product for most examples, so the requests reach the configurator
        pick = sum(map(ord, json.dumps(case.body, sort_keys=True, default=str))) % 4
        if pick < 3:
            case.path_parameters["product"] = PRODUCTS[pick]
    case.call_and_validate(checks=CHECKS)


# -- valid selections, built from each product's schema ------------------------------------------


def _selections(product: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    per_attr: dict[str, st.SearchStrategy[Any]] = {}
    for a in product["attributes"]:
        ids = [v["id"] for v in a["values"]]
        if a["type"] == "choice":
            per_attr[a["id"]] = st.sampled_from(ids)
        elif a["type"] == "multi":
            per_attr[a["id"]] = st.lists(st.sampled_from(ids), unique=True, max_size=3)
        elif a["type"] == "bool":
            per_attr[a["id"]] = st.booleans()
        else:
            lo, hi = a["range"]
            per_attr[a["id"]] = st.integers(lo, hi)
    return st.fixed_dictionaries({}, optional=per_attr).map(lambda d: dict(list(d.items())[:4]))


API_CLIENT = client(time_limit=5.0)
SCHEMAS = {p: API_CLIENT.get(f"{API}/products/{p}").json() for p in PRODUCTS}
MODELS = {
    "options": OptionsOut,
    "check": ConfigurationOut,
    "complete": CompleteOut,
    "explain": ExplainOut,
    "price": PriceOut,
}


@pytest.mark.parametrize("product", PRODUCTS)
def test_valid_selections_get_answers_that_match_the_models(product: str) -> None:
    """Schema-valid selections of a real product: every endpoint answers 200 (or 409 for
    pricing a conflict) with a body that validates against its response model."""

    @settings(max_examples=8, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(sel=_selections(SCHEMAS[product]), path=st.sampled_from(sorted(MODELS)))
    def run(sel: dict[str, Any], path: str) -> None:
        r = API_CLIENT.post(f"{API}/products/{product}/{path}", json={"selections": sel})
        if path == "price" and r.status_code == 409:
            assert r.json()["code"] == "configuration-conflict"
            return
        assert r.status_code == 200, (path, sel, r.text)
        MODELS[path].model_validate(r.json())

    run()
