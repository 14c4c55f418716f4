"""Engines: what every command that touches the database needs, and no more.

SQLAlchemy Core only (no ORM, no SQLModel, no table class): `partnerbot match` opens its
engine from here. `models.db` re-exports all of it beside sessions and migrations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


@dataclass(frozen=True)
class DbTimeouts:
    """How long the bot waits on PostgreSQL before it calls the database unreachable (seconds;
    0 turns one off). Defaults match the DB_*_TIMEOUT_S settings."""

    connect: float = 3.0  # libpq connect_timeout: TCP connect plus the start-up handshake
    statement: float = 5.0  # server-side statement_timeout; the client gives up 2 s later
    pool: float = 2.0  # waiting for a free pooled connection
    # TCP keepalive: a peer whose host vanished is noticed within idle + interval * count.
    keepalive_idle: int = 10
    keepalive_interval: int = 5
    keepalive_count: int = 3

    @property
    def client_wait_limit(self) -> float | None:
        return self.statement + 2.0 if self.statement > 0 else None


# Migrations may rightly run longer than any request: no statement deadline.
MIGRATION_TIMEOUTS = DbTimeouts(statement=0, pool=30)


def make_engine(url: str, *, pool_size: int = 10, timeouts: DbTimeouts | None = None) -> Engine:
    """An engine for `url`: SQLite gets foreign keys, WAL and a busy timeout; PostgreSQL gets
    connect/statement/checkout timeouts, TCP keepalives, pre-ping and a client-side deadline
    on every round trip (models/watchdog.py), so a silent database cannot wedge the bot."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if parsed.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.get_backend_name() != "postgresql" or parsed.get_driver_name() != "psycopg":
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
    return _postgres_engine(url, pool_size=pool_size, timeouts=timeouts or DbTimeouts())


def _postgres_engine(url: str, *, pool_size: int, timeouts: DbTimeouts) -> Engine:
    from models.watchdog import connect_watched

    connect_args: dict = {
        # https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS
        "keepalives": 1,
        "keepalives_idle": timeouts.keepalive_idle,
        "keepalives_interval": timeouts.keepalive_interval,
        "keepalives_count": timeouts.keepalive_count,
    }
    if timeouts.connect > 0:
        connect_args["connect_timeout"] = max(2, round(timeouts.connect))  # libpq: whole seconds, >= 2
        connect_args["tcp_user_timeout"] = int(timeouts.connect * 1000) + 5000  # unacknowledged data
    if timeouts.statement > 0:
        connect_args["options"] = f"-c statement_timeout={int(timeouts.statement * 1000)}"
    engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                           pool_timeout=timeouts.pool, connect_args=connect_args)
    wait_limit = timeouts.client_wait_limit

    @event.listens_for(engine, "do_connect")
    def _watched_connect(_dialect, _record, cargs, cparams):
        return connect_watched(cargs, cparams, wait_limit=wait_limit)

    return engine
