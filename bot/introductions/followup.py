"""Follow-up answers in Slack: where the question was, and showing the recorded answer."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import service

log = logging.getLogger(__name__)


def message_ref(body: dict) -> dict:
    """The follow-up message that was clicked (to show the answer in place of the buttons)."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return {"channel": None, "ts": None}
    return {"channel": container.get("channel_id"), "ts": container.get("message_ts")}


def check_can_answer(ctx: BotContext, *, intro_id: int, user_id: str) -> service.Result:
    return service.can_answer(ctx, intro_id=intro_id, user_id=user_id)


def show_answer(ctx: BotContext, *, intro_id: int, user_id: str, outcome: str, deal_value: float | None,
                channel: str | None, ts: str | None) -> None:
    other = service.can_answer(ctx, intro_id=intro_id, user_id=user_id)
    answered = blocks.followup_answered(currency=ctx.settings.deal_currency,
                                        other_name=other.message if other.ok else "your partner",
                                        outcome=outcome, deal_value=deal_value)
    label = blocks.OUTCOME_LABELS.get(outcome, outcome)
    try:
        if channel and ts:
            ctx.client.chat_update(channel=channel, ts=ts, blocks=answered, text=f"Thanks! Recorded: {label}")
        else:
            ctx.client.chat_postMessage(channel=user_id, blocks=answered, text=f"Thanks! Recorded: {label}")
    except SlackApiError as exc:
        log.warning("introduction %s: could not show the answer: %s", intro_id, exc)


def unanswered_for(ctx: BotContext, *, user_id: str, limit: int = 3) -> list[tuple[int, str, int]]:
    """(introduction id, the other company's name, days since introduced) of the follow-ups the
    user's company has not answered yet, oldest first (the nudge's "Answer now")."""
    from sqlalchemy import and_, exists, or_, select
    from sqlalchemy.orm import aliased

    from models import Company, Introduction, IntroState, Outcome
    from models.company import get_company_for_user
    from models.db import session_scope

    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        company = get_company_for_user(session, slack_user_id=user_id)
        if company is None:
            return []
        other = aliased(Company)
        mine = or_(Introduction.requester_company_id == company.id, Introduction.target_company_id == company.id)
        answered = exists().where(and_(Outcome.introduction_id == Introduction.id, Outcome.company_id == company.id))
        other_id = (Introduction.target_company_id + Introduction.requester_company_id - company.id)
        rows = session.execute(
            select(Introduction.id, other.name, Introduction.introduced_at)
            .join(other, other.id == other_id)
            .where(mine, Introduction.state == IntroState.INTRODUCED.value,
                   Introduction.followup_sent_at.is_not(None), ~answered)
            .order_by(Introduction.introduced_at, Introduction.id).limit(limit)).all()
    return [(int(i), str(name), max(0, (now - at).days) if at else 0) for i, name, at in rows]


def show_later(ctx: BotContext, *, intro_id: int, user_id: str, reminder: bool, channel: str | None,
               ts: str | None) -> None:
    """"Not yet": the question gives way to when it comes back (the reminder, else the monthly check-in)."""
    other = service.can_answer(ctx, intro_id=intro_id, user_id=user_id)
    if not other.ok:
        ctx.client.chat_postMessage(channel=user_id, text=other.message)
        return
    later = blocks.followup_later(other_name=other.message, reminder=reminder)
    try:
        if channel and ts:
            ctx.client.chat_update(channel=channel, ts=ts, blocks=later, text="I'll ask again later")
        else:
            ctx.client.chat_postMessage(channel=user_id, blocks=later, text="I'll ask again later")
    except SlackApiError as exc:
        log.warning("introduction %s: could not show 'not yet': %s", intro_id, exc)
