"""Scheduled work for introductions: retry pending effects, follow up, remind once.

- `intro_pending_effects`: approved introductions whose channel/messages are not complete,
  and requests never posted for approval, whose lease has run out (`next_attempt_at`), are
  claimed and completed. Also runs a few seconds after `serve` starts.
- `intro_followups`: FOLLOWUP_DAYS after `introduced_at` both partners are asked how it went.
- `intro_reminders`: REMINDER_DAYS after the follow-up, a partner (company) that has not
  answered is asked once more. There is no second reminder.

A round (follow-up or reminder) is claimed by setting `followup_sent_at` / `reminder_sent_at`
conditionally, in the transaction that plans one `FollowupDelivery` row per partner user to
ask. Each DM is then claimed (a lease), sent, and recorded as sent; when Slack does not
answer it is released with a backoff and retried, so replicas and catch-up runs send each once
and a failed send is not lost.
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
from bot.introductions.service import backoff, lease_until, new_token
from bot.scheduling import Job, every_minute
from models import audit
from models import intro_queries as q
from models.company import Company
from models.db import session_scope
from models.introduction import DeliveryKind, IntroState

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


# -- follow-ups and reminders: plan a round once, then deliver each DM once ---------------
# A DM whose send Slack did not answer (timeout, 5xx, rate limit beyond the client's own
# retries) is released with a backoff and tried again, at most this many times.
MAX_DELIVERY_ATTEMPTS = 10


def _plan_round(ctx: BotContext, intro_id: int, *, column: str, kind: str, now: datetime) -> None:
    """Claim the round (`column` set once) and add one pending delivery per partner user to
    ask, in the same transaction: a replica that loses the claim plans nothing."""
    s = effects.load(ctx, intro_id)
    if s is None:
        return
    with session_scope(ctx.engine) as session:
        if not q.claim_once(session, intro_id=intro_id, column=column, now=now):
            return
        answered = q.outcome_company_ids(session, intro_id=intro_id)
        # A reminder goes only to those who actually received the follow-up.
        received = (q.sent_delivery_users(session, intro_id=intro_id, kind=DeliveryKind.FOLLOWUP)
                    if kind == DeliveryKind.REMINDER else None)
        recipients: list[tuple[str, int | None, int]] = []
        if s.intro.requester_company_id not in answered:
            recipients.append((s.intro.requester_user_id, s.intro.requester_company_id, s.intro.target_company_id))
        if s.intro.target_company_id not in answered:
            recipients += [(u, s.intro.target_company_id, s.intro.requester_company_id or s.intro.target_company_id)
                           for u in s.target_users]
        planned = []
        for user, company_id, other_id in recipients:
            if received is not None and user not in received:
                continue
            if q.plan_delivery(session, intro_id=intro_id, kind=kind, user_id=user, company_id=company_id,
                               other_company_id=other_id, now=now):
                planned.append(user)
        audit.record(session, actor="system", action="intro_reminder" if kind == DeliveryKind.REMINDER
                     else "intro_followup", entity=effects.ENTITY, entity_id=intro_id, detail={"users": planned}, at=now)


def _deliver(ctx: BotContext, delivery_id: int, *, now: datetime) -> bool:
    """Claim one pending DM, send it, record it; True when it was sent now."""
    token = new_token()
    with session_scope(ctx.engine) as session:
        if not q.claim_delivery(session, delivery_id=delivery_id, token=token, now=now, lease_until=lease_until(now)):
            return False
        d = q.get_delivery(session, delivery_id=delivery_id)
        intro = q.get_intro(session, intro_id=d.introduction_id)
        other = session.get(Company, d.other_company_id)
        answered = d.company_id in q.outcome_company_ids(session, intro_id=d.introduction_id)
        kind, user, attempts = d.kind, d.user_id, d.attempts
    moot = ("answered" if answered else
            "closed" if intro is None or intro.state not in (IntroState.INTRODUCED, IntroState.CLOSED) else None)
    if moot:
        with session_scope(ctx.engine) as session:
            q.finish_delivery(session, delivery_id=delivery_id, token=token, now=now, gave_up=moot)
        return False
    other_name = other.name if other is not None else "your partner"
    days = (now - (intro.introduced_at or now)).days
    message = blocks.followup_message(intro_id=intro.id, other_name=other_name, days=days,
                                      reminder=kind == DeliveryKind.REMINDER)
    try:
        answer = ctx.client.chat_postMessage(channel=user, blocks=message, unfurl_links=False,
                                             text=f"How is your introduction to {safe(other_name, 120)} going?")
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in effects.UNDELIVERABLE_DM or error in ("invalid_blocks", "invalid_arguments", "not_authed",
                                                           "invalid_auth", "account_inactive", "token_revoked"):
            # Slack answered: this DM will never go through; retrying would not change that.
            log.warning("introduction %s: follow-up to %s refused by Slack: %s", intro.id, user, error)
            with session_scope(ctx.engine) as session:
                q.finish_delivery(session, delivery_id=delivery_id, token=token, now=now, gave_up=error)
            return False
        return _release(ctx, delivery_id, token, attempts, now, f"Slack error {error or exc}")
    except Exception as exc:  # noqa: BLE001 - Slack did not answer (network, timeout): try later
        return _release(ctx, delivery_id, token, attempts, now, repr(exc))
    with session_scope(ctx.engine) as session:
        q.finish_delivery(session, delivery_id=delivery_id, token=token, now=now,
                          channel_id=answer.get("channel"), message_ts=answer.get("ts"))
    return True


def _release(ctx: BotContext, delivery_id: int, token: str, attempts: int, now: datetime, why: str) -> bool:
    retry_at = now + backoff(attempts)
    log.warning("follow-up delivery %s failed (attempt %s), retrying at %s: %s", delivery_id, attempts,
                retry_at.isoformat(), why[:200])
    with session_scope(ctx.engine) as session:
        q.release_delivery(session, delivery_id=delivery_id, token=token, retry_at=retry_at)
    return False


def _deliver_due(ctx: BotContext, *, kind: str, now: datetime) -> int:
    with session_scope(ctx.engine) as session:
        due = q.due_deliveries(session, now=now, max_attempts=MAX_DELIVERY_ATTEMPTS)
        due = [i for i in due if q.get_delivery(session, delivery_id=i).kind == kind]
    sent = 0
    for delivery_id in due:
        try:
            sent += _deliver(ctx, delivery_id, now=now)
        except Exception:  # one DM must not stop the others
            log.exception("follow-up delivery %s failed", delivery_id)
    return sent


def send_followups(ctx: BotContext, now: datetime) -> int:
    cutoff = now - timedelta(days=ctx.settings.followup_days)
    with session_scope(ctx.engine) as session:
        due = q.due_followups(session, introduced_before=cutoff)
    for intro_id in due:
        _plan_round(ctx, intro_id, column="followup_sent_at", kind=DeliveryKind.FOLLOWUP, now=now)
    return _deliver_due(ctx, kind=DeliveryKind.FOLLOWUP, now=now)


def send_reminders(ctx: BotContext, now: datetime) -> int:
    cutoff = now - timedelta(days=REMINDER_DAYS)
    with session_scope(ctx.engine) as session:
        due = q.due_reminders(session, followed_up_before=cutoff)
    for intro_id in due:
        _plan_round(ctx, intro_id, column="reminder_sent_at", kind=DeliveryKind.REMINDER, now=now)
    return _deliver_due(ctx, kind=DeliveryKind.REMINDER, now=now)


JOBS = [
    Job("intro_pending_effects", retry_pending, soon_then_every_minute),
    Job("intro_followups", send_followups, every_minute),
    Job("intro_reminders", send_reminders, every_minute),
]
