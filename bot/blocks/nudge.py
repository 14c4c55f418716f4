"""The friendly participation nudge (a DM), with Refresh profile / Pause buttons."""

from __future__ import annotations

from bot.text import safe

REASONS = {
    "unanswered_intro": "an introduction of yours is waiting for a word on how it went",
    "stale_profile": "your profile hasn't been updated for three months",
    "inactive": "you haven't asked for or been introduced to a partner this quarter",
}


def nudge_text(company_name: str) -> str:
    return f"A quick check-in about {safe(company_name, 120)}'s partner profile"


ANSWER_NOW = "nudge_answer_now"


def nudge_blocks(*, company_id: int, company_name: str, kinds: list[str]) -> list[dict]:
    reasons = "\n".join(f"• {REASONS[k]}" for k in kinds if k in REASONS)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f":wave: Hi! A quick check-in about *{safe(company_name, 200)}* in the partner program:\n{reasons}\n\n"
            "Partners with a fresh profile get matched to the asks that fit them. Does yours still say what "
            "you do today? If now is not a good time for introductions, you can pause — we won't propose you "
            "until you resume.")}},
        {"type": "actions", "block_id": "nudge_actions", "elements": [
            # An unanswered follow-up comes first: answering it is one click away.
            *([{"type": "button", "action_id": ANSWER_NOW, "style": "primary", "value": str(company_id),
                "text": {"type": "plain_text", "text": "Answer now"}}] if "unanswered_intro" in kinds else []),
            {"type": "button", "action_id": "profile_refresh", "value": str(company_id),
             **({} if "unanswered_intro" in kinds else {"style": "primary"}),
             "text": {"type": "plain_text", "text": "Refresh my profile"}},
            {"type": "button", "action_id": "profile_pause", "value": str(company_id),
             "text": {"type": "plain_text", "text": "Pause for now"}},
        ]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "You get at most one of these reminders a month. To see what you did this month: `/partnerstats 30`"}]},
    ]
