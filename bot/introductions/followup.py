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
    answered = blocks.followup_answered(other_name=other.message if other.ok else "your partner",
                                        outcome=outcome, deal_value=deal_value)
    label = blocks.OUTCOME_LABELS.get(outcome, outcome)
    try:
        if channel and ts:
            ctx.client.chat_update(channel=channel, ts=ts, blocks=answered, text=f"Thanks! Recorded: {label}")
        else:
            ctx.client.chat_postMessage(channel=user_id, blocks=answered, text=f"Thanks! Recorded: {label}")
    except SlackApiError as exc:
        log.warning("introduction %s: could not show the answer: %s", intro_id, exc)
