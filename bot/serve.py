"""`partnerbot serve`: migrate, start the scheduler, then serve Slack."""

from __future__ import annotations

import logging

from bot.config import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings, assemble) -> int:
    """`assemble(settings, context=ctx)` returns the Bolt app with its listeners (the composition root)."""
    from bot.app import create_context
    from bot.operations import logs, shutdown
    from bot.operations.readiness import readiness_of
    from bot.scheduling import start_scheduler
    from bot.server import serve_http, serve_socket_mode
    from models.db import make_engine, upgrade

    settings.require_for_serve()
    logs.configure(settings)
    from bot import gcwatch

    gcwatch.install()
    gcwatch.collect_when_idle()  # full collections between answers, not during them
    engine = make_engine(settings.database_url, timeouts=settings.db_timeouts)
    upgrade(engine)
    ctx = create_context(settings, engine=engine)
    app = assemble(settings, context=ctx)
    from bot.workspace import identity_of

    # The workspace's identity before the first request (else Bolt fetches it on that request,
    # and a Slack hiccup then loses it). Still unknown after the retries: requests try again.
    if not identity_of(ctx).fetch(attempts=5):
        log.warning("Slack did not answer auth.test at start; requests will retry it")
    scheduler = start_scheduler(ctx)
    readiness = readiness_of(ctx)
    readiness.scheduler = scheduler
    readiness.problems()  # starts loading the matching index, so /readyz turns 200 soon

    def on_stop() -> None:  # SIGTERM / Ctrl-C: uvicorn has stopped taking requests
        shutdown.drain(ctx, scheduler=scheduler, grace_s=settings.shutdown_grace_s)

    try:
        if settings.socket_mode:
            serve_socket_mode(app, settings.slack_app_token or "")
        else:
            serve_http(app, port=settings.port, on_stop=on_stop)
    finally:
        # Reached in Socket Mode, on errors, and after a signal when this is PID 1 of a container
        # (uvicorn re-raises the signal, which PID 1 ignores); then the drain has already run.
        if scheduler.running:
            scheduler.shutdown(wait=False)
        ctx.executor.shutdown(wait=False, cancel_futures=False)
        from bot.matching.rankers import SERVICE_KEY as RANKER

        ranker = ctx.services.get(RANKER)
        if ranker is not None:
            ranker.close(wait=False)
    return 0
