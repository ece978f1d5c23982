"""Loading a ruleset: files and includes -> schema -> names, references and expressions.

All problems of all files are collected as :class:`~cpq.errors.Issue` objects; nothing raises
on bad input except :func:`load_ruleset`, which raises one :class:`~cpq.errors.RulesetError`
carrying every issue.

Example:
    >>> rs, issues = check_ruleset("rulesets/pump")
    >>> [i for i in issues if i.severity == "error"]
    []
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from cpq._schema_errors import found as _found
from cpq._yaml import Path_, YamlDocument, gc_paused, read_yaml_file
from cpq.errors import (
    Issue,
    IssueCollector,
    RulesetError,
    RulesetReferenceError,
    RulesetSchemaError,
    RulesetSyntaxError,
    SourceLocation,
    did_you_mean,
)
from cpq.ruleset.expr import FUNCTIONS, Expr, ExprSyntaxError, Literal_, parse_expr
from cpq.ruleset.model import (
    ANY,
    Attribute,
    BomItem,
    Cell,
    Product,
    PropertyValue,
    Rule,
    RuleKind,
    Ruleset,
    Table,
    Value,
)
from cpq.ruleset.schema import (
    FORMAT_VERSION,
    AttributeSpec,
    BomSpec,
    LibrarySpec,
    ProductSpec,
    RulesetFile,
    RuleSpec,
    TableSpec,
    ValueSpec,
    all_field_names,
)
from cpq.ruleset.typecheck import ExprChecker

__all__ = [
    "SYNTAX_CODES",
    "check_library",
    "check_ruleset",
    "display_path",
    "find_entry_file",
    "load_ruleset",
]

SYNTAX_CODES = frozenset(
    {
        "yaml-syntax",
        "yaml-too-deep",
        "yaml-too-complex",
        "file-too-large",
        "file-encoding",
        "file-not-found",
    }
)
SCHEMA_CODES = frozenset(
    {
        "missing-field",
        "unknown-field",
        "wrong-type",
        "invalid-value",
        "yaml-coercion",
        "duplicate-key",
        "unsupported-version",
        "not-a-ruleset",
    }
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE_ID = re.compile(r"^[^\s'\"\\,\[\]{}]+$")
_RULE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_RESERVED = {"and", "or", "not", "in", "true", "false", *FUNCTIONS}
_INT_RANGE = re.compile(r"^\s*(-?\d{1,18})\s*\.\.\s*(-?\d{1,18})\s*$")
MAX_INCLUDE_DEPTH = 32


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def find_entry_file(path: Path) -> Path | None:
    """The product file of a ruleset path: the file itself, or ``product.yaml`` in a folder.

    In a folder without ``product.yaml``, the single YAML file with a ``product:`` key is used.
    """
    if not path.is_dir():
        return path
    for name in ("product.yaml", "product.yml"):
        if (path / name).is_file():
            return path / name
    candidates = []
    for f in sorted(path.glob("*.y*ml")):
        try:
            with f.open("rb") as stream:  # only the head: the file may be huge
                head = stream.read(200_000).decode("utf-8", errors="replace")
        except OSError:
            continue
        if re.search(r"^product\s*:", head, re.MULTILINE):
            candidates.append(f)
    return candidates[0] if len(candidates) == 1 else None


@dataclass
class _FileUnit:
    """One parsed file with its validated spec."""

    path: Path
    doc: YamlDocument
    spec: RulesetFile
    positions: dict[str, list[int]] = field(default_factory=dict)

    def position(self, section: str, i: int) -> int:
        """Where the i-th kept entry of a list section was written."""
        kept = self.positions.get(section)
        return kept[i] if kept is not None else i

    def loc(self, path: Path_, *, key: bool = False) -> SourceLocation:
        return self.doc.index.locate(path, key=key)


@dataclass
class _Loader:
    issues: IssueCollector = field(default_factory=IssueCollector)
    units: list[_FileUnit] = field(default_factory=list)
    loaded: set[Path] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)  # attributes with schema errors

    def load_file(self, path: Path, stack: tuple[Path, ...], expect: str) -> _FileUnit | None:
        name = display_path(path)
        doc, problems = read_yaml_file(path, name)
        self.issues.extend(problems)
        if doc is None:
            return None
        data = doc.data
        if not isinstance(data, dict):
            self.issues.add(
                "not-a-ruleset",
                ("the file is empty; " if data is None else "")
                + "a ruleset file must be a mapping with the keys cpq, product (or library), "
                "attributes and rules",
                doc.index.locate(()),
            )
            return None
        validated = self.validate(doc)
        if validated is None:
            return None
        spec, positions = validated
        unit = _FileUnit(path, doc, spec, positions)
        self.check_header(unit, expect)
        for i, inc in enumerate(spec.include):
            self.include(unit, i, inc, (*stack, path))
        self.units.append(unit)
        return unit

    def include(self, unit: _FileUnit, i: int, inc: str, stack: tuple[Path, ...]) -> None:
        loc = unit.loc(("include", i))
        try:
            target = (unit.path.parent / inc).resolve()
            is_file = target.is_file()
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a symlink loop
            reason = exc.strerror if isinstance(exc, OSError) else "it holds a NUL character"
            self.issues.add(
                "include-not-found",
                f"the included file '{inc[:80]}' cannot be opened: {reason}",
                loc,
            )
            return
        if target in stack or target == unit.path.resolve():
            chain = " -> ".join(display_path(p) for p in (*stack, target))
            self.issues.add(
                "include-cycle",
                f"including '{inc}' makes a cycle: {chain}",
                loc,
                "a library must not include a file that includes it",
            )
            return
        if target in self.loaded:
            return
        if len(stack) > MAX_INCLUDE_DEPTH:
            self.issues.add("include-cycle", "includes nest too deeply", loc)
            return
        if not is_file:
            near = did_you_mean(
                Path(inc).name,
                [p.name for p in target.parent.glob("*.y*ml")] if target.parent.is_dir() else [],
            )
            what = "is a folder, not a file" if target.is_dir() else "does not exist"
            self.issues.add("include-not-found", f"the included file '{inc}' {what}", loc, near)
            return
        self.loaded.add(target)
        self.load_file(target, stack, "library")

    def validate(self, doc: YamlDocument) -> tuple[RulesetFile, dict[str, list[int]]] | None:
        """Validate entry by entry, so one bad attribute or rule does not hide the others."""
        data = dict(doc.data)
        positions: dict[str, list[int]] = {}
        sections: list[tuple[str, type[BaseModel]]] = [
            ("attributes", AttributeSpec),
            ("rules", RuleSpec),
            ("bom", BomSpec),
        ]
        for key, model in sections:
            raw = data.get(key)
            if isinstance(raw, dict) and key == "attributes":
                kept: dict[str, Any] = {}
                for name, item in raw.items():
                    if self.validate_one(doc, model, item, (key, name)):
                        kept[name] = item
                    else:
                        self.broken.add(name)
                data[key] = kept
            elif isinstance(raw, list) and key != "attributes":
                # drop bad entries, remembering where the kept ones were written
                good = [self.validate_one(doc, model, item, (key, i)) for i, item in enumerate(raw)]
                positions[key] = [i for i, g in enumerate(good) if g]
                data[key] = [item for item, g in zip(raw, good, strict=True) if g]
        try:
            spec = RulesetFile.model_validate(data)
        except ValidationError as exc:
            broken: set[Any] = set()
            for err in exc.errors(include_url=False):
                self.issues.issues.append(schema_issue(doc, err, RulesetFile))
                broken.add(err["loc"][0] if err["loc"] else None)
            # Go on with stand-ins for the broken header entries, so that the attributes and
            # rules are still checked (every problem at once); the issues just recorded keep
            # the ruleset from being returned. Without valid includes or attributes, the
            # references cannot be checked, so stop there.
            if broken & {None, "include", "attributes"}:
                return None
            for key in broken:
                if key in _STAND_INS:
                    data[key] = _STAND_INS[key]
                else:
                    data.pop(key, None)
            try:
                spec = RulesetFile.model_validate(data)
            except ValidationError:  # pragma: no cover - the stand-ins are valid
                return None
        return spec, positions

    def validate_one(
        self, doc: YamlDocument, model: type[BaseModel], item: Any, prefix: Path_
    ) -> bool:
        try:
            model.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                located = dict(err)
                located["loc"] = (*prefix, *err["loc"])
                self.issues.issues.append(schema_issue(doc, located, model))
            return False
        return True

    def check_header(self, unit: _FileUnit, expect: str) -> None:
        spec = unit.spec
        if spec.cpq != FORMAT_VERSION:
            self.issues.add(
                "unsupported-version",
                f'this cpq reads ruleset format "{FORMAT_VERSION}", not "{spec.cpq}"',
                unit.loc(("cpq",)),
                f'write cpq: "{FORMAT_VERSION}"',
            )
        if spec.product is not None and spec.library is not None:
            self.issues.add(
                "not-a-ruleset",
                "a file is either a product (product:) or a library (library:), not both",
                unit.loc(("library",), key=True),
            )
        elif expect == "product" and spec.product is None:
            self.issues.add(
                "missing-field",
                "a product ruleset needs a 'product:' section with id and name"
                + (" (this file is a library; include it from a product)" if spec.library else ""),
                unit.loc(()),
            )
        elif expect == "library" and spec.product is not None:
            self.issues.add(
                "not-a-ruleset",
                "an included file must be a library (library:), not another product",
                unit.loc(("product",), key=True),
            )


_STAND_INS: dict[str, Any] = {
    "cpq": FORMAT_VERSION,
    "product": {"id": "_", "name": "_"},
    "library": {"id": "_"},
}
"""Valid values for broken header entries, used only to go on checking the rest of a file."""

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "decimal_type": "a number",
}


def schema_issue(doc: YamlDocument, err: Any, model: type[BaseModel] = RulesetFile) -> Issue:
    """Turn one pydantic error into an Issue at the right line and column."""
    loc: Path_ = tuple(p for p in err["loc"] if isinstance(p, str | int))
    typ = err["type"]
    where = _describe_loc(loc)
    if typ == "missing":
        field_name = str(loc[-1])
        return Issue(
            "missing-field",
            f"{_describe_loc(loc[:-1])} needs '{field_name}'",
            doc.index.locate(loc[:-1]),
        )
    if typ == "extra_forbidden":
        key = str(loc[-1])
        hint = did_you_mean(key, _field_names_at(model, loc[:-1]))
        if hint is None and key in all_field_names():
            hint = f"'{key}' belongs in another section"
        return Issue(
            "unknown-field",
            f"'{key}' is not a known key here",
            doc.index.locate(loc, key=True),
            hint,
        )
    if typ == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        got = err.get("input")
        words = re.findall(r"'([^']*)'", str(expected))
        return Issue(
            "invalid-value",
            f"{where} must be one of {expected}; found {_found(got)}",
            doc.index.locate(loc),
            did_you_mean(str(got), words) if isinstance(got, str) else None,
        )
    if typ in _TYPE_WORDS:
        raw = doc.index.raw(loc)
        hint = None
        if typ == "string_type" and raw is not None:
            hint = f"YAML reads the unquoted {raw} as {_found(err.get('input'))}; write '{raw}'"
        return Issue(
            "wrong-type",
            f"{where} must be {_TYPE_WORDS[typ]}, not {_found(err.get('input'))}",
            doc.index.locate(loc),
            hint,
        )
    return Issue("invalid-value", f"{where}: {err['msg']}", doc.index.locate(loc))


_NESTED: dict[str, tuple[type[BaseModel], bool]] = {
    # key -> (model below it, whether the next path part is a name chosen by the author)
    "product": (ProductSpec, False),
    "library": (LibrarySpec, False),
    "attributes": (AttributeSpec, True),
    "values": (ValueSpec, True),
    "rules": (RuleSpec, False),
    "table": (TableSpec, False),
    "bom": (BomSpec, False),
}


def _field_names_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """Field names of the model that applies at ``loc`` (for precise "did you mean" hints)."""
    current = model
    named = False
    for part in loc:
        if named or not isinstance(part, str):
            named = False  # an attribute name, a value id or a list index: not a key
            continue
        if part in _NESTED:
            current, named = _NESTED[part]
    return list(current.model_fields)


def _describe_loc(loc: Path_) -> str:
    if not loc:
        return "the file"
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return f"'{out}'"


@dataclass
class _Resolver:
    loader: _Loader
    attributes: dict[str, Attribute] = field(default_factory=dict)
    attr_units: dict[str, tuple[_FileUnit, Path_]] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    bom: list[BomItem] = field(default_factory=list)
    bom_ids: dict[str, SourceLocation] = field(default_factory=dict)

    @property
    def issues(self) -> IssueCollector:
        return self.loader.issues

    def run(self, entry: _FileUnit) -> Ruleset | None:
        for unit in self.loader.units:
            for name, aspec in unit.spec.attributes.items():
                self.attribute(unit, name, aspec)
        checker = ExprChecker(self.attributes, broken=self.loader.broken)
        seen_rules: dict[str, SourceLocation] = {}
        for unit in self.loader.units:
            for i, rspec in enumerate(unit.spec.rules):
                rule = self.rule(unit, i, rspec, checker)
                loc = unit.loc(("rules", unit.position("rules", i), "id"))
                if rspec.id in seen_rules:  # also when either rule has other problems
                    first = seen_rules[rspec.id]
                    self.issues.add(
                        "duplicate-id",
                        f"the rule id '{rspec.id}' is used twice (first at {first})",
                        loc,
                        "give every rule its own id",
                    )
                    continue
                seen_rules[rspec.id] = loc
                if rule is not None:
                    self.rules.append(rule)
            for i, bspec in enumerate(unit.spec.bom):
                self.bom_item(unit, i, bspec, checker)
        pspec = entry.spec.product
        if pspec is not None:
            self.check_product_id(entry, pspec.id)
        if pspec is None or self.issues.has_errors:
            return None
        product = Product(
            pspec.id,
            pspec.name,
            pspec.sku,
            pspec.description,
            pspec.lead_time_days,
            entry.loc(("product",)),
        )
        files = tuple(display_path(u.path) for u in self.loader.units)
        return Ruleset(
            FORMAT_VERSION,
            product,
            dict(self.attributes),
            tuple(self.rules),
            tuple(self.bom),
            files,
        )

    def check_product_id(self, unit: _FileUnit, pid: str) -> None:
        if not _RULE_ID.match(pid):
            self.issues.add(
                "invalid-name",
                f"the product id '{pid}' may use only letters, digits, '_', '-' and '.'",
                unit.loc(("product", "id")),
            )

    # -- attributes -------------------------------------------------------------------------

    def attribute(self, unit: _FileUnit, name: str, spec: AttributeSpec) -> None:
        path: Path_ = ("attributes", name)
        loc = unit.loc(path, key=True)
        if name in self.attributes:
            first = self.attributes[name].location
            self.issues.add(
                "duplicate-attribute",
                f"the attribute '{name}' is defined twice (first at {first})",
                loc,
                "rename one, or drop it from the product when a library already has it",
            )
            return
        ok = True
        if not _IDENT.match(name) or name in _RESERVED:
            self.issues.add(
                "invalid-name",
                f"the attribute name '{name}' cannot be used in rules"
                + (" (it is a reserved word)" if name in _RESERVED else ""),
                loc,
                "use letters, digits and '_' only, starting with a letter",
            )
            ok = False
        typ = spec.type
        misplaced = []
        if typ != "int":
            misplaced += [k for k in ("range", "unit") if getattr(spec, k) is not None]
        if typ not in ("choice", "multi") and spec.values is not None:
            misplaced.append("values")
        if typ != "bool":
            misplaced += [k for k in ("sku", "lead_time_days") if getattr(spec, k) is not None]
        if typ != "multi":
            misplaced += [
                k for k in ("min_selected", "max_selected") if getattr(spec, k) is not None
            ]
        if typ not in ("choice", "multi") and spec.property_defaults:
            misplaced.append("property_defaults")
        for key in misplaced:
            self.issues.add(
                "misplaced-field",
                f"'{key}' does not apply to a {typ} attribute",
                unit.loc((*path, key), key=True),
                {
                    "range": "only int attributes have a range",
                    "unit": "only int attributes have a unit",
                    "values": "only choice and multi attributes have values",
                    "sku": "give the values their own sku",
                    "lead_time_days": "give the values their own lead time",
                }.get(key),
            )
            ok = False
        values = self.values(unit, path, spec) if typ in ("choice", "multi") else {}
        rng: tuple[int, int] | None = None
        if typ == "int":
            rng = self.int_range(unit, path, spec)
        min_sel, max_sel = 0, None
        if typ == "multi":
            min_sel, max_sel = self.selection_bounds(unit, path, spec, len(values))
        if spec.lead_time_days is not None and spec.lead_time_days < 0:
            self.issues.add(
                "invalid-value",
                "lead_time_days cannot be negative",
                unit.loc((*path, "lead_time_days")),
            )
        attr = Attribute(
            name=name,
            type=typ,
            label=spec.label or name.replace("_", " ").capitalize(),
            description=spec.description,
            values=values,
            range=rng,
            unit=spec.unit,
            default=None,
            sku=spec.sku,
            lead_time_days=spec.lead_time_days,
            min_selected=min_sel,
            max_selected=max_sel,
            location=loc,
        )
        default = self.default(unit, path, spec, attr)
        if not ok:  # reported; uses of it are not reported again as unknown
            self.loader.broken.add(name)
            return
        object.__setattr__(attr, "default", default)
        self.attributes[name] = attr
        self.attr_units[name] = (unit, path)

    def values(self, unit: _FileUnit, path: Path_, spec: AttributeSpec) -> dict[str, Value]:
        out: dict[str, Value] = {}
        if not spec.values:
            self.issues.add(
                "missing-field",
                f"a {spec.type} attribute needs 'values'",
                unit.loc(path, key=True),
            )
            return out
        defaults = self.properties(unit, (*path, "property_defaults"), spec.property_defaults)
        for vid, vspec in spec.values.items():
            vpath = (*path, "values", vid)
            if not _VALUE_ID.match(vid):
                self.issues.add(
                    "invalid-name",
                    f"the value id '{vid}' may not contain spaces, quotes, commas or brackets",
                    unit.loc(vpath, key=True),
                    "use the label for the text buyers see",
                )
                continue
            props = dict(defaults)
            label = vid
            sku = lead = desc = None
            if vspec is not None:
                props.update(self.properties(unit, (*vpath, "properties"), vspec.properties))
                label = vspec.label or vid
                sku, lead, desc = vspec.sku, vspec.lead_time_days, vspec.description
                if lead is not None and lead < 0:
                    self.issues.add(
                        "invalid-value",
                        "lead_time_days cannot be negative",
                        unit.loc((*vpath, "lead_time_days")),
                    )
            out[vid] = Value(vid, label, sku, props, lead, desc, unit.loc(vpath, key=True))
        return out

    def properties(
        self, unit: _FileUnit, path: Path_, raw: dict[str, Any]
    ) -> dict[str, PropertyValue]:
        out: dict[str, PropertyValue] = {}
        for key, val in raw.items():
            if not _IDENT.match(key):
                self.issues.add(
                    "invalid-name",
                    f"the property name '{key}' cannot be used in rules",
                    unit.loc((*path, key), key=True),
                    "use letters, digits and '_' only, starting with a letter",
                )
                continue
            if isinstance(val, bool | int | Decimal | str):
                if isinstance(val, Decimal) and not val.is_finite():
                    self.issues.add(
                        "wrong-type",
                        f"the property '{key}' must be a finite number",
                        unit.loc((*path, key)),
                    )
                    continue
                out[key] = val
            else:
                self.issues.add(
                    "wrong-type",
                    f"the property '{key}' must be a number, a text or true/false, "
                    f"not {_found(val)}",
                    unit.loc((*path, key)),
                )
        return out

    def int_range(
        self, unit: _FileUnit, path: Path_, spec: AttributeSpec
    ) -> tuple[int, int] | None:
        rng = spec.range
        if rng is None:
            self.issues.add(
                "missing-field",
                "an int attribute needs 'range: [min, max]'",
                unit.loc(path, key=True),
            )
            return None
        if len(rng) != 2 or rng[0] > rng[1]:
            self.issues.add(
                "invalid-range",
                f"range must be [min, max] with min <= max; found {rng}",
                unit.loc((*path, "range")),
            )
            return None
        return rng[0], rng[1]

    def selection_bounds(
        self, unit: _FileUnit, path: Path_, spec: AttributeSpec, n: int
    ) -> tuple[int, int | None]:
        lo = spec.min_selected or 0
        hi = spec.max_selected
        if lo < 0 or (hi is not None and (hi < lo or hi < 0)) or lo > n:
            wrong = "min_selected" if lo < 0 or lo > n else "max_selected"
            self.issues.add(
                "invalid-range",
                f"min_selected/max_selected must satisfy 0 <= min <= max and min <= {n} values",
                unit.loc((*path, wrong)),
            )
        return lo, hi

    def default(
        self, unit: _FileUnit, path: Path_, spec: AttributeSpec, attr: Attribute
    ) -> str | tuple[str, ...] | bool | int | None:
        raw = spec.default
        if raw is None:
            return None
        dpath = (*path, "default")
        loc = unit.loc(dpath)
        if attr.type == "bool":
            if isinstance(raw, bool):
                return raw
            self.issues.add(
                "invalid-default",
                f"the default of a bool attribute must be true or false, not {_found(raw)}",
                loc,
            )
            return None
        if attr.type == "int":
            if isinstance(raw, int) and not isinstance(raw, bool):
                if attr.range and not attr.range[0] <= raw <= attr.range[1]:
                    self.issues.add(
                        "invalid-default",
                        f"the default {raw} is outside the range {list(attr.range)}",
                        loc,
                    )
                    return None
                return raw
            self.issues.add(
                "invalid-default",
                f"the default of an int attribute must be a whole number, not {_found(raw)}",
                loc,
            )
            return None
        if attr.type == "choice":
            text = self.value_text(unit, dpath, raw)
            if text is None:
                self.issues.add(
                    "invalid-default",
                    f"the default of a choice attribute must be one value id, not {_found(raw)}",
                    loc,
                )
                return None
            if text not in attr.values:
                self.unknown_value(attr, text, loc, "invalid-default")
                return None
            return text
        if not isinstance(raw, list):
            raw = [raw]
        out: list[str] = []
        for i, item in enumerate(raw):
            ipath = (*dpath, i) if isinstance(spec.default, list) else dpath
            text = self.value_text(unit, ipath, item)
            if text is None or text not in attr.values:
                self.unknown_value(attr, text or str(item), unit.loc(ipath), "invalid-default")
                continue
            out.append(text)
        return tuple(dict.fromkeys(out))

    def value_text(self, unit: _FileUnit, path: Path_, raw: Any) -> str | None:
        """A value id written in YAML: text, or the source text of an unquoted number."""
        if isinstance(raw, str):
            return raw
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return unit.doc.index.raw(path) or str(raw)
        if isinstance(raw, bool):  # 'no', 'on', 'yes': read as yes/no by YAML 1.1
            return unit.doc.index.raw(path)
        return None

    def unknown_value(self, attr: Attribute, text: str, loc: SourceLocation, code: str) -> None:
        self.issues.add(
            code,
            f"'{text}' is not a value of '{attr.name}'",
            loc,
            did_you_mean(text, attr.values)
            or f"values of '{attr.name}': {', '.join(list(attr.values)[:8])}",
        )

    # -- rules ------------------------------------------------------------------------------

    def expr(
        self, unit: _FileUnit, path: Path_, text: str, expect: str, checker: ExprChecker
    ) -> Expr | None:
        try:
            expr = parse_expr(text)
        except ExprSyntaxError as exc:
            self.issues.add(
                exc.code, exc.message, self.expr_loc(unit, path, text, exc.offset), exc.hint
            )
            return None
        problems = checker.check(expr, expect)
        for p in problems:
            self.issues.add(p.code, p.message, self.expr_loc(unit, path, text, p.offset), p.hint)
        return None if problems else expr

    def expr_loc(self, unit: _FileUnit, path: Path_, text: str, offset: int) -> SourceLocation:
        base = unit.loc(path)
        entry = unit.doc.index.entries.get(path)
        if entry is None or "\n" in text or entry.style not in (None, "'", '"'):
            return base
        source_line = unit.doc.text.splitlines()[entry.line] if unit.doc.text else ""
        if source_line[entry.column : entry.column + len(text)] != text:
            return base
        return base.shifted(offset)

    def rule(self, unit: _FileUnit, i: int, spec: RuleSpec, checker: ExprChecker) -> Rule | None:
        path: Path_ = ("rules", unit.position("rules", i))
        loc = unit.loc((*path, "id"))
        bad = False
        if not _RULE_ID.match(spec.id):
            self.issues.add(
                "invalid-name",
                f"the rule id '{spec.id}' may use only letters, digits, '_', '-' and '.'",
                loc,
            )
            bad = True
        kinds = [k for k in ("require", "exclude", "table") if getattr(spec, k) is not None]
        if len(kinds) != 1:
            self.issues.add(
                "rule-kind",
                f"rule '{spec.id}' needs exactly one of require, exclude or table"
                + (f"; it has {' and '.join(kinds)}" if kinds else ""),
                unit.loc(path),
                "split it into several rules" if kinds else "add require: <condition>",
            )
            return None
        kind: RuleKind = (
            "require"
            if kinds[0] == "require"
            else ("exclude" if kinds[0] == "exclude" else "table")
        )
        texts: dict[str, str] = {}
        when = None
        if spec.when is not None:
            texts["when"] = spec.when
            when = self.expr(unit, (*path, "when"), spec.when, "bool", checker)
            bad |= when is None
        require = None
        exclude: list[Expr] = []
        table = None
        if kind == "require":
            assert spec.require is not None
            texts["require"] = spec.require
            require = self.expr(unit, (*path, "require"), spec.require, "bool", checker)
            bad |= require is None
        elif kind == "exclude":
            assert spec.exclude is not None
            if not spec.exclude:
                self.issues.add(
                    "missing-field",
                    f"rule '{spec.id}' has an empty exclude list",
                    unit.loc((*path, "exclude")),
                )
                bad = True
            for j, text in enumerate(spec.exclude):
                texts[f"exclude[{j}]"] = text
                e = self.expr(unit, (*path, "exclude", j), text, "bool", checker)
                if e is None:
                    bad = True
                else:
                    exclude.append(e)
        else:
            table = self.table(unit, (*path, "table"), spec, checker)
            bad |= table is None
        if bad:
            return None
        return Rule(
            spec.id,
            kind,
            spec.message,
            spec.description,
            when,
            require,
            tuple(exclude),
            table,
            loc,
            texts,
        )

    def table(
        self, unit: _FileUnit, path: Path_, spec: RuleSpec, checker: ExprChecker
    ) -> Table | None:
        tspec = spec.table
        assert tspec is not None
        ok = True
        if (tspec.allow is None) == (tspec.forbid is None):
            self.issues.add(
                "rule-kind",
                f"the table of rule '{spec.id}' needs exactly one of allow or forbid",
                unit.loc(path, key=True),
            )
            return None
        mode = "allow" if tspec.allow is not None else "forbid"
        rows_raw = tspec.allow if tspec.allow is not None else tspec.forbid
        assert rows_raw is not None
        columns: list[Attribute] = []
        for c, col in enumerate(tspec.columns):
            attr = self.attributes.get(col)
            cloc = unit.loc((*path, "columns", c))
            if attr is None:
                if col not in self.loader.broken:
                    self.issues.add(
                        "unknown-reference",
                        f"there is no attribute '{col}'",
                        cloc,
                        did_you_mean(col, self.attributes),
                    )
                ok = False
            elif attr.type == "multi":
                self.issues.add(
                    "table-column",
                    f"'{col}' is a multi-select attribute and cannot be a table column",
                    cloc,
                    f"write a require/exclude rule with \"'value' in {col}\" instead",
                )
                ok = False
            else:
                columns.append(attr)
        if len(set(tspec.columns)) != len(tspec.columns):
            self.issues.add(
                "table-column", "a table names the same column twice", unit.loc((*path, "columns"))
            )
            ok = False
        if not tspec.columns:
            self.issues.add(
                "missing-field", "a table needs at least one column", unit.loc((*path, "columns"))
            )
            ok = False
        if not ok:
            if tspec.columns:  # the cells cannot be checked, but the row lengths can
                for r, row in enumerate(rows_raw):
                    self.row_arity(unit, (*path, mode, r), row, tspec.columns)
            return None
        rows: list[tuple[Cell, ...]] = []
        locs: list[SourceLocation] = []
        for r, row in enumerate(rows_raw):
            rpath = (*path, mode, r)
            if not self.row_arity(unit, rpath, row, tspec.columns):
                ok = False
                continue
            cells: list[Cell] = []
            for c, (attr, raw) in enumerate(zip(columns, row, strict=True)):
                cell = self.cell(unit, (*rpath, c), attr, raw)
                if cell is None:
                    ok = False
                else:
                    cells.append(cell)
            if len(cells) == len(columns):
                rows.append(tuple(cells))
                locs.append(unit.loc(rpath))
        if not ok:
            return None
        return Table(tuple(tspec.columns), mode, tuple(rows), tuple(locs))  # type: ignore[arg-type]

    def row_arity(self, unit: _FileUnit, path: Path_, row: list[Any], columns: list[str]) -> bool:
        """Whether a table row has one cell per column (reported when not)."""
        if len(row) == len(columns):
            return True
        self.issues.add(
            "table-arity",
            f"this row has {len(row)} cell(s) but the table has {len(columns)} "
            f"column(s): {', '.join(columns)}",
            unit.loc(path),
        )
        return False

    def cell(self, unit: _FileUnit, path: Path_, attr: Attribute, raw: Any) -> Cell | None:
        if raw == "*":
            return ANY
        items = raw if isinstance(raw, list) else [raw]
        paths = [(*path, k) for k in range(len(items))] if isinstance(raw, list) else [path]
        if not items:
            self.issues.add(
                "invalid-value", "an empty list matches nothing; use '*' for any", unit.loc(path)
            )
            return None
        if attr.type == "bool":
            if all(isinstance(x, bool) for x in items):
                return frozenset(bool(x) for x in items)
            self.issues.add(
                "invalid-value",
                f"'{attr.name}' is yes/no: write true, false or '*'",
                unit.loc(path),
            )
            return None
        if attr.type == "int":
            nums: set[int] = set()
            for x, p in zip(items, paths, strict=True):
                if isinstance(x, int) and not isinstance(x, bool):
                    nums.add(x)
                    continue
                m = _INT_RANGE.match(x) if isinstance(x, str) else None
                if m and int(m.group(1)) <= int(m.group(2)):
                    lo, hi = int(m.group(1)), int(m.group(2))
                    if attr.range:
                        lo, hi = max(lo, attr.range[0]), min(hi, attr.range[1])
                        if lo > hi:
                            self.issues.add(
                                "unknown-value",
                                f"'{x}' lies outside the range {list(attr.range)} "
                                f"of '{attr.name}' and matches nothing",
                                unit.loc(p),
                            )
                            return None
                    if hi - lo > 100_000:
                        self.issues.add(
                            "invalid-value",
                            "a range cell may span at most 100,000 numbers",
                            unit.loc(p),
                        )
                        return None
                    nums.update(range(lo, hi + 1))
                    continue
                self.issues.add(
                    "invalid-value",
                    f"'{attr.name}' is a number: write a number, 'lo..hi' or '*'",
                    unit.loc(p),
                )
                return None
            if attr.range:
                outside = sorted(n for n in nums if not attr.range[0] <= n <= attr.range[1])
                if outside:
                    self.issues.add(
                        "unknown-value",
                        f"{outside[0]} is outside the range {list(attr.range)} of '{attr.name}'",
                        unit.loc(path),
                    )
                    return None
            return frozenset(nums)
        ids: set[str] = set()
        for x, p in zip(items, paths, strict=True):
            text = self.value_text(unit, p, x)
            if text is None or text not in attr.values:
                self.unknown_value(attr, text or str(x), unit.loc(p), "unknown-value")
                return None
            ids.add(text)
        return frozenset(ids)

    # -- bom --------------------------------------------------------------------------------

    def bom_item(self, unit: _FileUnit, i: int, spec: Any, checker: ExprChecker) -> None:
        path: Path_ = ("bom", unit.position("bom", i))
        item_id = spec.id or spec.sku
        first = self.bom_ids.get(item_id)
        if first is None:
            self.bom_ids[item_id] = unit.loc(path)
        else:
            self.issues.add(
                "duplicate-id",
                f"the bom item id '{item_id}' is used twice (first at {first})",
                unit.loc(path),
                "give each bom item an 'id'",
            )
        qty = self.bom_qty(unit, (*path, "qty"), spec.qty, checker)
        when = None
        if spec.when is not None:
            when = self.expr(unit, (*path, "when"), spec.when, "bool", checker)
            if when is None:
                return
        if qty is None or first is not None:
            return
        label = spec.label or spec.sku
        self.bom.append(
            BomItem(item_id, spec.sku, label, qty, when, spec.lead_time_days, unit.loc(path))
        )

    def bom_qty(self, unit: _FileUnit, path: Path_, raw: Any, checker: ExprChecker) -> Expr | None:
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            if raw < 0:
                self.issues.add("invalid-value", "qty cannot be negative", unit.loc(path))
                return None
            return Literal_(raw, (0, 0))
        if isinstance(raw, str):
            return self.expr(unit, path, raw, "num", checker)
        self.issues.add("wrong-type", "qty must be a number or an expression", unit.loc(path))
        return None


def _iter_issue_kinds(issues: list[Issue]) -> Iterator[str]:
    for issue in issues:
        if issue.severity == "error":
            yield issue.code


def check_ruleset(path: str | os.PathLike[str]) -> tuple[Ruleset | None, list[Issue]]:
    """Load and check a ruleset; return it (or ``None``) and every issue. Never raises.

    Example:
        >>> rs, issues = check_ruleset("rulesets/no-such-product")
        >>> issues[0].code
        'file-not-found'
    """
    p = Path(path)
    try:
        exists = p.exists()
    except OSError as exc:  # a name too long, a symlink loop
        return None, [Issue("file-not-found", f"'{path}' cannot be opened: {exc.strerror}")]
    if not exists:
        return None, [Issue("file-not-found", f"there is no file or folder '{path}'")]
    entry = find_entry_file(p)
    if entry is None:
        return None, [
            Issue(
                "file-not-found",
                f"the folder '{path}' has no product.yaml (or a single file with 'product:')",
            )
        ]
    loader = _Loader()
    entry = entry.resolve()
    loader.loaded.add(entry)
    with gc_paused():
        unit = loader.load_file(entry, (), "product")
        ruleset = _Resolver(loader).run(unit) if unit is not None else None
    return ruleset, list(loader.issues.sorted())


def check_library(path: str | os.PathLike[str]) -> list[Issue]:
    """Check a shared library file on its own (as if a product included it). Never raises."""
    p = Path(path)
    try:
        is_file = p.is_file()
    except OSError as exc:  # a name too long, a symlink loop
        return [Issue("file-not-found", f"'{path}' cannot be opened: {exc.strerror}")]
    if not is_file:
        return [Issue("file-not-found", f"there is no file '{path}'")]
    loader = _Loader()
    entry = p.resolve()
    loader.loaded.add(entry)
    unit = loader.load_file(entry, (), "library")
    if unit is not None:
        _Resolver(loader).run(unit)
    return list(loader.issues.sorted())


def load_ruleset(path: str | os.PathLike[str]) -> Ruleset:
    """Load a ruleset from a product file or a folder holding ``product.yaml``.

    Raises:
        RulesetSyntaxError: a file is not readable YAML.
        RulesetSchemaError: keys or values do not follow the format.
        RulesetReferenceError: names, references or expressions are wrong.

    Example:
        >>> rs = load_ruleset("rulesets/pump")
        >>> rs.product.id
        'cp-pump'
    """
    ruleset, issues = check_ruleset(path)
    errors = [i for i in issues if i.severity == "error"]
    if ruleset is not None and not errors:
        return ruleset
    codes = set(_iter_issue_kinds(issues))
    cls: type[RulesetError]
    if codes & SYNTAX_CODES:
        cls = RulesetSyntaxError
    elif codes & SCHEMA_CODES:
        cls = RulesetSchemaError
    else:
        cls = RulesetReferenceError
    raise cls(errors, f"the ruleset '{path}' has {len(errors)} problem(s)")
