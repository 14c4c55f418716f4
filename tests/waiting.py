"""Waiting less in tests: thread pools that know when they are idle, so a test waits for the
bot's background work to finish instead of sleeping through a quiet period (FakeSlack.settle
uses them), and the Web API client's retry backoff shortened where no test measures it."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter


class TrackedExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor counting the tasks submitted and not yet finished.

    A task that submits follow-up work does so before it finishes, so the count never drops
    to zero between a task and the work it queued."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pending = 0
        self._pending_lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._pending_lock:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future) -> None:
        with self._pending_lock:
            self._pending -= 1

    @property
    def busy(self) -> bool:
        return self._pending > 0


def track_context_pools(ctx) -> list[TrackedExecutor]:
    """Swap the bot's work pools for tracked ones (before the app is built from `ctx`)."""
    old_work, old_ack = ctx.executor, ctx.listener_executor
    ctx.executor = TrackedExecutor(max_workers=old_work._max_workers, thread_name_prefix="work")
    ctx.listener_executor = TrackedExecutor(max_workers=old_ack._max_workers, thread_name_prefix="ack")
    old_work.shutdown(wait=False)
    old_ack.shutdown(wait=False)
    return [ctx.executor, ctx.listener_executor]


def track_dispatch_pool(server) -> list[TrackedExecutor]:
    """Swap the HTTP server's dispatch pool (bot/server.py) for a tracked one, before it serves."""
    handler = server.config.app
    old = handler._pool
    handler._pool = TrackedExecutor(max_workers=old._max_workers, thread_name_prefix="dispatch")
    old.shutdown(wait=False)
    return [handler._pool]


class NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


def shorten_retry_backoff(client) -> None:
    """5xx and dropped-connection retries back off 10, 20, 40 ms instead of up to seconds with
    up to 1 s of random jitter each: the same retries, made at once. 429s keep honouring
    Retry-After (a test that does not measure the wait injects `Retry-After: 0`)."""
    for handler in client.retry_handlers:
        if not isinstance(handler, RateLimitErrorRetryHandler):
            handler.interval_calculator = BackoffRetryIntervalCalculator(backoff_factor=0.01, jitter=NoJitter())
