"""Why a partner matched, in plain words: the reasons shown beside each result.

Each hit of an ask's term in a profile field becomes at most one reason, by the table
`FIELD_REASONS`; the capability phrase that meets a need comes first, then the notes (a synonym
or a corrected slip), the place it serves and its capacity. A partner found by its words alone
(a weak lead, or a lexical match) gets its closest phrase quoted: "closest: ‘…’".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.matching.lexical import query_terms
from bot.matching.textnorm import Term, stem

if TYPE_CHECKING:
    from bot.matching.asks import ParsedAsk
    from bot.matching.profile import ProfileAnalysis
    from bot.matching.vocabulary import Vocabulary

MAX_REASONS = 6
MAX_PHRASE = 120


@dataclass
class TermHit:
    """Where an ask's term was found in a profile, and what finding it there is worth."""

    term: Term
    weight: float
    field: str | None = None
    phrase: str | None = None
    partner_term: Term | None = None
    fuzzy_word: str | None = None


def as_typed(text: str, surface: str) -> str:
    """The words of `surface` as the asker typed them ("UC", not "uc"), when found."""
    words = surface.split()
    if not words:
        return surface
    m = re.search(r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?![^\W_])", text, re.I)
    return m.group(0) if m else surface


def synonym_note(h: TermHit, text: str) -> str | None:
    """ "unified communications ≈ 'UC'" when the partner wrote it another way (or the ask misspelt it)."""
    pt = h.partner_term
    if pt is None:
        return None
    if h.term.typo:
        return f"{pt.surface} ≈ '{as_typed(text, h.term.typo)}'"
    ask_stems = {stem(w) for w in h.term.surface.split()}
    if h.fuzzy_word or (h.term.key.startswith("c:") and not ask_stems & {stem(w) for w in pt.surface.split()}):
        return f"{pt.surface} ≈ '{as_typed(text, h.term.surface)}'"
    return None


def _with_note(text: str, note: str | None) -> str:
    return text + (f" ({note})" if note else "")


# field -> (hit, its synonym note, whether a capability phrase already answers the need) -> reason
FIELD_REASONS: dict[str, Callable[[TermHit, str | None, bool], str | None]] = {
    "capabilities": lambda h, note, caps: note,  # the phrase itself is the need's first reason
    "industries": lambda h, note, caps: _with_note(f"industry: {h.phrase}", note),
    "certifications": lambda h, note, caps: h.phrase,
    "partner_type": lambda h, note, caps: _with_note(f"partner type: {h.phrase}", note),
    "description": lambda h, note, caps: None if caps else _with_note(
        f"description mentions “{h.partner_term.surface if h.partner_term else h.term.surface}”", note),
}


def reasons(ask: ParsedAsk, need_hits: dict[int, list[TermHit]], covers: list[int], geo_why: str | None,
            capacity: str, a: ProfileAnalysis) -> list[str]:
    """The reasons for one partner: per need it covers (three at most), then place and capacity."""
    out: list[str] = []
    multi = len(ask.needs) > 1
    for i in covers[:3]:
        hits = [h for h in need_hits[i] if h.weight > 0]
        caps = [h for h in hits if h.field == "capabilities"]
        if caps:
            # The phrase most of the need's terms were found in; on a tie, the one listed first.
            phrases = list(dict.fromkeys(h.phrase for h in caps))
            phrase = max(phrases, key=lambda p: sum(1 for h in caps if h.phrase == p))
            out.append((f"for “{ask.needs[i].text}”: " if multi else "") + (phrase or ""))
        for h in hits:
            rule = FIELD_REASONS.get(h.field or "")
            if rule is not None:
                out.append(rule(h, synonym_note(h, ask.text), bool(caps)) or "")
            if h.field != "certifications":  # a certification naming what was asked ("Cisco Gold Certified")
                out += [w[1] for w in a.where.get(h.term.key, ()) if w[0] == "certifications"][:1]
    if geo_why:
        out.append(geo_why)
    if capacity == "limited":
        out.append("limited capacity right now")
    unique: list[str] = []
    for r in out:
        if r and r not in unique:
            unique.append(r)
    return unique[:MAX_REASONS]


def quote(phrase: str) -> str:
    if len(phrase) > MAX_PHRASE:
        phrase = phrase[: MAX_PHRASE - 1] + "…"
    return f"closest: ‘{phrase}’"


def closest_phrase(a: ProfileAnalysis, keys: set[str], vocab: Vocabulary) -> str | None:
    """The partner's capability (else description) phrase sharing most of the ask's terms."""
    best: tuple[int, str] | None = None
    for fname in ("capabilities", "description"):
        for phrase, terms in a.phrases.get(fname, ()):
            shared = len(set(query_terms(terms, vocab)) & keys)
            if shared and (best is None or shared > best[0]):
                best = (shared, phrase)
        if best is not None:
            return best[1]
    return None


def lead_reasons(found: list[str], capabilities: tuple[str, ...], a: ProfileAnalysis, keys: set[str],
                 vocab: Vocabulary, nearest: str | None = None) -> list[str]:
    """A partner found by its words or their meaning: its closest phrase quoted first ("closest:
    ‘…’"): the phrase sharing most of the ask's terms, else `nearest`, the phrase closest in
    meaning (semantic retrieval)."""
    found = list(found)
    if found and found[0] in capabilities:
        closest: str | None = quote(found.pop(0))
    else:
        phrase = closest_phrase(a, keys, vocab) or nearest
        closest = quote(phrase) if phrase else None
    if closest and closest not in found:
        found = [closest, *found]
    return found[:MAX_REASONS]
