"""Request intro (on a /findpartner result): record it once, post it for approval."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import tell_clicker


def register(app: App, ctx: BotContext) -> None:
    @app.action("request_intro")
    def request_intro(ack, body, action, respond):
        ack()
        user = body["user"]["id"]
        try:
            value = json.loads(action.get("value") or "{}")
            ask_id, company_id = int(value["ask_id"]), int(value["company_id"])
        except (ValueError, KeyError, TypeError):
            tell_clicker(ctx, body, respond, "Sorry, that button is out of date. Please run `/findpartner` again.")
            return
        result = service.request_intro(ctx, ask_id=ask_id, company_id=company_id, user_id=user)
        tell_clicker(ctx, body, respond, result.message)
        if result.created and result.token:
            effects.post_approval_requests(ctx, result.intro_id, result.token)
