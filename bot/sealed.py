"""State the bot hands to Slack and gets back (a modal's private_metadata), sealed with an
HMAC so a forged request cannot change it: the bot trusts only what it wrote itself."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bot.config import Settings


def _key(settings: Settings) -> bytes:
    secret = settings.slack_signing_secret or settings.slack_bot_token or settings.slack_app_token or ""
    return hashlib.sha256(b"partnerbot-sealed:" + secret.encode()).digest()


def seal(data: dict[str, Any], settings: Settings) -> str:
    body = json.dumps(data, separators=(",", ":"), sort_keys=True)
    mac = hmac.new(_key(settings), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}|{mac}"


def unseal(text: str | None, settings: Settings) -> dict[str, Any] | None:
    """The sealed data, or None when it was not sealed by this bot (or was changed)."""
    body, sep, mac = (text or "").rpartition("|")
    if not sep:
        return None
    expected = hmac.new(_key(settings), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
