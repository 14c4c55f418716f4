"""Python's garbage-collector pauses, watched (`gc.callbacks`): a full collection over a large
heap stops every thread, answers included. Every pause of REPORT_FROM_MS or more is logged,
with the longest so far, so a log shows when and how long the collector held the process.

`serve` also moves full (generation-2) collections out of the answers (`IdleCollector`): the
index is frozen (`gc.freeze()` after a build), but the cache of candidates' analyses (at 100k
profiles about 250k small objects, replaced as asks come) is not, and a full collection walks
it: 60-280 ms during which no answer moves. Automatic full collections are turned off; one
runs when no request has been in flight for IDLE_S, at most every FULL_EVERY_S, and under
load that never lets up at the latest every FULL_AT_LATEST_S. Young-generation collections
(short) run as before, and the objects they promote stay collectable: cyclic garbage waits for
the next idle moment instead of being freed mid-burst.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
        if _idle.collecting:  # the idle collector's: no request was in flight when it began
            if ms >= REPORT_FROM_MS:
                log.info("gc: idle full collection %.1f ms (no request in flight)", ms)
            return
        if ms > self.longest_ms:
            self.longest_ms, self.longest_generation = ms, info.get("generation", -1)
        if ms >= REPORT_FROM_MS:
            log.info("gc: pause %.1f ms (generation %d; longest so far %.1f ms, %d collections)", ms,
                     info.get("generation", -1), self.longest_ms, self.collections)


class _IdleFlag:
    collecting = False  # set by IdleCollector.collect around its gc.collect()


_idle = _IdleFlag()
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


IDLE_S = 0.5  # no request in flight for this long: a full collection does not delay anyone
FULL_EVERY_S = 30.0  # at most this often
FULL_AT_LATEST_S = 300.0  # even under load that never pauses (bounds what cyclic garbage may pile up)
NO_AUTOMATIC_FULL = 1_000_000_000  # gc threshold 2: gen-1 collections before an automatic full one


class Activity:
    """Requests in flight, and when the last one ended (`busy()` around each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.last_end = time.monotonic()

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self.last_end = time.monotonic()

    def idle_for(self, now: float) -> float:
        with self._lock:
            return 0.0 if self.in_flight else now - self.last_end


activity = Activity()  # the process's: the server's dispatch and the slow work mark themselves busy


class IdleCollector:
    """Full collections at idle moments instead of in the middle of answers (see the module)."""

    def __init__(self, activity: Activity, *, idle_s: float = IDLE_S, every_s: float = FULL_EVERY_S,
                 at_latest_s: float = FULL_AT_LATEST_S, tick_s: float = 0.1) -> None:
        self.activity = activity
        self.idle_s, self.every_s, self.at_latest_s, self.tick_s = idle_s, every_s, at_latest_s, tick_s
        self.last_full = time.monotonic()
        self.full_collections = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._threshold: tuple[int, int, int] | None = None

    def due(self, now: float) -> bool:
        since = now - self.last_full
        return since >= self.at_latest_s or (since >= self.every_s and self.activity.idle_for(now) >= self.idle_s)

    def collect(self) -> int:
        _idle.collecting = True
        try:
            found = gc.collect()
        finally:
            _idle.collecting = False
        self.last_full = time.monotonic()
        self.full_collections += 1
        return found

    def start(self) -> IdleCollector:
        self._threshold = gc.get_threshold()
        gc.set_threshold(self._threshold[0], self._threshold[1], NO_AUTOMATIC_FULL)
        self._thread = threading.Thread(target=self._run, daemon=True, name="gc-idle")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            if self.due(time.monotonic()):
                self.collect()


_collector: IdleCollector | None = None


def collect_when_idle() -> IdleCollector:
    """Start the idle collector (once per process; `serve`)."""
    global _collector
    with _install_lock:
        if _collector is None:
            _collector = IdleCollector(activity).start()
        return _collector
