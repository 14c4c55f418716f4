"""The digest's trend chart: a PNG drawn headless with matplotlib's object API (no pyplot
global state, so it is safe in the scheduler's and listeners' threads).

Readable where Slack shows it: drawn at 2× (a 1600×800 PNG for an 800×400 slot), text at 11 pt
or more, each series told apart by marker and line style as well as colour (colour-blind and
greyscale readers), and an alt text that says the trend in words."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# What the chart plots, in drawing order: trend key -> (legend label, marker, line style, colour).
SERIES = {
    "asks": ("Asks", "o", "-", "#1264a3"),
    "intro_requests": ("Intro requests", "s", "--", "#e8912d"),
    "introduced": ("Introduced", "^", "-.", "#2bac76"),
    "deals_won": ("Deals won", "D", ":", "#e01e5a"),
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCALE = 2  # drawn at 2x the size Slack shows it
MIN_FONT_PT = 11


@dataclass(frozen=True)
class Chart:
    png: bytes
    labels: list[str]  # x axis: each period's first day
    series: dict[str, list[int]]  # exactly what was plotted
    alt_text: str  # the trend in words


def has_data(trend: dict[str, list]) -> bool:
    """A chart of nothing but zeros says nothing: the digest skips it."""
    return any(any(int(v) for v in trend.get(key) or []) for key in SERIES)


def describe(series: dict[str, list[int]], periods: int) -> str:
    """'Over 8 weeks: introduced rose from 3 to 10; asks rose from 9 to 23; …' (the alt text)."""
    unit = "weeks" if periods else "periods"
    parts = []
    for key, (label, *_rest) in SERIES.items():
        values = series.get(key) or []
        if not values:
            continue
        first, last = values[0], values[-1]
        verb = "rose" if last > first else "fell" if last < first else "held"
        parts.append(f"{label.lower()} {verb} from {first} to {last}" if verb != "held" else
                     f"{label.lower()} held at {last}")
    return f"Partner program trend over the last {periods} {unit}: " + "; ".join(parts) + "."


def trend_chart(trend: dict[str, list], *, title: str = "Partner program, weekly trend") -> Chart:
    """Draw `trend` (from `figures.trend`) as one line per series over the periods."""
    labels = [datetime.fromisoformat(s).strftime("%b %d") for s in trend["period_start"]]
    series = {key: [int(v) for v in trend[key]] for key in SERIES}
    fig = Figure(figsize=(8, 4), dpi=100 * SCALE)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(labels)))
    for key, (label, marker, style, colour) in SERIES.items():
        ax.plot(x, series[key], marker=marker, linestyle=style, color=colour, linewidth=2.2, markersize=7,
                label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=0, fontsize=MIN_FONT_PT)
    ax.tick_params(axis="y", labelsize=MIN_FONT_PT)
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=MIN_FONT_PT + 3, loc="left")
    ax.legend(loc="upper left", fontsize=MIN_FONT_PT, frameon=False, ncol=2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Chart(png=buf.getvalue(), labels=labels, series=series, alt_text=describe(series, len(labels)))
