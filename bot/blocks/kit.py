"""The small Block Kit pieces every surface builds from (one place, so each keeps Slack's limits:
https://docs.slack.dev/reference/block-kit/blocks/section-block, .../context-block,
https://docs.slack.dev/reference/block-kit/block-elements/button-element,
https://docs.slack.dev/reference/views/modal-views)."""

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


def modal(title: str, blocks: list[dict], *, close: str, submit: str | None = None,
          callback_id: str | None = None, private_metadata: str | None = None) -> dict:
    """A modal view: plain-text title, submit and close buttons; a form's submission comes back
    with its `callback_id` and `private_metadata`."""
    view: dict = {"type": "modal"}
    if callback_id is not None:
        view["callback_id"] = callback_id
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    view["title"] = {"type": "plain_text", "text": title}
    if submit is not None:
        view["submit"] = {"type": "plain_text", "text": submit}
    view["close"] = {"type": "plain_text", "text": close}
    view["blocks"] = blocks
    return view
