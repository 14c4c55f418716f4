"""Test data for the introduction tests: two companies with Slack users and an ask."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import select

from models import Ask, AuditLog, Company, Introduction, Member, Outcome
from models.company import company_key
from models.db import session_scope

REQUESTER_USER = "U0PARTNER1"
TARGET_USER = "U0TARGET01"


@dataclass
class Seed:
    requester_id: int
    target_id: int
    ask_id: int

    def request_value(self, company_id: int | None = None) -> str:
        return json.dumps({"ask_id": self.ask_id, "company_id": company_id or self.target_id})


def add_company(engine, name: str, users: list[str], **fields) -> int:
    defaults = dict(partner_type="ISV", capabilities=["IP phone apps", "custom timecard apps"],
                    industries=["restaurants"], regions=["Texas"], certifications=["Cisco Gold Certified"],
                    description=f"{name} builds things.")
    defaults.update(fields)
    with session_scope(engine) as session:
        company = Company(name=name, name_key=company_key(name), **defaults)
        session.add(company)
        session.flush()
        for user in users:
            session.add(Member(slack_user_id=user, company_id=company.id))
        return company.id


def add_ask(engine, *, user: str, company_id: int | None, text: str, results: list[dict]) -> int:
    with session_scope(engine) as session:
        ask = Ask(asker_user_id=user, company_id=company_id, text=text, needs=[text], results=results,
                  matches_shown=len(results), region="Arizona", timing="this quarter")
        session.add(ask)
        session.flush()
        return ask.id


def seed(engine, *, requester_name: str = "Cactus Comms, Inc.", target_name: str = "Desert Phone Apps",
         requester_users: tuple[str, ...] = (REQUESTER_USER,), target_users: tuple[str, ...] = (TARGET_USER,),
         ask_text: str = "custom apps on IP phone touch screens for 26 restaurants",
         reasons: tuple[str, ...] = ("builds IP phone apps", "serves restaurants"),
         target_fields: dict | None = None) -> Seed:
    requester = add_company(engine, requester_name, list(requester_users), partner_type="installer",
                            capabilities=["unified communications installation"], regions=["Arizona"])
    target = add_company(engine, target_name, list(target_users), **(target_fields or {}))
    ask = add_ask(engine, user=requester_users[0], company_id=requester, text=ask_text,
                  results=[{"company_id": target, "score": 87.5, "reasons": list(reasons), "covers": []}])
    return Seed(requester, target, ask)


def intros(engine) -> list[Introduction]:
    with session_scope(engine) as session:
        return list(session.exec(select(Introduction).order_by(Introduction.id)))


def intro(engine, intro_id: int) -> Introduction:
    with session_scope(engine) as session:
        return session.get(Introduction, intro_id)


def outcomes(engine) -> list[Outcome]:
    with session_scope(engine) as session:
        return list(session.exec(select(Outcome).order_by(Outcome.id)))


def audit_actions(engine, intro_id: int) -> list[str]:
    with session_scope(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.entity == "introduction", AuditLog.entity_id == intro_id)
                            .order_by(AuditLog.id))
        return [r.action for r in rows]


def all_text(call) -> str:
    """Everything a Slack call would show: text, blocks, topic, view (as JSON)."""
    args = {k: v for k, v in call.args.items() if k != "_answer"}
    return json.dumps(args, ensure_ascii=False)


def request(bot, s: Seed, *, user: str = REQUESTER_USER, company_id: int | None = None):
    return bot.slack.block_action("request_intro", s.request_value(company_id), user_id=user,
                                  message={"ts": "1799999999.000100", "text": "", "blocks": []})


def request_and_wait(bot, s: Seed, **kw) -> Introduction:
    """Request an intro and wait until it is posted for approval; returns the row."""
    before = len(bot.fake.calls_to("chat.postMessage"))
    assert request(bot, s, **kw).status == 200
    bot.fake.wait_for("chat.postMessage", before + 1)
    bot.fake.wait_for_response(1)
    rows = intros(bot.engine)
    _wait(lambda: intro(bot.engine, rows[-1].id).approval_messages is not None)
    return intro(bot.engine, rows[-1].id)


def approval_message(call) -> dict:
    return {"ts": call.args["_answer"]["ts"], "text": "", "blocks": call.args.get("blocks") or []}


def approve(bot, row: Introduction, *, user: str, **kw):
    ref = (row.approval_messages or [{"channel": "C0APPROVAL", "ts": "1.0"}])[0]
    return bot.slack.block_action("intro_approve", str(row.id), user_id=user, channel_id=ref["channel"],
                                  message={"ts": ref["ts"], "text": "", "blocks": []}, **kw)


def _wait(predicate, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


wait_until = _wait


def introduce(bot, s: Seed) -> Introduction:
    """Request, approve as a manager, and wait until the introduction is made."""
    from models.introduction import IntroState
    from tests.conftest import MANAGER

    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    bot.fake.settle()
    return intro(bot.engine, row.id)
