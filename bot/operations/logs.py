"""Logs: LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, and the
Slack request's id, team, user and command when known). Tokens and the signing secret are
masked in every format."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

# What the current thread is working for: set around each Slack request's dispatch and
# carried into the pools its listeners run on (ContextThreadPool).
REQUEST_FIELDS = ("request_id", "team", "user", "command")
_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("partnerbot_request", default=None)

# Slack tokens (xoxb-, xoxp-, xapp-, xoxe- ...), masked wherever they appear.
_TOKEN_RE = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose tasks run in the submitter's context (so their logs keep the request id)."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


@contextmanager
def request_context(body: dict | None):
    """Label the logs of one Slack request: a fresh id, and its team, user and command."""
    token = _request.set({"request_id": uuid.uuid4().hex[:12], **describe(body)})
    try:
        yield
    finally:
        _request.reset(token)


def describe(body: dict | None) -> dict[str, str]:
    if not isinstance(body, dict):
        return {}
    team, user = body.get("team_id") or body.get("team"), body.get("user_id") or body.get("user")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    fields = {
        "team": team.get("id") if isinstance(team, dict) else team,
        "user": (user.get("id") if isinstance(user, dict) else user) or event.get("user"),
        "command": body.get("command") or _action_or_type(body, event),
    }
    return {k: str(v) for k, v in fields.items() if isinstance(v, str) and v}


def request_kind(body: dict | None) -> str:
    """command, block_actions, view_submission, event_callback, ... (for the request metrics)."""
    if not isinstance(body, dict):
        return "unknown"
    if body.get("command"):
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind.isidentifier() else "unknown"


def _action_or_type(body: dict, event: dict) -> str | None:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0].get("action_id")
    view = body.get("view")
    if isinstance(view, dict) and view.get("callback_id"):
        return view.get("callback_id")
    return event.get("type") or body.get("type")


class Redact(logging.Filter):
    """Masks Slack tokens and the given secrets in the message and its arguments."""

    def __init__(self, secrets: list[str | None]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return _TOKEN_RE.sub(lambda m: f"{m.group(1)}-[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_request.get() or {})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure(settings, root: logging.Logger | None = None) -> None:
    """Apply LOG_FORMAT and the masking to the root logger's handlers."""
    root = root or logging.getLogger()
    redact = Redact([settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token])
    for handler in root.handlers:
        handler.addFilter(redact)
        if settings.log_format == "json":
            handler.setFormatter(JsonFormatter())
