"""Introductions: a requested, approved and made connection between two partners."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import json_column, json_list_column, ts_column, utcnow


class IntroState(StrEnum):
    REQUESTED = "requested"
    AWAITING_CONSENT = "awaiting_consent"  # approved by a manager; the proposed partner is asked (INTRO_CONSENT)
    APPROVED = "approved"  # decided; Slack side effects pending or under way
    INTRODUCED = "introduced"
    DECLINED = "declined"
    NOT_A_FIT = "not_a_fit"
    CLOSED = "closed"
    CONSENT_DECLINED = "consent_declined"  # the proposed partner said "Not now"
    CONSENT_EXPIRED = "consent_expired"  # no answer within CONSENT_DAYS


class ConsentAnswer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


OPEN_STATES = (IntroState.REQUESTED.value, IntroState.AWAITING_CONSENT.value, IntroState.APPROVED.value,
               IntroState.INTRODUCED.value)


class Introduction(SQLModel, table=True):
    __tablename__ = "introduction"
    __table_args__ = (
        # A second click on Request intro for the same ask and partner finds this row.
        UniqueConstraint("ask_id", "target_company_id", name="uq_intro_ask_target"),
        # A channel name is reserved here before conversations.create is called, so two
        # introductions never try (and never adopt) the same Slack channel name.
        UniqueConstraint("channel_name", name="uq_intro_channel_name"),
        Index("ix_intro_state", "state"),
        Index("ix_intro_created_at", "created_at"),
        Index("ix_intro_target_state", "target_company_id", "state"),
        Index("ix_intro_requester_state", "requester_company_id", "state"),
        # Metrics: figures over a period read only these indexes (no table lookups).
        Index("ix_intro_decided_at", "decided_at", "state", "created_at"),
        Index("ix_intro_created_cover", "created_at", "requester_company_id"),
        Index("ix_intro_introduced_cover", "introduced_at", "requester_company_id", "target_company_id"),
        Index("ix_intro_state_followup", "state", "followup_sent_at"),
        # Digest: consent answers in a period.
        Index("ix_intro_consent_answered", "consent_answered_at", "consent_answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ask_id: int = Field(foreign_key="ask.id")
    requester_user_id: str = Field(max_length=32)
    requester_company_id: int | None = Field(default=None, foreign_key="company.id")
    target_company_id: int = Field(foreign_key="company.id")
    state: str = Field(default=IntroState.REQUESTED.value, max_length=20)
    score: float = Field(default=0.0)
    reasons: list[str] = Field(default_factory=list, sa_column=json_list_column())
    # Where approval requests were posted: [{"channel": "C..", "ts": "..."}]
    approval_messages: list | None = Field(default=None, sa_column=json_column())
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=ts_column())
    decline_reason: str | None = Field(default=None, max_length=1000)
    # Progress of the approval's Slack side effects, so a restart resumes where it stopped.
    channel_id: str | None = Field(default=None, max_length=32)
    channel_name: str | None = Field(default=None, max_length=80)
    intro_message_ts: str | None = Field(default=None, max_length=32)
    effects_attempts: int = Field(default=0)
    # Which worker holds the lease on the pending effects (until next_attempt_at).
    effects_claimed_by: str | None = Field(default=None, max_length=80)
    # Steps of the approval's side effects already done ("invited", "topic", "dm:U123", ...).
    effects_done: list[str] = Field(default_factory=list, sa_column=json_list_column())
    effects_error: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime | None = Field(default=None, sa_column=ts_column())
    introduced_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    followup_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminder_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_by: str | None = Field(default=None, max_length=32)
    # The proposed partner's consent (INTRO_CONSENT=on): when it was asked, its answer.
    consent_asked_at: datetime | None = Field(default=None, sa_column=ts_column())
    consent_answered_at: datetime | None = Field(default=None, sa_column=ts_column())
    consent_answer: str | None = Field(default=None, max_length=10)
    consent_by: str | None = Field(default=None, max_length=32)
    consent_reason: str | None = Field(default=None, max_length=1000)
    # Where the consent question was sent: [{"channel": "D..", "ts": "..."}]
    consent_messages: list | None = Field(default=None, sa_column=json_column())
    # Slack Connect refused in this workspace: outside contacts are not invited (said so).
    connect_fallback: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class OutcomeKind(StrEnum):
    WORKING_TOGETHER = "working_together"
    DEAL_WON = "deal_won"
    NO_FIT = "no_fit"


class Outcome(SQLModel, table=True):
    """A partner's answer to the follow-up: one per introduction and company.

    `deal_value` is within 0..MAX_DEAL_VALUE when written; the figures count only such values,
    so no row can make a sum overflow."""

    __tablename__ = "outcome"
    __table_args__ = (
        UniqueConstraint("introduction_id", "company_id", name="uq_outcome_intro_company"),
        Index("ix_outcome_created_at", "created_at"),
        # Metrics: answers in a period, read from the index alone.
        Index("ix_outcome_updated_at", "updated_at", "outcome", "introduction_id", "company_id", "deal_value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    introduction_id: int = Field(foreign_key="introduction.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: str = Field(max_length=32)
    outcome: str = Field(max_length=20)
    deal_value: float | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


# The largest deal value the bot accepts (money, in the DEAL_CURRENCY unit).
MAX_DEAL_VALUE = 10**12


def open_intro_counts(session: Session) -> dict[int, int]:
    """Open introductions per target company (for MAX_OPEN_INTROS)."""
    stmt = (
        select(Introduction.target_company_id, func.count())
        .where(col(Introduction.state).in_(OPEN_STATES))
        .group_by(Introduction.target_company_id)
    )
    return {company_id: count for company_id, count in session.exec(stmt)}


class DeliveryKind(StrEnum):
    FOLLOWUP = "followup"
    REMINDER = "reminder"


class FollowupDelivery(SQLModel, table=True):
    """One follow-up (or reminder) DM to one partner user, sent once.

    The rows of a round are planned in the transaction that claims the round
    (`followup_sent_at` / `reminder_sent_at`); each row is then claimed (a lease),
    sent, and recorded as sent, or released with a backoff when Slack did not answer.
    """

    __tablename__ = "followup_delivery"
    __table_args__ = (
        UniqueConstraint("introduction_id", "kind", "user_id", name="uq_delivery_intro_kind_user"),
        Index("ix_delivery_due", "sent_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    introduction_id: int = Field(foreign_key="introduction.id", index=True)
    kind: str = Field(max_length=20)
    user_id: str = Field(max_length=32)
    # The company of the partner this user is asked about (shown in the message).
    other_company_id: int = Field(foreign_key="company.id")
    # The asked user's company: its answer makes a pending delivery moot.
    company_id: int | None = Field(default=None, foreign_key="company.id")
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=80)
    next_attempt_at: datetime | None = Field(default=None, sa_column=ts_column())
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    # Set when the delivery ends without a message: "answered", or Slack's permanent error.
    gave_up: str | None = Field(default=None, max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
