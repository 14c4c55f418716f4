"""The trend chart is a real PNG of the series it was given."""

from __future__ import annotations

import io

import matplotlib.image as mpimg

from bot.metrics.chart import PNG_SIGNATURE, trend_chart


def test_chart_is_a_png_of_the_given_series():
    series = {"period_start": ["2026-10-19T00:00:00+00:00", "2026-10-26T00:00:00+00:00", "2026-11-02T00:00:00+00:00"],
              "asks": [3, 1, 6], "intro_requests": [1, 2, 4], "introduced": [0, 1, 2], "deals_won": [0, 0, 1],
              "unmet_asks": [0, 0, 3]}
    chart = trend_chart(series)
    assert chart.png.startswith(PNG_SIGNATURE) and len(chart.png) > 5_000
    assert chart.labels == ["Oct 19", "Oct 26", "Nov 02"]
    assert chart.series == {"asks": [3, 1, 6], "intro_requests": [1, 2, 4], "introduced": [0, 1, 2],
                            "deals_won": [0, 0, 1]}
    pixels = mpimg.imread(io.BytesIO(chart.png), format="png")
    assert pixels.shape[:2] == (800, 1600)  # drawn at 2x Slack's 800x400
    # Told apart by marker and line style, not colour alone; the alt text says the trend.
    from bot.metrics.chart import MIN_FONT_PT, SERIES

    assert len({m for _l, m, _s, _c in SERIES.values()}) == len({st for _l, _m, st, _c in SERIES.values()}) == 4
    assert MIN_FONT_PT >= 11
    assert chart.alt_text == ("Partner program trend over the last 3 weeks: asks rose from 3 to 6; intro requests "
                              "rose from 1 to 4; introduced rose from 0 to 2; deals won rose from 0 to 1.")
    # Lines were drawn: the image is not a blank canvas (some saturated, non-grey pixels).
    rgb = pixels[..., :3]
    coloured = ((rgb.max(axis=2) - rgb.min(axis=2)) > 0.3).sum()
    assert coloured > 500


def test_text_is_at_least_11_points():
    from matplotlib.text import Text

    from bot.metrics import chart as C

    seen = []
    original = C.Figure.savefig

    def spy(fig, *args, **kwargs):
        seen.extend(t.get_fontsize() for t in fig.findobj(Text) if t.get_text())
        return original(fig, *args, **kwargs)

    C.Figure.savefig = spy
    try:
        C.trend_chart({"period_start": ["2026-11-02T00:00:00+00:00"] * 2, "asks": [1, 2], "intro_requests": [0, 1],
                       "introduced": [0, 1], "deals_won": [0, 0]})
    finally:
        C.Figure.savefig = original
    assert seen and min(seen) >= 11


def test_a_chart_of_nothing_is_skipped():
    from bot.metrics.chart import has_data

    assert not has_data({"period_start": ["x"], "asks": [0], "intro_requests": [0], "introduced": [0],
                         "deals_won": [0]})
    assert has_data({"period_start": ["x"], "asks": [0], "intro_requests": [0], "introduced": [0], "deals_won": [1]})


def test_empty_series_still_draws():
    series = {"period_start": ["2026-11-02T00:00:00+00:00"], "asks": [0], "intro_requests": [0],
              "introduced": [0], "deals_won": [0]}
    assert trend_chart(series).png.startswith(PNG_SIGNATURE)
