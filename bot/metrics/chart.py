"""The digest's trend chart: a PNG drawn headless with matplotlib's object API (no pyplot
global state, so it is safe in the scheduler's and listeners' threads)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# What the chart plots, in drawing order: trend key -> legend label.
SERIES = {
    "asks": "Asks",
    "intro_requests": "Intro requests",
    "introduced": "Introduced",
    "deals_won": "Deals won",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Chart:
    png: bytes
    labels: list[str]  # x axis: each period's first day
    series: dict[str, list[int]]  # exactly what was plotted


def trend_chart(trend: dict[str, list], *, title: str = "Partner program, weekly trend") -> Chart:
    """Draw `trend` (from `figures.trend`) as one line per series over the periods."""
    labels = [datetime.fromisoformat(s).strftime("%b %d") for s in trend["period_start"]]
    series = {key: [int(v) for v in trend[key]] for key in SERIES}
    fig = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(labels)))
    for key, label in SERIES.items():
        ax.plot(x, series[key], marker="o", linewidth=2, label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=0, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Chart(png=buf.getvalue(), labels=labels, series=series)
