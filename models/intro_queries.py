"""Database access for introductions: conditional state changes, leases and due work.

Every state change is a conditional UPDATE checked by its rowcount, so a double click,
a Slack retry or two replicas make it once; the caller records the audit row in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.introduction import OPEN_STATES, FollowupDelivery, Introduction, IntroState, Outcome


def get_intro(session: Session, *, intro_id: int) -> Introduction | None:
    return session.get(Introduction, intro_id, populate_existing=True)


def find_intro(session: Session, *, ask_id: int, target_company_id: int) -> Introduction | None:
    stmt = select(Introduction).where(Introduction.ask_id == ask_id, Introduction.target_company_id == target_company_id)
    return session.exec(stmt).first()


def open_count_for(session: Session, *, company_id: int) -> int:
    stmt = select(func.count()).select_from(Introduction).where(
        Introduction.target_company_id == company_id, col(Introduction.state).in_(OPEN_STATES)
    )
    return int(session.exec(stmt).one())


# An introduction a manager has let through: it holds one of the partner's MAX_OPEN_INTROS places.
DECIDED_OPEN_STATES = (IntroState.AWAITING_CONSENT.value, IntroState.APPROVED.value, IntroState.INTRODUCED.value)


def decided_open_count_for(session: Session, *, company_id: int) -> int:
    stmt = select(func.count()).select_from(Introduction).where(
        Introduction.target_company_id == company_id, col(Introduction.state).in_(DECIDED_OPEN_STATES)
    )
    return int(session.exec(stmt).one())


def lock_company(session: Session, *, company_id: int) -> None:
    """Serialize the writers that count a partner's open introductions (MAX_OPEN_INTROS).

    PostgreSQL: a row lock on the company until the transaction ends. SQLite has one writer
    at a time: a transaction that writes first and counts afterwards is serialized already
    (the driver begins the transaction at its first write), so nothing is taken here.
    """
    if session.get_bind().dialect.name == "postgresql":
        from models.company import Company

        session.exec(select(Company.id).where(Company.id == company_id).with_for_update())


def close_open_for_company(session: Session, *, company_id: int, now: datetime,
                           closed_by: str) -> list[tuple[int, str, int, str]]:
    """Close every open introduction the company is on either side of (its profile is being
    deleted); (id, requester user, target company, state it had) for each one closed."""
    side = or_(Introduction.target_company_id == company_id, Introduction.requester_company_id == company_id)
    rows = session.exec(select(Introduction.id, Introduction.requester_user_id, Introduction.target_company_id,
                               Introduction.state)
                        .where(side, col(Introduction.state).in_(OPEN_STATES))).all()
    closed = []
    for intro_id, requester, target, state in rows:
        if _update(session, intro_id, [Introduction.state == state], {
                "state": IntroState.CLOSED.value, "updated_at": now, "closed_at": now,
                "closed_by": func.coalesce(Introduction.closed_by, closed_by),
                "effects_claimed_by": None, "next_attempt_at": None}):
            closed.append((intro_id, requester, target, state))
    return closed


def met_before(session: Session, *, intro_id: int, company_a: int | None, company_b: int) -> datetime | None:
    """When these two companies were last introduced (either way round) before this request, or None."""
    if company_a is None:
        return None
    pair = or_(and_(Introduction.requester_company_id == company_a, Introduction.target_company_id == company_b),
               and_(Introduction.requester_company_id == company_b, Introduction.target_company_id == company_a))
    stmt = (select(Introduction.introduced_at)
            .where(pair, Introduction.id != intro_id, col(Introduction.introduced_at).is_not(None))
            .order_by(col(Introduction.introduced_at).desc()).limit(1))
    return session.exec(stmt).first()


def _update(session: Session, intro_id: int, where: Iterable, values: dict) -> bool:
    stmt = update(Introduction).where(col(Introduction.id) == intro_id, *where).values(**values)
    return session.connection().execute(stmt).rowcount == 1


def transition(
    session: Session, *, intro_id: int, from_states: Iterable[str], to_state: str, now: datetime, **values
) -> bool:
    """Move the introduction to `to_state` only when it is in one of `from_states`."""
    states = [str(s) for s in from_states]
    return _update(session, intro_id, [col(Introduction.state).in_(states)],
                   {"state": str(to_state), "updated_at": now, **values})


def claim_effects(
    session: Session, *, intro_id: int, state: str, token: str, now: datetime, lease_until: datetime
) -> bool:
    """Take the lease on an introduction's pending Slack effects (one worker at a time)."""
    free = or_(col(Introduction.next_attempt_at).is_(None), col(Introduction.next_attempt_at) <= now)
    return _update(session, intro_id, [Introduction.state == str(state), free], {
        "effects_claimed_by": token,
        "next_attempt_at": lease_until,
        "effects_attempts": Introduction.effects_attempts + 1,
    })


def save_progress(session: Session, *, intro_id: int, token: str, **values) -> bool:
    """Store a finished step; False when the lease was lost (another worker took over)."""
    return _update(session, intro_id, [Introduction.effects_claimed_by == token], values or {"effects_claimed_by": token})


def reserve_channel_name(session: Session, *, intro_id: int, token: str, name: str) -> str:
    """Reserve `name` for this introduction before creating it in Slack (unique column).

    "reserved"; "taken" (another introduction holds the name); "has_channel" (a channel is
    already recorded); "lost" (another worker holds the lease).
    """
    try:
        with session.begin_nested():
            if _update(session, intro_id, [Introduction.effects_claimed_by == token,
                                           col(Introduction.channel_id).is_(None)], {"channel_name": name}):
                return "reserved"
    except IntegrityError:
        return "taken"
    intro = get_intro(session, intro_id=intro_id)
    if intro is not None and intro.channel_id:
        return "has_channel"
    return "lost"


def record_channel(session: Session, *, intro_id: int, name: str, channel_id: str) -> bool:
    """Record the channel made under the reserved `name`, lease or not: the name is this
    introduction's alone, so the channel is too (lets a worker that lost its lease hand over
    the channel it made instead of leaving it orphaned)."""
    return _update(session, intro_id, [col(Introduction.channel_id).is_(None), Introduction.channel_name == name],
                   {"channel_id": channel_id})


def recorded_channel(session: Session, *, intro_id: int) -> tuple[str | None, str | None]:
    intro = get_intro(session, intro_id=intro_id)
    return (intro.channel_id, intro.channel_name) if intro else (None, None)


def store_approval_messages(session: Session, *, intro_id: int, messages: list[dict]) -> bool:
    """Record where the approval request was posted (once; lease or not)."""
    return _update(session, intro_id, [col(Introduction.approval_messages).is_(None)], {"approval_messages": messages})


def release_effects(session: Session, *, intro_id: int, token: str, retry_at: datetime | None, error: str | None) -> bool:
    return _update(session, intro_id, [Introduction.effects_claimed_by == token], {
        "effects_claimed_by": None,
        "next_attempt_at": retry_at,
        "effects_error": (error or "")[:500] or None,
    })


def due_effects(session: Session, *, now: datetime) -> list[int]:
    """Introductions whose Slack effects are pending and not leased: approved but not yet
    introduced, or requested but never posted for approval."""
    free = or_(col(Introduction.next_attempt_at).is_(None), col(Introduction.next_attempt_at) <= now)
    pending = or_(
        Introduction.state == IntroState.APPROVED.value,
        # consent not yet asked of every contact (consent_asked_at is set once all are asked)
        and_(Introduction.state == IntroState.AWAITING_CONSENT.value, col(Introduction.consent_asked_at).is_(None)),
        and_(Introduction.state == IntroState.REQUESTED.value, col(Introduction.approval_messages).is_(None)),
    )
    stmt = select(Introduction.id).where(pending, free).order_by(col(Introduction.id))
    return list(session.exec(stmt))


def due_consent_expiry(session: Session, *, asked_before: datetime) -> list[int]:
    """Introductions still waiting for the proposed partner's answer, asked before the cutoff
    (counted from the approval when the question could not be delivered to anyone)."""
    asked = func.coalesce(col(Introduction.consent_asked_at), col(Introduction.decided_at))
    stmt = select(Introduction.id).where(
        Introduction.state == IntroState.AWAITING_CONSENT.value, asked <= asked_before,
    ).order_by(col(Introduction.id))
    return list(session.exec(stmt))


def due_invitation_consent_expiry(session: Session, *, asked_before: datetime) -> list[int]:
    """Proposed partners with only outside contacts (their consent is accepting the Slack
    Connect invitation) who have not accepted since before the cutoff."""
    stmt = select(Introduction.id).where(
        col(Introduction.state).in_([IntroState.APPROVED.value, IntroState.INTRODUCED.value]),
        col(Introduction.consent_answer).is_(None), col(Introduction.consent_asked_at) <= asked_before,
    ).order_by(col(Introduction.id))
    return list(session.exec(stmt))


def expire_invitation_consent(session: Session, *, intro_id: int, now: datetime, **values) -> bool:
    """Close an introduction whose outside-only partner never accepted, unless it just did."""
    return _update(session, intro_id, [
        col(Introduction.state).in_([IntroState.APPROVED.value, IntroState.INTRODUCED.value]),
        col(Introduction.consent_answer).is_(None)],
        {"state": IntroState.CONSENT_EXPIRED.value, "updated_at": now, **values})


def due_followups(session: Session, *, introduced_before: datetime) -> list[int]:
    stmt = select(Introduction.id).where(
        Introduction.state == IntroState.INTRODUCED.value,
        col(Introduction.followup_sent_at).is_(None),
        col(Introduction.introduced_at) <= introduced_before,
    ).order_by(col(Introduction.id))
    return list(session.exec(stmt))


def due_reminders(session: Session, *, followed_up_before: datetime) -> list[int]:
    stmt = select(Introduction.id).where(
        col(Introduction.state).in_([IntroState.INTRODUCED.value, IntroState.CLOSED.value]),
        col(Introduction.followup_sent_at) <= followed_up_before,
        col(Introduction.reminder_sent_at).is_(None),
    ).order_by(col(Introduction.id))
    return list(session.exec(stmt))


def claim_once(session: Session, *, intro_id: int, column: str, now: datetime) -> bool:
    """Set a once-only timestamp (followup_sent_at, reminder_sent_at) if still unset."""
    column_attr = getattr(Introduction, column)
    return _update(session, intro_id, [col(column_attr).is_(None)], {column: now, "updated_at": now})


def outcome_company_ids(session: Session, *, intro_id: int) -> set[int]:
    stmt = select(Outcome.company_id).where(Outcome.introduction_id == intro_id)
    return set(session.exec(stmt))


def get_outcome(session: Session, *, intro_id: int, company_id: int) -> Outcome | None:
    stmt = select(Outcome).where(Outcome.introduction_id == intro_id, Outcome.company_id == company_id)
    return session.exec(stmt).first()


def upsert_outcome(
    session: Session, *, intro_id: int, company_id: int, user_id: str, outcome: str,
    deal_value: float | None, now: datetime,
) -> Outcome:
    """One answer per introduction and company; a later answer replaces the earlier one."""
    try:
        with session.begin_nested():
            row = Outcome(introduction_id=intro_id, company_id=company_id, user_id=user_id, outcome=outcome,
                          deal_value=deal_value, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        row = get_outcome(session, intro_id=intro_id, company_id=company_id)
        assert row is not None
        row.user_id, row.outcome, row.deal_value, row.updated_at = user_id, outcome, deal_value, now
        session.add(row)
        session.flush()
        return row


# -- follow-up deliveries: claim -> send -> record, or release with a backoff ---------------
def plan_delivery(session: Session, *, intro_id: int, kind: str, user_id: str, company_id: int | None,
                  other_company_id: int, now: datetime) -> bool:
    """Add one pending DM of a round (a unique row: planning twice adds nothing)."""
    try:
        with session.begin_nested():
            session.add(FollowupDelivery(introduction_id=intro_id, kind=kind, user_id=user_id, company_id=company_id,
                                         other_company_id=other_company_id, created_at=now))
            session.flush()
            return True
    except IntegrityError:
        return False


def due_deliveries(session: Session, *, now: datetime, max_attempts: int) -> list[int]:
    free = or_(col(FollowupDelivery.next_attempt_at).is_(None), col(FollowupDelivery.next_attempt_at) <= now)
    stmt = select(FollowupDelivery.id).where(
        col(FollowupDelivery.sent_at).is_(None), col(FollowupDelivery.gave_up).is_(None), free,
        FollowupDelivery.attempts < max_attempts,
    ).order_by(col(FollowupDelivery.id))
    return list(session.exec(stmt))


def _update_delivery(session: Session, delivery_id: int, where: Iterable, values: dict) -> bool:
    stmt = update(FollowupDelivery).where(col(FollowupDelivery.id) == delivery_id, *where).values(**values)
    return session.connection().execute(stmt).rowcount == 1


def claim_delivery(session: Session, *, delivery_id: int, token: str, now: datetime, lease_until: datetime) -> bool:
    """Take the lease on one pending DM (one worker at a time, until `lease_until`)."""
    free = or_(col(FollowupDelivery.next_attempt_at).is_(None), col(FollowupDelivery.next_attempt_at) <= now)
    return _update_delivery(session, delivery_id, [
        col(FollowupDelivery.sent_at).is_(None), col(FollowupDelivery.gave_up).is_(None), free,
    ], {"claimed_by": token, "next_attempt_at": lease_until, "attempts": FollowupDelivery.attempts + 1})


def get_delivery(session: Session, *, delivery_id: int) -> FollowupDelivery | None:
    return session.get(FollowupDelivery, delivery_id, populate_existing=True)


def finish_delivery(session: Session, *, delivery_id: int, token: str, now: datetime, channel_id: str | None = None,
                    message_ts: str | None = None, gave_up: str | None = None) -> bool:
    """Record a sent DM (or one that will never be sent, with why) under our lease."""
    values: dict = {"claimed_by": None, "next_attempt_at": None}
    if gave_up:
        values["gave_up"] = gave_up[:200]
    else:
        values.update(sent_at=now, channel_id=channel_id, message_ts=message_ts)
    return _update_delivery(session, delivery_id, [FollowupDelivery.claimed_by == token], values)


def release_delivery(session: Session, *, delivery_id: int, token: str, retry_at: datetime | None) -> bool:
    """Give the DM back for a later attempt (Slack did not answer, or a graceful stop)."""
    return _update_delivery(session, delivery_id, [FollowupDelivery.claimed_by == token],
                            {"claimed_by": None, "next_attempt_at": retry_at})


def release_effects_held_by(session: Session, *, token_prefix: str) -> int:
    """On a graceful stop: the introductions whose effects this worker holds are due at once."""
    stmt = update(Introduction).where(col(Introduction.effects_claimed_by).startswith(token_prefix, autoescape=True)).values(
        effects_claimed_by=None, next_attempt_at=None)
    return session.connection().execute(stmt).rowcount


def release_deliveries_held_by(session: Session, *, token_prefix: str) -> int:
    """On a graceful stop: every DM lease this worker holds becomes free at once."""
    stmt = update(FollowupDelivery).where(
        col(FollowupDelivery.claimed_by).startswith(token_prefix), col(FollowupDelivery.sent_at).is_(None),
    ).values(claimed_by=None, next_attempt_at=None)
    return session.connection().execute(stmt).rowcount


def sent_delivery_users(session: Session, *, intro_id: int, kind: str) -> set[str]:
    stmt = select(FollowupDelivery.user_id).where(FollowupDelivery.introduction_id == intro_id,
                                                 FollowupDelivery.kind == kind,
                                                 col(FollowupDelivery.sent_at).is_not(None))
    return set(session.exec(stmt))
