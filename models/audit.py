"""The audit log: who changed what, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel

from models.base import json_column, ts_column, utcnow


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False, index=True))
    actor: str = Field(max_length=32)  # Slack user ID, or "system"
    action: str = Field(max_length=40)
    entity: str = Field(max_length=20)
    entity_id: int | None = Field(default=None)
    detail: dict | None = Field(default=None, sa_column=json_column())


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> AuditLog:
    entry = AuditLog(actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail, at=at or utcnow())
    session.add(entry)
    return entry


def latest_detail(session: Session, *, action: str, entity: str, entity_id: int) -> dict | None:
    """The detail of the latest `action` recorded for an entity (e.g. a requester's note)."""
    from sqlmodel import col, select

    row = session.exec(select(AuditLog).where(AuditLog.action == action, AuditLog.entity == entity,
                                              AuditLog.entity_id == entity_id)
                       .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(1)).first()
    return row.detail if row is not None else None
