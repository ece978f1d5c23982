"""The public surface of `cpq` is small, sorted and deliberate."""

from __future__ import annotations

import cpq


def test_all_is_sorted_and_exported() -> None:
    """`cpq.__all__` is sorted and every name in it exists."""
    names = [n for n in cpq.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in cpq.__all__:
        assert hasattr(cpq, name), name


def test_errors_share_one_root() -> None:
    """Every public exception derives from CPQError."""
    from cpq import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, errors.CPQError), name
