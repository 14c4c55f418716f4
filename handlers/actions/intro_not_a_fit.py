"""Not a fit, said by the introduced partner in the introduction channel."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import tell_clicker


def register(app: App, ctx: BotContext) -> None:
    @app.action(blocks.NOT_A_FIT)
    def not_a_fit(ack, body, action, respond):
        ack()
        try:
            intro_id = int(action.get("value") or "")
        except ValueError:
            return
        user = body["user"]["id"]
        result = service.not_a_fit(ctx, intro_id=intro_id, user_id=user)
        tell_clicker(ctx, body, respond, result.message)
        if result.ok:
            effects.after_not_a_fit(ctx, intro_id, user)
