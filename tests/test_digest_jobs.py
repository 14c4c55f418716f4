"""The digest job: the latest scheduled period, a missed run caught up once, and exactly one
digest when two processes race on one PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.metrics.jobs import digest_trigger, due_period, latest_fire_time, run_digest_due
from bot.scheduling import all_jobs, run_due
from models import DigestRun
from models.db import session_scope
from tests.conftest import bot_env, fresh_db_url
from tests.metrics_data import build_week

ROOT = Path(__file__).resolve().parents[1]
DIGEST = "C0DIGEST01"


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def digest_posts(fake):
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == DIGEST]


def test_jobs_are_registered(bot):
    names = [j.name for j in all_jobs()]
    assert "digest" in names and "nudges" in names


def test_latest_fire_time_in_the_digest_time_zone(make_bot):
    harness = make_bot(DIGEST_CRON="0 9 * * MON", DIGEST_TZ="America/Phoenix")
    trigger = digest_trigger(harness.ctx)
    # 09:00 in Phoenix (UTC-7) is 16:00 UTC.
    assert latest_fire_time(trigger, at(2, 15, 59)) == at(26, 16, month=10)
    assert latest_fire_time(trigger, at(2, 16)) == at(2, 16)
    assert due_period(harness.ctx, at(4, 12)) == (at(26, 16, month=10), at(2, 16))


def test_missed_run_is_caught_up_once(bot):
    build_week(bot.engine)
    # Sunday: the last run (Oct 26) was already posted by an earlier process.
    bot.clock.set(at(1, 12))
    assert run_digest_due(bot.ctx, at(1, 12)) == 1
    assert len(digest_posts(bot.fake)) == 1
    # The bot is down over Monday 09:00 and comes back on Tuesday: last Monday's digest goes out, once.
    bot.clock.set(at(3, 14))
    assert run_due(bot.ctx, at(3, 14))["digest"] == 1
    assert run_due(bot.ctx, at(3, 14, 1))["digest"] == 0
    assert run_due(bot.ctx, at(5, 8))["digest"] == 0
    posts = digest_posts(bot.fake)
    assert len(posts) == 2
    with session_scope(bot.engine) as s:
        runs = s.exec(select(DigestRun).order_by(DigestRun.period_end)).all()
    assert [(r.period_start, r.period_end) for r in runs] == [
        (at(19, 9, month=10), at(26, 9, month=10)), (at(26, 9, month=10), at(2, 9))]
    # The week to Monday Nov 9, 09:00 is next Monday's.
    assert run_due(bot.ctx, at(9, 9))["digest"] == 1
    assert len(digest_posts(bot.fake)) == 3


def test_no_digest_channel_no_digest(make_bot):
    harness = make_bot(DIGEST_CHANNEL="")
    assert run_digest_due(harness.ctx, at(3, 14)) == 0
    assert digest_posts(harness.fake) == []


def _race(commands: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "--env-file", "/nonexistent", *cmd], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for cmd in commands]
    results = []
    for p, cmd in zip(procs, commands):
        out, err = p.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(cmd, p.returncode, out, err))
    return results


def _env(fake_slack, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "DIGEST_"))}
    env.update(bot_env(fake_slack, url))
    return env


@pytest.mark.slow  # processes on PostgreSQL
def test_two_processes_post_one_digest_on_postgresql(fake_slack, tmp_path, request):
    url = fresh_db_url("postgresql", tmp_path, request)  # skips without TEST_DATABASE_URL
    from models.db import make_engine

    engine = make_engine(url)
    build_week(engine)
    engine.dispose()
    results = _race([["digest", "--post"], ["digest", "--post"]], _env(fake_slack, url))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    fake_slack.settle()
    assert len(digest_posts(fake_slack)) == 1
    assert sum("already posted" in r.stdout for r in results) == 1


@pytest.mark.slow  # processes on PostgreSQL
def test_two_schedulers_run_due_post_one_digest_on_postgresql(fake_slack, tmp_path, request):
    url = fresh_db_url("postgresql", tmp_path, request)
    results = _race([["jobs", "run-due", "--at", "2026-11-03T10:00:00+00:00"]] * 2, _env(fake_slack, url))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    fake_slack.settle()
    assert len(digest_posts(fake_slack)) == 1
    assert sorted("digest: 1" in r.stdout for r in results) == [False, True]


def test_scheduler_trigger_is_the_cron_plus_a_catch_up_at_start(bot):
    from bot.metrics.jobs import STARTUP_CATCH_UP_DELAY, digest_job_trigger

    trigger = digest_job_trigger(bot.ctx)
    now = datetime.now(UTC)
    first = trigger.get_next_fire_time(None, now)
    assert now < first <= now + STARTUP_CATCH_UP_DELAY + (datetime.now(UTC) - now)
    second = trigger.get_next_fire_time(first, first)
    # Then DIGEST_CRON ("0 9 * * MON" in UTC): the next Monday 09:00.
    assert second == latest_fire_time(digest_trigger(bot.ctx), second)
    assert second.weekday() == 0 and (second.hour, second.minute) == (9, 0)
