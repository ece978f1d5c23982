"""Fixtures for the pricing tests."""

from __future__ import annotations

import pytest
from pricing_helpers import BookFactory, build_book


@pytest.fixture
def make_book() -> BookFactory:
    """``make_book(body, currency=..., precision=..., mode=...)`` -> PriceBook."""
    return build_book
