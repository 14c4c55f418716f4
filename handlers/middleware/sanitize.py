"""Every string of every request body loses its control characters before any listener
reads it (bot.text.scrub): a NUL typed into an ask or a modal would otherwise make
PostgreSQL refuse the row, and an escape sequence would reach an operator's terminal."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.text import scrub


def register(app: App, ctx: BotContext) -> None:
    def strip_control_characters(body, next):
        scrub(body)
        return next()

    app.use(strip_control_characters)
