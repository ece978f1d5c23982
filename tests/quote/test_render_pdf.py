"""PDF quotes: the text a real PDF tool extracts, the pages as images, the local-only URL
fetcher and the error without the ``pdf`` extra.

Needs WeasyPrint (the ``pdf`` extra, also in ``dev``) and poppler-utils (``pdftotext``,
``pdftoppm``; installed by ``.ci/run``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from quote_samples import rich_quote

from cpq.errors import MissingExtraError, QuoteRenderError
from cpq.quote import render_quote
from cpq.quote.model import Quote
from cpq.quote.render import TEMPLATES_DIR, local_url_fetcher

weasyprint = pytest.importorskip("weasyprint", reason="the pdf extra is not installed")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed",
)
FatalURLFetchingError = weasyprint.urls.FatalURLFetchingError


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The rich quote as PDF in both locales (rendered once for the module)."""
    out = {}
    folder = tmp_path_factory.mktemp("pdf")
    for locale in ("de_DE", "en_US"):
        data = render_quote(rich_quote(), "pdf", locale=locale)
        assert isinstance(data, bytes) and data.startswith(b"%PDF-")
        out[locale] = folder / f"quote-{locale}.pdf"
        out[locale].write_bytes(data)
    return out


def pdf_text(path: Path) -> str:
    run = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return re.sub(r"[\s\xa0\u202f]+", " ", run.stdout)


TOTALS = {
    "de_DE": ["9.745,70 €", "-287,88 €", "150,00 €", "9.607,82 €", "1.797,04 €", "10,48 €",
              "11.415,34 €", "228,31 €", "Seite 1 von 2", "Seite 2 von 2",
              "ENTWURF – Freigabe erforderlich", "Gesamtbetrag brutto"],
    "en_US": ["€9,745.70", "-€287.88", "€150.00", "€9,607.82", "€1,797.04", "€10.48",
              "€11,415.34", "€228.31", "Page 1 of 2", "Page 2 of 2",
              "DRAFT – needs approval", "Total gross"],
}  # fmt: skip


@needs_poppler
@pytest.mark.parametrize("locale", ["de_DE", "en_US"])
def test_pdf_text_has_number_positions_and_totals(pdfs: dict[str, Path], locale: str) -> None:
    """pdftotext finds the quote number, every position's number and SKU, and the totals."""
    text = pdf_text(pdfs[locale])
    assert "Q-2026-0042 Rev. 1" in text
    for p in rich_quote().all_positions():
        assert re.search(rf"(?<![\d.,]){re.escape(p.id)}(?![\d,]|\.\d)", text), p.id
        if p.sku:
            assert p.sku in text, p.sku
    missing = [s for s in TOTALS[locale] if s not in text]
    assert not missing
    assert "<script>alert(1)</script> & Co" in text  # printed as text, never run


@needs_poppler
def test_pdf_pages_render_as_images(pdfs: dict[str, Path], tmp_path: Path) -> None:
    """pdftoppm renders every page; each page has ink on it (not blank)."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(pdfs["de_DE"]), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    for page in pages:
        with Image.open(page) as img:
            darkest, _ = img.convert("L").getextrema()
            assert darkest < 80
            assert img.size[1] > img.size[0]  # portrait A4


def test_fetcher_serves_template_files_and_data_urls(tmp_path: Path) -> None:
    """Files inside the template folders and data: URLs are served."""
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    fetcher = local_url_fetcher([tmp_path, TEMPLATES_DIR])
    assert b"<svg" in fetcher.fetch((tmp_path / "logo.svg").as_uri()).read()
    assert b"{% extends" in fetcher.fetch((TEMPLATES_DIR / "quote.html").as_uri()).read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/logo.png",
        "http://127.0.0.1:9/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://otherhost/share/logo.png",
        (TEMPLATES_DIR / ".." / "render.py").as_uri(),
        TEMPLATES_DIR.as_uri() + "/../model.py",
        TEMPLATES_DIR.as_uri() + "/%2e%2e/model.py",
    ],
)
def test_fetcher_refuses_everything_else(url: str) -> None:
    """Remote URLs and files outside the template folders (also via ..) are refused."""
    fetcher = local_url_fetcher([TEMPLATES_DIR])
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(url)
    assert fetcher.refused and url in fetcher.refused[0]


def test_fetcher_refuses_symlinks_out_of_the_folder(tmp_path: Path) -> None:
    """A symbolic link inside the user folder that points outside it is refused."""
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "link.txt").symlink_to(outside)
    fetcher = local_url_fetcher([folder])
    with pytest.raises(FatalURLFetchingError, match="outside the template directories"):
        fetcher.fetch((folder / "link.txt").as_uri())


@pytest.mark.parametrize(
    ("tag", "url"),
    [
        ('<img src="{}">', "http://127.0.0.1:9/logo.png"),
        ('<link rel="stylesheet" href="{}">', "file:///etc/passwd"),
        ('<img src="{}">', "../secret.png"),
    ],
)
def test_pdf_with_a_forbidden_asset_fails_clearly(
    quote: Quote, tmp_path: Path, tag: str, url: str
) -> None:
    """A user template asking for a remote or outside file stops the PDF, naming the URL."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(b"x")
    (folder / "quote.html").write_text(
        '{% extends "cpq/quote.html" %}{% block letterhead %}' + tag.format(url) + "{% endblock %}"
    )
    with pytest.raises(QuoteRenderError, match="may not load") as err:
        render_quote(quote, "pdf", template_dir=folder)
    assert url.lstrip("./") in str(err.value)


@needs_poppler
def test_pdf_with_a_local_asset_renders(quote: Quote, tmp_path: Path) -> None:
    """An image next to the user template is loaded (relative URL, base is the user folder):
    its pure green shows up on the rendered page."""
    from PIL import Image

    (tmp_path / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='80' height='40'>"
        "<rect width='80' height='40' fill='#00ff00'/></svg>"
    )
    (tmp_path / "quote.html").write_text(
        '{% extends "cpq/quote.html" %}{% block letterhead %}<img src="logo.svg">'
        "{{ super() }}{% endblock %}"
    )
    data = render_quote(quote, "pdf", template_dir=tmp_path)
    assert isinstance(data, bytes)
    (tmp_path / "q.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(tmp_path / "q.pdf"),
         str(tmp_path / "p")],
        check=True,
        timeout=60,
    )  # fmt: skip
    with Image.open(next(tmp_path.glob("p*.png"))) as img:
        colors = img.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert any(g > 200 and r < 60 and b < 60 for _, (r, g, b) in colors)


def test_missing_extra(quote: Quote, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WeasyPrint, pdf raises MissingExtraError naming the extra; html still works."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingExtraError, match=r"cpqkit\[pdf\]") as err:
        render_quote(quote, "pdf")
    assert err.value.extra == "pdf"
    assert isinstance(render_quote(quote, "html"), str)


def test_missing_pango(quote: Quote, monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint installed but its system library missing: a QuoteRenderError with the fix."""
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kw: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(QuoteRenderError, match=r"apt-get install libpango-1\.0-0"):
        render_quote(quote, "pdf")
