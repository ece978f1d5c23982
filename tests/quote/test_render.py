"""render_quote: shipped templates against reviewed snapshots, locale formats, escaping, the
sandbox, strict undefined values, user template folders and plain-language errors.

Snapshots live in ``tests/quote/snapshots/``; after a deliberate template change, regenerate
them with ``CPQ_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/quote/test_render.py`` and
review the diff before committing.
"""

from __future__ import annotations

import difflib
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from quote_samples import SCRIPT_BUYER, assert_tables_are_rectangular, rich_quote

from cpq.errors import QuoteRenderError
from cpq.quote import render_quote
from cpq.quote._format import escape_markdown, format_money, format_qty
from cpq.quote.model import Quote
from cpq.quote.render import _environment

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("CPQ_UPDATE_SNAPSHOTS") == "1"
LOCALES = ("de_DE", "en_US")
TEXT_FORMATS = ("html", "md", "txt")


def check_snapshot(name: str, text: str) -> None:
    """``text`` equals the reviewed snapshot ``name`` (or rewrites it with CPQ_UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path}: run with CPQ_UPDATE_SNAPSHOTS=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), "snapshot", "rendered", n=2
            )
        )
        pytest.fail(f"{name} differs from its snapshot:\n{diff[:4000]}")


def render(quote: Quote, fmt: str, locale: str = "de_DE", **kw: object) -> str:
    out = render_quote(quote, fmt, locale=locale, **kw)  # type: ignore[arg-type]
    assert isinstance(out, str)
    return out


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_shipped_templates_match_snapshots(quote: Quote, fmt: str, locale: str) -> None:
    """Each shipped template renders the rich quote exactly as reviewed, in both locales."""
    check_snapshot(f"quote.{locale}.{fmt}", render(quote, fmt, locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_export_variant_matches_snapshot(export_quote: Quote, locale: str) -> None:
    """The tax-exempt export quote (0 %, exemption reason) as reviewed."""
    check_snapshot(f"quote-export.{locale}.txt", render(export_quote, "txt", locale))


def test_json_is_the_saved_form(quote: Quote) -> None:
    """json is quote.to_json(), loads back equal, and is the snapshot the docs use."""
    text = render(quote, "json")
    assert text == quote.to_json()
    assert Quote.from_json(text) == quote
    check_snapshot("quote.json", text)


def test_amounts_per_locale() -> None:
    """1.234,56 € in German, €1,234.56 in US English; unit prices keep their extra digits."""
    assert format_money(Decimal("1234.56"), "EUR", "de_DE") == "1.234,56\xa0€"
    assert format_money(Decimal("1234.56"), "EUR", "en_US") == "€1,234.56"
    assert format_money(Decimal("82.9350"), "EUR", "de_DE") == "82,935\xa0€"
    assert format_money(Decimal("20"), "EUR", "en_US") == "€20.00"
    assert format_money(Decimal("10.00"), "EUR", "de_DE", negative=True) == "-10,00\xa0€"


def test_money_refuses_floats() -> None:
    """A float amount is a bug upstream: the filter refuses it instead of printing it."""
    with pytest.raises(TypeError, match="float"):
        format_money(1234.56, "EUR", "de_DE")
    with pytest.raises(TypeError, match="Decimal"):
        format_money("12", "EUR", "de_DE")


def test_units() -> None:
    """UN/ECE codes print as localized short units; unknown codes print as they are."""
    assert format_qty(Decimal(16), "MTR", "de_DE") == "16 m"
    assert format_qty(Decimal("2.5"), "MTK", "de_DE") == "2,5 m²"
    assert format_qty(Decimal(3), "KWT", "en_US") == "3 kW"
    assert format_qty(Decimal(1), "H87", "en_US") == "1 pc"
    assert format_qty(Decimal(2), "C62", "en_US") == "2 pcs"
    assert format_qty(Decimal(2), "C62", "de_DE") == "2 Stk."
    assert format_qty(Decimal(4), "HUR", "de_DE") == "4 Std."
    assert format_qty(Decimal(2), "XYZ", "fr_FR") == "2 XYZ"


GERMAN = [
    "Angebot Q-2026-0042 Rev. 1",
    "ENTWURF – Freigabe erforderlich",
    "inkl.",
    "Optionale Position",
    "Alternativposition",
    "nicht in der Summe enthalten",
    "abzüglich Projektrabatt",
    "zuzüglich Fracht und Verpackung",
    "-287,88\xa0€",
    "Gesamtbetrag netto",
    "9.607,82\xa0€",
    "USt. 19\xa0% auf 9.458,12\xa0€",
    "1.797,04\xa0€",
    "USt. 7\xa0% auf 149,70\xa0€",
    "10,48\xa0€",
    "11.415,34\xa0€",
    "Skonto (228,31\xa0€)",
    "Zahlbar innerhalb von 30 Tagen netto.",
    "FCA Stuttgart Incoterms® 2020",
    "Lieferzeit ca. 42 Tage",
    "13.04.2026",
    "gültig bis zum 01.04.2026",
    "Produkt cp-pump, Konfiguration CFG-7987E78A7B",
    "3f2a9c7d5e1b",
    "je 100 Stk.",
    "Amtsgericht Stuttgart HRB 723456",
    "DE123456789",
    "Erika Mustermann, Max Mustermann",
    "IBAN DE02 1234 5678 0000 1234 56",
]
ENGLISH = [
    "Quotation Q-2026-0042 Rev. 1",
    "DRAFT – needs approval",
    "incl.",
    "Optional item",
    "Alternative item",
    "not in total",
    "less Projektrabatt",
    "-€287.88",
    "Total net",
    "€9,607.82",
    "VAT 19% on €9,458.12",
    "€11,415.34",
    "cash discount (€228.31)",
    "FCA Stuttgart Incoterms® 2020",
    "Apr 13, 2026",
    "valid until Apr 1, 2026",
    "per 100 pcs",
]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize(("locale", "expected"), [("de_DE", GERMAN), ("en_US", ENGLISH)])
def test_every_format_has_the_whole_quote(
    quote: Quote, fmt: str, locale: str, expected: list[str]
) -> None:
    """Each format shows header, markers, totals per rate, terms and references, per locale."""
    text = render(quote, fmt, locale)
    flowing = re.sub(r"[ \n]+", " ", text)  # the text format wraps long sentences
    missing = [s for s in expected if s not in flowing]
    assert not missing
    for p in quote.all_positions():
        assert re.search(rf"(?<![\d.]){re.escape(p.id)}(?![\d.]\d)", text), p.id
        if p.sku:
            assert p.sku in text


def test_export_variant_shows_the_exemption(export_quote: Quote) -> None:
    """An export quote prints 0 % VAT with its exemption reason, gross equal to net."""
    for fmt in TEXT_FORMATS:
        text = render(export_quote, fmt)
        assert "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a UStG)" in text
        assert "USt. 0\xa0% auf 9.607,82\xa0€" in text
        assert "Skonto (192,16\xa0€)" in text


def test_no_draft_marker_without_approvals(quote: Quote) -> None:
    """The DRAFT marker appears exactly when the quote needs approvals."""
    plain = quote.model_copy(update={"approvals": ()})
    for fmt in TEXT_FORMATS:
        assert "ENTWURF" in render(quote, fmt)
        assert "ENTWURF" not in render(plain, fmt)
        assert "DRAFT" not in render(plain, fmt, "en_US")


def test_script_buyer_is_escaped_in_html(quote: Quote) -> None:
    """The buyer `<script>alert(1)</script> & Co` prints as text in HTML, never as a tag."""
    html = render(quote, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<script" not in html.lower()
    assert SCRIPT_BUYER not in html


def test_markdown_escapes_user_text(quote: Quote) -> None:
    """In Markdown the buyer cannot inject HTML and a `|` in a name does not split a cell."""
    md = render(quote, "md")
    assert r"\<script\>alert(1)\</script\> & Co" in md
    assert not re.search(r"(?<!\\)<(?!br>)", md)
    assert r"Anschlusskabel \| geschirmt" in md
    assert r"Fachbuch \*Pumpentechnik\*" in md
    assert_tables_are_rectangular(md)


def test_escape_markdown() -> None:
    """Active characters get a backslash, line breaks become spaces, list starts are escaped."""
    assert escape_markdown("a|b") == r"a\|b"
    assert escape_markdown("x\n\ny") == "x y"
    assert escape_markdown("x\u2028y\x0cz\r\nw") == "x y z w"
    assert escape_markdown("- item") == r"\- item"
    assert escape_markdown("1. item") == r"1\. item"
    assert escape_markdown("[link](http://x)") == r"\[link\](http://x)"
    assert escape_markdown("-€10.00") == "-€10.00"


def test_text_columns_line_up(quote: Quote) -> None:
    """In the text quote every priced line ends at column 89, long names wrap in their column."""
    for locale in LOCALES:
        lines = render(quote, "txt", locale).splitlines()
        priced = [ln for ln in lines if re.match(r"^ *\d+(\.\d+)* +\S", ln) and "€" in ln]
        assert len(priced) == 9
        assert {len(ln) for ln in priced} == {89}
        start = next(i for i, ln in enumerate(lines) if ln.startswith("1       Kreiselpumpe"))
        assert lines[start + 1].startswith(" " * 8 + "ATEX-Ausführung")
        assert all(len(ln) <= 89 for ln in lines)


def test_locale_other_than_de_and_en_uses_english_texts_and_own_formats(quote: Quote) -> None:
    """fr_FR: English texts, French numbers and dates."""
    text = render(quote, "txt", "fr_FR")
    assert "Quotation Q-2026-0042" in text
    assert "11\u202f415,34\xa0€" in text
    assert "1 avr. 2026" in text


def test_default_locale_is_the_quotes_language(quote: Quote) -> None:
    """Without a locale the quote's own language is used."""
    english = quote.model_copy(update={"language": "en_US"})
    assert render_quote(english, "txt").startswith("Quotation")  # type: ignore[union-attr]
    assert render_quote(quote, "txt").startswith("Angebot")  # type: ignore[union-attr]


def test_unknown_format_and_locale(quote: Quote) -> None:
    """Plain-language errors for a format or locale cpq does not know."""
    with pytest.raises(QuoteRenderError, match=r"unknown format 'docx': choose one of html"):
        render_quote(quote, "docx")
    with pytest.raises(QuoteRenderError, match=r"unknown locale 'xx_YY'.*de_DE"):
        render_quote(quote, "html", locale="xx_YY")
    with pytest.raises(QuoteRenderError, match="does not exist"):
        render_quote(quote, "html", template_dir="no/such/folder")


def test_one_environment_per_locale_folder_and_sandbox(quote: Quote) -> None:
    """Environments are cached per (locale, template folder, sandbox)."""
    render(quote, "txt")
    assert _environment("de_DE", None, False) is _environment("de_DE", None, False)
    assert _environment("de_DE", None, False) is not _environment("en_US", None, False)
    assert _environment("de_DE", None, False) is not _environment("de_DE", None, True)


# --- user templates ---------------------------------------------------------------------------


def test_user_folder_overrides_by_name(quote: Quote, tmp_path: Path) -> None:
    """A quote.txt in the user folder replaces the shipped one; other formats stay shipped."""
    (tmp_path / "quote.txt").write_text("CUSTOM {{ quote.number }} {{ texts.quote }}\n")
    assert render(quote, "txt", template_dir=tmp_path) == "CUSTOM Q-2026-0042 Angebot\n"
    assert render(quote, "md", template_dir=tmp_path) == render(quote, "md")


def test_user_base_is_used_by_shipped_quote_html(quote: Quote, tmp_path: Path) -> None:
    """A user base.html frames the shipped quote.html blocks (inheritance by name)."""
    (tmp_path / "base.html").write_text(
        "<main>{% block positions %}{% endblock %}{% block totals %}{% endblock %}</main>\n"
    )
    html = render(quote, "html", template_dir=tmp_path)
    assert html.startswith('<main><table class="positions">')
    assert "@page" not in html and "Gesamtbetrag netto" in html


def test_user_template_extends_shipped_quote(quote: Quote, tmp_path: Path) -> None:
    """A user quote.html extends the shipped one as cpq/quote.html and replaces one block."""
    (tmp_path / "quote.html").write_text(
        '{% extends "cpq/quote.html" %}{% block intro %}<h1>Hallo {{ quote.buyer.name }}</h1>'
        "{% endblock %}"
    )
    html = render(quote, "html", template_dir=tmp_path)
    assert "<h1>Hallo &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</h1>" in html
    assert "@page" in html and "Gesamtbetrag netto" in html
    assert "Sehr geehrte Damen und Herren" not in html


def test_strict_undefined_catches_a_typo(quote: Quote, tmp_path: Path) -> None:
    """A misspelt field fails with the template's name and line instead of printing nothing."""
    (tmp_path / "quote.txt").write_text("{{ quote.number }}\n{{ quote.numbr }}\n")
    for sandboxed in (True, False):
        with pytest.raises(QuoteRenderError) as err:
            render_quote(quote, "txt", template_dir=tmp_path, sandboxed=sandboxed)
        assert "template quote.txt, line 2: undefined value" in str(err.value)
        assert "numbr" in str(err.value)


def test_syntax_error_names_template_and_line(quote: Quote, tmp_path: Path) -> None:
    """A syntax error in a user template reports file and line."""
    (tmp_path / "quote.md").write_text("# {{ quote.number }}\n\n{% if %}\n")
    with pytest.raises(QuoteRenderError, match=r"template quote\.md, line 3: syntax error"):
        render_quote(quote, "md", template_dir=tmp_path)


def test_filter_error_in_user_template(quote: Quote, tmp_path: Path) -> None:
    """A float given to money fails as a QuoteRenderError that says why."""
    (tmp_path / "quote.txt").write_text("ok\n{{ 1234.5 | money('EUR') }}\n")
    with pytest.raises(QuoteRenderError, match=r"quote\.txt, line 2: TypeError: .*float"):
        render_quote(quote, "txt", template_dir=tmp_path)


ESCAPES = [
    "{{ quote.__class__.__mro__ }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ quote.__dict__ }}",
    "{{ texts.__slots__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ texts.units.update({'C62': 'x'}) }}",
    "{{ quote.terms.__len__() }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 10 ** 1000000 }}",
    "{{ 2 ** 100 ** 100 ** 100 }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_blocks_python_internals(quote: Quote, tmp_path: Path, source: str) -> None:
    """A user template cannot reach Python internals, mutate data or build huge values."""
    (tmp_path / "quote.txt").write_text(f"line one\n{source}\n")
    with pytest.raises(QuoteRenderError, match=r"quote\.txt, line 2: not allowed in the sandbox"):
        render_quote(quote, "txt", template_dir=tmp_path)


def test_templates_cannot_include_files_outside_the_folders(quote: Quote, tmp_path: Path) -> None:
    """`..` and absolute names do not leave the template folders."""
    (tmp_path / "secret.txt").write_text("secret")
    folder = tmp_path / "tpl"
    folder.mkdir()
    for name in ("../secret.txt", str(tmp_path / "secret.txt")):
        (folder / "quote.txt").write_text(f'{{% include "{name}" %}}')
        with pytest.raises(QuoteRenderError, match="template not found"):
            render_quote(quote, "txt", template_dir=folder)


def test_sandbox_is_what_blocks(quote: Quote, tmp_path: Path) -> None:
    """The same template renders without the sandbox (so the test above can fail)."""
    (tmp_path / "quote.txt").write_text("{{ quote.__class__.__name__ }}")
    assert render(quote, "txt", template_dir=tmp_path, sandboxed=False) == "Quote"


def test_shipped_templates_render_in_the_sandbox(quote: Quote) -> None:
    """The shipped templates need nothing the sandbox forbids."""
    for fmt in TEXT_FORMATS:
        assert render(quote, fmt, sandboxed=True) == render(quote, fmt)


def test_fixture_adds_up() -> None:
    """The hand-built fixture is consistent (its totals are the sum of its positions)."""
    for q in (rich_quote(), rich_quote(export=True)):
        counted = [p for p in q.positions if p.in_total]
        assert q.totals.line_net_total == sum((p.line_net for p in counted), Decimal(0))
        for p in q.positions:
            if p.children:
                assert p.line_net == sum((c.line_net for c in p.children), Decimal(0))
        for kind in ("optional", "alternative"):
            net = sum((p.line_net for p in q.positions if p.kind == kind), Decimal(0))
            assert getattr(q.totals, f"{kind}_total") == net
        net = q.totals.line_net_total - q.totals.allowance_total + q.totals.charge_total
        assert net == q.totals.tax_exclusive
        assert sum((v.taxable_amount for v in q.vat_breakdown), Decimal(0)) == net
        assert q.totals.tax_total == sum((v.tax_amount for v in q.vat_breakdown), Decimal(0))
        assert q.totals.tax_inclusive == net + q.totals.tax_total == q.totals.payable
