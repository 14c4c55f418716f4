"""The /findpartner answer path's database work in SQLAlchemy Core (bot/matching/service.py):
the same answers as the ORM queries it replaced, in two round trips."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from models import reads
from models.ask import Ask
from models.asks import insert_ask, record_ask
from models.company import Company, companies_with_members, get_company_for_user
from models.db import session_scope
from tests.matching_data import ASKER, tucson_directory


def test_the_askers_company_and_the_linked_partners_read_in_core_match_the_orm_queries(engine):
    ids = tucson_directory(engine)
    with session_scope(engine) as s:
        s.get(Company, ids["Berlin Bakery IT"]).deleted_at = datetime.now(UTC)
    every = list(ids.values())
    with Session(engine) as session, engine.connect() as conn:
        for user in (ASKER, "U0CALENCE1", "U0BERLIN01", "U0NOBODY01"):
            orm = get_company_for_user(session, slack_user_id=user)
            assert reads.company_id_of_user(conn, user) == (orm.id if orm else None)
        assert reads.company_id_of_user(conn, "U0BERLIN01") is None  # its company is deleted
        assert reads.companies_with_members(conn, every) == companies_with_members(session, every)
        assert ids["Unlinked UC"] not in reads.companies_with_members(conn, every)
        assert reads.companies_with_members(conn, []) == set()


def test_an_ask_inserted_in_core_is_the_row_record_ask_writes(engine):
    when = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    values = dict(asker_user_id=ASKER, company_id=None, text="x" * 3100, needs=["n" * 250], results=[],
                  unmet=True, created_at=when, industry="", region="Texas", unmet_needs=None)
    with engine.begin() as conn:
        core_id = insert_ask(conn, **values)
    with session_scope(engine) as session:
        orm_id = record_ask(session, **values).id
    with Session(engine) as session:
        rows = {a.id: a for a in session.exec(select(Ask))}
    columns = [c.name for c in Ask.__table__.columns if c.name != "id"]
    assert core_id != orm_id
    assert {c: getattr(rows[core_id], c) for c in columns} == {c: getattr(rows[orm_id], c) for c in columns}
    core = rows[core_id]
    assert len(core.text) == 3000 and core.needs == ["n" * 200] and core.industry is None
    assert core.unmet_needs == [] and core.created_at == when and core.matches_shown == 0
