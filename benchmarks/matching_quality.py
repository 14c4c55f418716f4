"""Matching quality on the labelled dev set (tests/devset): MRR@5, P@1 and nDCG@5 per kind of
ask, for the matcher beside two baselines computed in the same run — BM25 keyword search
(rank_bm25) and plain rapidfuzz `process.extract(..., scorer=WRatio)` over each profile's
concatenated text.

    .venv/bin/python benchmarks/matching_quality.py
"""

from __future__ import annotations

import sys
from pathlib import Path  # noqa: I001

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.devset.evaluation import DEVSET, HOLDOUT, KINDS, evaluate, load_asks  # noqa: E402


def main() -> int:
    table(DEVSET / "asks.yaml", "Dev set (tuned on)")
    print()
    table(HOLDOUT, "Held-out asks (never tuned on)")
    return 0


def table(path: Path, title: str) -> None:
    figures = evaluate(asks_file=path)
    asks = load_asks(path)
    counts = {k: sum(1 for a in asks if a.kind == k) for k in KINDS}
    counts["all"] = len(asks)
    systems = list(figures)
    print(f"{title}: {len(asks)} graded asks; metrics at 5 (no-match: 1 when nothing is proposed)")
    header = f"{'kind':<14}{'asks':>5}  " + "  ".join(f"{s + ' MRR/P@1/nDCG':<24}" for s in systems)
    print(header)
    print("-" * len(header))
    for kind in [*KINDS, "all"]:
        cells = []
        for s in systems:
            f = figures[s][kind]
            cells.append(f"{f['mrr']:.2f} / {f['p1']:.2f} / {f['ndcg']:.2f}".ljust(24))
        print(f"{kind:<14}{counts[kind]:>5}  " + "  ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
