"""The digest and nudge jobs, run by the scheduler inside `serve` and by `jobs run-due`.

The digest job posts the period that ended at the latest scheduled fire time <= now (the
period runs from the fire time before it). A run missed while the bot was down is therefore
posted by the next run, once: the period's DigestRun claim makes every later run a no-op.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.context import BotContext
from bot.scheduling import Job

log = logging.getLogger(__name__)

# How far back a fire time is looked for (a yearly cron still finds its last run).
MAX_LOOKBACK = timedelta(days=800)
STARTUP_CATCH_UP_DELAY = timedelta(seconds=15)


def digest_trigger(ctx: BotContext) -> CronTrigger:
    return CronTrigger.from_crontab(ctx.settings.digest_cron, timezone=ctx.settings.digest_tz)


def digest_job_trigger(ctx: BotContext) -> BaseTrigger:
    """The scheduler's trigger: DIGEST_CRON, plus one run shortly after start-up so a digest
    missed while the bot was down goes out when it comes back (once: the period is claimed)."""
    startup = DateTrigger(run_date=datetime.now(UTC) + STARTUP_CATCH_UP_DELAY)
    return OrTrigger([digest_trigger(ctx), startup])


def nudge_trigger(ctx: BotContext) -> CronTrigger:
    # Daily, in office hours of the digest's time zone.
    return CronTrigger(hour=10, minute=0, timezone=ctx.settings.digest_tz)


def latest_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The trigger's latest fire time <= now, stepping its own get_next_fire_time.

    The look-back window doubles from one hour, so a per-minute cron steps ~60 times and a
    weekly one a handful.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    window = timedelta(hours=1)
    while window <= MAX_LOOKBACK * 2:
        fire = trigger.get_next_fire_time(None, now - window)
        latest = None
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire)
        if latest is not None:
            return latest.astimezone(UTC)
        window *= 2
    return None


def due_period(ctx: BotContext, now: datetime) -> tuple[datetime, datetime] | None:
    """[previous fire, latest fire) of the digest schedule as of `now`."""
    trigger = digest_trigger(ctx)
    end = latest_fire_time(trigger, now)
    if end is None:
        return None
    start = latest_fire_time(trigger, end - timedelta(microseconds=1))
    return (start or end - timedelta(days=7), end)


def run_digest_due(ctx: BotContext, now: datetime) -> int:
    if not ctx.settings.digest_channel:
        return 0
    period = due_period(ctx, now)
    if period is None:
        return 0
    from bot.metrics.digest import post_digest

    return 1 if post_digest(ctx, start=period[0], end=period[1]) else 0


def run_nudges_due(ctx: BotContext, now: datetime) -> int:
    from bot.metrics.nudges import send_nudges

    return send_nudges(ctx, now=now)


JOBS = [
    Job(name="digest", run_due=run_digest_due, trigger=digest_job_trigger),
    Job(name="nudges", run_due=run_nudges_due, trigger=nudge_trigger),
]
