"""What the ranking path reads, in SQLAlchemy Core over light views of the tables.

No ORM, no SQLModel, no table class: `partnerbot match` and every ask read the change
sequences, the profiles and the open-introduction counts through this module, so a command
that only ranks does not import the ORM or define every table (a third of its start-up;
docs/performance.md). Each view names only the columns read here, with the column types of
the table classes (tests/test_models_reads.py checks them against `SQLModel.metadata`).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, column, func, select, table
from sqlalchemy.engine import Connection

from models.base import UTCDateTime
from models.sqlite_reads import COMPANY, DATABASE, INTRODUCTION, OPEN_STATES  # noqa: F401 (callers import them from here)

# The rows of change_counter (COMPANY, INTRODUCTION; DATABASE, a database's random identity) and
# the open introduction states are defined once, in models.sqlite_reads (no SQLAlchemy there).

company = table(
    "company",
    column("id", Integer), column("name", String), column("partner_type", String),
    column("capabilities", JSON), column("industries", JSON), column("regions", JSON),
    column("certifications", JSON), column("description", String), column("capacity", String),
    column("paused", Boolean), column("paused_until", Date), column("updated_at", UTCDateTime()),
    column("deleted_at", UTCDateTime()),
)
change_counter = table("change_counter", column("name", String), column("seq", BigInteger))
company_change = table("company_change", column("company_id", Integer), column("seq", BigInteger))
introduction = table("introduction", column("target_company_id", Integer), column("state", String))
member = table("member", column("slack_user_id", String), column("company_id", Integer))


def current(conn: Connection) -> dict[str, int]:
    """Each watched table's sequence (0 before its first change): one tiny read."""
    return dict(conn.execute(select(change_counter.c.name, change_counter.c.seq)).all())


def companies_changed_since(conn: Connection, seq: int) -> list[tuple[int, int]]:
    """(company id, its change seq) of every company changed after `seq`."""
    c = company_change.c
    return list(conn.execute(select(c.company_id, c.seq).where(c.seq > seq)).all())


def open_intro_counts(conn: Connection) -> dict[int, int]:
    """Open introductions per target company (for MAX_OPEN_INTROS), on a connection."""
    i = introduction.c
    stmt = select(i.target_company_id, func.count()).where(i.state.in_(OPEN_STATES)).group_by(i.target_company_id)
    return {company_id: count for company_id, count in conn.execute(stmt)}


def company_id_of_user(conn: Connection, user_id: str) -> int | None:
    """The (not deleted) company the Slack user belongs to, as `models.company.get_company_for_user`."""
    m, c = member.c, company.c
    stmt = (select(c.id).select_from(company.join(member, m.company_id == c.id))
            .where(m.slack_user_id == user_id, c.deleted_at.is_(None)).limit(1))
    return conn.execute(stmt).scalar()


def companies_with_members(conn: Connection, company_ids: list[int]) -> set[int]:
    """Which of `company_ids` have at least one Slack user (one query)."""
    if not company_ids:
        return set()
    m = member.c
    return set(conn.execute(select(m.company_id).where(m.company_id.in_(company_ids)).distinct()).scalars())
