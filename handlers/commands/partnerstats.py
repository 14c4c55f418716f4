"""/partnerstats [days] — acknowledged at once; the figures follow ephemerally."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.metrics.stats import USAGE, parse_days, partnerstats
from bot.text import safe


def register(app: App, ctx: BotContext) -> None:
    def ack_command(ack, body):
        if parse_days(body.get("text")) is None:
            ack(response_type="ephemeral", text=f"I couldn't read “{safe(body.get('text'), 40)}” as days. {USAGE}")
            return
        ack(response_type="ephemeral", text=":hourglass_flowing_sand: Counting…")

    def answer(body, respond):
        days = parse_days(body.get("text"))
        if days is None:
            return
        text, blocks = partnerstats(ctx, user_id=body["user_id"], days=days)
        respond(response_type="ephemeral", replace_original=True, text=text, blocks=blocks)

    app.command("/partnerstats")(ack=ack_command, lazy=[answer])
