"""Request intro (on a /findpartner result): record it once, post it for approval, and show the
results again with that button turned into "✓ Requested — waiting for approval"."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.asks_view import saved_results, shown_partner
from bot.blocks import intro as intro_blocks
from bot.blocks.matches import REQUESTED, VIEW_PROFILE
from bot.blocks.profile import partner_profile_modal
from bot.context import BotContext
from bot.introductions import effects, service
from bot.introductions.notify import dm, tell_clicker

OUT_OF_DATE = "Sorry, that button is out of date. Please run `/findpartner` again."


def _ids(action: dict) -> tuple[int, int] | None:
    try:
        value = json.loads(action.get("value") or "{}")
        return int(value["ask_id"]), int(value["company_id"])
    except (ValueError, KeyError, TypeError):
        return None


def _show_again(ctx: BotContext, body: dict, respond, client, *, ask_id: int, user: str, notice: str,
                text: str, note_for: int | None = None) -> bool:
    """Replace the clicked results (ephemeral message or App Home modal) with their new state."""
    button = intro_blocks.request_note_button(note_for) if note_for else None
    shown = saved_results(ctx, ask_id=ask_id, user_id=user, notice=notice, notice_button=button)
    if shown is None:
        return False
    _, blocks = shown
    container = body.get("container") or {}
    if container.get("type") == "message" and body.get("response_url"):
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
        return True
    view = body.get("view") or {}
    if view.get("type") == "modal" and view.get("id"):
        from bot.blocks.home import ask_results_modal

        client.views_update(view_id=view["id"], hash=view.get("hash"), view=ask_results_modal(blocks))
        return True
    return False


def register(app: App, ctx: BotContext) -> None:
    @app.action("request_intro")
    def request_intro(ack, body, action, respond, client):
        ack()
        user = body["user"]["id"]
        ids = _ids(action)
        if ids is None:
            tell_clicker(ctx, body, respond, OUT_OF_DATE)
            return
        ask_id, company_id = ids
        result = service.request_intro(ctx, ask_id=ask_id, company_id=company_id, user_id=user)
        if result.created and result.token:
            effects.post_approval_requests(ctx, result.intro_id, result.token)
        notice = (":white_check_mark: " if result.ok else ":warning: ") + result.message
        if not (result.ok and _show_again(ctx, body, respond, client, ask_id=ask_id, user=user, notice=notice,
                                               text=result.message, note_for=result.intro_id if result.created else None)):
            tell_clicker(ctx, body, respond, result.message)

    @app.action(REQUESTED)
    def already_requested(ack):
        ack()  # the "✓ Requested" button only shows the state

    @app.action(VIEW_PROFILE)
    def view_profile(ack, body, action, respond, client):
        ack()
        ids = _ids(action)
        company = shown_partner(ctx, ask_id=ids[0], company_id=ids[1], user_id=body["user"]["id"]) if ids else None
        if company is None:
            tell_clicker(ctx, body, respond, OUT_OF_DATE)
            return
        view = partner_profile_modal(company, today=ctx.clock.now().date())
        if (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(intro_blocks.REQUEST_NOTE)
    def add_note(ack, body, action, client):
        ack()
        try:
            intro_id = int(action.get("value") or "")
        except ValueError:
            return
        snapshot = effects.load(ctx, intro_id)
        if snapshot is None or snapshot.intro.requester_user_id != body["user"]["id"]:
            return
        view = intro_blocks.request_note_modal(intro_id=intro_id, target_name=snapshot.target.name)
        if (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(intro_blocks.NOTE_CALLBACK)
    def note_submitted(ack, body, view):
        values = view.get("state", {}).get("values", {})
        note = ((values.get(intro_blocks.NOTE_BLOCK) or {}).get(intro_blocks.NOTE_BLOCK) or {}).get("value") or ""
        if not note.strip():
            ack(response_action="errors", errors={intro_blocks.NOTE_BLOCK: "Please write a note, or cancel."})
            return
        ack()
        try:
            intro_id = int(view.get("private_metadata") or "")
        except ValueError:
            return
        user = body["user"]["id"]
        result = service.add_request_note(ctx, intro_id=intro_id, user_id=user, note=note)
        dm(ctx, user, result.message)
        if result.ok:
            effects.refresh_approval_request(ctx, intro_id)
