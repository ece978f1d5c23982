"""UVL import: the exact rules of each construct, names, attributes and malformed models."""

from __future__ import annotations

from pathlib import Path

import pytest
from importers_brute import load

from cpq.errors import ImportFormatError
from cpq.importers import ImportedModel, parse_uvl, read_uvl

DATA = Path(__file__).parent / "data"


def rules(model: ImportedModel) -> list[tuple[str, str | None, str | None]]:
    return [(r.id, r.when, r.require) for r in model.rules if r.table is None]


def errors(path: Path | str, text: str | None = None) -> list[tuple[str, int, int, str]]:
    with pytest.raises(ImportFormatError) as info:
        if text is None:
            read_uvl(path)
        else:
            parse_uvl(text, str(path))
    out = []
    for i in info.value.issues:
        assert i.location is not None
        out.append((i.code, i.location.line, i.location.column, i.message))
    return out


def test_car_model() -> None:
    """Features are bool attributes, an alternative group under an always-selected parent is a
    choice without 'none', and cross-tree constraints keep the feature names."""
    m = read_uvl(DATA / "car.uvl")
    assert [(a.name, a.type) for a in m.attributes] == [
        ("Car", "bool"),
        ("Engine", "bool"),
        ("Engine_choice", "choice"),
        ("Towbar", "bool"),
        ("Sunroof", "bool"),
    ]
    assert [v.id for v in m.attributes[2].values] == ["Diesel", "Petrol", "Electric"]
    assert rules(m) == [
        ("root", None, "Car"),
        ("mandatory-Engine", None, "Engine"),
        ("ctc-1", "Towbar", "Engine_choice == 'Diesel' or Engine_choice == 'Petrol'"),
        ("ctc-2", None, "not (Sunroof and Engine_choice == 'Electric')"),
    ]
    assert m.product_id == "Car"  # the namespace
    assert m.rules[2].description == "UVL line 16: Towbar => Diesel | Petrol"
    assert m.stats["features"] == 7


def test_every_group_kind() -> None:
    """mandatory, optional, or, alternative and [n..m] under root and optional parents."""
    m = read_uvl(DATA / "groups.uvl")
    assert rules(m) == [
        ("root", None, "Shop"),
        ("mandatory-Catalogue", None, "Catalogue"),
        ("parent-Card", "Card", "Payment"),
        ("parent-Cash", "Cash", "Payment"),
        ("parent-Bank_transfer", "Bank_transfer", "Payment"),
        ("or-Payment", "Payment", "Card or Cash or Bank_transfer"),
        ("parent-Delivery_choice", "Delivery_choice != 'none'", "Delivery"),
        ("alternative-Delivery_choice", "Delivery", "Delivery_choice != 'none'"),
        ("parent-Express", "Express", "Delivery_choice == 'Courier'"),
        ("parent-Tracked", "Tracked", "Delivery_choice == 'Courier'"),
        ("parent-Insured", "Insured", "Delivery_choice == 'Courier'"),
        ("parent-Extras_choice", "Extras_choice != 'none'", "Extras"),
    ]
    tables = {r.id: r.table for r in m.rules if r.table is not None}
    card_shop = tables["card-Shop"]
    assert card_shop is not None
    assert card_shop.columns == ["A", "B", "C", "D"]
    assert card_shop.mode == "forbid"
    assert card_shop.rows == [
        (True, True, True, True),  # at most 3
        (False, False, False, "*"),  # at least 2: no three unselected
        (False, False, "*", False),
        (False, "*", False, False),
        ("*", False, False, False),
    ]
    card_courier = tables["card-Courier"]
    assert card_courier is not None
    assert card_courier.columns == ["Delivery_choice", "Express", "Tracked", "Insured"]
    assert card_courier.rows == [("*", True, True, True), ("Courier", False, False, False)]
    delivery = next(a for a in m.attributes if a.name == "Delivery_choice")
    assert [(v.id, v.label) for v in delivery.values] == [
        ("none", "none selected"),
        ("Pickup", None),
        ("Courier", None),
    ]
    extras = next(a for a in m.attributes if a.name == "Extras_choice")
    assert [v.id for v in extras.values] == ["none", "Gift", "Voucher"]  # [0..1]: a choice
    load(m)


def test_names_are_sanitised_unique_and_kept_as_labels() -> None:
    m = read_uvl(DATA / "names.uvl")
    assert [(a.name, a.label) for a in m.attributes] == [
        ("Root", "Root"),
        ("or_", "or"),
        ("Sun_roof_2", "Sun roof"),  # Sun_roof itself is a feature and keeps its name
        ("Sun_roof", "Sun_roof"),
        ("Grosse", "Größe"),
        ("f_2fast", "2fast"),
        ("a_b", "a,b"),
        ("Root_choice", "Root_choice"),
        ("Opt", "Opt"),
        ("Opt_choice", "Opt"),
        ("Root_choice_2", "Root (alternative group, line 16)"),
    ]
    opt = m.attributes[9]
    assert [(v.id, v.label) for v in opt.values] == [
        ("none_2", "none selected"),  # a feature is called none
        ("none", None),
        ("not_", "not"),
    ]
    assert rules(m)[-3:] == [
        ("ctc-1", "or_ or Sun_roof_2", "Sun_roof"),
        ("ctc-2", None, "a_b == (not f_2fast)"),
        ("ctc-3", "Opt_choice == 'none'", "Root_choice_2 != 'Y'"),
    ]
    assert m.product_id == "Names"
    rs = load(m)
    assert rs.attributes["Grosse"].label == "Größe"
    assert rs.attributes["Opt_choice"].values["not_"].label == "not"


def test_operators_and_precedence() -> None:
    """! binds tightest, then &, |, =>, <=>; binary operators group to the left."""
    m = read_uvl(DATA / "operators.uvl")
    assert rules(m)[1:] == [
        ("ctc-1", "A and B or C", "D"),
        ("ctc-2", None, "(not A or B) == (C and not D)"),
        ("ctc-3", "not (A and B)", "C or D"),
        ("ctc-4", "not A or B", "C"),
        ("ctc-5", None, "(A or B) and C"),
        ("ctc-6", None, "(A == B) == C"),
        ("ctc-7", None, "A"),
    ]
    assert m.rules[5].description == "UVL line 16: (A | B) & C"


def test_attributes_become_descriptions_and_value_properties() -> None:
    m = read_uvl(DATA / "attributes.uvl")
    laptop = m.attributes[0]
    assert laptop.description == "abstract; vendor 'Acme'; weight 1.4"
    screen = m.attributes[2]
    small, large = screen.values
    assert small.properties == {"size": 13, "price": 0, "glossy": True}
    assert small.description == "size 13; price 0; glossy true; tags [1, 2]"
    assert large.properties == {"size": 15, "price": 150}
    assert rules(m)[2:] == [
        ("Dock-constraint-1", "Dock", "Screen_choice == 'Large'"),
        ("Pen-constraint-1", "Pen", "Screen_choice == 'Small'"),
        ("Pen-constraint-2", None, "not Dock or not Pen"),
    ]
    lossy = [(w.code, w.location.line if w.location else 0) for w in m.warnings]
    assert lossy == [
        ("import-lossy", 2),  # vendor
        ("import-lossy", 2),  # weight
        ("import-lossy", 6),  # tags: a list is no property value
        ("import-lossy", 9),  # price of a bool feature
    ]
    assert "warning: import-lossy" in m.to_yaml()
    rs = load(m)
    assert rs.attributes["Screen_choice"].values["Large"].properties["price"] == 150


def test_unsupported_constructs_are_errors() -> None:
    got = errors(DATA / "unsupported.uvl")
    assert [(c, line, col) for c, line, col, _ in got] == [
        ("import-unsupported", 4, 21),  # Integer Size
        ("import-unsupported", 6, 13),  # cardinality [0..3]
        ("import-unsupported", 8, 10),  # Size > 20
        ("import-unsupported", 9, 16),  # sum(price) < 10
    ]
    assert "Integer feature 'Size'" in got[0][3]


def test_skip_unsupported_lists_what_was_left_out() -> None:
    m = read_uvl(DATA / "unsupported.uvl", skip_unsupported=True)
    assert rules(m) == [("root", None, "Pizza"), ("ctc-3", "Topping", "Extra_cheese")]
    assert [s.split(" (")[0] for s in m.skipped] == ["ctc-1", "ctc-2"]
    assert "Size > 20 => Topping" in m.skipped[0]
    text = m.to_yaml()
    assert "2 constraint(s) NOT imported" in text
    assert "#   ctc-2 (unsupported.uvl:9): sum(price) < 10" in text
    assert {w.code for w in m.warnings} == {"import-lossy", "import-skipped"}
    load(m)


MALFORMED = [
    ("indent.uvl", "import-syntax", 5, 11, "indented to column 11"),
    ("unknown_feature.uvl", "import-reference", 7, 15, "there is no feature 'Engin'"),
    ("unclosed.uvl", "import-syntax", 7, 5, "'(' is never closed"),
    ("no_group.uvl", "import-syntax", 3, 9, "expected a group"),
    ("duplicate.uvl", "import-duplicate", 5, 13, "declared twice"),
    ("two_roots.uvl", "import-syntax", 3, 5, "one root feature"),
    ("imports.uvl", "import-unsupported", 2, 5, "imports of other UVL models"),
    ("bad_char.uvl", "import-syntax", 7, 7, "'@' cannot be used"),
    ("empty.uvl", "import-syntax", 1, 1, "the file is empty"),
    ("trailing.uvl", "import-syntax", 6, 7, "unexpected 'B'"),
]


@pytest.mark.parametrize(("name", "code", "line", "col", "text"), MALFORMED)
def test_malformed_models(name: str, code: str, line: int, col: int, text: str) -> None:
    """Each malformed model gives one error with its code, line and column."""
    got = errors(DATA / "bad" / name)
    assert len(got) == 1, got
    assert got[0][:3] == (code, line, col)
    assert text in got[0][3]


def test_error_message_names_the_file() -> None:
    with pytest.raises(ImportFormatError) as info:
        read_uvl(DATA / "bad" / "unknown_feature.uvl")
    first = str(info.value.issues[0])
    assert first.startswith("tests/importers/data/bad/unknown_feature.uvl:7:15: import-reference")
    assert "did you mean 'Engine'?" in first


def test_unknown_reference_hint() -> None:
    got = errors("x.uvl", "features\n  A\n    optional\n      B\nconstraints\n  B => C\n")
    assert got == [("import-reference", 6, 8, "there is no feature 'C'")]


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError) as info:
        read_uvl(tmp_path / "nope.uvl")
    assert info.value.issues[0].code == "file-not-found"
    bad = tmp_path / "latin1.uvl"
    bad.write_bytes(b"features\n    Gr\xf6\xdfe\n")
    with pytest.raises(ImportFormatError) as info:
        read_uvl(bad)
    issue = info.value.issues[0]
    assert issue.code == "file-encoding"
    assert issue.location is not None and issue.location.line == 2
    with pytest.raises(ImportFormatError) as info:
        read_uvl(tmp_path)
    assert info.value.issues[0].code == "file-not-found"


def test_tabs_single_cardinality_and_impossible_groups() -> None:
    text = "features\n\tR\n\t\t[2]\n\t\t\tA\n\t\t\tB\n\t\t\tC\n\t\toptional\n\t\t\tP\n\t\t\t\t[3..*]\n\t\t\t\t\tQ\n"
    m = parse_uvl(text, "t.uvl")
    by_id = {r.id: r for r in m.rules}
    card = by_id["card-R"].table
    assert card is not None and len(card.rows) == 1 + 3  # at most 2 of 3, at least 2 of 3
    assert (by_id["card-P"].when, by_id["card-P"].require) == ("P", "false")
    load(m)


def test_bom_comments_and_crlf() -> None:
    text = "\ufeff// model\r\nfeatures\r\n    A /* root */\r\n        optional\r\n            B\r\n"
    m = parse_uvl(text, "crlf.uvl")
    assert [a.name for a in m.attributes] == ["A", "B"]


def test_long_or_group_becomes_a_table() -> None:
    names = [f"Feature_with_a_rather_long_name_{i:04d}" for i in range(400)]
    text = "features\n  R\n    optional\n      P\n        or\n" + "".join(
        f"          {n}\n" for n in names
    )
    m = parse_uvl(text, "wide.uvl")
    rule = next(r for r in m.rules if r.id == "or-P")
    assert rule.table is not None and rule.require is None
    assert rule.table.columns == ["P", *names]
    assert rule.table.rows == [(True, *([False] * 400))]
    load(m)


def test_long_conjunction_is_split_into_rules() -> None:
    names = [f"Feature_with_a_rather_long_name_{i:04d}" for i in range(400)]
    text = "features\n  R\n    optional\n" + "".join(f"      {n}\n" for n in names)
    text += "constraints\n  " + " & ".join(names) + "\n"
    m = parse_uvl(text, "long.uvl")
    ids = [r.id for r in m.rules if r.id.startswith("ctc-")]
    assert ids == [f"ctc-1.{k}" for k in range(1, 401)]
    assert m.rules[-1].require == names[-1]


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = "features\n  A\n    optional\n      B\nconstraints\n  " + "(" * 300 + "B" + ")" * 300
    got = errors("deep.uvl", deep + "\n")
    assert got[0][0] == "import-too-large"
    lines = ["features"]
    for depth in range(450):
        lines.append("  " * (2 * depth + 1) + f"F{depth}")
        lines.append("  " * (2 * depth + 2) + "optional")
    lines.append("  " * (2 * 450 + 1) + "Leaf")
    got = errors("tall.uvl", "\n".join(lines) + "\n")
    assert got[0][0] == "import-too-large"


def test_huge_cardinality_group_is_refused() -> None:
    children = "".join(f"      C{i}\n" for i in range(40))
    got = errors("card.uvl", "features\n  R\n    [20..20]\n" + children)
    assert [(c, line) for c, line, _, _ in got] == [("import-too-large", 3)]  # C(40, 21) rows


def test_round_trip_keeps_names_and_ids() -> None:
    """What the writer emits is exactly what the loader reads back."""
    for name in ("car.uvl", "groups.uvl", "names.uvl", "attributes.uvl", "operators.uvl"):
        m = read_uvl(DATA / name)
        rs = load(m)
        assert list(rs.attributes) == [a.name for a in m.attributes]
        assert [r.id for r in rs.rules] == [r.id for r in m.rules]
        for a in m.attributes:
            assert rs.attributes[a.name].label == (a.label or a.name)
            assert list(rs.attributes[a.name].values) == [v.id for v in a.values]
        for r in m.rules:
            if r.require is not None:
                assert rs.rule(r.id).texts["require"] == r.require
