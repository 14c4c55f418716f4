"""Every tuning number of the ranking in one frozen object, so the quality benchmark can sweep
them (`dataclasses.replace(WEIGHTS, lexical_bonus=0.4)`) and `rank(..., weights=...)` uses them.

Modules read them as `WEIGHTS.<name>` (or a `Weights` passed in), never as copies of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


def _frozen(d: dict) -> Mapping:
    return MappingProxyType({k: MappingProxyType(v) if isinstance(v, dict) else v for k, v in d.items()})


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
    # When nobody is strong, a partner that meets every capability the need names in its own
    # capabilities, scores this much and this many times the next partner, is proposed (0: off).
    clear_min_score: float = 30.0
    clear_margin: float = 2.0
    clear_min_geo: float = 0.5  # ... and serves the place asked for (a geography tier this high)
    # -- candidates ---------------------------------------------------------------------------
    # Candidates scored precisely, per need and from the keyword retrieval. 50 and 50 (80 and 80
    # until 2026-12-06): every labelled set's figures identical, and over 1,197 graded asks among
    # 100k profiles MRR@5 0.685 against 0.683, as many near misses, ranking 45 % faster
    # (benchmarks/quality_at_scale.py, docs/performance.md).
    candidates_per_need: int = 50
    candidates_per_ask: int = 10_000  # the needs' candidates together (shared out evenly)
    lexical_candidates: int = 50
    semantic_candidates: int = 20
    semantic_retrieval_below: int = 40  # ... only when the other retrievals found fewer candidates
    # -- fusion: score = concept score + lexical_bonus x 100 x BM25 / best BM25
    #                   + semantic_bonus x 100 x semantic evidence (shown capped at 100)
    lexical_bonus: float = 0.35
    # Semantic evidence: the cosine of the need with the profile's closest phrase, rescaled so
    # that `semantic_floor` (what unrelated phrases reach) is 0 and the best candidate's is 1.
    semantic_bonus: float = 0.15
    semantic_floor: float = 0.2
    semantic_relative: bool = True  # rescaled to the best candidate's cosine (this model's cosines run low)
    lead_semantic_share: float = 0.0  # weak leads: this share of the order is semantic evidence (swept: no gain)
    semantic_whole_ask: bool = False  # a one-need ask is embedded whole (its backstory too)
    lead_lexical_share: float = 0.7  # the same blend for ordering weak leads
    # -- concept scorer -----------------------------------------------------------------------
    cover_ratio: float = 0.7  # "covers" a part of a multi-need ask: 70 % of the best score for it
    limited_factor: float = 0.85  # capacity "limited"
    sharpness: float = 1.3  # convex: a need half covered is a weak match, not a middling one
    depth_bonus: float = 0.02  # more evidence edges a partner ahead of a tie
    fuzzy_share: float = 0.15  # surface similarity of need and best capability phrase (rapidfuzz)
    industry_only_factor: float = 0.5  # serving the asker's industry is not doing what was asked
    context_cap: float = 0.35  # the most a need's unmatched context takes off
    unknown_words_dilution: float = 0.75  # n unknown words in a need weigh n ** (1 - this) together
    # In a need that names a concept of the field, its plain words are detail around it ("patients
    # should be able to grab a visit slot online"): n of them weigh n ** (1 - this) together.
    plain_words_dilution: float = 0.75
    plain_words_min: int = 4  # ... in a need with this many plain words or more (situation words too): a chatty need
    extra_need_share: float = 0.15  # each further need a partner covers adds this share of its score
    excluded_factor: float = 0.5  # a partner whose line of work the asker excluded ("not a training course")
    excluded_min_weight: float = 0.8  # ... found in its capabilities or partner type
    # A need met only in a phrase of another kind of work (a `mode` concept of the vocabulary the
    # ask does not ask for: "Kubernetes training courses" for "run our Kubernetes") counts this much.
    mode_factor: float = 0.5
    # -- terms of an ask and of a profile (read when the index is built and queried) -------------
    # Where a term may be found, and what finding it there is worth, by the term's kind.
    # Capabilities weigh most; industries, certifications, partner type and description less.
    field_weights: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _frozen({
        "capability": {"capabilities": 1.0, "partner_type": 0.8, "certifications": 0.5,
                       "description": 0.45, "industries": 0.3},
        "vendor": {"capabilities": 1.0, "certifications": 0.9, "description": 0.6,
                   "partner_type": 0.5, "industries": 0.3},
        "industry": {"industries": 1.0, "capabilities": 0.8, "description": 0.5,
                     "certifications": 0.3, "partner_type": 0.3},
        "certification": {"certifications": 1.0, "capabilities": 0.6, "description": 0.5,
                          "partner_type": 0.3, "industries": 0.2},
        "partner_type": {"partner_type": 1.0, "capabilities": 0.8, "description": 0.5,
                         "certifications": 0.4, "industries": 0.2},
    }))
    # How much a term of each kind counts in an ask: a missing capability hurts most.
    importance: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {"capability": 1.0, "vendor": 0.7, "industry": 0.6, "certification": 0.5, "partner_type": 0.5}))
    # A plain word the directory knows is often a modifier ("monitoring", "offsite"); a curated
    # concept counts fully.
    known_word_importance: float = 0.5
    # A word nobody in the directory or the vocabulary uses: the thing nobody offers, or a detail
    # of the customer's situation ("office", "shops"). It counts, but not as much as a concept.
    unknown_word_importance: float = 0.3
    # A plain word about the customer's situation ("for a chain of car washes") barely counts.
    situation_word_importance: float = 0.1
    # A concept in the customer's situation ("training for a new EHR rollout") is half the need.
    situation_concept_factor: float = 0.5
    # Words inside a profile's multi-word concept ("cloud migration") also match alone, for less.
    inner_word_factor: float = 0.7
    # A narrower concept answers an ask for its broader one ("penetration testing" -> "cybersecurity").
    broader_factor: float = 0.6
    # BM25 term frequency per field (bot.matching.lexical), and its k1 and b.
    lexical_field_tf: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {"capabilities": 2.0, "partner_type": 1.0, "industries": 1.0, "certifications": 1.0,
         "description": 1.0, "name": 1.0, "regions": 1.0}))
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # -- geography: how well a partner's served place fits an ask's place (1 = exactly there) ----
    tier_by_kind: Mapping[str, float] = field(default_factory=lambda: _frozen(
        {"city": 1.0, "sub": 0.97, "country": 0.85, "macro": 0.75, "global": 0.6}))
    tier_inside: float = 0.9  # the partner serves a place inside the (wider) area asked for
    tier_region_of_a_country: float = 0.92  # "Midwest", "New England": nearer than the whole country
    tier_no_regions: float = 0.35  # the partner lists no places at all: unknown, not excluded
    nearby_km: float = 300.0  # within this, a partner's city ranks above a country-wide partner
    geo_floor: float = 0.4  # geo factor for a partner that serves elsewhere


WEIGHTS = Weights()
