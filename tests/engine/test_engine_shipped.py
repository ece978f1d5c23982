"""The engine on the shipped rulesets: a stateful session test and end-to-end checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cpq.configurator import Configurator
from cpq.model.evaluate import check_values
from cpq.model.lint import semantic_lint
from cpq.ruleset import load_ruleset
from cpq.ruleset.model import Ruleset

SHIPPED = sorted(
    p.name for p in Path("rulesets").iterdir() if p.is_dir() and (p / "product.yaml").is_file()
)
_CACHE: dict[str, Ruleset] = {}


def shipped(name: str) -> Ruleset:
    if name not in _CACHE:
        _CACHE[name] = load_ruleset(Path("rulesets") / name)
    return _CACHE[name]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_ruleset_completes_and_lints(name: str) -> None:
    """Each shipped ruleset has a valid default completion and no lint error."""
    rs = shipped(name)
    done = Configurator(rs).complete()
    assert done.status == "valid"
    assert not check_values(rs, done.values)
    assert not [i for i in semantic_lint(rs) if i.severity == "error"]


class Session(RuleBasedStateMachine):
    """Random clicks on a shipped ruleset; after each, the answers must hold together."""

    def __init__(self) -> None:
        super().__init__()
        self.cfg: Configurator | None = None

    @precondition(lambda self: self.cfg is None)
    @rule(name=st.sampled_from(SHIPPED))
    def open(self, name: str) -> None:
        self.cfg = Configurator(shipped(name))

    @precondition(lambda self: self.cfg is not None)
    @rule(data=st.data())
    def select_selectable(self, data: st.DataObject) -> None:
        """Selecting a selectable value keeps the session consistent (backtrack-free)."""
        assert self.cfg is not None
        view = self.cfg.options(reasons="none")
        cands = [
            (a.attribute, v.value)
            for a in view.attributes.values()
            if a.type != "int"
            for v in a.values
            if v.state == "selectable"
        ]
        ints = [
            (a.attribute, a.range) for a in view.attributes.values() if a.type == "int" and a.range
        ]
        if not cands and not ints:
            return
        if cands and (not ints or data.draw(st.booleans())):
            attr, value = data.draw(st.sampled_from(cands))
        else:
            attr, rng = data.draw(st.sampled_from(ints))
            assert rng is not None
            value = data.draw(st.sampled_from(sorted({rng[0], rng[1]})))
        was_consistent = view.consistent
        self.cfg.select(attr, value)
        if was_consistent:
            assert self.cfg.check().status != "invalid", (attr, value)

    @precondition(lambda self: self.cfg is not None)
    @rule(data=st.data())
    def select_excluded(self, data: st.DataObject) -> None:
        """Selecting an excluded value makes the choices conflict, with a minimal explanation."""
        assert self.cfg is not None
        view = self.cfg.options(reasons="none")
        if not view.consistent:
            return
        cands = [
            (a.attribute, v.value)
            for a in view.attributes.values()
            if a.type != "int"
            for v in a.values
            if v.state == "excluded" and v.source is None
        ]
        if not cands:
            return
        attr, value = data.draw(st.sampled_from(cands))
        self.cfg.select(attr, value)
        assert self.cfg.check().status == "invalid"
        conflict = self.cfg.explain()
        assert conflict is not None and conflict.minimal
        repairs = self.cfg.repair(max_size=2)
        for r in repairs:
            trial = Configurator.from_json(self.cfg.ruleset, self.cfg.to_json())
            for c in r.remove:
                multi = trial.model.attribute(c.attribute).type == "multi"
                trial.deselect(c.attribute, c.value if multi else None)
            assert trial.check().status != "invalid"

    @precondition(lambda self: self.cfg is not None and bool(self.cfg.choices))
    @rule(data=st.data())
    def deselect(self, data: st.DataObject) -> None:
        assert self.cfg is not None
        attr = data.draw(st.sampled_from(sorted(self.cfg.choices)))
        self.cfg.deselect(attr)

    @invariant()
    def answers_hold_together(self) -> None:
        if self.cfg is None:
            return
        status = self.cfg.check()
        done = self.cfg.complete()
        if status.status == "invalid":
            assert done.status == "invalid"
            return
        assert done.status == "valid"
        assert not check_values(self.cfg.ruleset, done.values)
        for name, value in self.cfg.choices.items():
            got = done.values[name]
            if isinstance(value, dict):
                assert {k for k, sel in value.items() if sel} <= got  # type: ignore[operator]
                assert not {k for k, sel in value.items() if not sel} & got  # type: ignore[operator]
            else:
                assert got == value
        again = Configurator.from_json(self.cfg.ruleset, self.cfg.to_json())
        assert again.check().status == status.status


Session.TestCase.settings = settings(
    settings.default,
    max_examples=max(3, settings.default.max_examples // 6),
    stateful_step_count=8,
)
test_session = Session.TestCase
