"""The decline-reason modal: record the decision, tell the requester, update the request."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import dm, refresh_home


def register(app: App, ctx: BotContext) -> None:
    @app.view(blocks.DECLINE_CALLBACK)
    def decline_reason(ack, body, view):
        user = body["user"]["id"]
        values = view.get("state", {}).get("values", {})
        reason = ((values.get(blocks.REASON_BLOCK) or {}).get(blocks.REASON_ACTION) or {}).get("value") or ""
        if not reason.strip():
            ack(response_action="errors", errors={blocks.REASON_BLOCK: "Please give the requester a reason."})
            return
        intro_ref, _, origin = (view.get("private_metadata") or "").partition(":")
        try:
            intro_id = int(intro_ref)
        except ValueError:
            ack()
            return
        if not ctx.settings.is_manager(user):
            ack(response_action="errors", errors={blocks.REASON_BLOCK: service.NOT_A_MANAGER})
            return
        ack()
        result = service.decline(ctx, intro_id=intro_id, manager_id=user, reason=reason.strip())
        if not result.ok:
            dm(ctx, user, result.message)
            return
        effects.after_decline(ctx, intro_id)
        if origin == "home":
            refresh_home(ctx, user)
