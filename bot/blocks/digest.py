"""The engagement digest as Block Kit: pure builders over the figures dict."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks.wording import money, plural
from bot.text import safe, truncate

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


# Which way is good news: +1 when more is better, -1 when more is worse (more unmet asks is bad).
GOOD_WHEN = {"asks": 1, "unmet_asks": -1, "intro_requests": 1, "approved": 1, "declined": -1, "introduced": 1,
             "working_together": 1, "deals_won": 1, "deal_value": 1, "active_partners": 1,
             "approval_hours_median": -1}
# The "what changed" fields, in order (at most 10: Slack's limit per section).
CHANGES = (("asks", "Asks"), ("unmet_asks", "Unmet asks"), ("intro_requests", "Intro requests"),
           ("introduced", "Introduced"), ("working_together", "Working together"), ("deals_won", "Deals won"),
           ("deal_value", "Deal value"), ("active_partners", "Active partners"),
           ("approval_hours_median", "Approval time (median)"), ("declined", "Declined"))
STALE_APPROVAL_HOURS = 48


def judged_change(key: str, delta, currency: str = "USD") -> str:
    """'🟢 +4' (good news), '🔴 +2' (bad news: e.g. more unmet asks), 'no change', '' (unknown)."""
    if delta is None:
        return ""
    if not delta:
        return "no change"
    number = f"{abs(delta):,.1f}".removesuffix(".0") if isinstance(delta, float) else f"{abs(delta):,}"
    if key == "deal_value":
        number = money(abs(delta), currency, short=True)
    good = (delta > 0) == (GOOD_WHEN.get(key, 1) > 0)
    return f"{':large_green_circle:' if good else ':red_circle:'} {'+' if delta > 0 else '−'}{number}"


def _period_words(figures: dict) -> str:
    days = round(figures.get("days") or 0)
    return "this week" if days == 7 else ("today" if days == 1 else f"in these {days} days")


def _value(key: str, figures: dict, currency: str) -> str:
    value = figures.get(key)
    if key == "deal_value":
        return money(value, currency, short=True)
    if key == "approval_hours_median":
        return "–" if value is None else f"{fmt_number(value)} h"
    if key == "active_partners":
        rate = (figures.get("participation_rate") or 0) * 100
        return f"{fmt_number(value)} of {fmt_number(figures.get('total_partners'))} ({rate:.0f}%)"
    return fmt_number(value)


def _best_of(trend: dict | None, key: str) -> int:
    """N when this period is the best of the last N (N >= 3), else 0."""
    values = [int(v) for v in (trend or {}).get(key) or []]
    if len(values) < 3 or values[-1] <= 0 or values[-1] <= max(values[:-1]):
        return 0
    return len(values)


def headline(figures: dict, *, currency: str = "USD", trend: dict | None = None) -> str:
    """'*10 introductions* (+2) · *2 deals won* worth *$185k* · best week in 8'."""
    change = figures.get("change") or {}
    introduced, deals = int(figures.get("introduced") or 0), int(figures.get("deals_won") or 0)
    delta = change.get("introduced")
    parts = [f"*{plural(introduced, 'introduction')}*" + (f" ({delta:+,})" if delta else "")]
    deals_text = f"*{plural(deals, 'deal')} won*"
    if figures.get("deal_value"):
        deals_text += f" worth *{money(figures['deal_value'], currency, short=True)}*"
    parts.append(deals_text)
    best = _best_of(trend, "introduced")
    if best:
        unit = "week" if round(figures.get("days") or 0) == 7 else "period"
        parts.append(f"best {unit} in {best}")
    return " · ".join(parts)


def funnel(figures: dict) -> str:
    steps = ((figures.get("asks"), "ask", "asks"), (figures.get("intro_requests"), "request", "requests"),
             (figures.get("approved"), "approved", "approved"), (figures.get("introduced"), "introduced", "introduced"),
             (figures.get("working_together"), "working together", "working together"),
             (figures.get("deals_won"), "won", "won"))
    return " → ".join(plural(int(n or 0), one, many) for n, one, many in steps)


def attention_lines(figures: dict) -> list[str]:
    """What a manager should do something about, most urgent first (empty when all is well)."""
    lines = []
    waiting = int(figures.get("approvals_waiting_48h") or 0)
    if waiting:
        lines.append(f":hourglass_flowing_sand: {plural(waiting, 'approval')} waiting over "
                     f"{STALE_APPROVAL_HOURS} h — the App Home lists them")
    gaps = figures.get("gaps") or {}
    unanswered = int(gaps.get("unanswered_introductions") or 0)
    if unanswered:
        lines.append(f":mailbox_with_mail: {plural(unanswered, 'introduction')} whose follow-up nobody answered")
    unmet = figures.get("top_unmet_needs_counts") or [{"name": n, "count": 0} for n in figures.get("top_unmet_needs", [])]
    if unmet:
        top = unmet[0]
        asked = f" (asked {top['count']}×)" if top.get("count") else ""
        lines.append(f":dart: Recruit for *{safe(top['name'], 120)}*{asked}, the top unmet need")
    return lines


def _is_empty(figures: dict) -> bool:
    return not any(figures.get(k) for k in ("asks", "intro_requests", "approved", "introduced", "working_together",
                                            "deals_won", "declined"))


def digest_blocks(figures: dict, *, tz: str = "UTC", title: str = "Partner program digest",
                  chart_note: bool = True, trend: dict | None = None, currency: str = "USD",
                  chart: dict | None = None, period_note: str | None = None) -> list[dict]:
    """The digest as a story: headline, funnel, what needs attention, what changed (judged good
    or bad), the trend chart (`chart`: {"file_id", "alt_text"} of an uploaded PNG), the details.
    Well under 50 blocks whatever the data. (`chart_note` is kept for old callers.)"""
    days = figures.get("days") or 0
    when = f"{period_label(figures, tz)} · compared with the {fmt_number(days)} days before"
    if period_note:
        when += f" · {period_note}"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": when}]},
    ]
    attention = attention_lines(figures)
    total = f"{plural(int(figures.get('total_partners') or 0), 'partner')} in the program"
    from bot.blocks.consent import consent_digest_section

    consent = consent_digest_section(figures)  # issue 14: the proposed partners' answers
    if _is_empty(figures):
        blocks.append(_text(f"*No asks {_period_words(figures)}.* Nothing was requested or introduced; "
                            f"{total}."))
        if attention:
            blocks.append(_text("*Needs attention*\n" + "\n".join(attention)))
        return blocks + ([consent] if consent else [])
    blocks.append(_text(headline(figures, currency=currency, trend=trend)))
    blocks.append(_text(f"*Funnel* {funnel(figures)}"))
    if attention:
        blocks.append(_text("*Needs attention*\n" + "\n".join(attention)))
    change = figures.get("change") or {}
    blocks.append({"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*{label}*\n{_value(key, figures, currency)}"
                                   + (f"  {c}" if (c := judged_change(key, change.get(key), currency)) else "")}
        for key, label in CHANGES]})
    if chart:
        blocks.append({"type": "image", "slack_file": {"id": chart["file_id"]},
                       "alt_text": chart["alt_text"][:2000],
                       "title": {"type": "plain_text", "text": "Trend"}})
    if consent:
        blocks.append(consent)
    details = [f"*Most asked for:* {_ranked_lines(figures.get('top_capabilities') or [])}"]
    connectors = figures.get("top_connectors") or []
    if connectors:
        details.append("*Connect most:* " + ", ".join(
            f"{safe(c['company'], 80)} ({c['introductions']})" for c in connectors[:3]))
    unmet = figures.get("top_unmet_needs_counts") or []
    if len(unmet) > 1:
        details.append("*Also unmet:* " + ", ".join(f"{safe(i['name'], 80)} ({i['count']})" for i in unmet[1:5]))
    partly = int(figures.get("partly_unmet_asks") or 0)
    if partly:
        details.append(f"{plural(partly, 'ask')} found partners for some parts but not all")
    gaps = figures.get("gaps") or {}
    details.append(f"{total} · {plural(int(gaps.get('inactive_partners') or 0), 'partner')} quiet this quarter · "
                   f"{plural(int(gaps.get('stale_profiles') or 0), 'profile')} not updated for 90 days")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate("\n".join(details), 3000)}]})
    return blocks


def _text(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def digest_text(figures: dict, *, tz: str = "UTC", currency: str = "USD") -> str:
    """The notification / fallback text of the digest message."""
    if _is_empty(figures):
        return f"Partner program {period_label(figures, tz)}: no asks {_period_words(figures)}"
    text = headline(figures, currency=currency).replace("*", "")
    return f"Partner program {period_label(figures, tz)}: {text}"
