"""Approve / Decline on an approval request — in a channel, a DM, or the App Home."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import refresh_home, tell_clicker


def _intro_id(action: dict) -> int | None:
    try:
        return int(action.get("value") or "")
    except ValueError:
        return None


def _from_home(body: dict) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def register(app: App, ctx: BotContext) -> None:
    @app.action(blocks.APPROVE)
    def approve(ack, body, action, respond):
        ack()
        intro_id = _intro_id(action)
        if intro_id is None:
            return
        result = service.approve(ctx, intro_id=intro_id, manager_id=body["user"]["id"])
        tell_clicker(ctx, body, respond, result.message)
        if result.ok and result.token:
            if _from_home(body):
                refresh_home(ctx, body["user"]["id"])
            effects.run_approval_effects(ctx, intro_id, result.token)

    @app.action(blocks.DECLINE)
    def decline(ack, body, action, respond, client):
        ack()
        intro_id = _intro_id(action)
        if intro_id is None:
            return
        check = service.can_decline(ctx, intro_id=intro_id, manager_id=body["user"]["id"])
        if not check.ok:
            tell_clicker(ctx, body, respond, check.message)
            return
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.decline_reason_modal(intro_id=intro_id, target_name=check.message,
                                                          from_home=_from_home(body)))
