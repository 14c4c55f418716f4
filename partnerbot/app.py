"""The Bolt app with every listener registered."""

from __future__ import annotations

from slack_bolt import App

from bot.app import create_app
from bot.config import Settings
from bot.context import BotContext
from handlers import register_all


def assemble_app(settings: Settings, *, context: BotContext | None = None) -> App:
    """`bot.app.create_app` (client, authorization, pools) plus the listeners of `handlers/`."""
    app = create_app(settings, context=context)
    register_all(app, app._partnerbot_context)
    return app
