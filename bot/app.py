"""The app factory: a Bolt App (client, authorization, pools) built from one Settings object.

The listeners are registered by the composition root, `partnerbot.app.assemble_app`: `bot/`
does not import `handlers/` (imports point down only)."""

from __future__ import annotations

import logging

from slack_bolt import App
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import Settings
from bot.context import BotContext
from bot.slack_client import create_web_client
from bot.workspace import identity_of
from models.db import make_engine

log = logging.getLogger(__name__)


def create_context(settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None) -> BotContext:
    from bot.operations import telemetry

    ctx = BotContext(
        settings=settings,
        engine=engine or make_engine(settings.database_url, timeouts=settings.db_timeouts),
        client=create_web_client(settings),
        clock=clock or Clock(),
    )
    telemetry.install(ctx)  # /metrics, unless METRICS=off
    return ctx


def create_app(settings: Settings, *, context: BotContext | None = None) -> App:
    """Build the Bolt App without listeners; `context` carries the engine, clock and client (made when absent)."""
    ctx = context or create_context(settings)
    identity = identity_of(ctx)  # auth.test: fetched by `serve` at start (bot/workspace.py)

    def authorize(enterprise_id, team_id, user_id):  # Bolt passes arguments by these names
        return identity.authorize(enterprise_id, team_id, user_id)

    app = App(
        client=ctx.client,
        authorize=authorize,
        signing_secret=settings.slack_signing_secret or "socket-mode-unsigned",
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=ctx.listener_executor,
        # A request no listener handles goes to the error handler (handlers/middleware/guards.py),
        # which answers 200 instead of Bolt's 404.
        raise_error_for_unhandled_request=True,
        logger=logging.getLogger("partnerbot.bolt"),
    )
    # Lazy listeners (the slow work after ack) run on the small slow-work pool, not the ack
    # pool: handlers/middleware/guards.py installs that runner (with error reporting).
    app._partnerbot_context = ctx  # for the server, the composition root and tests
    return app
