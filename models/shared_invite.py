"""Slack Connect invitations: one row per introduction and outside contact (email).

The row is reserved before `conversations.inviteShared` is called and claimed with a lease
(`claimed_by` until `next_attempt_at`), so two replicas never send one invitation twice; the
answer (invite id, or the error) is recorded, and a failed call is released for a retry with
backoff. Slack's events then move it on (accepted, approved, declined).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import ts_column, utcnow


class InviteState(StrEnum):
    PENDING = "pending"  # reserved; the call is still to be made (or retried)
    INVITED = "invited"  # Slack answered with an invite id; waiting for the contact
    ACCEPTED = "accepted"  # the contact accepted; may still wait for an admin's approval
    APPROVED = "approved"  # the channel is shared with the contact's workspace
    DECLINED = "declined"  # the contact (or an admin) declined
    FAILED = "failed"  # Slack refused this invitation (e.g. invalid_email); reported to the manager
    SKIPPED = "skipped"  # not sent: Slack Connect is refused here, a private channel is used instead


OPEN_INVITE_STATES = (InviteState.PENDING.value, InviteState.INVITED.value, InviteState.ACCEPTED.value)


class SharedInvite(SQLModel, table=True):
    __tablename__ = "shared_invite"
    __table_args__ = (
        UniqueConstraint("introduction_id", "email", name="uq_shared_invite_intro_email"),
        Index("ix_shared_invite_due", "state", "next_attempt_at"),
        Index("ix_shared_invite_invite_id", "invite_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    introduction_id: int = Field(foreign_key="introduction.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    email: str = Field(max_length=254)
    state: str = Field(default=InviteState.PENDING.value, max_length=10)
    invite_id: str | None = Field(default=None, max_length=64)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=80)
    next_attempt_at: datetime | None = Field(default=None, sa_column=ts_column())
    error: str | None = Field(default=None, max_length=200)
    invited_at: datetime | None = Field(default=None, sa_column=ts_column())
    answered_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())
    reported_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
