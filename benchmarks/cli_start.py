"""How long `partnerbot match "…"` takes on the sample directory (`partnerbot demo` loads it),
run as a user runs it: a fresh process each time. `partnerbot demo` builds and saves the
matching data (bot.matching.persist); every `match` loads it.

    .venv/bin/python benchmarks/cli_start.py [--runs 7]

Prints wall time (p50, max) and CPU time (user + system) per call; the target is 0.5 s. Twice:
with Python's bytecode cache written (as `pip install` leaves an installed package: the
Docker image, a user's venv) and without one (every module compiled from source at each call:
an editable install under PYTHONDONTWRITEBYTECODE=1, as in this repository's dev setup). The
cached condition keeps its cache in its own folder (PYTHONPYCACHEPREFIX); the other one says
so when the source tree has __pycache__ folders (then they are used).
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
    print(f"partnerbot match on the sample directory ({profiles} profiles), {args.runs} runs, a process each:")
    for label, cached in (("bytecode cached (installed)", True), ("compiled each call (no bytecode cache)", False)):
        cond = dict(env)
        if cached:
            cond.pop("PYTHONDONTWRITEBYTECODE", None)
            cond["PYTHONPYCACHEPREFIX"] = str(work / "pyc")
            run(["--env-file", os.devnull, "match", ASK], cond, work)  # writes the cache
        else:
            cond.pop("PYTHONPYCACHEPREFIX", None)
            cond["PYTHONDONTWRITEBYTECODE"] = "1"
            if any((ROOT / pkg / "__pycache__").is_dir() for pkg in ("bot", "models", "partnerbot")):
                label += " [the source tree's __pycache__ folders are used]"
        runs = [run(["--env-file", os.devnull, "match", ASK], cond, work) for _ in range(args.runs)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"  {label}: wall p50 {statistics.median(walls):.2f} s, max {max(walls):.2f} s; "
              f"CPU p50 {statistics.median(cpus):.2f} s (target 0.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
