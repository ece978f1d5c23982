"""Quote profiles (format errors with locations, lint against the price book) and requote
(what changed in a saved quote when rules or prices change)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cpq
from cpq.cli import app
from cpq.errors import QuoteProfileError
from cpq.lint import lint_paths
from cpq.pricing import parse_price_book
from cpq.quote import (
    Quote,
    QuoteItem,
    build_quote,
    load_quote_profile,
    parse_quote_profile,
    requote,
)
from cpq.quote.profile import lint_quote_profile, pick_text

ON = date(2026, 3, 2)
D = Decimal


def codes(err: QuoteProfileError) -> list[tuple[str, int]]:
    return [(i.code, i.location.line if i.location else 0) for i in err.issues]


def test_profile_errors_have_locations_and_hints() -> None:
    text = (
        'cpq_quote: "1"\n'
        "seller: {name: S, vta_id: DE1}\n"
        "validity_days: thirty\n"
        "delivery_terms: {incoterms: FOO, place: X}\n"
        "adjustments:\n"
        "  - {kind: charge, reason: Freight, amount: 10, percent: 2}\n"
        "  - {kind: charge, reason: Freight, amount: 1.5e400}\n"
    )
    with pytest.raises(QuoteProfileError) as exc:
        parse_quote_profile(text, "q.yaml")
    found = codes(exc.value)
    assert ("unknown-field", 2) in found
    assert ("wrong-type", 3) in found
    assert ("invalid-value", 4) in found
    assert ("invalid-value", 6) in found
    assert len(found) >= 5
    assert "did you mean 'vat_id'" in str(exc.value)
    assert all(str(i).startswith("q.yaml:") for i in exc.value.issues)


def test_profile_not_a_profile_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuoteProfileError) as exc:
        load_quote_profile("rulesets/pump/prices.yaml")
    assert codes(exc.value)[0] == ("not-a-quote-profile", 1)
    with pytest.raises(QuoteProfileError) as exc:
        load_quote_profile(tmp_path)
    assert exc.value.issues[0].code == "file-not-found"
    with pytest.raises(QuoteProfileError) as exc:
        parse_quote_profile("cpq_quote: [unclosed\n")
    assert exc.value.issues[0].code == "yaml-syntax"


def test_lint_checks_customers_and_vat_against_the_book(tmp_path: Path) -> None:
    shutil.copy("rulesets/pump/prices.yaml", tmp_path / "prices.yaml")
    (tmp_path / "quote.yaml").write_text(
        'cpq_quote: "1"\nseller: {name: S}\n'
        "adjustments:\n  - {kind: charge, reason: Freight, amount: 10, vat: S}\n"
        "customers:\n  K-1010: {vat_id: DE2}\n  K-1001: {vat_id: DE3}\n"
    )
    issues = lint_quote_profile(tmp_path / "quote.yaml")
    assert [(i.code, i.location.line) for i in issues if i.location] == [
        ("unknown-vat-category", 4),
        ("unknown-customer", 6),
    ]
    assert "did you mean 'K-1001'" in str(issues[1])
    report = lint_paths([tmp_path])
    assert {i.code for i in report.errors} == {"unknown-vat-category", "unknown-customer"}
    assert lint_quote_profile("rulesets/pump/quote.yaml") == []


def test_pick_text() -> None:
    assert pick_text({"de": "A", "en": "B"}, "de_DE") == "A"
    assert pick_text({"de": "A", "en": "B"}, "fr_FR") == "B"
    assert pick_text({"de": "A"}, "en_US") == "A"
    assert pick_text({"de_CH": "C", "de": "A"}, "de_CH") == "C"
    assert pick_text(None, "de") is None


# ------------------------------------------------------------------------------------------
# requote


@pytest.fixture()
def world(tmp_path: Path) -> Path:
    """A private copy of the shipped rulesets to change rules and prices in."""
    shutil.copytree("rulesets", tmp_path / "rulesets")
    return tmp_path / "rulesets"


def saved_quote(world: Path) -> Quote:
    rs = cpq.load_ruleset(world / "pump")
    book = cpq.load_price_book(world / "pump")
    cfg = cpq.Configurator(rs).select("medium", "sea_water").complete()
    q = build_quote(
        [QuoteItem(cfg, 2), QuoteItem("CP-FLUID-53A-5L", 3)],
        book,
        number="Q-7",
        customer="K-1001",
        on=ON,
        profile=load_quote_profile(world / "pump"),
    )
    return Quote.from_json(q.to_json())


def test_requote_unchanged(world: Path) -> None:
    q = saved_quote(world)
    report = requote(q, cpq.load_ruleset(world / "pump"), cpq.load_price_book(world / "pump"))
    assert not report.changed and report.valid and not report.price_book_changed
    assert report.after == report.before
    assert report.after_quote is not None
    assert report.after_quote.model_dump(exclude={"items"}) == q.model_dump(exclude={"items"})
    assert str(report) == "Q-7: unchanged (rules and prices as quoted)"


def test_requote_reports_price_changes_per_line(world: Path) -> None:
    q = saved_quote(world)
    prices = world / "pump" / "prices.yaml"
    prices.write_text(
        prices.read_text().replace(
            "{sku: CP-BASE, price: 1690.00, net_only: true}",
            "{sku: CP-BASE, price: 1720.00, net_only: true}",
        )
    )
    report = requote(q, cpq.load_ruleset(world / "pump"), cpq.load_price_book(prices))
    assert report.changed and report.valid and report.price_book_changed
    item = report.items[0]
    assert item.status == "changed" and report.items[1].status == "unchanged"
    (line,) = item.lines
    assert (line.position, line.sku, line.change) == ("1.1", "CP-BASE", "price")
    assert (line.unit_price_before, line.unit_price_after, line.delta) == (
        D("1690.00"),
        D("1720.00"),
        D("60.00"),  # two pumps
    )
    assert report.after is not None
    assert report.after.line_net_total - report.before.line_net_total == D("60.00")
    assert "1.1 CP-BASE" in str(report) and "(+60.00)" in str(report)
    # the saved quote is untouched
    assert q.totals == report.before
    data = report.to_dict()
    assert data["items"][0]["lines"][0]["delta"] == "60.00"
    json.dumps(data)


def test_requote_reports_broken_rules_and_removed_values(world: Path) -> None:
    q = saved_quote(world)
    product = world / "pump" / "product.yaml"
    text = product.read_text()
    product.write_text(text + "\n# edited since the quote\n")  # the ruleset file changed
    values = dict(q.items[0].values)
    broken = q.items[0].model_copy(update={"values": {**values, "casing_material": "cast_iron"}})
    q2 = q.model_copy(update={"items": (broken, *q.items[1:])})
    report = requote(q2, cpq.load_ruleset(world / "pump"), cpq.load_price_book(world / "pump"))
    assert not report.valid and report.changed and report.after is None
    assert report.items[0].status == "invalid"
    assert any("sea-water-duplex-casing" in p for p in report.items[0].problems)
    assert report.items[0].ruleset_changed
    gone = q.items[0].model_copy(update={"values": {**values, "flange": "pn99", "color": "red"}})
    report = requote(
        q.model_copy(update={"items": (gone, *q.items[1:])}),
        cpq.load_ruleset(world / "pump"),
        cpq.load_price_book(world / "pump"),
    )
    problems = " | ".join(report.items[0].problems)
    assert "'pn99' is not a value of 'flange'" in problems
    assert "the attribute 'color' no longer exists" in problems
    other = requote(q, [], cpq.load_price_book(world / "pump"))
    assert other.items[0].status == "unknown-product"


def test_requote_cli(world: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "q.json"
    res = runner.invoke(
        app,
        [
            "quote",
            str(world / "pump"),
            "--set",
            "medium=sea_water",
            "--customer",
            "K-1001",
            "--date",
            "2026-03-02",
            "--add",
            "CP-FLUID-53A-5L=2",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    saved = Quote.from_json(out.read_text())
    assert saved.number.startswith("Q-20260302-") and len(saved.positions) == 2
    args = ["requote", str(out), "-r", str(world / "pump"), "--prices", str(world / "pump")]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "unchanged" in res.output
    prices = world / "pump" / "prices.yaml"
    prices.write_text(prices.read_text().replace("price: 1690.00", "price: 1700.00"))
    res = runner.invoke(app, [*args, "--json", "-o", str(tmp_path / "new.json")])
    assert res.exit_code == 1, res.output
    assert json.loads(res.output)["changed"] is True
    assert Quote.from_json((tmp_path / "new.json").read_text()).totals != saved.totals
    assert out.read_text() == saved.to_json()  # not touched
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    res = runner.invoke(
        app, ["requote", str(bad), "-r", str(world / "pump"), "--prices", str(prices)]
    )
    assert res.exit_code == 2 and "not a valid cpq quote" in res.output
    res = runner.invoke(app, ["requote", str(out)])
    assert res.exit_code == 2 and "--ruleset" in res.output


def test_quote_cli_errors(world: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    pump = str(world / "pump")
    res = runner.invoke(
        app, ["quote", pump, "--date", "2026-13-01", "-o", str(tmp_path / "q.json")]
    )
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    res = runner.invoke(app, ["quote", pump, "-f", "pdf"])
    assert res.exit_code == 2 and "-o quote.pdf" in res.output
    res = runner.invoke(app, ["quote", pump, "-f", "docx"])
    assert res.exit_code == 2 and "html, pdf, md, txt, json" in res.output
    res = runner.invoke(app, ["quote", pump, "--customer", "K-0000", "-f", "json"])
    assert res.exit_code == 2 and "K-0000" in res.output
    res = runner.invoke(
        app,
        [
            "quote",
            pump,
            "--set",
            "medium=sea_water",
            "--set",
            "casing_material=cast_iron",
            "-f",
            "json",
        ],
    )
    assert res.exit_code == 1 and "cannot be completed" in res.output


def test_quote_cli_configuration_file(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("medium: sea_water\nflow_m3h: 120\ncertificates: [cert_31]\n")
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "quote",
            "rulesets/pump",
            "--config",
            str(cfg),
            "--set",
            "flow_m3h=80",
            "-f",
            "json",
            "--date",
            "2026-03-02",
        ],
    )
    assert res.exit_code == 0, res.output
    saved = Quote.from_json(res.stdout)
    assert saved.items[0].choices == {
        "medium": "sea_water",
        "flow_m3h": 80,  # the command line wins over the file
        "certificates": ["cert_31"],
    }
    cfg.write_text("medium: sea_waterr\n")
    res = runner.invoke(app, ["quote", "rulesets/pump", "--config", str(cfg), "-f", "json"])
    assert res.exit_code == 2 and "did you mean 'sea_water'" in res.output
    cfg.write_text("- medium\n")
    res = runner.invoke(app, ["quote", "rulesets/pump", "--config", str(cfg), "-f", "json"])
    assert res.exit_code == 2 and "mapping of attribute: value" in res.output


def test_requote_reports_lead_time_vat_and_rules_changes(world: Path) -> None:
    rs = cpq.load_ruleset(world / "pump")
    book = cpq.load_price_book(world / "pump")
    cfg = cpq.Configurator(rs).select("medium", "sea_water").complete()
    q = build_quote(
        QuoteItem(cfg, 1, name="Pumpe für Becken 3"), book, number="Q-8", customer="K-1001",
        on=ON, profile=load_quote_profile(world / "pump"),
    )  # fmt: skip
    saved = Quote.from_json(q.to_json())
    product = world / "pump" / "product.yaml"
    text = product.read_text()
    assert "lead_time_days: 42" in text
    product.write_text(text.replace("lead_time_days: 42", "lead_time_days: 60"))
    prices = world / "pump" / "prices.yaml"
    ptext = prices.read_text()
    prices.write_text(
        ptext.replace("CP-DOC-31: {name:", "CP-DOC-31: {vat: reduced, name:").replace(
            "    standard: {code: S, rate: 19}",
            "    standard: {code: S, rate: 19}\n    reduced: {code: S, rate: 7}",
        )
    )
    report = requote(saved, cpq.load_ruleset(world / "pump"), cpq.load_price_book(prices))
    assert report.changed and report.valid
    assert report.messages == ("earliest delivery 2026-04-13 -> 2026-05-01 (lead times changed)",)
    (line,) = report.items[0].lines
    assert (line.sku, line.change, line.vat_before, line.vat_after) == (
        "CP-DOC-31", "vat", "S 19 %", "S 7 %",
    )  # fmt: skip
    text_report = str(report)
    assert "the rules changed since the quote was made: cp-pump" in text_report
    assert "earliest delivery" in text_report and "VAT S 19 % -> S 7 %" in text_report
    after = report.after_quote
    assert after is not None and after.revision == 1 and after.display_number == "Q-8 Rev. 1"
    assert after.positions[0].name == "Pumpe für Becken 3"
    assert after.items[0].choices == {"medium": "sea_water"}
    assert after.delivery_terms is not None and after.delivery_terms.lead_time_days == 60


def test_requote_compares_lines_sharing_a_sku(tmp_path: Path) -> None:
    (tmp_path / "product.yaml").write_text(
        'cpq: "1"\nproduct: {id: kit, name: Kit, sku: KIT}\n'
        "attributes:\n"
        "  extras: {type: multi, values: {a: {sku: CLIP}, b: {sku: CLIP}, c: {sku: NUT}}}\n"
    )
    rs = cpq.load_ruleset(tmp_path / "product.yaml")
    book = parse_price_book(
        'cpq_prices: "1"\nprice_book: {id: kit, currency: EUR}\n'
        "vat: {default: s, categories: {s: {code: S, rate: 19}}}\n"
        "price_lists: {list: {kind: list, prices: {KIT: 100.00, CLIP: 10.00, NUT: 1.00}}}\n"
    )
    cfg = cpq.Configurator(rs).set("extras", ["a", "b"]).complete()
    saved = Quote.from_json(build_quote(cfg, book, number="Q", on=ON).to_json())
    assert [c.sku for c in saved.positions[0].children] == ["KIT", "CLIP", "CLIP"]
    assert not requote(saved, rs, book).changed
    (tmp_path / "product.yaml").write_text(
        (tmp_path / "product.yaml").read_text().replace("b: {sku: CLIP}", "b: {}")
    )
    report = requote(saved, cpq.load_ruleset(tmp_path / "product.yaml"), book)
    (line,) = report.items[0].lines
    assert (line.position, line.sku, line.change, line.delta) == ("1.3", "CLIP", "removed", D(-10))


def test_requote_refuses_unusable_saved_quotes(world: Path) -> None:
    q = saved_quote(world)
    rs, book = cpq.load_ruleset(world / "pump"), cpq.load_price_book(world / "pump")
    from cpq.errors import QuoteError

    with pytest.raises(QuoteError, match="no positions"):
        requote(q.model_copy(update={"items": ()}), rs, book)
    text_item = q.items[1].model_copy(update={"kind": "text"})
    with pytest.raises(QuoteError, match="kind 'text'"):
        requote(q.model_copy(update={"items": (q.items[0], text_item)}), rs, book)
