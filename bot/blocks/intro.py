"""Block Kit for introductions: approval requests, the intro channel post, follow-ups, modals.

Every builder is a pure function of plain values. Text a partner or manager typed goes
through `safe` (mrkdwn) or `plain` (plain_text); Slack IDs we hold are rendered as mentions.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.blocks.wording import match_label, money, plain_reasons, plural, slack_date
from bot.text import plain, safe, truncate
from bot.blocks.kit import button as _button, context as _context, modal as _modal, section as _section

APPROVE = "intro_approve"
DECLINE = "intro_decline"
NOT_A_FIT = "intro_not_a_fit"
NOT_A_FIT_CALLBACK = "intro_not_a_fit_reason"
NOT_A_FIT_BLOCK, NOT_A_FIT_NOTE = "not_a_fit_reason", "not_a_fit_note"
OPEN_CHANNEL = "intro_open_channel"
# One action_id per follow-up button: Slack refuses a block whose elements share an action_id
# ("action_id ... should be unique among all other action_ids in the containing block",
# https://api.slack.com/reference/block-kit/block-elements#button). Handlers match the prefix.
FOLLOWUP_PREFIX = "followup_"
DECLINE_CALLBACK = "intro_decline_reason"
DEAL_CALLBACK = "intro_deal_value"
REASON_BLOCK, REASON_ACTION = "reason", "reason"
DEAL_BLOCK, DEAL_ACTION = "deal_value", "deal_value"

OUTCOME_LABELS = {"working_together": "Working together", "deal_won": "Deal won", "no_fit": "No fit"}


def when(at: datetime) -> str:
    """A Slack date token: shown in each reader's own time zone."""
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _join(items: list[str] | None, limit: int = 400) -> str:
    return safe(", ".join(i for i in (items or []) if i), limit) or "—"


def company_summary(company, *, limit: int = 1400) -> str:
    """Who a company is, in mrkdwn (every field escaped)."""
    lines = [f"*{safe(company.name, 120)}*" + (f" · {safe(company.partner_type, 60)}" if company.partner_type else "")]
    lines.append(f"*Capabilities:* {_join(company.capabilities)}")
    if company.industries:
        lines.append(f"*Industries:* {_join(company.industries, 200)}")
    if company.regions:
        lines.append(f"*Regions:* {_join(company.regions, 200)}")
    if company.certifications:
        lines.append(f"*Certifications:* {_join(company.certifications, 200)}")
    if company.description:
        lines.append(f"_{safe(company.description, 500)}_")
    return truncate("\n".join(lines), limit)  # never cuts an escaped entity in half


def ask_summary(ask) -> str:
    lines = [f"*Asked for:* {safe(ask.text, 1000)}"]
    for label, value in (("Industry", ask.industry), ("Region", ask.region), ("Timing", ask.timing)):
        if value:
            lines.append(f"*{label}:* {safe(value, 200)}")
    if ask.context:
        lines.append(f"*Customer context:* {safe(ask.context, 800)}")
    return "\n".join(lines)


def reasons_text(reasons: list[str] | None, score: float | None = None) -> str:
    head = "*Why they matched*" + (f" (score {score:.0f}/100)" if score else "")
    items = [f"• {safe(r, 300)}" for r in (reasons or [])[:8]]
    return "\n".join([head, *(items or ["• (no reasons recorded)"])])


# -- approval ----------------------------------------------------------------------------
VIEW_PROFILES = "intro_view_profiles"


def approval_buttons(intro_id: int, *, view_profiles: bool = False) -> dict:
    """One actions block with Approve / Decline (also used on the App Home), and View profiles."""
    value = str(intro_id)
    elements = [_button("Approve", APPROVE, value, "primary"), _button("Decline", DECLINE, value, "danger")]
    if view_profiles:
        elements.append(_button("View profiles", VIEW_PROFILES, value))
    return {"type": "actions", "block_id": f"intro_decision_{intro_id}", "elements": elements}


def _short(text: str | None, limit: int) -> str:
    return safe(" ".join((text or "").split()), limit)


LINE_NEED = 60  # characters of the need in the approval request's first line


def _cut(text: str | None, limit: int) -> str:
    """Whole words up to `limit` characters, then '…' (escaped for mrkdwn)."""
    words = " ".join((text or "").split())
    if len(words) <= limit:
        return safe(words, limit)
    head = words[:limit].rsplit(" ", 1)[0] or words[:limit]
    return safe(head, limit) + "…"


def approval_line(*, ask, requester, target, requester_user_id: str, score: float | None,
                  confidence: str | None = None) -> str:
    """'@Bob (IPcelerate) → *Calence* · Cisco UC install…, Tucson, AZ · strong match'."""
    need = _cut(ask.text, LINE_NEED)
    region = " ".join((getattr(ask, "region", None) or "").split())
    where = f", {_short(region, 40)}" if region and safe(region, 200).lower() not in need.lower() else ""
    return (f"<@{requester_user_id}> ({safe(requester.name, 80)}) → *{safe(target.name, 80)}* · {need}{where}"
            f" · {match_label(score, confidence).lower()}")


def _approval_fields(*, ask, target, open_intros: int | None, max_open: int | None,
                     met_before: datetime | None) -> list[dict]:
    fields = []
    if len(" ".join((ask.text or "").split())) > LINE_NEED:  # cut in the first line: here in full
        fields.append(("Need", _short(ask.text, 600)))
    for label, value in (("Timing", getattr(ask, "timing", None)), ("Industry", getattr(ask, "industry", None))):
        if value:
            fields.append((label, _short(value, 150)))
    if open_intros is not None:
        limit = f" of {max_open} allowed" if max_open else ""
        fields.append((f"{safe(target.name, 60)}'s open introductions", f"{open_intros}{limit}"))
    if met_before is not None:
        fields.append(("Met before", f"Yes — introduced {slack_date(met_before)}"))
    else:
        fields.append(("Met before", "No — a first introduction"))
    return [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in fields]


def approval_request(*, intro_id: int, ask, requester, target, requester_user_id: str, score: float,
                     reasons: list[str], open_intros: int | None = None, max_open: int | None = None,
                     met_before: datetime | None = None, requested_at: datetime | None = None,
                     confidence: str | None = None, note: str | None = None) -> list[dict]:
    """The message a vendor manager approves or declines: one line, a few fields, the buttons;
    the full profiles are one click away (View profiles)."""
    why = plain_reasons(reasons, limit=3)
    blocks = [
        _section(approval_line(ask=ask, requester=requester, target=target, requester_user_id=requester_user_id,
                               score=score, confidence=confidence)),
        {"type": "section", "fields": _approval_fields(ask=ask, target=target, open_intros=open_intros,
                                                       max_open=max_open, met_before=met_before)},
    ]
    if note:
        blocks.append(_section(f":speech_balloon: *<@{requester_user_id}>:* {_short(note, 500)}"))
    if getattr(ask, "context", None):
        blocks.append(_context(f"*Customer:* {_short(ask.context, 400)}"))
    if why:
        blocks.append(_context(f"*Why {safe(target.name, 60)}:* " + " · ".join(safe(r, 200) for r in why)))
    blocks.append(approval_buttons(intro_id, view_profiles=True))
    if requested_at is not None:
        blocks.append(_context(f"Requested {slack_date(requested_at, '{date_short_pretty} at {time}')}"))
    return blocks


def approval_decided(*, intro_id: int, ask, requester, target, requester_user_id: str, score: float,
                     reasons: list[str], approved: bool, manager_id: str, at: datetime,
                     reason: str | None = None, channel_id: str | None = None, **_details) -> list[dict]:
    """The approval message after a decision, shrunk to one line and the outcome:
    '✅ Approved by @Maria · Nov 9 · #p2p-…' (or the decline and its reason)."""
    if approved:
        outcome = f":white_check_mark: Approved by <@{manager_id}> · {slack_date(at)}"
        if channel_id:
            outcome += f" · <#{channel_id}>"
    else:
        outcome = f":no_entry_sign: Declined by <@{manager_id}> · {slack_date(at)}"
        if reason:
            outcome += f"\n>{_short(reason, 1000)}"
    line = approval_line(ask=ask, requester=requester, target=target, requester_user_id=requester_user_id,
                         score=score, confidence=_details.get("confidence"))
    return [_section(line), _context(outcome)]


REQUEST_NOTE = "intro_request_note"
NOTE_CALLBACK = "intro_request_note_submit"
NOTE_BLOCK = "note"


def request_note_button(intro_id: int) -> dict:
    return _button("Add a note for the manager", REQUEST_NOTE, str(intro_id))


def request_note_modal(*, intro_id: int, target_name: str) -> dict:
    """An optional word for the approving manager (why this partner, what is at stake)."""
    return _modal(
        "Note for the manager", submit="Add note", close="Cancel",
        callback_id=NOTE_CALLBACK, private_metadata=str(intro_id),
        blocks=[
            _section(f"Your request to meet *{safe(target_name, 120)}* is waiting for approval. A short note helps "
                     "the manager decide (why them, what is at stake)."),
            {"type": "input", "block_id": NOTE_BLOCK, "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": NOTE_BLOCK, "multiline": True, "max_length": 500,
                         "placeholder": {"type": "plain_text", "text": "e.g. the customer signs this month"}}},
        ],
    )


def profiles_modal(*, requester, target, ask, today=None) -> dict:
    """View profiles: both companies' full profiles, behind a button on the approval request."""
    from bot.blocks.profile import profile_card

    blocks = [_section(ask_summary(ask)), {"type": "divider"}, *profile_card(requester, today=today),
              {"type": "divider"}, *profile_card(target, today=today)]
    return {"type": "modal", "title": {"type": "plain_text", "text": "Profiles"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": blocks[:100]}


def approval_text(requester_name: str, target_name: str) -> str:
    """Notification fallback text (escaped: Slack parses a message's `text` as mrkdwn)."""
    return f"{safe(requester_name, 120)} asks to meet {safe(target_name, 120)} — approve?"


def decline_reason_modal(*, intro_id: int, target_name: str, from_home: bool = False) -> dict:
    """`private_metadata` is the introduction id, plus `:home` when opened from the App Home."""
    return _modal(
        "Decline introduction", submit="Decline", close="Cancel",
        callback_id=DECLINE_CALLBACK, private_metadata=f"{intro_id}:home" if from_home else str(intro_id),
        blocks=[
            _section(f"Declining the introduction to *{safe(target_name, 120)}*. The requester will see your reason."),
            {"type": "input", "block_id": REASON_BLOCK, "label": {"type": "plain_text", "text": "Reason"},
             "element": {"type": "plain_text_input", "action_id": REASON_ACTION, "multiline": True,
                         "max_length": 1000,
                         "placeholder": {"type": "plain_text", "text": "e.g. they already work together"}}},
        ],
    )


# -- the introduction channel ------------------------------------------------------------
def _who(company) -> str:
    """'ISV: custom applications for Cisco IP phones' — what a company is, in a few words."""
    what = _cut((company.capabilities or [""])[0], 70)
    kind = safe(company.partner_type, 60)
    return ": ".join(p for p in (kind, what) if p) or "partner"


MAX_MENTIONS = 10  # per company: keeps the intro's first section within Slack's 3,000 characters


def mentions(user_ids: list[str]) -> str:
    """`<@U1> <@U2>`, at most MAX_MENTIONS of them, then how many more ('' for none)."""
    shown = " ".join(f"<@{u}>" for u in user_ids[:MAX_MENTIONS])
    more = len(user_ids) - MAX_MENTIONS
    return f"{shown} and {more} more" if more > 0 else shown


def intro_message(*, intro_id: int, ask, requester, target, requester_user_ids: list[str],
                  target_user_ids: list[str], manager_id: str, score: float, reasons: list[str],
                  rules: str | None, at: datetime | None = None) -> list[dict]:
    """The introduction posted in the new channel: three warm lines (who each is, why they fit,
    who goes first), the customer's context, who introduced them. The rules of engagement are a
    message of their own (`rules_message`), pinned; "Not a fit" is offered to the introduced
    partner in their DM, where only they see it."""
    people_a = mentions(requester_user_ids) or safe(requester.name, 120)
    people_b = mentions(target_user_ids) or safe(target.name, 120)
    first_a = f"<@{requester_user_ids[0]}>" if requester_user_ids else safe(requester.name, 120)
    first_b = f"<@{target_user_ids[0]}>" if target_user_ids else safe(target.name, 120)
    why = plain_reasons(reasons, limit=3, skip=tuple(target.capabilities[:1]))
    fits = "; ".join(safe(r, 200) for r in why) or "what they do matches the need"
    lines = [
        f":wave: *{safe(requester.name, 120)}* ({people_a}, {_who(requester)}) is looking for "
        f"*{_cut(ask.text, 200)}*.",
        f":handshake: *{safe(target.name, 120)}* ({people_b}, {_who(target)}) fits: {fits}.",
        f":point_right: *First step:* {first_a}, share the customer's need here; {first_b}, suggest two times "
        "for a 30-minute call this week.",
    ]
    blocks = [_section(truncate("\n".join(lines), 3000))]
    customer = [safe(v, 100) for v in (getattr(ask, "industry", None), getattr(ask, "region", None),
                                      getattr(ask, "timing", None)) if v]
    if getattr(ask, "context", None) or customer:
        text = "*The customer*"
        if ask.context:
            text += f"\n>{_short(ask.context, 1500)}"
        if customer:
            text += "\n" + " · ".join(customer)
        blocks.append(_section(text))
    note = f"Introduced by <@{manager_id}>" + (f" · {slack_date(at)}" if at else "")
    if rules:
        note += " · :pushpin: the rules of engagement are pinned in this channel"
    blocks.append(_context(note))
    return blocks


def intro_text(requester_name: str, target_name: str) -> str:
    """The introduction's notification text (escaped: Slack reads `text` as mrkdwn)."""
    return f"Meet {safe(requester_name, 120)} and {safe(target_name, 120)}"


def rules_message(rules: str) -> list[dict]:
    """The program's rules of engagement: a short message of its own, pinned in the channel."""
    return [_section(":pushpin: *Rules of engagement*\n" + safe(rules, 2800))]


def intro_dm(*, intro_id: int, other_name: str, manager_id: str, link: str, channel_name: str | None,
             can_say_not_a_fit: bool) -> list[dict]:
    """The DM telling a partner they were introduced; the introduced partner (only) gets Not a fit."""
    channel = f"#{channel_name}" if channel_name else "your channel"
    blocks = [_section(f":handshake: You've been introduced to *{safe(other_name, 120)}* by <@{manager_id}>. "
                       f"Say hello in <{link}|{safe(channel, 90)}>.")]
    elements = [{"type": "button", "action_id": OPEN_CHANNEL, "url": link[:3000],
                 "text": {"type": "plain_text", "text": "Open the channel"}, "style": "primary"}]
    if can_say_not_a_fit:
        elements.append(_button("Not a fit", NOT_A_FIT, str(intro_id)))
    blocks.append({"type": "actions", "block_id": f"intro_dm_{intro_id}", "elements": elements})
    return blocks


NOT_A_FIT_REASONS = (("expertise", "Not what we do"), ("capacity", "No capacity right now"),
                     ("region", "We don't cover that region"), ("conflict", "Conflict with an existing customer"),
                     ("other", "Another reason"))


def not_a_fit_modal(*, intro_id: int, other_name: str) -> dict:
    """Confirm Not a fit and say why (the requester is told, kindly)."""
    return _modal(
        "Not a fit?", submit="Close introduction", close="Keep it open",
        callback_id=NOT_A_FIT_CALLBACK, private_metadata=str(intro_id),
        blocks=[
            _section(f"This closes the introduction to *{safe(other_name, 120)}*. They are told your reason; "
                     "the channel stays, so you can still talk."),
            {"type": "input", "block_id": NOT_A_FIT_BLOCK, "label": {"type": "plain_text", "text": "Why?"},
             "element": {"type": "static_select", "action_id": NOT_A_FIT_BLOCK,
                         "placeholder": {"type": "plain_text", "text": "Choose a reason"},
                         "options": [{"text": {"type": "plain_text", "text": label}, "value": value}
                                     for value, label in NOT_A_FIT_REASONS]}},
            {"type": "input", "block_id": NOT_A_FIT_NOTE, "optional": True,
             "label": {"type": "plain_text", "text": "A word for them"},
             "element": {"type": "plain_text_input", "action_id": NOT_A_FIT_NOTE, "multiline": True,
                         "max_length": 500}},
        ],
    )


def not_a_fit_reason(values: dict) -> str | None:
    """The reason from a submitted Not a fit modal: 'No capacity right now — busy until May', or None."""
    chosen = ((values.get(NOT_A_FIT_BLOCK) or {}).get(NOT_A_FIT_BLOCK) or {}).get("selected_option") or {}
    label = dict(NOT_A_FIT_REASONS).get(chosen.get("value") or "")
    if label is None:
        return None
    note = " ".join((((values.get(NOT_A_FIT_NOTE) or {}).get(NOT_A_FIT_NOTE) or {}).get("value") or "").split())
    return f"{label} — {note[:500]}" if note else label


def intro_message_closed(blocks: list[dict], *, company_name: str, user_id: str, at: datetime) -> list[dict]:
    """The intro post after Not a fit: the button gives way to who said so."""
    kept = [b for b in blocks if b.get("type") != "actions" and not str(b.get("block_id", "")).startswith("intro_fit")]
    kept = [b for b in kept if b.get("type") != "context"]
    kept.append(_context(f":heavy_minus_sign: <@{user_id}> ({safe(company_name, 120)}) said this is not a fit · "
                         f"{slack_date(at)}. The introduction is closed."))
    return kept


def intro_topic(requester_name: str, target_name: str) -> str:
    return plain(f"Partner introduction: {safe(requester_name, 100)} + {safe(target_name, 100)}", 250)


# -- follow-up ---------------------------------------------------------------------------
def followup_action_id(outcome: str) -> str:
    return FOLLOWUP_PREFIX + outcome


def followup_value(intro_id: int, outcome: str) -> str:
    return json.dumps({"intro_id": intro_id, "outcome": outcome}, separators=(",", ":"))


FOLLOWUP_NOT_YET = "followup_not_yet"


def followup_message(*, intro_id: int, other_name: str, days: int, reminder: bool = False) -> list[dict]:
    lead = ("Reminder: we'd still love to hear" if reminder else "Time for a quick check-in")
    text = (f"{lead} — how is it going with *{safe(other_name, 120)}*? "
            f"You were introduced {plural(days, 'day')} ago. Your answer helps the partner program.")
    later = json.dumps({"intro_id": intro_id, "reminder": reminder}, separators=(",", ":"))
    return [
        _section(text),
        {"type": "actions", "block_id": f"followup_{intro_id}", "elements": [
            *(_button(OUTCOME_LABELS[outcome], followup_action_id(outcome), followup_value(intro_id, outcome),
                      "primary" if outcome == "working_together" else None)
              for outcome in OUTCOME_LABELS),
            _button("Not yet", FOLLOWUP_NOT_YET, later),
        ]},
    ]


def followup_later(*, other_name: str, reminder: bool) -> list[dict]:
    """After "Not yet": when the question comes back."""
    when = "next month, with your check-in" if reminder else "in a week"
    return [_section(f"No problem — I'll ask again about *{safe(other_name, 120)}* {when}. "
                     "Meanwhile, your channel is where you left it.")]


def followup_answered(*, other_name: str, outcome: str, deal_value: float | None,
                      currency: str = "USD") -> list[dict]:
    label = OUTCOME_LABELS.get(outcome, outcome)
    text = f"Thanks! Your introduction to *{safe(other_name, 120)}*: *{label}*"
    if deal_value is not None:
        text += f" (deal value {money(deal_value, currency)})"
    return [_section(text + ". You can change your answer any time by asking a vendor manager.")]


def deal_value_modal(*, private_metadata: str, other_name: str) -> dict:
    return _modal(
        "Deal won", submit="Save", close="Cancel",
        callback_id=DEAL_CALLBACK, private_metadata=private_metadata,
        blocks=[
            _section(f"Congratulations on the deal with *{safe(other_name, 120)}*!"),
            {"type": "input", "block_id": DEAL_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "Deal value"},
             "hint": {"type": "plain_text", "text": "A number, e.g. 25000 or 25,000.50"},
             "element": {"type": "plain_text_input", "action_id": DEAL_ACTION,
                         "placeholder": {"type": "plain_text", "text": "25000"}}},
        ],
    )
