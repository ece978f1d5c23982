"""Products are cached, reloaded when their files change, and read only from the folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from server_helpers import API, assert_problem, client, copy_rulesets

from cpq.server._registry import ProductRegistry, ProductUnavailable, UnknownProduct

PUMP = f"{API}/products/cp-pump"


def touch_later(path: Path, text: str) -> None:
    """Rewrite a file so that its mtime surely differs from before."""
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_the_same_product_object_is_served_until_a_file_changes(tmp_path: Path) -> None:
    """Lookups return the cached product; a change to its file loads it again."""
    root = copy_rulesets(tmp_path, "pump")
    reg = ProductRegistry(root)
    first = reg.get("cp-pump")
    assert reg.get("cp-pump") is first
    product = root / "pump" / "product.yaml"
    touch_later(product, product.read_text(encoding="utf-8").replace(
        "name: Centrifugal pump CP", "name: Centrifugal pump CP2"))  # fmt: skip
    second = reg.get("cp-pump")
    assert second is not first and second.version > first.version
    assert second.ruleset.product.name == "Centrifugal pump CP2"


def test_the_api_answers_from_the_changed_ruleset(tmp_path: Path) -> None:
    """Editing a ruleset, its price book or an included library changes the next answer."""
    root = copy_rulesets(tmp_path, "pump", "server")
    api = client(root)
    before = api.get(PUMP).json()
    assert before["name"] == "Centrifugal pump CP"
    product = root / "pump" / "product.yaml"
    text = product.read_text(encoding="utf-8")
    touch_later(product, text.replace("label: Sea water", "label: Salt water", 1))
    labels = {v["id"]: v["label"] for a in api.get(PUMP).json()["attributes"]
              if a["id"] == "medium" for v in a["values"]}  # fmt: skip
    assert labels["sea_water"] == "Salt water"
    # the price book
    prices = root / "pump" / "prices.yaml"
    ptext = prices.read_text(encoding="utf-8")
    touch_later(prices, ptext.replace("{name: Stadtwerke Nord}", "{name: Stadtwerke Nord AG}", 1))
    names = {c["id"]: c["name"] for c in api.get(f"{PUMP}/customers").json()["customers"]}
    assert names["K-1001"] == "Stadtwerke Nord AG"
    # an included library (rulesets/_lib/it_service.yaml, used by the server product)
    srv = f"{API}/products/rx-server"
    lib = root / "_lib" / "it_service.yaml"
    old = api.get(srv).json()
    touch_later(lib, lib.read_text(encoding="utf-8") + "\n# edited\n")
    assert api.get(srv).json() == old  # same content, but loaded again without error


def test_a_product_broken_by_an_edit_is_503_until_fixed(tmp_path: Path) -> None:
    """A file edited into a broken state answers 503 product-unavailable with the issues."""
    root = copy_rulesets(tmp_path, "pump")
    api = client(root)
    product = root / "pump" / "product.yaml"
    good = product.read_text(encoding="utf-8")
    touch_later(product, good + "\nrules: [oops\n")
    body = assert_problem(api.post(f"{PUMP}/check", json={}), 503, "product-unavailable")
    issue = body["problems"][0]  # type: ignore[index]
    assert issue["code"] and issue["file"] == "pump/product.yaml", issue
    touch_later(product, good)
    assert api.post(f"{PUMP}/check", json={}).status_code == 200


def test_new_products_are_found_and_removed_ones_forgotten(tmp_path: Path) -> None:
    """The folder is searched again (at most every rescan_interval seconds)."""
    import shutil

    from server_helpers import RULESETS

    root = copy_rulesets(tmp_path, "pump")
    reg = ProductRegistry(root, rescan_interval=0)
    assert reg.ids() == ["cp-pump"]
    shutil.copytree(RULESETS / "drive", root / "drive")
    assert reg.get("vd-drive").ruleset.product.id == "vd-drive"
    shutil.rmtree(root / "drive")
    with pytest.raises(UnknownProduct):
        reg.get("vd-drive")


def test_concurrent_lookups_load_a_changed_product_once(tmp_path: Path) -> None:
    """Many threads asking at once after a change all get the same new object."""
    root = copy_rulesets(tmp_path, "pump")
    reg = ProductRegistry(root)
    first = reg.get("cp-pump")
    product = root / "pump" / "product.yaml"
    touch_later(product, product.read_text(encoding="utf-8") + "\n")
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(reg.get("cp-pump"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in got}) == 1 and got[0] is not first


@pytest.mark.parametrize(
    "product",
    [
        "..",
        "../pump",
        "..%2Fpump",
        "%2e%2e",
        "pump",
        "rulesets",
        "product.yaml",
        "%2Fetc%2Fpasswd",
        "..%5C..%5Cwindows",
        "cp-pump%00",
    ],
)
def test_path_traversal_attempts_are_unknown_products(product: str) -> None:
    """Product ids are looked up, never used as paths: traversal attempts find nothing."""
    api = client()
    for path in (f"{API}/products/{product}", f"{API}/products/{product}/customers"):
        r = api.get(path)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["code"] in ("unknown-product", "not-found")
    r = api.post(f"{API}/products/{product}/check", json={})
    assert r.status_code == 404


def test_products_outside_the_folder_are_not_served(tmp_path: Path) -> None:
    """A symlink to a product elsewhere, or an include leaving the folder, is skipped."""
    outside = copy_rulesets(tmp_path / "outside", "pump")
    root = tmp_path / "served"
    root.mkdir()
    (root / "linked").symlink_to(outside / "pump", target_is_directory=True)
    (root / "link.yaml").symlink_to(outside / "pump" / "product.yaml")
    escaping = root / "escaping"
    escaping.mkdir()
    text = (outside / "pump" / "product.yaml").read_text(encoding="utf-8")
    lib = outside / "_lib" / "motors.yaml"
    (escaping / "product.yaml").write_text(
        text.replace("  - ../_lib/motors.yaml", f"  - {lib}", 1), encoding="utf-8"
    )
    import cpq

    assert cpq.load_ruleset(escaping).product.id == "cp-pump"  # it loads, but reads outside
    reg = ProductRegistry(root)
    assert reg.ids() == []
    with pytest.raises(UnknownProduct):
        reg.get("cp-pump")


def test_a_ruleset_that_stops_loading_raises_product_unavailable(tmp_path: Path) -> None:
    root = copy_rulesets(tmp_path, "pump")
    reg = ProductRegistry(root)
    reg.get("cp-pump")
    touch_later(root / "pump" / "prices.yaml", "cpq_prices: '1'\nprice_book: [\n")
    with pytest.raises(ProductUnavailable) as err:
        reg.get("cp-pump")
    assert err.value.issues


def test_a_search_does_not_read_unchanged_files_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searching the folder again (health checks list products often) reads only changed files."""
    from cpq.server import _registry

    root = copy_rulesets(tmp_path, "pump")
    reg = ProductRegistry(root, rescan_interval=0)
    calls: list[Path] = []
    real = _registry.load_ruleset

    def counting(path: Path) -> object:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(_registry, "load_ruleset", counting)
    reg._scan()
    assert calls == []
    product = root / "pump" / "product.yaml"
    touch_later(product, product.read_text(encoding="utf-8") + "\n")
    reg._scan()
    assert calls == [product]
