"""`GET /readyz`: ready only when the database answers, Slack's auth.test has succeeded, the
scheduler runs and the matching index is loaded; otherwise 503 naming what is not."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future

from slack_sdk import WebClient

from bot.readiness import DatabaseProbe

log = logging.getLogger(__name__)

SERVICE_KEY = "readiness"


class Readiness:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.scheduler = None  # set by `serve` once started
        self._auth_ok = False
        self._lock = threading.Lock()
        self._index_work: Future | None = None
        self._database = DatabaseProbe(ctx.engine)
        # A probe must answer quickly: no retries, a short timeout (the bot's own client retries).
        self._probe_client = WebClient(token=ctx.settings.slack_bot_token, base_url=ctx.settings.slack_api_base_url,
                                       timeout=2)

    def problems(self) -> dict[str, str]:
        """What is not ready, by part (empty: ready)."""
        problems: dict[str, str] = {}
        if not self._database.ready():
            problems["database"] = f"does not answer within {self._database.deadline:g} s"
        if not self._auth_ok:
            try:
                self._auth_ok = bool(self._probe_client.auth_test().get("ok"))
            except Exception as exc:  # SlackApiError, connection refused, timeout
                problems["slack"] = f"auth.test failed ({_reason(exc)})"
        scheduler = self.scheduler
        if scheduler is None or not scheduler.running:
            problems["scheduler"] = "not running"
        if not self._index_loaded():
            problems["matching_index"] = "loading"
        return problems

    def _index_loaded(self) -> bool:
        """Loaded at least once; each probe also brings it up to date in the background."""
        from bot.matching.rankers import get_ranker

        ranker = get_ranker(self.ctx.services, self.ctx.engine)
        loaded = ranker.loaded_seq is not None
        with self._lock:
            if self._index_work is None or self._index_work.done():
                self._index_work = self.ctx.executor.submit(self._sync_index, ranker)
        return loaded

    def _sync_index(self, ranker) -> None:
        try:
            ranker.sync()
            self.ctx.services["index_checked_at"] = time.monotonic()
        except Exception:  # the database may be down: reported as such
            log.warning("readiness: matching index not loaded", exc_info=True)


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            return str(response.get("error"))
        except Exception:  # noqa: BLE001 - an odd response still gets a reason
            pass
    return type(exc).__name__


def readiness_of(ctx) -> Readiness:
    readiness = ctx.services.get(SERVICE_KEY)
    if readiness is None:
        readiness = ctx.services.setdefault(SERVICE_KEY, Readiness(ctx))
    return readiness
