"""Text into terms: normalised tokens, vocabulary concepts, light stemming, typo correction.

A term is a string key: `c:<concept id>` for a vocabulary concept, `w:<stem>` for any other
word. Asks and profiles go through the same analysis, so they meet on the same keys.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anyascii import anyascii

if TYPE_CHECKING:
    from bot.matching.vocabulary import Vocabulary

_TOKEN = re.compile(r"[a-z0-9]+")


@functools.cache
def _fold_char(ch: str) -> str:
    """A letter in ASCII ("ł" -> "l", "ß" -> "ss", "Ø" -> "O"); anything else not a letter or
    digit (an emoji: anyascii would spell 🦃 as ":turkey:") is a space."""
    category = unicodedata.category(ch)
    if category[0] in "LN":
        return anyascii(ch)
    if category[0] == "M":  # a combining accent left over
        return ""
    return " "


def fold(text: str) -> str:
    """Lowercase ASCII, accents folded with anyascii ("Zürich" -> "zurich", "Łódź" -> "lodz")."""
    if text.isascii():
        return text.casefold()
    return "".join(ch if ch.isascii() else _fold_char(ch) for ch in text).casefold()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


_PLURALS_IN_US = frozenset({"menus", "gurus", "emus", "tutus", "haikus", "tofus"})


@functools.lru_cache(maxsize=1 << 16)  # a directory repeats its words: most of an index build
def stem(word: str) -> str:
    """A deliberately light English stemmer: installer/installation/installs -> install."""
    if len(word) == 3 and word.endswith("s") and not set(word[:2]) & set("aeiouy"):
        return word[:2]  # "tvs", "pcs"
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _PLURALS_IN_US:
        return word[:-1]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ers", "er", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


# An English word this common ("coming", "cover", "immigration") is what the asker meant, not a
# misspelling of a word of the directory; typos ("kuberntes", "managment") are far rarer.
COMMON_WORD_ZIPF = 2.5


_common_words: frozenset[str] | None = None


def common_words() -> frozenset[str]:
    """The plain (a-z) English words at least that common: a set bot.matching.persist keeps on
    disk, so a start does not load wordfreq's lists (a third of a second)."""
    global _common_words
    if _common_words is None:
        from wordfreq import iter_wordlist, zipf_frequency

        words = []
        for word in iter_wordlist("en"):  # most frequent first
            if zipf_frequency(word, "en") < COMMON_WORD_ZIPF:
                break
            if word.isascii() and word.isalpha():
                words.append(word)
        _common_words = frozenset(words)
    return _common_words


def use_common_words(words: frozenset[str]) -> None:
    global _common_words
    _common_words = words


# Every new word typed into an ask would stay cached forever: bounded (a few MB at most).
COMMON_WORD_CACHE = 50_000


@functools.lru_cache(maxsize=COMMON_WORD_CACHE)
def is_common_word(token: str) -> bool:
    if token.isascii() and token.isalpha():
        return token.lower() in common_words()
    from wordfreq import zipf_frequency  # its word lists load on first use

    return zipf_frequency(token, "en") >= COMMON_WORD_ZIPF


@dataclass(frozen=True)
class Term:
    key: str  # "c:unified_communications" | "w:timecard"
    surface: str  # the words as written (after typo correction), e.g. "uc"
    kind: str  # capability | industry | vendor | certification | partner_type
    typo: str | None = None  # the original spelling when corrected
    # Said about the customer's situation ("... for a chain of car washes"), not the need itself.
    situation: bool = False


Corrector = Callable[[str], str | None]


def analyze(words: Iterable[str], vocab: Vocabulary, *, correct: Corrector | None = None,
            situation_from: int | None = None) -> list[Term]:
    """Terms of a token sequence: longest vocabulary phrase first, then stemmed words. Terms that
    start at or after `situation_from` describe the customer's situation."""
    toks = list(words)
    cut = len(toks) if situation_from is None else situation_from
    fixed: dict[int, str] = {}
    if correct is not None:
        for i, tok in enumerate(toks):
            if vocab.is_stopword(tok) or stem(tok) in vocab.stem_concepts:
                continue
            better = correct(tok)
            if better and better != tok:
                fixed[i] = tok
                toks[i] = better
    out: list[Term] = []
    i = 0
    n = len(toks)
    while i < n:
        for size in range(min(vocab.max_phrase_len, n - i), 0, -1):
            cid = vocab.phrases.get(tuple(toks[i : i + size]))
            if cid is not None:
                typo = " ".join(fixed.get(j, toks[j]) for j in range(i, i + size)) if any(
                    j in fixed for j in range(i, i + size)) else None
                out.append(Term(key=f"c:{cid}", surface=" ".join(toks[i : i + size]),
                                kind=vocab.concepts[cid].kind, typo=typo, situation=i >= cut))
                i += size
                break
        else:
            tok = toks[i]
            if not vocab.is_stopword(tok) and not tok.isdigit():
                cid = vocab.concept_of_form(tok)
                if cid is not None:  # another form of a one-word term: "auditing" -> audit
                    out.append(Term(key=f"c:{cid}", surface=tok, kind=vocab.concepts[cid].kind,
                                    typo=fixed.get(i), situation=i >= cut))
                else:
                    out.append(Term(key=f"w:{stem(tok)}", surface=tok, kind="capability", typo=fixed.get(i),
                                    situation=i >= cut))
            i += 1
    return out


def analyze_text(text: str, vocab: Vocabulary, *, correct: Corrector | None = None) -> list[Term]:
    return analyze(tokens(text), vocab, correct=correct)
