"""Serving the app: HTTP (Bolt's ASGI adapter under uvicorn) or Socket Mode."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot import gcwatch, intake
from bot.guards import parse_slack_body
from bot.operations.logs import request_context, request_kind
from bot.operations.readiness import readiness_of
from bot.operations.telemetry import CONTENT_TYPE, telemetry_of

log = logging.getLogger(__name__)


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """Bolt's ASGI handler, but dispatching in a thread pool.

    The stock handler calls the synchronous `App.dispatch` on the event loop, so one slow
    request would hold every other one past Slack's 3 seconds.
    """

    def __init__(self, app: App, path: str = "/slack/events", *, max_workers: int = 64):
        super().__init__(app, path)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="dispatch")

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        started = time.monotonic()
        headers = request.get_headers()
        try:
            # Size, then signature, then shape (bot/intake.py): junk costs nothing and logs nothing.
            intake.check_declared_length(headers)
            raw = await intake.read_limited(request.receive)
            ctx = getattr(self.app, "_partnerbot_context", None)
            secret = ctx.settings.slack_signing_secret if ctx is not None else None
            if secret and not intake.is_ssl_check(raw):
                intake.check_signature(raw, headers, secret)
        except intake.Refused as refused:
            log.info("refused a request: %s %s", refused.status, refused.reason)
            self._observe("unverified", refused.status, started)
            return refused.response()
        # A body that is not a well-formed Slack request is refused here: Bolt would 500 on it.
        body = parse_slack_body(raw, str(headers.get("content-type") or ""))
        if body is None:
            self._observe("malformed", 400, started)
            return BoltResponse(status=400, body="malformed request")
        bolt_request = BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        work = asyncio.get_running_loop().run_in_executor(self._pool, self._dispatch_observed, bolt_request, body,
                                                          started)
        try:
            return await asyncio.wait_for(asyncio.shield(work), timeout=intake.ACK_DEADLINE_S)
        except asyncio.TimeoutError:
            # Slack gives up after 3 s: answer now; the late outcome is not told twice.
            bolt_request.context["partnerbot_overdue"] = True
            stalled = intake.database_stalled()
            log.warning("request not acknowledged in %.1fs (database stalled: %s): answered for it",
                        intake.ACK_DEADLINE_S, stalled)
            return intake.overdue_reply(body, self.app.client, database_stalled=stalled)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"ok":true}'})
            return
        if scope["type"] == "http" and scope["path"] == "/readyz":
            problems = await asyncio.get_running_loop().run_in_executor(None, readiness_of(self._ctx).problems)
            await send({"type": "http.response.start", "status": 503 if problems else 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps({"ok": not problems,
                                                                          "not_ready": problems}).encode()})
            return
        if scope["type"] == "http" and scope["path"] == "/metrics":
            telemetry = telemetry_of(self._ctx)
            if telemetry is None:  # METRICS=off
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            payload = await asyncio.get_running_loop().run_in_executor(None, telemetry.exposition)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", CONTENT_TYPE.encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        await super().__call__(scope, receive, send)

    @property
    def _ctx(self):
        return self.app._partnerbot_context

    def _dispatch_observed(self, bolt_request: BoltRequest, body: dict, started: float) -> BoltResponse:
        """Bolt's dispatch, its logs labelled with the request (LOG_FORMAT=json), then counted."""
        with request_context(body), gcwatch.activity.busy():
            response = self.app.dispatch(bolt_request)
        self._observe(request_kind(body), response.status, started)
        return response

    def _observe(self, kind: str, status: int, started: float) -> None:
        telemetry = telemetry_of(self._ctx)
        if telemetry is not None:
            telemetry.observe_request(kind, status, time.monotonic() - started)


def create_asgi(app: App) -> ThreadedSlackRequestHandler:
    return ThreadedSlackRequestHandler(app)


def make_uvicorn_server(app: App, *, host: str = "0.0.0.0", port: int = 3000, log_level: str = "info",
                        on_stop=None):
    import uvicorn

    from bot.operations.shutdown import GracefulServer

    config = uvicorn.Config(create_asgi(app), host=host, port=port, log_level=log_level, lifespan="off",
                            access_log=False, timeout_keep_alive=30,
                            log_config=None)  # uvicorn's lines go through our handlers (LOG_FORMAT)
    return GracefulServer(config, on_stop=on_stop)


def serve_http(app: App, *, port: int, sock: socket.socket | None = None, on_stop=None) -> None:
    server = make_uvicorn_server(app, port=port, on_stop=on_stop)
    log.info("partnerbot listening on http://0.0.0.0:%s (POST /slack/events, GET /healthz, /readyz, /metrics)", port)
    server.run(sockets=[sock] if sock else None)


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("partnerbot connecting in Socket Mode")
    SocketModeHandler(app, app_token).start()
