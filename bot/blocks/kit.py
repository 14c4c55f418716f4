"""The small Block Kit pieces every surface builds from (one place, so each keeps Slack's limits:
https://docs.slack.dev/reference/block-kit/blocks/section-block, .../context-block,
https://docs.slack.dev/reference/block-kit/block-elements/button-element)."""

from __future__ import annotations

from bot.text import plain, truncate

SECTION_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75


def section(text: str) -> dict:
    """A mrkdwn section; `text` is already escaped mrkdwn (cut without breaking an escape or a mention)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}}


def context(text: str, block_id: str | None = None) -> dict:
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}]}
    if block_id:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT_MAX), "emoji": True},
               "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element
