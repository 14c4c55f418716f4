"""Request intro: recorded once, posted for approval, refused by the rules of engagement."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from models.db import session_scope
from models.introduction import Introduction, IntroState
from tests.conftest import MANAGER, MANAGER2
from tests.intro_setup import (REQUESTER_USER, add_ask, add_company, audit_actions, intros, request,
                               request_and_wait, seed)


def test_request_posts_for_approval_with_profiles_and_reasons(bot_any_db):
    bot = bot_any_db
    s = seed(bot.engine)
    row = request_and_wait(bot, s)

    posts = bot.fake.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].args["channel"] == "C0APPROVAL"
    shown = str(posts[0].args["blocks"]).lower()
    for expected in ("Cactus Comms, Inc.", "Desert Phone Apps", "builds IP phone apps", "serves restaurants",
                     "custom apps on IP phone touch screens", "Arizona", "this quarter"):
        assert expected.lower() in shown
    actions = [b for b in posts[0].args["blocks"] if b["type"] == "actions"][0]
    # the full profiles are behind View profiles (tests/test_ux_approval.py)
    assert [e["action_id"] for e in actions["elements"]] == ["intro_approve", "intro_decline", "intro_view_profiles"]
    assert {e["value"] for e in actions["elements"]} == {str(row.id)}

    reply = bot.fake.responses[0]
    assert reply["response_type"] == "ephemeral" and "waiting for a vendor manager" in reply["text"]
    assert row.state == IntroState.REQUESTED and row.reasons == ["builds IP phone apps", "serves restaurants"]
    assert row.score == 87.5 and row.requester_company_id == s.requester_id
    assert row.approval_messages == [{"channel": "C0APPROVAL", "ts": posts[0].args["_answer"]["ts"]}]
    assert row.effects_claimed_by is None and row.next_attempt_at is None
    assert audit_actions(bot.engine, row.id) == ["intro_requested"]


def test_double_request_makes_one(bot):
    s = seed(bot.engine)
    request_and_wait(bot, s)
    assert request(bot, s).status == 200
    replies = bot.fake.wait_for_response(2)
    assert "already requested" in replies[1]["text"] and "waiting" in replies[1]["text"]
    bot.fake.settle()
    assert len(intros(bot.engine)) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


def test_simultaneous_requests_make_one(bot):
    s = seed(bot.engine)
    threads = [threading.Thread(target=request, args=(bot, s)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.fake.wait_for_response(6)
    bot.fake.settle()
    assert len(intros(bot.engine)) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


def test_without_approvals_channel_each_manager_gets_a_dm(make_bot):
    bot = make_bot(APPROVALS_CHANNEL="")
    assert bot.settings.approvals_channel is None
    s = seed(bot.engine)
    assert request(bot, s).status == 200
    posts = bot.fake.wait_for("chat.postMessage", 2)
    assert sorted(p.args["channel"] for p in posts) == sorted([MANAGER, MANAGER2])
    bot.fake.settle()
    row = intros(bot.engine)[0]
    assert len(row.approval_messages) == 2


def _refused(bot, s, expect: str, *, existing: int = 0, **kw):
    assert request(bot, s, **kw).status == 200
    reply = bot.fake.wait_for_response(1)[0]
    assert expect in reply["text"], reply["text"]
    bot.fake.settle()
    assert len(intros(bot.engine)) == existing
    assert bot.fake.calls_to("chat.postMessage") == []


def test_partner_without_slack_user_is_refused(bot):
    s = seed(bot.engine, target_users=())
    _refused(bot, s, "no Slack user linked yet — a vendor manager can link one")


def test_paused_partner_is_refused(bot):
    s = seed(bot.engine, target_fields={"paused": True, "paused_until": date(2027, 1, 1)})
    _refused(bot, s, "paused")


def test_full_partner_is_refused(bot):
    s = seed(bot.engine, target_fields={"capacity": "full"})
    _refused(bot, s, "full capacity")


def test_partner_at_max_open_intros_is_refused(make_bot):
    bot = make_bot(MAX_OPEN_INTROS="2")
    s = seed(bot.engine)
    for n in range(2):
        other = add_company(bot.engine, f"Other {n}", [f"U0OTHER{n}"])
        ask_id = add_ask(bot.engine, user=f"U0OTHER{n}", company_id=other, text="x", results=[])
        with session_scope(bot.engine) as session:
            session.add(Introduction(ask_id=ask_id, requester_user_id=f"U0OTHER{n}", requester_company_id=other,
                                     target_company_id=s.target_id, state="introduced" if n else "approved",
                                     next_attempt_at=bot.clock.now() + timedelta(hours=1)))
    _refused(bot, s, "already in 2 open introductions", existing=2)


def test_requester_without_profile_is_refused(bot):
    s = seed(bot.engine)
    ask = add_ask(bot.engine, user="U0NOPROF01", company_id=None, text="phones",
                  results=[{"company_id": s.target_id, "score": 50, "reasons": []}])
    s.ask_id = ask
    _refused(bot, s, "/partnerprofile", user="U0NOPROF01")


def test_someone_else_cannot_request_from_my_search(bot):
    s = seed(bot.engine)
    add_company(bot.engine, "Third Co", ["U0THIRD001"])
    _refused(bot, s, "Only the person who ran this search", user="U0THIRD001")


def test_bad_button_value_is_answered(bot):
    reply = bot.slack.block_action("request_intro", "not json", user_id=REQUESTER_USER)
    assert reply.status == 200
    assert "out of date" in bot.fake.wait_for_response(1)[0]["text"]
