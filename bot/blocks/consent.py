"""Block Kit for the proposed partner's consent and for Slack Connect invitations.

Pure functions of plain values; partner-typed text goes through `safe` (mrkdwn) or `plain`
(plain_text). Kept apart from `bot.blocks.intro` so both can change independently.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks.intro import ask_summary, company_summary, reasons_text, when
from bot.text import plain, safe
from bot.blocks.kit import button as _button, context as _context, modal as _modal, section as _section

ACCEPT = "intro_consent_accept"
NOT_NOW = "intro_consent_not_now"
NOT_NOW_CALLBACK = "intro_consent_not_now_reason"
NOT_NOW_BLOCK, NOT_NOW_ACTION = "reason", "reason"
# On the manager's report of a declined or failed Slack Connect invitation.
CONNECT_RETRY = "connect_invite_retry"
CONNECT_PRIVATE = "connect_use_private"
STATUS_BLOCK = "intro_status"


# -- consent -----------------------------------------------------------------------------
def consent_text(requester_name: str) -> str:
    """Notification fallback text of the consent question (escaped: Slack reads `text` as mrkdwn)."""
    return f"{safe(requester_name, 120)} would like to be introduced to you. Accept or Not now?"


def consent_request(*, intro_id: int, ask, requester, requester_user_id: str, target_name: str,
                    manager_id: str, reasons: list[str], deadline: datetime) -> list[dict]:
    """The DM asking the proposed partner's contacts: who asks and why, Accept / Not now."""
    value = str(intro_id)
    return [
        {"type": "header", "text": {"type": "plain_text", "text": plain(
            f"{requester.name} would like to meet {target_name}", 150)}},
        _section(f"<@{requester_user_id}> of *{safe(requester.name, 120)}* asked to be introduced to "
                 f"*{safe(target_name, 120)}*, and <@{manager_id}> of the partner program approved the request. "
                 "Nothing is shared and no channel is opened until you accept.\n" + ask_summary(ask)),
        _section("*Who is asking*\n" + company_summary(requester)),
        _section(reasons_text(reasons)),
        {"type": "actions", "block_id": f"intro_consent_{intro_id}", "elements": [
            _button("Accept", ACCEPT, value, "primary"),
            _button("Not now", NOT_NOW, value),
        ]},
        _context(f"Accept opens a channel for both of you and the vendor manager. Not now closes the "
                 f"request politely (a reason is optional). Without an answer it closes by itself on {when(deadline)}."),
    ]


def consent_answered(*, intro_id: int, requester_name: str, answer: str, user_id: str | None,
                     at: datetime) -> list[dict]:
    """The consent DM once answered (the buttons are gone)."""
    name = safe(requester_name, 120)
    if answer == "accepted":
        line = f":white_check_mark: <@{user_id}> accepted on {when(at)}: I'm opening the channel with *{name}*."
    elif answer == "declined":
        line = f":wave: <@{user_id}> answered *Not now* on {when(at)}. *{name}* has been told, kindly."
    else:
        line = f":hourglass: This request from *{name}* closed without an answer on {when(at)}."
    return [_section(line)]


def not_now_modal(*, intro_id: int, requester_name: str) -> dict:
    return _modal(
        "Not now", submit="Send", close="Cancel",
        callback_id=NOT_NOW_CALLBACK, private_metadata=str(intro_id),
        blocks=[
            _section(f"*{safe(requester_name, 120)}* will be told that you can't take this introduction right "
                     "now — no reason is given to them. The vendor manager sees your reason, if you give one."),
            {"type": "input", "block_id": NOT_NOW_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "Reason (optional)"},
             "element": {"type": "plain_text_input", "action_id": NOT_NOW_ACTION, "multiline": True,
                         "max_length": 1000,
                         "placeholder": {"type": "plain_text", "text": "e.g. fully booked until spring"}}},
        ],
    )


def consent_digest_section(figures: dict) -> dict | None:
    """The digest's line on consent (INTRO_CONSENT): only when some partner answered or expired."""
    accepted, declined, expired = (int(figures.get(k) or 0)
                                   for k in ("consent_accepted", "consent_declined", "consent_expired"))
    if not accepted + declined + expired:
        return None
    median = figures.get("consent_hours_median")
    answer = f" · median time to answer {median:,.1f} h" if median is not None else ""
    return _section(f"*Consent of proposed partners*\n{accepted:,} accepted · {declined:,} not now · "
                    f"{expired:,} expired{answer}")


# -- status on the manager's approval message ----------------------------------------------
def status_block(text: str) -> dict:
    """The live status line appended to the approval message."""
    return _context(text, STATUS_BLOCK)


def connect_report(*, intro_id: int, email: str, company_name: str, reason: str,
                   channel_id: str | None, invite_id: int) -> list[dict]:
    """To the manager: an outside contact's invitation was declined or failed."""
    value = str(invite_id)
    where = f" to <#{channel_id}>" if channel_id else ""
    return [
        _section(f":warning: The Slack Connect invitation{where} for *{safe(company_name, 120)}* "
                 f"({safe(email, 254)}) did not go through: {safe(reason, 300)}"),
        {"type": "actions", "block_id": f"connect_report_{invite_id}", "elements": [
            _button("Retry", CONNECT_RETRY, value, "primary"),
            _button("Use a private channel instead", CONNECT_PRIVATE, value),
        ]},
        _context("A private channel keeps the members of this workspace; the outside contact is then not invited."),
    ]
