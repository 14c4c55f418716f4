"""An ask's saved results, shown again: after a Request intro click (the button turns into
"✓ Requested — waiting for approval") and from the App Home ("See matches")."""

from __future__ import annotations

from sqlmodel import select

from bot.blocks.matches import saved_results_message
from bot.context import BotContext
from models import Ask, Introduction
from models.company import Company, companies_with_members
from models.db import session_scope


def saved_results(ctx: BotContext, *, ask_id: int, user_id: str, notice: str | None = None,
                  notice_button: dict | None = None) -> tuple[str, list[dict]] | None:
    """(fallback text, blocks) of the asker's own ask `ask_id`, or None when it is not theirs."""
    with session_scope(ctx.engine) as session:
        ask = session.get(Ask, ask_id)
        if ask is None or ask.asker_user_id != user_id:
            return None
        results = [r for r in (ask.results or []) if isinstance(r, dict)]
        requested = dict(session.exec(select(Introduction.target_company_id, Introduction.state)
                                      .where(Introduction.ask_id == ask_id)).all())
        linked = companies_with_members(session, [r["company_id"] for r in results if r.get("company_id")])
        has_profile = ask.company_id is not None
        title, needs = ask.text, list(ask.needs or [])
    return saved_results_message(ask_id=ask_id, title=title, needs=needs, results=results, linked=linked,
                                 requested={int(k): str(v) for k, v in requested.items()}, notice=notice,
                                 asker_has_profile=has_profile, notice_button=notice_button)


def shown_partner(ctx: BotContext, *, ask_id: int, company_id: int, user_id: str) -> Company | None:
    """The partner behind a View profile button: only one shown to this user for this ask."""
    with session_scope(ctx.engine) as session:
        ask = session.get(Ask, ask_id)
        if ask is None or ask.asker_user_id != user_id:
            return None
        if company_id not in {r.get("company_id") for r in ask.results or [] if isinstance(r, dict)}:
            return None
        company = session.get(Company, company_id)
        return company if company is not None and company.deleted_at is None else None


__all__ = ["saved_results", "shown_partner"]
