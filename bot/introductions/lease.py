"""The lease runner: one worker does an introduction's effects while it holds the lease.

Each finished step is saved (`channel_id`, `intro_message_ts`, `effects_done`) only while the
lease is still its own, so a retry after a crash or a restart resumes where it stopped; a failure
releases the lease with backoff for the `intro_pending_effects` job."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from bot.context import BotContext
from bot.introductions.service import ENTITY, backoff
from models import audit
from models import intro_queries as q
from models.ask import Ask
from models.company import Company, member_user_ids
from models.db import session_scope
from models.introduction import Introduction

log = logging.getLogger(__name__)

# Seconds a finished step waits for the database to come back before giving up.
SAVE_PATIENCE = 30.0


def database_unavailable(exc: BaseException) -> bool:
    from bot.guards import is_database_unavailable

    return is_database_unavailable(exc)


class LeaseLost(Exception):
    """Another worker took over this introduction's effects; stop quietly."""


@dataclass
class Snapshot:
    intro: Introduction
    ask: Ask
    requester: Company
    target: Company
    requester_users: list[str]
    target_users: list[str]
    target_open: int | None = None  # the proposed partner's open introductions now
    met_before: datetime | None = None  # when the two were last introduced, if ever
    note: str | None = None  # the requester's note for the manager


def load(ctx: BotContext, intro_id: int) -> Snapshot | None:
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None:
            return None
        ask = session.get(Ask, intro.ask_id)
        target = session.get(Company, intro.target_company_id)
        requester = session.get(Company, intro.requester_company_id) if intro.requester_company_id else None
        requester_users = [intro.requester_user_id]
        if requester is not None:
            requester_users += [u for u in member_user_ids(session, company_id=requester.id) if u not in requester_users]
        target_users = member_user_ids(session, company_id=intro.target_company_id)
        if requester is None:  # a requester's company row is required at request time; be safe for old rows
            requester = Company(name="(no profile)", name_key="", capabilities=[])
        target_open = q.open_count_for(session, company_id=intro.target_company_id)
        met = q.met_before(session, intro_id=intro.id, company_a=intro.requester_company_id,
                           company_b=intro.target_company_id)
        detail = audit.latest_detail(session, action="intro_request_note", entity=ENTITY, entity_id=intro.id)
        note = (detail or {}).get("note") or None
        return Snapshot(intro, ask, requester, target, requester_users, target_users, target_open, met, note)


class Run:
    """One worker's pass over an introduction's effects while it holds the lease `token`."""

    def __init__(self, ctx: BotContext, intro_id: int, token: str) -> None:
        self.ctx, self.intro_id, self.token = ctx, intro_id, token

    def patiently(self, work):
        """Run `work(session)` in a transaction, waiting out a database outage for a while: a
        step's Slack call may not be repeatable (a channel made, a message posted), so its
        result is kept rather than left for a retry to redo."""
        delay, waited = 0.05, 0.0
        while True:
            try:
                with session_scope(self.ctx.engine) as session:
                    return work(session)
            except Exception as exc:
                if waited >= SAVE_PATIENCE or not database_unavailable(exc):
                    raise
                time.sleep(delay)
                waited += delay
                delay = min(delay * 2, 0.25)

    def save(self, **values) -> None:
        """Store a finished step while the lease is ours (LeaseLost otherwise)."""
        if not self.patiently(lambda session: q.save_progress(session, intro_id=self.intro_id, token=self.token,
                                                               **values)):
            raise LeaseLost(self.intro_id)

    def mark(self, snapshot: Snapshot, step: str) -> None:
        snapshot.intro.effects_done = [*snapshot.intro.effects_done, step]
        self.save(effects_done=snapshot.intro.effects_done)

    def fail(self, exc: BaseException) -> None:
        now = self.ctx.clock.now()
        with session_scope(self.ctx.engine) as session:
            intro = q.get_intro(session, intro_id=self.intro_id)
            attempts = intro.effects_attempts if intro else 1
            q.release_effects(session, intro_id=self.intro_id, token=self.token, retry_at=now + backoff(attempts),
                              error=f"{type(exc).__name__}: {exc}")


def guarded(ctx: BotContext, intro_id: int, token: str, work) -> bool:
    run = Run(ctx, intro_id, token)
    try:
        return work(run)
    except LeaseLost:
        log.info("introduction %s: lease taken over by another worker", intro_id)
        return False
    except Exception as exc:  # Slack down, DB hiccup: retried by the job with backoff
        log.warning("introduction %s: effects failed, will retry: %s", intro_id, exc)
        try:
            run.fail(exc)
        except Exception:  # database down too: the lease runs out and the job retries then
            log.exception("introduction %s: could not schedule the retry", intro_id)
        return False
