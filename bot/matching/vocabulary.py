"""The vocabulary of the field (abbreviations, synonyms), loaded from bundled YAML data."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path


from bot.matching.textnorm import stem, tokens

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
VOCABULARY_FILE = DATA_DIR / "vocabulary.yaml"

KINDS = ("capability", "industry", "vendor", "certification", "partner_type")


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    kind: str
    broader: tuple[str, ...] = ()
    modifier: bool = False  # says how a need is met ("installed"), not what: context for another concept
    # Says what a partner does *about* another concept (teaching it): in a profile phrase
    # "Kubernetes training courses" the partner teaches Kubernetes; it does not run it.
    mode: bool = False


@dataclass(frozen=True)
class Vocabulary:
    concepts: dict[str, Concept]
    # normalised term (tuple of tokens) -> concept id
    phrases: dict[tuple[str, ...], str]
    stopwords: frozenset[str]
    max_phrase_len: int
    # Product names (the `products` section): proper nouns, met only as written: "weaving" is no
    # form of Weave, the patient-messaging product.
    product_names: frozenset[tuple[str, ...]] = frozenset()
    # Outcome cues (the `cues` section): concept id -> groups of stemmed word sequences; a need
    # with one sequence of every group means the concept, in any order and with any words between.
    cues: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = field(default_factory=dict)

    @functools.cached_property
    def mode_keys(self) -> frozenset[str]:
        return frozenset(f"c:{c.id}" for c in self.concepts.values() if c.mode)

    @functools.cached_property
    def known_tokens(self) -> frozenset[str]:
        return frozenset(t for phrase in self.phrases for t in phrase)

    @functools.cached_property
    def _one_word_stems(self) -> dict[str, tuple[set[str], int]]:
        """Stem of each one-word term -> its concepts and the shortest such term's length."""
        seen: dict[str, tuple[set[str], int]] = {}
        for phrase, cid in self.phrases.items():
            if len(phrase) == 1 and phrase[0].isalpha() and phrase not in self.product_names:
                key = stem(phrase[0])
                cids, shortest = seen.get(key, (set(), 99))
                seen[key] = (cids | {cid}, min(shortest, len(phrase[0])))
        return seen

    @functools.cached_property
    def stem_concepts(self) -> dict[str, str]:
        """One-word terms by stem, so other forms meet them ("auditing" -> audit): unambiguous only."""
        return {s: next(iter(c)) for s, (c, _n) in self._one_word_stems.items()
                if len(c) == 1 and s not in self._all_stopword_stems}

    def concept_of_form(self, token: str) -> str | None:
        """The concept of which `token` is another form of a one-word term ("auditing" -> audit);
        not for a person ("reporter" is no kind of reporting) nor a shorter word ("apart", "apartments")."""
        if token.endswith(("er", "ers", "or", "ors")):
            return None
        key = stem(token)
        cid = self.stem_concepts.get(key)
        if cid is None or len(token) < self._one_word_stems[key][1] - 1:
            return None
        return cid

    @functools.cached_property
    def _all_stopword_stems(self) -> frozenset[str]:
        return frozenset(stem(w) for w in self.stopwords)

    @functools.cached_property
    def industry_tokens(self) -> frozenset[str]:
        """Words that only ever name an industry ("hospital", "restaurants")."""
        other = {t for phrase, cid in self.phrases.items() if self.concepts[cid].kind != "industry" for t in phrase}
        return frozenset(t for phrase, cid in self.phrases.items() if self.concepts[cid].kind == "industry"
                         for t in phrase) - other

    @functools.cached_property
    def _stopword_stems(self) -> frozenset[str]:
        # Not a stem the field uses: "customized" stays (custom development), "customers" goes.
        return self._all_stopword_stems - {stem(t) for t in self.known_tokens}

    def derive(self) -> Vocabulary:
        """Work out now what is derived from the terms (stems and word sets, 10 ms): the saved
        matching data keeps it (bot.matching.persist), so a start does not stem the vocabulary again."""
        for name in ("mode_keys", "known_tokens", "stem_concepts", "industry_tokens", "_stopword_stems"):
            getattr(self, name)
        return self

    def is_stopword(self, token: str) -> bool:
        """A stopword, or another form of one ("handles" for "handle") that is no term of the field."""
        return token in self.stopwords or (token not in self.known_tokens and stem(token) in self._stopword_stems)


class VocabularyError(ValueError):
    pass


def parse_vocabulary(data: dict) -> Vocabulary:
    concepts: dict[str, Concept] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for cid, spec in (data.get("concepts") or {}).items():
        kind = spec.get("kind", "capability")
        if kind not in KINDS:
            raise VocabularyError(f"concept {cid!r}: unknown kind {kind!r}")
        concepts[cid] = Concept(id=cid, label=str(spec.get("label") or cid), kind=kind,
                                broader=tuple(spec.get("broader") or ()), modifier=bool(spec.get("modifier")),
                                mode=bool(spec.get("mode")))
        for term in spec.get("terms") or []:
            if not isinstance(term, str):  # YAML reads bare on/off/yes/no as booleans
                raise VocabularyError(f"concept {cid!r}: term {term!r} must be quoted text")
            key = tuple(tokens(term))
            if not key:
                continue
            if key in phrases and phrases[key] != cid:
                raise VocabularyError(f"term {term!r} belongs to both {phrases[key]!r} and {cid!r}")
            phrases[key] = cid
        # The label itself is a term too ("unified communications").
        phrases.setdefault(tuple(tokens(concepts[cid].label)), cid)
    # `products`: product and platform names by the capability they imply ("FortiGate" is a managed
    # firewall, "Jamf" device management); `everyday`: how people describe the need by its outcome
    # ("sit on hold" is a contact centre, "lock or erase a stolen laptop" device management).
    # Common knowledge of the field, kept as data.
    product_names: set[tuple[str, ...]] = set()
    for section in ("products", "everyday"):
        for cid, names in (data.get(section) or {}).items():
            if cid not in concepts:
                raise VocabularyError(f"{section}: {cid!r} is not a concept")
            for name in names or []:
                if not isinstance(name, str):
                    raise VocabularyError(f"{section} of {cid!r}: {name!r} must be quoted text")
                key = tuple(tokens(name))
                if section == "products":
                    product_names.add(key)
                if key and phrases.setdefault(key, cid) != cid:
                    raise VocabularyError(f"{section}: {name!r} belongs to both {phrases[key]!r} and {cid!r}")
    for c in concepts.values():
        for b in c.broader:
            if b not in concepts:
                raise VocabularyError(f"concept {c.id!r}: broader concept {b!r} is not defined")
    bad = [w for w in data.get("stopwords") or [] if not isinstance(w, str)]
    if bad:
        raise VocabularyError(f"stopword {bad[0]!r} must be quoted text")
    stop = frozenset(t for w in data.get("stopwords") or [] for t in tokens(w))
    return Vocabulary(concepts=concepts, phrases=phrases, stopwords=stop,
                      max_phrase_len=max((len(p) for p in phrases), default=1),
                      product_names=frozenset(product_names), cues=_parse_cues(data.get("cues") or {}, concepts))


def _parse_cues(data: dict, concepts: dict[str, Concept]) -> dict[str, tuple[tuple[tuple[str, ...], ...], ...]]:
    cues = {}
    for cid, groups in data.items():
        if cid not in concepts:
            raise VocabularyError(f"cues: {cid!r} is not a concept")
        if not isinstance(groups, list) or len(groups) < 2 or not all(isinstance(g, list) and g for g in groups):
            raise VocabularyError(f"cues of {cid!r}: two or more lists of words")
        cues[cid] = tuple(tuple(tuple(stem(t) for t in tokens(str(w))) for w in g) for g in groups)
    return cues


@functools.cache
def load_vocabulary(path: str | None = None) -> Vocabulary:
    """The bundled vocabulary (read once per process)."""
    with open(path or VOCABULARY_FILE, encoding="utf-8") as fh:
        import yaml  # only when the saved matching data is missing or stale (bot.matching.persist)

        return parse_vocabulary(yaml.safe_load(fh) or {})
