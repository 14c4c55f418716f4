"""Participation nudges: one friendly DM a month to partners with a participation gap.

Gaps (see `figures`): no ask and no introduction in the last quarter, a profile not updated
for 90 days, an introduction whose follow-up went unanswered. Never nudged: deleted or paused
profiles, partners who said "no fit" in the last quarter, partners without a Slack member,
and anyone already nudged this month (in DIGEST_TZ). The monthly claim is a unique `Nudge`
row (company, month) inserted before the DM is sent; if the DM fails the claim is dropped so
a later run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.nudge import nudge_blocks, nudge_text
from bot.context import BotContext
from bot.metrics.figures import (
    QUARTER,
    company_t,
    inactive_partner_ids_stmt,
    intro_t,
    outcome_t,
    stale_profile_ids_stmt,
    unanswered_company_ids_stmt,
)
from models import IntroState, Member, Nudge, OutcomeKind
from models.db import session_scope

log = logging.getLogger(__name__)

# Most DMs sent by one run (Slack rate limits); the rest go on the next day's run.
MAX_PER_RUN = 200
KIND_ORDER = ("unanswered_intro", "stale_profile", "inactive")

member_t = Member.__table__
nudge_t = Nudge.__table__


def month_of(now: datetime, tz: str) -> str:
    return now.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def _excluded_ids_stmt(*, now: datetime, month: str):
    """Companies never nudged now: paused, said no fit lately, or nudged this month."""
    today = now.date()
    since = now - QUARTER
    paused = select(company_t.c.id).where(
        company_t.c.paused == true(), or_(company_t.c.paused_until.is_(None), company_t.c.paused_until > today))
    no_fit_outcome = select(outcome_t.c.company_id).where(
        outcome_t.c.outcome == OutcomeKind.NO_FIT.value, outcome_t.c.updated_at >= since)
    # "Not a fit" clicked in the introduction channel by one of the company's members.
    not_a_fit = select(member_t.c.company_id).select_from(
        intro_t.join(member_t, member_t.c.slack_user_id == intro_t.c.closed_by)).where(
        intro_t.c.state == IntroState.NOT_A_FIT.value, intro_t.c.closed_at >= since,
        or_(member_t.c.company_id == intro_t.c.requester_company_id,
            member_t.c.company_id == intro_t.c.target_company_id))
    nudged = select(nudge_t.c.company_id).where(nudge_t.c.month == month)
    return paused.union(no_fit_outcome, not_a_fit, nudged)


def nudge_candidates(session: Session, *, now: datetime, month: str, limit: int = MAX_PER_RUN) -> list[dict]:
    """[{company_id, name, user_id, kinds}] of partners to nudge now, at most `limit`."""
    kinds: dict[int, list[str]] = {}
    excluded = _excluded_ids_stmt(now=now, month=month).subquery()
    excluded_id = list(excluded.c)[0]
    for kind, stmt in (("unanswered_intro", unanswered_company_ids_stmt(at=now)),
                       ("stale_profile", stale_profile_ids_stmt(at=now)),
                       ("inactive", inactive_partner_ids_stmt(at=now))):
        sub = stmt.subquery()
        cid = list(sub.c)[0]
        # EXCEPT rather than NOT IN (a nested loop on PostgreSQL when the subquery is large).
        due = (select(cid.label("cid")).where(cid.is_not(None), cid.in_(select(member_t.c.company_id)))
               .except_(select(excluded_id))).subquery()
        rows = session.execute(select(due.c.cid).order_by(due.c.cid).limit(limit)).scalars()
        for company_id in rows:
            kinds.setdefault(int(company_id), []).append(kind)
    chosen = sorted(kinds)[:limit]
    if not chosen:
        return []
    info = session.execute(
        select(company_t.c.id, company_t.c.name, member_t.c.slack_user_id)
        .join(member_t, member_t.c.company_id == company_t.c.id)
        .where(company_t.c.id.in_(chosen), company_t.c.deleted_at.is_(None))
        .order_by(company_t.c.id, member_t.c.id)
    ).all()
    out: dict[int, dict] = {}
    for cid, name, uid in info:
        out.setdefault(cid, {"company_id": cid, "name": name, "user_id": uid,
                             "kinds": [k for k in KIND_ORDER if k in kinds[cid]]})
    return [out[c] for c in chosen if c in out]


def claim_nudge(ctx: BotContext, *, company_id: int, month: str, kind: str, user_id: str) -> int | None:
    try:
        with session_scope(ctx.engine) as session:
            row = Nudge(company_id=company_id, month=month, kind=kind, user_id=user_id, sent_at=ctx.clock.now())
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def send_nudges(ctx: BotContext, *, now: datetime) -> int:
    """Nudge every partner due a nudge this month; returns how many DMs were sent."""
    month = month_of(now, ctx.settings.digest_tz)
    with session_scope(ctx.engine) as session:
        candidates = nudge_candidates(session, now=now, month=month)
    sent = 0
    for c in candidates:
        nudge_id = claim_nudge(ctx, company_id=c["company_id"], month=month, kind=c["kinds"][0], user_id=c["user_id"])
        if nudge_id is None:
            continue  # another replica or run has it this month
        try:
            ctx.client.chat_postMessage(channel=c["user_id"], text=nudge_text(c["name"]),
                                        blocks=nudge_blocks(company_id=c["company_id"], company_name=c["name"],
                                                            kinds=c["kinds"]))
            sent += 1
        except Exception:
            log.exception("nudge to %s failed; released for a later run", c["user_id"])
            with session_scope(ctx.engine) as session:
                session.execute(delete(nudge_t).where(nudge_t.c.id == nudge_id))
    return sent

