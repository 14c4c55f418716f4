"""A client-side deadline on every PostgreSQL round trip.

PostgreSQL's own `statement_timeout` only works when the server hears the statement, and TCP
keepalives only notice a peer whose kernel stopped answering. A database that accepts
connections but never answers (a stuck proxy, a frozen server, a half-dead failover) leaves
psycopg waiting on its socket forever, holding a thread and a pooled connection each time.

So each connection the engine makes is a `WatchedConnection`: every wait on the server
(queries, commits, rollbacks, pool pre-pings) is registered with one watchdog thread, which
shuts down the socket of any wait that outlives its deadline. psycopg then fails that call
with "server closed the connection", SQLAlchemy invalidates the connection, and the next
checkout makes a fresh one (bounded by `connect_timeout`): the bot recovers on its own.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator

import psycopg

log = logging.getLogger(__name__)


class _Watchdog:
    """One daemon thread that ends overdue waits; started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waits: dict[int, tuple[float, float, int | None]] = {}  # id -> (started, deadline, fd)
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None
        self.killed = 0

    @contextlib.contextmanager
    def watch(self, fd: int | None, limit: float | None) -> Iterator[None]:
        now = time.monotonic()
        key = next(self._ids)
        with self._lock:
            self._waits[key] = (now, now + limit if limit else float("inf"), fd)
            if self._thread is None and limit:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._waits.pop(key, None)

    def longest_wait(self) -> float:
        """Seconds the oldest database wait in progress has lasted (0 when none)."""
        now = time.monotonic()
        with self._lock:
            return max((now - started for started, _, _ in self._waits.values()), default=0.0)

    def _run(self) -> None:
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            with self._lock:
                overdue = [(k, fd) for k, (_, deadline, fd) in self._waits.items() if deadline <= now]
                for key, _ in overdue:
                    started, _, fd = self._waits[key]
                    self._waits[key] = (started, float("inf"), fd)  # end it once
            for _, fd in overdue:
                if fd is not None:
                    self._shut(fd)

    def _shut(self, fd: int) -> None:
        try:
            dup = os.dup(fd)
        except OSError:
            return  # already closed
        try:
            with socket.socket(fileno=dup) as sock:
                # shutdown() acts on the socket itself, so the blocked psycopg wait sees EOF.
                sock.shutdown(socket.SHUT_RDWR)
            self.killed += 1
            log.warning("database did not answer in time: connection dropped")
        except OSError:
            pass


WATCHDOG = _Watchdog()


class WatchedConnection(psycopg.Connection):
    """A psycopg connection whose waits on the server end after `partnerbot_wait_limit` s."""

    partnerbot_wait_limit: float | None = None

    def wait(self, gen, *args, **kwargs):  # every round trip on an open connection goes here
        try:
            fd = self.pgconn.socket
        except psycopg.OperationalError:
            fd = None
        with WATCHDOG.watch(fd, self.partnerbot_wait_limit):
            return super().wait(gen, *args, **kwargs)


def connect_watched(cargs, cparams, *, wait_limit: float | None) -> WatchedConnection:
    """psycopg.connect for SQLAlchemy's do_connect hook; counted as a wait while it lasts
    (its own deadline is libpq's connect_timeout)."""
    with WATCHDOG.watch(None, None):
        conn = WatchedConnection.connect(*cargs, **cparams)
    conn.partnerbot_wait_limit = wait_limit
    return conn
