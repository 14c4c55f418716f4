"""App Home: `app_home_opened` publishes the user's home view (events are acked by Bolt first)."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.metrics.home import build_home


def register(app: App, ctx: BotContext) -> None:
    def on_home_opened(event, client):
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        client.views_publish(user_id=user_id, view=build_home(ctx, user_id=user_id))

    app.event("app_home_opened")(on_home_opened)
