"""The "Not now" modal of the consent question: record the answer, tell the requester."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import consent as cblocks
from bot.context import BotContext
from bot.introductions import consent
from bot.introductions.notify import dm


def register(app: App, ctx: BotContext) -> None:
    @app.view(cblocks.NOT_NOW_CALLBACK)
    def not_now_reason(ack, body, view):
        user = body["user"]["id"]
        values = view.get("state", {}).get("values", {})
        reason = ((values.get(cblocks.NOT_NOW_BLOCK) or {}).get(cblocks.NOT_NOW_ACTION) or {}).get("value") or ""
        try:
            intro_id = int(view.get("private_metadata") or "")
        except ValueError:
            ack()
            return
        ack()
        result = consent.decline(ctx, intro_id=intro_id, user_id=user, reason=reason)
        dm(ctx, user, result.message)
        if result.ok:
            consent.after_answer(ctx, intro_id)
