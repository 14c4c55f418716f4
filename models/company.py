"""Partner companies (profiles) and the Slack users who belong to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import json_list_column, ts_column, utcnow


class Capacity(StrEnum):
    OPEN = "open"
    LIMITED = "limited"
    FULL = "full"


class Company(SQLModel, table=True):
    __tablename__ = "company"
    __table_args__ = (Index("ix_company_updated_at", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # Case-insensitive unique key: the CSV upsert key.
    name_key: str = Field(max_length=120, unique=True, index=True)
    partner_type: str = Field(default="", max_length=60)
    capabilities: list[str] = Field(default_factory=list, sa_column=json_list_column())
    industries: list[str] = Field(default_factory=list, sa_column=json_list_column())
    regions: list[str] = Field(default_factory=list, sa_column=json_list_column())
    certifications: list[str] = Field(default_factory=list, sa_column=json_list_column())
    description: str = Field(default="", max_length=3000)
    capacity: str = Field(default=Capacity.OPEN.value, max_length=10)
    website: str | None = Field(default=None, max_length=300)
    # Work emails of contacts outside the vendor's workspace, invited through Slack Connect.
    # Personal data: shown only to the company itself and vendor managers, erased on delete.
    contact_emails: list[str] = Field(default_factory=list, sa_column=json_list_column())
    paused: bool = Field(default=False)
    paused_until: date | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # Set when the partner deleted its profile; the row stays so history keeps its shape.
    deleted_at: datetime | None = Field(default=None, sa_column=ts_column())

    @property
    def active(self) -> bool:
        return self.deleted_at is None


class Member(SQLModel, table=True):
    """A Slack user who represents a company (several users may belong to one company)."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(max_length=32, unique=True, index=True)
    company_id: int = Field(foreign_key="company.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


def company_key(name: str) -> str:
    """The case-insensitive identity of a company name."""
    return " ".join(name.casefold().split())


def get_company(session: Session, *, company_id: int) -> Company | None:
    company = session.get(Company, company_id)
    return company if company is not None and company.active else None


def get_company_by_name(session: Session, *, name: str) -> Company | None:
    stmt = select(Company).where(Company.name_key == company_key(name), col(Company.deleted_at).is_(None))
    return session.exec(stmt).first()


def get_company_for_user(session: Session, *, slack_user_id: str) -> Company | None:
    stmt = (
        select(Company)
        .join(Member, col(Member.company_id) == col(Company.id))
        .where(Member.slack_user_id == slack_user_id, col(Company.deleted_at).is_(None))
    )
    return session.exec(stmt).first()


def list_companies(session: Session, *, include_deleted: bool = False) -> list[Company]:
    stmt = select(Company).order_by(col(Company.id))
    if not include_deleted:
        stmt = stmt.where(col(Company.deleted_at).is_(None))
    return list(session.exec(stmt))


def member_user_ids(session: Session, *, company_id: int) -> list[str]:
    stmt = select(Member.slack_user_id).where(Member.company_id == company_id).order_by(col(Member.id))
    return list(session.exec(stmt))


def companies_with_members(session: Session, company_ids: list[int]) -> set[int]:
    """Which of `company_ids` have at least one Slack user (one query)."""
    if not company_ids:
        return set()
    return set(session.exec(select(Member.company_id).where(col(Member.company_id).in_(company_ids)).distinct()))


def link_member(session: Session, *, company_id: int, slack_user_id: str) -> Member:
    """Attach a Slack user to a company, moving them if they belonged to another."""
    member = session.exec(select(Member).where(Member.slack_user_id == slack_user_id)).first()
    if member is None:
        member = Member(slack_user_id=slack_user_id, company_id=company_id)
        session.add(member)
    else:
        member.company_id = company_id
    return member


def is_paused(company: Company, *, today: date) -> bool:
    """Paused now? A pause with an end date resumes by itself on that date."""
    if not company.paused:
        return False
    return company.paused_until is None or today < company.paused_until
