"""Lexical retrieval: BM25 over each profile's whole text, so the product never misses what
keyword search finds.

A profile's document is every term of every field (type, capabilities, industries,
regions, certifications, description) as the concept scorer reads it: stemmed words, and the
vocabulary's concepts (with their broader concepts), so "UC" in an ask meets "unified
communications" in a profile. An ask's query is the same: its corrected words and concepts.
Capability phrases count twice (a partner's own list of what it does says more than a
description's passing mention).
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from bot.matching.textnorm import Term, stem, tokens
from bot.matching.vocabulary import Vocabulary
from bot.matching.weights import WEIGHTS

# Term frequency per field: what a partner lists as a capability weighs most (bot.matching.weights).
FIELD_TF = WEIGHTS.lexical_field_tf


def document_terms(phrases: dict[str, list[tuple[str, list[Term]]]], extra: dict[str, Iterable[str]],
                   vocab: Vocabulary) -> Counter[str]:
    """Weighted term frequencies of a profile: `phrases` are the analysed fields (ProfileAnalysis),
    `extra` plain-text fields (name, regions) read as stemmed words."""
    tf: Counter[str] = Counter()
    for fname, entries in phrases.items():
        weight = FIELD_TF.get(fname, 1.0)
        for _phrase, terms in entries:
            for t in terms:
                tf[t.key] += weight
                if t.key.startswith("c:"):
                    for b in vocab.concepts[t.key[2:]].broader:
                        tf[f"c:{b}"] += weight * 0.5
                    for tok in t.surface.split():  # the words of a concept's phrase count as words too
                        if not vocab.is_stopword(tok) and not tok.isdigit():
                            tf[f"w:{stem(tok)}"] += weight * 0.5
    for fname, texts in extra.items():
        weight = FIELD_TF.get(fname, 1.0)
        for text in texts:
            for tok in tokens(text):
                if not vocab.is_stopword(tok):
                    tf[f"w:{stem(tok)}"] += weight
    return tf


def query_terms(terms: Iterable[Term], vocab: Vocabulary) -> list[str]:
    """The distinct keys of an ask's terms, and the words inside its concepts."""
    keys: dict[str, None] = {}
    for t in terms:
        keys[t.key] = None
        if t.key.startswith("c:"):
            for tok in t.surface.split():
                if not vocab.is_stopword(tok) and not tok.isdigit():
                    keys[f"w:{stem(tok)}"] = None
    return list(keys)


class _Postings:
    __slots__ = ("slots", "tf")

    def __init__(self) -> None:
        self.slots = array("i")
        self.tf = array("f")

    def copy(self) -> _Postings:
        new = _Postings()
        new.slots, new.tf = array("i", self.slots), array("f", self.tf)
        return new


class LexicalIndex:
    """BM25 (Okapi) postings by slot; a removed slot is zeroed and left in its postings (the
    directory index compacts dead slots away as a whole)."""

    def __init__(self, k1: float = WEIGHTS.bm25_k1, b: float = WEIGHTS.bm25_b) -> None:
        self.k1 = k1
        self.b = b
        self.postings: dict[str, _Postings] = {}
        self.df: Counter[str] = Counter()
        self.doc_len = np.zeros(1024, dtype=np.float32)
        self.terms_of: dict[int, tuple[str, ...]] = {}  # keys interned: 100k profiles share them
        self.total_len = 0.0
        self.docs = 0
        self._owned: set[str] | None = None  # in a fork: the postings it has copied
        self._term_scores: dict[str, tuple[tuple, np.ndarray]] = {}  # see `_term_score`

    def fork(self) -> LexicalIndex:
        """A copy to change while readers keep using this one; postings are copied on first write."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.postings, new.df, new.terms_of = dict(self.postings), Counter(self.df), dict(self.terms_of)
        new.doc_len = self.doc_len.copy()
        new._owned = set()
        new._term_scores = {}
        return new

    def __getstate__(self) -> dict:
        # The term scores are a cache (rebuilt on use) that asks may fill while the index is saved.
        return {k: v for k, v in self.__dict__.items() if k != "_term_scores"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._term_scores = {}

    def _writable(self, key: str) -> _Postings:
        p = self.postings.get(key)
        if p is None:
            p = self.postings[key] = _Postings()
        elif self._owned is not None and key not in self._owned:
            p = self.postings[key] = p.copy()
        if self._owned is not None:
            self._owned.add(key)
        return p

    def add(self, slot: int, tf: Counter[str]) -> None:
        if slot >= len(self.doc_len):
            grown = np.zeros(max(slot + 1, 2 * len(self.doc_len)), dtype=np.float32)
            grown[: len(self.doc_len)] = self.doc_len
            self.doc_len = grown
        keys = tuple(sys.intern(k) for k in tf)
        for key, f in zip(keys, tf.values(), strict=True):
            p = self._writable(key)
            p.slots.append(slot)
            p.tf.append(f)
        length = float(sum(tf.values()))
        self.doc_len[slot] = length
        self.terms_of[slot] = keys
        self.df.update(keys)
        self.total_len += length
        self.docs += 1

    def remove(self, slot: int) -> None:
        keys = self.terms_of.pop(slot, None)
        if keys is None:
            return
        self.df.subtract(keys)
        self.total_len -= float(self.doc_len[slot])
        self.doc_len[slot] = 0.0
        self.docs -= 1

    def idf(self, key: str) -> float:
        n = self.df.get(key, 0)
        return math.log(1.0 + (self.docs - n + 0.5) / (n + 0.5)) if n > 0 else 0.0

    def coverage(self, keys: list[str], slot: int, unknown_share: float = 1.0) -> float:
        """The share of the query's weight (idf) that the slot's document holds. A term nobody has
        weighs like the rarest (times `unknown_share`): an ask for what nobody offers is not half
        met by its common words."""
        have = self.terms_of.get(slot, ())
        rarest = unknown_share * math.log(1.0 + (self.docs + 0.5) / 0.5)
        total = got = 0.0
        for key in keys:
            weight = self.idf(key) or rarest
            total += weight
            if key in have:
                got += weight
        return got / total if total else 0.0

    def scores(self, keys: Iterable[str], n: int) -> np.ndarray:
        """BM25 of every slot below `n` for the query `keys` (dead slots score 0)."""
        acc = np.zeros(n, dtype=np.float32)
        if self.docs <= 0:
            return acc
        norm: list[np.ndarray] = []  # the length normalisation, worked out for the first term not remembered

        def length_norm() -> np.ndarray:
            if not norm:
                avg = self.total_len / self.docs
                norm.append(self.k1 * (1.0 - self.b + self.b * self.doc_len[:n] / max(avg, 1e-6)))
            return norm[0]

        for key in keys:
            p = self.postings.get(key)
            idf = self.idf(key)
            if p is None or idf <= 0:
                continue
            slots = np.frombuffer(p.slots, dtype=np.int32)
            acc[slots] += self._term_score(key, p, slots, idf, length_norm)
            del slots
        acc[self.doc_len[:n] <= 0] = 0.0  # a removed profile's postings stay until compaction
        return acc

    def _term_score(self, key: str, p: _Postings, slots: np.ndarray, idf: float, length_norm) -> np.ndarray:
        """A term's BM25 score in each document of its postings. Remembered while the index is
        as it was (a published index never changes; the stamp catches one changed in place):
        common terms have postings of tens of thousands of documents at 100k profiles."""
        stamp = (len(slots), self.docs, self.total_len, self.df.get(key, 0))
        cached = self._term_scores.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        tf = np.frombuffer(p.tf, dtype=np.float32)
        score = np.float32(idf) * tf * np.float32(self.k1 + 1.0) / (tf + length_norm()[slots])
        del tf
        if len(slots) >= 256:  # small postings cost less to score than to remember
            self._term_scores[key] = (stamp, score)
        return score
