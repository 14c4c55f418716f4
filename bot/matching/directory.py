"""The directory shared by a process: the index, kept in step with the database.

Before each query it reads only what changed: the (id, updated_at) of rows stamped after the
watermark (for a few seconds after it moves, from a little before it, for transactions that
committed late), then the full rows of those that differ from the index. So a profile edited
by any process or replica shows in the next answer without a rebuild. A safety pass (every
query on a small directory, every few seconds on a large one) compares all (id, updated_at)
pairs, re-reads pause/capacity/delete flags and the row count; a count that disagrees with
the index (a hard delete) triggers a full reload.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import AnalysisCache, Ranking, rank
from models.company import Company
from models.introduction import open_intro_counts

SERVICE_KEY = "directory"
LATE_COMMIT_SLACK = timedelta(seconds=5)
# The safety pass: writers whose clocks disagree (another replica, a test's fake clock) can
# stamp an edit older than the watermark, and a writer might change pause/capacity/delete
# without stamping. A scan of (id, updated_at), the status flags and the row count catch
# those: on every query for a small directory, at most every few seconds for a large one.
VERIFY_ALWAYS_BELOW = 2_000
VERIFY_EVERY_S = 5.0

_T = Company.__table__


def record_from_row(row) -> ProfileRecord:
    return ProfileRecord(
        company_id=row.id, name=row.name, partner_type=row.partner_type or "",
        capabilities=tuple(row.capabilities or ()), industries=tuple(row.industries or ()),
        regions=tuple(row.regions or ()), certifications=tuple(row.certifications or ()),
        description=row.description or "", capacity=row.capacity or "open", paused=bool(row.paused),
        paused_until=row.paused_until, deleted=row.deleted_at is not None, updated_at=row.updated_at,
    )


class Directory:
    def __init__(self, engine: Engine, index: DirectoryIndex | None = None) -> None:
        self.engine = engine
        self.index = index or DirectoryIndex()
        self.cache = AnalysisCache()
        self.lock = threading.RLock()
        self.watermark: datetime | None = None
        self._flagged: set[int] = set()  # ids whose status was non-default at the last sync
        self._verified_at = 0.0
        self._watermark_moved_at = 0.0

    def sync(self) -> None:
        with self.lock, self.engine.connect() as conn:
            if self.watermark is None:
                self._full_load(conn)
                return
            now = time.monotonic()
            safety_pass = self.index.live < VERIFY_ALWAYS_BELOW or now - self._verified_at >= VERIFY_EVERY_S
            self._apply_changes(conn, verify=safety_pass)
            if safety_pass:
                self._verified_at = now
                self._sync_status(conn)
                live = conn.execute(select(func.count()).select_from(_T).where(_T.c.deleted_at.is_(None))).scalar_one()
                if live != self.index.live:
                    self._full_load(conn)
                    return
            self.index.maybe_compact()

    def _apply_changes(self, conn, *, verify: bool) -> None:
        """Re-read only rows whose (id, updated_at) differ from the index's: those stamped
        since the watermark, or (the safety pass) any row at all."""
        index = self.index
        if verify:
            pairs = conn.execute(select(_T.c.id, _T.c.updated_at).where(_T.c.deleted_at.is_(None)))
        elif time.monotonic() - self._watermark_moved_at <= 2 * LATE_COMMIT_SLACK.total_seconds():
            # A transaction that started before the newest write may still commit an older stamp.
            pairs = conn.execute(select(_T.c.id, _T.c.updated_at).where(
                _T.c.updated_at >= self.watermark - LATE_COMMIT_SLACK))
        else:
            pairs = conn.execute(select(_T.c.id, _T.c.updated_at).where(_T.c.updated_at > self.watermark))
        stale = []
        for cid, ts in pairs:
            slot = index.slot_of.get(cid)
            if slot is None or index.records[slot].updated_at != ts:
                stale.append(cid)
            if ts is not None and ts > self.watermark:
                self.watermark = ts
                self._watermark_moved_at = time.monotonic()
        for start in range(0, len(stale), 500):
            for row in conn.execute(select(_T).where(_T.c.id.in_(stale[start:start + 500]))):
                index.upsert(record_from_row(row))

    def _full_load(self, conn) -> None:
        self.index._reset()
        self.cache = AnalysisCache()
        latest = None
        for row in conn.execute(select(_T).order_by(_T.c.id)):
            self.index.upsert(record_from_row(row))
            latest = row.updated_at if latest is None or row.updated_at > latest else latest
        self.watermark = latest or datetime(1970, 1, 1, tzinfo=datetime.now().astimezone().tzinfo)
        self._watermark_moved_at = self._verified_at = time.monotonic()
        self._flagged = {cid for cid, slot in self.index.slot_of.items()
                         if self.index.records[slot].status != ("open", False, None, False)}

    def _sync_status(self, conn) -> None:
        """Pause, resume, capacity and delete, even when a writer did not bump updated_at."""
        stmt = select(_T.c.id, _T.c.capacity, _T.c.paused, _T.c.paused_until, _T.c.deleted_at).where(
            or_(_T.c.paused.is_(True), _T.c.deleted_at.is_not(None), _T.c.capacity != "open"))
        flagged: set[int] = set()
        for cid, capacity, paused, paused_until, deleted_at in conn.execute(stmt):
            flagged.add(cid)
            self._apply_status(cid, capacity, bool(paused), paused_until, deleted_at is not None)
        for cid in self._flagged - flagged:  # back to open and unpaused
            self._apply_status(cid, "open", False, None, False)
        self._flagged = flagged

    def _apply_status(self, cid: int, capacity: str, paused: bool, paused_until: date | None, deleted: bool) -> None:
        slot = self.index.slot_of.get(cid)
        if slot is None:
            return
        if deleted:
            self.index.remove(cid)
            return
        rec = self.index.records[slot]
        if (rec.capacity, rec.paused, rec.paused_until) != (capacity or "open", paused, paused_until):
            self.index.set_status(slot, dataclasses.replace(rec, capacity=capacity or "open", paused=paused,
                                                             paused_until=paused_until))

    def rank(self, text: str, *, today: date, exclude_company_id: int | None = None, max_open: int | None = None,
             top: int = 5, industry: str | None = None, region: str | None = None) -> Ranking:
        """Sync, then rank. Holding the lock keeps the index still while it is read."""
        with self.lock:
            self.sync()
            with Session(self.engine) as session:
                counts = open_intro_counts(session)
            ask = parse_ask(text, self.index, industry=industry, region=region)
            return rank(self.index, ask, today=today, exclude_company_id=exclude_company_id,
                        open_counts=counts, max_open=max_open, top=top, cache=self.cache)


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
