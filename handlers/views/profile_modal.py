"""The profile modal's submit: inline errors, or save and show the saved profile."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot import profile_service as profiles
from bot import profiles as P
from bot.blocks import profile as B
from bot.context import BotContext

log = logging.getLogger(__name__)


def refresh_home(ctx: BotContext, user_id: str) -> None:
    """The modal was opened from the App Home: show the saved profile there too."""
    from bot.metrics.home import build_home  # the metrics engineer's App Home

    try:
        ctx.client.views_publish(user_id=user_id, view=build_home(ctx, user_id=user_id))
    except Exception:  # the profile is saved; a stale home is fixed on its next open
        log.exception("could not refresh the App Home of %s", user_id)


def read_state(values: dict) -> dict[str, str | None]:
    """The typed values by field name, from a view's state."""
    raw: dict[str, str | None] = {}
    for name, block_id in B.BLOCK_IDS.items():
        element = (values.get(block_id) or {}).get(B.ACTION_ID) or {}
        if "selected_option" in element:
            option = element.get("selected_option") or {}
            raw[name] = option.get("value")
        else:
            raw[name] = element.get("value")
    return raw


def register(app: App, ctx: BotContext) -> None:
    def submit(ack, body, view):
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        company_id = meta.get("company_id")
        raw = read_state(view["state"]["values"])
        try:
            result, errors = profiles.save_form(ctx, user_id=user_id, raw=raw, company_id=company_id)
        except (P.ProfileError, PermissionError) as exc:
            ack(response_action="errors", errors={"company": str(exc)})
            return
        if errors:
            ack(response_action="errors", errors={B.BLOCK_IDS[k]: v for k, v in errors.items()})
            return
        ack(response_action="update",
            view=B.saved_view(result.company, created=result.created, changed=result.changed, today=ctx.clock.now().date()))
        if meta.get("home"):
            refresh_home(ctx, user_id)

    app.view(B.PROFILE_MODAL_CALLBACK)(submit)
