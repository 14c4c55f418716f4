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
    assert pixels.shape[:2] == (400, 800)
    # Lines were drawn: the image is not a blank canvas (some saturated, non-grey pixels).
    rgb = pixels[..., :3]
    coloured = ((rgb.max(axis=2) - rgb.min(axis=2)) > 0.3).sum()
    assert coloured > 500


def test_empty_series_still_draws():
    series = {"period_start": ["2026-11-02T00:00:00+00:00"], "asks": [0], "intro_requests": [0],
              "introduced": [0], "deals_won": [0]}
    assert trend_chart(series).png.startswith(PNG_SIGNATURE)
