"""The directory learns of changes through the change sequences (one tiny read per ask, no scan
of the company table), applies them to a fork, and readers rank concurrently on snapshots
that never change under them. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, event, update

from bot.matching.directory import Directory
from models.company import Company
from models.db import session_scope
from models.introduction import Introduction
from tests.matching_data import add_company, tucson_directory

TODAY = date(2026, 11, 2)


def names(ranking) -> list[str]:
    return [m.company for m in ranking.matches]


class Statements:
    """The SQL an engine runs while recording."""

    def __init__(self, engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(" ".join(statement.lower().split()))

    def reading(self, table: str) -> list[str]:
        pattern = re.compile(rf'\bfrom "?{table}"?(\s|$)')
        return [s for s in self.seen if pattern.search(s)]


def test_an_unchanged_directory_costs_one_tiny_read_per_ask(engine):
    tucson_directory(engine)
    directory = Directory(engine)
    assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    sql = Statements(engine)
    for _ in range(3):
        assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    assert sql.reading("company") == [] and sql.reading("company_change") == []
    assert sql.reading("introduction") == []  # open counts are kept until an introduction changes
    assert len(sql.reading("change_counter")) == 3


def test_writes_of_any_kind_are_seen_through_the_change_log_without_a_reload(engine, monkeypatch):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    monkeypatch.setattr(directory, "_full_load", lambda conn: (_ for _ in ()).throw(AssertionError("reloaded")))
    sql = Statements(engine)
    table = Company.__table__
    with engine.begin() as conn:  # a Core update that stamps nothing (not the ORM, no updated_at)
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(
            capabilities=["sourdough robotics"]))
    assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]
    # Only the changed row was read, by id; the table was not scanned.
    reads = sql.reading("company")
    assert len(reads) == 1 and "where company.id in" in reads[0], reads
    with engine.begin() as conn:  # paused without a stamp, then a hard delete
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(paused=True))
    assert names(directory.rank("sourdough robotics", today=TODAY)) == []
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(paused=False))
    assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.id == ids["Berlin Bakery IT"]))
    assert names(directory.rank("sourdough robotics", today=TODAY)) == []
    new_id = add_company(engine, "Sourdough Bots", capabilities=["sourdough robotics"])
    assert [m.company_id for m in directory.rank("sourdough robotics", today=TODAY).matches] == [new_id]


def test_open_introduction_counts_are_reread_only_when_an_introduction_changes(engine):
    ids = {n: add_company(engine, n, capabilities=["unified communications installation"]) for n in ("Busy", "Free")}
    directory = Directory(engine)
    assert set(names(directory.rank("UC installation", today=TODAY, max_open=1))) == {"Busy", "Free"}
    from models.ask import Ask

    with session_scope(engine) as s:
        ask = Ask(asker_user_id="U0X", text="x")
        s.add(ask)
        s.flush()
        s.add(Introduction(ask_id=ask.id, requester_user_id="U0X", target_company_id=ids["Busy"], state="requested",
                           created_at=datetime.now(UTC), updated_at=datetime.now(UTC)))
    assert names(directory.rank("UC installation", today=TODAY, max_open=1)) == ["Free"]


def test_a_published_snapshot_never_changes_under_its_readers(engine):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    before = directory.sync()
    with session_scope(engine) as s:
        s.get(Company, ids["Berlin Bakery IT"]).capabilities = ["sourdough robotics"]
    after = directory.sync()
    assert after is not before and after.seq > before.seq
    old, new = before.index, after.index
    assert old.records[old.slot_of[ids["Berlin Bakery IT"]]].capabilities == ("bakery inventory software",)
    assert "c:sourdough" not in old.postings and old.live == new.live
    assert new.records[new.slot_of[ids["Berlin Bakery IT"]]].capabilities == ("sourdough robotics",)
    # The parent's postings were copied before the fork wrote to them.
    for key, p in new.postings.items():
        if key in old.postings and len(p.slots) != len(old.postings[key].slots):
            assert p is not old.postings[key]


def test_asks_rank_concurrently_while_profiles_change(engine):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    directory.sync()
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                found = names(directory.rank("UC install in Tucson", today=TODAY))
                assert "Unlinked UC" in found, found
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=ask) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for n in range(15):
            with session_scope(engine) as s:
                s.get(Company, ids["Berlin Bakery IT"]).capabilities = [f"bakery robotics {n}"]
            add_company(engine, f"Extra {n}", capabilities=["cloud migration"])
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert errors == []
    assert names(directory.rank("bakery robotics 14", today=TODAY))[0] == "Berlin Bakery IT"
    assert directory.index.live == len(ids) + 15


def test_a_transaction_of_many_writes_is_seen_whole(engine):
    ids = {n: add_company(engine, n, capabilities=["cloud migration"]) for n in ("A", "B", "C")}
    directory = Directory(engine)
    before = directory.sync().seq
    table = Company.__table__
    with engine.begin() as conn:
        for cid in ids.values():
            conn.execute(update(table).where(table.c.id == cid).values(capabilities=["sourdough robotics"]))
    assert sorted(names(directory.rank("sourdough robotics", today=TODAY, top=5))) == ["A", "B", "C"]
    if engine.dialect.name == "postgresql":  # one step per transaction, whatever its size
        assert directory.sync().seq == before + 1


def test_a_long_transaction_does_not_hold_up_other_profile_saves(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    ids = {n: add_company(engine, n, capabilities=["cloud migration"]) for n in ("Slow", "Quick")}
    directory = Directory(engine)
    directory.sync()
    table = Company.__table__
    with engine.connect() as slow:  # a bulk import still running
        slow_tx = slow.begin()
        slow.execute(update(table).where(table.c.id == ids["Slow"]).values(capabilities=["sourdough robotics"]))
        with engine.begin() as quick:  # another profile saved meanwhile: not blocked
            quick.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            quick.execute(update(table).where(table.c.id == ids["Quick"]).values(capabilities=["sourdough robotics"]))
        assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Quick"]
        slow_tx.commit()
    assert sorted(names(directory.rank("sourdough robotics", today=TODAY))) == ["Quick", "Slow"]


def test_a_directory_larger_than_a_page_loads_whole(engine, monkeypatch):
    from bot.matching import directory as directory_module

    ids = tucson_directory(engine)
    monkeypatch.setattr(directory_module, "FREEZE_EVERY", 2)  # pages of two profiles
    with session_scope(engine) as s:  # a deleted one is left out
        s.get(Company, ids["Unlinked UC"]).deleted_at = datetime.now(UTC)
    directory = Directory(engine)
    assert directory.index.live == len(ids) - 1
    assert {directory.index.records[slot].name for slot in directory.index.slot_of.values()} == set(ids) - {
        "Unlinked UC"}
