"""Precise scoring of the index's candidates, the final ranking, and reasons in plain words."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching import explain
from bot.matching.asks import Need, ParsedAsk
from bot.matching.index import DirectoryIndex, area_tier, geo_factor, nearby_tier
from bot.matching.explain import MAX_REASONS, TermHit, as_typed  # noqa: F401 (callers import them from here)
from bot.matching.lexical import query_terms
from bot.matching.places import Place, distance_km
from bot.matching.semantic import encoder
from bot.matching.profile import ProfileAnalysis, ProfileRecord, analyze_profile, term_kind
from bot.matching.textnorm import Term, tokens
from bot.matching.weights import WEIGHTS, Weights


@dataclass
class NeedFit:
    score: float  # 0-100, with geography and capacity
    relevance: float  # 0-1, the need's terms alone
    hits: list[TermHit]


@dataclass
class Match:
    company_id: int
    company: str
    partner_type: str
    score: float
    reasons: list[str]
    covers: list[int]  # indexes of the ask's needs this partner covers
    need_scores: list[float]
    capacity: str = "open"
    open_intros: int = 0
    # "strong": a partner the bot proposes; "weak": a lead shown only because nothing is strong.
    confidence: str = "strong"

    @property
    def strong(self) -> bool:
        return self.confidence == "strong"

    def as_dict(self, ask: ParsedAsk) -> dict:
        return {"company": self.company, "score": self.score, "partner_type": self.partner_type,
                "reasons": list(self.reasons), "confidence": self.confidence, "company_id": self.company_id,
                "covers": [ask.needs[i].text for i in self.covers]}


@dataclass
class Ranking:
    ask: ParsedAsk
    matches: list[Match] = field(default_factory=list)

    @property
    def strong(self) -> list[Match]:
        return [m for m in self.matches if m.strong]

    @property
    def leads(self) -> list[Match]:
        """Weak leads: shown only when nothing is strong ("No strong match — closest leads")."""
        return [m for m in self.matches if not m.strong]

    @property
    def unmet(self) -> bool:
        """Nothing strong: the ask is unmet demand, whatever weak leads are shown."""
        return not self.strong

    @property
    def needs(self) -> list[str]:
        return [n.text for n in self.ask.needs]

    @property
    def unmet_needs(self) -> list[str]:
        """The needs no shown partner covers: all of them when nothing matched; for an ask with
        several needs, the parts "Who covers which part" answers with nobody (the same rule)."""
        if not self.strong:
            return self.needs
        if len(self.ask.needs) < 2:
            return []
        return [need for need, covering in self.coverage() if not covering]

    def coverage(self) -> list[tuple[str, list[Match]]]:
        """For each need, the shown partners that cover it, best first (who covers which part)."""
        out = []
        for i, need in enumerate(self.ask.needs):
            covering = sorted((m for m in self.strong if i in m.covers), key=lambda m: -m.need_scores[i])
            out.append((need.text, covering))
        return out


class AnalysisCache:
    """Profile analyses of recent candidates (analysing all 100k up front would cost memory)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[ProfileRecord, ProfileAnalysis]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: DirectoryIndex, slot: int) -> ProfileAnalysis:
        # Records are immutable and replaced when their row changes: the record object itself is
        # the key (by identity: hashing all its fields for every candidate costs more), kept in
        # the entry so its id is not reused while cached.
        rec = index.records[slot]
        key = id(rec)
        with self._lock:  # asks rank concurrently (bot.matching.directory)
            hit = self._items.get(key)
            if hit is not None and hit[0] is rec:
                self._items.move_to_end(key)
                return hit[1]
        analysis = analyze_profile(rec, index.vocab, index.gaz, index._phrase_cache)
        with self._lock:
            self._items[key] = (rec, analysis)
            self._items.move_to_end(key)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return analysis


def _other_work_phrases(a: ProfileAnalysis, unasked_modes: frozenset[str]) -> set[tuple[str, str]]:
    """The partner's phrases about another kind of work than the ask's ("Kubernetes training
    courses" when the ask does not ask for training)."""
    return {fp for m, phrases in a.mode_phrases.items() if m in unasked_modes for fp in phrases}


def _term_hits(index: DirectoryIndex, a: ProfileAnalysis, terms: list[Term],
               unasked_modes: frozenset[str] = frozenset(), w: Weights = WEIGHTS,
               field_weights: list | None = None) -> list[TermHit]:
    hits = []
    other_work = _other_work_phrases(a, unasked_modes) if unasked_modes else None
    for n, t in enumerate(terms):
        weights = field_weights[n] if field_weights is not None else WEIGHTS.field_weights[term_kind(t.key, index.vocab)]
        best, where = 0.0, None  # the hit is made once, for the best place (a candidate has many terms)
        for found in a.where.get(t.key, ()):
            fname, phrase, _pt, factor = found
            if other_work and (fname, phrase) in other_work:
                factor *= w.mode_factor
            if weights[fname] * factor > best:
                best, where = weights[fname] * factor, found
        if where is not None:
            hits.append(TermHit(t, best, where[0], where[1], where[2]))
            continue
        if t.key.startswith("w:") and len(t.key) >= 7 and a.words:
            # A second chance for a misspelling the directory-wide correction did not fix.
            found = process.extractOne(t.key[2:], a.words, scorer=fuzz.ratio, score_cutoff=85)
            if found:
                for fname, phrase, pt, factor in a.where.get(f"w:{found[0]}", ()):
                    if 0.8 * factor * weights[fname] > best:
                        best, where = 0.8 * factor * weights[fname], (fname, phrase, pt, found[0])
        hits.append(TermHit(t, best, *where[:3], fuzzy_word=where[3]) if where is not None else TermHit(t, 0.0))
    return hits


@dataclass
class _NeedPlan:
    """What `_relevance` needs of a need that does not depend on the partner, worked out once per
    ask instead of once per candidate (precise scoring is most of an answer's CPU)."""

    terms: list[Term]
    mass: float
    field_weights: list
    core: list[int]  # indexes into terms
    context: list[int]
    core_weights: list[float]  # term weight, diluted for unknown/plain words
    context_weights: list[float]
    core_mass: float
    need_text: str


def _need_plan(index: DirectoryIndex, need: Need, context: list[Term], w: Weights = WEIGHTS) -> _NeedPlan:
    terms = need.terms + [c for c in context if c.key not in {t.key for t in need.terms}]
    mass = index.term_mass(terms)
    is_context = [index.is_context(t) for t in terms]
    # The core of a need is what must be done; its context (the customer's situation, industry,
    # "installed"/"set up") refines the ranking but takes at most `context_cap` off.
    core = [n for n in range(len(terms)) if not is_context[n]]
    ctx = [n for n in range(len(terms)) if is_context[n]] if core else []
    core = core or list(range(len(terms)))  # nothing but context ("restaurants"): that is the need
    # Words nobody in the directory uses: in a long chatty ask there are many ("pickers", "taped",
    # "concrete"), and together they would drown the few terms that name the need. Their weight
    # grows with the square root of their number, not linearly.
    unknown = [n for n in core if terms[n].key.startswith("w:") and index.df.get(terms[n].key, 0) <= 0]
    dilution = len(unknown) ** -w.unknown_words_dilution if unknown else 1.0
    plain = [n for n in core if terms[n].key.startswith("w:")]
    chatty = len([t for t in terms if t.key.startswith("w:")]) >= w.plain_words_min  # situation words too
    if (w.plain_words_dilution > 0 and plain and chatty
            and any(terms[n].key.startswith("c:") and term_kind(terms[n].key, index.vocab) in ("capability", "vendor")
                    for n in core)):
        # A chatty need: its plain words, known or not, are detail around the concept it names.
        unknown = plain
        dilution = len(plain) ** -max(w.plain_words_dilution, w.unknown_words_dilution)
    unknown_set = set(unknown)
    core_weights = [index.term_weight(terms[n]) * (dilution if n in unknown_set else 1.0) for n in core]
    return _NeedPlan(terms=terms, mass=mass, field_weights=[WEIGHTS.field_weights[term_kind(t.key, index.vocab)] for t in terms],
                     core=core, context=ctx, core_weights=core_weights,
                     context_weights=[index.term_weight(terms[n]) for n in ctx], core_mass=sum(core_weights),
                     need_text=" ".join(tokens(need.norm)))


def _relevance(index: DirectoryIndex, a: ProfileAnalysis, need: Need, context: list[Term],
               w: Weights = WEIGHTS, unasked_modes: frozenset[str] = frozenset(),
               plan: _NeedPlan | None = None) -> tuple[float, list[TermHit]]:
    plan = plan or _need_plan(index, need, context, w)
    if plan.mass <= 0:
        return 0.0, []
    hits = _term_hits(index, a, plan.terms, unasked_modes, w, plan.field_weights)
    if plan.core_mass <= 0:
        return 0.0, []
    coverage = sum(cw * hits[n].weight for cw, n in zip(plan.core_weights, plan.core, strict=True)) / plan.core_mass
    if coverage <= 0:  # none of the need's core in this profile: 0 whatever the rest (a multi-need
        return 0.0, hits  # ask scores every candidate for every need)
    missed_context = sum(tw * (1.0 - hits[n].weight) for tw, n in zip(plan.context_weights, plan.context, strict=True))
    context_factor = 1.0 - min(w.context_cap, missed_context / plan.mass)
    # More evidence (the same need met in several phrases) edges a partner ahead of a tie.
    depth = sum(min(2, len({w[1] for w in a.where.get(h.term.key, ())}) - 1) for h in hits if h.weight > 0)
    closest = process.extractOne(plan.need_text, a.capability_texts, scorer=fuzz.token_set_ratio, processor=None)
    best_phrase = closest[1] if closest is not None else 0.0
    # Convex: a need half covered is a weak match, not a middling one.
    rel = (coverage * (1.0 - w.fuzzy_share + w.fuzzy_share * best_phrase / 100.0)) ** w.sharpness * context_factor
    if not any(h.weight > 0 and h.field != "industries" for h in hits):
        rel *= w.industry_only_factor
    # Not capped here: between two full matches the one with more evidence ranks first; scores
    # are shown capped at 100.
    return rel * (1.0 + w.depth_bonus * min(depth, 3)), hits


def _shown_score(fused: float, confidence: str, min_score: float) -> float:
    """Capped at 100; a proposal (a clear winner too) never shows a score under the strong threshold."""
    return round(min(100.0, max(fused, min_score) if confidence == "strong" else fused), 1)


def _unasked_modes(index: DirectoryIndex, terms: list[Term]) -> frozenset[str]:
    """The vocabulary's modes the ask does not ask for; it asks for one when one of its terms is
    the mode or a kind of it ("CKA prep" is training)."""
    asked = {t.key for t in terms}
    asked |= {f"c:{b}" for k in list(asked) if k.startswith("c:") for b in index.vocab.concepts[k[2:]].broader}
    return index.vocab.mode_keys - asked


def _clear_winner(index: DirectoryIndex, scored: list, rejected: set[int], concept, w: Weights) -> list[int]:
    """When nobody reaches the strong threshold, the one partner that clearly meets the need:
    every capability the need names is in its own capabilities, its score is near the threshold,
    and it is far ahead of the next partner (a chatty ask whose need is read, met by one partner)."""
    ranked = sorted(((concept(ns), s, ns, nh, geo) for s, ns, nh, geo in scored if s not in rejected),
                    key=lambda x: -x[0])
    if not ranked or w.clear_min_score <= 0:
        return []
    best, slot, need_scores, need_hits, geo = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if best < w.clear_min_score or best < w.clear_margin * runner_up:
        return []
    if geo is not None and geo[0] < w.clear_min_geo:  # it must serve the place asked for
        return []
    i = max(range(len(need_scores)), key=need_scores.__getitem__)
    named = [h for h in need_hits[i] if h.term.key.startswith("c:") and not index.is_context(h.term)
             and term_kind(h.term.key, index.vocab) in ("capability", "vendor")]
    if named and all(h.weight >= 0.9 and h.field == "capabilities" for h in named):
        return [slot]
    return []


def geo_fit(a: ProfileAnalysis, places: list[Place]) -> tuple[float, str] | None:
    """The best geography tier for the ask's places, and why, in plain words."""
    places = [p for p in places if p.kind != "global"]
    if not places:
        return None
    if not a.places:
        return WEIGHTS.tier_no_regions, "lists no places it serves"
    best: tuple[float, str] = (0.0, "")
    for place in places:
        for _entry, pp in a.places:
            tier, why = 0.0, ""
            if pp.key in place.areas:
                tier = area_tier(pp.key, place.key)
                if pp.key == place.key:
                    why = f"serves {pp.name}"
                elif pp.kind == "global":
                    why = "serves everywhere (global)"
                else:
                    why = f"serves {pp.name} — includes {place.short}"
            elif place.key in pp.areas:
                tier, why = WEIGHTS.tier_inside, f"serves {pp.name}, in {place.name}"
            elif pp.kind == "city" and place.kind in ("city", "subdivision"):
                km = distance_km(pp, place)
                if km is not None and km <= WEIGHTS.nearby_km:
                    tier, why = nearby_tier(km), f"serves {pp.short}, {km:.0f} km from {place.short}"
            if tier > best[0]:
                best = (tier, why)
    if best[0] == 0:
        names = ", ".join(p.short for p in places)
        return 0.0, f"does not list {names} among the places it serves"
    return best


def _semantic_evidence(index: DirectoryIndex, ask: ParsedAsk, candidates: list[int], factor: np.ndarray,
                       w: Weights) -> tuple[dict[int, float], np.ndarray | None]:
    """Semantic retrieval: adds candidates found by a rough vector per profile to `candidates`
    (when the other retrievals found fewer than `semantic_retrieval_below`);
    then, for every candidate, the cosine of the need with its closest phrase, rescaled to
    0-1 (fused into the order; its phrase is quoted for a lead). Also the needs' vectors."""
    if w.semantic_bonus <= 0 and w.semantic_candidates <= 0 and w.lead_semantic_share <= 0:
        return {}, None
    texts = [ask.text] if w.semantic_whole_ask and len(ask.needs) == 1 else [need.text for need in ask.needs]
    vectors = encoder().embed(texts)
    # Candidates by meaning where words found few: over a large directory the words' retrievals
    # bring plenty, and a pass over every profile's vector would cost more than all the rest.
    if w.semantic_candidates > 0 and len(candidates) < w.semantic_retrieval_below:
        rough = np.max([index.semantic_candidates(v) for v in vectors], axis=0) * factor
        candidates.extend(s for s in index.top_slots(rough, w.semantic_candidates) if s not in candidates)
    if not candidates:
        return {}, vectors
    cosines = np.max([index.semantic_scores(v, candidates) for v in vectors], axis=0) * factor[candidates]
    scale = (float(cosines.max()) if w.semantic_relative else 1.0) - w.semantic_floor
    if scale <= 0:
        return {}, vectors
    evidence = np.clip((cosines - w.semantic_floor) / np.float32(scale), 0.0, 1.0)
    return {s: float(e) for s, e in zip(candidates, evidence, strict=True)}, vectors


def rank(index: DirectoryIndex, ask: ParsedAsk, *, today: date, exclude_company_id: int | None = None,
         open_counts: dict[int, int] | None = None, max_open: int | None = None, top: int = 5,
         cache: AnalysisCache | None = None, min_score: float | None = None,
         weights: Weights = WEIGHTS) -> Ranking:
    """The best partners for `ask`, at most `top`, best first.

    Candidates come from both retrievals (concept estimate per need, BM25 over the whole text);
    each is scored precisely and ordered by its concept score plus a bonus for its BM25 (relative
    to the best). A partner whose concept score reaches `min_score` is proposed (strong) unless it
    does what the asker ruled out; when nobody is, up to `max_weak_leads` of the best others with
    real evidence are shown as weak leads."""
    w = weights
    min_score = w.min_score if min_score is None else min_score
    ranking = Ranking(ask=ask)
    if not ask.needs or not index.live or top <= 0:
        return ranking
    open_counts = open_counts or {}
    cache = cache or AnalysisCache()
    blocked = [cid for cid, n in open_counts.items() if max_open is not None and n >= max_open]
    ok = index.proposable(today=today, exclude_company_id=exclude_company_id, blocked_company_ids=blocked)
    tiers = index.geo_tiers(ask.places)
    factor = index.capacity_factor[: len(ok)] * ok
    if tiers is not None:
        factor = factor * (w.geo_floor + (1.0 - w.geo_floor) * tiers)
    # Per need, a share of the ask's budget: a chatty ask read as five needs does not score five
    # times as many candidates (precise scoring is most of an answer's CPU).
    k = max(min(w.candidates_per_need, w.candidates_per_ask // len(ask.needs)), 8 * top)
    candidates: list[int] = []
    for need in ask.needs:
        est = index.estimate(need.terms + ask.context_terms) * factor
        candidates.extend(s for s in index.top_slots(est, k) if s not in candidates)
    all_terms = [t for need in ask.needs for t in need.terms] + ask.context_terms
    unasked_modes = _unasked_modes(index, all_terms)
    lexical = index.lexical_scores(all_terms) * factor
    lex_best = float(lexical.max()) if len(lexical) else 0.0
    if lex_best > 0:
        lexical /= np.float32(lex_best)
        candidates.extend(s for s in index.top_slots(lexical, max(w.lexical_candidates, 8 * top))
                          if s not in candidates)

    semantic, vectors = _semantic_evidence(index, ask, candidates, factor, w)

    scored: list[tuple[int, list[float], dict[int, list[TermHit]], tuple[float, str] | None]] = []
    plans = [_need_plan(index, need, ask.context_terms, w) for need in ask.needs]
    rejected: set[int] = set()
    for slot in candidates:
        rec = index.records[slot]
        a = cache.get(index, slot)
        geo = geo_fit(a, ask.places)
        g = geo_factor(geo[0]) if geo is not None else 1.0
        c = w.limited_factor if rec.capacity == "limited" else 1.0
        # What the asker said they do not want, as the partner's own line of work ("not a training
        # course": a training company) counts against it.
        x = 1.0
        if any(a.term_weights.get(t.key, 0.0) >= w.excluded_min_weight for t in ask.excluded):
            x = w.excluded_factor
            rejected.add(slot)  # never proposed; at most a lead
        need_scores, need_hits = [], {}
        for i, need in enumerate(ask.needs):
            rel, hits = _relevance(index, a, need, ask.context_terms, w, unasked_modes, plans[i])
            need_scores.append(100.0 * rel * g * c * x)
            need_hits[i] = hits
        scored.append((slot, need_scores, need_hits, geo))

    def concept(scores: list[float]) -> float:
        best = max(scores)
        extra = sum(s for s in scores if s >= min_score) - (best if best >= min_score else 0)
        return best + w.extra_need_share * extra

    def fused(slot: int, scores: list[float]) -> float:
        # Keyword evidence adds to the concept score (so a proposed partner never shows under the
        # threshold that made it strong); it decides the order between close partners.
        return (concept(scores) + w.lexical_bonus * 100.0 * float(lexical[slot])
                + w.semantic_bonus * 100.0 * semantic.get(slot, 0.0))

    tiebreak = functools.cache(ask.tiebreak)  # a hash per candidate, asked for by every sort below

    def order(slot: int, value: float) -> tuple:
        cid = index.records[slot].company_id
        return (-round(value, 1), open_counts.get(cid, 0), tiebreak(cid))

    by_slot = {s: (ns, nh, geo) for s, ns, nh, geo in scored}
    eligible = [s for s, ns, _, _ in scored if concept(ns) >= min_score and s not in rejected]
    eligible = eligible or _clear_winner(index, scored, rejected, concept, w)
    picks: list[int] = []
    if len(ask.needs) > 1:
        for i in range(len(ask.needs)):
            best_for_need = sorted((s for s in eligible if by_slot[s][0][i] >= min_score),
                                   key=lambda s: order(s, by_slot[s][0][i]))
            for s in best_for_need:
                if s not in picks:
                    picks.append(s)
                    break
        picks.sort(key=lambda s: order(s, fused(s, by_slot[s][0])))
    rest = sorted((s for s in eligible if s not in picks), key=lambda s: order(s, fused(s, by_slot[s][0])))
    shown = [(s, "strong") for s in (picks + rest)[:top]]
    if not shown:
        def evidence(s: int) -> bool:
            return (concept(by_slot[s][0]) >= w.weak_min_concept
                    or index.lexical_coverage(all_terms, s, w.unknown_term_share) >= w.weak_min_coverage)

        def lead_score(s: int) -> float:  # keyword evidence counts for more where concepts found nothing
            return ((1.0 - w.lead_lexical_share - w.lead_semantic_share) * concept(by_slot[s][0])
                    + w.lead_lexical_share * 100.0 * float(lexical[s])
                    + w.lead_semantic_share * 100.0 * semantic.get(s, 0.0))

        leads = sorted((s for s in by_slot if fused(s, by_slot[s][0]) >= w.weak_min_score and evidence(s)),
                       key=lambda s: (s in rejected, order(s, lead_score(s))))  # what was ruled out, last
        best_lead = lead_score(leads[0]) if leads else 0.0
        leads = [s for s in leads if lead_score(s) >= w.weak_relative * best_lead]  # no tail of stragglers
        shown = [(s, "weak") for s in leads[: min(top, w.max_weak_leads)]]
    # A partner covers a part when it is close to the best partner for that part.
    best_per_need = [max((by_slot[s][0][i] for s in eligible), default=0.0) for i in range(len(ask.needs))]
    query_keys = set(query_terms(all_terms, index.vocab))
    for slot, confidence in shown:
        rec = index.records[slot]
        need_scores, need_hits, geo = by_slot[slot]
        a = cache.get(index, slot)
        covers = [i for i, v in enumerate(need_scores) if v >= max(min_score, w.cover_ratio * best_per_need[i])]
        reasons = explain.reasons(ask, need_hits, covers or [max(range(len(need_scores)), key=need_scores.__getitem__)],
                                  geo[1] if geo else None, rec.capacity, a)
        if confidence == "weak" or not any(h.weight > 0 for hits in need_hits.values() for h in hits):
            nearest = max((index.semantic.closest(v, slot) for v in vectors), default=(0.0, ""))[1] \
                if vectors is not None else None
            reasons = explain.lead_reasons(reasons, rec.capabilities, a, query_keys, index.vocab, nearest or None)
        ranking.matches.append(Match(
            company_id=rec.company_id, company=rec.name, partner_type=rec.partner_type,
            score=_shown_score(fused(slot, need_scores), confidence, min_score), reasons=reasons,
            covers=covers if confidence == "strong" else [],
            need_scores=[round(min(100.0, v), 1) for v in need_scores], capacity=rec.capacity,
            open_intros=open_counts.get(rec.company_id, 0), confidence=confidence,
        ))
    return ranking
