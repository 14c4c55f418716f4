"""Reading an ask: its needs (split on "plus", "and", ",", "+", "also", ";"), its places,
and the terms of each need."""

from __future__ import annotations

import functools

import hashlib
import re
from dataclasses import dataclass, field, replace

from bot.matching.index import DirectoryIndex
from bot.matching.places import Place
from bot.matching.textnorm import Term, analyze, stem, tokens

# Strong separators always split; " and " splits only when both sides say enough on their own.
_STRONG = re.compile(r"\s*(?:[;,+&\n?!\U0001F300-\U0001FAFF\u2600-\u27BF]|\.\s|\bplus\b|\band then\b|\bthen\b|\band also\b|\bas well as\b|\balso\b"
                     r"|\bin addition to\b|\b(?:and\s+)?separately\b)\s*", re.I)
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
    # What the asker says they do not want ("not a training course", "NOT another consultant").
    excluded: list[Term] = field(default_factory=list)

    @functools.cached_property  # asked for every candidate's tie-break
    def key(self) -> str:
        return " ".join(tokens(self.text))

    def tiebreak(self, company_id: int) -> int:
        """A stable per-(ask, company) number, so equal scores do not always favour one partner."""
        digest = hashlib.blake2b(f"{self.key}|{company_id}".encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big")


_SPACES = re.compile(r"\s{2,}")
_TRAILING = re.compile(r"(?:\s+\b(?:in|near|around|for|at|from|across|within|of)\b)+\s*$", re.I)


# "..., they have lots of dead zones": a clause about the customer, not another need.
_SITUATION_CLAUSE = re.compile(r"\s*(?:(?:they|it|we|he|she|there|the customer|the client)\s+"
                               r"(?:have|has|had|are|is|was|were|'re|'s|'ve)\b"
                               r"|(?:about|around|approx\w*|roughly|some|over|under|~)\s*\d"  # ", about 15 phones"
                               r"|\d[\d,.]*\s+\S+(?:\s+\S+)?\s*$)", re.I)  # ", 40 users", "3 contract techs"


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


def _names_a_need(terms: list[Term]) -> bool:
    """A concept of the field, or two plain words ("SIP trunking"); not "a regional credit union"."""
    content = _content(terms)
    return any(t.key.startswith("c:") for t in content) or len(content) >= 2


def _only_how(terms: list[Term], index: DirectoryIndex) -> bool:
    """Only how a need is met ("design + deploy", "installed on-site"): no need of its own."""
    content = _content(terms)
    named = [t for t in content if t.key.startswith("c:")]
    return bool(named) and all(index.vocab.concepts[t.key[2:]].modifier for t in named) and len(content) - len(named) <= 1


def _concepts(part: str, index: DirectoryIndex) -> tuple[set[str], set[str]]:
    """The concepts a part asks for (its situation left out: "SRE for our dev team"), and all it names."""
    toks = tokens(part)
    terms = analyze(toks, index.vocab, correct=index.correct, situation_from=_situation_from(toks, index))
    named = [t for t in _content(terms) if t.key.startswith("c:")]
    return {t.key for t in named if not t.situation}, {t.key for t in named}


def _split_on_and(piece: str, index: DirectoryIndex) -> list[str]:
    """ "POS and digital menu boards" is two needs; "iOS and Android" (one concept twice), "managed
    detection and response" (one term) and "translated into spanish and portuguese" are one."""
    parts = _AND.split(piece)
    if len(parts) < 2:
        return [piece]
    # "a distributor for IP phones and switches": the "and" lists what the situation names.
    first = tokens(parts[0])
    if len(parts) == 2 and _situation_from(first, index) is not None and not _says_enough(parts[1], index, words=3):
        return [piece]
    whole = set(analyze(tokens(piece), index.vocab))
    if any(" and " in f" {t.surface} " for t in whole):
        return [piece]
    # "to repair and reupholster the booths", "to build and run clusters": two verbs share one
    # object, so the first part ("to repair") asks for nothing alone.
    if _BARE_INFINITIVE.search(parts[0]):
        return [piece]
    found, named = zip(*(_concepts(p, index) for p in parts), strict=True)

    def distinct(i: int) -> bool:  # a concept no other part names, or two words of its own
        others = set().union(*(c for j, c in enumerate(named) if j != i))
        return bool(found[i] - others) if found[i] else _says_enough(parts[i], index)

    return parts if all(distinct(i) for i in range(len(parts))) else [piece]


_BARE_INFINITIVE = re.compile(r"\bto\s+[a-z][\w-]*\s*$", re.I)


def _says_enough(part: str, index: DirectoryIndex, *, words: int = 2) -> bool:
    """Two words of a need ("SIP trunking"), not one ("portuguese")."""
    return len([t for t in tokens(part) if not index.vocab.is_stopword(t)]) >= words


# Where the customer's situation starts: "SD-WAN | for a chain of car washes", "cameras | at the entrances".
# Not "with": "website with SEO" asks for both.
_SITUATION = frozenset({"for", "at", "in", "on", "across", "near", "within", "inside", "of", "before", "after",
                        "during", "until", "when", "whenever", "because", "since", "where", "if", "so"})


def _situation_from(toks: list[str], index: DirectoryIndex) -> int | None:
    """The first preposition after the need has begun ("help with X": X is the need; "a hospital
    in Ohio that needs training": the need begins at "training", not at the industry)."""
    begun = False
    for i, tok in enumerate(toks):
        if begun and tok in _SITUATION and (i == 0 or toks[i - 1] not in _ASKING):
            # The head must name something the directory knows; else the need is what follows
            # ("a mid-size manufacturer looking for a NetSuite ERP implementation").
            head = analyze(toks[:i], index.vocab)
            if any(t.key.startswith("c:") or index.df.get(t.key, 0) > 0 for t in _content(head)):
                return i
            return None
        begun = begun or not (index.vocab.is_stopword(tok) or tok in index.vocab.industry_tokens)
    return None


_ASKING = frozenset({"looking", "look", "looked", "searching", "search", "asking", "ask", "asked", "hunting",
                     "shopping", "calling", "call", "hoping", "hope"})


# A sentence about what the asker's own company does ("we're a tiny MSP, been doing PCs for a
# group of clinics for years", "we do hardware, not software") is backstory, not the need: people
# say what they do to explain what they lack. It is one whose subject is the asker and that asks
# for nothing.
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’')]))\s+|\n+|\s+[—–]\s+|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF]+\s*")  # emoji end chat sentences
_ASKER_SUBJECT = re.compile(r"^\W*(?:(?:hi|hey|hiya|hello|howdy|morning|evening|afternoon|good morning|"
                            r"good afternoon|good evening|greetings|so|ok|okay|well|also|and|but|long story short|"
                            r"everyone|all|folks|team|gang|crew|guys|y'all|yall|there|friends)\W+)*"
                            r"(?:we|we're|we've|we'd|i|i'm|i've|our (?:team|shop|company|firm|business|msp|crew))\b",
                            re.I)
_ASKS_FOR = re.compile(r"\b(?:need\w*|want\w*|look(?:ing)? for|seek\w*|search\w*|hir(?:e|ing)|requir\w*|who|anyone|"
                       r"anybody|someone|somebody|recommend\w*|help|find|ask\w*|wonder\w*|hoping|plan(?:ning)? to|"
                       r"would like|'d like|trying to|about to|going to|have to|must|"
                       # a problem said in the first person is the need, not backstory
                       r"nobody|no one|can't|cannot|can not|don't know|doesn't|won't|keeps?|problem\w*|issue\w*|"
                       r"struggl\w*|fail\w*|broke\w*|stuck)\b", re.I)


# "not a training course, an actual team": what follows "not" up to the clause's end is excluded.
_NEGATED = re.compile(r"\bnot\s+(?:a|an|another|the|some|just|more|any)?\s*([^.,;:!?()—–\n]+)", re.I)


def _negated(text: str) -> tuple[str, list[str]]:
    """The text with its negated phrases blanked, and those phrases."""
    found = [m.group(1) for m in _NEGATED.finditer(text)]
    return _NEGATED.sub(lambda m: " " * len(m.group(0)), text), found


# Who is asking is no need: "HR wants ...", "their marketing VP wants ...", "IT director at a
# clinic group needs ...". A department or role right before the request (or before "at ...
# needs") is blanked, so "HR" does not ask for payroll nor "marketing" for a marketing agency.
_REQUESTER = re.compile(
    r"\b(?:(?:the|our|their|my|his|her|an?)\s+)?"
    r"(?:(?:HR|IT|marketing|finance|accounting|ops|operations|sales|legal|facilities|plant|store|office|"
    r"practice|clinic|school|district)\s+)?"
    r"(?:HR|vp|vice president|director|manager|head|lead|team|dept|department|cfo|ceo|cto|coo|cio|gm|owner|"
    r"boss|principal|superintendent|administrator)"
    r"(?=\s+(?:at\s+(?:an?|the|our|their)\s+[^.!?,;]{1,60}?\s+)?(?:now\s+|also\s+|just\s+)?"
    r"(?:wants|wanted|asked|asks|needs|is asking|has asked|would like|cornered|says)\b)", re.I)


def _without_requester(text: str) -> str:
    return _REQUESTER.sub(lambda m: " " * len(m.group(0)), text)


# "we don't need anyone for that", "nothing needed there": a need denied is no ask.
_NOT_NEEDED = re.compile(r"\b(?:don't|dont|do not|doesn't|does not|didn't|won't|no|nothing)\s+(?:really\s+)?"
                         r"(?:need\w*|help needed|required)\b(?:\s+(?:anyone|anybody|someone|somebody|help|another))?"
                         r"|\bno help needed\b", re.I)
# What the asker (or the customer) already has taken care of: "registers are ours", "that part's
# covered", "all good on that front", "so wireless is covered".
_COVERED = re.compile(r"\b(?:(?:is|are)\s+(?:ours|covered|handled|sorted|done|finished|complete|in place)\b|"
                      r"already\s+(?:own|have|has|run|runs|handle|handles)\b|(?:part|side)(?:'s| is)\s+covered|"
                      r"(?:good|fine|set)\s+on\s+that\s+front|(?:got|have)\s+(?:that|it|this)\s+covered|"
                      r"(?:nothing|none\s+of\s+(?:that|this|it))\s+(?:is\s+)?needed|no\s+help\s+needed|"
                      r"(?:is|are)\s+not\s+needed|"
                      r"(?:don't|do not|doesn't|does not)\s+need\s+(?:anyone|anybody|help|that|this|those|it)\b)",
                      re.I)


# "sales rep here", "Engineer at a UC shop in Houston", "partner manager at an EHR vendor here":
# who is asking, not what is asked.
_SELF_INTRO = re.compile(r"^\W*(?:(?:hi|hey|hello|morning|evening|all|folks|team|everyone|there)\W+)*"
                         r"(?:(?:i'm|i am|im)\s+)?(?:an?\s+|the\s+)?"
                         r"(?:sales\s+rep|rep|(?:sales\s+|systems\s+|solutions\s+)?engineer|se|"
                         r"(?:partner|channel|account|territory|alliance)\s+(?:manager|mgr|exec\w*|rep)|"
                         r"partner\s+(?:mgr|manager))\b"
                         r"(?:\s+(?:at|with|from|for)\s+(?:an?|the|our|my)\b[^.!?]*|[^.!?]*\bhere\b[^.!?]*)$", re.I)


def _is_backstory(sentence: str) -> bool:
    """A sentence about the asker's own work, or about what is already taken care of, with no
    ask of its own."""
    asks = _ASKS_FOR.search(_COVERED.sub(" ", _NOT_NEEDED.sub(" ", sentence)))
    if not asks and _SELF_INTRO.match(sentence.strip().rstrip(".!?,")):
        return True
    return not asks and bool(_ASKER_SUBJECT.match(sentence) or _COVERED.search(sentence))


def _without_backstory(text: str) -> str:
    """The text with its backstory sentences blanked (all of it kept when that would leave nothing)."""
    parts = []
    kept = False
    pos = 0
    for m in [*_SENTENCE.finditer(text), None]:
        end = m.start() if m else len(text)
        sentence = text[pos:end]
        if _is_backstory(sentence):
            parts.append(" " * len(sentence))
        else:
            parts.append(sentence)
            kept = kept or bool(sentence.strip())
        if m:
            parts.append(m.group(0))
            pos = m.end()
    return "".join(parts) if kept else text


# "school board in Ontario wants video meeting rooms": who wants is the customer (context), what
# follows the verb is the need.
_REQUEST_VERBS = frozenset({"wants", "wanted", "needs", "needed", "requires", "required", "asks", "asked", "seeks"})


def _has(stems: list[str], seq: tuple[str, ...]) -> str | None:
    """The words of `seq` where they occur in a row in `stems` (as their stems), if anywhere."""
    n = len(seq)
    for i in range(len(stems) - n + 1):
        if tuple(stems[i:i + n]) == seq:
            return " ".join(seq)
    return None


def _cue_terms(toks: list[str], index: DirectoryIndex, found: set[str]) -> list[Term]:
    """Concepts an outcome means by its cues ("a heads-up days before a press fails": predictive
    maintenance), where the need's words name none of them already."""
    stems = [stem(t) for t in toks]
    present = set(stems)
    out = []
    for cid, groups in index.vocab.cues.items():
        if f"c:{cid}" in found:
            continue
        hits = []
        for group in groups:  # every group must have a sequence in the need (most have no first word of it)
            hit = next((h for seq in group if seq and seq[0] in present and (h := _has(stems, seq))), None)
            if not hit:
                break
            hits.append(hit)
        else:
            out.append(Term(f"c:{cid}", " … ".join(hits), index.vocab.concepts[cid].kind))
    return out


def _analyze_segment(toks: list[str], index: DirectoryIndex) -> list[Term]:
    terms = _analyze_words(toks, index)
    return terms + _cue_terms(toks, index, {t.key for t in terms})


def _analyze_words(toks: list[str], index: DirectoryIndex) -> list[Term]:
    verb = next((i for i, t in enumerate(toks) if t in _REQUEST_VERBS), None)
    if verb:
        before = [replace(t, situation=True) for t in analyze(toks[:verb], index.vocab, correct=index.correct)]
        after = toks[verb + 1 :]
        rest = analyze(after, index.vocab, correct=index.correct, situation_from=_situation_from(after, index))
        if any(not t.situation for t in rest):
            return before + rest
    return analyze(toks, index.vocab, correct=index.correct, situation_from=_situation_from(toks, index))


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
    # Runs of spaces (left by masked places) squeezed: the splitting patterns start with \s* and
    # would backtrack over a long run quadratically ("Łódź " typed 500 times).
    squeezed = _SPACES.sub(lambda m: "\n" if "\n" in m.group(0) else " ", "".join(masked))
    kept, negated = _negated(_without_requester(_without_backstory(squeezed)))
    if not kept.strip():
        kept, negated = squeezed, []
    pieces: list[str] = [p for p in _STRONG.split(kept) if p and p.strip()]
    segments: list[str] = []
    for piece in pieces:
        segments.extend(_split_on_and(piece, index))
    needs: list[Need] = []
    leading: list[Term] = []  # "our client, a regional credit union, wants a pen test": context first
    leading_text: list[str] = []
    for seg in segments:
        terms = _dedupe(_analyze_segment(tokens(seg), index))
        if not terms:
            continue
        if not _names_a_need(terms) or (needs and (_SITUATION_CLAUSE.match(seg) or _only_how(terms, index))):
            terms = [replace(t, situation=True) for t in terms]
            if needs:  # "... for restaurants": context for the need before it, not a need of its own.
                needs[-1].terms = _dedupe(needs[-1].terms + terms)
                needs[-1].text = f"{needs[-1].text}, {_tidy(seg)}"
            else:
                leading += terms
                leading_text.append(_tidy(seg))
            continue
        needs.append(Need(text=_tidy(seg), terms=_dedupe(terms + leading)))
        leading = []
    if leading:  # nothing but context ("restaurants"): that is the need
        needs.append(Need(text=", ".join(leading_text), terms=_dedupe(leading)))
    if len(needs) > MAX_NEEDS:
        extra = needs[MAX_NEEDS - 1 :]
        needs = needs[: MAX_NEEDS - 1] + [Need(text=", ".join(n.text for n in extra),
                                               terms=_dedupe([t for n in extra for t in n.terms]))]
    context: list[Term] = []
    if len(needs) > 1:
        # "12 new cafes: espresso machines, a POS and menu boards": the industry is every part's.
        for need in needs:
            context += [t for t in need.terms if t.kind == "industry"]
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
    asked = {t.key for n in needs for t in n.terms}
    excluded = [t for phrase in negated for t in analyze(tokens(phrase), index.vocab, correct=index.correct)
                if t.key.startswith("c:") and t.key not in asked]
    return ParsedAsk(text=text, needs=needs, places=list(unique.values()), context_terms=_dedupe(context),
                     excluded=_dedupe(excluded))
