"""The two reads of `partnerbot match` on SQLite when the index it saved last time is current,
over Python's own sqlite3: importing SQLAlchemy is a fifth of such a call (docs/performance.md).
The same queries as `models.reads.current` and `models.reads.open_intro_counts`
(tests/test_cli_match_start.py compares them on one database); every other read, and every
read on PostgreSQL, goes through `models.reads`.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

# Rows of change_counter (models.changes); `models.reads` uses these names too.
COMPANY = "company"
INTRODUCTION = "introduction"
DATABASE = "database"  # not a sequence: the random identity of the database (models.changes)

# models.introduction.OPEN_STATES (IntroState values), spelled here to keep that module unimported.
OPEN_STATES = ("requested", "awaiting_consent", "approved", "introduced")

_PLAIN = "sqlite:///"


def database_file(url: str) -> str | None:
    """The file of a plain SQLite URL (`sqlite:///path`, no options), else None."""
    if not url.startswith(_PLAIN) or "?" in url:
        return None
    path = url[len(_PLAIN):]
    return path if path and path != ":memory:" else None


def connect_existing(path: str) -> sqlite3.Connection | None:
    """A connection to the database file at `path`, or None when there is none (never creates one)."""
    try:
        return sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=30)
    except sqlite3.Error:
        return None


def current(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT name, seq FROM change_counter").fetchall())


def open_intro_counts(conn: sqlite3.Connection) -> dict[int, int]:
    marks = ", ".join("?" * len(OPEN_STATES))
    rows = conn.execute(f"SELECT target_company_id, count(*) FROM introduction WHERE state IN ({marks}) "
                        "GROUP BY target_company_id", OPEN_STATES).fetchall()
    return dict(rows)
