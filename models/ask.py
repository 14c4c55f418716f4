"""Asks: what a partner asked `/findpartner` for, and what it was shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import json_column, json_list_column, ts_column, utcnow


class Ask(SQLModel, table=True):
    __tablename__ = "ask"
    __table_args__ = (
        Index("ix_ask_created_at", "created_at"),
        # Metrics: counts over a period read only this index (no table lookups).
        Index("ix_ask_created_cover", "created_at", "company_id", "unmet", "matches_shown"),
    )

    id: int | None = Field(default=None, primary_key=True)
    asker_user_id: str = Field(max_length=32, index=True)
    # The asker's company when they have a profile (their own company is never proposed).
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    text: str = Field(max_length=3000)
    # Structured parts of the ask (modal) — empty for a plain `/findpartner <text>`.
    industry: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=200)
    context: str | None = Field(default=None, max_length=3000)
    timing: str | None = Field(default=None, max_length=200)
    # The needs the matcher read in the ask (list of short strings).
    needs: list[str] = Field(default_factory=list, sa_column=json_list_column())
    # What was shown: [{"company_id": int, "score": float, "reasons": [...], "covers": [...]}]
    results: list | None = Field(default=None, sa_column=json_column())
    matches_shown: int = Field(default=0)
    # Nothing matched at all (the honest no-match answer).
    unmet: bool = Field(default=False)
    # The needs no shown partner covers (unmet demand, also for an ask only partly met): all its
    # needs when nothing matched, its text when no needs were read, [] when every part is covered.
    unmet_needs: list[str] = Field(default_factory=list, sa_column=json_list_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
