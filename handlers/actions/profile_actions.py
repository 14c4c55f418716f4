"""Profile buttons: Edit (App Home) / refresh (nudges) open the modal, pause (nudges),
and the delete confirmation's Delete / Cancel."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import profile_service as profiles
from bot import profiles as P
from bot.blocks import profile as B
from bot.context import BotContext
from bot.introductions.notify import dm, tell_clicker
from bot.text import safe

log = logging.getLogger(__name__)


def _action_value(body: dict) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "").strip()


def register(app: App, ctx: BotContext) -> None:
    def tell(body: dict, respond, text: str, *, replace: bool = False) -> None:
        tell_clicker(ctx, body, respond, text, blocks=B.notice_blocks(text), replace=replace)

    def open_modal(ack, body, client, respond):
        ack()
        try:
            company = profiles.button_company(ctx, user_id=body["user"]["id"], value=_action_value(body))
        except PermissionError as exc:
            tell(body, respond, str(exc))
            return
        from_home = (body.get("view") or {}).get("type") == "home"
        client.views_open(trigger_id=body["trigger_id"], view=B.profile_modal(company, from_home=from_home))

    def pause(ack, body, respond):
        ack()
        try:
            company = profiles.pause(ctx, user_id=body["user"]["id"], until=None, value=_action_value(body))
        except PermissionError as exc:
            tell(body, respond, str(exc))
            return
        if company is None:
            tell(body, respond, "You have no partner profile to pause.")
            return
        tell(body, respond, f":double_vertical_bar: *{safe(company.name, 200)}* is paused: you won't be proposed "
                            "for introductions until you type `/partnerprofile resume`.")

    def delete_confirm(ack, body, respond):
        ack()
        value = _action_value(body)
        if not value.isdigit():
            return
        try:
            deleted = profiles.delete(ctx, user_id=body["user"]["id"], company_id=int(value))
        except (P.ProfileError, PermissionError) as exc:
            tell(body, respond, f":warning: {exc}", replace=True)
            return
        name = safe(deleted.name, 200)
        tell(body, respond, f":wastebasket: The profile of *{name}* is deleted, with its personal data.", replace=True)
        for requester in deleted.waiting_requesters:
            dm(ctx, requester, f"Your introduction request to *{name}* is closed: they have left the "
                               "partner directory. Type `/findpartner` to find another partner.")

    def delete_cancel(ack, body, respond):
        ack()
        tell(body, respond, "Kept: your profile was not deleted.", replace=True)

    app.action("profile_edit")(open_modal)
    app.action("profile_refresh")(open_modal)
    app.action("profile_pause")(pause)
    app.action(B.DELETE_CONFIRM)(delete_confirm)
    app.action(B.DELETE_CANCEL)(delete_cancel)
