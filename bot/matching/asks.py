"""Reading an ask: its needs (split on "plus", "and", ",", "+", "also", ";"), its places,
and the terms of each need."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.matching.index import DirectoryIndex
from bot.matching.places import Place
from bot.matching.textnorm import Term, analyze, tokens

# Strong separators always split; " and " splits only when both sides say enough on their own.
_STRONG = re.compile(r"\s*(?:[;,+&\n]|\bplus\b|\band also\b|\bas well as\b|\balso\b|\bin addition to\b)\s*", re.I)
_AND = re.compile(r"\s+\band\b\s+", re.I)
MAX_NEEDS = 5


@dataclass
class Need:
    text: str  # the part of the ask, as typed (places included)
    terms: list[Term]

    @property
    def norm(self) -> str:
        return " ".join(t.surface for t in self.terms)


@dataclass
class ParsedAsk:
    text: str
    needs: list[Need]
    places: list[Place] = field(default_factory=list)
    context_terms: list[Term] = field(default_factory=list)  # from the modal's industry field

    @property
    def key(self) -> str:
        return " ".join(tokens(self.text))

    def tiebreak(self, company_id: int) -> int:
        """A stable per-(ask, company) number, so equal scores do not always favour one partner."""
        digest = hashlib.blake2b(f"{self.key}|{company_id}".encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big")


_TRAILING = re.compile(r"(?:\s+\b(?:in|near|around|for|at|from|across|within|of)\b)+\s*$", re.I)


def _tidy(segment: str) -> str:
    """A need as shown: spaces squeezed, a preposition left behind by a removed place cut."""
    text = " ".join(segment.split())
    return _TRAILING.sub("", " " + text).strip() or text


def _dedupe(terms: list[Term]) -> list[Term]:
    seen: set[str] = set()
    out = []
    for t in terms:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def _content(terms: list[Term]) -> list[Term]:
    return [t for t in terms if t.kind in ("capability", "vendor")]


def _says_enough(part: str, index: DirectoryIndex) -> bool:
    """Enough for a need of its own: a capability and two words ("digital menu boards", not "design")."""
    words = [t for t in tokens(part) if t not in index.vocab.stopwords]
    return len(words) >= 2 and bool(_content(analyze(words, index.vocab)))


def parse_ask(text: str, index: DirectoryIndex, *, industry: str | None = None,
              region: str | None = None) -> ParsedAsk:
    text = text or ""
    # Places first, over the whole ask ("Tucson, AZ" must not be split at its comma).
    # A stopword is never a one-word place ("who can ..." is not Can, Turkey).
    places, _rest, spans = index.gaz.find(text, known_words=index.known_words | index.vocab.stopwords,
                                          code_words=index.vocab.known_tokens)
    masked = list(text)
    for a, b in spans:
        masked[a:b] = " " * (b - a)
    pieces: list[str] = [p for p in _STRONG.split("".join(masked)) if p and p.strip()]
    segments: list[str] = []
    for piece in pieces:
        parts = _AND.split(piece)
        if len(parts) > 1 and all(_says_enough(p, index) for p in parts):
            segments.extend(parts)
        else:
            segments.append(piece)
    needs: list[Need] = []
    for seg in segments:
        terms = _dedupe(analyze(tokens(seg), index.vocab, correct=index.correct))
        if not terms:
            continue
        if not _content(terms) and needs:
            # "... for restaurants": context for the need before it, not a need of its own.
            needs[-1].terms = _dedupe(needs[-1].terms + terms)
            needs[-1].text = f"{needs[-1].text}, {_tidy(seg)}"
            continue
        needs.append(Need(text=_tidy(seg), terms=terms))
    if len(needs) > MAX_NEEDS:
        extra = needs[MAX_NEEDS - 1 :]
        needs = needs[: MAX_NEEDS - 1] + [Need(text=", ".join(n.text for n in extra),
                                               terms=_dedupe([t for n in extra for t in n.terms]))]
    context: list[Term] = []
    if industry and industry.strip():
        for t in analyze(tokens(industry), index.vocab, correct=index.correct):
            context.append(t if t.key.startswith("c:") else Term(t.key, t.surface, "industry", t.typo))
    if region and region.strip():
        resolved = index.gaz.resolve_entry(region)
        places.extend(resolved or index.gaz.find(region, lenient=True)[0])
    places = [p for p in places if p.kind != "global"]  # "worldwide" asks constrain nothing
    unique: dict[str, Place] = {}
    for p in places:
        unique.setdefault(p.key, p)
    return ParsedAsk(text=text, needs=needs, places=list(unique.values()), context_terms=_dedupe(context))
