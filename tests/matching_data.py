"""Small directories for the matching tests, written with the models (as any writer would)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from models.company import Company, company_key, link_member
from models.db import session_scope

ASKER = "U0ASKER001"


def add_company(engine: Engine, name: str, *, member: str | None = None, when: datetime | None = None,
                **fields) -> int:
    with session_scope(engine) as session:
        c = Company(name=name, name_key=company_key(name), updated_at=when or datetime.now(UTC), **fields)
        session.add(c)
        session.flush()
        if member:
            link_member(session, company_id=c.id, slack_user_id=member)
        return c.id


def tucson_directory(engine: Engine) -> dict[str, int]:
    """The real case, the asker's own company (a UC installer too), and some others."""
    ids = {}
    ids["Calence"] = add_company(
        engine, "Calence", member="U0CALENCE1", partner_type="solution provider",
        capabilities=["Cisco Unified Communications design and installation", "IP telephony deployment"],
        industries=["Restaurants"], regions=["Arizona"], certifications=["Cisco Gold Certified"],
        description="Phoenix-based Cisco Gold partner.")
    ids["IPcelerate"] = add_company(
        engine, "IPcelerate", member="U0IPCELER1", partner_type="ISV",
        capabilities=["custom applications for Cisco IP phones", "timecard and shift management phone apps"],
        industries=["Restaurants"], regions=["Dallas, TX", "United States"],
        certifications=["Cisco Technology Developer Program"], description="Dallas-based technology developer.")
    ids["Asker Voice"] = add_company(
        engine, "Asker Voice", member=ASKER, partner_type="installer",
        capabilities=["Cisco unified communications installation"], regions=["Arizona"])
    ids["Loud <!channel> Installers"] = add_company(
        engine, "Loud <!channel> Installers", member="U0LOUD0001", partner_type="installer <@U0MANAGER1>",
        capabilities=["UC installation <!channel> <https://evil.example|click>"], regions=["Arizona"])
    ids["Unlinked UC"] = add_company(
        engine, "Unlinked UC", partner_type="installer",
        capabilities=["unified communications installation"], regions=["Tucson, AZ"])
    ids["Berlin Bakery IT"] = add_company(
        engine, "Berlin Bakery IT", member="U0BERLIN01", partner_type="consultancy",
        capabilities=["bakery inventory software"], regions=["Germany"])
    return ids
