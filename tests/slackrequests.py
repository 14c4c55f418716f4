"""Sends correctly signed Slack requests (slash commands, block_actions, view_submission,
events) to the bot's real HTTP endpoint, as Slack would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.fakeslack import TEAM_ID, FakeSlack


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackRequester:
    def __init__(self, bot_url: str, signing_secret: str, fake: FakeSlack, *, team_id: str = TEAM_ID) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.secret = signing_secret
        self.fake = fake
        self.team_id = team_id

    # -- raw ---------------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
        timeout: float = 10.0,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature if signature is not None else sign(secret or self.secret, ts, body)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if sig:
            all_headers["X-Slack-Signature"] = sig
        all_headers.update(headers or {})
        req = urllib.request.Request(self.bot_url + path, data=body.encode(), headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Reply(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read(), dict(err.headers))

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.bot_url + path, timeout=10) as resp:
                return Reply(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read(), dict(err.headers))

    def _payload(self, payload: dict, **kw: Any) -> Reply:
        return self.post(urlencode({"payload": json.dumps(payload)}), **kw)

    # -- Slack request kinds -----------------------------------------------------------
    def command(self, command: str, text: str = "", *, user_id: str = "U0PARTNER1", channel_id: str = "C0GENERAL1",
                team_id: str | None = None, **kw: Any) -> Reply:
        form = {
            "token": "legacy", "team_id": team_id or self.team_id, "team_domain": "partners",
            "channel_id": channel_id, "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(),
            "command": command, "text": text, "api_app_id": "A0PARTNERBOT",
            "response_url": self.fake.new_response_url(), "trigger_id": self.fake.new_trigger_id(),
        }
        return self.post(urlencode(form), **kw)

    def block_action(self, action_id: str, value: str = "", *, user_id: str = "U0PARTNER1", block_id: str = "b",
                     channel_id: str | None = "C0GENERAL1", message: dict | None = None, view: dict | None = None,
                     team_id: str | None = None, action_type: str = "button", extra_action: dict | None = None,
                     **kw: Any) -> Reply:
        action = {"action_id": action_id, "block_id": block_id, "type": action_type, "value": value,
                  "action_ts": f"{time.time():.6f}"}
        action.update(extra_action or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team_id or self.team_id, "domain": "partners"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id or self.team_id},
            "api_app_id": "A0PARTNERBOT",
            "token": "legacy",
            "trigger_id": self.fake.new_trigger_id(),
            "actions": [action],
            "response_url": self.fake.new_response_url(),
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        else:
            payload["container"] = {"type": "message", "channel_id": channel_id,
                                     "message_ts": (message or {}).get("ts", "1800000000.000001")}
            payload["channel"] = {"id": channel_id}
            payload["message"] = message or {"ts": "1800000000.000001", "text": "", "blocks": []}
        return self._payload(payload, **kw)

    def view_submission(self, callback_id: str, values: dict[str, dict[str, dict]], *, user_id: str = "U0PARTNER1",
                        private_metadata: str = "", team_id: str | None = None, **kw: Any) -> Reply:
        payload = {
            "type": "view_submission",
            "team": {"id": team_id or self.team_id, "domain": "partners"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id or self.team_id},
            "api_app_id": "A0PARTNERBOT",
            "token": "legacy",
            "trigger_id": self.fake.new_trigger_id(),
            "view": {"id": "V0VIEW0001", "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": values}, "hash": "h"},
        }
        return self._payload(payload, **kw)

    def event(self, event: dict, *, event_id: str | None = None, team_id: str | None = None, **kw: Any) -> Reply:
        body = {
            "token": "legacy", "team_id": team_id or self.team_id, "api_app_id": "A0PARTNERBOT",
            "event": event, "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
            "event_time": int(time.time()), "authorizations": [{"team_id": team_id or self.team_id,
                                                                "user_id": "UBOTUSER1", "is_bot": True}],
        }
        return self.post(json.dumps(body), content_type="application/json", **kw)


# -- building view state ---------------------------------------------------------------
def text_value(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str | None) -> dict:
    return {"type": "static_select", "selected_option": None if value is None else {"value": value,
                                                                                    "text": {"type": "plain_text", "text": value}}}


def multi_select_value(values: list[str]) -> dict:
    return {"type": "multi_static_select",
            "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}} for v in values]}


def date_value(value: str | None) -> dict:
    return {"type": "datepicker", "selected_date": value}
