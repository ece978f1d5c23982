"""Plots of per-click latency distributions (matplotlib; a bench-only dependency).

One panel per instance, one cumulative distribution (ECDF) per backend on a logarithmic
millisecond axis, with the engine target as a vertical line where there is one. Backends that
were only timed on a sample of clicks are drawn dashed.
"""

from __future__ import annotations

import math
from pathlib import Path

Series = dict[str, dict[str, list[float]]]  # instance -> backend -> seconds per click


def latency_plot(
    series: Series,
    path: Path,
    title: str,
    targets_ms: dict[str, float] | None = None,
    sampled: set[str] | None = None,
) -> Path | None:
    """Write the figure to ``path`` (PNG); ``None`` when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (plot skipped: pip install matplotlib)")
        return None
    instances = [k for k, v in series.items() if any(v.values())]
    if not instances:
        return None
    cols = min(3, len(instances))
    rows = math.ceil(len(instances) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.3 * rows), squeeze=False)
    styles = {}
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for inst in instances:
        for backend in series[inst]:
            styles.setdefault(backend, palette[len(styles) % len(palette)])
    for ax, inst in zip(axes.flat, instances, strict=False):
        for backend, samples in series[inst].items():
            if not samples:
                continue
            xs = sorted(s * 1000 for s in samples)
            ys = [(i + 1) / len(xs) for i in range(len(xs))]
            dashed = sampled is not None and backend in sampled
            ax.step(
                xs,
                ys,
                where="post",
                color=styles[backend],
                linestyle="--" if dashed else "-",
                label=f"{backend} (n={len(xs):,})",
            )
        if targets_ms and inst in targets_ms:
            ax.axvline(targets_ms[inst], color="black", linewidth=0.8, linestyle=":")
            ax.text(targets_ms[inst], 0.02, " target", fontsize=7, rotation=90, va="bottom")
        ax.set_xscale("log")
        ax.set_title(inst, fontsize=9)
        ax.set_xlabel("ms per click (log)", fontsize=8)
        ax.set_ylabel("fraction of clicks", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(fontsize=6, loc="lower right")
    for ax in list(axes.flat)[len(instances) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    shrink(path)
    return path


def shrink(path: Path) -> None:
    """Re-save a PNG with a 64-colour palette (a third of the size; plots have few colours)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
