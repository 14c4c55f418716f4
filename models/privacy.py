"""Erasing a partner's personal data when it deletes its profile.

Kept (business history, no personal data): the company row with its id, name, partner type
and capacity, marked `deleted_at`; its asks (text and needs — what the market asked for),
introductions, outcomes (kind and deal value), nudges and audit entries, so counts and
metrics keep their shape. Removed: the company's members (who its Slack users were), its
description, website, outside contacts' emails (also in its Slack Connect invitations),
capabilities, industries, regions and certifications, the customer context typed into its asks, and its users' Slack ids wherever history stored them
(replaced by "deleted-user").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, literal, or_, select, update
from sqlmodel import Session, col

from models.ask import Ask
from models.audit import AuditLog
from models.company import Company, Member
from models.introduction import Introduction, Outcome
from models.scheduling import Nudge
from models.shared_invite import SharedInvite

DELETED_USER = "deleted-user"


def deleted_name_key(company_id: int) -> str:
    """Frees the name for a new profile while keeping the unique column filled."""
    return f"#DELETED-{company_id}"  # upper case: company_key() never makes one


def erase_company_personal_data(session: Session, *, company_id: int, now: datetime) -> bool:
    """Delete the company's personal data; False when it was already deleted (once only)."""
    result = session.execute(
        update(Company)
        .where(col(Company.id) == company_id, col(Company.deleted_at).is_(None))
        .values(deleted_at=now, updated_at=now, name_key=deleted_name_key(company_id), description="",
                website=None, contact_emails=[], capabilities=[], industries=[], regions=[], certifications=[],
                paused=False, paused_until=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user_ids = list(session.execute(select(Member.slack_user_id).where(Member.company_id == company_id)).scalars())
    session.execute(delete(Member).where(col(Member.company_id) == company_id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Ask).where(col(Ask.company_id) == company_id).values(context=None)
                    .execution_options(synchronize_session=False))
    # The reason the company gave for "Not now" is its own words: erased with it.
    session.execute(update(Introduction).where(col(Introduction.target_company_id) == company_id)
                    .values(consent_reason=None).execution_options(synchronize_session=False))
    # Invitations not sent yet are not sent at all; the rows keep their state (for counts) but
    # no longer say whom they invited.
    session.execute(update(SharedInvite).where(col(SharedInvite.company_id) == company_id,
                                               SharedInvite.state == "pending")
                    .values(state="skipped", error="profile deleted", claimed_by=None, next_attempt_at=None)
                    .execution_options(synchronize_session=False))
    session.execute(update(SharedInvite).where(col(SharedInvite.company_id) == company_id)
                    .values(email=literal("deleted-", String) + cast(SharedInvite.id, String))
                    .execution_options(synchronize_session=False))
    scrub_user_ids(session, user_ids=user_ids)
    return True


def scrub_user_ids(session: Session, *, user_ids: list[str]) -> None:
    """Replace these Slack user ids in stored history with "deleted-user"."""
    if not user_ids:
        return
    opts = {"synchronize_session": False}
    for column in (Ask.asker_user_id, Introduction.requester_user_id, Introduction.decided_by,
                   Introduction.closed_by, Introduction.consent_by, Outcome.user_id, AuditLog.actor):
        table = column.class_  # type: ignore[attr-defined]
        session.execute(update(table).where(col(column).in_(user_ids)).values({column.key: DELETED_USER})
                        .execution_options(**opts))
    session.execute(update(Ask).where(col(Ask.asker_user_id) == DELETED_USER).values(context=None)
                    .execution_options(**opts))
    session.execute(update(Nudge).where(col(Nudge.user_id).in_(user_ids)).values(user_id=None)
                    .execution_options(**opts))
    # Free-form JSON that may name users: rewrite the rows that mention one of the ids.
    for column in (AuditLog.detail, Introduction.effects_done):
        _scrub_json(session, column, user_ids)


def _scrub_json(session: Session, column, user_ids: list[str]) -> None:
    table = column.class_
    mentions = or_(*[cast(column, String).like(f"%{uid}%") for uid in user_ids])
    for entity in session.execute(select(table).where(mentions)).scalars():
        setattr(entity, column.key, _replace_ids(getattr(entity, column.key), set(user_ids)))
        session.add(entity)


def _replace_ids(value: Any, user_ids: set[str]) -> Any:
    if isinstance(value, str):
        for uid in user_ids:
            value = value.replace(uid, DELETED_USER)
        return value
    if isinstance(value, list):
        return [_replace_ids(v, user_ids) for v in value]
    if isinstance(value, dict):
        return {_replace_ids(k, user_ids): _replace_ids(v, user_ids) for k, v in value.items()}
    return value
