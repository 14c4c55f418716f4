"""Request guards: which Slack requests to ignore, and how to tell a database outage.

Pure decisions plus the one database claim; the Bolt wiring is in handlers/middleware/guards.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, TimeoutError as PoolTimeoutError

from models.db import session_scope
from models.requests import claim_request, prune_requests, release_request

log = logging.getLogger(__name__)

# Slack retries an event three times within about five minutes; a day is ample.
CLAIM_KEEP = timedelta(days=1)
# Prune old claims once every this many claims made by this process (cheap, bounded table).
PRUNE_EVERY = 500
_claims_made = itertools.count(1)


def request_team_ids(body: Mapping[str, Any]) -> set[str]:
    """Every workspace ID a request says it comes from (commands, interactions, events)."""
    ids: set[str] = set()
    if not isinstance(body, Mapping):
        return ids
    if isinstance(body.get("team_id"), str):
        ids.add(body["team_id"])
    team = body.get("team")
    if isinstance(team, Mapping) and isinstance(team.get("id"), str):
        ids.add(team["id"])
    for auth in body.get("authorizations") or []:
        if isinstance(auth, Mapping) and isinstance(auth.get("team_id"), str):
            ids.add(auth["team_id"])
    return {i for i in ids if i}


def is_foreign_team(body: Mapping[str, Any], installed_team_id: str | None) -> bool:
    """True when the request names no workspace, or only workspaces other than ours."""
    if not installed_team_id:
        return False  # unknown (e.g. an org-wide install): nothing to compare with
    return installed_team_id not in request_team_ids(body)


def request_claim_key(body: Mapping[str, Any], raw_body: str = "", *, is_retry: bool = False) -> str | None:
    """The identity Slack keeps across retries of one request: the event id, else the trigger id.

    A request with neither (options loads, view_closed) is not claimed — two identical ones
    can be two real user actions — unless Slack marks it as a retry; then its body is the key.
    """
    if isinstance(body, Mapping):
        if body.get("type") == "event_callback" and body.get("event_id"):
            return f"event:{body['event_id']}"[:200]
        if isinstance(body.get("trigger_id"), str) and body["trigger_id"]:
            return f"trigger:{body['trigger_id']}"[:200]
    if not is_retry:
        return None
    text = raw_body or json.dumps(body, sort_keys=True, default=str)  # Socket Mode has no raw body
    return "body:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def claim_once(engine: Engine, *, key: str, now: datetime) -> bool:
    """Claim `key` in the database: True for the first request with it, False for a retry."""
    with session_scope(engine) as session:
        claimed = claim_request(session, key=key, at=now)
        if claimed and next(_claims_made) % PRUNE_EVERY == 0:
            pruned = prune_requests(session, before=now - CLAIM_KEEP)
            log.debug("pruned %d old request claims", pruned)
    return claimed


def release_claim(engine: Engine, *, key: str) -> None:
    """Undo `claim_once` for a request nothing handles, so it leaves no row behind."""
    with session_scope(engine) as session:
        release_request(session, key=key)


def is_database_unavailable(error: BaseException | None) -> bool:
    """A lost or refused database connection (not a constraint or programming error)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (OperationalError, InterfaceError, PoolTimeoutError)):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


_INTERACTIONS = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion")
_WITH_TRIGGER = ("block_actions", "view_submission", "shortcut", "message_action")

# Top-level keys that Slack always sends as objects when present.
_OBJECT_KEYS = ("team", "user", "channel", "container", "view", "message", "event", "enterprise", "state")


def parse_slack_body(raw: bytes, content_type: str | None) -> dict | None:
    """The request body as Bolt will see it, or None when it is not a well-formed Slack request.

    Bolt parses before it verifies the signature and assumes Slack's shapes afterwards, so a
    malformed body would otherwise become a 500 (and a stack trace) instead of a plain 400.
    """
    from urllib.parse import parse_qsl

    try:
        text = raw.decode("utf-8")
        if not text:
            return {}
        if (content_type or "").split(";")[0].strip() == "application/json" or text.startswith("{"):
            body = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            body = json.loads(form["payload"]) if "payload" in form else form
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: '[' nested a thousand deep
        return None
    return body if _well_formed(body) else None


def _well_formed(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if any(body.get(k) is not None and not isinstance(body[k], dict) for k in _OBJECT_KEYS):
        return False
    kind = body.get("type")
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("type"), str):
            return False
        if not isinstance(view.get("callback_id", ""), str) or not isinstance(view.get("state", {}), dict):
            return False
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return False
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return False
    if kind == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        return False
    # What every listener reads without looking: who acted, and the trigger a modal needs.
    if kind in _INTERACTIONS:
        if not isinstance((body.get("user") or {}).get("id"), str) or not body["user"]["id"]:
            return False
        if kind in _WITH_TRIGGER and not isinstance(body.get("trigger_id"), str):
            return False
        if kind == "view_submission" and not isinstance((body["view"].get("state") or {}).get("values"), dict):
            return False
    if "command" in body and kind is None:
        if not all(isinstance(body.get(k), str) and body[k] for k in ("command", "user_id", "trigger_id")):
            return False
    return not any(not isinstance(v, (str, int, float, bool, dict, list, type(None))) for v in body.values())
