"""Serving the app: HTTP (Bolt's ASGI adapter under uvicorn) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import socket
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot import intake
from bot.guards import parse_slack_body

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
            return refused.response()
        # A body that is not a well-formed Slack request is refused here: Bolt would 500 on it.
        body = parse_slack_body(raw, str(headers.get("content-type") or ""))
        if body is None:
            return BoltResponse(status=400, body="malformed request")
        bolt_request = BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        work = asyncio.get_running_loop().run_in_executor(self._pool, self.app.dispatch, bolt_request)
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
            ready = await asyncio.get_running_loop().run_in_executor(None, self._database_probe().ready)
            await send({"type": "http.response.start", "status": 200 if ready else 503,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"ok":true}' if ready else b'{"ok":false,"database":false}'})
            return
        await super().__call__(scope, receive, send)

    def _database_probe(self):
        from bot.readiness import DatabaseProbe

        if getattr(self, "_probe", None) is None:
            self._probe = DatabaseProbe(self.app._partnerbot_context.engine)
        return self._probe


def create_asgi(app: App) -> ThreadedSlackRequestHandler:
    return ThreadedSlackRequestHandler(app)


def make_uvicorn_server(app: App, *, host: str = "0.0.0.0", port: int = 3000, log_level: str = "info"):
    import uvicorn

    config = uvicorn.Config(create_asgi(app), host=host, port=port, log_level=log_level, lifespan="off",
                            access_log=False, timeout_keep_alive=30)
    return uvicorn.Server(config)


def serve_http(app: App, *, port: int, sock: socket.socket | None = None) -> None:
    server = make_uvicorn_server(app, port=port)
    log.info("partnerbot listening on http://0.0.0.0:%s (POST /slack/events, GET /healthz)", port)
    server.run(sockets=[sock] if sock else None)


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("partnerbot connecting in Socket Mode")
    SocketModeHandler(app, app_token).start()
