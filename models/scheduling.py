"""Claims that make scheduled effects happen once: digest runs and nudges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import json_column, ts_column, utcnow


class DigestRun(SQLModel, table=True):
    """One digest per channel and period: the unique row is claimed before posting."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("channel", "period_start", "period_end", name="uq_digest_period"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    period_start: datetime = Field(sa_column=ts_column(nullable=False))
    period_end: datetime = Field(sa_column=ts_column(nullable=False))
    claimed_by: str = Field(max_length=80)
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    posted_at: datetime | None = Field(default=None, sa_column=ts_column())
    message_ts: str | None = Field(default=None, max_length=32)
    figures: dict | None = Field(default=None, sa_column=json_column())


class Nudge(SQLModel, table=True):
    """At most one participation nudge per company and month."""

    __tablename__ = "nudge"
    __table_args__ = (UniqueConstraint("company_id", "month", name="uq_nudge_company_month"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    month: str = Field(max_length=7)  # "2026-11"
    kind: str = Field(max_length=40)
    user_id: str | None = Field(default=None, max_length=32)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ProcessedRequest(SQLModel, table=True):
    """Slack retries of one event or command are processed once: the key is claimed first."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False, index=True))
