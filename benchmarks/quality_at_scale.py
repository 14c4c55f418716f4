"""The labelled asks over a large directory: the 83 labelled profiles among N synthetic ones, so
that a candidate budget (what precise scoring looks at) is judged by graded answers at the size
it is meant for, not only by how often it changes what is shown.

For every labelled set (the development asks, the held-out asks, the blind sets) and for each
candidate budget: MRR@5 and sP@1 (the right partner proposed first) against the labels, near
misses proposed (no-match asks answered with a strong partner), and how many asks show
something else than with no budget. A synthetic partner is never labelled relevant, though
some do what an ask asks: the figures are lower than on the 83 profiles alone for every budget
alike; what matters is the difference between budgets.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/quality_at_scale.py [--profiles 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# concept candidates per need / lexical candidates / for the whole ask (shared out among its needs)
BUDGETS = {"80/80 (until 2026-12-06)": (80, 80, 10_000), "80/80, 160 an ask": (80, 80, 160),
           "50/50 (the default)": (50, 50, 10_000)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()
    from benchmarks.synthetic import synthetic_profiles
    from bot.matching.asks import parse_ask
    from bot.matching.index import DirectoryIndex
    from bot.matching.scorer import AnalysisCache, rank
    from bot.matching.weights import WEIGHTS
    from tests.devset.evaluation import BLIND, DEVSET, HOLDOUT, K, TODAY, load_asks, load_profiles, metrics

    labelled = load_profiles()
    offset = max(p.company_id for p in labelled)
    synthetic = [dataclasses.replace(p, company_id=p.company_id + offset) for p in synthetic_profiles(args.profiles)]
    started = time.perf_counter()
    index = DirectoryIndex()
    index.bulk_load(labelled + synthetic)
    index.semantic.embed_pending()
    print(f"{len(labelled)} labelled + {len(synthetic):,} synthetic profiles, index built in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    sets = {"dev": DEVSET / "asks.yaml", "holdout": HOLDOUT, **{f"blind{n}": BLIND[n] for n in sorted(BLIND)}}
    asks = {name: load_asks(path) for name, path in sets.items()}
    parsed = {name: [parse_ask(a.text, index) for a in items] for name, items in asks.items()}
    shown: dict[str, dict[str, list]] = {}
    for budget, (concept, lexical, per_ask) in BUDGETS.items():
        weights = dataclasses.replace(WEIGHTS, candidates_per_need=concept, lexical_candidates=lexical,
                                      candidates_per_ask=per_ask)
        cache = AnalysisCache()
        times, mrr, sp1, near, out = [], [], [], [], {}
        for name, items in asks.items():
            out[name] = []
            for ask, parsed_ask in zip(items, parsed[name], strict=True):
                t = time.perf_counter()
                ranking = rank(index, parsed_ask, today=TODAY, top=K, cache=cache, weights=weights)
                times.append(time.perf_counter() - t)
                result = [(m.company, m.strong) for m in ranking.matches]
                out[name].append(result)
                m = metrics(result, ask.relevant)
                if ask.relevant:
                    mrr.append(m["mrr"])
                    sp1.append(m["strong_p1"])
                else:
                    near.append(1.0 - m["mrr"])
        shown[budget] = out
        print(f"{budget}: {len(times)} asks; MRR@5 {statistics.mean(mrr):.3f}, sP@1 {statistics.mean(sp1):.3f}, "
              f"near misses proposed {sum(near):.0f} of {len(near)}; ranking p50 {1000 * statistics.median(times):.1f} ms, "
              f"mean {1000 * statistics.mean(times):.1f} ms", flush=True)
    base = shown[next(iter(BUDGETS))]
    for budget in list(BUDGETS)[1:]:
        changed = sum(1 for name in base for a, b in zip(base[name], shown[budget][name], strict=True) if a != b)
        first = sum(1 for name in base for a, b in zip(base[name], shown[budget][name], strict=True) if a[:1] != b[:1])
        print(f"{budget} against 80/80: first result differs for {first}, anything shown for {changed} asks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
