"""The structured ask (/findpartner with no text): need, industry, region, customer context,
timing. Empty or over-long fields get inline errors; on submit the modal closes and the
ranked partners arrive as a direct message from the bot (a modal has no response_url, and
a DM works wherever the command was typed)."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.blocks.matches import ASK_MODAL_CALLBACK, modal_ask_text, read_ask_modal, results_message
from bot.context import BotContext
from bot.matching.service import answer_ask

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    @app.view(ASK_MODAL_CALLBACK)
    def submit_ask(ack, body, view, client):
        fields, errors = read_ask_modal(view["state"]["values"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ctx.executor.submit(_answer_by_dm, ctx, client, body["user"]["id"], fields)


def _answer_by_dm(ctx: BotContext, client, user_id: str, fields: dict[str, str]) -> None:
    try:
        result = answer_ask(ctx, user_id=user_id, text=fields["need"], industry=fields["industry"] or None,
                            region=fields["region"] or None, context=fields["context"] or None,
                            timing=fields["timing"] or None)
        fallback, blocks = results_message(ask_id=result.ask_id, ranking=result.ranking, linked=result.linked,
                                           asker_has_profile=result.asker_has_profile,
                                           title=modal_ask_text(fields))
        client.chat_postMessage(channel=user_id, text=fallback, blocks=blocks)
    except Exception:
        log.exception("answering a structured ask failed")
        client.chat_postMessage(channel=user_id, text="Sorry, something went wrong finding partners for your ask. "
                                                      "Please try again in a minute.")
