"""Matching quality on the labelled dev set (tests/devset): MRR@5, P@1 and nDCG@5 per kind of
ask, for the matcher beside two baselines computed in the same run — BM25 keyword search
(rank_bm25) and plain rapidfuzz `process.extract(..., scorer=WRatio)` over each profile's
concatenated text.

    .venv/bin/python benchmarks/matching_quality.py            # dev set and every blind set
    .venv/bin/python benchmarks/matching_quality.py FILE.yaml  # one set of asks
"""

from __future__ import annotations

import sys
from pathlib import Path  # noqa: I001

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.devset.evaluation import BLIND, DEVSET, HOLDOUT, evaluate, kinds_of, load_asks  # noqa: E402


def main(argv: list[str]) -> int:
    if argv:
        for name in argv:
            table(Path(name), name)
            print()
        return 0
    table(DEVSET / "asks.yaml", "Dev set (tuned on)")
    print()
    table(HOLDOUT, "Seventh blind set (tests/devset/holdout.yaml)")
    for number, path in sorted(BLIND.items()):
        print()
        table(path, f"Blind set {number}, issue 10 styles (tests/devset/{path.name}; development data after its first run)")
    return 0


def table(path: Path, title: str) -> None:
    figures = evaluate(asks_file=path)
    asks = load_asks(path)
    kinds = kinds_of(asks)
    counts = {k: sum(1 for a in asks if a.kind == k) for k in kinds}
    counts["all"] = len(asks)
    systems = list(figures)
    print(f"{title}: {len(asks)} graded asks; metrics at 5 over what is shown (strong results, else weak "
          "leads); no-match: 1 when nothing strong is proposed; sP@1: the first result is proposed and right")
    header = f"{'kind':<14}{'asks':>5}  " + "  ".join(
        f"{s + (' MRR/P@1/nDCG/sP@1' if s == 'matcher' else ' MRR/P@1/nDCG'):<{31 if s == 'matcher' else 24}}"
        for s in systems)
    print(header)
    print("-" * len(header))
    for kind in [*kinds, "all"]:
        cells = []
        for s in systems:
            f = figures[s][kind]
            if s == "matcher":  # sP@1: the first result is proposed (strong) and right
                cells.append(f"{f['mrr']:.2f} / {f['p1']:.2f} / {f['ndcg']:.2f} / {f['strong_p1']:.2f}".ljust(31))
            else:
                cells.append(f"{f['mrr']:.2f} / {f['p1']:.2f} / {f['ndcg']:.2f}".ljust(24))
        print(f"{kind:<14}{counts[kind]:>5}  " + "  ".join(cells))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
