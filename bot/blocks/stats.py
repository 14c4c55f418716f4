"""`/partnerstats` answers: the program's figures for a manager, a partner's own for a partner."""

from __future__ import annotations

from bot.blocks.digest import digest_blocks, fmt_number, period_label
from bot.text import plain, safe

USAGE = "Usage: `/partnerstats [days]` — days is a whole number from 1 to 365 (default 7)."


def program_stats_blocks(figures: dict, *, days: int, tz: str = "UTC", currency: str = "USD") -> list[dict]:
    return digest_blocks(figures, tz=tz, title=f"Partner program — last {days} day{'s' if days != 1 else ''}",
                         chart_note=False, currency=currency)


def partner_stats_blocks(company_name: str, figures: dict, *, days: int, tz: str = "UTC") -> list[dict]:
    """Only the caller's own company: its asks, introductions and the outcomes it reported."""
    rows = (
        ("Asks made", figures["asks"]),
        ("Asks with no match", figures["unmet_asks"]),
        ("Intro requests made", figures["intro_requests_made"]),
        ("Intro requests received", figures["intro_requests_received"]),
        ("Introductions made", figures["introduced"]),
        ("Open introductions (now)", figures["open_introductions"]),
        ("Working together", figures["working_together"]),
        ("Deals won", figures["deals_won"]),
        ("Deal value reported", figures["deal_value"]),  # (the currency is DEAL_CURRENCY's)
        ("No fit", figures["no_fit"]),
    )
    return [
        {"type": "header", "text": {"type": "plain_text", "text": plain(f"{company_name} — last {days} day{'s' if days != 1 else ''}", 150)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            f"{period_label(figures, tz)} · your company's own activity in the partner program"}]},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{fmt_number(value)}"}
                                       for label, value in rows]},
    ]


def no_profile_blocks() -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text":
        "You don't have a partner profile yet, so there are no figures to show. "
        "Create one with `/partnerprofile`."}}]


def text_blocks(text: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": safe(text, 3000)}}]
