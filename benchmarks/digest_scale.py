"""Digest at scale: 100k profiles, 1M asks and 1M introductions, then time the digest figures.

    .venv/bin/python benchmarks/digest_scale.py                    # SQLite (a file under /tmp)
    .venv/bin/python benchmarks/digest_scale.py --pg URL           # also PostgreSQL (or TEST_DATABASE_URL)
    .venv/bin/python benchmarks/digest_scale.py --profiles 10000 --asks 100000 --intros 100000   # quicker

Rows are spread over two years before 2026-11-02, bulk-inserted with executemany (SQLite) or
COPY (PostgreSQL) into a freshly migrated database (so the migration's indexes are what is
measured). Prints the time of each step and the digest's figures. The goal: the whole digest
computation (figures with the previous-period comparison, participation gaps, the 8-week
trend) under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.metrics.figures import compute_figures, trend  # noqa: E402
from bot.metrics.nudges import nudge_candidates  # noqa: E402
from models.db import MIGRATION_TIMEOUTS, make_engine, session_scope, upgrade  # noqa: E402

END = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
CAPABILITIES = [f"capability {i}" for i in range(300)]
INDUSTRIES = ["restaurants", "retail", "healthcare", "education", "manufacturing", "finance", "logistics", "energy"]
REGIONS = ["arizona", "texas", "california", "emea", "apac", "ontario", "bavaria", "new york"]
STATES = ["requested", "approved", "introduced", "introduced", "introduced", "declined", "not_a_fit", "closed"]
OUTCOMES = ["working_together", "deal_won", "no_fit"]


def sqlite_ts(dt: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DateTime storage format (UTC, naive).
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(profiles: int, asks: int, intros: int, seed: int = 7):
    rnd = random.Random(seed)
    start = END - SPAN
    span_s = int(SPAN.total_seconds())

    def when() -> datetime:
        return start + timedelta(seconds=rnd.randrange(span_s))

    companies = []
    for cid in range(1, profiles + 1):
        created = start - timedelta(days=rnd.randrange(0, 400))
        updated = created + timedelta(days=rnd.randrange(0, 900))
        updated = min(updated, END)
        deleted = END - timedelta(days=rnd.randrange(1, 300)) if rnd.random() < 0.02 else None
        companies.append((cid, f"Partner {cid}", f"partner {cid}", "ISV", json.dumps(rnd.sample(CAPABILITIES, 3)),
                          json.dumps(rnd.sample(INDUSTRIES, 2)), json.dumps(rnd.sample(REGIONS, 2)), "[]", "",
                          "open", rnd.random() < 0.03, created, updated, deleted))
    members = [(cid, f"U{cid:09d}", companies[cid - 1][11]) for cid in range(1, profiles + 1)]
    ask_rows = []
    for aid in range(1, asks + 1):
        needs = rnd.sample(CAPABILITIES[:60], rnd.randrange(0, 3)) if rnd.random() < 0.3 else \
            rnd.sample(CAPABILITIES, rnd.randrange(1, 3))
        unmet = rnd.random() < 0.12
        ask_rows.append((aid, f"U{rnd.randrange(1, profiles + 1):09d}", rnd.randrange(1, profiles + 1),
                         "need " + ", ".join(needs), rnd.choice(INDUSTRIES) if rnd.random() < 0.5 else None,
                         rnd.choice(REGIONS) if rnd.random() < 0.5 else None, json.dumps(needs),
                         0 if unmet else rnd.randrange(1, 6), unmet, when()))
    intro_rows = []
    outcome_rows = []
    for iid in range(1, intros + 1):
        ask_id = ((iid - 1) % asks) + 1
        ask = ask_rows[ask_id - 1]
        created = ask[9] + timedelta(minutes=rnd.randrange(1, 600))
        state = rnd.choice(STATES)
        decided = created + timedelta(hours=rnd.expovariate(1 / 20)) if state != "requested" else None
        introduced = decided + timedelta(minutes=5) if state in ("introduced", "not_a_fit", "closed") else None
        followup = introduced + timedelta(days=14) if introduced and introduced + timedelta(days=14) < END else None
        target = rnd.randrange(1, profiles + 1)
        if target == ask[2]:
            target = target % profiles + 1
        intro_rows.append((iid, ask_id, ask[1], ask[2], target, state, decided, introduced, followup,
                           created, created, 70.0))
        if followup and rnd.random() < 0.3:
            kind = rnd.choice(OUTCOMES)
            at = followup + timedelta(days=rnd.randrange(0, 10))
            value = float(rnd.randrange(1000, 100000)) if kind == "deal_won" else None
            outcome_rows.append((len(outcome_rows) + 1, iid, target, "U0ANSWER1", kind, value, at, at))
    return companies, members, ask_rows, intro_rows, outcome_rows


COMPANY_COLS = ("id", "name", "name_key", "partner_type", "capabilities", "industries", "regions", "certifications",
                "description", "capacity", "paused", "created_at", "updated_at", "deleted_at")
MEMBER_COLS = ("company_id", "slack_user_id", "created_at")
ASK_COLS = ("id", "asker_user_id", "company_id", "text", "industry", "region", "needs", "matches_shown", "unmet",
            "created_at")
INTRO_COLS = ("id", "ask_id", "requester_user_id", "requester_company_id", "target_company_id", "state",
              "decided_at", "introduced_at", "followup_sent_at", "created_at", "updated_at", "score")
OUTCOME_COLS = ("id", "introduction_id", "company_id", "user_id", "outcome", "deal_value", "created_at", "updated_at")
TIME_COLS = {"created_at", "updated_at", "deleted_at", "decided_at", "introduced_at", "followup_sent_at"}


def required_extras(table: str, cols: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """NOT NULL columns the generator does not fill (other teams add some): their defaults."""
    from sqlalchemy import JSON, Boolean, Float, Integer
    from sqlmodel import SQLModel

    names, values = [], []
    for col in SQLModel.metadata.tables[table].columns:
        if col.name in cols or col.nullable or col.primary_key or col.server_default is not None:
            continue
        default = col.default.arg if col.default is not None and not callable(col.default.arg) else None
        if default is None:
            if isinstance(col.type, JSON):
                default = "[]"
            elif isinstance(col.type, Boolean):
                default = False
            elif isinstance(col.type, (Integer, Float)):
                default = 0
            elif col.name.endswith("_at"):
                default = END
            else:
                default = ""
        if isinstance(col.type, JSON) and not isinstance(default, str):
            default = json.dumps(default)
        names.append(col.name)
        values.append(default)
    return tuple(names), tuple(values)


def load_sqlite(engine, data) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        for table, cols, rows in zip(("company", "member", "ask", "introduction", "outcome"),
                                     (COMPANY_COLS, MEMBER_COLS, ASK_COLS, INTRO_COLS, OUTCOME_COLS), data):
            extra, extra_v = required_extras(table, cols)
            all_cols = cols + extra
            conv = [i for i, c in enumerate(all_cols) if c in TIME_COLS or c.endswith("_at")]
            sql = f"INSERT INTO {table} ({', '.join(all_cols)}) VALUES ({', '.join('?' for _ in all_cols)})"

            def rows_iter(rows=rows, conv=conv, extra_v=extra_v):
                for row in rows:
                    row = [*row, *extra_v]
                    for i in conv:
                        row[i] = sqlite_ts(row[i])
                    yield row

            cur.executemany(sql, rows_iter())
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def load_pg(engine, data) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, cols, rows in zip(("company", "member", "ask", "introduction", "outcome"),
                                     (COMPANY_COLS, MEMBER_COLS, ASK_COLS, INTRO_COLS, OUTCOME_COLS), data):
            extra, extra_v = required_extras(table, cols)
            with cur.copy(f"COPY {table} ({', '.join(cols + extra)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, *extra_v))
        for table in ("company", "member", "ask", "introduction", "outcome"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
        # What autovacuum does on a live database: statistics, and the visibility map that
        # lets the covering indexes answer without visiting the table.
        raw.driver_connection.autocommit = True
        cur.execute("VACUUM ANALYZE")
    finally:
        raw.close()


def timed(label: str, fn):
    t0 = time.perf_counter()
    result = fn()
    print(f"  {label:<46} {time.perf_counter() - t0:7.2f} s", flush=True)
    return result, time.perf_counter() - t0


def digest_figures(engine, end: datetime, days: int = 7):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=end - timedelta(days=days), end=end)
        figures["trend_asks"] = trend(s, end=end, length=timedelta(days=days), periods=8)["asks"]
    return figures


def breakdown(engine, end: datetime, days: int = 7) -> None:
    """Where the digest's time goes (printed under the total)."""
    from bot.metrics import figures as F

    start = end - timedelta(days=days)
    with session_scope(engine) as s:
        parts = {
            "headline figures": lambda: F.headline(s, start=start, end=end),
            "previous period": lambda: F.headline(s, start=start - timedelta(days=days), end=start),
            "top needs / unmet / fields": lambda: (F.top_needs(s, start=start, end=end),
                                                   F.top_needs(s, start=start, end=end, unmet_only=True),
                                                   F.top_field(s, column=F.ask_t.c.industry, start=start, end=end),
                                                   F.top_field(s, column=F.ask_t.c.region, start=start, end=end)),
            "top connectors": lambda: F.top_connectors(s, start=start, end=end),
            "participation gaps": lambda: F.participation_gaps(s, at=end),
            "8-period trend": lambda: F.trend(s, end=end, length=timedelta(days=days), periods=8),
        }
        for label, fn in parts.items():
            timed("   " + label, fn)


def bench(name: str, url: str, data, *, counts: str) -> float:
    print(f"\n== {name}: {counts}")
    # The bulk load is the benchmark's set-up, not the bot's traffic: no statement timeout. The
    # digest below runs on an engine with the bot's own timeouts, as `serve` would.
    loading = make_engine(url, timeouts=MIGRATION_TIMEOUTS)
    upgrade(loading)
    loader = load_sqlite if loading.dialect.name == "sqlite" else load_pg
    if data is not None:
        timed("bulk insert + (VACUUM) ANALYZE", lambda: loader(loading, data))
    loading.dispose()
    engine = make_engine(url)
    (figures, digest_s) = timed("digest: 7-day figures + previous + gaps + trend", lambda: digest_figures(engine, END))
    breakdown(engine, END)
    timed("digest: 90-day figures", lambda: digest_figures(engine, END, 90))

    def nudges():
        with session_scope(engine) as s:
            return nudge_candidates(s, now=END, month="2026-11")

    (found, _) = timed("nudge candidates (first 200)", nudges)
    keys = ("asks", "unmet_asks", "matches_shown", "intro_requests", "approved", "declined", "introduced",
            "approval_hours_median", "approval_hours_p90", "working_together", "deals_won", "deal_value",
            "active_partners", "total_partners", "participation_rate", "new_profiles", "updated_profiles")
    print("  figures:", json.dumps({k: figures[k] for k in keys}))
    print("  top unmet needs:", figures["top_unmet_needs"])
    print("  gaps:", figures["gaps"], " trend asks:", figures["trend_asks"], " nudges due:", len(found))
    verdict = "OK" if digest_s < 5 else "SLOW"
    print(f"  => digest computed in {digest_s:.2f} s on {name} ({verdict}, goal < 5 s)")
    engine.dispose()
    return digest_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--asks", type=int, default=1_000_000)
    parser.add_argument("--intros", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL admin URL")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--sqlite-path", help="keep the SQLite database here (reused, not reloaded, if it exists)")
    args = parser.parse_args()
    counts = f"{args.profiles:,} profiles, {args.asks:,} asks, {args.intros:,} introductions"
    reuse = bool(args.sqlite_path and Path(args.sqlite_path).exists() and args.sqlite_only)
    data = None
    if args.sqlite_path and not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite_path + suffix).unlink(missing_ok=True)
    if not reuse:
        t0 = time.perf_counter()
        data = generate(args.profiles, args.asks, args.intros)
        print(f"generated {counts}, {len(data[4]):,} outcomes in {time.perf_counter() - t0:.1f} s")
    results = {}
    if args.sqlite_path:
        results["sqlite"] = bench("SQLite", f"sqlite:///{args.sqlite_path}", data, counts=counts)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", data, counts=counts)
    if args.pg and not args.sqlite_only:
        admin = make_engine(args.pg, timeouts=MIGRATION_TIMEOUTS).execution_options(isolation_level="AUTOCOMMIT")
        name = f"pbbench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            results["postgresql"] = bench("PostgreSQL", url, data, counts=counts)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\nsummary:", ", ".join(f"{k} {v:.2f} s" for k, v in results.items()))
    return 0 if all(v < 5 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
