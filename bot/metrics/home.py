"""The App Home's data: the user's profile, asks and introductions; for managers the pending
approvals and the week's headline figures. Bounded queries (newest N), so the view is quick
whatever the database size."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from bot.blocks.home import home_view
from bot.context import BotContext
from bot.metrics.figures import headline
from models import Ask, Company, Introduction, IntroState
from models.company import get_company_for_user
from models.db import session_scope

ASKS_SHOWN = 8
INTROS_SHOWN = 10
PENDING_SHOWN = 15


def _asks(session, *, user_id: str, company_id: int | None) -> list[dict]:
    mine = Ask.asker_user_id == user_id
    if company_id is not None:
        mine = or_(mine, Ask.company_id == company_id)
    intro_counts = (select(Introduction.ask_id, func.count().label("n")).group_by(Introduction.ask_id).subquery())
    rows = session.execute(
        select(Ask.id, Ask.text, Ask.created_at, Ask.matches_shown, Ask.unmet, func.coalesce(intro_counts.c.n, 0),
               Ask.asker_user_id)
        .outerjoin(intro_counts, intro_counts.c.ask_id == Ask.id)
        .where(mine).order_by(Ask.created_at.desc(), Ask.id.desc()).limit(ASKS_SHOWN)
    ).all()
    return [{"id": r[0], "text": r[1], "created_at": r[2], "matches_shown": r[3], "unmet": r[4], "intros": r[5],
             "mine": r[6] == user_id} for r in rows]


def _intros(session, *, user_id: str, company_id: int | None) -> list[dict]:
    other = aliased(Company)
    mine = Introduction.requester_user_id == user_id
    if company_id is not None:
        mine = or_(mine, Introduction.requester_company_id == company_id, Introduction.target_company_id == company_id)
    asked_by_us = Introduction.requester_user_id == user_id
    if company_id is not None:
        asked_by_us = or_(asked_by_us, Introduction.requester_company_id == company_id)
    other_id = func.coalesce(
        func.nullif(Introduction.target_company_id, company_id if company_id is not None else -1),
        Introduction.requester_company_id)
    rows = session.execute(
        select(Introduction.id, Introduction.state, Introduction.created_at, Introduction.channel_id,
               asked_by_us, other.name)
        .outerjoin(other, other.id == other_id)
        .where(mine).order_by(Introduction.created_at.desc(), Introduction.id.desc()).limit(INTROS_SHOWN)
    ).all()
    return [{"id": r[0], "state": r[1], "created_at": r[2], "channel_id": r[3], "requested_by_you": bool(r[4]),
             "other": r[5] or "a partner"} for r in rows]


def _pending(session) -> tuple[list[dict], int]:
    requester, target = aliased(Company), aliased(Company)
    pending = Introduction.state == IntroState.REQUESTED.value
    total = session.execute(select(func.count()).select_from(Introduction).where(pending)).scalar() or 0
    rows = session.execute(
        select(Introduction.id, Introduction.created_at, Introduction.requester_user_id, requester.name, target.name,
               Ask.text)
        .join(target, target.id == Introduction.target_company_id)
        .outerjoin(requester, requester.id == Introduction.requester_company_id)
        .join(Ask, Ask.id == Introduction.ask_id)
        .where(pending).order_by(Introduction.created_at, Introduction.id).limit(PENDING_SHOWN)
    ).all()
    return ([{"id": r[0], "created_at": r[1], "requester_user_id": r[2], "requester": r[3], "target": r[4],
              "ask": r[5]} for r in rows], int(total))


def build_home(ctx: BotContext, *, user_id: str) -> dict:
    now = ctx.clock.now()
    is_manager = ctx.settings.is_manager(user_id)
    with session_scope(ctx.engine) as session:
        company = get_company_for_user(session, slack_user_id=user_id)
        company_id = company.id if company else None
        asks = _asks(session, user_id=user_id, company_id=company_id)
        intros = _intros(session, user_id=user_id, company_id=company_id)
        pending, pending_total, figures = [], 0, None
        if is_manager:
            pending, pending_total = _pending(session)
            figures = headline(session, start=now - timedelta(days=7), end=now)
        return home_view(company=company, asks=asks, intros=intros, is_manager=is_manager, pending=pending,
                         pending_total=pending_total, figures=figures, today=now.date(), now=now,
                         currency=ctx.settings.deal_currency)
