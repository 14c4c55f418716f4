"""Claims on incoming Slack requests, so a retry of one request is processed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from models.scheduling import ProcessedRequest


def claim_request(session: Session, *, key: str, at: datetime) -> bool:
    """Insert the claim row for `key`; False when another request already claimed it."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (insert(ProcessedRequest).values(key=key, at=at).on_conflict_do_nothing(index_elements=["key"])
                .returning(ProcessedRequest.key))
        # Core execution: the ORM's bulk-insert path reports no rowcount on PostgreSQL.
        return session.connection().execute(stmt).first() is not None
    try:  # other backends: the unique key decides
        with session.begin_nested():
            session.add(ProcessedRequest(key=key, at=at))
        return True
    except IntegrityError:
        return False


def prune_requests(session: Session, *, before: datetime) -> int:
    """Delete claims older than `before` (Slack stops retrying after minutes)."""
    result = session.connection().execute(delete(ProcessedRequest).where(col(ProcessedRequest.at) < before))
    return result.rowcount or 0


def count_requests(session: Session) -> int:
    from sqlalchemy import func, select

    return session.execute(select(func.count()).select_from(ProcessedRequest)).scalar_one()


def release_request(session: Session, *, key: str) -> None:
    """Delete the claim for `key` (a request that turned out to have no listener leaves no row)."""
    session.connection().execute(delete(ProcessedRequest).where(col(ProcessedRequest.key) == key))
