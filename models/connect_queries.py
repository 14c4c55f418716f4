"""Database access for Slack Connect invitations: reserve, claim, record, move on.

Every change is a conditional UPDATE checked by its rowcount (as in `intro_queries`), so two
replicas, a Slack retry or a double click change an invitation once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models.introduction import Introduction
from models.shared_invite import InviteState, SharedInvite


def _update(session: Session, row_id: int, where: Iterable, values: dict) -> bool:
    stmt = update(SharedInvite).where(col(SharedInvite.id) == row_id, *where).values(**values)
    return session.connection().execute(stmt).rowcount == 1


def reserve(session: Session, *, intro_id: int, contacts: list[tuple[int, str]], now: datetime) -> int:
    """One row per (introduction, email), made once whoever gets here first."""
    made = 0
    for company_id, email in contacts:
        exists = session.exec(select(SharedInvite.id).where(
            SharedInvite.introduction_id == intro_id, func.lower(SharedInvite.email) == email.lower())).first()
        if exists is not None:
            continue
        try:
            with session.begin_nested():
                session.add(SharedInvite(introduction_id=intro_id, company_id=company_id, email=email,
                                         created_at=now, updated_at=now))
                session.flush()
                made += 1
        except IntegrityError:  # another worker reserved it at the same moment
            pass
    return made


def invites_for(session: Session, *, intro_id: int) -> list[SharedInvite]:
    stmt = select(SharedInvite).where(SharedInvite.introduction_id == intro_id).order_by(col(SharedInvite.id))
    return list(session.exec(stmt))


def get(session: Session, *, row_id: int) -> SharedInvite | None:
    return session.get(SharedInvite, row_id, populate_existing=True)


def due(session: Session, *, now: datetime, intro_id: int | None = None) -> list[int]:
    """Invitations still to send (or to retry) whose lease or backoff has run out."""
    free = or_(col(SharedInvite.next_attempt_at).is_(None), col(SharedInvite.next_attempt_at) <= now)
    stmt = select(SharedInvite.id).where(SharedInvite.state == InviteState.PENDING.value, free)
    if intro_id is not None:
        stmt = stmt.where(SharedInvite.introduction_id == intro_id)
    return list(session.exec(stmt.order_by(col(SharedInvite.id))))


def claim(session: Session, *, row_id: int, token: str, now: datetime, lease_until: datetime) -> bool:
    """Take the lease on sending one invitation (one worker at a time)."""
    free = or_(col(SharedInvite.next_attempt_at).is_(None), col(SharedInvite.next_attempt_at) <= now)
    return _update(session, row_id, [SharedInvite.state == InviteState.PENDING.value, free], {
        "claimed_by": token, "next_attempt_at": lease_until, "attempts": SharedInvite.attempts + 1,
        "updated_at": now})


def record(session: Session, *, row_id: int, token: str, **values) -> bool:
    """Store the answer to this worker's call (only while the lease is its own)."""
    return _update(session, row_id, [SharedInvite.claimed_by == token],
                   {"claimed_by": None, **values})


def move(session: Session, *, row_id: int, from_states: Iterable[str], to_state: str, now: datetime,
         **values) -> bool:
    states = [str(s) for s in from_states]
    return _update(session, row_id, [col(SharedInvite.state).in_(states)],
                   {"state": str(to_state), "updated_at": now, **values})


def find_by_slack(session: Session, *, slack_invite_id: str | None, channel_id: str | None,
                  email: str | None) -> SharedInvite | None:
    """The row an event is about: by Slack's invite id, else by channel and recipient email
    (an invitation whose answer was lost has no id recorded)."""
    if slack_invite_id:
        row = session.exec(select(SharedInvite).where(SharedInvite.invite_id == slack_invite_id)).first()
        if row is not None:
            return row
    if channel_id and email:
        stmt = (select(SharedInvite).join(Introduction, col(Introduction.id) == col(SharedInvite.introduction_id))
                .where(Introduction.channel_id == channel_id, func.lower(SharedInvite.email) == email.lower()))
        return session.exec(stmt).first()
    return None


def skip_pending(session: Session, *, intro_id: int, error: str, now: datetime) -> int:
    stmt = (update(SharedInvite)
            .where(col(SharedInvite.introduction_id) == intro_id, SharedInvite.state == InviteState.PENDING.value)
            .values(state=InviteState.SKIPPED.value, error=error[:200], claimed_by=None, next_attempt_at=None,
                    updated_at=now))
    return session.connection().execute(stmt).rowcount


def set_fallback(session: Session, *, intro_id: int, error: str) -> bool:
    """Record once that Slack Connect was refused for this introduction."""
    stmt = (update(Introduction).where(col(Introduction.id) == intro_id, col(Introduction.connect_fallback).is_(None))
            .values(connect_fallback=error[:100]))
    return session.connection().execute(stmt).rowcount == 1


def claim_once(session: Session, *, row_id: int, column: str, now: datetime) -> bool:
    """Set a once-only timestamp (reminded_at, reported_at) if still unset."""
    return _update(session, row_id, [col(getattr(SharedInvite, column)).is_(None)], {column: now})


def due_reminders(session: Session, *, invited_before: datetime) -> list[int]:
    stmt = select(SharedInvite.id).where(
        col(SharedInvite.state).in_([InviteState.INVITED.value, InviteState.ACCEPTED.value]),
        col(SharedInvite.invited_at) <= invited_before, col(SharedInvite.reminded_at).is_(None),
    ).order_by(col(SharedInvite.id))
    return list(session.exec(stmt))


def release_held_by(session: Session, *, token_prefix: str) -> int:
    """On a graceful stop (after in-flight calls finished): every invitation lease this worker
    still holds becomes free at once, for the next process."""
    stmt = (update(SharedInvite)
            .where(col(SharedInvite.claimed_by).startswith(token_prefix),
                   SharedInvite.state == InviteState.PENDING.value)
            .values(claimed_by=None, next_attempt_at=None))
    return session.connection().execute(stmt).rowcount
