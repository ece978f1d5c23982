"""Progress lines for long benchmark loops (to stderr, at most one every few seconds)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Count work items and print ``label: done/total (pct), elapsed, ~left`` now and then.

    Example:
        >>> p = Progress("replay", 3, every=3600)
        >>> for _ in range(3):
        ...     p.step()
        >>> p.done
        3
    """

    def __init__(self, label: str, total: int, every: float = 5.0) -> None:
        self.label = label
        self.total = total
        self.every = every
        self.done = 0
        self.start = self.last = time.perf_counter()

    def step(self, n: int = 1) -> None:
        """Record ``n`` finished items; print a line when ``every`` seconds have passed."""
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            self.report(now)

    def report(self, now: float | None = None) -> None:
        """Print the current state."""
        now = time.perf_counter() if now is None else now
        elapsed = now - self.start
        pct = 100.0 * self.done / self.total if self.total else 100.0
        left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        print(
            f"    {self.label}: {self.done:,}/{self.total:,} ({pct:.0f}%), "
            f"{elapsed:.0f} s elapsed, ~{left:.0f} s left",
            file=sys.stderr,
            flush=True,
        )
