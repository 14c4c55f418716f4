"""How long `partnerbot match "…"` takes on the sample directory (`partnerbot demo` loads it),
run as a user runs it: a fresh process each time. `partnerbot demo` builds and saves the
matching data (bot.matching.persist); every `match` loads it.

    .venv/bin/python benchmarks/cli_start.py [--runs 7]

Prints wall time (p50, max) and CPU time (user + system) per call; the target is 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASK = "cisco UC install plus custom ip phone apps for timecards in Tucson, AZ"


def run(args: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pbcli-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{work / 'cli.db'}",
           "PARTNERBOT_CACHE_DIR": str(work / "cache")}
    run(["--env-file", os.devnull, "demo"], env, work)
    import sqlite3

    with sqlite3.connect(work / "cli.db") as conn:
        profiles = conn.execute("SELECT count(*) FROM company").fetchone()[0]
    runs = [run(["--env-file", os.devnull, "match", ASK], env, work) for _ in range(args.runs)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(f"partnerbot match on the sample directory ({profiles} profiles), {args.runs} runs, a process each:")
    print(f"  wall p50 {statistics.median(walls):.2f} s, max {max(walls):.2f} s; "
          f"CPU p50 {statistics.median(cpus):.2f} s (target 0.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
