"""`partnerbot digest [--days N] [--json] [--post]`.

Printing (table or --json) counts the last N days up to now, today included, exactly as
`/partnerstats N` does. `--post` posts the last N whole days in DIGEST_TZ (local midnight N days
ago to local midnight today), so run twice the same day it posts once; its message says which
days it covers, and the figures printed after posting are the posted ones.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import jsonout
from bot.context import BotContext
from bot.metrics.figures import compute_figures
from models.db import session_scope

MAX_DAYS = 3650

TABLE = (
    ("asks", "Asks"),
    ("unmet_asks", "Unmet asks"),
    ("partly_unmet_asks", "Partly unmet asks"),
    ("matches_shown", "Matches shown"),
    ("intro_requests", "Intro requests"),
    ("approved", "Approved"),
    ("declined", "Declined"),
    ("introduced", "Introduced"),
    ("approval_hours_median", "Approval time, median (h)"),
    ("approval_hours_p90", "Approval time, 90th pct (h)"),
    ("consent_accepted", "Consent: accepted"),
    ("consent_declined", "Consent: not now"),
    ("consent_expired", "Consent: expired"),
    ("consent_hours_median", "Consent answer time, median (h)"),
    ("working_together", "Working together"),
    ("deals_won", "Deals won"),
    ("deal_value", "Deal value reported"),
    ("active_partners", "Active partners"),
    ("total_partners", "Total partners"),
    ("participation_rate", "Participation rate"),
    ("new_profiles", "New profiles"),
    ("updated_profiles", "Updated profiles"),
)


def whole_days_period(now: datetime, *, days: int, tz: str) -> tuple[datetime, datetime]:
    """[local midnight `days` days ago, local midnight today) as UTC datetimes."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    end = datetime.combine(today, time(0), tzinfo=zone)
    start = datetime.combine(today - timedelta(days=days), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def recent_days_period(now: datetime, *, days: int) -> tuple[datetime, datetime]:
    """The last `days` days up to now (for on-demand views that include today)."""
    return now - timedelta(days=days), now


def _value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value):,}"
    return f"{value:,}"


def render_table(figures: dict) -> str:
    change = figures.get("change") or {}
    lines = [f"Partner program {figures['period_start']} .. {figures['period_end']}", ""]
    lines.append(f"{'figure':<30}{'value':>14}{'change':>12}")
    for key, label in TABLE:
        value = figures.get(key)
        if key == "participation_rate":
            shown = f"{value * 100:.1f}%"
            delta = change.get(key)
            delta_s = "" if delta is None else f"{delta * 100:+.1f} pts"
        else:
            shown = _value(value)
            delta = change.get(key)
            delta_s = "" if delta is None else (f"{delta:+,.2f}".rstrip("0").rstrip(".") if isinstance(delta, float)
                                                 else f"{delta:+,}")
        lines.append(f"{label:<30}{shown:>14}{delta_s:>12}")

    def ranked(title: str, items: list[dict]) -> None:
        lines.append("")
        lines.append(title + ":")
        lines.extend(f"  {i['count']:>6}  {i['name']}" for i in items)
        if not items:
            lines.append("  (none)")

    ranked("Top unmet needs (recruiting list)", figures["top_unmet_needs_counts"])
    ranked("Top requested capabilities", figures["top_capabilities"])
    ranked("Top industries", figures["top_industries"])
    ranked("Top regions", figures["top_regions"])
    ranked("Partners who connect most",
           [{"name": c["company"], "count": c["introductions"]} for c in figures["top_connectors"]])
    gaps = figures["gaps"]
    lines += ["", "Participation gaps:",
              f"  {gaps['inactive_partners']:>6}  partners neither asking nor introduced in the last quarter",
              f"  {gaps['stale_profiles']:>6}  profiles not updated for 90 days",
              f"  {gaps['unanswered_introductions']:>6}  introductions whose follow-up nobody answered"]
    return "\n".join(lines)


def digest_cli(ctx: BotContext, *, days: int, as_json: bool, post: bool, out: TextIO) -> int:
    if not 1 <= days <= MAX_DAYS:
        print(f"partnerbot digest: --days must be between 1 and {MAX_DAYS}, not {days}", file=sys.stderr)
        return 2
    if post and not ctx.settings.digest_channel:
        print("partnerbot digest: --post needs DIGEST_CHANNEL (a channel ID, C...)", file=sys.stderr)
        return 2
    start, end = recent_days_period(ctx.clock.now(), days=days)
    figures = None
    if post:
        from bot.metrics.digest import post_digest

        start, end = whole_days_period(ctx.clock.now(), days=days, tz=ctx.settings.digest_tz)
        try:
            posted = post_digest(ctx, start=start, end=end,
                                 period_note=f"whole days in {ctx.settings.digest_tz}, today not yet included")
        except SlackApiError as exc:  # claimed but not posted: a run after the claim times out retries
            print(f"partnerbot digest: Slack refused the digest ({exc.response.get('error')}); "
                  "a later run retries it", file=sys.stderr)
            return 1
        except (SlackClientError, OSError) as exc:  # unreachable: DNS, refused, timed out
            print(f"partnerbot digest: could not reach Slack at {ctx.settings.slack_api_base_url} "
                  f"({type(exc).__name__}: {str(exc)[:200]}); a later run retries it", file=sys.stderr)
            return 1
        status = (f"posted the digest to {posted.channel} (ts {posted.ts})" if posted
                  else f"the digest for {start.isoformat()} .. {end.isoformat()} was already posted; nothing to do")
        print(status, file=sys.stderr if as_json else out)
        figures = posted.figures if posted else None
    if figures is None:
        with session_scope(ctx.engine) as session:
            figures = compute_figures(session, start=start, end=end)
    if as_json:
        out.write(jsonout.dumps(figures, indent=2, sort_keys=True) + "\n")
    else:
        out.write(render_table(figures) + "\n")
    return 0
