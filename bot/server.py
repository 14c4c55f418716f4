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
        raw = await _read_raw_body(request)
        headers = request.get_headers()
        # A body that is not a well-formed Slack request is refused here: Bolt would 500 on it.
        if parse_slack_body(raw, str(headers.get("content-type") or "")) is None:
            return BoltResponse(status=400, body="malformed request")
        bolt_request = BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.app.dispatch, bolt_request)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"ok":true}'})
            return
        await super().__call__(scope, receive, send)


async def _read_raw_body(request: AsgiHttpRequest) -> bytes:
    chunks = bytearray()
    while True:
        chunk = await request.receive()
        if chunk["type"] != "http.request":
            raise ConnectionError("client went away before the body was received")
        chunks.extend(chunk.get("body", b""))
        if not chunk.get("more_body", False):
            return bytes(chunks)


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
