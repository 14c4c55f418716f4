"""Query functions for asks (the table is `models.ask.Ask`)."""

from __future__ import annotations

from datetime import datetime

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
    if unmet and not unmet_needs and not needs:
        unmet_needs = [text]
    ask = Ask(
        asker_user_id=asker_user_id, company_id=company_id, text=text[:3000],
        industry=(industry or None) and industry[:200], region=(region or None) and region[:200],
        context=(context or None) and context[:3000], timing=(timing or None) and timing[:200],
        needs=[n[:200] for n in needs], results=results, matches_shown=len(results), unmet=unmet,
        unmet_needs=[n[:200] for n in unmet_needs or []], created_at=created_at,
    )
    session.add(ask)
    session.flush()
    return ask
