"""Matching speed and memory at 1k / 10k / 100k synthetic profiles, beside the naive baseline
(rapidfuzz `process.extract` with WRatio over each profile's concatenated text).

For each size, in a fresh process (so peak memory is that size's own): index build time,
peak resident memory, per-ask latency p50/p95 over a fixed set of asks for the matcher
(parse + candidates + precise scoring + reasons) and for the naive baseline, and the time to
apply one changed profile to the built index (no rebuild).

    .venv/bin/python benchmarks/matching_speed.py            # 1k, 10k, 100k
    .venv/bin/python benchmarks/matching_speed.py --quick    # 1k, 10k (CI)
    .venv/bin/python benchmarks/matching_speed.py --db       # also the handler's path on SQLite

Targets on a 2-core machine at 100k: p50 <= 50 ms, p95 <= 150 ms, >= 10x faster than naive,
< 1 GB resident.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(size: int, repeats: int, naive_asks: int) -> dict:
    from rapidfuzz import fuzz, process, utils

    from benchmarks.synthetic import ASKS, synthetic_profiles
    from bot.matching.asks import parse_ask
    from bot.matching.index import DirectoryIndex
    from bot.matching.places import gazetteer
    from bot.matching.scorer import AnalysisCache, rank
    from bot.matching.vocabulary import load_vocabulary

    load_vocabulary()
    gazetteer()  # library data, loaded once per process whatever the size
    profiles = synthetic_profiles(size)
    t0 = time.perf_counter()
    index = DirectoryIndex()
    index.bulk_load(profiles)
    build_s = time.perf_counter() - t0

    today = date(2026, 11, 2)
    cache = AnalysisCache()
    for text in ASKS:  # warm-up (first-use costs are not per-ask costs)
        rank(index, parse_ask(text, index), today=today, top=5, cache=cache)
    lat = []
    for _ in range(repeats):
        for text in ASKS:
            t = time.perf_counter()
            rank(index, parse_ask(text, index), today=today, top=5, cache=cache)
            lat.append((time.perf_counter() - t) * 1000)

    changed = dataclasses.replace(profiles[size // 2], capabilities=("sourdough robotics installation",))
    t = time.perf_counter()
    index.upsert(changed)
    update_ms = (time.perf_counter() - t) * 1000
    found = rank(index, parse_ask("sourdough robotics", index), today=today, top=5, cache=cache).matches
    assert found and found[0].company_id == changed.company_id, "the changed profile is not found"

    texts = [" ".join([p.name, p.partner_type, *p.capabilities, *p.industries, *p.regions, *p.certifications,
                       p.description]) for p in profiles]
    naive = []
    for text in ASKS[:naive_asks]:
        t = time.perf_counter()
        process.extract(text, texts, scorer=fuzz.WRatio, processor=utils.default_process, limit=5)
        naive.append((time.perf_counter() - t) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size, "build_s": build_s, "peak_mb": peak_mb, "update_ms": update_ms,
        "p50": statistics.median(lat), "p95": percentile(lat, 0.95),
        "naive_p50": statistics.median(naive), "naive_p95": percentile(naive, 0.95), "asks": len(lat),
    }


def measure_db(size: int) -> dict:
    """The handler's path on SQLite: full load from the database, then per-ask sync + rank."""
    import tempfile

    from sqlalchemy import insert, update

    from benchmarks.synthetic import ASKS, synthetic_profiles
    from bot.matching.directory import Directory
    from models.company import Company, company_key
    from models.db import make_engine, upgrade

    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/bench.db")
    upgrade(engine)
    now = datetime.now(UTC) - timedelta(hours=1)  # a directory loaded a while ago
    rows = [{"id": p.company_id, "name": p.name, "name_key": company_key(p.name), "partner_type": p.partner_type,
             "capabilities": list(p.capabilities), "industries": list(p.industries), "regions": list(p.regions),
             "certifications": list(p.certifications), "description": p.description, "capacity": p.capacity,
             "paused": False, "created_at": now, "updated_at": now} for p in synthetic_profiles(size)]
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Company.__table__), rows[start:start + 10_000])
    directory = Directory(engine)
    t0 = time.perf_counter()
    directory.sync()
    load_s = time.perf_counter() - t0
    if directory.saving is not None:  # saved for the next start in the background: not an ask's cost
        directory.saving.join()
    today = date(2026, 11, 2)
    for text in ASKS:
        directory.rank(text, today=today)
    lat = []
    for text in ASKS:
        t = time.perf_counter()
        directory.rank(text, today=today)
        lat.append((time.perf_counter() - t) * 1000)
    with engine.begin() as conn:
        conn.execute(update(Company.__table__).where(Company.__table__.c.id == size // 3).values(
            capabilities=["sourdough robotics"], updated_at=datetime.now(UTC)))
    t = time.perf_counter()
    found = directory.rank("sourdough robotics", today=today).matches
    changed_ms = (time.perf_counter() - t) * 1000
    assert found and found[0].company_id == size // 3
    return {"size": size, "load_s": load_s, "p50": statistics.median(lat), "p95": percentile(lat, 0.95),
            "changed_ms": changed_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes 1k and 10k only (for CI)")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes, e.g. 1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the asks for the matcher")
    parser.add_argument("--db", action="store_true",
                        help="also time the handler's path on SQLite: load from the database, sync + rank per ask")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-db", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--naive-asks", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from benchmarks.synthetic import ASKS

    if args.child:
        print(json.dumps(measure(args.child, args.repeats, args.naive_asks or len(ASKS))))
        return 0
    if args.child_db:
        print(json.dumps(measure_db(args.child_db)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    print(f"{len(ASKS)} asks x {args.repeats} passes per size; naive baseline = rapidfuzz process.extract(WRatio)")
    print(f"{'profiles':>9} {'build s':>8} {'peak MB':>8} {'update ms':>9} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'naive p50':>9} {'naive p95':>9} {'speed-up':>8}")
    rows = []
    for size in sizes:
        cmd = [sys.executable, __file__, "--child", str(size), "--repeats", str(args.repeats)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{r['size']:>9,} {r['build_s']:>8.2f} {r['peak_mb']:>8.0f} {r['update_ms']:>9.2f} {r['p50']:>7.1f} "
              f"{r['p95']:>7.1f} {r['naive_p50']:>9.1f} {r['naive_p95']:>9.1f} {r['naive_p50'] / r['p50']:>7.1f}x",
              flush=True)
    if args.db:
        print("\nWith the database (SQLite file): what /findpartner does per ask (read the change"
              " sequences + rank)")
        print(f"{'profiles':>9} {'load s':>8} {'p50 ms':>7} {'p95 ms':>7} {'1 edit ms':>9}")
        for size in sizes:
            cmd = [sys.executable, __file__, "--child-db", str(size)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['size']:>9,} {r['load_s']:>8.2f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['changed_ms']:>9.1f}",
                  flush=True)
    big = max(rows, key=lambda r: r["size"])
    if big["size"] >= 100_000:
        ok = big["p50"] <= 50 and big["p95"] <= 150 and big["naive_p50"] / big["p50"] >= 10 and big["peak_mb"] < 1024
        print(f"targets at {big['size']:,}: p50<=50ms, p95<=150ms, >=10x naive, <1GB -> {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
