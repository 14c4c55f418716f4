"""The labelled development set, and MRR@5 / P@1 / nDCG@5 per kind for the matcher and two
baselines (BM25 keyword search; rapidfuzz WRatio over each profile's concatenated text).

Used by `tests/test_matching_quality.py` (floors) and `benchmarks/matching_quality.py` (table).
"""

from __future__ import annotations

import csv
import functools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank
from bot.matching.textnorm import tokens
from bot.matching.weights import WEIGHTS, Weights

DEVSET = Path(__file__).resolve().parent
K = 5
TODAY = date(2026, 11, 2)
KINDS = ("plain", "typo", "abbreviation", "synonym", "geography", "multi-need", "no-match")
# The blind sets written in the styles of issue 10 (people's real asks).
BLIND_KINDS = ("chatty", "outcome", "product", "codes", "international", "typos", "multi-need", "no-match")


def kinds_of(asks: list[Ask]) -> list[str]:
    """The kinds of a set, in the order its file lists them."""
    return list(dict.fromkeys(a.kind for a in asks))


@dataclass
class Ask:
    text: str
    kind: str
    relevant: dict[str, int]


def split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(";") if p.strip())


def load_profiles(path: Path = DEVSET / "profiles.csv") -> list[ProfileRecord]:
    with path.open(encoding="utf-8") as fh:
        return [
            ProfileRecord(company_id=i, name=row["company"], partner_type=row["partner_type"],
                          capabilities=split(row["capabilities"]), industries=split(row["industries"]),
                          regions=split(row["regions"]), certifications=split(row["certifications"]),
                          description=row["description"], capacity=row.get("capacity") or "open")
            for i, row in enumerate(csv.DictReader(fh), start=1)
        ]


def load_asks(path: Path = DEVSET / "asks.yaml") -> list[Ask]:
    with path.open(encoding="utf-8") as fh:
        return [Ask(a["text"], a["kind"], dict(a.get("relevant") or {})) for a in yaml.safe_load(fh)]


def profile_text(p: ProfileRecord) -> str:
    return " ".join([p.name, p.partner_type, *p.capabilities, *p.industries, *p.regions, *p.certifications,
                     p.description])


# -- systems: each maps an ask's text to what it shows, best first (at most K): (company, strong).
# A baseline has no notion of confidence: all it shows counts as proposed.
Ranker = Callable[[str], list[tuple[str, bool]]]


def matcher(profiles: list[ProfileRecord], weights: Weights = WEIGHTS) -> Ranker:
    index = DirectoryIndex()
    index.bulk_load(profiles)

    def run(text: str) -> list[tuple[str, bool]]:
        ranking = rank(index, parse_ask(text, index), today=TODAY, top=K, weights=weights)
        return [(m.company, getattr(m, "confidence", "strong") == "strong") for m in ranking.matches]

    return run


def proposable(profiles: list[ProfileRecord]) -> list[ProfileRecord]:
    """The baselines rank only partners the product may propose (not `full`), so the comparison
    is about ranking, not about the capacity rule."""
    return [p for p in profiles if p.capacity != "full"]


def bm25(profiles: list[ProfileRecord]) -> Ranker:
    from rank_bm25 import BM25Okapi

    profiles = proposable(profiles)
    engine = BM25Okapi([tokens(profile_text(p)) for p in profiles])

    def run(text: str) -> list[tuple[str, bool]]:
        scores = engine.get_scores(tokens(text))
        order = sorted(range(len(profiles)), key=lambda i: -scores[i])
        return [(profiles[i].name, True) for i in order[:K] if scores[i] > 0]

    return run


def wratio(profiles: list[ProfileRecord]) -> Ranker:
    from rapidfuzz import fuzz, process, utils

    profiles = proposable(profiles)
    choices = [profile_text(p) for p in profiles]

    def run(text: str) -> list[tuple[str, bool]]:
        hits = process.extract(text, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=K)
        return [(profiles[i].name, True) for _c, _s, i in hits]

    return run


def embeddings(profiles: list[ProfileRecord]) -> Ranker:
    """Sentence embeddings alone (bot.matching.semantic): profiles by the cosine of the ask with
    their closest phrase, no rules."""
    import numpy as np

    from bot.matching.semantic import PhraseVectors, encoder, profile_phrases

    profiles = proposable(profiles)
    vectors = PhraseVectors()
    for slot, p in enumerate(profiles):
        vectors.add(slot, profile_phrases(p.capabilities, p.description))
    slots = list(range(len(profiles)))

    def run(text: str) -> list[tuple[str, bool]]:
        scores = vectors.best(encoder().embed([text])[0], slots)
        return [(profiles[i].name, True) for i in np.argsort(-scores, kind="stable")[:K]]

    return run


SYSTEMS: dict[str, Callable[[list[ProfileRecord]], Ranker]] = {
    "matcher": matcher, "bm25": bm25, "wratio": wratio, "embeddings": embeddings}


# -- metrics ------------------------------------------------------------------------------------
def metrics(shown: list[tuple[str, bool]] | list[str], relevant: dict[str, int]) -> dict[str, float]:
    """MRR@5, P@1 and nDCG@5 of what is shown (strong results, or weak leads when nothing is strong).
    A no-match ask is right when nothing strong is proposed (weak leads, labelled so, are allowed)."""
    pairs = [(s, True) if isinstance(s, str) else s for s in shown]
    if not relevant:
        ok = 0.0 if any(strong for _n, strong in pairs) else 1.0
        return {"mrr": ok, "p1": ok, "ndcg": ok, "strong_p1": ok}
    top = [name for name, _strong in pairs][:K]
    # Proposed and right: the first result is strong (not a lead) and relevant.
    strong_p1 = 1.0 if pairs and pairs[0][1] and relevant.get(pairs[0][0], 0) > 0 else 0.0
    rr = next((1.0 / (i + 1) for i, name in enumerate(top) if relevant.get(name, 0) > 0), 0.0)
    p1 = 1.0 if top and relevant.get(top[0], 0) > 0 else 0.0
    dcg = sum((2 ** relevant.get(name, 0) - 1) / math.log2(i + 2) for i, name in enumerate(top))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return {"mrr": rr, "p1": p1, "ndcg": dcg / idcg if idcg else 0.0, "strong_p1": strong_p1}


HOLDOUT = DEVSET / "holdout.yaml"
# The blind sets of issue 10 (8th onwards), by number: each written by someone who never saw the
# matcher, measured once, then development data (docs/matching.md).
BLIND = {int(p.stem[5:]): p for p in DEVSET.glob("blind*.yaml")}


def evaluate(systems: dict[str, Callable[[list[ProfileRecord]], Ranker]] | None = None,
             asks_file: Path = DEVSET / "asks.yaml") -> dict[str, dict[str, dict[str, float]]]:
    """{system: {kind | "all": {"mrr", "p1", "ndcg"}}} over the dev set (or the held-out asks)."""
    profiles = load_profiles()
    asks = load_asks(asks_file)
    names = {p.name for p in profiles}
    for a in asks:
        unknown = set(a.relevant) - names
        assert not unknown, f"{a.text!r} grades unknown partners {unknown}"
    out: dict[str, dict[str, dict[str, float]]] = {}
    for sys_name, make in (systems or SYSTEMS).items():
        run = make(profiles)
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        counts: dict[str, int] = defaultdict(int)
        for a in asks:
            m = metrics(run(a.text), a.relevant)
            for group in (a.kind, "all"):
                counts[group] += 1
                for key, value in m.items():
                    sums[group][key] += value
        out[sys_name] = {g: {k: v / counts[g] for k, v in sums[g].items()} for g in sums}
    return out


@functools.cache
def evaluate_once(asks_file: Path = DEVSET / "asks.yaml") -> dict[str, dict[str, dict[str, float]]]:
    """`evaluate` of the three systems, once per process (the tests share it)."""
    return evaluate(asks_file=asks_file)


def failures(limit: int = 100, asks_file: Path = DEVSET / "asks.yaml") -> list[str]:
    """The asks the matcher gets wrong (for tuning by hand); weak leads in parentheses."""
    profiles = load_profiles()
    run = matcher(profiles)
    lines = []
    for a in load_asks(asks_file):
        got = run(a.text)
        m = metrics(got, a.relevant)
        got = [n if strong else f"({n})" for n, strong in got]
        if m["ndcg"] < 0.8 or m["p1"] < 1:
            lines.append(f"[{a.kind}] {a.text!r}: got {got} want {a.relevant} -> {m}")
    return lines[:limit]
