"""App Home buttons: Find a partner (the structured-ask form) and See matches (an earlier ask's
results, saved when it was answered, with their Request intro buttons)."""

from __future__ import annotations

from slack_bolt import App

from bot.asks_view import saved_results
from bot.blocks.home import FIND_PARTNER, SEE_MATCHES, ask_results_modal
from bot.blocks.matches import ask_modal
from bot.context import BotContext
from bot.introductions.notify import dm


def register(app: App, ctx: BotContext) -> None:
    @app.action(FIND_PARTNER)
    def find_partner(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=ask_modal())

    @app.action(SEE_MATCHES)
    def see_matches(ack, body, action, client):
        ack()
        user = body["user"]["id"]
        try:
            ask_id = int(action.get("value") or "")
        except ValueError:
            return
        shown = saved_results(ctx, ask_id=ask_id, user_id=user)
        if shown is None:
            dm(ctx, user, "That ask is no longer available. Please run `/findpartner` again.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=ask_results_modal(shown[1]))
