"""Build and post the engagement digest: exactly once per channel and period, with its trend
chart in the message itself (uploaded first, then shown by an image block).

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
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.blocks.digest import digest_blocks, digest_text, period_label
from bot.context import BotContext
from bot.metrics.chart import has_data, trend_chart
from bot.metrics.figures import compute_figures, total_partners_at, trend
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


def post_digest(ctx: BotContext, *, start: datetime, end: datetime, channel: str | None = None,
                period_note: str | None = None) -> DigestPosted | None:
    """Post the digest of [start, end) to `channel` (default DIGEST_CHANNEL) unless already done."""
    channel = channel or ctx.settings.digest_channel
    if not channel:
        raise ValueError("DIGEST_CHANNEL is not set")
    run_id = claim_period(ctx, channel=channel, start=start, end=end)
    if run_id is None:
        log.info("digest %s %s..%s already claimed", channel, start, end)
        return None
    tz, currency = ctx.settings.digest_tz, ctx.settings.deal_currency
    with session_scope(ctx.engine) as session:
        figures = compute_figures(session, start=start, end=end)
        series = trend(session, end=end, length=end - start, periods=TREND_PERIODS)
        now = ctx.clock.now()
        if now > end:  # a period of whole days ends before now: partners are counted as they are now
            figures["total_partners"] = total_partners_at(session, at=now)
            total = figures["total_partners"]
            figures["participation_rate"] = round(figures["active_partners"] / total, 4) if total else 0.0
    chart, chart_ref = None, None
    if has_data(series):  # a chart of zeros says nothing: skipped
        try:  # uploaded first, then shown in the digest itself (an image block), not in a thread
            chart = trend_chart(series, title=f"Partner program to {period_label(figures, tz)}")
            upload = ctx.client.files_upload_v2(file=chart.png, filename="partner-program-trend.png",
                                                title="Partner program trend", alt_txt=chart.alt_text)
            file_id = (upload.get("file") or {}).get("id") or ((upload.get("files") or [{}])[0]).get("id")
            chart_ref = {"file_id": file_id, "alt_text": chart.alt_text} if file_id else None
        except Exception:  # the digest goes out without its chart rather than not at all
            log.exception("digest chart upload failed")
            chart = None

    def message(with_chart: bool) -> dict:
        return {"text": digest_text(figures, tz=tz, currency=currency),
                "blocks": digest_blocks(figures, tz=tz, trend=series, currency=currency, period_note=period_note,
                                        chart=chart_ref if with_chart else None)}

    try:
        answer = ctx.client.chat_postMessage(channel=channel, unfurl_links=False, **message(bool(chart_ref)))
    except SlackApiError as exc:
        # Slack may not have processed the fresh image yet (invalid_blocks): post it without.
        if not chart_ref or exc.response.get("error") != "invalid_blocks":
            raise
        log.warning("digest posted without its chart: %s", exc.response.get("error"))
        chart, chart_ref = None, None
        answer = ctx.client.chat_postMessage(channel=channel, unfurl_links=False, **message(False))
    ts = answer["ts"]
    with session_scope(ctx.engine) as session:
        run = session.get(DigestRun, run_id)
        run.posted_at = ctx.clock.now()
        run.message_ts = ts
        run.figures = figures
    chart_series = chart.series if chart_ref and chart else None
    return DigestPosted(channel=channel, ts=ts, figures=figures, chart_series=chart_series)
