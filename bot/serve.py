"""`partnerbot serve`: migrate, start the scheduler, then serve Slack."""

from __future__ import annotations

import logging

from bot.config import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings) -> int:
    from bot.app import create_app, create_context
    from bot.scheduling import start_scheduler
    from bot.server import serve_http, serve_socket_mode
    from models.db import make_engine, upgrade

    settings.require_for_serve()
    from bot import gcwatch

    gcwatch.install()
    engine = make_engine(settings.database_url, timeouts=settings.db_timeouts)
    upgrade(engine)
    ctx = create_context(settings, engine=engine)
    app = create_app(settings, context=ctx)
    scheduler = start_scheduler(ctx)
    try:
        if settings.socket_mode:
            serve_socket_mode(app, settings.slack_app_token or "")
        else:
            serve_http(app, port=settings.port)
    finally:
        scheduler.shutdown(wait=False)
        ctx.executor.shutdown(wait=False, cancel_futures=False)
    return 0
