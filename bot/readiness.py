"""A minimal readiness check: can the database answer `SELECT 1` within a short deadline?

`GET /readyz` (bot/server.py) answers 503 while it cannot, so a load balancer stops sending
traffic to a replica whose database has gone silent. At most one probe runs at a time: while
one is still waiting, the database is not ready.
"""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

PROBE_DEADLINE_S = 2.0


class DatabaseProbe:
    def __init__(self, engine: Engine, deadline: float = PROBE_DEADLINE_S) -> None:
        self.engine = engine
        self.deadline = deadline
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None
        self._ok = False

    def ready(self) -> bool:
        with self._lock:
            if self._running is not None and self._running.is_alive():
                return False  # the last probe is still waiting on the database
            done = threading.Event()
            self._running = threading.Thread(target=self._probe, args=(done,), daemon=True, name="readyz-probe")
            self._running.start()
        return done.wait(self.deadline) and self._ok

    def _probe(self, done: threading.Event) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            self._ok = True
        except Exception:
            self._ok = False
        finally:
            done.set()
