"""Brute-force oracle helpers for the engine tests (small rulesets only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cpq.configurator import Choice, Explanation
from cpq.model.evaluate import Value, check_values
from cpq.ruleset.model import Ruleset
from cpq.testing import all_configurations


def table(ruleset: Ruleset) -> list[tuple[dict[str, Value], set[str]]]:
    """Every configuration with the rules it breaks (selection-bound breaks make it unusable)."""
    out = []
    for values in all_configurations(ruleset):
        violated = set(check_values(ruleset, values))
        if any(v.endswith(":selection") for v in violated):
            continue
        out.append((values, violated))
    return out


def holds(values: Mapping[str, Value], ch: Choice) -> bool:
    """Whether a full configuration satisfies one user choice."""
    v = values[ch.attribute]
    if isinstance(v, frozenset):
        return (ch.value in v) == ch.selected
    return v == ch.value and isinstance(v, bool) == isinstance(ch.value, bool)


def choices_of(cfg_choices: Mapping[str, object], ruleset: Ruleset) -> list[Choice]:
    """The user choices of a configurator as Choice objects."""
    out = []
    for name, v in cfg_choices.items():
        if isinstance(v, dict):
            out.extend(Choice(name, vid, sel) for vid, sel in v.items())
        else:
            out.append(Choice(name, v))  # type: ignore[arg-type]
    return out


def exists(
    rows: list[tuple[dict[str, Value], set[str]]],
    choices: Iterable[Choice],
    rules: set[str] | None,
) -> bool:
    """Whether a configuration satisfies the choices and every rule in ``rules`` (None: all)."""
    chs = list(choices)
    for values, violated in rows:
        if rules is None:
            if violated:
                continue
        elif violated & rules:
            continue
        if all(holds(values, c) for c in chs):
            return True
    return False


def check_explanation(
    rows: list[tuple[dict[str, Value], set[str]]],
    expl: Explanation,
    extra: list[Choice],
) -> None:
    """Sound (no configuration satisfies all of it) and minimal (dropping any part does)."""
    rules = {r.id for r in expl.rules}
    chs = list(expl.choices)
    assert not exists(rows, chs + extra, rules), f"unsound: {expl.text}"
    if not expl.minimal:
        return
    for i in range(len(chs)):
        assert exists(rows, chs[:i] + chs[i + 1 :] + extra, rules), f"not minimal: {expl.text}"
    for r in rules:
        assert exists(rows, chs + extra, rules - {r}), f"not minimal (rule {r}): {expl.text}"
