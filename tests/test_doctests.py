"""Every `Examples:` block in the package runs (docs are code)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cpq

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(cpq.__path__, "cpq.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name: str) -> None:
    """The doctests of one module pass (run from the repository root)."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
