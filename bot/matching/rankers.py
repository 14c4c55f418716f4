"""Where `serve` ranks asks: in its own process, or in ranking worker processes.

Ranking is CPU-bound Python: in one process it shares one core with everything else the
process does (Bolt, the database, posting answers), so a burst of asks is answered one
core's worth at a time. A ranking worker (`bot/matching/worker.py`) holds the index in a
process of its own, so on a machine with two cores or more ranking and the rest of the answer
run side by side (at 100k profiles about twice the answers per second; docs/performance.md).
The serving process then holds no index at all.

RANKING_WORKERS: `auto` (default) starts one worker when the directory has WORKER_FROM
profiles or more at start and the machine more than one core; `0` ranks in the serving
process; N starts N workers (each holds its own index: about 0.6 GB at 100k profiles).

Both rankers take what the ranking needs to know of the database as read on the caller's
connection (`state`), so an answer still makes one round trip before ranking.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date

from sqlalchemy.engine import Connection, Engine

from bot.matching import worker
from bot.matching.directory import Directory, get_directory
from bot.matching.scorer import Ranking
from models import reads

log = logging.getLogger(__name__)

SERVICE_KEY = "ranker"
WORKER_FROM = 5_000  # profiles at start; a smaller directory ranks in a few ms in-process


class InProcessRanker:
    """Ranks in the serving process, on the process's directory (tests, small directories)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def state(self, conn: Connection):
        return self.directory.state(conn)

    def rank(self, text: str, *, state, today: date, exclude_company_id: int | None = None,
             max_open: int | None = None, top: int = 5, industry: str | None = None,
             region: str | None = None) -> Ranking:
        return self.directory.rank(text, today=today, exclude_company_id=exclude_company_id, max_open=max_open,
                                   top=top, industry=industry, region=region, state=state)

    def sync(self) -> int:
        return self.directory.sync().seq

    @property
    def loaded_seq(self) -> int | None:
        snap = self.directory.loaded
        return snap.seq if snap is not None else None

    def close(self, *, wait: bool = True) -> None:
        pass


class WorkerRanker:
    """Ranks in `workers` spawned processes (a process pool). A worker that dies (killed, out of
    memory) is replaced by a new pool, and the asks it had are ranked again there, once."""

    def __init__(self, config: worker.WorkerConfig, *, workers: int = 1) -> None:
        self.config = config
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self.loaded_seq: int | None = None  # of the last answer or sync: None before the first
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=worker.start, initargs=(self.config,))

    def state(self, conn: Connection) -> dict[str, int]:
        return reads.current(conn)  # the worker catches up to these sequences itself

    def start(self) -> None:
        """Start the workers now (their index loads), instead of on the first ask."""
        for _ in range(self.workers):
            self._pool.submit(worker.pid)

    def rank(self, text: str, *, state: dict[str, int], today: date, exclude_company_id: int | None = None,
             max_open: int | None = None, top: int = 5, industry: str | None = None,
             region: str | None = None) -> Ranking:
        ranking, seq = self._call(worker.rank, text, state, today=today, exclude_company_id=exclude_company_id,
                                  max_open=max_open, top=top, industry=industry, region=region)
        self._seen(seq)
        return ranking

    def sync(self) -> int:
        seq = self._call(worker.sync)
        self._seen(seq)
        return seq

    def a_worker_pid(self) -> int:
        """The process id of a worker (of the only one, by default)."""
        return self._call(worker.pid)

    def close(self, *, wait: bool = True) -> None:
        """Asks in flight finish (when `wait`); queued ones are cancelled."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _call(self, fn, *args, **kwargs):
        pool = self._pool
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool:
            self._replace(pool)
            return self._pool.submit(fn, *args, **kwargs).result()

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:  # the first of the asks that saw it break replaces it
                log.error("ranking worker died; starting a new one (asks in flight are ranked again)")
                self.restarts += 1
                self._pool = self._new_pool()
                broken.shutdown(wait=False, cancel_futures=True)

    def _seen(self, seq: int) -> None:
        if self.loaded_seq is None or seq > self.loaded_seq:
            self.loaded_seq = seq


def workers_for(configured: int | None, profiles: int) -> int:
    """How many ranking workers to start (RANKING_WORKERS; None is `auto`)."""
    if configured is not None:
        return configured
    return 1 if profiles >= WORKER_FROM and (os.cpu_count() or 1) > 1 else 0


def start_ranker(services: dict, engine: Engine, settings, *, profiles: int) -> InProcessRanker | WorkerRanker:
    """The process's ranker, chosen at start by RANKING_WORKERS and the directory's size."""
    workers = workers_for(settings.ranking_workers, profiles)
    if workers <= 0:
        ranker = InProcessRanker(get_directory(services, engine))
    else:
        config = worker.WorkerConfig(database_url=settings.database_url, timeouts=settings.db_timeouts,
                                     log_format=settings.log_format, log_level=logging.getLogger().level)
        ranker = WorkerRanker(config, workers=workers)
        ranker.start()
        log.info("ranking in %d worker process%s (RANKING_WORKERS=%s, %d profiles)", workers,
                 "" if workers == 1 else "es", "auto" if settings.ranking_workers is None else workers, profiles)
    services[SERVICE_KEY] = ranker
    return ranker


def get_ranker(services: dict, engine: Engine) -> InProcessRanker | WorkerRanker:
    """The process's ranker: the one chosen at start, else ranking in-process."""
    ranker = services.get(SERVICE_KEY)
    if ranker is None:
        ranker = services.setdefault(SERVICE_KEY, InProcessRanker(get_directory(services, engine)))
    return ranker
