"""Not a fit, said by the introduced partner (from their introduction DM): the button opens a
confirmation with a reason; submitting it closes the introduction and tells the requester."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import dm, tell_clicker


def register(app: App, ctx: BotContext) -> None:
    @app.action(blocks.NOT_A_FIT)
    def not_a_fit(ack, body, action, respond, client):
        ack()
        try:
            intro_id = int(action.get("value") or "")
        except ValueError:
            return
        check = service.can_say_not_a_fit(ctx, intro_id=intro_id, user_id=body["user"]["id"])
        if not check.ok:
            tell_clicker(ctx, body, respond, check.message)
            return
        client.views_open(trigger_id=body["trigger_id"],
                          view=blocks.not_a_fit_modal(intro_id=intro_id, other_name=check.message))

    @app.view(blocks.NOT_A_FIT_CALLBACK)
    def not_a_fit_reason(ack, body, view):
        reason = blocks.not_a_fit_reason(view.get("state", {}).get("values", {}))
        if reason is None:
            ack(response_action="errors", errors={blocks.NOT_A_FIT_BLOCK: "Please choose a reason."})
            return
        try:
            intro_id = int(view.get("private_metadata") or "")
        except ValueError:
            ack()
            return
        ack()
        user = body["user"]["id"]
        result = service.not_a_fit(ctx, intro_id=intro_id, user_id=user, reason=reason)
        dm(ctx, user, result.message)
        if result.ok:
            effects.after_not_a_fit(ctx, intro_id, user, reason)

    @app.action(blocks.OPEN_CHANNEL)
    def open_channel(ack):
        ack()  # a link button: Slack opens the URL; the click still arrives and must be acknowledged
