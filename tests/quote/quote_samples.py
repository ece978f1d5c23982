"""A rich hand-built quote for the quote tests (fixtures in ``conftest.py``).

Every amount below is worked out by hand (and checked by ``test_fixture_adds_up``): a configured
pump (priced, discounted and included sub-positions), a book at 7 % VAT, screws priced per 100,
an optional and an alternative position, a text line, a 3 % project discount and a freight
charge, Skonto, Incoterms, an approval, long names and a buyer named like an XSS attack. The
``export`` variant is the same delivery to Switzerland: VAT category G (export), 0 %, with the
exemption reason.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

from cpq.quote.model import (
    Address,
    AllowanceCharge,
    Approval,
    Contact,
    DeliveryTerms,
    Feature,
    ItemTrace,
    Party,
    PaymentTerms,
    Position,
    Quote,
    Totals,
    VatBreakdown,
)

SCRIPT_BUYER = "<script>alert(1)</script> & Co"
LONG_NAME = (
    "Kreiselpumpe CP 80-200 in ATEX-Ausführung für Zone 1 mit Laufrad aus Duplex-Edelstahl "
    "und doppelt wirkender Gleitringdichtung"
)
DIGEST = "3f2a9c7d5e1b4a6f8c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b"

SELLER = Party(
    name="Pumpenwerk Beispiel GmbH",
    address=Address(street="Industriestraße 12", postcode="70565", city="Stuttgart",
                    country_code="DE"),
    contact=Contact(name="Jana Vogel", phone="+49 711 555 0100", email="vertrieb@pumpenwerk.example"),
    vat_id="DE123456789",
    tax_number="99/123/45678",
    registration="Amtsgericht Stuttgart HRB 723456",
    managing_directors=("Erika Mustermann", "Max Mustermann"),
    bank="Beispielbank Stuttgart, IBAN DE02 1234 5678 0000 1234 56, BIC BEISDESSXXX",
    website="www.pumpenwerk.example",
)  # fmt: skip


def _pos(
    id: str,
    kind: str,
    sku: str | None,
    name: str,
    qty: str,
    unit_price: str | None,
    line_net: str,
    vat: str,
    *,
    export: bool,
    **kw: object,
) -> Position:
    category, rate = ("G", D(0)) if export else ("S", D(vat))
    return Position(id=id, kind=kind, sku=sku, name=name, quantity=D(qty),
                    unit_price=None if unit_price is None else D(unit_price),
                    line_net=D(line_net), vat_category=category, vat_rate=rate,
                    **kw)  # type: ignore[arg-type]  # fmt: skip


def rich_quote(*, export: bool = False) -> Quote:
    """The fixture quote; ``export=True`` gives the tax-exempt export variant."""
    e = export
    pump = _pos("1", "product", "CP-80-200", LONG_NAME, "2", "4540.00", "9080.00", "19",
                export=e, description="Förderstrom 80 m³/h, Förderhöhe 50 m, Medium Seewasser",
                lead_time_days=42, source="product", features=(
                    Feature(name="Medium", value="Seewasser", attribute="medium"),
                    Feature(name="Motor", value="11 kW, Baugröße 160", attribute="motor"),
                    Feature(name="ATEX", value="✓", attribute="atex"),
                    Feature(name="Flansche | Norm", value="EN 1092-1 PN 16",
                            attribute="flanges")),
                children=(
        _pos("1.1", "item", "CP-BASE", "Pumpengehäuse CP 80-200, Duplex", "2", "3200.00",
             "6400.00", "19", export=e, source="product"),
        _pos("1.2", "item", "MOT-110", "Motor 11 kW IE3, Baugröße 160", "2", "1250.00",
             "2500.00", "19", export=e, source="attribute:motor", lead_time_days=42),
        _pos("1.3", "included", "SEAL-ATEX", "Gleitringdichtung ATEX (doppelt wirkend)", "2",
             None, "0.00", "19", export=e, source="bom:seal"),
        _pos("1.4", "item", "CABLE-M", "Anschlusskabel | geschirmt", "16", "11.25", "180.00",
             "19", export=e, unit="MTR", list_price=D("12.50"), discount_percent=D(10),
             source="bom:cable"),
    ))  # fmt: skip
    positions = (
        pump,
        _pos("2", "item", "BOOK-01", "Fachbuch *Pumpentechnik* (3. Auflage)", "3", "49.90",
             "149.70", "7", export=e),
        _pos("3", "item", "SCR-M8", "Schrauben M8x30 A4", "200", "18.00", "36.00", "19",
             export=e, price_unit=100),
        _pos("4", "item", "SP-KIT", "Ersatzteilpaket Wartung", "1", "480.00", "480.00", "19",
             export=e),
        _pos("5", "optional", "ACC-VS", "Vibrationssensor", "2", "310.00", "620.00", "19",
             export=e, in_total=False),
        _pos("6", "alternative", "MOT-150", "Motor 15 kW IE3 statt Pos. 1.2", "2", "1640.00",
             "3280.00", "19", export=e, in_total=False),
        Position(id="7", kind="text", name="Inbetriebnahme vor Ort wird nach Aufwand berechnet."),
    )  # fmt: skip
    if export:
        cat, rate19 = "G", D(0)
        vat = (
            VatBreakdown(
                category="G",
                rate=D(0),
                taxable_amount=D("9607.82"),
                tax_amount=D("0.00"),
                exemption_reason="Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a UStG)",
            ),
        )
        totals = Totals(
            line_net_total=D("9745.70"),
            allowance_total=D("287.88"),
            charge_total=D("150.00"),
            tax_exclusive=D("9607.82"),
            tax_total=D("0.00"),
            tax_inclusive=D("9607.82"),
            payable=D("9607.82"),
            optional_total=D("620.00"),
            alternative_total=D("3280.00"),
        )
        skonto = D("192.16")
        buyer = Party(
            name=SCRIPT_BUYER,
            id="K-2002",
            vat_id="CHE-123.456.789 MWST",
            address=Address(
                street="Seestrasse 5", postcode="8002", city="Zürich", country_code="CH"
            ),
        )
    else:
        cat, rate19 = "S", D(19)
        vat = (
            VatBreakdown(
                category="S", rate=D(19), taxable_amount=D("9458.12"), tax_amount=D("1797.04")
            ),
            VatBreakdown(
                category="S", rate=D(7), taxable_amount=D("149.70"), tax_amount=D("10.48")
            ),
        )
        totals = Totals(
            line_net_total=D("9745.70"),
            allowance_total=D("287.88"),
            charge_total=D("150.00"),
            tax_exclusive=D("9607.82"),
            tax_total=D("1807.52"),
            tax_inclusive=D("11415.34"),
            payable=D("11415.34"),
            optional_total=D("620.00"),
            alternative_total=D("3280.00"),
        )
        skonto = D("228.31")
        buyer = Party(
            name=SCRIPT_BUYER,
            id="K-1001",
            vat_id="DE987654321",
            contact=Contact(name="Herr Dr. Klaus Berger"),
            address=Address(
                street="Hafenstraße 1",
                additional="Tor 4",
                postcode="20457",
                city="Hamburg",
                country_code="DE",
            ),
        )
    return Quote(
        number="Q-2026-0042",
        revision=1,
        issue_date=date(2026, 3, 2),
        valid_until=date(2026, 4, 1),
        currency="EUR",
        seller=SELLER,
        buyer=buyer,
        buyer_reference="Anfrage 4711 vom 20.02.2026",
        subject="Kreiselpumpen für das Pumpwerk Nord",
        positions=positions,
        allowances_charges=(
            AllowanceCharge(charge=False, reason="Projektrabatt", percent=D(3),
                            base_amount=D("9596.00"), amount=D("287.88"), vat_category=cat,
                            vat_rate=rate19),
            AllowanceCharge(charge=True, reason="Fracht und Verpackung", amount=D("150.00"),
                            vat_category=cat, vat_rate=rate19),
        ),
        vat_breakdown=vat,
        totals=totals,
        payment_terms=PaymentTerms(due_days=30, cash_discount_percent=D(2),
                                   cash_discount_days=10, cash_discount_amount=skonto),
        delivery_terms=DeliveryTerms(incoterms="FCA", place="Stuttgart", lead_time_days=42,
                                     earliest_delivery=date(2026, 4, 13)),
        terms=(
            "Es gelten unsere Allgemeinen Verkaufsbedingungen (www.pumpenwerk.example/agb).",
            "Die Ware bleibt bis zur vollständigen Bezahlung unser Eigentum.",
        ),
        approvals=(
            Approval(rule="discount-over-10", level=2, position="1.4",
                     message="Rabatt über 10 % braucht die Freigabe der Vertriebsleitung"),
        ),
        price_book="pump-2026",
        price_book_digest="9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c",
        pricing_date=date(2026, 3, 2),
        customer=buyer.id,
        items=(
            ItemTrace(position="1", product="cp-pump", ruleset_digest=DIGEST,
                      configuration_id="CFG-7987E78A7B",
                      choices={"medium": "sea_water", "motor": "m110", "atex": True},
                      quantity=D(2)),
            ItemTrace(position="2", kind="item", quantity=D(3)),
        ),
    )  # fmt: skip


def assert_tables_are_rectangular(md: str) -> None:
    """Every row of every Markdown table has as many unescaped `|` as its header."""
    block: list[int] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            block.append(len(re.findall(r"(?<!\\)\|", line)))
        elif block:
            assert len(set(block)) == 1, block
            block = []
