"""The HTTP front door: what happens to a request before and around Bolt's dispatch.

- A body larger than MAX_BODY_BYTES is refused (413) from its Content-Length, or as soon as
  the bytes read pass the limit: it is never read whole.
- A request whose signature or timestamp is missing, malformed or wrong is refused (401)
  before its body is parsed; nothing of the body is logged.
- A request Bolt has not answered within ACK_DEADLINE_S is answered for it, so Slack always
  hears back within its 3 seconds: the user is told the database could not be reached when a
  database call is what it waits on, else that the bot is busy.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.blocks.notices import BUSY, DB_UNAVAILABLE, db_unavailable_message, notice_modal

log = logging.getLogger(__name__)

# Slack's interaction payloads are a few KB, a big modal's a few tens of KB.
MAX_BODY_BYTES = 512 * 1024
# Slack waits 3 s for the HTTP answer (https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response);
# leave room for the network.
ACK_DEADLINE_S = 2.5
# A database call that has waited this long when the deadline passes is what holds the request.
DB_STALL_S = 1.0
# Slack's request timestamps are Unix seconds; anything else is not Slack.
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
JSON = {"content-type": "application/json;charset=utf-8"}


class Refused(Exception):
    """The request is refused with `status` before it reaches Bolt."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> BoltResponse:
        return BoltResponse(status=self.status, body=json.dumps({"error": self.reason}), headers=JSON)


def header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def check_declared_length(headers: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> None:
    declared = header(headers, "content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Refused(400, "malformed content-length")
        if int(declared) > limit:
            raise Refused(413, "request body too large")


async def read_limited(receive, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body from ASGI `receive`, refused (413) as soon as it passes `limit` bytes."""
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ConnectionError("client went away before the body was received")
        chunks.extend(message.get("body", b""))
        if len(chunks) > limit:
            raise Refused(413, "request body too large")
        if not message.get("more_body", False):
            return bytes(chunks)


def check_signature(raw: bytes, headers: Mapping[str, Any], secret: str, *, now: float | None = None) -> None:
    """Refuse (401) unless the request is signed with `secret` within Slack's five minutes.

    https://docs.slack.dev/authentication/verifying-requests-from-slack/ — the timestamp is
    checked for shape first: the SDK's verifier calls int() on it.
    """
    timestamp = header(headers, "x-slack-request-timestamp") or ""
    signature = header(headers, "x-slack-signature") or ""
    if not _TIMESTAMP.match(timestamp) or not signature.startswith("v0="):
        raise Refused(401, "invalid request")
    try:
        text = raw.decode("utf-8")  # Slack sends UTF-8; the verifier would raise on anything else
    except UnicodeDecodeError:
        raise Refused(400, "malformed request") from None
    verifier = SignatureVerifier(secret)
    if now is not None:
        verifier.clock.now = lambda: now  # type: ignore[method-assign]
    if not verifier.is_valid(text, timestamp, signature):
        raise Refused(401, "invalid request")


def is_ssl_check(raw: bytes) -> bool:
    """Slack's unsigned SSL certificate check (Bolt answers it itself)."""
    return raw.startswith(b"ssl_check=1") or b"&ssl_check=1" in raw


# -- answering an overdue request ------------------------------------------------------------
def overdue_reply(body: Mapping[str, Any], client, *, database_stalled: bool) -> BoltResponse:
    """Slack's answer for a signed request not acknowledged in time, telling the user why.

    A slash command shows the HTTP answer's text; a modal submit pushes a notice over the
    modal (closing it returns to the user's input); a click is told through its response_url
    or a modal. An event is answered 503, so Slack retries it later.
    """
    text = DB_UNAVAILABLE if database_stalled else BUSY
    kind = body.get("type")
    if kind == "event_callback":
        return BoltResponse(status=503, body="")
    if body.get("command"):
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}), headers=JSON)
    if kind == "view_submission":
        return BoltResponse(status=200, headers=JSON,
                            body=json.dumps({"response_action": "push", "view": notice_modal(text)}))
    response_url = body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls") or [] if isinstance(u, dict)), None)
    trigger_id = body.get("trigger_id")
    if isinstance(response_url, str) and response_url:
        _in_background(_post_response_url, response_url, db_unavailable_message(text))
    elif isinstance(trigger_id, str) and trigger_id and kind != "view_closed":
        _in_background(_open_modal, client, trigger_id, notice_modal(text))
    return BoltResponse(status=200, body="")


def _in_background(target, *args) -> None:
    threading.Thread(target=target, args=args, name="overdue-notice", daemon=True).start()


def _post_response_url(url: str, message: dict) -> None:
    from slack_sdk.webhook import WebhookClient

    try:
        WebhookClient(url, timeout=5).send_dict(message)
    except Exception:  # best effort: the request itself was answered
        log.warning("could not tell the user their request was not handled", exc_info=True)


def _open_modal(client, trigger_id: str, view: dict) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception:
        log.warning("could not tell the user their request was not handled", exc_info=True)


def database_stalled() -> bool:
    from models.watchdog import WATCHDOG

    return WATCHDOG.longest_wait() >= DB_STALL_S


def elapsed(started: float) -> float:
    return time.monotonic() - started
