"""The deal-value modal of a "Deal won" answer (the value is optional, but must be a number)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import followup, service
from bot.introductions.notify import dm
from bot.sealed import unseal


def register(app: App, ctx: BotContext) -> None:
    @app.view(blocks.DEAL_CALLBACK)
    def deal_value(ack, body, view):
        values = view.get("state", {}).get("values", {})
        raw = ((values.get(blocks.DEAL_BLOCK) or {}).get(blocks.DEAL_ACTION) or {}).get("value")
        try:
            amount = service.parse_deal_value(raw)
        except ValueError:
            ack(response_action="errors",
                errors={blocks.DEAL_BLOCK: service.DEAL_VALUE_HINT})
            return
        meta = unseal(view.get("private_metadata"), ctx.settings)  # written by handlers/actions/followup.py
        try:
            intro_id = int(meta["intro_id"])  # type: ignore[index]
        except (ValueError, KeyError, TypeError):
            ack(response_action="errors", errors={blocks.DEAL_BLOCK: "This form is out of date: please click "
                                                                     "Deal won on the follow-up message again."})
            return
        ack()
        user = body["user"]["id"]
        result = service.record_outcome(ctx, intro_id=intro_id, user_id=user, outcome="deal_won", deal_value=amount)
        if not result.ok:
            dm(ctx, user, result.message)
            return
        followup.show_answer(ctx, intro_id=intro_id, user_id=user, outcome="deal_won", deal_value=amount,
                             channel=meta.get("channel"), ts=meta.get("ts"))
