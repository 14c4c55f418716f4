"""`/partnerstats [days]`: what the caller may see — the program for a manager, their own
company for a partner (never another partner's data)."""

from __future__ import annotations

import re

from bot.blocks.stats import USAGE, no_profile_blocks, partner_stats_blocks, program_stats_blocks
from bot.context import BotContext
from bot.metrics.cli import recent_days_period
from bot.metrics.figures import company_figures, compute_figures
from bot.blocks.wording import plural
from bot.text import safe
from models.company import get_company_for_user
from models.db import session_scope

DEFAULT_DAYS = 7
MAX_DAYS = 365
_DAYS = re.compile(r"^(\d{1,4})\s*(d|days?)?$", re.IGNORECASE)


def parse_days(text: str | None) -> int | None:
    """'' -> 7, '30' / '30d' / '30 days' -> 30; None when it is not 1..365 days."""
    text = (text or "").strip()
    if not text:
        return DEFAULT_DAYS
    match = _DAYS.match(text)
    if not match:
        return None
    days = int(match.group(1))
    return days if 1 <= days <= MAX_DAYS else None


def partnerstats(ctx: BotContext, *, user_id: str, days: int) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of the answer for `user_id`."""
    start, end = recent_days_period(ctx.clock.now(), days=days)
    tz = ctx.settings.digest_tz
    with session_scope(ctx.engine) as session:
        if ctx.settings.is_manager(user_id):
            figures = compute_figures(session, start=start, end=end)
            return (f"Partner program, last {plural(days, 'day')}: {plural(figures['asks'], 'ask')}, "
                    f"{figures['introduced']} introduced",
                    program_stats_blocks(figures, days=days, tz=tz, currency=ctx.settings.deal_currency))
        company = get_company_for_user(session, slack_user_id=user_id)
        if company is None:
            return ("You have no partner profile yet.", no_profile_blocks())
        figures = company_figures(session, company_id=company.id, start=start, end=end)
        return (f"{safe(company.name, 120)}, last {plural(days, 'day')}: {plural(figures['asks'], 'ask')}, "
                f"{plural(figures['introduced'], 'introduction')}",
                partner_stats_blocks(company.name, figures, days=days, tz=tz))


__all__ = ["USAGE", "parse_days", "partnerstats"]
