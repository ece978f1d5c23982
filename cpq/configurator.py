"""The configurator session: user choices, valid options, completion, explanations and repairs.

A :class:`Configurator` holds one user's choices on one ruleset. Choices are *hard*; defaults
are *soft* (they give way when they conflict with the user's choices, in attribute order); values
the choices force are *implied*. Every answer is computed by a solver backend (by default the
incremental ``sat`` backend, one warm solver per session) and every configuration returned is
checked again by the independent evaluator of :mod:`cpq.model.evaluate`.

The session is small and serialisable (:meth:`Configurator.to_json` /
:meth:`Configurator.from_json`), so a stateless web server can keep it in a cookie or a database.
A session belongs to one user and one thread at a time; the compiled model it uses is immutable
and shared.

Example:
    >>> from cpq.model.demo import demo_ruleset
    >>> cfg = Configurator(demo_ruleset())
    >>> _ = cfg.select("medium", "sea_water")
    >>> view = cfg.options()
    >>> view["material"].value("duplex").state
    'implied'
    >>> view["material"].value("cast_iron").reason.rules[0].id
    'sea-water-needs-duplex'
    >>> cfg.check().status
    'incomplete'
    >>> done = cfg.complete()
    >>> done.status, done.values["material"], done.provenance["material"]
    ('valid', 'duplex', 'implied')
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Concatenate, Literal, ParamSpec, TypeAlias, TypeVar

from cpq.bom import BomLine, bill_of_materials
from cpq.errors import (
    ConfigurationError,
    InfeasibleConfigurationError,
    SolverError,
    SolverTimeoutError,
    SourceLocation,
    UnknownSelectionError,
    did_you_mean,
)
from cpq.model.compile import assignment_to_values, compile_model
from cpq.model.describe import describe_choice, rule_text
from cpq.model.evaluate import Value, check_values
from cpq.model.ir import (
    Assignment,
    AttributeVars,
    BoolExpr,
    BoolToInt,
    BoolVar,
    Compare,
    ConstraintModel,
    IntConst,
    IntVar,
    Linear,
    Not,
    NumExpr,
    Objective,
    eval_bool,
)
from cpq.ruleset.model import Ruleset
from cpq.solve.base import Assumption, Backend, Core, Deadline, Domains, SolverSession, SolveStatus
from cpq.solve.explain import minimal_core, minimum_corrections
from cpq.solve.registry import backend_for

__all__ = [
    "AttributeOptions",
    "Choice",
    "Configuration",
    "Configurator",
    "CountResult",
    "Explanation",
    "OptionState",
    "OptionsView",
    "Provenance",
    "Repair",
    "RuleRef",
    "ValueOption",
    "Violation",
    "compiled_model",
]

Provenance: TypeAlias = Literal["user", "default", "implied", "completed"]
"""Why a value is in a configuration: chosen by the user, a default that held, forced by the
user's choices (and the rules), or picked by :meth:`Configurator.complete`."""
OptionState: TypeAlias = Literal["selectable", "selected", "implied", "excluded", "undecided"]
"""A value's state in :meth:`Configurator.options`; ``undecided`` only in a view the time limit
cut short (:attr:`OptionsView.complete` false): neither proven possible nor proven impossible."""
Status: TypeAlias = Literal["valid", "incomplete", "invalid"]
ReasonMode: TypeAlias = Literal["minimal", "core", "none"]

_Set = set
_P = ParamSpec("_P")
_R = TypeVar("_R")
_RANK: dict[str, int] = {"user": 0, "implied": 1, "default": 2, "completed": 3}
_SESSION_FORMAT = 1
INT_EXACT = 16
"""Int attributes with at most this many values get their exact feasible values in
:meth:`Configurator.options`; wider ones get the feasible minimum and maximum."""


# -- compiled models are shared ---------------------------------------------------------------

_MODELS: dict[int, tuple[Ruleset, ConstraintModel]] = {}
_MODELS_LOCK = threading.Lock()
_MODELS_MAX = 32


def compiled_model(ruleset: Ruleset) -> ConstraintModel:
    """The compiled model of a ruleset, compiled once and shared (thread-safe).

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> rs = demo_ruleset()
        >>> compiled_model(rs) is compiled_model(rs)
        True
    """
    key = id(ruleset)
    with _MODELS_LOCK:
        hit = _MODELS.get(key)
        if hit is not None and hit[0] is ruleset:
            return hit[1]
    model = compile_model(ruleset)
    with _MODELS_LOCK:
        if len(_MODELS) >= _MODELS_MAX:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = (ruleset, model)
    return model


class _Shared:
    """What every session on one compiled model shares (thread-safe): interned choices, rule
    texts, and the reasons found so far.

    A reason (an unsatisfiable set of user choices and rules) does not depend on the session
    that found it: it explains the same value in any session whose choices include its own,
    and a minimal one stays minimal. Sessions therefore look reasons up here before asking the
    solver, so the reasons of the first clicks (the costly ones: each click excludes many
    values) are computed once per process, not once per buyer.
    """

    MAX_REASONS = 50_000
    PER_VALUE = 6

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[tuple[str, object, bool], int] = {}
        self.rules: dict[str, RuleRef] = {}
        self.reasons: dict[tuple[object, ...], list[tuple[frozenset[int], Explanation]]] = {}
        self.size = 0

    def choice_id(self, key: tuple[str, object, bool]) -> int:
        with self.lock:
            hit = self.ids.get(key)
            if hit is None:
                hit = self.ids[key] = len(self.ids)
            return hit

    def find(
        self, key: tuple[object, ...], present: frozenset[int], minimal: bool
    ) -> tuple[bool, Explanation | None]:
        """Whether a stored reason for ``key`` holds under the choices ``present`` (the value
        is then excluded, or implied), and the reason itself when it is good enough."""
        with self.lock:
            entries = self.reasons.get(key)
            if not entries:
                return False, None
            known = False
            for ids, expl in entries:
                if ids <= present:
                    if expl.minimal or not minimal:
                        return True, expl
                    known = True
            return known, None

    def add(self, key: tuple[object, ...], ids: frozenset[int], expl: Explanation) -> None:
        with self.lock:
            entries = self.reasons.setdefault(key, [])
            for n, (old, e) in enumerate(entries):
                if old == ids:
                    if expl.minimal and not e.minimal:
                        entries[n] = (ids, expl)
                    return
            entries.append((ids, expl))
            self.size += 1
            if len(entries) > self.PER_VALUE:
                entries.pop(0)
                self.size -= 1
            while self.size > self.MAX_REASONS and self.reasons:
                self.size -= len(self.reasons.pop(next(iter(self.reasons))))


_SHARED: dict[int, tuple[ConstraintModel, _Shared]] = {}


def _shared(model: ConstraintModel) -> _Shared:
    key = id(model)
    with _MODELS_LOCK:
        hit = _SHARED.get(key)
        if hit is not None and hit[0] is model:
            return hit[1]
        if len(_SHARED) >= _MODELS_MAX:
            _SHARED.pop(next(iter(_SHARED)))
        state = _Shared()
        _SHARED[key] = (model, state)
        return state


# -- result types -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """One user choice: ``value`` of ``attribute`` (for a multi attribute: one value id, with
    ``selected`` false when the user ruled the value out)."""

    attribute: str
    value: str | bool | int
    selected: bool = True
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "attribute": self.attribute,
            "value": self.value,
            "selected": self.selected,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule named in an answer: its id, its text (message or generated) and location."""

    id: str
    text: str
    location: SourceLocation | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        loc = self.location
        return {
            "id": self.id,
            "text": self.text,
            "location": str(loc) if loc else None,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why: the user choices and rules that together force or forbid something.

    ``minimal`` is true when removing any one element makes the explanation fall apart.
    """

    choices: tuple[Choice, ...]
    rules: tuple[RuleRef, ...]
    minimal: bool = True

    @property
    def text(self) -> str:
        """The explanation in plain language."""
        parts: list[str] = []
        if self.choices:
            label = "your choice" if len(self.choices) == 1 else "your choices"
            parts.append(f"{label} {'; '.join(c.text for c in self.choices)}")
        for r in self.rules:
            where = f" ({r.location})" if r.location else ""
            parts.append(f"rule '{r.id}': {r.text}{where}")
        return " and ".join(parts) if parts else "the rules of the product"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "choices": [c.to_dict() for c in self.choices],
            "rules": [r.to_dict() for r in self.rules],
            "minimal": self.minimal,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule that a configuration breaks (or that takes part in a conflict)."""

    rule_id: str
    text: str
    location: SourceLocation | None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.rule_id}: {self.text}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "rule": self.rule_id,
            "text": self.text,
            "location": str(self.location) if self.location else None,
        }


@dataclass(frozen=True, slots=True)
class Configuration:
    """Values with provenance, and whether they make a valid configuration.

    Attributes:
        product_id: the ruleset's product id.
        values: every attribute that has a value (all of them when ``status`` is ``valid``).
        provenance: per attribute, where its value comes from (for a multi attribute, the
            strongest provenance of its values).
        member_provenance: per multi attribute, the provenance of each chosen value.
        status: ``valid``, ``incomplete`` (no conflict yet, but required values are missing) or
            ``invalid`` (the user's choices conflict).
        missing: attributes still without a value.
        violations: rules broken (full configurations) or in conflict (partial ones).
        conflict: for an invalid configuration, a minimal conflict.
    """

    product_id: str
    values: Mapping[str, Value]
    provenance: Mapping[str, Provenance]
    member_provenance: Mapping[str, Mapping[str, Provenance]] = field(default_factory=dict)
    status: Status = "valid"
    missing: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    conflict: Explanation | None = None
    ruleset: Ruleset | None = field(default=None, repr=False, compare=False)

    @property
    def is_valid(self) -> bool:
        """Whether the configuration is complete and breaks no rule."""
        return self.status == "valid"

    def raise_for_conflicts(self) -> Configuration:
        """Return ``self`` when not invalid, else raise.

        Raises:
            InfeasibleConfigurationError: the configuration is invalid; ``.conflicts`` holds the
                violations.
        """
        if self.status == "invalid":
            lines = "; ".join(str(v) for v in self.violations)
            raise InfeasibleConfigurationError(
                f"the configuration is invalid: {lines}", self.violations
            )
        return self

    def bom(self) -> list[BomLine]:
        """The bill of materials of this valid configuration (for ``cpq.price(cfg, book, ...)``).

        Raises:
            ConfigurationError: the configuration is not valid, or was built without its
                ruleset (a ``Configuration`` made by hand rather than by a ``Configurator``).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> done = Configurator(demo_ruleset()).select("flow_m3h", 120).complete()
            >>> [(l.sku, str(l.quantity)) for l in done.bom()][-1]
            ('CABLE-M', '4')
        """
        if not self.is_valid:
            raise ConfigurationError("only a valid configuration has a bill of materials")
        if self.ruleset is None:
            raise ConfigurationError(
                "this configuration does not know its ruleset: use "
                "cpq.bill_of_materials(ruleset, configuration.values)"
            )
        return bill_of_materials(self.ruleset, self.values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (sets become sorted lists)."""
        return {
            "product": self.product_id,
            "status": self.status,
            "values": {k: _jsonable(v) for k, v in self.values.items()},
            "provenance": dict(self.provenance),
            "member_provenance": {k: dict(v) for k, v in self.member_provenance.items()},
            "missing": list(self.missing),
            "violations": [v.to_dict() for v in self.violations],
            "conflict": self.conflict.to_dict() if self.conflict else None,
        }


class _Pending:
    """A reason not computed yet: :attr:`ValueOption.reason` computes it on first use."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[], Explanation | None]) -> None:
        self.compute = compute


class ValueOption:
    """The state of one value in the options view (immutable).

    Attributes:
        value: the value id (choice, multi), ``True``/``False`` (bool) or a number (int).
        label: text for buyers.
        state: ``selectable``, ``selected``, ``implied`` or ``excluded``; in a view the time
            limit cut short also ``undecided`` (not proven either way).
        source: for ``selected``: ``user``; for a multi value the user ruled out: ``user``.
        reason: for ``implied`` and ``excluded``: the choices and rules responsible. States are
            final when :meth:`Configurator.options` returns; a reason that no earlier click or
            session has found yet is computed when it is first read (then kept), so a view
            whose reasons nobody reads costs no reason work.
    """

    __slots__ = ("_reason", "label", "source", "state", "value")

    value: str | bool | int
    label: str
    state: OptionState
    source: Provenance | None
    _reason: Explanation | _Pending | None

    def __init__(
        self,
        value: str | bool | int,
        label: str,
        state: OptionState,
        source: Provenance | None = None,
        reason: Explanation | _Pending | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "value", value)
        put(self, "label", label)
        put(self, "state", state)
        put(self, "source", source)
        put(self, "_reason", reason)

    @property
    def reason(self) -> Explanation | None:
        """The choices and rules responsible (``implied`` and ``excluded`` values)."""
        found = self._reason
        if isinstance(found, _Pending):
            found = found.compute()
            object.__setattr__(self, "_reason", found)
        return found

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ValueOption is immutable: cannot set {name!r}")

    def __reduce__(self) -> tuple[object, ...]:
        # pickling and copying read the reason (a deferred one needs the live session)
        return (ValueOption, (self.value, self.label, self.state, self.source, self.reason))

    def _key(self) -> tuple[object, ...]:
        return (self.value, self.label, self.state, self.source, self.reason)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValueOption):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"ValueOption(value={self.value!r}, label={self.label!r}, state={self.state!r}, "
            f"source={self.source!r}, reason={self.reason!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "value": self.value,
            "label": self.label,
            "state": self.state,
            "source": self.source,
            "reason": self.reason.to_dict() if self.reason else None,
        }


@dataclass(frozen=True, slots=True)
class AttributeOptions:
    """The options of one attribute.

    Attributes:
        attribute: the attribute name.
        label: text for buyers.
        type: ``choice``, ``multi``, ``bool`` or ``int``.
        values: the state of each value (int attributes: only a selected or implied value).
        range: int attributes: the smallest and largest value that still leads to a valid
            configuration (``None`` when none does).
        feasible: int attributes with small ranges: every such value.
    """

    attribute: str
    label: str
    type: str
    values: tuple[ValueOption, ...]
    range: tuple[int, int] | None = None
    feasible: tuple[int, ...] | None = None

    def value(self, value: str | bool | int) -> ValueOption:
        """The option of one value.

        Raises:
            KeyError: when the attribute has no such value in this view.
        """
        for v in self.values:
            if v.value == value and isinstance(v.value, bool) == isinstance(value, bool):
                return v
        raise KeyError(value)

    def states(self) -> dict[str | bool | int, OptionState]:
        """``{value: state}`` for every listed value."""
        return {v.value: v.state for v in self.values}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "attribute": self.attribute,
            "label": self.label,
            "type": self.type,
            "values": [v.to_dict() for v in self.values],
            "range": list(self.range) if self.range else None,
            "feasible": list(self.feasible) if self.feasible is not None else None,
        }


@dataclass(frozen=True, slots=True)
class OptionsView:
    """What the guided-selling UI shows after a click.

    ``consistent`` is false when the user's choices conflict (``conflict`` says why; values are
    still judged against the user's choices on *other* attributes, so the UI can offer a way
    out). ``complete`` is false when the time limit cut the computation short. Such a view claims
    only what is proven: ``selectable`` values are part of a solution that was found,
    ``excluded`` and ``implied`` ones are proven (their reason holds), int ranges and feasible
    values hold the values proven possible so far (``range`` is ``None`` when none is proven
    yet), and every other value is ``undecided``. ``consistent`` is then true when no conflict
    was found in time. A view cut short is not kept: the next call computes it again.
    """

    attributes: Mapping[str, AttributeOptions]
    consistent: bool
    conflict: Explanation | None = None
    complete: bool = True

    def __getitem__(self, attribute: str) -> AttributeOptions:
        return self.attributes[attribute]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "consistent": self.consistent,
            "complete": self.complete,
            "conflict": self.conflict.to_dict() if self.conflict else None,
            "attributes": {k: v.to_dict() for k, v in self.attributes.items()},
        }


@dataclass(frozen=True, slots=True)
class Repair:
    """A smallest set of user choices to change, and the values that would make it valid.

    ``alternatives`` lists, per attribute of a removed choice, the values it can take instead
    (for int attributes with a wide range: the feasible minimum and maximum).
    """

    remove: tuple[Choice, ...]
    alternatives: Mapping[str, tuple[Value, ...]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "remove": [c.to_dict() for c in self.remove],
            "alternatives": {k: [_jsonable(x) for x in v] for k, v in self.alternatives.items()},
        }


@dataclass(frozen=True, slots=True)
class CountResult:
    """How many valid configurations there are; ``exact`` is false when a limit was hit."""

    count: int
    exact: bool


def _jsonable(v: object) -> object:
    if isinstance(v, frozenset | set):
        return sorted(v, key=str)
    return v


# -- internal state -------------------------------------------------------------------------

_Key: TypeAlias = tuple[str, str | None]
"""A choice's identity: (attribute, None) or (multi attribute, value id)."""


@dataclass(slots=True)
class _Ctx:
    """User choices prepared once per call: assumptions, choices and their interned ids."""

    items: list[tuple[_Key, Assumption, Choice]]
    assumptions: list[Assumption]
    choices: list[Choice]
    ids: list[int]
    present: frozenset[int]

    def without(self, drop: Iterable[int]) -> _Ctx:
        """The same choices minus the ones at the given positions."""
        gone = set(drop)
        keep = [i for i in range(len(self.items)) if i not in gone]
        ids = [self.ids[i] for i in keep]
        return _Ctx(
            [self.items[i] for i in keep],
            [self.assumptions[i] for i in keep],
            [self.choices[i] for i in keep],
            ids,
            frozenset(ids),
        )


@dataclass(slots=True)
class _Analysis:
    consistent: bool
    domains: Domains | None
    model: Assignment | None
    kept_defaults: list[tuple[_Key, Assumption]]


def _locked(
    fn: Callable[Concatenate[Configurator, _P], _R],
) -> Callable[Concatenate[Configurator, _P], _R]:
    """Run a method under the session's lock (reasons computed when read share the solver)."""

    def wrapper(self: Configurator, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return fn(self, *args, **kwargs)

    functools.update_wrapper(wrapper, fn)
    return wrapper


class Configurator:
    """A configurator session for one user.

    Args:
        ruleset: the loaded ruleset.
        backend: ``auto`` (the interactive default, ``sat``), ``sat``, ``cpsat`` or
            ``pyconstraint``.
        time_limit: seconds for each operation.

    Example:
        >>> from cpq.model.demo import demo_ruleset
        >>> cfg = Configurator(demo_ruleset())
        >>> cfg.select("atex").select("medium", "water").choices
        {'atex': True, 'medium': 'water'}
    """

    def __init__(
        self, ruleset: Ruleset, *, backend: str = "auto", time_limit: float = 10.0
    ) -> None:
        self.ruleset = ruleset
        self.model = compiled_model(ruleset)
        self.backend_name = backend
        self.time_limit = time_limit
        self._choices: dict[str, Any] = {}
        self._session: SolverSession | None = None
        self._backend: Backend | None = None
        self._analysis: _Analysis | None = None
        self._options: dict[str, OptionsView] = {}
        self._witness: dict[tuple[str, object], Assignment] = {}
        self._label_cache: dict[str, list[tuple[str | bool, str, Assumption]]] = {}
        self._item_cache: dict[tuple[str, object, bool], tuple[Assumption, Choice]] = {}
        self._shared = _shared(self.model)
        self._lock = threading.RLock()
        self._pending_limit = time_limit

    # -- choices ----------------------------------------------------------------------------

    @property
    def choices(self) -> dict[str, Value | dict[str, bool]]:
        """The user's choices in click order (multi attributes: value id -> chosen or not)."""
        return {k: dict(v) if isinstance(v, dict) else v for k, v in self._choices.items()}

    def _attr(self, attribute: str) -> AttributeVars:
        try:
            return self.model.attribute(attribute)
        except KeyError:
            hint = did_you_mean(attribute, self.ruleset.attributes)
            raise UnknownSelectionError(
                f"there is no attribute '{attribute}'" + (f" ({hint})" if hint else "")
            ) from None

    def _check_value(self, av: AttributeVars, value: object) -> Value:
        name = av.attribute
        if av.type in ("choice", "multi"):
            if not isinstance(value, str) or value not in av.values:
                hint = did_you_mean(str(value), av.values)
                raise UnknownSelectionError(
                    f"{value!r} is not a value of '{name}'" + (f" ({hint})" if hint else "")
                )
            return value
        if av.type == "bool":
            if not isinstance(value, bool):
                raise UnknownSelectionError(f"'{name}' is yes/no: select True or False")
            return value
        assert av.int_var is not None
        if isinstance(value, bool) or not isinstance(value, int):
            raise UnknownSelectionError(f"'{name}' takes a whole number, not {value!r}")
        if not av.int_var.lo <= value <= av.int_var.hi:
            raise UnknownSelectionError(
                f"{value} is outside the range [{av.int_var.lo}, {av.int_var.hi}] of '{name}'"
            )
        return value

    def _changed(self) -> None:
        self._analysis = None
        self._options.clear()

    def select(self, attribute: str, value: object = True) -> Configurator:
        """Choose a value: a value id (choice; multi: add it), True/False (bool), a number (int).

        Raises:
            UnknownSelectionError: no such attribute or value.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> cfg.select("accessories", "flange_kit").choices
            {'accessories': {'flange_kit': True}}
        """
        av = self._attr(attribute)
        v = self._check_value(av, value)
        if av.type == "multi":
            members = dict(self._choices.pop(attribute, {}))
            members.pop(str(v), None)
            members[str(v)] = True
            self._choices[attribute] = members
        else:
            self._choices.pop(attribute, None)
            self._choices[attribute] = v
        self._changed()
        return self

    def deselect(self, attribute: str, value: object = None) -> Configurator:
        """Take back a choice (for a multi attribute: one value's, or all when ``value`` is None).

        Raises:
            UnknownSelectionError: no such attribute or value.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> cfg.select("medium", "water").deselect("medium").choices
            {}
        """
        av = self._attr(attribute)
        if av.type == "multi" and value is not None:
            v = self._check_value(av, value)
            members = dict(self._choices.get(attribute, {}))
            members.pop(str(v), None)
            if members:
                self._choices[attribute] = members
            else:
                self._choices.pop(attribute, None)
        else:
            self._choices.pop(attribute, None)
        self._changed()
        return self

    def set(self, attribute: str, value: object) -> Configurator:
        """Set an attribute's whole value; for a multi attribute an iterable of value ids (every
        other value is then ruled out).

        Raises:
            UnknownSelectionError: no such attribute or value.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> cfg.set("accessories", ["flange_kit"]).choices["accessories"]
            {'flange_kit': True, 'vibration_sensor': False}
        """
        av = self._attr(attribute)
        if av.type != "multi":
            return self.select(attribute, value)
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise UnknownSelectionError(f"'{attribute}' takes a list of value ids")
        chosen = {str(self._check_value(av, x)) for x in value}
        self._choices.pop(attribute, None)
        self._choices[attribute] = {vid: vid in chosen for vid in av.values}
        self._changed()
        return self

    def reset(self) -> Configurator:
        """Forget every choice."""
        self._choices.clear()
        self._changed()
        return self

    # -- assumptions --------------------------------------------------------------------------

    def _items(self) -> list[tuple[_Key, Assumption, Choice]]:
        out: list[tuple[_Key, Assumption, Choice]] = []
        for name, v in self._choices.items():
            if isinstance(v, dict):
                for vid, sel in v.items():
                    a, ch = self._item(name, vid, sel)
                    out.append(((name, vid), a, ch))
                continue
            a, ch = self._item(name, v, True)
            out.append(((name, None), a, ch))
        return out

    def _item(self, name: str, value: Any, selected: bool) -> tuple[Assumption, Choice]:
        """The assumption and the described choice of one user choice (cached)."""
        key = (name, value, selected)
        hit = self._item_cache.get(key)
        if hit is None or type(hit[1].value) is not type(value):
            av = self.model.attribute(name)
            text = describe_choice(self.ruleset, name, value, selected)
            ch = Choice(name, value, selected, text)
            if av.type == "multi":
                lit = av.lit(value)
                hit = (lit if selected else Not(lit), ch)
            else:
                hit = (self._fix(av, value), ch)
            self._item_cache[key] = hit
        return hit

    def _ctx(self, items: list[tuple[_Key, Assumption, Choice]] | None = None) -> _Ctx:
        items = self._items() if items is None else items
        choice_id = self._shared.choice_id
        ids = [choice_id((c.attribute, c.value, c.selected)) for _, _, c in items]
        return _Ctx(
            items,
            [a for _, a, _ in items],
            [c for _, _, c in items],
            ids,
            frozenset(ids),
        )

    def _fix(self, av: AttributeVars, v: Value) -> Assumption:
        if av.type == "choice":
            assert isinstance(v, str)
            return av.lit(v)
        if av.type == "bool":
            return av.lits[0] if v else Not(av.lits[0])
        assert av.int_var is not None and isinstance(v, int)
        return Compare("==", av.int_var, IntConst(v))

    def _defaults(self) -> list[tuple[_Key, Assumption]]:
        """Soft defaults in attribute order (bool without default: false; multi: not chosen)."""
        out: list[tuple[_Key, Assumption]] = []
        for attr in self.ruleset.attributes.values():
            av = self.model.attribute(attr.name)
            user = self._choices.get(attr.name)
            if av.type == "multi":
                decided = user or {}
                default = set(attr.default or ())  # type: ignore[arg-type]
                for vid, lit in zip(av.values, av.lits, strict=True):
                    if vid not in decided:
                        out.append(((attr.name, vid), lit if vid in default else Not(lit)))
                continue
            if user is not None:
                continue
            if av.type == "bool":
                out.append(((attr.name, None), self._fix(av, bool(attr.default))))
            elif attr.default is not None:
                out.append(((attr.name, None), self._fix(av, attr.default)))  # type: ignore[arg-type]
        return out

    # -- solver plumbing ------------------------------------------------------------------------

    @property
    def session(self) -> SolverSession:
        """The solver session (opened on first use)."""
        if self._session is None:
            self._backend = backend_for("options", self.backend_name)
            self._session = self._backend.open(self.model)
        return self._session

    def close(self) -> None:
        """Release the solver (the session can still be used; it reopens on demand)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def _limit(self, time_limit: float | None) -> float:
        return self.time_limit if time_limit is None else time_limit

    def _rule_ref(self, rule_id: str) -> RuleRef:
        refs = self._shared.rules
        hit = refs.get(rule_id)
        if hit is None:
            rule = self.ruleset.rule(rule_id)
            hit = refs[rule_id] = RuleRef(rule_id, rule_text(self.ruleset, rule), rule.location)
        return hit

    def _tested_key(self, tested: Assumption) -> tuple[object, ...]:
        """The key under which the reasons for ``tested`` being impossible are stored.

        "Not b" of a choice attribute with two values is "a" (exactly one holds), so the reason
        why ``b`` is implied is the reason why ``a`` is excluded: one key, one computation.
        """
        if isinstance(tested, BoolVar):
            return ("lit", tested.index + 1)
        if isinstance(tested, Not) and isinstance(tested.arg, BoolVar):
            var = tested.arg
            av = self.model.attribute(var.attribute)
            if av.type == "choice" and len(av.lits) == 2:
                other = av.lits[1] if av.lits[0].index == var.index else av.lits[0]
                return ("lit", other.index + 1)
            return ("lit", -(var.index + 1))
        assert isinstance(tested, Compare)
        assert isinstance(tested.left, IntVar) and isinstance(tested.right, IntConst)
        return ("int", tested.left.index, tested.op, tested.right.value)

    def _explanation(self, core: Core, choices: Sequence[Choice], minimal: bool) -> Explanation:
        return Explanation(
            tuple(choices[i] for i in core.assumptions if i < len(choices)),
            tuple(self._rule_ref(r) for r in core.rules),
            minimal,
        )

    def _reason(
        self,
        ctx: _Ctx,
        tested: Assumption,
        core: Core | None,
        mode: ReasonMode,
        deadline: Deadline,
        key: tuple[object, ...] | None = None,
    ) -> Explanation | None:
        """Why ``tested`` is impossible under the choices of ``ctx``: a stored reason whose
        choices are all still made (any session's), else from the core (minimised for
        ``minimal``)."""
        if mode == "none":
            return None
        if key is not None:
            _, cached = self._shared.find(key, ctx.present, mode == "minimal")
            if cached is not None:
                return cached
        if core is None:  # e.g. found by unit propagation: ask for a core
            res = self.session.solve([*ctx.assumptions, tested], time_limit=deadline.remaining())
            core = res.core
        if mode == "core":
            if core is None:
                return None
            found = self._explanation(core, ctx.choices, False)
        else:
            small = minimal_core(
                self.session,
                ctx.assumptions,
                extra=[tested],
                core=core,
                time_limit=max(0.001, deadline.remaining()),
            )
            if small is None:  # cannot happen for a proven exclusion; be safe
                return None
            core = small
            found = self._explanation(small, ctx.choices, not deadline.expired())
        if key is not None:
            self._shared.add(key, self._ids_of(ctx, core), found)
        return found

    @staticmethod
    def _ids_of(ctx: _Ctx, core: Core) -> frozenset[int]:
        return frozenset(ctx.ids[i] for i in core.assumptions if i < len(ctx.ids))

    def _later(
        self,
        ctx: _Ctx,
        tested: Assumption,
        core: Core | None,
        mode: ReasonMode,
        key: tuple[object, ...],
    ) -> Explanation | _Pending | None:
        """The reason for an options view: a stored one at once, else computed when read."""
        known, cached = self._shared.find(key, ctx.present, mode == "minimal")
        if cached is not None:
            return None if mode == "none" else cached
        if core is not None and not known:
            # the solver's core is a sound reason: stored now, later clicks and sessions know
            # the value is excluded without asking the solver (minimised when read)
            self._shared.add(
                key, self._ids_of(ctx, core), self._explanation(core, ctx.choices, False)
            )
        if mode == "none":
            return None
        limit = self._pending_limit

        def compute() -> Explanation | None:
            with self._lock:
                return self._reason(ctx, tested, core, mode, Deadline(limit), key)

        return _Pending(compute)

    def _analyse(self, deadline: Deadline, *, partial: bool = False) -> _Analysis:
        """The valid domains, a solution and the defaults that fit, within ``deadline``.

        When time runs out before a solution with the defaults is known, this raises
        :class:`SolverTimeoutError`, or with ``partial`` returns what is proven so far (the
        domains, perhaps incomplete, and no solution). Only a finished analysis is kept for the
        next call.
        """
        if self._analysis is not None:
            return self._analysis
        items = self._items()
        assumptions = [a for _, a, _ in items]
        session = self.session  # opening it counts against the deadline
        dom = session.domains(
            assumptions, time_limit=deadline.remaining(), int_exact_limit=INT_EXACT
        )
        if dom.status is SolveStatus.UNSAT:
            return self._keep_analysis(_Analysis(False, dom, None, []), deadline)
        if dom.status is SolveStatus.UNKNOWN and not any(dom.bools):
            return self._timed_out(dom, partial)
        defaults = self._defaults()
        prefer = getattr(session, "prefer", None)
        if (
            prefer is not None
            and self._backend is not None
            and self._backend.capabilities.supports("hints")
        ):
            prefer([d for _, d in defaults])
        # a default whose value no valid configuration has gives way at once; when all the
        # others fit together (the usual case) one call keeps them all
        possible = [(k, d) for k, d in defaults if self._possible(d, dom)]
        native = getattr(session, "keep_defaults", None)
        if native is not None:
            got: tuple[list[int], Assignment] | None = native(
                assumptions, [d for _, d in possible], time_limit=deadline.remaining()
            )
            if got is None:
                return self._timed_out(dom, partial)
            found = _Analysis(True, dom, got[1], [possible[i] for i in got[0]])
            return self._keep_analysis(found, deadline)
        first = session.solve(assumptions, time_limit=deadline.remaining())
        if first.status is not SolveStatus.SAT:
            return self._timed_out(dom, partial)
        assert first.assignment is not None
        current = first.assignment
        kept: list[tuple[_Key, Assumption]] = []
        together = session.solve(
            [*assumptions, *(d for _, d in possible)], time_limit=deadline.remaining()
        )
        if together.status is SolveStatus.SAT:
            assert together.assignment is not None
            found = _Analysis(True, dom, together.assignment, possible)
            return self._keep_analysis(found, deadline)
        for key, d in possible:
            if eval_bool(d, current):
                kept.append((key, d))
                continue
            res = session.solve(
                [*assumptions, *(a for _, a in kept), d], time_limit=deadline.remaining()
            )
            if res.status is SolveStatus.SAT:
                assert res.assignment is not None
                current = res.assignment
                kept.append((key, d))
        return self._keep_analysis(_Analysis(True, dom, current, kept), deadline)

    def _keep_analysis(self, analysis: _Analysis, deadline: Deadline) -> _Analysis:
        """Remember a finished analysis (one cut short by the deadline is redone next time)."""
        assert analysis.domains is not None
        if analysis.domains.complete and not deadline.expired():
            self._analysis = analysis
        return analysis

    @staticmethod
    def _timed_out(dom: Domains, partial: bool) -> _Analysis:
        if not partial:
            raise SolverTimeoutError(
                "the time limit was reached before the choices could be checked"
            )
        return _Analysis(True, dom, None, [])

    def _possible(self, d: Assumption, dom: Domains) -> bool:
        """Whether the valid domains allow a default at all (always, when they are not exact)."""
        if not dom.complete:
            return True
        if isinstance(d, Not) and not isinstance(d.arg, Not | Compare):
            return False in dom.bools[d.arg.index]  # type: ignore[union-attr]
        if isinstance(d, Compare):
            if not isinstance(d.right, IntConst):
                return True
            bounds = dom.int_bounds[d.left.index]  # type: ignore[union-attr]
            return bounds is not None and bounds[0] <= d.right.value <= bounds[1]
        if isinstance(d, Not):
            return True
        return True in dom.bools[d.index]

    # -- check -----------------------------------------------------------------------------------

    def _fully_chosen(self) -> dict[str, Value] | None:
        values: dict[str, Value] = {}
        for av in self.model.attributes:
            v = self._choices.get(av.attribute)
            if v is None:
                return None
            if av.type == "multi":
                if set(v) != set(av.values):
                    return None
                values[av.attribute] = frozenset(k for k, sel in v.items() if sel)
            else:
                values[av.attribute] = v
        return values

    @_locked
    def check(self, *, time_limit: float | None = None) -> Configuration:
        """Where the session stands: ``valid``, ``incomplete`` or ``invalid``.

        A configuration where the user chose every attribute is checked by the evaluator
        alone (no solver). Otherwise the user's choices are checked for consistency, implied
        values are added, then defaults where they fit.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> r = cfg.select("medium", "sea_water").select("material", "cast_iron").check()
            >>> r.status, [v.rule_id for v in r.violations]
            ('invalid', ['sea-water-needs-duplex'])
        """
        full = self._fully_chosen()
        if full is not None:
            return self._check_full(full)
        deadline = Deadline(self._limit(time_limit))
        analysis = self._analyse(deadline)
        if not analysis.consistent:
            conflict = self.explain(time_limit=deadline.remaining())
            values = {k: v for k, v in self._user_values().items()}
            prov: dict[str, Provenance] = {k: "user" for k in values}
            violations = tuple(
                Violation(r.id, r.text, r.location) for r in (conflict.rules if conflict else ())
            )
            return Configuration(
                self.model.product_id,
                values,
                prov,
                self._member_prov(values, {}),
                "invalid",
                (),
                violations,
                conflict,
                self.ruleset,
            )
        return self._current(analysis)

    def _user_values(self) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for name, v in self._choices.items():
            if isinstance(v, dict):
                out[name] = frozenset(k for k, sel in v.items() if sel)
            else:
                out[name] = v
        return out

    def _member_prov(
        self, values: Mapping[str, Value], member: Mapping[str, Mapping[str, Provenance]]
    ) -> dict[str, dict[str, Provenance]]:
        out: dict[str, dict[str, Provenance]] = {}
        for av in self.model.attributes:
            if av.type != "multi" or av.attribute not in values:
                continue
            chosen = values[av.attribute]
            assert isinstance(chosen, frozenset)
            known = member.get(av.attribute, {})
            user = self._choices.get(av.attribute, {})
            out[av.attribute] = {
                vid: ("user" if vid in user else known.get(vid, "completed"))
                for vid in av.values
                if vid in chosen
            }
        return out

    def _check_full(self, values: dict[str, Value]) -> Configuration:
        violated = check_values(self.ruleset, values)
        prov: dict[str, Provenance] = {k: "user" for k in values}
        violations = []
        for rid in violated:
            if rid.endswith(":selection"):
                attr = rid.split(":")[0]
                violations.append(
                    Violation(
                        rid,
                        f"the number of values chosen for '{attr}' is out of bounds",
                        self.ruleset.attributes[attr].location,
                    )
                )
            else:
                ref = self._rule_ref(rid)
                violations.append(Violation(rid, ref.text, ref.location))
        return Configuration(
            self.model.product_id,
            values,
            prov,
            self._member_prov(values, {}),
            "invalid" if violations else "valid",
            (),
            tuple(violations),
            ruleset=self.ruleset,
        )

    def _implied_lits(self, dom: Domains) -> dict[_Key, Value]:
        """Attributes (and multi values) whose value the user's choices force."""
        out: dict[_Key, Value] = {}
        for av in self.model.attributes:
            if av.type == "choice":
                possible = [
                    vid
                    for vid, lit in zip(av.values, av.lits, strict=True)
                    if True in dom.bools[lit.index]
                ]
                if len(possible) == 1:
                    out[(av.attribute, None)] = possible[0]
            elif av.type == "bool":
                b = dom.bools[av.lits[0].index]
                if len(b) == 1:
                    out[(av.attribute, None)] = next(iter(b))
            elif av.type == "multi":
                for vid, lit in zip(av.values, av.lits, strict=True):
                    b = dom.bools[lit.index]
                    if len(b) == 1:
                        out[(av.attribute, vid)] = next(iter(b))
            else:
                assert av.int_var is not None
                vals = dom.ints[av.int_var.index]
                bounds = dom.int_bounds[av.int_var.index]
                if dom.complete and bounds is not None and bounds[0] == bounds[1]:
                    out[(av.attribute, None)] = bounds[0]
                elif (
                    len(vals) == 1
                    and av.int_var.hi - av.int_var.lo + 1 <= INT_EXACT
                    and dom.complete
                ):
                    out[(av.attribute, None)] = next(iter(vals))
        return out

    def _current(self, analysis: _Analysis) -> Configuration:
        assert analysis.domains is not None and analysis.model is not None
        implied = self._implied_lits(analysis.domains) if analysis.domains.complete else {}
        kept = {key for key, _ in analysis.kept_defaults}
        model_values = assignment_to_values(self.model, analysis.model)
        values: dict[str, Value] = {}
        prov: dict[str, Provenance] = {}
        member: dict[str, dict[str, Provenance]] = {}
        missing: list[str] = []
        for av in self.model.attributes:
            name = av.attribute
            user = self._choices.get(name)
            if av.type == "multi":
                decided = user or {}
                chosen: set[str] = set()
                mprov: dict[str, Provenance] = {}
                for vid in av.values:
                    key = (name, vid)
                    if vid in decided:
                        src: Provenance = "user"
                        inside = bool(decided[vid])
                    elif key in implied:
                        src = "implied"
                        inside = bool(implied[key])
                    else:
                        src = "default"
                        inside = vid in model_values[name]  # type: ignore[operator]
                    mprov[vid] = src
                    if inside:
                        chosen.add(vid)
                values[name] = frozenset(chosen)
                member[name] = {vid: p for vid, p in mprov.items() if vid in chosen}
                ranks = [mprov[v] for v in chosen] or list(mprov.values())
                prov[name] = min(ranks, key=lambda p: _RANK[p]) if ranks else "default"
                continue
            key1: _Key = (name, None)
            if user is not None:
                values[name], prov[name] = user, "user"
            elif key1 in implied:
                values[name], prov[name] = implied[key1], "implied"
            elif key1 in kept:
                values[name], prov[name] = model_values[name], "default"
            else:
                missing.append(name)
        if missing:
            return Configuration(
                self.model.product_id,
                values,
                prov,
                member,
                "incomplete",
                tuple(missing),
                ruleset=self.ruleset,
            )
        self._guard(values)
        return Configuration(
            self.model.product_id, values, prov, member, "valid", ruleset=self.ruleset
        )

    def _guard(self, values: Mapping[str, Value]) -> None:
        violated = check_values(self.ruleset, values)
        if violated:
            raise SolverError(
                "internal error: the solver returned a configuration the evaluator rejects "
                f"(rules {', '.join(violated)}); please report this with the ruleset"
            )

    # -- options -----------------------------------------------------------------------------------

    @_locked
    def options(
        self, *, reasons: ReasonMode = "minimal", time_limit: float | None = None
    ) -> OptionsView:
        """The state of every value: selectable, selected, implied or excluded.

        A value is judged against the user's choices on the *other* attributes (for a multi
        value: all other choices), so a selected attribute still shows which alternatives work.
        ``excluded`` values cannot be part of any valid configuration under those choices,
        ``selectable`` ones can (the answer is exact: "backtrack-free"); ``implied`` values are
        forced. Excluded and implied values carry a reason: ``minimal`` (every choice and rule
        in it is needed), ``core`` (faster, maybe not minimal) or ``none``.

        The time limit (default: the session's) is a deadline for the whole call. When it is
        reached, the view comes back with ``complete`` false and the values not decided yet
        ``undecided`` (see :class:`OptionsView`); it never raises for a time out.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> _ = cfg.select("motor", "m55")
            >>> cfg.options()["flow_m3h"].range
            (5, 110)
            >>> Configurator(demo_ruleset()).options(time_limit=0).complete
            False
        """
        cached = self._options.get(reasons)
        if cached is not None:
            return cached
        self._pending_limit = self._limit(time_limit)
        deadline = Deadline(self._pending_limit)
        analysis = self._analyse(deadline, partial=True)
        dom = analysis.domains
        assert dom is not None
        ctx = self._ctx()
        conflict = None if analysis.consistent else self.explain(time_limit=deadline.remaining())
        complete = dom.complete and (conflict is None or conflict.minimal)
        by_attr: dict[str, list[int]] = {}
        for i, (key, _, _) in enumerate(ctx.items):
            by_attr.setdefault(key[0], []).append(i)
        out: dict[str, AttributeOptions] = {}
        for av in self.model.attributes:
            attr = self.ruleset.attributes[av.attribute]
            own = by_attr.get(av.attribute, [])
            if av.type == "int":
                opt, ok = self._int_options(
                    av, ctx, own, dom, analysis.consistent, reasons, deadline
                )
            elif own or not analysis.consistent:
                opt, ok = self._local_options(av, ctx, own, reasons, deadline)
            else:
                opt, ok = self._global_options(av, ctx, dom, reasons, deadline)
            complete &= ok
            out[av.attribute] = AttributeOptions(
                av.attribute, attr.label, av.type, opt.values, opt.range, opt.feasible
            )
        view = OptionsView(out, analysis.consistent, conflict, complete)
        if complete:  # a view cut short is computed again by the next call
            self._options[reasons] = view
        return view

    def _labels(self, av: AttributeVars) -> list[tuple[str | bool, str, Assumption]]:
        hit = self._label_cache.get(av.attribute)
        if hit is None:
            hit = self._label_cache[av.attribute] = self._make_labels(av)
        return hit

    def _make_labels(self, av: AttributeVars) -> list[tuple[str | bool, str, Assumption]]:
        attr = self.ruleset.attributes[av.attribute]
        if av.type == "bool":
            lit = av.lits[0]
            return [(True, "yes", lit), (False, "no", Not(lit))]
        return [
            (vid, attr.values[vid].label, lit) for vid, lit in zip(av.values, av.lits, strict=True)
        ]

    def _global_options(
        self,
        av: AttributeVars,
        ctx: _Ctx,
        dom: Domains,
        reasons: ReasonMode,
        deadline: Deadline,
    ) -> tuple[AttributeOptions, bool]:
        """Options of an attribute the user has not chosen, from the valid domains."""
        values: list[ValueOption] = []
        complete = True
        exact = dom.complete
        for value, label, lit in self._labels(av):
            var = lit if not isinstance(lit, Not) else lit.arg
            assert not isinstance(var, Not | Compare)
            idx = var.index  # type: ignore[union-attr]
            positive = not isinstance(lit, Not)
            possible = dom.bools[idx]
            can = positive in possible  # a solution has it (proven, even when cut short)
            # impossible (or forced): proven by exact domains, or by a core when cut short
            cannot = not can and (exact or (idx, positive) in dom.cores)
            must = (
                can
                and possible == frozenset({positive})
                and (exact or (idx, not positive) in dom.cores)
            )
            if cannot:
                core = dom.cores.get((idx, positive))
                reason = self._later(ctx, lit, core, reasons, self._tested_key(lit))
                values.append(ValueOption(value, label, "excluded", None, reason))
            elif not can:
                complete = False
                values.append(ValueOption(value, label, "undecided"))
            elif must and av.type in ("choice", "bool", "multi"):
                core = dom.cores.get((idx, not positive))
                neg: Assumption = Not(lit) if positive else var  # type: ignore[assignment]
                reason = self._later(ctx, neg, core, reasons, self._tested_key(neg))
                values.append(ValueOption(value, label, "implied", "implied", reason))
            else:
                values.append(ValueOption(value, label, "selectable"))
        return AttributeOptions(av.attribute, "", av.type, tuple(values)), complete

    def _local_options(
        self,
        av: AttributeVars,
        ctx: _Ctx,
        own: list[int],
        reasons: ReasonMode,
        deadline: Deadline,
    ) -> tuple[AttributeOptions, bool]:
        """Options of an attribute the user has chosen (or of any attribute in a conflict):
        every value judged against the other choices (for a multi value: all other choices)."""
        complete = True
        values: list[ValueOption] = []
        user = self._choices.get(av.attribute)
        others = ctx.without(own) if av.type != "multi" else None
        for value, label, lit in self._labels(av):
            if av.type == "multi":
                decided = (user or {}).get(value)
                if decided is True:
                    values.append(ValueOption(value, label, "selected", "user"))
                    continue
                mine = [i for i in own if ctx.items[i][0] == (av.attribute, value)]
                sub = ctx.without(mine)
                source: Provenance | None = "user" if decided is False else None
            else:
                if (
                    user is not None
                    and user == value
                    and isinstance(user, bool) == isinstance(value, bool)
                ):
                    values.append(ValueOption(value, label, "selected", "user"))
                    continue
                assert others is not None
                sub = others
                source = None
            state, reason = self._judge(av.attribute, value, lit, sub, reasons, deadline)
            if state == "undecided":
                complete = False
            values.append(ValueOption(value, label, state, source, reason))  # type: ignore[arg-type]
        return AttributeOptions(av.attribute, "", av.type, tuple(values)), complete

    def _judge(
        self,
        attribute: str,
        value: str | bool,
        lit: Assumption,
        sub: _Ctx,
        reasons: ReasonMode,
        deadline: Deadline,
    ) -> tuple[str, Explanation | _Pending | None]:
        """Whether ``lit`` fits the choices ``sub``: reuses reasons (a reason whose choices are
        all still made still holds) and solutions of earlier clicks."""
        key = self._tested_key(lit)
        known, cached = self._shared.find(key, sub.present, reasons == "minimal")
        if known:  # a stored reason (perhaps not minimal) proves the exclusion
            if reasons == "none":
                return "excluded", None
            return "excluded", cached or self._later(sub, lit, None, reasons, key)
        reuse = getattr(self.session, "reuses_solutions", False)
        if not reuse:
            witness = self._witness.get((attribute, value))
            if witness is not None and all(_holds(a, witness) for a in sub.assumptions):
                return "selectable", None
        if deadline.expired():
            return "undecided", None
        res = self.session.solve([*sub.assumptions, lit], time_limit=deadline.remaining())
        if res.status is SolveStatus.SAT:
            assert res.assignment is not None
            if not reuse:
                self._remember(res.assignment, self.model.attribute(attribute))
            return "selectable", None
        if res.status is SolveStatus.UNKNOWN:
            return "undecided", None
        return "excluded", self._later(sub, lit, res.core, reasons, key)

    def _remember(self, a: Assignment, av: AttributeVars) -> None:
        """Keep a solution as the witness of the values of ``av`` it uses."""
        if av.type == "bool":
            self._witness[(av.attribute, a.bools[av.lits[0].index])] = a
        elif av.type in ("choice", "multi"):
            for vid, lit in zip(av.values, av.lits, strict=True):
                if a.bools[lit.index]:
                    self._witness[(av.attribute, vid)] = a

    def _int_options(
        self,
        av: AttributeVars,
        ctx: _Ctx,
        own: list[int],
        dom: Domains,
        consistent: bool,
        reasons: ReasonMode,
        deadline: Deadline,
    ) -> tuple[AttributeOptions, bool]:
        iv = av.int_var
        assert iv is not None
        user = self._choices.get(av.attribute)
        small = iv.hi - iv.lo + 1 <= INT_EXACT
        if not own and consistent:
            vals = dom.ints[iv.index]
            bounds = dom.int_bounds[iv.index]
            feasible = tuple(sorted(vals)) if small else None
            values: tuple[ValueOption, ...] = ()
            if bounds is not None and bounds[0] == bounds[1] and dom.complete:
                k = bounds[0]
                reason: Explanation | _Pending | None = None
                if reasons != "none":
                    # forced: "!= k" is impossible
                    neq = Compare("!=", iv, IntConst(k))
                    key = self._tested_key(neq)
                    reason = self._later(ctx, neq, None, reasons, key)
                values = (ValueOption(k, str(k), "implied", "implied", reason),)
            return AttributeOptions(av.attribute, "", "int", values, bounds, feasible), dom.complete
        sub = ctx.without(own)
        found, ok = self._int_feasible(sub.assumptions, iv, small, deadline)
        values = (ValueOption(user, str(user), "selected", "user"),) if user is not None else ()
        rng: tuple[int, int] | None = (min(found), max(found)) if found else None
        return AttributeOptions(
            av.attribute, "", "int", values, rng, tuple(sorted(found)) if small else None
        ), ok

    def _int_feasible(
        self, assumptions: list[Assumption], iv: Any, small: bool, deadline: Deadline
    ) -> tuple[_Set[int], bool]:
        session = self.session
        native = getattr(session, "int_domain", None)
        if native is not None:  # the backend knows which values its encoding tells apart
            got: tuple[frozenset[int], bool] = native(
                assumptions,
                iv,
                exact=small,
                time_limit=deadline.remaining(),
            )
            return set(got[0]), got[1]
        found: set[int] = set()
        res = session.solve(assumptions, time_limit=deadline.remaining())
        if res.status is not SolveStatus.SAT:
            return found, res.status is SolveStatus.UNSAT
        assert res.assignment is not None
        found.add(res.assignment.ints[iv.index])
        if small:
            for k in range(iv.lo, iv.hi + 1):
                if k in found:
                    continue
                r = session.solve(
                    [*assumptions, Compare("==", iv, IntConst(k))], time_limit=deadline.remaining()
                )
                if r.status is SolveStatus.SAT:
                    assert r.assignment is not None
                    found.add(r.assignment.ints[iv.index])
                elif r.status is SolveStatus.UNKNOWN:
                    return found, False
            return found, True
        ok = True
        for low in (True, False):
            lo, hi = (iv.lo, min(found) - 1) if low else (max(found) + 1, iv.hi)
            while lo <= hi:
                mid = (lo + hi) // 2 if low else (lo + hi + 1) // 2
                bound = Compare("<=" if low else ">=", iv, IntConst(mid))
                r = session.solve([*assumptions, bound], time_limit=deadline.remaining())
                if r.status is SolveStatus.UNKNOWN:
                    ok = False
                    break
                if r.status is SolveStatus.SAT:
                    assert r.assignment is not None
                    k = r.assignment.ints[iv.index]
                    found.add(k)
                    if low:
                        hi = k - 1
                    else:
                        lo = k + 1
                elif low:
                    lo = mid + 1
                else:
                    hi = mid - 1
        return found, ok

    @_locked
    def why(
        self, attribute: str, value: object, *, time_limit: float | None = None
    ) -> Explanation | None:
        """Why a value is excluded (``None`` when it is not).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset()).select("atex")
            >>> cfg.why("accessories", "vibration_sensor").rules[0].id
            'atex-no-sensor'
        """
        av = self._attr(attribute)
        v = self._check_value(av, value)
        deadline = Deadline(self._limit(time_limit))
        key: _Key = (attribute, str(v) if av.type == "multi" else None)
        ctx = self._ctx([it for it in self._items() if it[0] != key])
        lit = self._fix(av, v) if av.type != "multi" else av.lit(str(v))
        res = self.session.solve([*ctx.assumptions, lit], time_limit=deadline.remaining())
        if res.status is not SolveStatus.UNSAT:
            return None
        return self._reason(ctx, lit, res.core, "minimal", deadline, self._tested_key(lit))

    # -- explain and repair ------------------------------------------------------------------------

    @_locked
    def explain(self, *, time_limit: float | None = None) -> Explanation | None:
        """A minimal conflict among the user's choices and the rules (``None`` if consistent).

        Removing any choice or rule named resolves this conflict (others may remain).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> _ = cfg.select("atex").select("medium", "sea_water").select("material", "stainless")
            >>> [c.attribute for c in cfg.explain().choices]
            ['medium', 'material']
        """
        deadline = Deadline(self._limit(time_limit))
        items = self._items()
        core = minimal_core(self.session, [a for _, a, _ in items], time_limit=deadline.remaining())
        if core is None:
            return None
        return self._explanation(core, [c for _, _, c in items], not deadline.expired())

    @_locked
    def repair(
        self, *, max_size: int | None = None, limit: int = 10, time_limit: float | None = None
    ) -> list[Repair]:
        """The smallest sets of user choices to change, each with the values that fit instead.

        Repairs are searched from the smallest size up; ``max_size`` (default: no bound) stops
        the search at that many choices, and the time limit (a deadline for the whole call)
        always bounds it. Returns an empty list when the choices are consistent, when no repair
        of at most ``max_size`` choices exists, or when time ran out before the smallest size
        was reached.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> _ = cfg.select("medium", "sea_water").select("material", "cast_iron")
            >>> [(r.remove[0].attribute, r.alternatives) for r in cfg.repair()]
            [('medium', {'medium': ('water', 'solvent')}), ('material', {'material': ('duplex',)})]
        """
        deadline = Deadline(self._limit(time_limit))
        items = self._items()
        assumptions = [a for _, a, _ in items]
        sets, _ = minimum_corrections(
            self.session,
            assumptions,
            max_size=max_size,
            limit=limit,
            time_limit=deadline.remaining(),
        )
        out: list[Repair] = []
        for combo in sets:
            if not combo:
                return []
            rest = [a for i, a in enumerate(assumptions) if i not in combo]
            dom = self.session.domains(
                rest, time_limit=deadline.remaining(), int_exact_limit=INT_EXACT
            )
            alternatives: dict[str, tuple[Value, ...]] = {}
            for i in combo:
                key, _, ch = items[i]
                av = self.model.attribute(key[0])
                alternatives[key[0] if key[1] is None else f"{key[0]}.{key[1]}"] = (
                    self._alternatives(av, key, ch, dom)
                )
            out.append(Repair(tuple(items[i][2] for i in combo), alternatives))
        return out

    def _alternatives(
        self, av: AttributeVars, key: _Key, ch: Choice, dom: Domains
    ) -> tuple[Value, ...]:
        if av.type == "int":
            assert av.int_var is not None
            vals = dom.ints[av.int_var.index]
            if av.int_var.hi - av.int_var.lo + 1 <= INT_EXACT:
                return tuple(sorted(v for v in vals if v != ch.value))
            b = dom.int_bounds[av.int_var.index]
            return b if b is not None else ()
        if av.type == "bool":
            return tuple(
                v for v in (True, False) if v in dom.bools[av.lits[0].index] and v != ch.value
            )
        if av.type == "multi":
            assert key[1] is not None
            member = dom.bools[av.lit(key[1]).index]
            return tuple(v for v in (True, False) if v in member and v != ch.selected)
        return tuple(
            vid
            for vid, lit in zip(av.values, av.lits, strict=True)
            if True in dom.bools[lit.index] and vid != ch.value
        )

    # -- completion ---------------------------------------------------------------------------------

    @_locked
    def complete(
        self,
        *,
        preferences: Mapping[str, object] | None = None,
        reference: Mapping[str, object] | None = None,
        prices: Mapping[str, Decimal | int] | None = None,
        time_limit: float | None = None,
    ) -> Configuration:
        """A valid full configuration: the user's choices, then defaults where they fit, then
        (optionally) the best one for an objective.

        Args:
            preferences: preferred values (``{attribute: value or list of values}``); as many
                as possible are honoured.
            reference: a full configuration to stay close to (fewest changes).
            prices: list prices by SKU; the total of the option SKUs is minimised (lowest list
                price). Give at most one of ``preferences``, ``reference`` and ``prices``; the
                attributes an objective is about are decided by it instead of by their
                defaults. Objectives run on the ``optimize`` backend (CP-SAT when installed).
            time_limit: seconds (default: the session's).

        Returns:
            A configuration with ``status`` ``valid`` (provenance per value), or ``invalid`` with
            the conflict when the user's choices cannot be completed.

        Raises:
            ValueError: more than one objective was given.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> done = cfg.select("atex").complete()
            >>> done.status, done.values["accessories"], done.provenance["atex"]
            ('valid', frozenset(), 'user')
        """
        objectives = [x for x in (preferences, reference, prices) if x is not None]
        if len(objectives) > 1:
            raise ValueError("give at most one of preferences, reference and prices")
        deadline = Deadline(self._limit(time_limit))
        analysis = self._analyse(deadline)
        if not analysis.consistent:
            return self.check(time_limit=deadline.remaining())
        assert analysis.model is not None and analysis.domains is not None
        items = self._items()
        assignment = analysis.model
        objective = self._objective(preferences, reference, prices)
        kept_defaults = analysis.kept_defaults
        if objective is not None:
            # the objective decides the attributes it is about; defaults the rest
            concerned = self._objective_attributes(preferences, reference, prices)
            kept_defaults = [(k, d) for k, d in kept_defaults if k[0] not in concerned]
            hard = [a for _, a, _ in items] + [a for _, a in kept_defaults]
            optimizer = self._optimizer()
            res = optimizer.optimize(objective, hard, time_limit=deadline.remaining())
            if res.status is SolveStatus.SAT and res.assignment is not None:
                assignment = res.assignment
        values = assignment_to_values(self.model, assignment)
        self._guard(values)
        implied = self._implied_lits(analysis.domains) if analysis.domains.complete else {}
        kept = {key for key, d in kept_defaults if eval_bool(d, assignment)}
        prov: dict[str, Provenance] = {}
        member: dict[str, dict[str, Provenance]] = {}
        for av in self.model.attributes:
            name = av.attribute
            user = self._choices.get(name)
            if av.type == "multi":
                decided = user or {}
                chosen = values[name]
                assert isinstance(chosen, frozenset)
                mp: dict[str, Provenance] = {}
                for vid in chosen:
                    k = (name, vid)
                    mp[vid] = (
                        "user"
                        if vid in decided
                        else "implied"
                        if k in implied
                        else "default"
                        if k in kept
                        else "completed"
                    )
                member[name] = {vid: mp[vid] for vid in av.values if vid in mp}
                prov[name] = (
                    min(mp.values(), key=lambda p: _RANK[p])
                    if mp
                    else (
                        "user"
                        if decided
                        else "implied"
                        if any((name, v) in implied for v in av.values)
                        else "default"
                    )
                )
                continue
            k2: _Key = (name, None)
            prov[name] = (
                "user"
                if user is not None
                else "implied"
                if k2 in implied
                else "default"
                if k2 in kept
                else "completed"
            )
        return Configuration(
            self.model.product_id, values, prov, member, "valid", ruleset=self.ruleset
        )

    def _objective_attributes(
        self,
        preferences: Mapping[str, object] | None,
        reference: Mapping[str, object] | None,
        prices: Mapping[str, Decimal | int] | None,
    ) -> _Set[str]:
        if preferences is not None:
            return set(preferences)
        if reference is not None:
            return set(reference)
        out: _Set[str] = _Set()
        for attr in self.ruleset.attributes.values():
            skus = [attr.sku] + [v.sku for v in attr.values.values()]
            if prices and any(s is not None and s in prices for s in skus):
                out.add(attr.name)
        return out

    def _optimizer(self) -> SolverSession:
        """The session that optimises: the forced backend when it can, else the policy's."""
        backend = backend_for("optimize", self.backend_name)
        if not backend.capabilities.supports("optimize"):
            backend = backend_for("optimize")
        current = self.session
        if self._backend is not None and backend.name == self._backend.name:
            return current
        return backend.open(self.model)

    def _objective(
        self,
        preferences: Mapping[str, object] | None,
        reference: Mapping[str, object] | None,
        prices: Mapping[str, Decimal | int] | None,
    ) -> Objective | None:
        if preferences is not None:
            lits: list[BoolExpr] = []
            for name, pref in preferences.items():
                av = self._attr(name)
                items: Iterable[object] = (
                    pref
                    if av.type == "multi"
                    and isinstance(pref, Iterable)
                    and not isinstance(pref, str)
                    else [pref]
                )
                for p in items:
                    v = self._check_value(av, p)
                    lits.append(av.lit(str(v)) if av.type == "multi" else self._fix(av, v))
            if not lits:
                return None
            return Objective(Linear(tuple((1, BoolToInt(lit)) for lit in lits)), "max")
        if reference is not None:
            terms: list[tuple[int, NumExpr]] = []
            for av in self.model.attributes:
                if av.attribute not in reference:
                    continue
                ref = reference[av.attribute]
                if av.type == "multi":
                    chosen = (
                        set(ref)
                        if isinstance(ref, Iterable) and not isinstance(ref, str)
                        else set()
                    )
                    for vid, lit in zip(av.values, av.lits, strict=True):
                        terms.append((1, BoolToInt(Not(lit) if vid in chosen else lit)))
                else:
                    v = self._check_value(av, ref)
                    terms.append((1, BoolToInt(Not(self._fix(av, v)))))
            return Objective(Linear(tuple(terms)), "min") if terms else None
        if prices is not None:
            return self._price_objective(prices)
        return None

    def _price_objective(self, prices: Mapping[str, Decimal | int]) -> Objective | None:
        scale = 1
        for p in prices.values():
            exp = Decimal(p).as_tuple().exponent
            if isinstance(exp, int) and exp < 0:
                scale = max(scale, 10 ** (-exp))
        terms: list[tuple[int, NumExpr]] = []
        for attr in self.ruleset.attributes.values():
            av = self.model.attribute(attr.name)
            if av.type == "bool" and attr.sku in prices:
                terms.append((int(Decimal(prices[attr.sku]) * scale), BoolToInt(av.lits[0])))  # type: ignore[index]
            if av.type not in ("choice", "multi"):
                continue
            for vid, lit in zip(av.values, av.lits, strict=True):
                sku = attr.values[vid].sku
                if sku is not None and sku in prices:
                    terms.append((int(Decimal(prices[sku]) * scale), BoolToInt(lit)))
        terms = [(c, t) for c, t in terms if c != 0]
        return Objective(Linear(tuple(terms)), "min") if terms else None

    # -- counting and enumeration -------------------------------------------------------------------

    @_locked
    def enumerate(
        self, *, limit: int = 100, time_limit: float | None = None
    ) -> list[dict[str, Value]]:
        """Up to ``limit`` valid full configurations that honour the user's choices.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> len(cfg.select("flow_m3h", 400).enumerate(limit=5))
            0
        """
        deadline = Deadline(self._limit(time_limit))
        session = self.session  # opening it counts against the deadline
        res = session.enumerate(
            [a for _, a, _ in self._items()], limit=limit, time_limit=deadline.remaining()
        )
        out = [assignment_to_values(self.model, a) for a in res.assignments]
        for values in out:
            self._guard(values)
        return out

    @_locked
    def count(self, *, limit: int = 1_000_000, time_limit: float | None = None) -> CountResult:
        """How many valid full configurations honour the user's choices (up to ``limit``).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset())
            >>> cfg.select("flow_m3h", 200).select("atex").select("medium", "water").count()
            CountResult(count=6, exact=True)
        """
        deadline = Deadline(self._limit(time_limit))
        session = self.session
        counter = backend_for("count", self.backend_name)
        if counter.name != getattr(session, "name", "sat") and counter.capabilities.supports(
            "enumerate"
        ):
            session = counter.open(self.model)  # counts against the deadline too
        res = session.enumerate(
            [a for _, a, _ in self._items()], limit=limit, time_limit=deadline.remaining()
        )
        return CountResult(len(res.assignments), res.complete)

    # -- bill of materials ---------------------------------------------------------------------------

    def bill_of_materials(self, configuration: Configuration | None = None) -> list[BomLine]:
        """The bill of materials of a valid configuration (default: :meth:`complete`).

        Raises:
            ConfigurationError: the configuration is not valid.

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> cfg = Configurator(demo_ruleset()).select("flow_m3h", 120)
            >>> [(l.sku, str(l.quantity)) for l in cfg.bill_of_materials()][-1]
            ('CABLE-M', '4')
        """
        done = configuration or self.complete()
        if not done.is_valid:
            raise ConfigurationError("only a valid configuration has a bill of materials")
        return bill_of_materials(self.ruleset, done.values)

    # -- serialisation ----------------------------------------------------------------------------

    def to_json(self) -> str:
        """The session as JSON (the choices in click order, the backend and the time limit).

        Example:
            >>> from cpq.model.demo import demo_ruleset
            >>> rs = demo_ruleset()
            >>> text = Configurator(rs).select("medium", "water").to_json()
            >>> Configurator.from_json(rs, text).choices
            {'medium': 'water'}
        """
        choices: list[dict[str, Any]] = []
        for name, v in self._choices.items():
            if isinstance(v, dict):
                for vid, sel in v.items():
                    choices.append({"attribute": name, "value": vid, "selected": sel})
            else:
                choices.append({"attribute": name, "value": v})
        return json.dumps(
            {
                "cpq_session": _SESSION_FORMAT,
                "product": self.model.product_id,
                "fingerprint": _fingerprint(self.model),
                "backend": self.backend_name,
                "time_limit": self.time_limit,
                "choices": choices,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(
        cls, ruleset: Ruleset, text: str | bytes, *, backend: str | None = None
    ) -> Configurator:
        """Rebuild a session saved with :meth:`to_json` on the same ruleset.

        Raises:
            ConfigurationError: the text is not a session of this product.
            UnknownSelectionError: a saved choice no longer fits the ruleset.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"not a configurator session: {exc}") from None
        except RecursionError:
            raise ConfigurationError("not a configurator session: nested too deeply") from None
        if not isinstance(data, dict) or data.get("cpq_session") != _SESSION_FORMAT:
            raise ConfigurationError("not a configurator session (or one of another version)")
        if data.get("product") != ruleset.product.id:
            raise ConfigurationError(
                f"the session belongs to product '{data.get('product')}', not '{ruleset.product.id}'"
            )
        limit = data.get("time_limit", 10.0)
        cfg = cls(
            ruleset,
            backend=backend or str(data.get("backend", "auto")),
            time_limit=float(limit) if isinstance(limit, int | float) else 10.0,
        )
        choices = data.get("choices", [])
        if not isinstance(choices, list):
            raise ConfigurationError("the session's choices must be a list")
        for ch in choices:
            if not isinstance(ch, dict) or "attribute" not in ch or "value" not in ch:
                raise ConfigurationError(f"bad choice in session: {ch!r}")
            av = cfg._attr(str(ch["attribute"]))
            if av.type == "multi":
                v = cfg._check_value(av, ch["value"])
                members = cfg._choices.setdefault(av.attribute, {})
                selected = ch.get("selected", True)
                if not isinstance(selected, bool):
                    raise ConfigurationError(
                        f"bad choice in session (selected is not true/false): {ch!r}"
                    )
                members[str(v)] = selected
            else:
                cfg._choices[av.attribute] = cfg._check_value(av, ch["value"])
        cfg._changed()
        return cfg


def _holds(a: Assumption, assignment: Assignment) -> bool:
    """Whether an assignment satisfies one assumption (fast path for Boolean ones)."""
    kind = type(a)
    if kind is BoolVar:
        return assignment.bools[a.index]  # type: ignore[union-attr]
    if kind is Not and type(a.arg) is BoolVar:  # type: ignore[union-attr]
        return not assignment.bools[a.arg.index]  # type: ignore[union-attr]
    return eval_bool(a, assignment)


def _fingerprint(model: ConstraintModel) -> str:
    h = hashlib.sha256()
    for av in model.attributes:
        h.update(f"{av.attribute}:{av.type}:{','.join(av.values)};".encode())
    for rid in model.rule_ids():
        h.update(rid.encode())
    return h.hexdigest()[:16]
