"""Graceful stop on SIGTERM (and Ctrl-C).

uvicorn catches the signal, stops accepting connections, finishes the requests in flight,
and only then re-raises the signal, which ends the process: code after `server.run()` never
runs. So the drain hooks into uvicorn's own `shutdown()`: after the HTTP side is done, the
scheduler stops, the work pools get up to SHUTDOWN_GRACE_S to finish, and every lease this
process still holds (an approval's effects, a follow-up DM, a shared-channel invitation) is
released so that the next process takes the work over at once instead of after the lease.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import uvicorn

log = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_stop=None) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    async def shutdown(self, sockets=None) -> None:
        await super().shutdown(sockets=sockets)
        if self.on_stop is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_stop)


def drain(ctx, *, scheduler=None, grace_s: float) -> int:
    """Stop the scheduler, let the pools finish for up to `grace_s`, release this process's
    leases; returns how many were released."""
    started = time.monotonic()
    log.info("stopping: letting work in flight finish for up to %.0f s", grace_s)
    waits = []
    if scheduler is not None and scheduler.running:
        waits.append(lambda: scheduler.shutdown(wait=True))
    from bot.matching.rankers import SERVICE_KEY as RANKER

    ranker = ctx.services.get(RANKER)

    def slow_work() -> None:
        ctx.executor.shutdown(wait=True, cancel_futures=True)
        if ranker is not None:  # the ranking workers, once no answer can ask them anything more
            ranker.close(wait=True)

    waits += [lambda: ctx.listener_executor.shutdown(wait=True, cancel_futures=True), slow_work]
    threads = [threading.Thread(target=w, daemon=True, name="drain") for w in waits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, grace_s - (time.monotonic() - started)))
    unfinished = sum(t.is_alive() for t in threads)
    released = release_leases(ctx)
    log.info("stopped after %.1f s: %d lease(s) released%s", time.monotonic() - started, released,
             f", {unfinished} pool(s) still busy were left" if unfinished else "")
    return released


def release_leases(ctx) -> int:
    """Every lease whose token names this process (bot.introductions.service.WORKER)."""
    from bot.introductions.service import WORKER
    from models import connect_queries, intro_queries
    from models.db import session_scope

    prefix = f"{WORKER}:"
    released = 0
    for release in (intro_queries.release_effects_held_by, intro_queries.release_deliveries_held_by,
                    connect_queries.release_held_by):
        try:
            with session_scope(ctx.engine) as session:
                released += release(session, token_prefix=prefix)
        except Exception:  # the database is down: those leases run out by themselves
            log.exception("stopping: could not release leases (%s)", release.__name__)
    return released
