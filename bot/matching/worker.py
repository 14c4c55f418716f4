"""What runs inside a ranking worker process (bot/matching/rankers.py): its own directory
(index snapshot, analysis cache, database engine) and two calls, `rank` and `sync`.

A worker is spawned, not forked: it starts clean (no threads or connections of the serving
process copied half-way) and loads the saved index itself (bot/matching/persist.py). It
answers on the process pool's pipe; it never talks to Slack.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date

from bot.matching.directory import Directory
from bot.matching.scorer import Ranking

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs of the settings (picklable, no secrets but the database URL)."""

    database_url: str
    timeouts: object  # models.engine.DbTimeouts
    log_format: str = "text"
    log_level: int = logging.INFO


_directory: Directory | None = None


def start(config: WorkerConfig) -> None:
    """The pool's initializer: logging like the serving process's, the collector watched, and
    the index loaded at once (a failure here is only logged: the first ask loads it again)."""
    global _directory
    # The serving process owns the stop: Ctrl-C reaches the whole process group, and a worker
    # that died of it would fail the asks in flight instead of finishing them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # ... and a worker never outlives it, even one killed outright: the pool's pipe would not
    # tell (a worker holds both of its ends), so the worker watches for being orphaned.
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True, name="orphan-watch").start()
    logging.basicConfig(level=config.log_level, stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s %(name)s [ranking worker {os.getpid()}]: %(message)s")
    if config.log_format == "json":
        from bot.operations.logs import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    from bot import gcwatch
    from models.engine import make_engine

    gcwatch.install()
    gcwatch.collect_when_idle()  # full collections between asks, as in the serving process
    _directory = Directory(make_engine(config.database_url, pool_size=2, timeouts=config.timeouts))
    try:
        _directory.sync()
    except Exception:  # the database may be down at start
        log.warning("ranking worker: could not load the index at start; the first ask will", exc_info=True)


def _exit_when_orphaned(parent: int, every_s: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


def rank(text: str, seqs: dict[str, int], *, today: date, exclude_company_id: int | None, max_open: int | None,
         top: int, industry: str | None, region: str | None) -> tuple[Ranking, int]:
    """The ranking for the database as it was when `seqs` was read, and the company change
    sequence of the snapshot it was ranked on."""
    from bot import gcwatch

    assert _directory is not None, "start() runs first"
    with gcwatch.activity.busy():
        state = _directory.state_at(seqs)
        ranking = _directory.rank(text, today=today, exclude_company_id=exclude_company_id, max_open=max_open,
                                  top=top, industry=industry, region=region, state=state)
    return ranking, state[0].seq


def sync() -> int:
    """Bring the index up to date; the company change sequence it now reflects."""
    assert _directory is not None, "start() runs first"
    return _directory.sync().seq


def pid() -> int:
    return os.getpid()
