"""Build and post the engagement digest: exactly once per channel and period.

The claim is a unique `DigestRun` row (channel, period_start, period_end) inserted and
committed BEFORE anything is posted: the replica whose insert wins posts, every other one
gets an IntegrityError and does nothing. A claim whose poster died before posting (no
`posted_at` after CLAIM_TIMEOUT) may be taken over by a conditional UPDATE, so a crash
between claim and post does not lose the period's digest.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.blocks.digest import digest_blocks, digest_text, period_label
from bot.context import BotContext
from bot.metrics.chart import trend_chart
from bot.metrics.figures import compute_figures, trend
from models import DigestRun
from models.db import session_scope

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
TREND_PERIODS = 8


@dataclass(frozen=True)
class DigestPosted:
    channel: str
    ts: str
    figures: dict
    chart_series: dict | None


def claimer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def claim_period(ctx: BotContext, *, channel: str, start: datetime, end: datetime) -> int | None:
    """Claim (channel, start, end); the DigestRun id, or None when another run has it."""
    now = ctx.clock.now()
    try:
        with session_scope(ctx.engine) as session:
            run = DigestRun(channel=channel, period_start=start, period_end=end, claimed_by=claimer_id(),
                            claimed_at=now)
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        pass
    # Taken: only an abandoned claim (never posted, old) may be taken over, by one replica.
    table = DigestRun.__table__
    mine = (table.c.channel == channel, table.c.period_start == start, table.c.period_end == end)
    with session_scope(ctx.engine) as session:
        taken = session.execute(
            update(table)
            .where(*mine, table.c.posted_at.is_(None), table.c.claimed_at < now - CLAIM_TIMEOUT)
            .values(claimed_by=claimer_id(), claimed_at=now)
        ).rowcount
        if taken != 1:
            return None
        return session.execute(select(table.c.id).where(*mine)).scalar_one()


def post_digest(ctx: BotContext, *, start: datetime, end: datetime, channel: str | None = None) -> DigestPosted | None:
    """Post the digest of [start, end) to `channel` (default DIGEST_CHANNEL) unless already done."""
    channel = channel or ctx.settings.digest_channel
    if not channel:
        raise ValueError("DIGEST_CHANNEL is not set")
    run_id = claim_period(ctx, channel=channel, start=start, end=end)
    if run_id is None:
        log.info("digest %s %s..%s already claimed", channel, start, end)
        return None
    tz = ctx.settings.digest_tz
    with session_scope(ctx.engine) as session:
        figures = compute_figures(session, start=start, end=end)
        series = trend(session, end=end, length=end - start, periods=TREND_PERIODS)
    answer = ctx.client.chat_postMessage(channel=channel, text=digest_text(figures, tz=tz),
                                         blocks=digest_blocks(figures, tz=tz), unfurl_links=False)
    ts = answer["ts"]
    with session_scope(ctx.engine) as session:
        run = session.get(DigestRun, run_id)
        run.posted_at = ctx.clock.now()
        run.message_ts = ts
        run.figures = figures
    chart_series = None
    try:  # the digest is out; a failed chart upload must not make it post again
        chart = trend_chart(series, title=f"Partner program trend to {period_label(figures, tz)}")
        ctx.client.files_upload_v2(channel=answer.get("channel") or channel, thread_ts=ts, file=chart.png,
                                   filename="partner-program-trend.png", title="Partner program trend")
        chart_series = chart.series
    except Exception:
        log.exception("digest chart upload failed for %s", ts)
    return DigestPosted(channel=channel, ts=ts, figures=figures, chart_series=chart_series)
