"""Slack Connect invitation events (scope conversations.connect:read): move the invitation on.

Bolt acknowledges events before the listener runs; Slack's retries of one event are dropped
by the request-claim middleware, and the conditional updates in `bot.introductions.connect`
make a second delivery (or another replica) a no-op.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.introductions import connect


def register(app: App, ctx: BotContext) -> None:
    def follow(event):
        connect.on_event(ctx, event)

    app.event("shared_channel_invite_accepted")(follow)
    app.event("shared_channel_invite_approved")(follow)
    app.event("shared_channel_invite_declined")(follow)
