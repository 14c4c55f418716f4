"""Follow-up answers: Working together / Deal won (asks for a value) / No fit / Not yet, and the
monthly nudge's "Answer now"."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.blocks import intro as blocks
from bot.blocks.nudge import ANSWER_NOW
from bot.context import BotContext
from bot.introductions import followup, service
from bot.introductions.notify import tell_clicker
from bot.sealed import seal
from bot.text import safe


def register(app: App, ctx: BotContext) -> None:
    outcome_buttons = re.compile("^" + re.escape(blocks.FOLLOWUP_PREFIX) + "(" +
                                 "|".join(map(re.escape, blocks.OUTCOME_LABELS)) + ")$")

    @app.action(outcome_buttons)
    def followup_outcome(ack, body, action, respond, client):
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            intro_id, outcome = int(value["intro_id"]), str(value["outcome"])
        except (ValueError, KeyError, TypeError):
            return
        if blocks.followup_action_id(outcome) != action.get("action_id"):
            return  # the value must name the button's own outcome
        user = body["user"]["id"]
        message_ref = followup.message_ref(body)
        if outcome == "deal_won":
            check = followup.check_can_answer(ctx, intro_id=intro_id, user_id=user)
            if not check.ok:
                tell_clicker(ctx, body, respond, check.message)
                return
            # Sealed: the modal's submit edits the message named here (bot/sealed.py).
            meta = seal({"intro_id": intro_id, **message_ref}, ctx.settings)
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.deal_value_modal(private_metadata=meta, other_name=check.message))
            return
        result = service.record_outcome(ctx, intro_id=intro_id, user_id=user, outcome=outcome)
        if not result.ok:
            tell_clicker(ctx, body, respond, result.message)
            return
        followup.show_answer(ctx, intro_id=intro_id, user_id=user, outcome=outcome, deal_value=None, **message_ref)

    @app.action(blocks.FOLLOWUP_NOT_YET)
    def followup_not_yet(ack, body, action):
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            intro_id, reminder = int(value["intro_id"]), bool(value.get("reminder"))
        except (ValueError, KeyError, TypeError):
            return
        followup.show_later(ctx, intro_id=intro_id, user_id=body["user"]["id"], reminder=reminder,
                            **followup.message_ref(body))

    @app.action(ANSWER_NOW)
    def answer_now(ack, body):
        """The monthly nudge's "Answer now": the unanswered follow-up question(s), here and now."""
        ack()
        user = body["user"]["id"]
        pending = followup.unanswered_for(ctx, user_id=user)
        if not pending:
            ctx.client.chat_postMessage(channel=user, text="All answered already — thank you!")
            return
        for intro_id, other_name, days in pending:
            ctx.client.chat_postMessage(channel=user, unfurl_links=False,
                                        text=f"How is your introduction to {safe(other_name, 120)} going?",
                                        blocks=blocks.followup_message(intro_id=intro_id, other_name=other_name,
                                                                       days=days))
