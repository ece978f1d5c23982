"""End-to-end test of the guided-selling page in a real headless Chromium.

The real server (``cpq.server.create_app`` under uvicorn, on a free loopback port) serves the
shipped ``rulesets/``; Playwright drives Debian's ``/usr/bin/chromium`` (Playwright's own browser
downloads are never used). Screenshots go to ``tests/artifacts/`` (git-ignored) so a person can
look at them. The whole module skips, with the reason, only when Chromium is not installed.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Locator, Page, expect, sync_playwright

from cpq.server import ServerSettings, create_app

ROOT = Path(__file__).resolve().parents[2]
RULESETS = ROOT / "rulesets"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # generous: two shared cores in CI; a passing run takes ~25 s in all
expect.set_options(timeout=TIMEOUT_MS)

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)",
        allow_module_level=True,
    )


# -- the real server on a free loopback port ----------------------------------------------------


class LiveServer:
    """uvicorn serving ``create_app(ServerSettings(rulesets))`` in a thread."""

    def __init__(self, rulesets: Path) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(ServerSettings(str(rulesets), rescan_interval=0.2))
        config = uvicorn.Config(app, log_level="warning", ws="none", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the cpq server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.load(resp)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(RULESETS) as live:
        yield live


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    page.close()


def shot(page: Page, name: str, target: Locator | None = None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if target is None:
        page.screenshot(path=str(path), full_page=False)
    else:
        target.screenshot(path=str(path))
    return path


# -- page helpers ---------------------------------------------------------------------------------


def updates(page: Page) -> int:
    return int(page.evaluate("document.body.dataset.updates || '0'"))


def settle(page: Page, before: int) -> None:
    """Wait until the page has finished the update started after ``before`` updates."""
    page.wait_for_function(
        "n => Number(document.body.dataset.updates || 0) > n "
        "&& !document.body.classList.contains('busy')",
        arg=before,
    )


def act(page: Page, action: Any) -> None:
    before = updates(page)
    action()
    settle(page, before)


def open_pump(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    settle(page, 0)
    # pick the product by clicking, as a buyer would
    act(
        page,
        lambda: page.get_by_label("Product", exact=True).select_option(label="Centrifugal pump CP"),
    )
    expect(page.get_by_role("heading", name="Centrifugal pump CP")).to_be_visible()


def option(page: Page, group: str, label: str) -> Locator:
    """The radio button or checkbox ``label`` in the fieldset labelled ``group``."""
    return page.get_by_role("group", name=group, exact=True).get_by_label(label, exact=True)


def attr(page: Page, attribute: str) -> Locator:
    return page.locator(f'[data-attr="{attribute}"]')


def description(page: Page, control: Locator) -> str:
    """The text of the elements the control's aria-describedby points to."""
    ids = (control.get_attribute("aria-describedby") or "").split()
    assert ids, "the control has no aria-describedby"
    return " ".join(page.locator(f"#{i}").inner_text() for i in ids)


def no_errors(page: Page) -> None:
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    expect(page.locator("#error")).to_be_hidden()


# -- the buyer's path -----------------------------------------------------------------------------


def test_configure_the_pump_by_clicking(page: Page, server: LiveServer) -> None:
    open_pump(page, server)
    expect(page.locator("#status")).to_have_attribute("data-status", "valid")
    casing = option(page, "Casing material", "Grey cast iron EN-GJL-250")
    expect(casing).to_be_checked()  # the default
    expect(attr(page, "casing_material").locator(".prov")).to_have_text("Default")
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-labelledby') && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []  # every control has a label

    # sea water: the iron and 1.4408 casings are excluded, with the reason as visible text
    act(page, lambda: option(page, "Pumped medium", "Sea water").click())
    expect(option(page, "Pumped medium", "Sea water")).to_be_checked()
    expect(attr(page, "medium").locator(".prov")).to_have_text("Your choice")
    expect(casing).to_be_disabled()
    why = description(page, casing)
    assert "Not available because of your choice “Pumped medium: Sea water”" in why
    assert "the casing needs PREN 34 or more" in why
    reason = (
        attr(page, "casing_material")
        .locator(".opt")
        .filter(has_text="Grey cast iron EN-GJL-250")
        .locator(".why")
    )
    expect(reason).to_be_visible()
    duplex = option(page, "Casing material", "Duplex stainless 1.4517 (CD4MCuN)")
    expect(duplex).to_be_checked()
    assert "Required because of your choice “Pumped medium: Sea water”" in description(page, duplex)
    expect(attr(page, "casing_material").locator(".prov")).to_have_text("Set by your choices")
    expect(page.locator("#status")).to_have_attribute("data-status", "incomplete")
    expect(page.locator("#missing")).to_contain_text("Impeller material")
    expect(page.locator("#announce")).to_contain_text("Pumped medium: Sea water chosen.")
    shot(page, "desktop-excluded-casing", attr(page, "casing_material"))

    # 0 °C with sea water: a conflict; the explain endpoint's repairs are offered
    temperature = page.get_by_label("Medium temperature (°C)")
    expect(attr(page, "temperature_c").locator(".hint")).to_have_text("Possible now: 1 to 140 °C.")
    temperature.fill("0")
    act(page, lambda: temperature.press("Enter"))
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("data-status", "invalid")
    expect(page.locator("#conflict-text")).to_contain_text("Water freezes near 0 °C")
    expect(attr(page, "temperature_c").locator(".attr-conflict")).to_be_visible()
    expect(page.get_by_role("button", name="Take back: Pumped medium: Sea water")).to_be_visible()
    expect(page.get_by_role("button", name="Complete for me")).to_be_disabled()
    shot(page, "desktop-conflict", page.locator("#status-panel"))
    act(page, lambda: page.get_by_role("button", name="Set Medium temperature to 1 °C").click())
    expect(conflict).to_be_hidden()
    expect(temperature).to_have_value("1")
    expect(option(page, "Pumped medium", "Sea water")).to_be_checked()
    expect(page.locator("#status")).to_have_attribute("data-status", "incomplete")

    # complete for me: the open impeller gets a value, marked as completed
    act(page, lambda: page.get_by_role("button", name="Complete for me").click())
    expect(page.locator("#status")).to_have_attribute("data-status", "valid")
    impeller = attr(page, "impeller_material")
    expect(impeller.locator(".prov")).to_have_text("Completed for you")
    expect(impeller.locator("input:checked")).to_have_count(1)
    expect(page.locator("#announce")).to_contain_text("Completed for you: Impeller material:")

    # a customer: the page shows exactly what the price endpoint answered
    with page.expect_response(re.compile(r"/api/v1/products/cp-pump/price$")) as answer:
        act(page, lambda: page.get_by_label("Customer", exact=True).select_option("K-1001"))
    priced = answer.value.json()
    assert priced["customer"] == "K-1001"
    assert priced["lines"] and priced["gross"]
    expect(page.locator("#gross")).to_have_text(money(priced["gross"], priced["currency"]))
    expect(page.locator("#net")).to_have_text(money(priced["net"], priced["currency"]))
    expect(page.locator("#vat")).to_have_text(money(priced["vat"], priced["currency"]))
    expect(page.locator("#lines tbody tr")).to_have_count(len(priced["lines"]))
    expect(page.locator("#price-note")).to_contain_text("Stadtwerke Nord")
    expect(page.locator("#lines")).to_contain_text("CP-CAS-1.4517")  # the duplex casing
    shot(page, "desktop-configured")
    no_errors(page)


def money(amount: str, currency: str) -> str:
    whole, _, frac = amount.partition(".")
    return f"{int(whole):,}.{frac} {currency}" if frac else f"{int(whole):,} {currency}"


def test_download_a_quote(page: Page, server: LiveServer) -> None:
    formats = server.get_json("/api/v1/products").get("quote_formats", [])
    paths = server.get_json("/openapi.json")["paths"]
    # the server has the quote endpoint and renders HTML: a missing one is a failure, not a skip
    assert "/api/v1/products/{product}/quote" in paths
    assert "html" in formats, formats
    open_pump(page, server)
    act(page, lambda: option(page, "Pumped medium", "Sea water").click())
    act(page, lambda: page.get_by_label("Customer", exact=True).select_option("K-1001"))
    pdf = page.get_by_role("button", name="Download quote (PDF)")
    expect(pdf).to_have_count(1 if "pdf" in formats else 0)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download quote (HTML)").click()
    download = info.value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert "Centrifugal pump CP" in html
    assert "CP-CAS-1.4517" in html  # sea water: the duplex casing is on the quote
    assert download.suggested_filename.endswith(".html")
    if "pdf" in formats:
        with page.expect_download() as info:
            pdf.click()
        saved_pdf = ARTIFACTS / info.value.suggested_filename
        info.value.save_as(saved_pdf)
        assert saved_pdf.suffix == ".pdf"
        assert saved_pdf.read_bytes().startswith(b"%PDF-")
    no_errors(page)
    page.goto(saved.as_uri())  # how the buyer's quote looks
    shot(page, "quote-html")


def test_phone_width(page: Page, server: LiveServer) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    open_pump(page, server)
    act(page, lambda: option(page, "Pumped medium", "Sea water").click())
    act(page, lambda: page.get_by_label("Customer", exact=True).select_option("K-1001"))
    expect(page.locator("#gross")).to_be_visible()
    # the gross price stays in sight at the bottom of a small screen
    peek = page.get_by_role("link", name=re.compile(r"^Gross .* EUR: see the price$"))
    expect(peek).to_be_in_viewport()
    # nothing is wider than the screen: no sideways scrolling of the page
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert max(widths[:2]) <= widths[2] == 375, widths
    # every control is inside the screen and big enough to touch
    for control in ("#product", "#customer", "#complete", "[data-attr=motor] select"):
        box = page.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, control
        assert box["height"] >= 36, (control, box)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-top")
    shot(page, "phone-casing", attr(page, "casing_material"))
    page.locator("#price-panel").scroll_into_view_if_needed()
    shot(page, "phone-price", page.locator("#price-panel"))
    no_errors(page)


def test_keyboard_only(page: Page, server: LiveServer) -> None:
    open_pump(page, server)
    page.locator("body").focus()

    def tab_to(predicate: str, limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"(() => {{ const e = document.activeElement; return {predicate}; }})()"
            ):
                return
        raise AssertionError(f"Tab never reached an element with {predicate}")

    # the radio group of the medium: Tab reaches its checked value, arrows move, Space selects
    tab_to("e.name && e.closest('[data-attr=medium]') !== null")
    focused = page.evaluate("document.activeElement.labels[0].textContent")
    assert focused == "Clean water"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    act(page, lambda: page.keyboard.press("ArrowDown"))  # moves to and selects the next value
    expect(option(page, "Pumped medium", "Water/glycol (up to 40 % glycol)")).to_be_checked()
    expect(option(page, "Pumped medium", "Water/glycol (up to 40 % glycol)")).to_be_focused()
    expect(attr(page, "medium").locator(".prov")).to_have_text("Your choice")
    expect(page.locator("#announce")).to_contain_text(
        "Pumped medium: Water/glycol (up to 40 % glycol) chosen."
    )

    # a checkbox: Tab to it, Space ticks it
    tab_to(
        "e.type === 'checkbox' && e.labels.length && e.labels[0].textContent.startsWith('Spacer coupling')"
    )
    act(page, lambda: page.keyboard.press("Space"))
    spacer = option(page, "Accessories", "Spacer coupling (back pull-out without moving the motor)")
    expect(spacer).to_be_checked()
    expect(spacer).to_be_focused()
    expect(attr(page, "accessories").locator(".prov")).to_have_text("Your choice")
    shot(page, "keyboard-focus", attr(page, "accessories"))

    # a switch: Space turns it on
    tab_to("e.getAttribute('role') === 'switch' && e.closest('[data-attr=export_packing]')")
    act(page, lambda: page.keyboard.press("Space"))
    expect(
        page.get_by_role("switch", name="Seaworthy export packing (wooden crate, VCI foil)")
    ).to_be_checked()

    # Shift+Tab back up to "Start over" and press Enter: every choice is gone
    for _ in range(200):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.id") == "reset":
            break
    act(page, lambda: page.keyboard.press("Enter"))
    expect(option(page, "Pumped medium", "Clean water")).to_be_checked()
    expect(spacer).not_to_be_checked()
    no_errors(page)


def test_ticking_a_selectable_box_keeps_the_defaults_soft(page: Page, server: LiveServer) -> None:
    """Ticking a selectable value of a multi attribute never makes a conflict: the page sends
    only the members the buyer decided, so a default member that does not fit gives way."""
    page.goto(server.url + "/?product=rx-server")
    settle(page, 0)
    default = option(page, "Network adapters", "OCP 3.0, 2 x 25 GbE SFP28")
    expect(default).to_be_checked()
    expect(
        attr(page, "nics").locator(".opt").filter(has_text="OCP 3.0, 2 x 25 GbE").locator(".why")
    ).to_have_text("Default")
    ticked = option(page, "Network adapters", "OCP 3.0, 4 x 1 GbE RJ45")
    expect(ticked).to_be_enabled()
    act(page, ticked.click)
    expect(page.locator("#conflict")).to_be_hidden()
    expect(page.locator("#status")).to_have_attribute("data-status", "valid")
    expect(ticked).to_be_checked()
    expect(default).not_to_be_checked()  # one OCP slot: the default gave way
    expect(default).to_be_disabled()
    no_errors(page)


def test_clicking_only_what_is_offered_never_conflicts(page: Page, server: LiveServer) -> None:
    """Walk the pump top to bottom, clicking in each attribute the first value that is offered
    (enabled and not chosen yet): the page only offers values that extend to a valid
    configuration, so no click conflicts, and the server never answers with an error."""
    open_pump(page, server)
    clicked = 0
    groups = page.locator("fieldset.attr, .attr-bool")
    for i in range(groups.count()):
        offered = groups.nth(i).locator("input:not(:checked):not(:disabled)")
        if offered.count() == 0:
            continue
        act(page, offered.first.click)
        clicked += 1
        name = groups.nth(i).get_attribute("data-attr")
        assert page.locator("#conflict").is_hidden(), (name, page.inner_text("#conflict"))
        expect(page.locator("#status")).not_to_have_attribute("data-status", "invalid")
    assert clicked >= 15
    act(page, page.get_by_role("button", name="Complete for me").click)
    expect(page.locator("#status")).to_have_attribute("data-status", "valid")
    no_errors(page)


def test_server_problem_shown_in_plain_language(page: Page, tmp_path: Path) -> None:
    """A product file broken while the page is open: the problem details are shown, then the
    page recovers when the file is fixed."""
    root = tmp_path / "rulesets"
    shutil.copytree(RULESETS / "_lib", root / "_lib")
    shutil.copytree(RULESETS / "pump", root / "pump")
    product = root / "pump" / "product.yaml"
    good = product.read_text(encoding="utf-8")
    with LiveServer(root) as live:
        page.goto(live.url + "/")
        settle(page, 0)
        expect(page.locator("#status")).to_have_attribute("data-status", "valid")
        product.write_text(good.replace("type: choice", "type: choices", 1), encoding="utf-8")
        glycol = option(page, "Pumped medium", "Water/glycol (up to 40 % glycol)")
        act(page, glycol.click)
        error = page.get_by_role("alert")
        expect(error).to_be_visible()
        expect(error).to_contain_text("do not load at the moment")
        expect(error).to_contain_text("Error code: product-unavailable")
        expect(error).not_to_contain_text("Traceback")
        expect(glycol).not_to_be_checked()  # not applied: the last answered state is shown
        shot(page, "problem-details", error)
        product.write_text(good, encoding="utf-8")
        act(page, lambda: option(page, "Pumped medium", "Sea water").click())
        expect(page.locator("#error")).to_be_hidden()
        expect(option(page, "Pumped medium", "Sea water")).to_be_checked()
