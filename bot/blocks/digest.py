"""The engagement digest as Block Kit: pure builders over the figures dict."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.text import safe

# Headline figures shown as section fields, in order: (key, label).
FIELDS = (
    ("asks", "Asks"),
    ("unmet_asks", "Unmet asks"),
    ("intro_requests", "Intro requests"),
    ("approved", "Approved"),
    ("declined", "Declined"),
    ("introduced", "Introduced"),
    ("working_together", "Working together"),
    ("deals_won", "Deals won"),
    ("deal_value", "Deal value reported"),
)


def fmt_number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def fmt_change(delta, *, percent: bool = False) -> str:
    """'▲ 3' / '▼ 2' / 'no change' against the previous period."""
    if delta is None:
        return ""
    if percent:
        delta = round(delta * 100, 1)
    if delta == 0:
        return "no change"
    arrow = "▲" if delta > 0 else "▼"
    text = f"{abs(delta):,.1f}".removesuffix(".0") if isinstance(delta, float) else f"{abs(delta):,}"
    return f"{arrow} {text}{' pts' if percent else ''}"


def period_label(figures: dict, tz: str = "UTC") -> str:
    """'Nov 2 – Nov 8, 2026' (the end is exclusive, so the last day shown is the day before)."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(figures["period_start"]).astimezone(zone)
    last = (datetime.fromisoformat(figures["period_end"]) - timedelta(microseconds=1)).astimezone(zone)
    first = f"{start:%b} {start.day}"
    end = f"{last:%b} {last.day}, {last.year}"
    return end if start.date() == last.date() else f"{first} – {end}"


def _field(label: str, value: str, change: str) -> dict:
    text = f"*{label}*\n{value}"
    if change:
        text += f"  _{change}_"
    return {"type": "mrkdwn", "text": text}


def headline_fields(figures: dict) -> list[dict]:
    change = figures.get("change") or {}
    fields = [_field(label, fmt_number(figures.get(key)), fmt_change(change.get(key))) for key, label in FIELDS]
    rate = figures.get("participation_rate") or 0.0
    fields.append(_field(
        "Active partners",
        f"{fmt_number(figures.get('active_partners'))} of {fmt_number(figures.get('total_partners'))}"
        f" ({rate * 100:.0f}%)",
        fmt_change(change.get("participation_rate"), percent=True)))
    return fields


def _ranked_lines(items: list[dict], *, limit: int = 5) -> str:
    return ", ".join(f"{safe(i['name'], 80)} ({i['count']})" for i in items[:limit]) or "–"


def digest_blocks(figures: dict, *, tz: str = "UTC", title: str = "Partner program digest",
                  chart_note: bool = True) -> list[dict]:
    """The whole digest (well under 50 blocks whatever the data)."""
    median = figures.get("approval_hours_median")
    p90 = figures.get("approval_hours_p90")
    days = figures.get("days") or 0
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            f"{period_label(figures, tz)} · changes against the previous {fmt_number(days)} days"}]},
        {"type": "section", "fields": headline_fields(figures)},
        {"type": "section", "text": {"type": "mrkdwn", "text":
            f"*Approval time* median {fmt_number(median)} h · 90th percentile {fmt_number(p90)} h"
            f"    *Matches shown* {fmt_number(figures.get('matches_shown'))}"
            f"    *Profiles* {fmt_number(figures.get('new_profiles'))} new,"
            f" {fmt_number(figures.get('updated_profiles'))} updated"}},
        {"type": "divider"},
    ]
    unmet = figures.get("top_unmet_needs_counts") or [{"name": n, "count": 0} for n in figures.get("top_unmet_needs", [])]
    unmet_text = "\n".join(f"• {safe(i['name'], 120)} — asked {i['count']}×" for i in unmet[:10])
    partly = figures.get("partly_unmet_asks") or 0
    partly_text = (f"\n_{fmt_number(partly)} ask{'s' if partly != 1 else ''} found partners for some parts"
                   " but not all; those parts are counted here._" if partly else "")
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text":
        "*Unmet demand* (the recruiting list)\n" + (unmet_text or "Every ask found a match. :tada:") + partly_text}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
        "*Most requested*\n"
        f"Capabilities: {_ranked_lines(figures.get('top_capabilities') or [])}\n"
        f"Industries: {_ranked_lines(figures.get('top_industries') or [])}\n"
        f"Regions: {_ranked_lines(figures.get('top_regions') or [])}")[:3000]}})
    connectors = figures.get("top_connectors") or []
    if connectors:
        lines = "\n".join(f"{n}. {safe(c['company'], 120)} — {c['introductions']} introduction"
                          f"{'' if c['introductions'] == 1 else 's'}" for n, c in enumerate(connectors[:5], 1))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Partners who connect most*\n{lines}"}})
    gaps = figures.get("gaps")
    if gaps:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            "*Participation gaps*\n"
            f"• Partners who neither asked nor were introduced this quarter: {gaps['inactive_partners']:,}\n"
            f"• Profiles not updated for 90 days: {gaps['stale_profiles']:,}\n"
            f"• Introductions whose follow-up nobody answered: {gaps['unanswered_introductions']:,}\n"
            "_They get at most one friendly reminder a month (never when paused or after a no fit)._")}})
    from bot.blocks.consent import consent_digest_section

    consent = consent_digest_section(figures)  # issue 14: the proposed partners' answers
    if consent:
        blocks.append(consent)
    if chart_note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Trend chart in the thread :point_down:"}]})
    return blocks


def digest_text(figures: dict, *, tz: str = "UTC") -> str:
    """The notification / fallback text of the digest message."""
    return (f"Partner program digest {period_label(figures, tz)}: {figures.get('asks', 0)} asks, "
            f"{figures.get('introduced', 0)} introductions, {figures.get('deals_won', 0)} deals won")
