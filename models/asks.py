"""Query functions for asks (the table is `models.ask.Ask`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlmodel import Session

from models.ask import Ask


def record_ask(
    session: Session,
    *,
    asker_user_id: str,
    company_id: int | None,
    text: str,
    needs: list[str],
    results: list[dict],
    unmet: bool,
    created_at: datetime,
    industry: str | None = None,
    region: str | None = None,
    context: str | None = None,
    timing: str | None = None,
    unmet_needs: list[str] | None = None,
) -> Ask:
    """Record what was asked and what was shown (the id goes on each Request intro button).

    `unmet_needs`: the needs no shown partner covers; an unmet ask with no needs read is
    recorded by its text, so the recruiting list still says what was asked."""
    ask = Ask(**ask_values(asker_user_id=asker_user_id, company_id=company_id, text=text, needs=needs,
                           results=results, unmet=unmet, created_at=created_at, industry=industry, region=region,
                           context=context, timing=timing, unmet_needs=unmet_needs))
    session.add(ask)
    session.flush()
    return ask


def insert_ask(conn: Connection, **values) -> int:
    """`record_ask` in SQLAlchemy Core on a connection (the /findpartner answer path: no ORM
    unit of work); the new ask's id."""
    return conn.execute(insert(Ask.__table__).values(**ask_values(**values))).inserted_primary_key[0]


def ask_values(*, asker_user_id: str, company_id: int | None, text: str, needs: list[str], results: list[dict],
               unmet: bool, created_at: datetime, industry: str | None = None, region: str | None = None,
               context: str | None = None, timing: str | None = None, unmet_needs: list[str] | None = None) -> dict:
    """The Ask row's columns, cut to their sizes."""
    if unmet and not unmet_needs and not needs:
        unmet_needs = [text]
    return dict(
        asker_user_id=asker_user_id, company_id=company_id, text=text[:3000],
        industry=(industry or None) and industry[:200], region=(region or None) and region[:200],
        context=(context or None) and context[:3000], timing=(timing or None) and timing[:200],
        needs=[n[:200] for n in needs], results=results, matches_shown=len(results), unmet=unmet,
        unmet_needs=[n[:200] for n in unmet_needs or []], created_at=created_at,
    )
