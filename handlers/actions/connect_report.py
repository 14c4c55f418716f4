"""Retry / "Use a private channel instead" on the manager's report of a Slack Connect
invitation that failed or was declined."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import consent as cblocks
from bot.context import BotContext
from bot.introductions import connect
from bot.introductions.notify import tell_clicker


def _row_id(action: dict) -> int | None:
    try:
        return int(action.get("value") or "")
    except ValueError:
        return None


def register(app: App, ctx: BotContext) -> None:
    @app.action(cblocks.CONNECT_RETRY)
    def retry(ack, body, action, respond):
        ack()
        row_id = _row_id(action)
        if row_id is not None:
            tell_clicker(ctx, body, respond, connect.retry(ctx, invite_row_id=row_id, manager_id=body["user"]["id"]))

    @app.action(cblocks.CONNECT_PRIVATE)
    def use_private(ack, body, action, respond):
        ack()
        row_id = _row_id(action)
        if row_id is not None:
            tell_clicker(ctx, body, respond,
                         connect.use_private(ctx, invite_row_id=row_id, manager_id=body["user"]["id"]))
