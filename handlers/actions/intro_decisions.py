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
        if not (result.ok and result.token):
            tell_clicker(ctx, body, respond, result.message)
            return
        if _from_home(body):
            refresh_home(ctx, body["user"]["id"])
        effects.run_approval_effects(ctx, intro_id, result.token)
        tell_clicker(ctx, body, respond, effects.approved_text(ctx, intro_id))

    @app.action(blocks.VIEW_PROFILES)
    def view_profiles(ack, body, action, respond, client):
        ack()
        intro_id = _intro_id(action)
        if intro_id is None:
            return
        if not ctx.settings.is_manager(body["user"]["id"]):
            tell_clicker(ctx, body, respond, service.NOT_A_MANAGER.replace("approve or decline", "see"))
            return
        snapshot = effects.load(ctx, intro_id)
        if snapshot is None:
            tell_clicker(ctx, body, respond, "That introduction request no longer exists.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=blocks.profiles_modal(
            requester=snapshot.requester, target=snapshot.target, ask=snapshot.ask, today=ctx.clock.now().date()))

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
