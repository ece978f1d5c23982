"""Configure a centrifugal pump for sea water, complete it, and price it for a contract customer.

Run from the repository root: ``python examples/configure_and_price_pump.py``.
"""

from __future__ import annotations

from datetime import date

import cpq


def main() -> None:
    ruleset = cpq.load_ruleset("rulesets/pump")
    cfg = cpq.Configurator(ruleset)
    cfg.select("medium", "sea_water")

    # Guided selling: what is still possible after this choice, and why not the rest.
    view = cfg.options()
    casing = view["casing_material"]
    for value in casing.values:
        reason = f"  because {value.reason.text}" if value.reason else ""
        print(f"casing {value.value!s:<14} {value.state}{reason}")

    done = cfg.complete()
    assert done.status == "valid", done
    bom = cpq.bill_of_materials(ruleset, done.values)
    print(f"\nbill of materials: {len(bom)} lines")
    for line in bom:
        print(f"  {line.quantity:>4} x {line.sku:<16} {line.label}")

    book = cpq.load_price_book("rulesets/pump")
    priced = cpq.price(bom, book, customer="K-1001", on=date(2026, 3, 1))
    print(f"\nnet {priced.net} {priced.currency}, gross {priced.gross} {priced.currency}")
    assert priced.net > 0
    assert priced.gross >= priced.net


if __name__ == "__main__":
    main()
