"""The directory shared by a process: an index snapshot, kept in step with the database.

Change detection is O(1) per ask: one primary-key read of the change sequences that database
triggers bump in the same transaction as every profile or introduction write
(`models.changes`). When the company sequence moved, the rows changed since the snapshot's
sequence are read (indexed) and applied to a copy-on-write fork of the index, which is then
published by swapping one reference. So a profile edited by any process or replica shows in
the next answer without a rebuild and without scanning the table.

Readers never wait for each other: an ask takes the current snapshot (immutable once
published) and ranks on it without a lock (as many at once as there are cores:
RANKING_SLOTS). Only applying a change is serialised (one updater at a time); an ask that
needs that change waits for it, the others keep answering from the snapshot they have. Open-introduction counts are re-read only when the introduction sequence
moved.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.matching import persist
from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import AnalysisCache, Ranking, rank
# The ranking path reads through models.reads (SQLAlchemy Core): no ORM, no table class imported.
from models import reads

log = logging.getLogger(__name__)

SERVICE_KEY = "directory"
# More changed rows than this share of the directory: a full reload beats a fork plus upserts.
RELOAD_SHARE = 0.25
READ_CHUNK = 500
# Asks ranked at once: as many as cores. Ranking is CPU-bound under one GIL; more threads at
# it only share it out (every answer of a burst late, none early) and starve the threads that
# acknowledge requests. The snapshot itself needs no lock.
RANKING_SLOTS = max(2, os.cpu_count() or 2)
FREEZE_EVERY = 5_000
# From this size the built index is saved for the next start (a smaller one builds in a second).
PERSIST_FROM = 5_000

_T = reads.company


def record_from_row(row) -> ProfileRecord:
    return ProfileRecord(
        company_id=row.id, name=row.name, partner_type=row.partner_type or "",
        capabilities=tuple(row.capabilities or ()), industries=tuple(row.industries or ()),
        regions=tuple(row.regions or ()), certifications=tuple(row.certifications or ()),
        description=row.description or "", capacity=row.capacity or "open", paused=bool(row.paused),
        paused_until=row.paused_until, deleted=row.deleted_at is not None, updated_at=row.updated_at,
    )


@dataclass(frozen=True)
class Snapshot:
    """An index and the company change sequence it reflects. Never changed once published."""

    index: DirectoryIndex
    seq: int


@dataclass(frozen=True)
class _OpenCounts:
    seq: int
    counts: dict[int, int]


class Directory:
    def __init__(self, engine: Engine, index: DirectoryIndex | None = None, *, persist_from: int | None = None) -> None:
        """`persist_from`: save a built index of this many profiles or more for the next start
        (default PERSIST_FROM; `partnerbot match`, a process per ask, saves any size)."""
        self.engine = engine
        self._seed = index  # the (empty) index to load into first: tests pass one
        self.cache = AnalysisCache()
        self._snapshot: Snapshot | None = None
        self._open: _OpenCounts | None = None
        self._updating = threading.Lock()  # one updater at a time; readers never take it
        self._ranking_slots = threading.BoundedSemaphore(RANKING_SLOTS)
        self._url = engine.url.render_as_string(hide_password=False)
        self._tried_file = False
        self.saving: threading.Thread | None = None  # the index being saved for the next start
        self.persist_from = persist_from

    @property
    def index(self) -> DirectoryIndex:
        """The current snapshot's index (loading it first if needed)."""
        return (self._snapshot or self.sync()).index

    @property
    def loaded(self) -> Snapshot | None:
        """The current snapshot, or None before the first load (for /readyz and /metrics)."""
        return self._snapshot

    # -- keeping in step -------------------------------------------------------------------
    def sync(self) -> Snapshot:
        """The snapshot for the database as it is now (applying what changed since)."""
        with self.engine.connect() as conn:
            return self._current(conn, reads.current(conn))

    def _current(self, conn: Connection, seqs: dict[str, int]) -> Snapshot:
        wanted = seqs.get(reads.COMPANY, 0)
        snap = self._snapshot
        if snap is not None and snap.seq == wanted:
            return snap
        with self._updating:
            snap = self._snapshot
            if snap is None:
                snap = self._full_load(conn)
            elif snap.seq < wanted:
                snap = self._apply_changes(conn, snap)
            elif snap.seq > wanted and reads.current(conn).get(reads.COMPANY, 0) < snap.seq:
                snap = self._full_load(conn)  # the sequence went back: a restored or emptied database
            # else another thread applied this change (or a newer one) while this one waited
            self._snapshot = snap
            return snap

    def _apply_changes(self, conn: Connection, snap: Snapshot) -> Snapshot:
        changed = reads.companies_changed_since(conn, snap.seq)
        if not changed:  # the change log was emptied under the counter: nothing to re-read
            return Snapshot(snap.index, reads.current(conn).get(reads.COMPANY, 0))
        if len(changed) > max(1000, RELOAD_SHARE * snap.index.live):
            return self._full_load(conn)
        started = time.perf_counter()
        index = snap.index.fork()
        ids = [cid for cid, _seq in changed]
        seen: set[int] = set()
        for start in range(0, len(ids), READ_CHUNK):
            for row in conn.execute(select(_T).where(_T.c.id.in_(ids[start:start + READ_CHUNK]))):
                seen.add(row.id)
                index.upsert(record_from_row(row))
        for cid in set(ids) - seen:  # hard-deleted
            index.remove(cid)
        index.maybe_compact()
        index.semantic.embed_pending()  # the changed profiles' new phrases: before readers see it
        seq = max(s for _cid, s in changed)
        log.debug("directory: %d changed profiles applied in %.1f ms (seq %d)", len(changed),
                  (time.perf_counter() - started) * 1000, seq)
        return Snapshot(index, seq)

    def _full_load(self, conn: Connection) -> Snapshot:
        seqs = reads.current(conn)  # first: a change committed during the read is applied next time
        database = seqs.get(reads.DATABASE)
        path = persist.index_path(self._url) if database is not None and self._seed is None else None
        if path is not None and not self._tried_file:
            self._tried_file = True  # once: a file too far behind is rebuilt, not loaded again
            loaded = persist.load_index(path, database, quiet=self.persist_from is not None)
            if loaded is not None and loaded[1] <= seqs.get(reads.COMPANY, 0):
                gc.freeze()
                return self._apply_changes(conn, Snapshot(*loaded))
        started = time.perf_counter()
        index = self._seed if self._seed is not None else DirectoryIndex(*persist.matching_data())
        self._seed = None
        self.cache = AnalysisCache()
        last_id = None
        while True:  # by pages: every read well inside the statement timeout, a page in memory at once
            page = select(_T).where(_T.c.deleted_at.is_(None)).order_by(_T.c.id).limit(FREEZE_EVERY)
            rows = conn.execute(page if last_id is None else page.where(_T.c.id > last_id)).all()
            for row in rows:
                index.upsert(record_from_row(row))
            if len(rows) < FREEZE_EVERY:
                break
            last_id = rows[-1].id
            gc.freeze()
        # The index's millions of objects live as long as the snapshot: out of the collector's
        # sight (the permanent generation), full collections stay short however large the
        # directory. Also after every page of FREEZE_EVERY profiles while building: else each full
        # collection walks all that is built so far (at 100k, pauses of 0.3-0.6 s, a third of the build).
        _embed(index)
        gc.freeze()
        log.log(logging.INFO if index.live >= PERSIST_FROM else logging.DEBUG, "directory: index of %d profiles built "
                "in %.1f s", index.live, time.perf_counter() - started)
        snap = Snapshot(index, seqs.get(reads.COMPANY, 0))
        if path is not None and index.live >= (PERSIST_FROM if self.persist_from is None else self.persist_from):
            # In the background: the snapshot is published and never changes.
            self.saving = threading.Thread(target=persist.save_index, args=(path, index, snap.seq, database, self.persist_from is not None),
                                           daemon=True, name="save-index")
            self.saving.start()
        return snap

    def _open_counts(self, conn: Connection, seqs: dict[str, int]) -> dict[int, int]:
        wanted = seqs.get(reads.INTRODUCTION, 0)
        cached = self._open
        if cached is not None and cached.seq == wanted:
            return cached.counts
        counts = reads.open_intro_counts(conn)
        self._open = _OpenCounts(wanted, counts)
        return counts

    # -- asking -----------------------------------------------------------------------------
    def state(self, conn: Connection) -> tuple[Snapshot, dict[int, int]]:
        """The snapshot and open-introduction counts for the database as it is now, read on
        `conn` (a caller with its own reads to do passes its connection: one round trip less)."""
        seqs = reads.current(conn)
        return self._current(conn, seqs), self._open_counts(conn, seqs)

    def state_at(self, seqs: dict[str, int]) -> tuple[Snapshot, dict[int, int]]:
        """`state()` for sequences another process read (a ranking worker's asks): no round trip
        when the snapshot and the counts are those of `seqs`."""
        snap, counts = self._snapshot, self._open
        if (snap is not None and counts is not None and snap.seq == seqs.get(reads.COMPANY, 0)
                and counts.seq == seqs.get(reads.INTRODUCTION, 0)):
            return snap, counts.counts
        with self.engine.connect() as conn:
            return self._current(conn, seqs), self._open_counts(conn, seqs)

    def rank(self, text: str, *, today: date, exclude_company_id: int | None = None, max_open: int | None = None,
             top: int = 5, industry: str | None = None, region: str | None = None,
             state: tuple[Snapshot, dict[int, int]] | None = None) -> Ranking:
        """Rank on the current snapshot (no lock: the snapshot does not change under a reader).
        `state`: from `state()` just before, else read here."""
        if state is None:
            with self.engine.connect() as conn:
                state = self.state(conn)
        snap, counts = state
        with self._ranking_slots:
            ask = parse_ask(text, snap.index, industry=industry, region=region)
            return rank(snap.index, ask, today=today, exclude_company_id=exclude_company_id,
                        open_counts=counts, max_open=max_open, top=top, cache=self.cache)


def _embed(index: DirectoryIndex) -> None:
    """The profiles' phrase vectors (semantic retrieval), with progress in the log for a large
    directory; saved with the index, so a restart does not embed again."""
    pending = index.semantic.pending
    if not pending:
        return
    level = logging.INFO if index.live >= PERSIST_FROM else logging.DEBUG
    started = time.perf_counter()
    marks = iter(range(1, 11))
    next_mark = [next(marks)]

    def progress(done: int, total: int) -> None:
        if total >= 20_000 and done >= next_mark[0] * total / 10:
            log.log(level, "directory: embedding profile phrases, %d of %d (%d%%)", done, total, 100 * done // total)
            next_mark[0] = next(marks, 11)

    phrases = index.semantic.embed_pending(progress=progress)
    log.log(level, "directory: %d distinct profile phrases embedded in %.1f s", phrases, time.perf_counter() - started)


_services_lock = threading.Lock()


def get_directory(services: dict, engine: Engine) -> Directory:
    """The process's directory, made on first use (thread-safe)."""
    directory = services.get(SERVICE_KEY)
    if directory is None:
        with _services_lock:
            directory = services.get(SERVICE_KEY)
            if directory is None:
                directory = services[SERVICE_KEY] = Directory(engine)
    return directory
