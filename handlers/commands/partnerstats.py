"""/partnerstats [days] — acknowledged at once; the figures follow ephemerally."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.metrics.stats import USAGE, parse_days, partnerstats
from bot.text import safe
from handlers.middleware.guards import after_ack


def register(app: App, ctx: BotContext) -> None:
    def partnerstats_command(ack, body, respond):
        days = parse_days(body.get("text"))
        if days is None:
            ack(response_type="ephemeral", text=f"I couldn't read “{safe(body.get('text'), 40)}” as days. {USAGE}")
            return
        ack(response_type="ephemeral", text=":hourglass_flowing_sand: Counting…")
        after_ack(ctx, respond, lambda: answer(body, respond, days))

    def answer(body, respond, days: int):
        text, blocks = partnerstats(ctx, user_id=body["user_id"], days=days)
        respond(response_type="ephemeral", replace_original=True, text=text, blocks=blocks)

    app.command("/partnerstats")(partnerstats_command)
