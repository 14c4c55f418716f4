"""Quality floors on the labelled dev set (tests/devset): a ranking regression fails CI.

The matcher must reach MRR@5 >= 0.9 overall on the development set and beat both baselines
(BM25 keyword search and rapidfuzz WRatio over concatenated profile text) clearly on every kind
of ask; on the blind held-out asks it must stay above a floor and well above both baselines.
"""

from __future__ import annotations

import pytest

from tests.devset.evaluation import BLIND, HOLDOUT, KINDS, evaluate_once, kinds_of, load_asks

HELD_OUT_FLOOR = {"mrr": 0.88, "ndcg": 0.81}  # measured 0.92 / 0.85 (near misses and chatty asks, issue 10)


@pytest.fixture(scope="module")
def figures():
    return evaluate_once()


def test_dev_set_has_every_kind_and_enough_asks():
    asks = load_asks()
    assert len(asks) >= 40
    assert {a.kind for a in asks} == set(KINDS)


def test_matcher_meets_the_floors(figures):
    overall = figures["matcher"]["all"]
    assert overall["mrr"] >= 0.9
    assert overall["p1"] >= 0.9
    assert overall["ndcg"] >= 0.85
    for kind in KINDS:  # synonyms the vocabulary has no term for are the weakest kind (about 0.7)
        assert figures["matcher"][kind]["mrr"] >= 0.65, kind


@pytest.mark.parametrize("kind", KINDS)
def test_matcher_beats_both_baselines_clearly_on_every_kind(figures, kind):
    mine = figures["matcher"][kind]
    for baseline in ("bm25", "wratio"):
        theirs = figures[baseline][kind]
        assert mine["mrr"] > theirs["mrr"], (kind, baseline)
        assert mine["ndcg"] >= theirs["ndcg"] + 0.05, (kind, baseline)


def test_held_out_asks_stay_good_and_beat_the_baselines():
    """Asks written blind by someone who never saw the matcher, not tuned on (tests/devset/holdout.yaml):
    the honest estimate. Floors sit a little under the figures measured when the set was first run."""
    figures = evaluate_once(HOLDOUT)
    mine = figures["matcher"]["all"]
    assert mine["mrr"] >= HELD_OUT_FLOOR["mrr"] and mine["ndcg"] >= HELD_OUT_FLOOR["ndcg"]
    assert figures["matcher"]["no-match"]["p1"] >= 0.9  # at most 1 in 10 near misses gets a strong result
    for baseline in ("bm25", "wratio"):
        assert mine["mrr"] >= figures[baseline]["all"]["mrr"] + 0.1
        assert mine["ndcg"] >= figures[baseline]["all"]["ndcg"] + 0.1


def test_eighth_blind_set_issue_10_styles_stays_ahead_of_the_baselines():
    """Chatty, outcome-only, product names, codes, international places, slips, several needs,
    near misses (tests/devset/blind8.yaml; first run 0.44 vs BM25 0.46, see docs/matching.md).
    It has been tuned on since (it is development data now): floors a little under the figures
    measured now (MRR@5 0.96, nDCG@5 0.90); ahead of BM25 on every kind."""
    figures = evaluate_once(BLIND[8])
    mine = figures["matcher"]
    assert mine["all"]["mrr"] >= 0.92 and mine["all"]["ndcg"] >= 0.86
    # A chatty ask whose need is clearly read and clearly met is proposed, not only led to
    # (measured 0.83: 10 of 12 right and strong first; 0.42 before).
    assert mine["chatty"]["strong_p1"] >= 0.75
    assert mine["no-match"]["p1"] >= 0.9  # at most 1 in 10 near misses gets a strong result (none of 8)
    for kind in kinds_of(load_asks(BLIND[8])):
        assert mine[kind]["mrr"] > figures["bm25"][kind]["mrr"], kind


def test_ninth_blind_set_stays_at_its_first_run():
    """tests/devset/blind9.yaml, first run 2026-12-06 (docs/matching.md): MRR@5 0.85, nDCG@5 0.80,
    ahead of BM25 on every kind, 9 of 12 near misses without a strong result. Floors a little under."""
    figures = evaluate_once(BLIND[9])
    mine = figures["matcher"]
    assert mine["all"]["mrr"] >= 0.83 and mine["all"]["ndcg"] >= 0.78
    assert mine["no-match"]["p1"] >= 0.8  # 10 of 12 since the second round (was 9)
    for kind in kinds_of(load_asks(BLIND[9])):
        assert mine[kind]["mrr"] > figures["bm25"][kind]["mrr"], kind


# tests/blind10.yaml and blind11.yaml, first runs 2026-12-06 (docs/matching.md); floors a little under:
# (set, MRR@5, nDCG@5, no-match right, lead over BM25's MRR@5 on the whole set)
EARLIER_SETS = [
    (10, 0.84, 0.82, 0.75, 0.2),  # 0.86 / 0.84 vs BM25 0.52 / 0.50; 9 of 12 near misses without a strong result
    (11, 0.84, 0.76, 0.75, 0.3),  # 0.88 / 0.79 vs BM25 0.36 / 0.33; 9 of 12
]


@pytest.mark.parametrize("number, mrr, ndcg, no_match, lead", EARLIER_SETS)
def test_earlier_blind_sets_stay_at_their_first_runs(number, mrr, ndcg, no_match, lead):
    figures = evaluate_once(BLIND[number])
    mine = figures["matcher"]["all"]
    assert mine["mrr"] >= mrr and mine["ndcg"] >= ndcg
    assert figures["matcher"]["no-match"]["p1"] >= no_match
    assert mine["mrr"] >= figures["bm25"]["all"]["mrr"] + lead


def test_the_rules_add_to_embeddings_alone():
    """Sentence embeddings alone (bot.matching.semantic, no rules) rank about as keyword search
    does; the hybrid must stay well ahead of them on the blind sets."""
    for path in (BLIND[n] for n in sorted(BLIND) if n >= 9):
        figures = evaluate_once(path)
        assert figures["matcher"]["all"]["mrr"] >= figures["embeddings"]["all"]["mrr"] + 0.1, path.name


# Sets 12-18, first runs 2026-12-06 (docs/matching.md, each set's section): floors a little under
# what each measured, or between its first run and what it measured after the fixes it led to.
# set, MRR@5, nDCG@5, share of near misses without a strong result (None: not checked), and whether
# the matcher must be strictly ahead of BM25 on every kind (False: not behind).
LATER_SETS = [
    (12, 0.87, 0.79, 0.9, False),  # 0.90 / 0.82 vs BM25 0.53 / 0.50; 11 of 12; level on codes (1.00)
    (13, 0.80, 0.72, 0.7, True),  # 0.77 / 0.70 vs 0.40 / 0.38; 7 of 12 (0.84 and 10 of 12 after)
    (14, 0.90, 0.82, 0.9, True),  # 0.92 / 0.84 vs 0.40 / 0.37; 11 of 12; level on multi-need (0.95 after)
    (15, 0.82, None, None, False),  # 0.78 vs 0.31; 0.84 after the outcome cues
    (16, 0.86, None, None, False),  # 0.84 vs 0.35; 0.88 after
    (17, 0.87, 0.77, 0.8, True),  # 0.89 / 0.79 vs 0.34 / 0.29; 10 of 12
    (18, 0.90, 0.84, 0.9, True),  # the final matcher: 0.92 / 0.86 vs 0.38 / 0.34; 12 of 12
]


@pytest.mark.parametrize("number, mrr, ndcg, no_match, strictly_ahead", LATER_SETS)
def test_later_blind_sets_stay_at_their_floors(number, mrr, ndcg, no_match, strictly_ahead):
    path = BLIND[number]
    figures = evaluate_once(path)
    mine = figures["matcher"]
    assert mine["all"]["mrr"] >= mrr
    if ndcg is not None:
        assert mine["all"]["ndcg"] >= ndcg
    if no_match is not None:
        assert mine["no-match"]["p1"] >= no_match  # 0.9: at most 1 in 10 near misses gets a strong result
    for kind in kinds_of(load_asks(path)):
        theirs = figures["bm25"][kind]["mrr"]
        assert mine[kind]["mrr"] > theirs if strictly_ahead else mine[kind]["mrr"] >= theirs, kind
