"""Python's garbage-collector pauses, watched (`gc.callbacks`): a full collection over a large
heap stops every thread, answers included. Every pause of REPORT_FROM_MS or more is logged,
with the longest so far, so a log shows when and how long the collector held the process."""

from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)

REPORT_FROM_MS = 20.0  # shorter pauses are not worth a log line


class GcWatch:
    def __init__(self) -> None:
        self.longest_ms = 0.0
        self.longest_generation = -1
        self.collections = 0
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        ms = (time.perf_counter() - self._started) * 1000
        self._started = None
        self.collections += 1
        if ms > self.longest_ms:
            self.longest_ms, self.longest_generation = ms, info.get("generation", -1)
        if ms >= REPORT_FROM_MS:
            log.info("gc: pause %.1f ms (generation %d; longest so far %.1f ms, %d collections)", ms,
                     info.get("generation", -1), self.longest_ms, self.collections)


_watch: GcWatch | None = None
_install_lock = threading.Lock()


def install() -> GcWatch:
    """Start watching (once per process)."""
    global _watch
    with _install_lock:
        if _watch is None:
            _watch = GcWatch()
            gc.callbacks.append(_watch)
        return _watch
