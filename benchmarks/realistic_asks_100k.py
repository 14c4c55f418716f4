"""Ranking at 100k synthetic profiles with realistic asks (the benchmark's short asks plus the
14th, 17th and 18th blind sets: chatty, multi-need, outcome …), in-process, for three candidate
budgets (per retrieval, per ask), and how often a smaller budget changes what is shown.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/realistic_asks_100k.py [--profiles 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# concept candidates per need / lexical candidates / concept candidates for the whole ask
BUDGETS = {"80/80": (80, 80, 10_000), "80/80, 160 an ask": (80, 80, 160), "50/50": (50, 50, 10_000),
           "40/40": (40, 40, 10_000)}
TODAY = date(2026, 12, 6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()
    from benchmarks.synthetic import ASKS, synthetic_profiles
    from bot.matching.asks import parse_ask
    from bot.matching.index import DirectoryIndex
    from bot.matching.scorer import AnalysisCache, rank
    from bot.matching.weights import WEIGHTS
    from tests.devset.evaluation import DEVSET, load_asks

    index = DirectoryIndex()
    index.bulk_load(synthetic_profiles(args.profiles))
    index.semantic.embed_pending()
    texts = list(ASKS) + [a.text for name in ("blind14", "blind17", "blind18")
                          for a in load_asks(DEVSET / f"{name}.yaml")]
    parsed = [parse_ask(t, index) for t in texts]
    cache = AnalysisCache()
    shown: dict[str, list] = {}
    for name, (concept, lexical, per_ask) in BUDGETS.items():
        weights = dataclasses.replace(WEIGHTS, candidates_per_need=concept, lexical_candidates=lexical,
                                      candidates_per_ask=per_ask)
        for ask in parsed[:20]:  # warm-up: first-use costs are not per-ask costs
            rank(index, ask, today=TODAY, cache=cache, weights=weights)
        times, out = [], []
        for ask in parsed:
            started = time.perf_counter()
            ranking = rank(index, ask, today=TODAY, cache=cache, weights=weights)
            times.append(time.perf_counter() - started)
            out.append([(m.company_id, m.confidence) for m in ranking.matches])
        shown[name] = out
        print(f"{name}: {len(parsed)} asks at {args.profiles:,} profiles, p50 {1000 * statistics.median(times):.1f} ms, "
              f"mean {1000 * statistics.mean(times):.1f} ms", flush=True)
    base = shown["80/80"]
    for name in list(BUDGETS)[1:]:
        first = sum(1 for a, b in zip(base, shown[name], strict=True) if a[:1] != b[:1])
        anything = sum(1 for a, b in zip(base, shown[name], strict=True) if a != b)
        print(f"{name} vs 80/80: first result differs for {first} of {len(base)} asks, anything shown for {anything}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
