"""Deleting a profile erases the partner's personal data everywhere and keeps the business
history's shape — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot import profiles as P
from models import audit
from models.ask import Ask
from models.audit import AuditLog
from models.company import Company, Member, get_company_by_name, link_member
from models.db import session_scope
from models.introduction import Introduction, Outcome
from models.scheduling import Nudge

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def seed(session) -> tuple[int, int]:
    gone = Company(name="Gone Co", name_key="gone co", partner_type="ISV", description="About us",
                   website="https://gone.example", capabilities=["apps"], regions=["Texas"], paused=True,
                   paused_until=date(2027, 1, 1))
    peer = Company(name="Peer", name_key="peer", description="Peer text")
    session.add(gone)
    session.add(peer)
    session.flush()
    link_member(session, company_id=gone.id, slack_user_id="U0GONE001")
    link_member(session, company_id=gone.id, slack_user_id="U0GONE002")
    link_member(session, company_id=peer.id, slack_user_id="U0PEER001")
    ask = Ask(asker_user_id="U0GONE001", company_id=gone.id, text="need UC installers", context="Customer: Jane Doe")
    peer_ask = Ask(asker_user_id="U0PEER001", company_id=peer.id, text="need apps", context="Peer customer")
    session.add(ask)
    session.add(peer_ask)
    session.flush()
    intro = Introduction(ask_id=ask.id, requester_user_id="U0GONE001", requester_company_id=gone.id,
                         target_company_id=peer.id, state="introduced", closed_by="U0GONE002",
                         effects_done=["invited", "dm:U0GONE001", "dm:U0PEER001"])
    session.add(intro)
    session.flush()
    session.add(Outcome(introduction_id=intro.id, company_id=gone.id, user_id="U0GONE002", outcome="deal_won",
                        deal_value=5000.0))
    session.add(Nudge(company_id=gone.id, month="2026-10", kind="stale", user_id="U0GONE001"))
    audit.record(session, actor="U0GONE001", action="profile.update", entity="company", entity_id=gone.id,
                 detail={"by": "U0GONE002", "also": ["U0PEER001"]})
    audit.record(session, actor="U0PEER001", action="profile.update", entity="company", entity_id=peer.id)
    return gone.id, peer.id


def test_delete_erases_personal_data_and_keeps_history(engine):
    with session_scope(engine) as session:
        gone_id, peer_id = seed(session)
    with session_scope(engine) as session:
        P.delete_profile(session, company_id=gone_id, actor="U0GONE001", is_manager=False, now=NOW)
    with session_scope(engine) as session:
        gone = session.get(Company, gone_id)
        assert gone.deleted_at == NOW
        assert (gone.name, gone.partner_type) == ("Gone Co", "ISV")
        assert (gone.description, gone.website, gone.capabilities, gone.regions, gone.paused) == ("", None, [], [], False)
        assert get_company_by_name(session, name="Gone Co") is None
        assert [m.slack_user_id for m in session.exec(select(Member))] == ["U0PEER001"]
        asks = {a.company_id: a for a in session.exec(select(Ask))}
        assert asks[gone_id].asker_user_id == "deleted-user" and asks[gone_id].context is None
        assert asks[gone_id].text == "need UC installers"  # what the market asked for stays
        assert asks[peer_id].asker_user_id == "U0PEER001" and asks[peer_id].context == "Peer customer"
        intro = session.exec(select(Introduction)).one()
        assert (intro.requester_user_id, intro.closed_by, intro.state) == ("deleted-user", "deleted-user", "introduced")
        assert intro.effects_done == ["invited", "dm:deleted-user", "dm:U0PEER001"]
        outcome = session.exec(select(Outcome)).one()
        assert (outcome.user_id, outcome.outcome, outcome.deal_value) == ("deleted-user", "deal_won", 5000.0)
        assert session.exec(select(Nudge)).one().user_id is None
        entries = {(a.entity_id, a.action): a for a in session.exec(select(AuditLog))}
        assert entries[(gone_id, "profile.update")].actor == "deleted-user"
        assert entries[(gone_id, "profile.update")].detail == {"by": "deleted-user", "also": ["U0PEER001"]}
        assert entries[(peer_id, "profile.update")].actor == "U0PEER001"
        assert entries[(gone_id, "profile.delete")].actor == "deleted-user"
        assert session.exec(select(func.count()).select_from(Ask)).one() == 2


def test_delete_happens_once_and_only_for_members_or_managers(engine):
    with session_scope(engine) as session:
        gone_id, _ = seed(session)
    with session_scope(engine) as session, pytest.raises(PermissionError):
        P.delete_profile(session, company_id=gone_id, actor="U0PEER001", is_manager=False, now=NOW)
    with session_scope(engine) as session:
        P.delete_profile(session, company_id=gone_id, actor="U0MANAGER1", is_manager=True, now=NOW)
    with session_scope(engine) as session, pytest.raises(P.ProfileError, match="already deleted"):
        P.delete_profile(session, company_id=gone_id, actor="U0MANAGER1", is_manager=True, now=NOW)
    with session_scope(engine) as session:
        deletes = session.exec(select(AuditLog).where(AuditLog.action == "profile.delete")).all()
        assert [d.actor for d in deletes] == ["U0MANAGER1"]
