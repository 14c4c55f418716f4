"""Short notices the bot shows when it cannot do what was asked right now."""

from __future__ import annotations

DB_UNAVAILABLE = ":warning: partnerbot could not reach its database — please try again in a minute."
SOMETHING_WRONG = (":warning: Sorry — partnerbot hit an unexpected error and could not finish this. "
                   "Please try again; if it keeps happening, tell the partner program's managers.")
SLACK_UNAVAILABLE = (":warning: partnerbot cannot reach Slack's servers right now, so it could not handle this. "
                     "Please try again in a minute.")
BUSY = ":hourglass: partnerbot is very busy and could not answer in time — please try again in a minute."


def db_unavailable_message(text: str = DB_UNAVAILABLE) -> dict:
    """An ephemeral reply (response_url) that leaves the original message alone."""
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def notice_modal(text: str) -> dict:
    """Pushed over a modal whose submit failed: closing it returns to the user's input."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Please try again"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def db_unavailable_modal() -> dict:
    return notice_modal(DB_UNAVAILABLE)
