"""The Examples in the backends' docstrings run (docs are code)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["cpq.solve.cpsat", "cpq.solve.pyconstraint"])
def test_docstring_examples_run(module: str) -> None:
    """Every ``Examples:`` block of the module passes as a doctest."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
