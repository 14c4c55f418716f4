"""Scheduled work for introductions: retry pending effects, follow up, remind once.

- `intro_pending_effects`: approved introductions whose channel/messages are not complete,
  and requests never posted for approval, whose lease has run out (`next_attempt_at`), are
  claimed and completed. Also runs a few seconds after `serve` starts.
- `intro_followups`: FOLLOWUP_DAYS after `introduced_at` both partners are asked how it went.
- `intro_reminders`: REMINDER_DAYS after the follow-up, a partner (company) that has not
  answered is asked once more. There is no second reminder.

Follow-up and reminder are claimed by setting `followup_sent_at` / `reminder_sent_at`
conditionally before sending, so replicas and catch-up runs send each once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.text import safe
from bot.context import BotContext
from bot.introductions import effects
from bot.scheduling import Job, every_minute
from models import audit
from models import intro_queries as q
from models.db import session_scope

log = logging.getLogger(__name__)

REMINDER_DAYS = 7


def soon_then_every_minute(_ctx: BotContext) -> BaseTrigger:
    """First run right after start (pending approvals left by a restart), then every minute."""
    return IntervalTrigger(minutes=1, start_date=datetime.now(UTC) + timedelta(seconds=3))


def retry_pending(ctx: BotContext, now: datetime) -> int:
    with session_scope(ctx.engine) as session:
        due = q.due_effects(session, now=now)
    done = 0
    for intro_id in due:
        try:
            done += bool(effects.resume(ctx, intro_id, now=now))
        except Exception:  # one introduction must not stop the others
            log.exception("introduction %s: resume failed", intro_id)
    return done


def _ask_partners(ctx: BotContext, intro_id: int, *, reminder: bool, now: datetime) -> int:
    s = effects.load(ctx, intro_id)
    if s is None:
        return 0
    days = (now - (s.intro.introduced_at or now)).days
    with session_scope(ctx.engine) as session:
        answered = q.outcome_company_ids(session, intro_id=intro_id)
    recipients: list[tuple[str, str]] = []
    if s.intro.requester_company_id not in answered:
        recipients.append((s.intro.requester_user_id, s.target.name))
    if s.intro.target_company_id not in answered:
        recipients += [(u, s.requester.name) for u in s.target_users]
    sent = 0
    for user, other_name in recipients:
        message = blocks.followup_message(intro_id=intro_id, other_name=other_name, days=days, reminder=reminder)
        try:
            ctx.client.chat_postMessage(channel=user, blocks=message, unfurl_links=False,
                                        text=f"How is your introduction to {safe(other_name, 120)} going?")
            sent += 1
        except SlackApiError as exc:
            log.warning("introduction %s: follow-up to %s failed: %s", intro_id, user, exc)
    with session_scope(ctx.engine) as session:
        audit.record(session, actor="system", action="intro_reminder" if reminder else "intro_followup",
                     entity=effects.ENTITY, entity_id=intro_id, detail={"users": [u for u, _ in recipients]}, at=now)
    return sent


def send_followups(ctx: BotContext, now: datetime) -> int:
    cutoff = now - timedelta(days=ctx.settings.followup_days)
    with session_scope(ctx.engine) as session:
        due = q.due_followups(session, introduced_before=cutoff)
    return _ask_each_once(ctx, due, column="followup_sent_at", reminder=False, now=now)


def send_reminders(ctx: BotContext, now: datetime) -> int:
    cutoff = now - timedelta(days=REMINDER_DAYS)
    with session_scope(ctx.engine) as session:
        due = q.due_reminders(session, followed_up_before=cutoff)
    return _ask_each_once(ctx, due, column="reminder_sent_at", reminder=True, now=now)


def _ask_each_once(ctx: BotContext, intro_ids: list[int], *, column: str, reminder: bool, now: datetime) -> int:
    """Ask the partners of each introduction whose `column` this worker claims first."""
    sent = 0
    for intro_id in intro_ids:
        with session_scope(ctx.engine) as session:
            if not q.claim_once(session, intro_id=intro_id, column=column, now=now):
                continue
        sent += _ask_partners(ctx, intro_id, reminder=reminder, now=now)
    return sent


JOBS = [
    Job("intro_pending_effects", retry_pending, soon_then_every_minute),
    Job("intro_followups", send_followups, every_minute),
    Job("intro_reminders", send_reminders, every_minute),
]
