"""The semantic retrieval model on its own (bot.matching.semantic): install size, load time,
one need embedded (p50 on one core), profile phrases embedded per second, memory and the per-ask
cost at 100k synthetic profiles.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/semantic_model.py [--profiles 100000]
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NEED = "patients calling our New Orleans clinics sit on hold forever and about half hang up"


def package_mb(name: str) -> float:
    spec = importlib.util.find_spec(name)
    root = Path(next(iter(spec.submodule_search_locations)))
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()
    import numpy as np

    from benchmarks.synthetic import synthetic_profiles
    from bot.matching.semantic import Encoder, PhraseVectors, profile_phrases

    print(f"installed: wordllama {package_mb('wordllama'):.0f} MB, tokenizers {package_mb('tokenizers'):.0f} MB, "
          f"safetensors {package_mb('safetensors'):.1f} MB (no torch)")
    started = time.perf_counter()
    enc = Encoder()
    print(f"load: {1000 * (time.perf_counter() - started):.0f} ms")
    times = []
    for _ in range(300):
        t = time.perf_counter()
        enc.embed([NEED])
        times.append(time.perf_counter() - t)
    print(f"one need: p50 {1000 * statistics.median(times):.3f} ms (target <= 15 ms on one core)")
    recs = synthetic_profiles(args.profiles)
    before = rss_mb()
    vectors = PhraseVectors()
    for slot, r in enumerate(recs):
        vectors.add(slot, profile_phrases(r.capabilities, r.description))
    started = time.perf_counter()
    n = vectors.embed_pending()
    took = time.perf_counter() - started
    print(f"{args.profiles:,} profiles: {n:,} distinct phrases embedded in {took:.1f} s ({n / took:,.0f} a second; "
          f"target <= 300 s); resident memory +{rss_mb() - before:.0f} MB")
    q = enc.embed([NEED])[0]
    times = []
    for _ in range(50):
        t = time.perf_counter()
        rough = vectors.coarse_scores(q, len(recs))
        top = np.argpartition(-rough, 20)[:20]
        vectors.best(q, [int(s) for s in top] + list(range(200)))
        times.append(time.perf_counter() - t)
    print(f"per ask at {args.profiles:,}: candidates + closest phrases of 220, p50 {1000 * statistics.median(times):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
