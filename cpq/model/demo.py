"""A tiny pump ruleset for examples, doctests and quick experiments.

It has one attribute of each type, a rule of each kind, a numeric rule over a decimal property,
an included library and two derived bill-of-materials items.

Example:
    >>> rs = demo_ruleset()
    >>> sorted(rs.attributes)
    ['accessories', 'atex', 'flow_m3h', 'material', 'medium', 'motor']
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from cpq.ruleset.model import Ruleset

__all__ = ["DEMO_LIBRARY", "DEMO_PRODUCT", "demo_ruleset"]

DEMO_LIBRARY = """\
cpq: "1"
library: {id: motors}
attributes:
  motor:
    type: choice
    values:
      m55:  {label: "5.5 kW", sku: MOT-055, properties: {power_kw: 5.5, frame: 132}}
      m110: {label: "11 kW",  sku: MOT-110, properties: {power_kw: 11, frame: 160}}
"""

DEMO_PRODUCT = """\
cpq: "1"
product: {id: cp-pump, name: Centrifugal pump CP, sku: CP-BASE}
include: [lib.yaml]
attributes:
  medium:
    type: choice
    values:
      water: {label: Water}
      sea_water: {label: Sea water}
      solvent: {label: Solvent (flammable)}
  flow_m3h: {type: int, range: [5, 400], unit: m3/h}
  material: {type: choice, values: {cast_iron: {}, stainless: {}, duplex: {}}, default: cast_iron}
  atex: {type: bool, default: false}
  accessories:
    type: multi
    values:
      flange_kit: {sku: ACC-FL, properties: {slots: 1}}
      vibration_sensor: {sku: ACC-VS, properties: {slots: 2}}
rules:
  - id: sea-water-needs-duplex
    when: medium == 'sea_water'
    require: material == 'duplex'
    message: Sea water corrodes cast iron and stainless steel; choose duplex.
  - id: motor-sizing
    require: motor.power_kw * 20 >= flow_m3h
  - id: atex-no-sensor
    exclude: [atex, "'vibration_sensor' in accessories"]
  - id: slots
    require: sum(accessories.slots) <= 3
  - id: motor-material
    table:
      columns: [motor, material]
      allow: [[m55, cast_iron], [m55, [stainless, duplex]], [m110, "*"]]
bom:
  - {sku: SEAL-KIT-ATEX, qty: 1, when: atex}
  - {sku: CABLE-M, qty: "flow_m3h // 50 + 2"}
"""

_lock = threading.Lock()
_cached: Ruleset | None = None


def demo_ruleset() -> Ruleset:
    """The demo ruleset (loaded once from a temporary folder, then shared).

    Example:
        >>> demo_ruleset().product.id
        'cp-pump'
    """
    global _cached
    with _lock:
        if _cached is None:
            from cpq.ruleset.resolve import load_ruleset

            with tempfile.TemporaryDirectory(prefix="cpq-demo-") as tmp:
                folder = Path(tmp)
                (folder / "lib.yaml").write_text(DEMO_LIBRARY, encoding="utf-8")
                (folder / "product.yaml").write_text(DEMO_PRODUCT, encoding="utf-8")
                _cached = load_ruleset(folder)
        return _cached
