"""Scheduled jobs: the same jobs run by the scheduler inside `serve` and by `jobs run-due`.

Each job is idempotent: it claims its effects in the database (a conditional update or a
unique row) before doing them, so replicas, retries and catch-up runs make each effect once.
The APScheduler job store is in memory and private to each process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import BotContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    # Do whatever is due at `now`; return how many effects were made.
    run_due: Callable[[BotContext, datetime], int]
    # When the scheduler inside `serve` fires it.
    trigger: Callable[[BotContext], BaseTrigger]


def every_minute(_ctx: BotContext) -> BaseTrigger:
    return IntervalTrigger(minutes=1)


def all_jobs() -> list[Job]:
    """Every scheduled job, in the order `run-due` runs them."""
    jobs: list[Job] = []
    for provider in JOB_PROVIDERS:
        jobs.extend(provider())
    return jobs


def _introduction_jobs() -> list[Job]:
    from bot.introductions import jobs

    return jobs.JOBS


def _digest_jobs() -> list[Job]:
    from bot.metrics import jobs

    return jobs.JOBS


def _consent_connect_jobs() -> list[Job]:
    from bot.introductions import consent_connect_jobs

    return consent_connect_jobs.JOBS


JOB_PROVIDERS: list[Callable[[], list[Job]]] = [_introduction_jobs, _digest_jobs, _consent_connect_jobs]


def run_counted(ctx: BotContext, job: Job, now: datetime) -> int:
    """Run one job, counting the run and any failure for /metrics."""
    from bot.operations.telemetry import telemetry_of

    telemetry = telemetry_of(ctx)
    try:
        made = job.run_due(ctx, now)
    except Exception:
        if telemetry is not None:
            telemetry.observe_job(job.name, ok=False)
        raise
    if telemetry is not None:
        telemetry.observe_job(job.name, ok=True)
    return made


def run_due(ctx: BotContext, at: datetime | None = None) -> dict[str, int]:
    """Run once every job that is due at `at` (default: now)."""
    now = at or ctx.clock.now()
    done: dict[str, int] = {}
    for job in all_jobs():
        try:
            done[job.name] = run_counted(ctx, job, now)
        except Exception:  # one failing job must not stop the others
            log.exception("job %s failed", job.name)
            done[job.name] = -1
    return done


def start_scheduler(ctx: BotContext) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in all_jobs():
        scheduler.add_job(
            lambda j=job: run_counted(ctx, j, ctx.clock.now()),
            trigger=job.trigger(ctx),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    return scheduler
