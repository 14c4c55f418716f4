"""A partner profile as the matcher sees it, and its analysis into weighted terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime

from bot.matching.places import Gazetteer, Place
from bot.matching.textnorm import Term, analyze_text, stem, tokens
from bot.matching.vocabulary import Vocabulary
from bot.matching.weights import WEIGHTS

FIELDS = ("capabilities", "industries", "certifications", "partner_type", "description")


@dataclass(frozen=True, slots=True)  # 100k of them live in an index: no __dict__ each
class ProfileRecord:
    """The columns of a `Company` row that matching reads."""

    company_id: int
    name: str
    partner_type: str = ""
    capabilities: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    description: str = ""
    capacity: str = "open"
    paused: bool = False
    paused_until: date | None = None
    deleted: bool = False
    updated_at: datetime | None = None

    def phrases(self, field_name: str) -> tuple[str, ...]:
        if field_name == "partner_type":
            return (self.partner_type,) if self.partner_type else ()
        if field_name == "description":
            return (self.description,) if self.description else ()
        return getattr(self, field_name)

    @property
    def status(self) -> tuple:
        return (self.capacity, self.paused, self.paused_until, self.deleted)


@dataclass
class ProfileAnalysis:
    """Terms found in each field phrase, the best weight per term key, and served places."""

    phrases: dict[str, list[tuple[str, list[Term]]]] = field(default_factory=dict)
    term_weights: dict[str, float] = field(default_factory=dict)
    words: frozenset[str] = frozenset()  # stems of word terms (fuzzy second chance)
    raw_tokens: frozenset[str] = frozenset()
    places: list[tuple[str, Place]] = field(default_factory=list)  # (entry as typed, place)
    # term key -> where it occurs: [(field, phrase, the term as the partner wrote it, factor)]
    where: dict[str, list[tuple[str, str, Term, float]]] = field(default_factory=dict)
    # The vocabulary's modes ("training", "resale") that are terms of their own in a phrase:
    # mode key -> {(field, phrase)}. Most profiles have none (precise scoring asks for every candidate).
    mode_phrases: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    # the capability phrases' tokens, joined (surface similarity with a need)
    capability_texts: tuple[str, ...] = ()


def term_kind(key: str, vocab: Vocabulary) -> str:
    if key.startswith("c:"):
        return vocab.concepts[key[2:]].kind
    return "capability"


class PhraseTerms(NamedTuple):
    """What a profile phrase says, worked out once per distinct phrase (directories repeat
    phrases a lot, and the analyses of candidates are made again as the cache turns over)."""

    terms: list[Term]
    # The words inside its multi-word concepts, and its concepts' broader concepts (found for less).
    inner: list[Term]
    tokens: tuple[str, ...]


def phrase_terms(phrase: str, vocab: Vocabulary, cache: dict[str, PhraseTerms] | None = None) -> PhraseTerms:
    found = cache.get(phrase) if cache is not None else None
    if found is None:
        terms = analyze_text(phrase, vocab)
        inner = [Term(key=f"w:{stem(tok)}", surface=tok, kind="capability")
                 for t in terms if t.key.startswith("c:") and " " in t.surface
                 for tok in t.surface.split() if tok not in vocab.stopwords and not tok.isdigit()]
        inner += [Term(key=f"c:{b}", surface=t.surface, kind=vocab.concepts[b].kind)
                  for t in terms if t.key.startswith("c:") for b in vocab.concepts[t.key[2:]].broader]
        found = PhraseTerms(terms, inner, tuple(tokens(phrase)))
        if cache is not None and len(cache) < 200_000:
            cache[phrase] = found
    return found


def analyze_profile(rec: ProfileRecord, vocab: Vocabulary, gaz: Gazetteer,
                    cache: dict[str, PhraseTerms] | None = None) -> ProfileAnalysis:
    """`cache`: phrase -> its PhraseTerms, shared across profiles."""
    out = ProfileAnalysis()
    weights: dict[str, float] = {}
    words: set[str] = set()
    raw: set[str] = set()
    capability_texts = []
    for fname in FIELDS:
        entries = []
        for phrase in rec.phrases(fname):
            terms, inner, phrase_tokens = phrase_terms(phrase, vocab, cache)
            entries.append((phrase, terms))
            for t in inner:
                if t.key in out.where and any(w[0] == fname and w[3] == 1.0 for w in out.where[t.key]):
                    continue
                factor = WEIGHTS.broader_factor if t.key.startswith("c:") else WEIGHTS.inner_word_factor
                out.where.setdefault(t.key, []).append((fname, phrase, t, factor))
                w = WEIGHTS.field_weights[term_kind(t.key, vocab)][fname] * factor
                if w > weights.get(t.key, 0.0):
                    weights[t.key] = w
            if fname != "description":  # descriptions name cities; those stay places in asks
                raw.update(phrase_tokens)
            if fname == "capabilities":
                capability_texts.append(" ".join(phrase_tokens))
            for t in terms:
                out.where.setdefault(t.key, []).append((fname, phrase, t, 1.0))
                w = WEIGHTS.field_weights[term_kind(t.key, vocab)][fname]
                if w > weights.get(t.key, 0.0):
                    weights[t.key] = w
                if t.key.startswith("w:"):
                    words.add(t.key[2:])
        out.phrases[fname] = entries
    out.term_weights = weights
    out.words = frozenset(words)
    out.raw_tokens = frozenset(raw)
    # Only where the mode is a term of its own ("training courses"), not a word inside another
    # concept's term ("security awareness training" is a kind of security work).
    out.mode_phrases = {m: frozenset((fname, phrase) for fname, phrase, _pt, f in out.where[m] if f >= 1.0)
                        for m in vocab.mode_keys if m in out.where}
    out.capability_texts = tuple(capability_texts)
    for entry in rec.regions:
        for place in gaz.resolve_entry(entry):
            out.places.append((entry, place))
    return out
