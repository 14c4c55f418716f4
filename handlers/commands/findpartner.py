"""/findpartner <need> — acknowledged at once; the ranked partners follow ephemerally via
response_url. With no text it opens the structured-ask modal (views.open right after ack:
the trigger_id expires in 3 seconds)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.matches import USAGE, ask_modal, results_message, searching_text
from bot.context import BotContext
from bot.matching.service import answer_ask, warm_up
from handlers.middleware.guards import after_ack


def register(app: App, ctx: BotContext) -> None:
    warm_up(ctx)

    def findpartner(ack, body, client, respond):
        text = (body.get("text") or "").strip()
        if _is_help(text):
            ack(response_type="ephemeral", text=USAGE)
            return
        if text:
            ack(response_type="ephemeral", text=searching_text(text))
            after_ack(ctx, respond, lambda: answer(body, respond))
            return
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=ask_modal(private_metadata=body.get("channel_id", "")))

    def answer(body, respond):
        text = (body.get("text") or "").strip()
        result = answer_ask(ctx, user_id=body["user_id"], text=text)
        fallback, blocks = results_message(ask_id=result.ask_id, ranking=result.ranking, linked=result.linked,
                                           asker_has_profile=result.asker_has_profile)
        respond(response_type="ephemeral", replace_original=True, text=fallback, blocks=blocks)

    app.command("/findpartner")(findpartner)


def _is_help(text: str) -> bool:
    return text.lower() in ("help", "-h", "--help", "?")
