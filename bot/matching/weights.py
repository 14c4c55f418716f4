"""Every tuning number of the ranking in one frozen object, so the quality benchmark can sweep
them (`dataclasses.replace(WEIGHTS, lexical_share=0.4)`) and `rank(..., weights=...)` uses them.

The older module constants (scorer.MIN_SCORE, index.GEO_FLOOR, ...) are these same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    # -- confidence ---------------------------------------------------------------------------
    # A partner is proposed ("strong") at this concept score (0-100) or above: no weak matches
    # dressed up as good ones.
    min_score: float = 45.0
    # When nothing is strong, up to this many weak leads are shown ...
    max_weak_leads: int = 3
    # ... each with at least this fused score (0-100), and either this concept score or this
    # share of the ask's terms (by idf) in its profile: a lead has real evidence.
    weak_min_score: float = 25.0
    weak_relative: float = 0.5  # ... and at least this share of the best lead's score
    weak_min_concept: float = 20.0
    weak_min_coverage: float = 0.15
    unknown_term_share: float = 0.1  # a word nobody uses weighs this share of the rarest word's idf
    # -- candidates ---------------------------------------------------------------------------
    candidates_per_need: int = 80
    lexical_candidates: int = 80
    # -- fusion: score = (1 - lexical_share) x concept score + lexical_share x 100 x BM25 / best BM25
    lexical_share: float = 0.35
    lead_lexical_share: float = 0.7  # the same blend for ordering weak leads
    # -- concept scorer -----------------------------------------------------------------------
    cover_ratio: float = 0.7  # "covers" a part of a multi-need ask: 70 % of the best score for it
    limited_factor: float = 0.85  # capacity "limited"
    sharpness: float = 1.3  # convex: a need half covered is a weak match, not a middling one
    depth_bonus: float = 0.02  # more evidence edges a partner ahead of a tie
    fuzzy_share: float = 0.15  # surface similarity of need and best capability phrase (rapidfuzz)
    industry_only_factor: float = 0.5  # serving the asker's industry is not doing what was asked
    context_cap: float = 0.35  # the most a need's unmatched context takes off
    extra_need_share: float = 0.15  # each further need a partner covers adds this share of its score
    excluded_factor: float = 0.5  # a partner whose line of work the asker excluded ("not a training course")
    excluded_min_weight: float = 0.8  # ... found in its capabilities or partner type
    # -- geography ----------------------------------------------------------------------------
    geo_floor: float = 0.4  # geo factor for a partner that serves elsewhere


WEIGHTS = Weights()
