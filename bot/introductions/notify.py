"""Telling the person who clicked: ephemerally where they clicked, or by DM from a view."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.context import BotContext

log = logging.getLogger(__name__)


def tell_clicker(ctx: BotContext, body: dict, respond: Callable | None, text: str, *,
                 blocks: list[dict] | None = None, replace: bool = False) -> None:
    """Answer the user who clicked: the one helper for it. An ephemeral reply under the clicked
    message (`replace`: instead of it); a DM when the click came from a view (App Home, modal),
    which has no response_url."""
    user = (body.get("user") or {}).get("id")
    container = body.get("container") or {}
    extra = {"blocks": blocks} if blocks else {}
    try:
        if container.get("type") == "message" and body.get("response_url") and respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=replace, **extra)
        elif user:
            ctx.client.chat_postMessage(channel=user, text=text, **extra)
    except SlackApiError as exc:
        log.warning("could not tell %s: %s", user, exc)


def dm(ctx: BotContext, user: str, text: str) -> None:
    try:
        ctx.client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user, exc)


def refresh_home(ctx: BotContext, user: str) -> None:
    """After a decision taken on the App Home: publish it again without that request's buttons."""
    from bot.metrics.home import build_home

    try:
        ctx.client.views_publish(user_id=user, view=build_home(ctx, user_id=user))
    except Exception:  # the decision stands; a stale home is fixed on its next open
        log.exception("could not refresh the App Home of %s", user)
