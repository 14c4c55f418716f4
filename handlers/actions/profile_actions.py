"""Profile buttons: Edit (App Home) / refresh (nudges) open the modal, pause (nudges),
and the delete confirmation's Delete / Cancel."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import profiles as P
from bot.blocks import profile as B
from bot.context import BotContext
from bot.introductions import service as intro_service
from bot.introductions.notify import dm
from bot.text import safe
from models.company import get_company, get_company_for_user
from models.db import session_scope

log = logging.getLogger(__name__)


def _action_value(body: dict) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "").strip()


def tell(body: dict, client, text: str, *, replace: bool = False) -> None:
    """Answer the clicker: through response_url when the button was in a message, else by DM
    (App Home buttons have no response_url)."""
    user_id = body["user"]["id"]
    blocks = B.notice_blocks(text)
    in_message = (body.get("container") or {}).get("type") == "message"
    if in_message and body.get("response_url"):
        from slack_sdk.webhook import WebhookClient

        WebhookClient(body["response_url"]).send(text=text, blocks=blocks, response_type="ephemeral",
                                                 replace_original=replace)
    else:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def _target_company(session, *, user_id: str, value: str, is_manager: bool):
    """The company a button is about: its value (a company id) when given, else the clicker's."""
    if value.isdigit():
        company = get_company(session, company_id=int(value))
        if company is not None and not P.can_edit(session, user_id=user_id, company=company, is_manager=is_manager):
            raise PermissionError("Only the company's own members or a vendor manager can change that profile.")
        return company
    return get_company_for_user(session, slack_user_id=user_id)


def register(app: App, ctx: BotContext) -> None:
    def open_modal(ack, body, client):
        ack()
        user_id = body["user"]["id"]
        try:
            with session_scope(ctx.engine) as session:
                company = _target_company(session, user_id=user_id, value=_action_value(body),
                                          is_manager=ctx.settings.is_manager(user_id))
                from_home = (body.get("view") or {}).get("type") == "home"
                view = B.profile_modal(company, from_home=from_home)
        except PermissionError as exc:
            tell(body, client, str(exc))
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def pause(ack, body, client):
        ack()
        user_id = body["user"]["id"]
        now = ctx.clock.now()
        try:
            with session_scope(ctx.engine) as session:
                company = _target_company(session, user_id=user_id, value=_action_value(body),
                                          is_manager=ctx.settings.is_manager(user_id))
                if company is None:
                    tell(body, client, "You have no partner profile to pause.")
                    return
                P.pause_profile(session, company=company, actor=user_id, until=None, now=now)
        except PermissionError as exc:
            tell(body, client, str(exc))
            return
        tell(body, client, f":double_vertical_bar: *{safe(company.name, 200)}* is paused: you won't be proposed "
                           "for introductions until you type `/partnerprofile resume`.")

    def delete_confirm(ack, body, client):
        ack()
        user_id = body["user"]["id"]
        value = _action_value(body)
        if not value.isdigit():
            return
        now = ctx.clock.now()
        try:
            with session_scope(ctx.engine) as session:
                company = P.delete_profile(session, company_id=int(value), actor=user_id,
                                           is_manager=ctx.settings.is_manager(user_id), now=now)
                name = company.name
                # Its open requests and introductions close with it (issue 13.5).
                waiting = intro_service.close_for_deleted_profile(ctx, session, company_id=int(value), now=now)
        except (P.ProfileError, PermissionError) as exc:
            tell(body, client, f":warning: {exc}", replace=True)
            return
        tell(body, client, f":wastebasket: The profile of *{safe(name, 200)}* is deleted, with its personal data.",
             replace=True)
        for requester in waiting:
            dm(ctx, requester, f"Your introduction request to *{safe(name, 200)}* is closed: they have left the "
                               "partner directory. Type `/findpartner` to find another partner.")

    def delete_cancel(ack, body, client):
        ack()
        tell(body, client, "Kept: your profile was not deleted.", replace=True)

    app.action("profile_edit")(open_modal)
    app.action("profile_refresh")(open_modal)
    app.action("profile_pause")(pause)
    app.action(B.DELETE_CONFIRM)(delete_confirm)
    app.action(B.DELETE_CANCEL)(delete_cancel)
