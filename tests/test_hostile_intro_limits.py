"""Issue 13.5 and 13.7: a deleted partner's open requests close (the requester is told), Approve
re-checks both sides, and MAX_OPEN_INTROS holds under concurrent clicks — on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

from sqlmodel import select

from models.db import session_scope
from models.introduction import Introduction, IntroState
from models.privacy import erase_company_personal_data
from tests import scenarios as S
from tests.conftest import MANAGER, MANAGER2

OPEN = {IntroState.REQUESTED.value, IntroState.AWAITING_CONSENT.value, IntroState.APPROVED.value,
        IntroState.INTRODUCED.value}
DECIDED = OPEN - {IntroState.REQUESTED.value}


def states(engine) -> list[str]:
    with session_scope(engine) as s:
        return [i.state for i in s.exec(select(Introduction).order_by(Introduction.id)).all()]


def channels_made(bot) -> list:
    return [c for c in bot.fake.calls_to("conversations.create") if "_answer" in c.args]


def at_once(calls) -> list:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


# -- 13.5 deleted partners ----------------------------------------------------------------------
def test_deleting_a_profile_closes_its_open_requests_and_tells_the_requester(bot_any_db):
    bot = bot_any_db
    state = S.prepare_requested(bot)
    target = state["world"].target_companies[0]
    bot.fake.reset()
    reply = bot.slack.block_action("profile_delete_confirm", str(target), user_id=S.TARGET_USER)
    assert reply.status == 200
    told = bot.fake.wait_for("chat.postMessage", 1, where=lambda c: c.args.get("channel") == S.REQUESTER)
    assert "left the partner directory" in told[-1].args["text"]
    assert states(bot.engine) == [IntroState.CLOSED.value]
    # The stale Approve button does nothing.
    S.approve(bot, state)
    bot.fake.settle(quiet=0.8)
    assert channels_made(bot) == []
    assert states(bot.engine) == [IntroState.CLOSED.value]


def test_approve_rechecks_that_both_sides_still_exist(bot_any_db):
    bot = bot_any_db
    state = S.prepare_requested(bot)
    with session_scope(bot.engine) as s:  # gone without the profile flow (a race, an operator)
        erase_company_personal_data(s, company_id=state["world"].target_companies[0], now=datetime.now(UTC))
    answered = len(bot.fake.responses)
    S.approve(bot, state)
    replies = bot.fake.wait_for_response(answered + 1)
    bot.fake.settle(quiet=0.8)
    assert "left the partner directory" in json.dumps(replies[answered:])
    assert channels_made(bot) == []
    assert states(bot.engine) == [IntroState.REQUESTED.value]


def test_approve_rechecks_pause_and_capacity(bot_any_db):
    bot = bot_any_db
    state = S.prepare_requested(bot)
    assert bot.slack.command("/partnerprofile", "pause", user_id=S.TARGET_USER).status == 200
    bot.fake.wait_for_response(1)
    answered = len(bot.fake.responses)
    S.approve(bot, state)
    replies = bot.fake.wait_for_response(answered + 1)
    assert "paused" in json.dumps(replies[answered:])
    assert states(bot.engine) == [IntroState.REQUESTED.value]


# -- 13.7 MAX_OPEN_INTROS under a race -------------------------------------------------------------
def test_simultaneous_requests_never_exceed_the_limit(make_bot, db_url):
    bot = make_bot(db_url, MAX_OPEN_INTROS="1")
    target = S.seed_company(bot.engine, name="Popular Installers", user=S.TARGET_USER)
    clicks = []
    for i in range(6):
        user = f"U0RACER{i:02d}"
        company = S.seed_company(bot.engine, name=f"Racer {i}", user=user, partner_type="ISV")
        ask = S.seed_ask(bot.engine, asker=user, company_id=company, targets=[target])
        value = json.dumps({"ask_id": ask, "company_id": target})
        clicks.append(lambda value=value, user=user: bot.slack.block_action("request_intro", value, user_id=user))
    replies = at_once(clicks)
    assert all(r.status == 200 for r in replies)
    bot.fake.settle(quiet=1.0)
    open_now = [s for s in states(bot.engine) if s in OPEN]
    assert len(open_now) == 1, states(bot.engine)


def test_simultaneous_approvals_never_exceed_the_limit(make_bot, db_url):
    bot = make_bot(db_url, MAX_OPEN_INTROS="1", INTRO_CONSENT="off")
    target = S.seed_company(bot.engine, name="Popular Installers", user=S.TARGET_USER)
    ids = []
    for i in range(3):  # three requests recorded before the limit was lowered
        user = f"U0RACER{i:02d}"
        company = S.seed_company(bot.engine, name=f"Racer {i}", user=user, partner_type="ISV")
        ask = S.seed_ask(bot.engine, asker=user, company_id=company, targets=[target])
        with session_scope(bot.engine) as s:
            intro = Introduction(ask_id=ask, requester_user_id=user, requester_company_id=company,
                                 target_company_id=target, state=IntroState.REQUESTED.value)
            s.add(intro)
            s.flush()
            ids.append(intro.id)
    message = {"ts": "1800000000.000001", "text": "", "blocks": []}
    managers = [MANAGER, MANAGER2, MANAGER]
    at_once([lambda i=i, m=m: bot.slack.block_action("intro_approve", str(i), user_id=m, channel_id=S.APPROVALS,
                                                     message=message) for i, m in zip(ids, managers)])
    bot.fake.settle(quiet=1.5)
    decided = [s for s in states(bot.engine) if s in DECIDED]
    assert len(decided) == 1, states(bot.engine)
    assert states(bot.engine).count(IntroState.REQUESTED.value) == 2
