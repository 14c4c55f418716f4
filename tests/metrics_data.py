"""A hand-built program where every figure of the week 2026-11-02 .. 2026-11-09 is known.

The expected values are worked out by hand in `EXPECTED` (see the comments next to the rows).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import Ask, Company, Introduction, Member, Outcome
from models.company import company_key
from models.db import session_scope

START = datetime(2026, 11, 2, tzinfo=UTC)
END = datetime(2026, 11, 9, tzinfo=UTC)


def t(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def company(session, name: str, *, created: datetime, updated: datetime | None = None, deleted=None,
            users: tuple[str, ...] = (), **kw) -> Company:
    row = Company(name=name, name_key=company_key(name), created_at=created, updated_at=updated or created,
                  deleted_at=deleted, capabilities=["things"], **kw)
    session.add(row)
    session.flush()
    for uid in users:
        session.add(Member(slack_user_id=uid, company_id=row.id, created_at=created))
    return row


def ask(session, who: Company | None, when: datetime, needs: list[str], *, unmet=False, shown=0, industry=None,
        region=None, text=None, user="U0ASKER01") -> Ask:
    row = Ask(asker_user_id=user, company_id=who.id if who else None, text=text or "; ".join(needs) or "?",
              needs=needs, unmet=unmet, matches_shown=shown, industry=industry, region=region, created_at=when)
    session.add(row)
    session.flush()
    return row


def intro(session, a: Ask, requester: Company, target: Company, created: datetime, state: str, *,
          decided=None, introduced=None, followup=None, closed_by=None, closed=None) -> Introduction:
    row = Introduction(ask_id=a.id, requester_user_id="U0ASKER01", requester_company_id=requester.id,
                       target_company_id=target.id, state=state, created_at=created, updated_at=created,
                       decided_at=decided, decided_by="U0MANAGER1" if decided else None, introduced_at=introduced,
                       followup_sent_at=followup, closed_by=closed_by, closed_at=closed)
    session.add(row)
    session.flush()
    return row


def outcome(session, i: Introduction, who: Company, kind: str, when: datetime, value=None) -> Outcome:
    row = Outcome(introduction_id=i.id, company_id=who.id, user_id="U0ANSWER1", outcome=kind, deal_value=value,
                  created_at=when, updated_at=when)
    session.add(row)
    return row


def build_week(engine) -> dict[str, int]:
    """Returns the company ids by short name."""
    with session_scope(engine) as s:
        A = company(s, "Acme Phones", created=t(1, 1), users=("U0ACME001",))            # stale profile
        B = company(s, "Bravo UC", created=t(1, 1), updated=t(10, 20), users=("U0BRAVO01",))
        C = company(s, "Cobalt Apps", created=t(1, 1), updated=t(11, 3), users=("U0COBALT1",))  # updated
        D = company(s, "Delta Install", created=t(11, 5), users=("U0DELTA01",))         # new
        E = company(s, "Echo Gone", created=t(1, 1), deleted=t(11, 4))                  # deleted
        F = company(s, "Foxtrot Idle", created=t(6, 1), updated=t(10, 1), users=("U0FOXTR01",))  # inactive
        a1 = ask(s, A, t(11, 2, 10), ["IP phone apps", "UC installation"], shown=3, industry="Restaurants",
                 region="Arizona")
        a2 = ask(s, A, t(11, 3), ["IP phone apps"], shown=2, industry="restaurants ", region="Texas")
        ask(s, B, t(11, 4), ["Drone survey"], unmet=True, industry="Agriculture")
        ask(s, B, t(11, 5), ["drone survey"], unmet=True)
        ask(s, None, t(11, 6), [], unmet=True, text="Quantum widgets")
        a6 = ask(s, C, t(11, 8, 23, 59), ["UC installation"], shown=1)
        a_prev = ask(s, A, t(10, 30), ["x"], shown=4)
        ask(s, A, END, ["after the period"], shown=9, unmet=True)
        a_old = ask(s, B, t(6, 30), ["old"], shown=1)

        i1 = intro(s, a1, A, B, t(11, 2, 12), "introduced", decided=t(11, 2, 14), introduced=t(11, 2, 14, 5))
        intro(s, a1, A, C, t(11, 2, 12), "declined", decided=t(11, 3))                  # 12 h
        intro(s, a2, A, D, t(11, 3), "approved", decided=t(11, 3, 4))                   # 4 h
        intro(s, a6, C, B, t(11, 8), "requested")
        i5 = intro(s, a_prev, A, B, t(10, 27), "not_a_fit", decided=t(10, 28), introduced=t(10, 28, 1))
        i7 = intro(s, a_prev, A, C, t(10, 30), "introduced", decided=t(11, 4), introduced=t(11, 4, 1))  # 120 h
        intro(s, a_old, B, A, t(6, 30), "introduced", decided=t(7, 1), introduced=t(7, 1), followup=t(7, 15))

        outcome(s, i1, A, "deal_won", t(11, 6), 5000)
        outcome(s, i1, B, "deal_won", t(11, 7), 7000)
        outcome(s, i7, C, "working_together", t(11, 8))
        outcome(s, i5, B, "no_fit", t(11, 5))
        return {"A": A.id, "B": B.id, "C": C.id, "D": D.id, "E": E.id, "F": F.id}


EXPECTED = {
    "asks": 6, "unmet_asks": 3, "matches_shown": 6,
    "intro_requests": 4, "approved": 3, "declined": 1, "introduced": 2,
    "approval_hours_median": 8.0, "approval_hours_p90": 87.6,   # decisions 2, 4, 12, 120 h
    "working_together": 1, "deals_won": 1, "no_fit": 1, "deal_value": 7000.0,
    "active_partners": 3, "total_partners": 5, "participation_rate": 0.6,
    "new_profiles": 1, "updated_profiles": 1,
}

EXPECTED_PREVIOUS = {
    "asks": 1, "unmet_asks": 0, "matches_shown": 4, "intro_requests": 2, "approved": 1, "declined": 0,
    "introduced": 1, "approval_hours_median": 24.0, "working_together": 0, "deals_won": 0, "deal_value": 0.0,
    "active_partners": 2, "total_partners": 5, "participation_rate": 0.4, "new_profiles": 0, "updated_profiles": 0,
}

TODAY = date(2026, 11, 9)
