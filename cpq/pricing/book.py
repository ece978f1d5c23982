"""Loading a price book: YAML -> checked, indexed, immutable :class:`PriceBook`.

Loading runs in three passes and reports every problem it finds at once, each with
``file:line:col``: the safe YAML reader (:mod:`cpq._yaml`), the strict schema
(:mod:`cpq.pricing.schema`) and the cross-section checks in this module (references, tier order,
currencies, one-of fields). The compiled book indexes its records by SKU, customer and category so
that pricing a line costs a few dictionary look-ups, however large the book is.

Example:
    >>> book = parse_price_book('''
    ... cpq_prices: "1"
    ... price_book: {id: demo, currency: EUR}
    ... vat: {default: standard, categories: {standard: {code: S, rate: 19}}}
    ... price_lists:
    ...   list: {kind: list, prices: {S-100: 100.00}}
    ... ''')
    >>> book.id, book.currency, sorted(book.skus)
    ('demo', 'EUR', ['S-100'])
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeAlias

from pydantic import ValidationError

from cpq._schema_errors import found as _found
from cpq._yaml import Path_, YamlDocument, format_path, gc_paused, parse_yaml, read_yaml_file
from cpq.errors import Issue, IssueCollector, PriceBookError, SourceLocation, did_you_mean
from cpq.pricing.money import Currency, RoundingMode, currency_minor_units, is_known_currency
from cpq.pricing.schema import (
    FORMAT_VERSION,
    TOP_LEVEL_KEY,
    Access,
    AdjustmentFilterSpec,
    ContractPriceSpec,
    DiscountTierSpec,
    ItemFilterSpec,
    PackageScheduleSpec,
    PriceBookFile,
    PriceEntrySpec,
    TieredScheduleSpec,
    TierSpec,
    all_field_names,
)
from cpq.ruleset.resolve import display_path

__all__ = [
    "EMPTY_FILTER",
    "Adjustment",
    "ApprovalRule",
    "Contract",
    "Customer",
    "CustomerGroup",
    "DiscountSchedule",
    "DiscountTier",
    "Floor",
    "Item",
    "LineFilter",
    "PriceBook",
    "PriceList",
    "PriceRecord",
    "Settings",
    "Tier",
    "TierSchedule",
    "VatCategory",
    "check_price_book",
    "find_price_book_file",
    "load_price_book",
    "parse_price_book",
]

ScheduleMode: TypeAlias = Literal["volume", "graduated", "block", "package"]
RecordKind: TypeAlias = Literal["list", "group", "customer", "contract"]

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


# --------------------------------------------------------------------------------------------
# The compiled book
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier of a schedule: from ``min_qty`` (inclusive) to the next tier's ``min_qty``."""

    min_qty: Decimal
    max_qty: Decimal | None
    unit_price: Decimal | None
    block_price: Decimal | None
    flat_fee: Decimal
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class TierSchedule:
    """A tier schedule (volume, graduated, block) or a package price."""

    id: str
    mode: ScheduleMode
    tiers: tuple[Tier, ...]
    overage_unit_price: Decimal | None
    package_size: Decimal | None
    package_price: Decimal | None
    free_units: Decimal
    package_rounding: Literal["up", "down"]
    location: SourceLocation

    @property
    def closed_at(self) -> Decimal | None:
        """The inclusive upper bound of the last tier, when the schedule is closed."""
        return self.tiers[-1].max_qty if self.tiers else None


@dataclass(frozen=True, slots=True)
class DiscountTier:
    """One tier of a discount schedule."""

    min_qty: Decimal
    max_qty: Decimal | None
    percent: Decimal
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class DiscountSchedule:
    """A quantity discount schedule, ``range`` or ``slab``."""

    id: str
    mode: Literal["range", "slab"]
    tiers: tuple[DiscountTier, ...]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class LineFilter:
    """Which lines a contract record, adjustment, floor or approval rule applies to.

    Every condition that is set must hold; a list condition holds when any of its entries does.
    """

    skus: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    sku_prefix: str | None = None
    attributes: tuple[tuple[str, Any], ...] | None = None
    customers: frozenset[str] | None = None
    groups: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    currencies: frozenset[str] | None = None
    min_qty: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        """Whether the filter has no condition (it matches every line)."""
        return self is EMPTY_FILTER or self == EMPTY_FILTER

    def matches_item(self, sku: str, item: Item | None) -> bool:
        """Whether the item conditions (SKU, category, prefix, attributes) hold."""
        if self.skus is not None and sku not in self.skus:
            return False
        if self.sku_prefix is not None and not sku.startswith(self.sku_prefix):
            return False
        if self.categories is not None and (item is None or item.category not in self.categories):
            return False
        if self.attributes is not None:
            if item is None:
                return False
            for key, want in self.attributes:
                if key not in item.attributes or item.attributes[key] != want:
                    return False
        return True


EMPTY_FILTER = LineFilter()
"""The filter without conditions; compiled books share this one instance."""


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """One price record: of a price list (by SKU) or of a contract (SKU, category or filter).

    Exactly one of ``price``, ``schedule`` and ``discount_percent`` is set. Validity combines
    the record's own dates with those of its list or contract.
    """

    id: str
    kind: RecordKind
    owner: str
    sku: str | None
    category: str | None
    filter: LineFilter | None
    currency: str
    price: Decimal | None
    schedule: TierSchedule | None
    discount_percent: Decimal | None
    net_only: bool
    price_unit: int
    min_qty: Decimal
    valid_from: date | None
    valid_to: date | None
    priority: int
    price_precision: int
    location: SourceLocation

    def valid_on(self, day: date) -> bool:
        """Whether the record is valid on ``day`` (both bounds inclusive)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    @property
    def specificity(self) -> int:
        """3 for a SKU, 2 for a category, 1 for a filter."""
        if self.sku is not None:
            return 3
        return 2 if self.category is not None else 1


@dataclass(frozen=True, slots=True)
class PriceList:
    """A price list with its records indexed by SKU."""

    id: str
    kind: Literal["list", "group", "customer"]
    name: str
    currency: str
    valid_from: date | None
    valid_to: date | None
    priority: int
    by_sku: Mapping[str, tuple[PriceRecord, ...]]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Contract:
    """A customer contract with its records indexed by SKU and by category."""

    ref: str
    customer: str
    name: str
    currency: str
    valid_from: date | None
    valid_to: date | None
    priority: int
    records: tuple[PriceRecord, ...]
    by_sku: Mapping[str, tuple[PriceRecord, ...]]
    by_category: Mapping[str, tuple[PriceRecord, ...]]
    filtered: tuple[PriceRecord, ...]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Item:
    """Master data of a SKU."""

    sku: str
    name: str
    category: str | None
    vat: str | None
    cost: Decimal | None
    unit: str | None
    attributes: Mapping[str, Any]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer with its group, parent and own price lists."""

    id: str
    name: str
    group: str | None
    parent: str | None
    inherit_from_parent: bool
    price_lists: tuple[str, ...]
    vat: str | None
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    """A customer group and its price lists, most preferred first."""

    id: str
    name: str
    price_lists: tuple[str, ...]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class VatCategory:
    """A VAT category: EN 16931 code and rate in percent."""

    id: str
    code: str
    rate: Decimal
    label: str
    exemption_reason: str | None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A discount or surcharge after the base price."""

    id: str
    kind: Literal["percent", "amount", "surcharge", "schedule"]
    label: str
    percent: Decimal | None
    amount: Decimal | None
    schedule: DiscountSchedule | None
    currency: str
    step: int
    order: int
    exclusion_group: str | None
    filter: LineFilter
    valid_from: date | None
    valid_to: date | None
    location: SourceLocation

    def valid_on(self, day: date) -> bool:
        """Whether the adjustment is valid on ``day``."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


@dataclass(frozen=True, slots=True)
class Floor:
    """A lowest acceptable unit price."""

    id: str
    filter: LineFilter
    min_price: Decimal | None
    min_margin_percent: Decimal | None
    currency: str
    action: Literal["flag", "clamp"]
    label: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """A condition that makes a quote need approval at ``level``."""

    id: str
    metric: str
    above: Decimal | None
    below: Decimal | None
    level: int
    message: str
    filter: LineFilter
    currency: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolution and rounding settings of a book."""

    access_order: tuple[Access, ...]
    best_price: frozenset[Access]
    stacking: Literal["sequential", "additive"]
    floor_action: Literal["flag", "clamp"]
    tier_quantity: Literal["line", "sku"]
    max_manual_discount: Decimal | None
    rounding_mode: RoundingMode
    price_precision: int


@dataclass(frozen=True)
class PriceBook:
    """A loaded, checked and indexed price book (immutable; safe to share between threads).

    Build one with :func:`load_price_book` or :func:`parse_price_book`; price with
    :func:`cpq.pricing.price`. The mappings are read-only by convention.
    """

    id: str
    name: str
    currency: str
    file: str
    currencies: Mapping[str, Currency]
    settings: Settings
    vat_categories: Mapping[str, VatCategory]
    default_vat: str
    items: Mapping[str, Item]
    customers: Mapping[str, Customer]
    customer_groups: Mapping[str, CustomerGroup]
    tier_schedules: Mapping[str, TierSchedule]
    discount_schedules: Mapping[str, DiscountSchedule]
    price_lists: Mapping[str, PriceList]
    contracts: Mapping[str, Contract]
    adjustments: tuple[Adjustment, ...]
    floors: tuple[Floor, ...]
    approvals: tuple[ApprovalRule, ...]
    list_index: Mapping[str, tuple[PriceRecord, ...]] = field(repr=False)
    contracts_by_customer: Mapping[str, tuple[Contract, ...]] = field(repr=False)
    warnings: tuple[Issue, ...] = ()
    record_count: int = 0

    @property
    def skus(self) -> frozenset[str]:
        """Every SKU with a record in some price list or a SKU record of some contract."""
        out: set[str] = set()
        for pl in self.price_lists.values():
            out.update(pl.by_sku)
        for c in self.contracts.values():
            out.update(c.by_sku)
        return frozenset(out)

    def minor_units(self, currency: str) -> int:
        """Decimal places of line nets and totals in ``currency``."""
        cur = self.currencies.get(currency)
        return cur.minor_units if cur else currency_minor_units(currency)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

SYNTAX_CODES = frozenset(
    {"yaml-syntax", "yaml-too-deep", "yaml-too-complex", "file-too-large", "file-encoding"}
)

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "decimal_type": "a number",
}
_OWN_CODES = frozenset({"wrong-type", "invalid-value"})


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path_:
    """The data path of a pydantic ``loc``: union tags (``<entry>``, ``graduated``) dropped."""
    out: list[str | int] = []
    cur = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(cur, dict) and isinstance(part, str) and part in cur) or (
            isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        ):
            out.append(part)
            cur = cur[part]  # type: ignore[index]
        elif not last or (isinstance(part, str) and part.startswith("<")):
            continue  # a union tag such as '<entry>' or 'graduated', not a key of the file
        else:
            out.append(part)
            cur = None
    return tuple(out)


def _describe(path: Path_) -> str:
    return f"'{format_path(path)}'" if path else "the file"


def schema_issue(doc: YamlDocument, err: Any, field_names: Sequence[str] | None = None) -> Issue:
    """One pydantic error of a YAML document as an :class:`Issue` at its file:line:col.

    ``field_names`` are the keys for "did you mean" hints (default: the price-book format's).
    """
    path = _data_path(doc.data, tuple(err["loc"]))
    typ = err["type"]
    got = err.get("input")
    where = _describe(path)
    if typ == "missing":
        return Issue(
            "missing-field",
            f"{_describe(path[:-1])} needs '{path[-1]}'",
            doc.index.locate(path[:-1]),
        )
    if typ == "extra_forbidden":
        key = str(path[-1])
        hint = did_you_mean(key, all_field_names() if field_names is None else field_names)
        if hint == f"did you mean '{key}'?":
            hint = f"'{key}' belongs in another section"
        return Issue(
            "unknown-field",
            f"'{key}' is not a known key here",
            doc.index.locate(path, key=True),
            hint,
        )
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", got)
        expected = err.get("ctx", {}).get("expected_tags", "")
        hint = None
        if tag == "tiered":
            hint = "Chargebee and Recurly call graduated pricing 'tiered'; write mode: graduated"
        elif isinstance(tag, str):
            hint = did_you_mean(tag, re.findall(r"'([^']*)'", str(expected)))
        return Issue(
            "invalid-value",
            f"{_describe((*path, 'mode'))} must be one of {expected}; found '{tag}'",
            doc.index.locate((*path, "mode")),
            hint,
        )
    if typ == "union_tag_not_found":
        return Issue("missing-field", f"{where} needs 'mode'", doc.index.locate(path))
    if typ == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        words = re.findall(r"'([^']*)'", str(expected))
        return Issue(
            "invalid-value",
            f"{where} must be one of {expected}; found {_found(got)}",
            doc.index.locate(path),
            did_you_mean(str(got), words) if isinstance(got, str) else None,
        )
    if typ in _OWN_CODES:
        hint = None
        if typ == "wrong-type" and isinstance(got, str | bool) and doc.index.raw(path):
            hint = f"write the number without quotes or YAML yes/no words: {doc.index.raw(path)}"
        return Issue(typ, f"{where}: {err['msg']}", doc.index.locate(path), hint)
    if typ in _TYPE_WORDS:
        raw = doc.index.raw(path)
        hint = None
        if typ == "string_type" and raw is not None:
            hint = f"YAML reads the unquoted {raw} as {_found(got)}; write '{raw}'"
        return Issue(
            "wrong-type",
            f"{where} must be {_TYPE_WORDS[typ]}, not {_found(got)}",
            doc.index.locate(path),
            hint,
        )
    return Issue("invalid-value", f"{where}: {err['msg']}", doc.index.locate(path))


def find_price_book_file(path: str | os.PathLike[str]) -> Path:
    """The price-book file of ``path``: the file itself, or ``prices.yaml`` in a folder.

    Examples:
        >>> find_price_book_file("rulesets/pump").name
        'prices.yaml'
    """
    p = Path(path)
    if p.is_dir():
        for name in ("prices.yaml", "prices.yml"):
            if (p / name).is_file():
                return p / name
        return p / "prices.yaml"
    return p


def check_price_book(path: str | os.PathLike[str]) -> tuple[PriceBook | None, list[Issue]]:
    """Load a price book and return it (or ``None``) with every issue found. Never raises.

    Args:
        path: a price-book file, or a folder holding ``prices.yaml``.

    Returns:
        The book when it has no errors (warnings allowed), and all issues in file order.

    Examples:
        >>> book, issues = check_price_book("no/such/prices.yaml")
        >>> book is None, issues[0].code
        (True, 'file-not-found')
    """
    file = find_price_book_file(path)
    doc, issues = read_yaml_file(file, display_path(file))
    return _from_document(doc, issues)


def parse_price_book(text: str | bytes, file: str = "<string>") -> PriceBook:
    """Load a price book from YAML text.

    Args:
        text: the YAML text of a price-book file.
        file: the name used in locations of issues and trace steps.

    Returns:
        The checked, indexed book.

    Raises:
        PriceBookError: with every problem found, each with file:line:col.

    Examples:
        >>> parse_price_book("cpq_prices: '1'\\n")
        Traceback (most recent call last):
        ...
        cpq.errors.PriceBookError: the price book '<string>' has 2 problem(s)
        <string>:1:1: missing-field: the file needs 'price_book'
        <string>:1:1: missing-field: the file needs 'vat'
    """
    doc, issues = parse_yaml(text, file)
    book, all_issues = _from_document(doc, issues)
    return _raise_or_return(book, all_issues, file)


def load_price_book(path: str | os.PathLike[str]) -> PriceBook:
    """Load a price book from a YAML file (or a folder holding ``prices.yaml``).

    Args:
        path: the price-book file, e.g. ``rulesets/pump/prices.yaml``, or its folder.

    Returns:
        The checked, indexed book; non-fatal findings are in ``book.warnings``.

    Raises:
        PriceBookError: with every problem found, each with file:line:col.

    Examples:
        >>> book = load_price_book("rulesets/pump/prices.yaml")
        >>> book.currency
        'EUR'
    """
    book, issues = check_price_book(path)
    return _raise_or_return(book, issues, str(path))


def _raise_or_return(book: PriceBook | None, issues: list[Issue], name: str) -> PriceBook:
    errors = [i for i in issues if i.severity == "error"]
    if book is not None and not errors:
        return book
    raise PriceBookError(errors, f"the price book '{name}' has {len(errors)} problem(s)")


def _from_document(
    doc: YamlDocument | None, issues: list[Issue]
) -> tuple[PriceBook | None, list[Issue]]:
    collector = IssueCollector(list(issues))
    if doc is None:
        return None, list(collector.sorted())
    data = doc.data
    if not isinstance(data, dict) or TOP_LEVEL_KEY not in data:
        collector.add(
            "not-a-price-book",
            f"a price book starts with '{TOP_LEVEL_KEY}: \"{FORMAT_VERSION}\"'",
            SourceLocation(doc.file, 1, 1),
            "rulesets start with 'cpq:'; price books with 'cpq_prices:'",
        )
        return None, list(collector.sorted())
    try:
        with gc_paused():
            spec = PriceBookFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            collector.issues.append(schema_issue(doc, err))
        version = data.get(TOP_LEVEL_KEY)
        if isinstance(version, str) and version != FORMAT_VERSION:
            collector.issues.append(_version_issue(doc, version))
        return None, list(collector.sorted())
    with gc_paused():
        book = _Compiler(doc, spec, collector).run()
    result = list(collector.sorted())
    if collector.has_errors:
        return None, result
    return book, result


def _version_issue(doc: YamlDocument, version: str) -> Issue:
    return Issue(
        "unsupported-version",
        f'this cpq reads price-book format "{FORMAT_VERSION}", not "{version}"',
        doc.index.locate((TOP_LEVEL_KEY,)),
        f'write {TOP_LEVEL_KEY}: "{FORMAT_VERSION}"',
    )


_POWERS_OF_TEN = frozenset(10**k for k in range(7))
_ZERO = Decimal(0)


class _Compiler:
    """Cross-section checks and indexing; collects issues instead of stopping at the first."""

    def __init__(self, doc: YamlDocument, spec: PriceBookFile, issues: IssueCollector) -> None:
        self.doc = doc
        self.spec = spec
        self.issues = issues
        self.currencies: dict[str, Currency] = {}
        self.record_count = 0

    def loc(self, *path: str | int, key: bool = False) -> SourceLocation:
        return self.doc.index.locate(tuple(path), key=key)

    def error(self, code: str, message: str, path: Path_, hint: str | None = None) -> None:
        self.issues.add(code, message, self.doc.index.locate(path), hint)

    # -- entry point ---------------------------------------------------------------------------

    def run(self) -> PriceBook:
        spec = self.spec
        if spec.cpq_prices != FORMAT_VERSION:
            self.issues.issues.append(_version_issue(self.doc, spec.cpq_prices))
        self.compile_currencies()
        book_currency = self.currency(spec.price_book.currency, ("price_book", "currency"))
        settings = self.compile_settings()
        vat = self.compile_vat()
        items = self.compile_items(vat)
        tiers = {
            sid: self.compile_schedule(sid, s, ("tier_schedules", sid))
            for sid, s in spec.tier_schedules.items()
        }
        discounts = {
            sid: self.compile_discount_schedule(sid, ("discount_schedules", sid))
            for sid in spec.discount_schedules
        }
        lists = {
            lid: self.compile_list(lid, book_currency, settings, tiers) for lid in spec.price_lists
        }
        groups = self.compile_groups(lists)
        customers = self.compile_customers(groups, lists, vat)
        contracts = {
            ref: self.compile_contract(ref, book_currency, settings, tiers, customers)
            for ref in spec.contracts
        }
        adjustments = self.compile_adjustments(book_currency, discounts, customers, groups)
        floors = self.compile_floors(book_currency, customers, groups)
        approvals = self.compile_approvals(book_currency, customers, groups)

        list_index: dict[str, list[PriceRecord]] = defaultdict(list)
        general = sorted(
            (pl for pl in lists.values() if pl.kind == "list"), key=lambda p: (-p.priority, p.id)
        )
        for pl in general:
            for sku, recs in pl.by_sku.items():
                list_index[sku].extend(recs)
        by_customer: dict[str, list[Contract]] = defaultdict(list)
        for c in sorted(contracts.values(), key=lambda c: (-c.priority, c.ref)):
            by_customer[c.customer].append(c)

        return PriceBook(
            id=spec.price_book.id,
            name=spec.price_book.name or spec.price_book.id,
            currency=book_currency,
            file=self.doc.file,
            currencies=dict(self.currencies),
            settings=settings,
            vat_categories=vat,
            default_vat=spec.vat.default,
            items=items,
            customers=customers,
            customer_groups=groups,
            tier_schedules=tiers,
            discount_schedules=discounts,
            price_lists=lists,
            contracts=contracts,
            adjustments=adjustments,
            floors=floors,
            approvals=approvals,
            list_index={k: tuple(v) for k, v in list_index.items()},
            contracts_by_customer={k: tuple(v) for k, v in by_customer.items()},
            warnings=tuple(i for i in self.issues.issues if i.severity == "warning"),
            record_count=self.record_count,
        )

    # -- currencies, settings, VAT, items -------------------------------------------------------

    def compile_currencies(self) -> None:
        for code, cs in self.spec.currencies.items():
            if not _CURRENCY_CODE.match(code):
                self.issues.add(
                    "unknown-currency",
                    f"'{code}' is not a currency code (three capital letters, e.g. EUR)",
                    self.loc("currencies", code, key=True),
                )
                continue
            self.currencies[code] = Currency(code, cs.minor_units)

    def currency(self, code: str | None, path: Path_, default: str = "EUR") -> str:
        if code is None:
            return default
        if code in self.currencies:
            return code
        if _CURRENCY_CODE.match(code) and is_known_currency(code):
            self.currencies[code] = Currency(code, currency_minor_units(code))
            return code
        self.error(
            "unknown-currency",
            f"'{code}' is not an ISO 4217 currency code",
            path,
            did_you_mean(code.upper(), ["EUR", "USD", "GBP", "CHF", "JPY", *self.currencies])
            or "declare it under 'currencies:' with its minor_units",
        )
        return code

    def compile_settings(self) -> Settings:
        p = self.spec.pricing
        seen: set[str] = set()
        for i, access in enumerate(p.access_order):
            if access in seen:
                self.error(
                    "invalid-value",
                    f"the access '{access}' appears twice in the access order",
                    ("pricing", "access_order", i),
                )
            seen.add(access)
        for i, access in enumerate(p.best_price):
            if access not in seen:
                self.error(
                    "invalid-value",
                    f"the best-price group names '{access}', which is not in the access order",
                    ("pricing", "best_price", i),
                )
        if p.max_manual_discount is not None and p.max_manual_discount > 100:
            self.error(
                "invalid-value",
                "a discount cannot exceed 100 %",
                ("pricing", "max_manual_discount"),
            )
        return Settings(
            access_order=tuple(p.access_order),
            best_price=frozenset(p.best_price),
            stacking=p.stacking,
            floor_action=p.floor_action,
            tier_quantity=p.tier_quantity,
            max_manual_discount=p.max_manual_discount,
            rounding_mode=self.spec.rounding.mode,
            price_precision=self.spec.rounding.price_precision,
        )

    def compile_vat(self) -> dict[str, VatCategory]:
        vat = self.spec.vat
        out = {
            cid: VatCategory(cid, c.code, c.rate, c.label or cid, c.exemption_reason)
            for cid, c in vat.categories.items()
        }
        if vat.default not in out:
            self.unknown("VAT category", vat.default, out, ("vat", "default"))
        for cid, c in vat.categories.items():
            if c.rate > 100:
                self.error(
                    "invalid-value",
                    "a VAT rate cannot exceed 100 %",
                    ("vat", "categories", cid, "rate"),
                )
        return out

    def unknown(self, what: str, name: str, known: Iterable[str], path: Path_) -> None:
        self.error(
            "unknown-reference",
            f"there is no {what} '{name}'",
            path,
            did_you_mean(name, list(known)),
        )

    def compile_items(self, vat: Mapping[str, VatCategory]) -> dict[str, Item]:
        out: dict[str, Item] = {}
        entries_of = self.doc.index.entries
        file = self.doc.file
        for sku, it in self.spec.items.items():
            if it.vat is not None and it.vat not in vat:
                self.unknown("VAT category", it.vat, vat, ("items", sku, "vat"))
            entry = entries_of.get(("items", sku))
            out[sku] = Item(
                sku,
                it.name or sku,
                it.category,
                it.vat,
                it.cost,
                it.unit,
                it.attributes,
                SourceLocation(file, entry.key_line + 1, entry.key_column + 1)
                if entry is not None
                else self.loc("items", sku, key=True),
            )
        return out

    # -- schedules ---------------------------------------------------------------------------

    def compile_schedule(
        self, sid: str, s: TieredScheduleSpec | PackageScheduleSpec, path: Path_
    ) -> TierSchedule:
        loc = self.doc.index.locate(path)
        if isinstance(s, PackageScheduleSpec):
            if s.package_size <= 0:
                self.error(
                    "invalid-value",
                    "a package must hold more than 0 units",
                    (*path, "package_size"),
                )
            return TierSchedule(
                sid,
                "package",
                (),
                None,
                s.package_size,
                s.package_price,
                s.free_units,
                s.rounding,
                loc,
            )
        tiers: list[Tier] = []
        for i, t in enumerate(s.tiers):
            tpath = (*path, "tiers", i)
            if s.mode == "block":
                if t.block_price is None:
                    self.error("missing-field", "a block tier needs 'block_price'", tpath)
                if t.unit_price is not None:
                    self.error(
                        "invalid-value",
                        "a block tier has a block_price, not a unit_price",
                        (*tpath, "unit_price"),
                        "use mode: volume or graduated for prices per unit",
                    )
                if t.flat_fee:
                    self.error(
                        "invalid-value",
                        "a block tier is already a flat price; flat_fee has no place here",
                        (*tpath, "flat_fee"),
                    )
            else:
                if t.unit_price is None:
                    self.error("missing-field", f"a {s.mode} tier needs 'unit_price'", tpath)
                if t.block_price is not None:
                    self.error(
                        "invalid-value",
                        f"a {s.mode} tier has a unit_price, not a block_price",
                        (*tpath, "block_price"),
                        "use mode: block for one price per quantity range",
                    )
            self.check_tier_bounds(
                s.tiers,
                i,
                tpath,
                "list tiers by ascending min_qty; each tier runs up to the next one's min_qty",
            )
            tiers.append(
                Tier(
                    t.min_qty,
                    t.max_qty,
                    t.unit_price,
                    t.block_price,
                    t.flat_fee,
                    self.doc.index.locate(tpath),
                )
            )
        overage = s.overage.unit_price if s.overage else None
        if overage is not None and s.tiers[-1].max_qty is None:
            self.error(
                "missing-field",
                "an overage needs a closed last tier: give the last tier a 'max_qty'",
                (*path, "overage"),
            )
        return TierSchedule(sid, s.mode, tuple(tiers), overage, None, None, Decimal(0), "up", loc)

    def check_tier_bounds(
        self,
        tiers: Sequence[TierSpec] | Sequence[DiscountTierSpec],
        i: int,
        tpath: Path_,
        order_hint: str,
    ) -> None:
        """Tier ``i`` ends after it starts and starts above the tier before it."""
        t = tiers[i]
        if t.max_qty is not None and t.max_qty < t.min_qty:
            self.error(
                "invalid-value",
                f"max_qty {t.max_qty} is below min_qty {t.min_qty}",
                (*tpath, "max_qty"),
            )
        if i > 0 and t.min_qty <= tiers[i - 1].min_qty:
            self.error(
                "tier-overlap",
                f"tier {i + 1} starts at {t.min_qty}, not above tier {i} "
                f"(which starts at {tiers[i - 1].min_qty})",
                (*tpath, "min_qty"),
                order_hint,
            )

    def compile_discount_schedule(self, sid: str, path: Path_) -> DiscountSchedule:
        s = self.spec.discount_schedules[sid]
        tiers: list[DiscountTier] = []
        for i, t in enumerate(s.tiers):
            tpath = (*path, "tiers", i)
            if t.percent > 100:
                self.error("invalid-value", "a discount cannot exceed 100 %", (*tpath, "percent"))
            self.check_tier_bounds(s.tiers, i, tpath, "list tiers by ascending min_qty")
            tiers.append(
                DiscountTier(t.min_qty, t.max_qty, t.percent, self.doc.index.locate(tpath))
            )
        return DiscountSchedule(sid, s.mode, tuple(tiers), self.doc.index.locate(path))

    def schedule_ref(
        self,
        value: str | TieredScheduleSpec | PackageScheduleSpec,
        schedules: Mapping[str, TierSchedule],
        path: Path_,
        inline_id: str,
    ) -> TierSchedule | None:
        if isinstance(value, str):
            found = schedules.get(value)
            if found is None:
                self.unknown("tier schedule", value, schedules, path)
            return found
        return self.compile_schedule(inline_id, value, path)

    # -- price lists and contracts -----------------------------------------------------------

    def dates(self, start: date | None, end: date | None, path: Path_) -> None:
        if start is not None and end is not None and end < start:
            self.error(
                "invalid-value",
                f"valid_to {end.isoformat()} is before valid_from {start.isoformat()}",
                (*path, "valid_to"),
            )

    def price_unit(self, value: int, path: Path_, has_tiers: bool) -> None:
        if value not in _POWERS_OF_TEN:
            self.error(
                "invalid-value",
                f"price_unit must be 1, 10, 100, 1000 ... (a power of ten), not {value}",
                (*path, "price_unit"),
            )
        elif has_tiers and value != 1:
            self.error(
                "invalid-value",
                "tier prices are per unit; price_unit cannot be combined with tiers",
                (*path, "price_unit"),
            )

    def compile_list(
        self,
        lid: str,
        book_currency: str,
        settings: Settings,
        schedules: Mapping[str, TierSchedule],
    ) -> PriceList:
        pl = self.spec.price_lists[lid]
        path: Path_ = ("price_lists", lid)
        currency = self.currency(pl.currency, (*path, "currency"), book_currency)
        self.dates(pl.valid_from, pl.valid_to, path)
        precision = (
            pl.price_precision if pl.price_precision is not None else settings.price_precision
        )
        by_sku: dict[str, tuple[PriceRecord, ...]] = {}
        valid_from, valid_to = pl.valid_from, pl.valid_to
        entries_of = self.doc.index.entries
        file = self.doc.file
        for sku, value in pl.prices.items():
            if isinstance(value, Decimal):
                # The shorthand "SKU: amount" (most records): no further checks needed.
                entry_loc = entries_of.get(("price_lists", lid, "prices", sku))
                self.record_count += 1
                by_sku[sku] = (
                    PriceRecord(
                        f"price_lists.{lid}.{sku}",
                        pl.kind,
                        lid,
                        sku,
                        None,
                        None,
                        currency,
                        value,
                        None,
                        None,
                        False,
                        1,
                        _ZERO,
                        valid_from,
                        valid_to,
                        pl.priority,
                        precision,
                        SourceLocation(file, entry_loc.line + 1, entry_loc.column + 1)
                        if entry_loc is not None
                        else self.loc(*path),
                    ),
                )
                continue
            entries: list[tuple[PriceEntrySpec, Path_]]
            if isinstance(value, PriceEntrySpec):
                entries = [(value, (*path, "prices", sku))]
            else:
                entries = [(e, (*path, "prices", sku, i)) for i, e in enumerate(value)]
            recs: list[PriceRecord] = []
            for entry, epath in entries:
                if (entry.price is None) == (entry.tiers is None):
                    self.error(
                        "missing-field" if entry.price is None else "invalid-value",
                        f"the price of '{sku}' needs exactly one of 'price' and 'tiers'",
                        epath,
                    )
                    continue
                self.price_unit(entry.price_unit, epath, entry.tiers is not None)
                self.dates(entry.valid_from, entry.valid_to, epath)
                schedule = None
                if entry.tiers is not None:
                    schedule = self.schedule_ref(
                        entry.tiers, schedules, (*epath, "tiers"), f"{lid}/{sku}"
                    )
                self.record_count += 1
                recs.append(
                    PriceRecord(
                        id=f"price_lists.{lid}.{sku}"
                        + (f"[{epath[-1]}]" if isinstance(epath[-1], int) else ""),
                        kind=pl.kind,
                        owner=lid,
                        sku=sku,
                        category=None,
                        filter=None,
                        currency=currency,
                        price=entry.price,
                        schedule=schedule,
                        discount_percent=None,
                        net_only=False,
                        price_unit=entry.price_unit,
                        min_qty=entry.min_qty,
                        valid_from=_later(valid_from, entry.valid_from),
                        valid_to=_earlier(valid_to, entry.valid_to),
                        priority=pl.priority,
                        price_precision=precision,
                        location=self.doc.index.locate(epath),
                    )
                )
            # Highest min_qty first, so the first valid record with min_qty <= qty wins.
            by_sku[sku] = tuple(sorted(recs, key=lambda r: -r.min_qty))
        return PriceList(
            lid,
            pl.kind,
            pl.name or lid,
            currency,
            pl.valid_from,
            pl.valid_to,
            pl.priority,
            by_sku,
            self.loc(*path, key=True),
        )

    def compile_groups(self, lists: Mapping[str, PriceList]) -> dict[str, CustomerGroup]:
        out: dict[str, CustomerGroup] = {}
        for gid, g in self.spec.customer_groups.items():
            self.list_refs(g.price_lists, lists, "group", ("customer_groups", gid, "price_lists"))
            out[gid] = CustomerGroup(
                gid, g.name or gid, tuple(g.price_lists), self.loc("customer_groups", gid, key=True)
            )
        return out

    def list_refs(
        self, refs: list[str], lists: Mapping[str, PriceList], kind: str, path: Path_
    ) -> None:
        for i, ref in enumerate(refs):
            pl = lists.get(ref)
            if pl is None:
                self.unknown("price list", ref, lists, (*path, i))
            elif pl.kind != kind:
                self.error(
                    "price-list-kind",
                    f"the price list '{ref}' is a '{pl.kind}' list; a {'customer group' if kind == 'group' else 'customer'} "
                    f"can only use '{kind}' lists",
                    (*path, i),
                    f"set kind: {kind} on '{ref}'"
                    if pl.kind != "list"
                    else "general lists (kind: list) apply to everyone without being named",
                )

    def compile_customers(
        self,
        groups: Mapping[str, CustomerGroup],
        lists: Mapping[str, PriceList],
        vat: Mapping[str, VatCategory],
    ) -> dict[str, Customer]:
        out: dict[str, Customer] = {}
        specs = self.spec.customers
        for cid, c in specs.items():
            path: Path_ = ("customers", cid)
            if c.group is not None and c.group not in groups:
                self.unknown("customer group", c.group, groups, (*path, "group"))
            if c.parent is not None and c.parent not in specs:
                self.unknown("customer", c.parent, specs, (*path, "parent"))
            if c.vat is not None and c.vat not in vat:
                self.unknown("VAT category", c.vat, vat, (*path, "vat"))
            self.list_refs(c.price_lists, lists, "customer", (*path, "price_lists"))
            out[cid] = Customer(
                cid,
                c.name or cid,
                c.group,
                c.parent,
                c.inherit_from_parent,
                tuple(c.price_lists),
                c.vat,
                self.loc(*path, key=True),
            )
        for cid in specs:
            seen = [cid]
            cur = specs[cid].parent
            while cur is not None and cur in specs:
                if cur in seen:
                    self.error(
                        "invalid-value",
                        "the parent accounts form a cycle: " + " -> ".join([*seen, cur]),
                        ("customers", cid, "parent"),
                    )
                    break
                seen.append(cur)
                cur = specs[cur].parent
        return out

    def compile_contract(
        self,
        ref: str,
        book_currency: str,
        settings: Settings,
        schedules: Mapping[str, TierSchedule],
        customers: Mapping[str, Customer],
    ) -> Contract:
        c = self.spec.contracts[ref]
        path: Path_ = ("contracts", ref)
        if c.customer not in customers:
            self.unknown("customer", c.customer, customers, (*path, "customer"))
        currency = self.currency(c.currency, (*path, "currency"), book_currency)
        self.dates(c.valid_from, c.valid_to, path)
        records: list[PriceRecord] = []
        for i, r in enumerate(c.prices):
            rpath: Path_ = (*path, "prices", i)
            rec = self.contract_record(ref, c.priority, i, r, rpath, currency, settings, schedules)
            if rec is not None:
                records.append(
                    _with_validity(
                        rec, _later(c.valid_from, r.valid_from), _earlier(c.valid_to, r.valid_to)
                    )
                )
        by_sku: dict[str, list[PriceRecord]] = defaultdict(list)
        by_cat: dict[str, list[PriceRecord]] = defaultdict(list)
        filtered: list[PriceRecord] = []
        for rec in records:
            if rec.sku is not None:
                by_sku[rec.sku].append(rec)
            elif rec.category is not None:
                by_cat[rec.category].append(rec)
            else:
                filtered.append(rec)
        self.record_count += len(records)
        return Contract(
            ref,
            c.customer,
            c.name or ref,
            currency,
            c.valid_from,
            c.valid_to,
            c.priority,
            tuple(records),
            {k: tuple(sorted(v, key=lambda r: -r.min_qty)) for k, v in by_sku.items()},
            {k: tuple(sorted(v, key=lambda r: -r.min_qty)) for k, v in by_cat.items()},
            tuple(sorted(filtered, key=lambda r: -r.min_qty)),
            self.loc(*path, key=True),
        )

    def contract_record(
        self,
        ref: str,
        priority: int,
        index: int,
        r: ContractPriceSpec,
        path: Path_,
        currency: str,
        settings: Settings,
        schedules: Mapping[str, TierSchedule],
    ) -> PriceRecord | None:
        scopes = [k for k in ("sku", "category", "filter") if getattr(r, k) is not None]
        kinds = [k for k in ("price", "tiers", "discount_percent") if getattr(r, k) is not None]
        ok = True
        if len(scopes) != 1:
            self.error(
                "missing-field" if not scopes else "invalid-value",
                "a contract price needs exactly one of 'sku', 'category' and 'filter'"
                + (f"; found {', '.join(scopes)}" if scopes else ""),
                path,
            )
            ok = False
        if len(kinds) != 1:
            self.error(
                "missing-field" if not kinds else "invalid-value",
                "a contract price needs exactly one of 'price', 'tiers' and 'discount_percent'"
                + (f"; found {', '.join(kinds)}" if kinds else ""),
                path,
            )
            ok = False
        if r.discount_percent is not None and r.discount_percent > 100:
            self.error(
                "invalid-value", "a discount cannot exceed 100 %", (*path, "discount_percent")
            )
        if r.filter is not None and _filter_is_empty(r.filter):
            self.error(
                "missing-field",
                "a filter needs at least one condition (skus, categories, sku_prefix, attributes)",
                (*path, "filter"),
            )
        self.price_unit(r.price_unit, path, r.tiers is not None)
        self.dates(r.valid_from, r.valid_to, path)
        schedule = None
        if r.tiers is not None:
            schedule = self.schedule_ref(r.tiers, schedules, (*path, "tiers"), f"{ref}/{index}")
        if not ok:
            return None
        return PriceRecord(
            id=f"contracts.{ref}.prices[{index}]",
            kind="contract",
            owner=ref,
            sku=r.sku,
            category=r.category,
            filter=_line_filter(r.filter) if r.filter is not None else None,
            currency=currency,
            price=r.price,
            schedule=schedule,
            discount_percent=r.discount_percent,
            net_only=r.net_only,
            price_unit=r.price_unit,
            min_qty=r.min_qty,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            priority=priority,
            price_precision=settings.price_precision,
            location=self.doc.index.locate(path),
        )

    # -- adjustments, floors, approvals ------------------------------------------------------

    def check_filter(
        self,
        f: AdjustmentFilterSpec | None,
        customers: Mapping[str, Customer],
        groups: Mapping[str, CustomerGroup],
        path: Path_,
    ) -> LineFilter:
        if f is None:
            return EMPTY_FILTER
        for i, cust in enumerate(f.customers or ()):
            if cust not in customers:
                self.unknown("customer", cust, customers, (*path, "customers", i))
        for i, grp in enumerate(f.groups or ()):
            if grp not in groups:
                self.unknown("customer group", grp, groups, (*path, "groups", i))
        for i, cur in enumerate(f.currencies or ()):
            self.currency(cur, (*path, "currencies", i))
        compiled = _line_filter(f)
        return EMPTY_FILTER if compiled == EMPTY_FILTER else compiled

    def unique_ids(self, section: str, ids: list[str]) -> None:
        seen: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident in seen:
                self.error(
                    "duplicate-id",
                    f"the id '{ident}' is used twice in {section} "
                    f"(first at line {self.loc(section, seen[ident]).line})",
                    (section, i, "id"),
                )
            else:
                seen[ident] = i

    def compile_adjustments(
        self,
        book_currency: str,
        schedules: Mapping[str, DiscountSchedule],
        customers: Mapping[str, Customer],
        groups: Mapping[str, CustomerGroup],
    ) -> tuple[Adjustment, ...]:
        specs = self.spec.adjustments
        self.unique_ids("adjustments", [a.id for a in specs])
        out: list[Adjustment] = []
        for i, a in enumerate(specs):
            path: Path_ = ("adjustments", i)
            given = {k for k in ("percent", "amount", "schedule") if getattr(a, k) is not None}
            need: dict[str, tuple[set[str], str]] = {
                "percent": ({"percent"}, "'percent'"),
                "amount": ({"amount"}, "'amount'"),
                "surcharge": ({"percent", "amount"}, "one of 'percent' and 'amount'"),
                "schedule": ({"schedule"}, "'schedule'"),
            }
            allowed, words = need[a.kind]
            if len(given & allowed) != 1 or given - allowed:
                self.error(
                    "missing-field" if not given & allowed else "invalid-value",
                    f"an adjustment of kind '{a.kind}' needs {words}"
                    + (f" and nothing else; found {', '.join(sorted(given))}" if given else ""),
                    path,
                )
                continue
            if a.kind == "percent" and a.percent is not None and a.percent > 100:
                self.error("invalid-value", "a discount cannot exceed 100 %", (*path, "percent"))
            schedule = None
            if a.schedule is not None:
                schedule = schedules.get(a.schedule)
                if schedule is None:
                    self.unknown("discount schedule", a.schedule, schedules, (*path, "schedule"))
                    continue
            self.dates(a.valid_from, a.valid_to, path)
            currency = self.currency(a.currency, (*path, "currency"), book_currency)
            out.append(
                Adjustment(
                    id=a.id,
                    kind=a.kind,
                    label=a.label or a.id,
                    percent=a.percent,
                    amount=a.amount,
                    schedule=schedule,
                    currency=currency,
                    step=a.step if a.step is not None else (i + 1) * 10,
                    order=i,
                    exclusion_group=a.exclusion_group,
                    filter=self.check_filter(
                        a.applies_to, customers, groups, (*path, "applies_to")
                    ),
                    valid_from=a.valid_from,
                    valid_to=a.valid_to,
                    location=self.loc(*path),
                )
            )
        return tuple(sorted(out, key=lambda x: (x.step, x.order)))

    def compile_floors(
        self,
        book_currency: str,
        customers: Mapping[str, Customer],
        groups: Mapping[str, CustomerGroup],
    ) -> tuple[Floor, ...]:
        specs = self.spec.floors
        self.unique_ids("floors", [f.id for f in specs])
        out: list[Floor] = []
        for i, f in enumerate(specs):
            path: Path_ = ("floors", i)
            if (f.min_price is None) == (f.min_margin_percent is None):
                self.error(
                    "missing-field" if f.min_price is None else "invalid-value",
                    "a floor needs exactly one of 'min_price' and 'min_margin_percent'",
                    path,
                )
                continue
            out.append(
                Floor(
                    f.id,
                    self.check_filter(f.applies_to, customers, groups, (*path, "applies_to")),
                    f.min_price,
                    f.min_margin_percent,
                    self.currency(f.currency, (*path, "currency"), book_currency),
                    f.action or self.spec.pricing.floor_action,
                    f.label or f.id,
                    self.loc(*path),
                )
            )
        return tuple(out)

    def compile_approvals(
        self,
        book_currency: str,
        customers: Mapping[str, Customer],
        groups: Mapping[str, CustomerGroup],
    ) -> tuple[ApprovalRule, ...]:
        specs = self.spec.approvals
        self.unique_ids("approvals", [a.id for a in specs])
        out: list[ApprovalRule] = []
        for i, a in enumerate(specs):
            path: Path_ = ("approvals", i)
            bounds = [k for k in ("above", "below") if getattr(a, k) is not None]
            if a.metric == "floor_violation":
                if bounds:
                    self.error(
                        "invalid-value",
                        "floor_violation is yes/no; it takes no 'above' or 'below'",
                        (*path, bounds[0]),
                    )
                    continue
            elif len(bounds) != 1:
                self.error(
                    "missing-field" if not bounds else "invalid-value",
                    f"the metric '{a.metric}' needs exactly one of 'above' and 'below'",
                    path,
                )
                continue
            message = a.message or _default_message(a.metric, a.above, a.below)
            out.append(
                ApprovalRule(
                    a.id,
                    a.metric,
                    a.above,
                    a.below,
                    a.level,
                    message,
                    self.check_filter(a.applies_to, customers, groups, (*path, "applies_to")),
                    self.currency(a.currency, (*path, "currency"), book_currency),
                    self.loc(*path),
                )
            )
        return tuple(out)


def _default_message(metric: str, above: Decimal | None, below: Decimal | None) -> str:
    words = metric.replace("_", " ").replace("percent", "%")
    if metric == "floor_violation":
        return "a price is below its floor"
    if above is not None:
        return f"{words} above {above}"
    return f"{words} below {below}"


def _filter_is_empty(f: ItemFilterSpec) -> bool:
    return all(getattr(f, k) is None for k in ItemFilterSpec.model_fields)


def _set(values: list[str] | None) -> frozenset[str] | None:
    return frozenset(values) if values is not None else None


def _line_filter(f: ItemFilterSpec) -> LineFilter:
    extra = f if isinstance(f, AdjustmentFilterSpec) else None
    return LineFilter(
        skus=_set(f.skus),
        categories=_set(f.categories),
        sku_prefix=f.sku_prefix,
        attributes=tuple(sorted(f.attributes.items())) if f.attributes is not None else None,
        customers=_set(extra.customers) if extra else None,
        groups=_set(extra.groups) if extra else None,
        sources=_set(list(extra.sources) if extra.sources is not None else None) if extra else None,
        currencies=_set(extra.currencies) if extra else None,
        min_qty=extra.min_qty if extra else None,
    )


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _with_validity(rec: PriceRecord, start: date | None, end: date | None) -> PriceRecord:
    from dataclasses import replace

    return replace(rec, valid_from=start, valid_to=end)
