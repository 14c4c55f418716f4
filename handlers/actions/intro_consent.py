"""Accept / Not now on the consent question the proposed partner receives by DM."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import consent as cblocks
from bot.context import BotContext
from bot.introductions import consent, effects
from bot.introductions.notify import tell_clicker


def _intro_id(action: dict) -> int | None:
    try:
        return int(action.get("value") or "")
    except ValueError:
        return None


def register(app: App, ctx: BotContext) -> None:
    @app.action(cblocks.ACCEPT)
    def accept(ack, body, action, respond):
        ack()
        intro_id = _intro_id(action)
        if intro_id is None:
            return
        result = consent.accept(ctx, intro_id=intro_id, user_id=body["user"]["id"])
        tell_clicker(ctx, body, respond, result.message)
        if result.ok and result.token:
            consent.after_answer(ctx, intro_id)
            effects.run_approval_effects(ctx, intro_id, result.token)

    @app.action(cblocks.NOT_NOW)
    def not_now(ack, body, action, respond, client):
        ack()
        intro_id = _intro_id(action)
        if intro_id is None:
            return
        check = consent.can_answer(ctx, intro_id=intro_id, user_id=body["user"]["id"])
        if not check.ok:
            tell_clicker(ctx, body, respond, check.message)
            return
        client.views_open(trigger_id=body["trigger_id"],
                          view=cblocks.not_now_modal(intro_id=intro_id, requester_name=check.message))
