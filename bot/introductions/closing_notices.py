"""What the people concerned are told when an introduction is declined or found not a fit."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions.approval_posts import update_approval_messages
from bot.introductions.lease import load
from bot.introductions.slack_errors import error_code
from bot.text import escape

log = logging.getLogger(__name__)

def after_decline(ctx: BotContext, intro_id: int) -> None:
    from bot.text import escape

    s = load(ctx, intro_id)
    if s is None:
        return
    update_approval_messages(ctx, s, approved=False)
    ctx.client.chat_postMessage(channel=s.intro.requester_user_id, unfurl_links=False, text=(
        f"Thank you for your request to be introduced to *{escape(s.target.name)}*. A vendor manager has "
        f"decided not to make this introduction for now.\n>Reason: {escape(s.intro.decline_reason)}\n"
        "You are welcome to run `/findpartner` again or reach out to the partner team."))


def after_not_a_fit(ctx: BotContext, intro_id: int, user_id: str, reason: str | None = None) -> None:
    s = load(ctx, intro_id)
    if s is None:
        return
    intro = s.intro
    if intro.channel_id and intro.intro_message_ts:
        original = blocks.intro_message(
            intro_id=intro.id, ask=s.ask, requester=s.requester, target=s.target,
            requester_user_ids=s.requester_users, target_user_ids=s.target_users, manager_id=intro.decided_by or "",
            score=intro.score, reasons=intro.reasons, rules=ctx.settings.rules_of_engagement,
            at=intro.decided_at)
        closed = blocks.intro_message_closed(original, company_name=s.target.name, user_id=user_id,
                                             at=intro.closed_at or ctx.clock.now())
        try:
            ctx.client.chat_update(channel=intro.channel_id, ts=intro.intro_message_ts, blocks=closed,
                                   text=f"{escape(s.target.name)} said this introduction is not a fit.")
        except SlackApiError as exc:
            log.warning("introduction %s: intro message update failed: %s", intro.id, error_code(exc))
    why = f"\n>Their reason: {escape(reason)}" if reason else ""
    ctx.client.chat_postMessage(channel=intro.requester_user_id, unfurl_links=False, text=(
        f"*{escape(s.target.name)}* has said your introduction is not a fit this time, so it is closed.{why}\n"
        "Thanks for trying — `/findpartner` can suggest other partners."))
