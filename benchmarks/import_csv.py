"""Import benchmark: a generated 100k-row partner CSV into a fresh SQLite database.

    .venv/bin/python benchmarks/import_csv.py [--rows 100000] [--database-url URL]

Prints the first import's seconds and rows/s, then the re-import's (nothing changes).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.csv_io import COLUMNS, import_partners_cli  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402

TYPES = ["ISV", "IHV", "Solution provider", "Systems integrator", "Installer", "Managed service provider",
         "Service outsourcer", "Distributor", "Consultancy"]
CAPS = ["unified communications installation", "IP phone apps", "custom apps", "structured cabling", "SD-WAN",
        "contact center", "cloud migration", "security audits", "VoIP", "network design", "Wi-Fi surveys",
        "managed backups", "timecard software", "shift management", "deposit reporting", "POS integration"]
INDUSTRIES = ["restaurants", "retail", "healthcare", "education", "hospitality", "manufacturing", "finance"]
REGIONS = ["Arizona", "Texas", "Phoenix", "Dallas", "Tucson", "EMEA", "California", "Mexico", "Canada", "APAC"]
CERTS = ["Cisco Gold Certified", "Microsoft Partner", "AWS Advanced", "Avaya Platinum", ""]


def generate(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i in range(rows):
        writer.writerow({
            "company": f"Partner {i:06d} {rng.choice(['Ltd', 'Inc', 'LLC', 'GmbH'])}",
            "partner_type": rng.choice(TYPES),
            "capabilities": ";".join(rng.sample(CAPS, rng.randint(1, 5))),
            "industries": ";".join(rng.sample(INDUSTRIES, rng.randint(0, 3))),
            "regions": ";".join(rng.sample(REGIONS, rng.randint(1, 3))),
            "certifications": rng.choice(CERTS),
            "description": f"Partner {i} delivers {rng.choice(CAPS)} for {rng.choice(INDUSTRIES)},\n"
                           f"across {rng.choice(REGIONS)}.",
            "slack_user_id": f"U{i:08d}" if i % 2 == 0 else "",
            "capacity": rng.choice(["open", "open", "limited", "full"]),
            "website": f"https://partner{i}.example" if i % 3 else "",
        })
    return buf.getvalue()


def timed_import(engine, path: Path) -> tuple[float, int, str]:
    out = io.StringIO()
    started = time.perf_counter()
    code = import_partners_cli(engine, str(path), quiet=False, out=out, err=sys.stderr)
    return time.perf_counter() - started, code, out.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "partners.csv"
        started = time.perf_counter()
        path.write_text(generate(args.rows), encoding="utf-8")
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s")
        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        seconds, code, summary = timed_import(engine, path)
        print(f"import:    {seconds:6.2f}s  {args.rows / seconds:10,.0f} rows/s  exit {code}  [{summary}]")
        seconds2, code2, summary2 = timed_import(engine, path)
        print(f"re-import: {seconds2:6.2f}s  {args.rows / seconds2:10,.0f} rows/s  exit {code2}  [{summary2}]")
        engine.dispose()
        if code or code2 or not summary2.startswith(f"0 created, 0 updated, {args.rows} unchanged"):
            print("benchmark FAILED: the import reported errors or the re-import changed rows", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
