"""Short notices the bot shows when it cannot do what was asked right now."""

from __future__ import annotations

DB_UNAVAILABLE = ":warning: partnerbot could not reach its database — please try again in a minute."


def db_unavailable_message() -> dict:
    """An ephemeral reply (response_url) that leaves the original message alone."""
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": DB_UNAVAILABLE,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": DB_UNAVAILABLE}}],
    }


def db_unavailable_modal() -> dict:
    """Pushed over a modal whose submit failed: closing it returns to the user's input."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Please try again"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": DB_UNAVAILABLE}}],
    }
