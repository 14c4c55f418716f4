"""The in-memory directory index: inverted postings from terms and places to profiles.

Candidate generation adds, per ask term, idf x field weight into a score vector over all
profiles (numpy over compact postings), multiplies in geography, masks out who may not be
proposed, and keeps the best few hundred for precise scoring. A changed profile gets a new
slot (the old one is marked dead), so an update never rebuilds the whole index; dead slots
are compacted away when they outnumber live ones.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.matching.lexical import LexicalIndex, document_terms, query_terms
from bot.matching.places import Gazetteer, gazetteer
from bot.matching.profile import ProfileAnalysis, ProfileRecord, analyze_profile, term_kind
from bot.matching.semantic import PhraseVectors, profile_phrases
from bot.matching.textnorm import Term, is_common_word
from bot.matching.vocabulary import Vocabulary, load_vocabulary
from bot.matching.weights import WEIGHTS

TIER_EXACT = 1.0


def area_tier(key: str, place_key: str) -> float:
    if key == place_key:
        return TIER_EXACT
    kind, _, name = key.partition(":")
    if kind == "macro" and name in gazetteer().regions_within_a_country:
        return WEIGHTS.tier_region_of_a_country
    return WEIGHTS.tier_by_kind[kind]


def nearby_tier(km: float) -> float:
    """Within WEIGHTS.nearby_km: above a country-wide partner, below one serving the very state."""
    return 0.93 - 0.05 * (km / WEIGHTS.nearby_km)


def geo_factor(tier: float) -> float:
    return WEIGHTS.geo_floor + (1.0 - WEIGHTS.geo_floor) * tier


class _Postings:
    __slots__ = ("slots", "weights")

    def __init__(self) -> None:
        self.slots = array("i")
        self.weights = array("f")

    def add(self, slot: int, weight: float) -> None:
        self.slots.append(slot)
        self.weights.append(weight)

    def copy(self) -> _Postings:
        new = _Postings()
        new.slots, new.weights = array("i", self.slots), array("f", self.weights)
        return new


class DirectoryIndex:
    """Profiles by slot, postings, and per-slot status arrays. Not thread-safe by itself:
    `bot.matching.directory.Directory` changes only a `fork()` nobody reads yet, then publishes it."""

    def __init__(self, vocab: Vocabulary | None = None, gaz: Gazetteer | None = None) -> None:
        self.vocab = vocab or load_vocabulary()
        self.gaz = gaz or gazetteer()
        self._phrase_cache: dict = {}
        self._reset()

    def _reset(self) -> None:
        self.records: list[ProfileRecord | None] = []
        self.slot_of: dict[int, int] = {}
        self.terms_of: list[tuple[str, ...]] = []  # by slot, for df bookkeeping
        self.tokens_of: list[tuple[str, ...]] = []
        self.postings: dict[str, _Postings] = {}
        self.place_cover: dict[str, array] = {}  # served area key -> slots
        self.place_inside: dict[str, array] = {}  # area key -> slots serving a place within it
        self.df: Counter[str] = Counter()
        self.token_df: Counter[str] = Counter()
        self.lexical = LexicalIndex()
        self.semantic = PhraseVectors()
        self.live = 0
        self.dead = 0
        cap = 1024
        self.alive = np.zeros(cap, dtype=bool)
        self.capacity_factor = np.zeros(cap, dtype=np.float32)
        self.paused_until = np.zeros(cap, dtype=np.int32)  # 0 = not paused, -1 = open-ended
        self.has_regions = np.zeros(cap, dtype=bool)
        self.company_ids = np.zeros(cap, dtype=np.int64)
        self._corrector_words: dict[str, list[str]] | None = None  # by first letter
        self._known_words: frozenset[str] | None = None
        self._term_weights: dict[Term, float] = {}  # valid while df and live stay as they are
        self._geo_tiers: dict[tuple, np.ndarray] = {}  # by the ask's places; valid until a profile changes
        # A fork shares its parent's posting and place arrays until it writes one (copy on write).
        self._borrowed = False
        self._owned: set[tuple[str, str]] = set()

    def fork(self) -> DirectoryIndex:
        """A copy to change while readers keep using this one: the containers and per-slot
        arrays are copied (milliseconds at 100k profiles), postings only when written."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        for name in ("records", "terms_of", "tokens_of"):
            setattr(new, name, list(getattr(self, name)))
        for name in ("slot_of", "postings", "place_cover", "place_inside"):
            setattr(new, name, dict(getattr(self, name)))
        new.df, new.token_df = Counter(self.df), Counter(self.token_df)
        new.lexical = self.lexical.fork()
        new.semantic = self.semantic.fork()
        for name in ("alive", "capacity_factor", "paused_until", "has_regions", "company_ids"):
            setattr(new, name, getattr(self, name).copy())
        new._borrowed, new._owned, new._term_weights, new._geo_tiers = True, set(), {}, {}
        return new

    def _writable(self, kind: str, table: dict, key: str, make):
        """table[key], created or (in a fork) copied before its first write."""
        item = table.get(key)
        if item is None:
            item = table[key] = make()
        elif self._borrowed and (kind, key) not in self._owned:
            item = table[key] = item.copy() if isinstance(item, _Postings) else array("i", item)
        if self._borrowed:
            self._owned.add((kind, key))
        return item

    # -- building ---------------------------------------------------------------------------
    def _grow(self, need: int) -> None:
        cap = len(self.alive)
        if need <= cap:
            return
        new = max(need, cap * 2)
        for name in ("alive", "capacity_factor", "paused_until", "has_regions", "company_ids"):
            old = getattr(self, name)
            arr = np.zeros(new, dtype=old.dtype)
            arr[:cap] = old
            setattr(self, name, arr)

    def upsert(self, rec: ProfileRecord, analysis: ProfileAnalysis | None = None) -> None:
        """Add or replace one profile (a deleted profile is removed)."""
        old = self.slot_of.get(rec.company_id)
        if old is not None:
            if self.records[old] == rec:
                return
            self._kill(old)
        if rec.deleted:
            return
        a = analysis or analyze_profile(rec, self.vocab, self.gaz, self._phrase_cache)
        slot = len(self.records)
        self._grow(slot + 1)
        self.records.append(rec)
        self.slot_of[rec.company_id] = slot
        keys = tuple(a.term_weights)
        self.terms_of.append(keys)
        self.tokens_of.append(tuple(a.raw_tokens))
        for key, w in a.term_weights.items():
            self._writable("p", self.postings, key, _Postings).add(slot, w)
        self.df.update(keys)
        self.token_df.update(a.raw_tokens)
        self.lexical.add(slot, document_terms(a.phrases, {"regions": rec.regions}, self.vocab))
        self.semantic.add(slot, profile_phrases(rec.capabilities, rec.description))
        covered: set[str] = set()
        inside: set[str] = set()
        for _entry, place in a.places:
            covered.add(place.key)
            inside.update(k for k in place.areas if k != place.key)
        for k in covered:
            self._writable("c", self.place_cover, k, lambda: array("i")).append(slot)
        for k in inside - covered:
            self._writable("i", self.place_inside, k, lambda: array("i")).append(slot)
        self.alive[slot] = True
        self.has_regions[slot] = bool(a.places)
        self.company_ids[slot] = rec.company_id
        self.set_status(slot, rec)
        self.live += 1
        self._corrector_words = None
        self._known_words = None
        if self._term_weights:
            self._term_weights = {}
        if self._geo_tiers:
            self._geo_tiers = {}

    def set_status(self, slot: int, rec: ProfileRecord) -> None:
        self.capacity_factor[slot] = {"full": 0.0, "limited": WEIGHTS.limited_factor}.get(rec.capacity, 1.0)
        if rec.paused:
            self.paused_until[slot] = rec.paused_until.toordinal() if rec.paused_until else -1
        else:
            self.paused_until[slot] = 0
        self.records[slot] = rec

    def _kill(self, slot: int) -> None:
        rec = self.records[slot]
        if rec is None:
            return
        self.alive[slot] = False
        self.df.subtract(self.terms_of[slot])
        self.token_df.subtract(self.tokens_of[slot])
        self.lexical.remove(slot)
        self.records[slot] = None
        del self.slot_of[rec.company_id]
        self.live -= 1
        self.dead += 1
        self._corrector_words = None
        self._known_words = None
        if self._term_weights:
            self._term_weights = {}
        if self._geo_tiers:
            self._geo_tiers = {}

    def remove(self, company_id: int) -> None:
        slot = self.slot_of.get(company_id)
        if slot is not None:
            self._kill(slot)

    def maybe_compact(self) -> bool:
        if self.dead <= max(1000, self.live):
            return False
        recs = [r for r in self.records if r is not None]
        semantic = self.semantic.without_slots()  # the phrases' vectors stay
        self._reset()
        self.semantic = semantic
        for r in recs:
            self.upsert(r)
        return True

    def bulk_load(self, recs: Iterable[ProfileRecord]) -> None:
        for r in recs:
            self.upsert(r)

    # -- reading ---------------------------------------------------------------------------
    @property
    def known_words(self) -> frozenset[str]:
        """Every word of the directory and the vocabulary (not places, in an ask)."""
        if self._known_words is None:
            self._known_words = frozenset(t for t, c in self.token_df.items() if c > 0) | self.vocab.known_tokens
        return self._known_words

    def _corrector_words_by_letter(self) -> dict[str, list[str]]:
        if self._corrector_words is None:
            by_letter: dict[str, list[str]] = {}
            for w in sorted(w for w in self.known_words if len(w) >= 3 and not w.isdigit()):
                by_letter.setdefault(w[0], []).append(w)
            self._corrector_words = by_letter
        return self._corrector_words

    def correct(self, token: str) -> str | None:
        """The directory or vocabulary word a misspelt token most likely meant, if any."""
        if len(token) < 4 or token.isdigit() or token in self.known_words or is_common_word(token):
            return None
        cutoff = 75 if len(token) <= 4 else 80
        # Slips keep the first letter ("kuberntes"); "immigration" is no misspelt "migration".
        hit = process.extractOne(token, self._corrector_words_by_letter().get(token[0], ()), scorer=fuzz.ratio,
                                 score_cutoff=cutoff)
        if hit is None:
            return None
        # A short word gets one slip at most ("viop" -> "voip", "staf" -> "staff").
        if len(token) <= 5 and DamerauLevenshtein.distance(token, hit[0]) > 1:
            return None
        return hit[0]

    def idf(self, key: str) -> float:
        n = max(self.live, 1)
        return math.log(1.0 + n / (1.0 + max(self.df.get(key, 0), 0)))

    def importance(self, term: Term) -> float:
        if term.key.startswith("w:") and term.kind == "capability":
            if term.situation:
                return WEIGHTS.situation_word_importance
            return WEIGHTS.known_word_importance if self.df.get(term.key, 0) > 0 else WEIGHTS.unknown_word_importance
        kind = term_kind(term.key, self.vocab)
        if term.situation and kind != "industry":
            return WEIGHTS.importance[kind] * WEIGHTS.situation_concept_factor
        return WEIGHTS.importance[kind]

    def is_context(self, term: Term) -> bool:
        """Context of a need rather than the need: the customer's situation, an industry, or a
        concept the vocabulary marks as a modifier ("installation": how, not what)."""
        if term.situation:
            return True
        if term.key.startswith("c:"):
            concept = self.vocab.concepts[term.key[2:]]
            return concept.kind == "industry" or concept.modifier
        return False

    def term_weight(self, term: Term) -> float:
        """How much a term of an ask counts: its importance, and how rare it is (remembered per
        published index: precise scoring asks it for every candidate)."""
        weight = self._term_weights.get(term)
        if weight is None:
            weight = self.importance(term) * self.idf(term.key)
            if len(self._term_weights) < 50_000:
                self._term_weights[term] = weight
        return weight

    def term_mass(self, terms: list[Term]) -> float:
        return sum(self.term_weight(t) for t in terms)

    def estimate(self, terms: list[Term]) -> np.ndarray:
        """Coverage estimate in [0, 1] per slot: sum of importance x idf x field weight."""
        n = len(self.records)
        acc = np.zeros(n, dtype=np.float32)
        mass = self.term_mass(terms)
        if mass <= 0:
            return acc
        for t in terms:
            p = self.postings.get(t.key)
            if p is None or not len(p.slots):
                continue
            slots = np.frombuffer(p.slots, dtype=np.int32)
            weights = np.frombuffer(p.weights, dtype=np.float32)
            acc[slots] += weights * np.float32(self.term_weight(t))
            del slots, weights  # release the buffers so the arrays may grow again
        acc /= np.float32(mass)
        return acc

    def lexical_scores(self, terms: Iterable[Term]) -> np.ndarray:
        """BM25 per slot for an ask's terms (see `bot.matching.lexical`)."""
        return self.lexical.scores(query_terms(terms, self.vocab), len(self.records))

    def semantic_candidates(self, query: np.ndarray) -> np.ndarray:
        """Per slot, a rough cosine of a need's vector with the profile (to find candidates)."""
        return self.semantic.coarse_scores(query, len(self.records))

    def semantic_scores(self, query: np.ndarray, slots: list[int]) -> np.ndarray:
        """For each of `slots`, the cosine of a need's vector with the profile's closest phrase."""
        return self.semantic.best(query, slots)

    def lexical_coverage(self, terms: Iterable[Term], slot: int, unknown_share: float = 1.0) -> float:
        return self.lexical.coverage(query_terms(terms, self.vocab), slot, unknown_share)

    def geo_tiers(self, places: list) -> np.ndarray | None:
        """Per slot, the best geography tier for the ask's places (None: the ask names none)."""
        places = [p for p in places if p.kind != "global"]
        if not places:
            return None
        key = (len(self.records), *(p.key for p in places))
        cached = self._geo_tiers.get(key)
        if cached is None:
            cached = self._compute_geo_tiers(places)
            cached.flags.writeable = False  # shared by the asks that name the same places
            if len(self._geo_tiers) >= 256:
                self._geo_tiers = {}
            self._geo_tiers[key] = cached
        return cached

    def _compute_geo_tiers(self, places: list) -> np.ndarray:
        n = len(self.records)
        tiers = np.where(self.has_regions[:n], 0.0, WEIGHTS.tier_no_regions).astype(np.float32)

        def lift(slots_arr: array | None, tier: float) -> None:
            if slots_arr is None or not len(slots_arr):
                return
            idx = np.frombuffer(slots_arr, dtype=np.int32)
            tiers[idx] = np.maximum(tiers[idx], np.float32(tier))
            del idx

        for place in places:
            for key in place.areas:
                lift(self.place_cover.get(key), area_tier(key, place.key))
            lift(self.place_inside.get(place.key), WEIGHTS.tier_inside)
            if place.lat is not None and place.kind in ("city", "subdivision"):
                for key, km in self.gaz.nearby_cities(place.lat, place.lon, WEIGHTS.nearby_km).items():
                    lift(self.place_cover.get(key), nearby_tier(km))
        return tiers

    def proposable(self, *, today: date, exclude_company_id: int | None,
                   blocked_company_ids: Iterable[int] = ()) -> np.ndarray:
        n = len(self.records)
        pu = self.paused_until[:n]
        paused = (pu == -1) | (pu > today.toordinal())
        ok = self.alive[:n] & (self.capacity_factor[:n] > 0) & ~paused
        for cid in [exclude_company_id, *blocked_company_ids]:
            slot = self.slot_of.get(cid) if cid is not None else None
            if slot is not None:
                ok[slot] = False
        return ok

    def top_slots(self, scores: np.ndarray, k: int) -> list[int]:
        """The `k` slots of highest positive score, best first; between equal scores the lower
        slot first, also where the k-th place is shared (so which of them make the cut is not
        left to the selection algorithm)."""
        if k <= 0:
            return []
        slots = np.flatnonzero(scores > 0)  # ascending: the lower slot first among equals
        if len(slots) > k:
            values = scores[slots]
            kth = np.partition(values, len(values) - k)[len(values) - k]  # the k-th highest score
            above = slots[values > kth]
            slots = np.concatenate([above, slots[values == kth][: k - len(above)]])
            slots.sort()
        return slots[np.argsort(-scores[slots], kind="stable")].tolist()
