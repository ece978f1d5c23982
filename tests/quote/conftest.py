"""Fixtures of the quote tests: the rich hand-built quote of ``quote_samples``."""

from __future__ import annotations

import pytest
from quote_samples import rich_quote

from cpq.quote.model import Quote


@pytest.fixture
def quote() -> Quote:
    """The rich domestic quote (19 % and 7 % VAT)."""
    return rich_quote()


@pytest.fixture
def export_quote() -> Quote:
    """The same quote as a tax-exempt export to Switzerland."""
    return rich_quote(export=True)
