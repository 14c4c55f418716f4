"""Quality floors on the labelled dev set (tests/devset): a ranking regression fails CI.

The matcher must reach MRR@5 >= 0.9 overall and beat both baselines (BM25 keyword search
and rapidfuzz WRatio over concatenated profile text) on every kind of ask.
"""

from __future__ import annotations

import pytest

from tests.devset.evaluation import HOLDOUT, KINDS, evaluate, load_asks


@pytest.fixture(scope="module")
def figures():
    return evaluate()


def test_dev_set_has_every_kind_and_enough_asks():
    asks = load_asks()
    assert len(asks) >= 40
    assert {a.kind for a in asks} == set(KINDS)


def test_matcher_meets_the_floors(figures):
    overall = figures["matcher"]["all"]
    assert overall["mrr"] >= 0.9
    assert overall["p1"] >= 0.85
    assert overall["ndcg"] >= 0.85
    for kind in KINDS:
        assert figures["matcher"][kind]["mrr"] >= 0.8, kind


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "plain"])
def test_matcher_beats_both_baselines(figures, kind):
    mine = figures["matcher"][kind]
    for baseline in ("bm25", "wratio"):
        assert mine["ndcg"] > figures[baseline][kind]["ndcg"], (kind, baseline)
        assert mine["mrr"] >= figures[baseline][kind]["mrr"] - 1e-9, (kind, baseline)


def test_matcher_is_at_least_as_good_on_plain_asks(figures):
    for baseline in ("bm25", "wratio"):
        assert figures["matcher"]["plain"]["ndcg"] >= figures[baseline]["plain"]["ndcg"] - 1e-9


def test_held_out_asks_stay_good_and_beat_the_baselines():
    """Asks written after tuning (tests/devset/holdout.yaml): the honest estimate."""
    figures = evaluate(asks_file=HOLDOUT)
    mine = figures["matcher"]["all"]
    assert mine["mrr"] >= 0.85 and mine["ndcg"] >= 0.8
    for baseline in ("bm25", "wratio"):
        assert mine["mrr"] > figures[baseline]["all"]["mrr"] and mine["ndcg"] > figures[baseline]["all"]["ndcg"]
