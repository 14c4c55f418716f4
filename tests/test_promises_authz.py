"""Promise (authorization): only vendor managers approve, decline or see program-wide
figures; only a company's own users or a manager edit its profile; `delete` removes the
partner's personal data and the audit log keeps no more than the vendor needs.

Every refusal is checked for its absence of effect (no channel, no DM, no change in the
database), and every allowed path right after it, so a refusal is not just a broken flow.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from models.company import Company, Member
from models.introduction import Introduction
from tests import scenarios as S
from tests.conftest import MANAGER, MANAGER2
from tests.slackrequests import select_value, text_value

OUTSIDER = "U0OUTSIDER"


def intro_state(bot, intro_id) -> str:
    with Session(bot.engine) as s:
        return s.get(Introduction, int(intro_id)).state


def effects(bot) -> list[str]:
    bot.fake.settle(quiet=0.4)
    return [c.method for c in bot.fake.calls if c.method not in ("auth.test", "chat.postEphemeral")]


# -- approve / decline -------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["message", "home"])
@pytest.mark.parametrize("who", [S.REQUESTER, S.TARGET_USER, OUTSIDER])
def test_only_managers_approve(bot, who, where):
    state = S.prepare_requested(bot)
    bot.fake.reset()
    kw = ({"channel_id": S.APPROVALS, "message": S.message_of(state["approval_call"])} if where == "message"
          else {"view": {"id": "V0HOME0001", "type": "home", "callback_id": "partnerbot_home"}})
    assert bot.slack.block_action("intro_approve", state["intro_id"], user_id=who, **kw).status == 200
    deadline_told = bot.fake.wait_for_response(1) if where == "message" else bot.fake.wait_for("chat.postMessage", 1)
    told = json.dumps(deadline_told if where == "message" else [c.args for c in deadline_told])
    assert "managers" in told
    assert intro_state(bot, state["intro_id"]) == "requested"
    assert "conversations.create" not in effects(bot)
    assert "chat.update" not in effects(bot)
    # A manager can, right after.
    bot.slack.block_action("intro_approve", state["intro_id"], user_id=MANAGER2, **kw)
    bot.fake.wait_for("conversations.create", 1)


@pytest.mark.parametrize("who", [S.REQUESTER, S.TARGET_USER, OUTSIDER])
def test_only_managers_decline(bot, who):
    state = S.prepare_requested(bot)
    bot.fake.reset()
    bot.slack.block_action("intro_decline", state["intro_id"], user_id=who, channel_id=S.APPROVALS,
                           message=S.message_of(state["approval_call"]))
    bot.fake.wait_for_response(1)
    assert "views.open" not in effects(bot)
    # Even a forged submission of the decline modal is refused.
    from bot.blocks import intro as I

    reply = bot.slack.view_submission(I.DECLINE_CALLBACK, {I.REASON_BLOCK: {I.REASON_ACTION: text_value("no")}},
                                      user_id=who, private_metadata=str(state["intro_id"]))
    assert reply.json()["response_action"] == "errors"
    assert intro_state(bot, state["intro_id"]) == "requested"
    assert [m for m in effects(bot) if m in ("chat.postMessage", "chat.update")] == []
    reply = bot.slack.view_submission(I.DECLINE_CALLBACK, {I.REASON_BLOCK: {I.REASON_ACTION: text_value("no")}},
                                      user_id=MANAGER, private_metadata=str(state["intro_id"]))
    assert reply.status == 200
    bot.fake.wait_for("chat.update", 1)
    assert intro_state(bot, state["intro_id"]) == "declined"


# -- program-wide figures -------------------------------------------------------------------------
def _seed_rival_activity(bot) -> None:
    rival = S.seed_company(bot.engine, name="Secret Rival Holdings", user="U0RIVAL001")
    other = S.seed_company(bot.engine, name="Quiet Partner Corp", user="U0QUIET001")
    S.seed_ask(bot.engine, asker="U0RIVAL001", company_id=rival, targets=[other], text="rival secret plan xyz")


def _stats(bot, user: str) -> str:
    before = len(bot.fake.responses)
    assert bot.slack.command("/partnerstats", "30", user_id=user).status == 200
    return json.dumps(bot.fake.wait_for_response(before + 1)[before:])


def test_only_managers_see_program_wide_figures(bot):
    S.seed_world(bot.engine)
    _seed_rival_activity(bot)
    manager_view = _stats(bot, MANAGER)
    partner_view = _stats(bot, S.REQUESTER)
    outsider_view = _stats(bot, OUTSIDER)
    # The manager sees the program (every partner counted); partners see their own company only.
    assert "Dallas Phone Apps" in partner_view
    for private in ("Secret Rival", "rival secret plan", "Quiet Partner"):
        assert private not in partner_view
        assert private not in outsider_view
    assert partner_view != manager_view
    assert "Dallas Phone Apps" not in outsider_view
    # Program-wide: how many partners the program has (the digest's words) — for managers only.
    assert "partners in the program" in manager_view.lower()
    assert "partners in the program" not in partner_view.lower()
    assert "partners in the program" not in outsider_view.lower()


# -- profile edits ----------------------------------------------------------------------------------
def profile_values(name: str, description: str) -> dict:
    from bot.blocks import profile as B

    values = {B.BLOCK_IDS[k]: {B.ACTION_ID: text_value(v)} for k, v in {
        "name": name, "capabilities": "UC installation", "industries": "restaurants", "regions": "Arizona",
        "certifications": "Cisco Gold Certified", "description": description, "website": ""}.items()}
    values[B.BLOCK_IDS["partner_type"]] = {B.ACTION_ID: select_value("Installer")}
    values[B.BLOCK_IDS["capacity"]] = {B.ACTION_ID: select_value("open")}
    return values


def company_row(bot, company_id: int) -> Company:
    with Session(bot.engine) as s:
        return s.get(Company, company_id)


@pytest.mark.parametrize("who", [S.REQUESTER, OUTSIDER])
def test_only_members_or_managers_edit_a_profile(bot, who):
    from bot.blocks import profile as B

    world = S.seed_world(bot.engine)
    target = world.target_companies[0]
    name = company_row(bot, target).name
    # The command refuses to open someone else's profile.
    bot.slack.command("/partnerprofile", f"edit {name}", user_id=who)
    bot.fake.wait_for_response(1)
    assert "views.open" not in effects(bot)
    # A forged submit of the modal for that company is refused too.
    meta = json.dumps({"company_id": target})
    reply = bot.slack.view_submission(B.PROFILE_MODAL_CALLBACK, profile_values(name, "hijacked"), user_id=who,
                                      private_metadata=meta)
    assert reply.json().get("response_action") == "errors"
    assert company_row(bot, target).description != "hijacked"
    # Its member and a manager can.
    for allowed, words in ((S.TARGET_USER, "edited by a member"), (MANAGER, "edited by a manager")):
        reply = bot.slack.view_submission(B.PROFILE_MODAL_CALLBACK, profile_values(name, words), user_id=allowed,
                                          private_metadata=meta)
        assert reply.status == 200 and (reply.json() or {}).get("response_action") != "errors", reply.text
        assert company_row(bot, target).description == words


def test_a_forged_delete_click_for_another_company_is_refused(bot):
    from bot.blocks import profile as B

    world = S.seed_world(bot.engine)
    target = world.target_companies[0]
    bot.slack.block_action(B.DELETE_CONFIRM, str(target), user_id=S.REQUESTER)
    bot.fake.wait_for_response(1)
    assert company_row(bot, target).deleted_at is None


# -- delete removes personal data --------------------------------------------------------------------
def all_stored_text(engine) -> str:
    """Every value of every row of every table, as one text to search."""
    chunks = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


def test_delete_removes_personal_data_and_the_audit_log_keeps_no_more(bot):
    from bot.blocks import profile as B

    # The partner's history: an approved introduction with a channel, a profile edit.
    state = S.prepare_requested(bot)
    world = state["world"]
    target = world.target_companies[0]
    meta = json.dumps({"company_id": target})
    name = company_row(bot, target).name
    secret_description = "Our private phone line is 555-0199, ask for Jane"
    bot.slack.view_submission(B.PROFILE_MODAL_CALLBACK, profile_values(name, secret_description),
                              user_id=S.TARGET_USER, private_metadata=meta)
    S.approve(bot, state)
    bot.fake.wait_for("conversations.create", 1)
    bot.fake.settle(quiet=0.5)
    assert secret_description in all_stored_text(bot.engine)

    bot.fake.reset()
    bot.slack.command("/partnerprofile", "delete", user_id=S.TARGET_USER)
    confirm = [b for r in bot.fake.wait_for_response(1) for b in S.walk_elements(r.get("blocks"))
               if b.get("action_id") == B.DELETE_CONFIRM]
    assert confirm, "delete asks for confirmation first"
    assert company_row(bot, target).deleted_at is None  # not before the confirmation
    bot.slack.block_action(B.DELETE_CONFIRM, confirm[0]["value"], user_id=S.TARGET_USER)
    bot.fake.wait_for_response(2)

    company = company_row(bot, target)
    assert company.deleted_at is not None
    stored = all_stored_text(bot.engine)
    for personal in (secret_description, "555-0199", S.TARGET_USER, "unified communications installation"):
        assert personal not in stored, f"{personal!r} is still stored after delete"
    with Session(bot.engine) as s:
        assert s.exec(select(Member).where(Member.company_id == target)).all() == []
        audit = s.exec(text("SELECT actor, action, detail FROM audit_log")).all()
    assert audit, "the audit log keeps the history of decisions"
    for actor, action, detail in audit:
        assert S.TARGET_USER not in f"{actor} {detail}"
        assert "555-0199" not in str(detail)
    # The rest of the directory is untouched, and the partner is no longer proposed or requestable.
    assert company_row(bot, world.requester_company).deleted_at is None
    reply = bot.slack.block_action("request_intro", json.dumps({"ask_id": world.ask_id, "company_id": target}),
                                   user_id=S.REQUESTER)
    assert reply.status == 200
    bot.fake.settle(quiet=0.4)
    assert not [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == S.APPROVALS]
