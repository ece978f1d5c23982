"""The products a server answers for: discovered under one folder, cached, reloaded on change.

Products are found the way ``cpq lint`` finds them (every ``*.yaml`` under the folder, sorted,
kind by top-level key). A price book ``prices.yaml`` next to a product file belongs to it; a
quote profile ``quote.yaml`` next to it is passed through to the quote builder. Product ids are
only ever looked up in the discovered set, never turned into paths.

Each product's compiled ruleset and price book are loaded once and kept; every lookup compares
the modification time and size of the files they were read from (the product file, its
includes, the price book, the quote profile) and loads the product again when one changed.
Loading runs under a per-product lock, so concurrent requests never load twice and never see
half-loaded state. This module does not import the web framework.

Example:
    >>> reg = ProductRegistry("rulesets")
    >>> [p.id for p in reg.products()]
    ['vd-drive', 'cp-pump', 'rx-server']
    >>> reg.get("cp-pump").book.currency
    'EUR'
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cpq._yaml import read_yaml_file
from cpq.errors import Issue, PriceBookError, RulesetError
from cpq.lint import _find_files, _kind_of
from cpq.pricing import PriceBook, load_price_book
from cpq.ruleset import Ruleset, load_ruleset

__all__ = ["LoadedProduct", "ProductRegistry", "ProductUnavailable", "UnknownProduct"]

log = logging.getLogger("cpq.server")

_Signature = tuple[tuple[str, int, int], ...]
_COMPANIONS = ("prices.yaml", "quote.yaml")


class UnknownProduct(LookupError):
    """No product with this id was discovered under the rulesets folder."""

    def __init__(self, product: str, known: Sequence[str]) -> None:
        super().__init__(product)
        self.product = product
        self.known = tuple(known)


class ProductUnavailable(RuntimeError):
    """A discovered product's files no longer load (edited into a broken state)."""

    def __init__(self, product: str, issues: Sequence[Issue], root: Path | None = None) -> None:
        super().__init__(product)
        self.product = product
        self.issues = tuple(issues)
        self.root = root

    def issue_dicts(self) -> list[dict[str, object]]:
        """The issues as JSON, file names relative to the rulesets folder (no server paths)."""
        out: list[dict[str, object]] = []
        for issue in self.issues:
            d: dict[str, object] = issue.to_dict()
            file = d.get("file")
            if isinstance(file, str):
                path = Path(file).resolve()
                if self.root is not None and path.is_relative_to(self.root):
                    d["file"] = path.relative_to(self.root).as_posix()
                else:
                    d["file"] = path.name
            out.append(d)
        return out


@dataclass(frozen=True, slots=True)
class LoadedProduct:
    """One product as the server uses it: ruleset, optional price book and quote profile."""

    id: str
    ruleset: Ruleset
    book: PriceBook | None
    quote_profile: Path | None
    version: int
    signature: _Signature = field(repr=False)


@dataclass(slots=True)
class _Source:
    """Where a product comes from (discovery result)."""

    product_file: Path
    prices: Path | None
    quote_profile: Path | None


def _signature(paths: Sequence[Path]) -> _Signature:
    """(path, mtime_ns, size) of each file; a missing file counts as (path, -1, -1)."""
    out: list[tuple[str, int, int]] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append((str(p), -1, -1))
            continue
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def _include_outside(product_file: Path, root: Path) -> str | None:
    """The first include reachable from ``product_file`` that resolves outside ``root``, found
    by reading only the files inside it (the loader would read the outside file before the
    registry could refuse it); ``None`` when every include stays inside."""
    todo = [product_file]
    seen: set[Path] = set()
    while todo and len(seen) < 1000:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        doc, _ = read_yaml_file(path)
        data = doc.data if doc is not None else None
        includes = data.get("include") if isinstance(data, dict) else None
        for inc in includes if isinstance(includes, list) else []:
            if not isinstance(inc, str):
                continue
            try:
                target = (path.parent / inc).resolve()
            except (OSError, ValueError):
                continue  # the loader reports it
            if not _inside(target, root):
                return inc
            if target.is_file():
                todo.append(target)
    return None


class ProductRegistry:
    """Discovers the products under ``root``, loads them lazily and reloads them on change.

    Args:
        root: the rulesets folder; nothing outside it is ever read (a product whose file or
            includes resolve outside it is skipped with a warning).
        prices: extra price books: ``{product id: file}`` overrides or adds the book of that
            product; the key ``"*"`` is a book for every product that has none of its own.
        rescan_interval: seconds between two searches of the folder for new or removed
            products (searches happen only when the list or an unknown id is asked for).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        prices: Mapping[str, str | os.PathLike[str]] | None = None,
        rescan_interval: float = 2.0,
    ) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"'{root}' is not a folder")
        self.extra_prices = {k: Path(v).resolve() for k, v in (prices or {}).items()}
        self.rescan_interval = rescan_interval
        self._lock = threading.Lock()
        self._sources: dict[str, _Source] = {}
        self._order: list[str] = []
        self._scanned = float("-inf")
        self._loaded: dict[str, LoadedProduct] = {}
        self._product_locks: dict[str, threading.Lock] = {}
        self._versions = 0
        self.problems: list[Issue] = []
        self._seen: dict[Path, tuple[tuple[int, int], str, str | None]] = {}
        self._scan()

    # -- discovery ------------------------------------------------------------------------

    def _scan(self) -> None:
        """Search the folder for product files (the discovery of ``cpq lint``).

        A file whose modification time and size are unchanged since the last search is not
        read again (a product file that did not load is tried again every time).
        """
        files, _ = _find_files([self.root])
        sources: dict[str, _Source] = {}
        problems: list[Issue] = []
        seen: dict[Path, tuple[tuple[int, int], str, str | None]] = {}
        for f in files:
            if f.is_symlink() or not _inside(f, self.root):
                continue
            try:
                st = f.stat()
            except OSError:
                continue
            stamp = (st.st_mtime_ns, st.st_size)
            hit = self._seen.get(f)
            if hit is not None and hit[0] == stamp and (hit[1] != "product" or hit[2]):
                seen[f] = hit
                continue
            kind, issues = _kind_of(f)
            pid: str | None = None
            if kind == "broken" and f.name not in _COMPANIONS:
                problems.extend(issues)
            elif kind == "product" and _include_outside(f, self.root) is not None:
                log.warning("skipping %s: it includes files outside %s", f, self.root)
            elif kind == "product":
                try:
                    ruleset = load_ruleset(f)
                except RulesetError as exc:
                    problems.extend(exc.issues)
                    log.warning("skipping %s: it does not load", f.relative_to(self.root))
                else:
                    if all(_inside(Path(x), self.root) for x in ruleset.files):
                        pid = ruleset.product.id
                    else:
                        log.warning("skipping %s: it includes files outside %s", f, self.root)
            if pid is None and hit is not None and hit[2] and f.name not in _COMPANIONS:
                # a product file that loaded before and no longer does keeps its id, so that
                # get() answers "unavailable until fixed" instead of "unknown product"
                kind, pid = "product", hit[2]
            seen[f] = (stamp, kind, pid)
        self._seen = seen
        for f, (_, kind, found) in seen.items():
            if kind != "product" or found is None:
                continue
            pid = found
            if pid in sources:
                log.warning("skipping %s: product id %r is already defined", f, pid)
                continue
            book, quote, _ = self._companions(f, pid)
            sources[pid] = _Source(f, book, quote)
        with self._lock:
            self._sources = sources
            self._order = list(sources)
            self._scanned = time.monotonic()
            self.problems = problems
            for gone in set(self._loaded) - set(sources):
                del self._loaded[gone]

    def _companions(
        self, product_file: Path, pid: str
    ) -> tuple[Path | None, Path | None, list[Path]]:
        """The product's price book and quote profile as they are now, and the files to watch
        for them (``prices.yaml`` and ``quote.yaml`` next to the product whether or not they
        exist, so that adding or removing one is noticed)."""
        own = product_file.parent / "prices.yaml"
        quote = product_file.parent / "quote.yaml"
        extra = self.extra_prices.get(pid)
        watch = [quote] if extra is not None else [own, quote]
        book = extra or (own if own.is_file() else None) or self.extra_prices.get("*")
        if book is not None and book not in watch:
            watch.append(book)
        return book, (quote if quote.is_file() else None), watch

    def _maybe_rescan(self) -> None:
        if time.monotonic() - self._scanned >= self.rescan_interval:
            self._scan()

    # -- lookup -----------------------------------------------------------------------------

    def ids(self) -> list[str]:
        """The ids of the discovered products, in folder order (searches again when due)."""
        self._maybe_rescan()
        with self._lock:
            return list(self._order)

    def products(self) -> list[LoadedProduct]:
        """Every discovered product that loads (broken ones are logged and left out)."""
        out: list[LoadedProduct] = []
        for pid in self.ids():
            try:
                out.append(self.get(pid))
            except (UnknownProduct, ProductUnavailable):
                continue
        return out

    def get(self, product: str) -> LoadedProduct:
        """The product with this id, loaded again when its files changed.

        Raises:
            UnknownProduct: no such product under the folder.
            ProductUnavailable: its files no longer load.
        """
        with self._lock:
            source = self._sources.get(product)
        if source is None:
            self._maybe_rescan()
            with self._lock:
                source = self._sources.get(product)
                known = list(self._order)
            if source is None:
                raise UnknownProduct(product, known)
        if not source.product_file.is_file():  # removed (or renamed): search again
            self._scan()
            with self._lock:
                known = list(self._order)
                source = self._sources.get(product)
            if source is None:
                raise UnknownProduct(product, known)
        with self._lock:
            cached = self._loaded.get(product)
            plock = self._product_locks.setdefault(product, threading.Lock())
        if cached is not None and _signature([Path(p) for p, _, _ in cached.signature]) == (
            cached.signature
        ):
            return cached
        with plock:
            with self._lock:
                cached = self._loaded.get(product)
            if cached is not None and _signature([Path(p) for p, _, _ in cached.signature]) == (
                cached.signature
            ):
                return cached
            loaded = self._load(product, source)
            with self._lock:
                self._loaded[product] = loaded
            return loaded

    def _load(self, product: str, source: _Source) -> LoadedProduct:
        prices, quote_profile, companions = self._companions(source.product_file, product)
        before = _signature([source.product_file.resolve(), *companions])
        if _include_outside(source.product_file, self.root) is not None:
            raise ProductUnavailable(
                product,
                [Issue("include-not-found", "an include points outside the folder")],
                self.root,
            )
        try:
            ruleset = load_ruleset(source.product_file)
        except RulesetError as exc:
            raise ProductUnavailable(product, exc.issues, self.root) from None
        if ruleset.product.id != product:
            raise ProductUnavailable(
                product,
                [Issue("unknown-reference", f"the file now defines '{ruleset.product.id}'")],
                self.root,
            )
        files = [Path(f).resolve() for f in ruleset.files]
        if not all(_inside(f, self.root) for f in files):
            raise ProductUnavailable(
                product,
                [Issue("include-not-found", "an include points outside the folder")],
                self.root,
            )
        book: PriceBook | None = None
        if prices is not None:
            try:
                book = load_price_book(prices)
            except PriceBookError as exc:
                raise ProductUnavailable(product, exc.issues, self.root) from None
        watched = list(dict.fromkeys([source.product_file.resolve(), *files]))
        watched += [p for p in companions if p not in watched]
        # the files read first keep the state they had *before* loading: a change made while
        # loading then shows as a change on the next lookup, which loads again
        first = {entry[0]: entry for entry in before}
        sig = tuple(first.get(e[0], e) for e in _signature(watched))
        self._versions += 1
        log.info("loaded product %s (version %d)", product, self._versions)
        return LoadedProduct(product, ruleset, book, quote_profile, self._versions, sig)
