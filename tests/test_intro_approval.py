"""Approve: private channel, invites, topic, intro post, pin, DMs, approval message updated — once."""

from __future__ import annotations

import threading

from models.introduction import IntroState
from tests.conftest import MANAGER, MANAGER2
from tests.intro_setup import (REQUESTER_USER, TARGET_USER, approve, audit_actions, intro, request_and_wait, seed,
                               wait_until)


def _introduced(bot, intro_id: int):
    wait_until(lambda: intro(bot.engine, intro_id).state == IntroState.INTRODUCED)
    bot.fake.settle()
    return intro(bot.engine, intro_id)


def test_approve_opens_channel_and_introduces(make_bot, tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("Be responsive within 2 business days. The customer relationship stays with the requester.")
    bot = make_bot(RULES_OF_ENGAGEMENT_FILE=str(rules))
    s = seed(bot.engine, target_users=(TARGET_USER, "U0TARGET02"))
    row = request_and_wait(bot, s)
    assert approve(bot, row, user=MANAGER).status == 200
    row = _introduced(bot, row.id)

    create = bot.fake.calls_to("conversations.create")
    assert len(create) == 1
    assert create[0].args["name"] == "p2p-cactus-comms-desert-phone-apps"
    assert str(create[0].args["is_private"]).lower() in ("1", "true")
    channel = create[0].args["_answer"]["channel"]["id"]
    assert row.channel_id == channel and row.channel_name == "p2p-cactus-comms-desert-phone-apps"

    invited = {c.args["users"] for c in bot.fake.calls_to("conversations.invite")}
    assert invited == {REQUESTER_USER, TARGET_USER, "U0TARGET02", MANAGER}
    topic = bot.fake.calls_to("conversations.setTopic")
    assert len(topic) == 1 and "Cactus Comms" in topic[0].args["topic"] and topic[0].args["channel"] == channel

    posts = bot.fake.calls_to("chat.postMessage")
    intro_post, rules_post = [p for p in posts if p.args["channel"] == channel]
    assert intro_post.args["text"] == "Meet Cactus Comms, Inc. and Desert Phone Apps"
    shown = str(intro_post.args["blocks"])
    for expected in ("Cactus Comms", "Desert Phone Apps", "custom apps on IP phone touch screens",
                     "Builds IP phone apps", "First step", f"<@{REQUESTER_USER}>, share the customer's need",
                     f"<@{TARGET_USER}> <@U0TARGET02>", f"<@{MANAGER}>", "rules of engagement are pinned"):
        assert expected in shown
    assert "Be responsive" not in shown and "score" not in shown
    assert not [b for b in intro_post.args["blocks"] if b["type"] == "actions"]
    assert row.intro_message_ts == intro_post.args["_answer"]["ts"]
    # The rules are their own short message, and that one is pinned.
    assert "Be responsive within 2 business days" in str(rules_post.args["blocks"])

    pins = bot.fake.calls_to("pins.add")
    assert len(pins) == 1 and pins[0].args["timestamp"] == rules_post.args["_answer"]["ts"]

    dms = {p.args["channel"]: p.args["text"] for p in posts if p.args["channel"] in
           (REQUESTER_USER, TARGET_USER, "U0TARGET02")}
    assert set(dms) == {REQUESTER_USER, TARGET_USER, "U0TARGET02"}
    assert "Desert Phone Apps" in dms[REQUESTER_USER] and "Cactus Comms" in dms[TARGET_USER]
    assert "https://partners.example/archives/" + channel in dms[REQUESTER_USER]

    updates = bot.fake.calls_to("chat.update")
    assert len(updates) == 1
    assert updates[0].args["channel"] == "C0APPROVAL" and updates[0].args["ts"] == row.approval_messages[0]["ts"]
    decided = str(updates[0].args["blocks"])
    assert "Approved" in decided and f"<@{MANAGER}>" in decided and "<!date^" in decided
    assert "intro_approve" not in decided

    reply = bot.fake.responses[-1]
    assert reply["response_type"] == "ephemeral" and "Approved" in reply["text"]
    assert row.decided_by == MANAGER and row.introduced_at is not None
    assert audit_actions(bot.engine, row.id) == ["intro_requested", "intro_approved", "intro_channel_created",
                                                  "intro_introduced"]


def test_no_pin_without_rules(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    _introduced(bot, row.id)
    assert bot.fake.calls_to("pins.add") == []


def test_approve_from_app_home(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    reply = bot.slack.block_action("intro_approve", str(row.id), user_id=MANAGER2,
                                   view={"id": "VHOME0001", "type": "home", "blocks": []})
    assert reply.status == 200
    row = _introduced(bot, row.id)
    assert row.decided_by == MANAGER2
    assert len(bot.fake.calls_to("conversations.create")) == 1
    told = [p for p in bot.fake.calls_to("chat.postMessage") if p.args["channel"] == MANAGER2]
    # who, whom and where — not a bare "Approved."
    assert any("Approved *Cactus Comms, Inc.* → *Desert Phone Apps*" in p.args["text"]
               and f"<#{row.channel_id}>" in p.args["text"] for p in told)
    home = bot.fake.calls_to("views.publish")
    assert [c.args["user_id"] for c in home] == [MANAGER2]
    assert "intro_approve" not in str(home[0].args["view"])  # nothing left to decide


def test_non_manager_cannot_decide(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    before = len(bot.fake.calls)
    approve(bot, row, user=TARGET_USER)
    bot.slack.block_action("intro_decline", str(row.id), user_id=REQUESTER_USER, channel_id="C0APPROVAL")
    replies = bot.fake.wait_for_response(3)
    assert all("Only vendor managers can" in r["text"] for r in replies[1:])
    # From the App Home (no response_url) the answer comes by DM.
    bot.slack.block_action("intro_approve", str(row.id), user_id=TARGET_USER, view={"id": "VH", "type": "home"})
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == TARGET_USER)
    assert "Only vendor managers can" in dm[0].args["text"]
    bot.fake.settle()
    assert intro(bot.engine, row.id).state == IntroState.REQUESTED
    later = {c.method for c in bot.fake.calls[before:]}
    assert later == {"chat.postMessage"}  # only the DM: no channel, no update, no modal
    assert audit_actions(bot.engine, row.id) == ["intro_requested"]


def test_second_approval_is_told_who_decided(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    _introduced(bot, row.id)
    approve(bot, row, user=MANAGER2)
    replies = bot.fake.wait_for_response(3)
    assert f"<@{MANAGER}>" in replies[-1]["text"] or "introduction has been made" in replies[-1]["text"]
    bot.fake.settle()
    assert len(bot.fake.calls_to("conversations.create")) == 1


def test_concurrent_approvals_make_one_channel(bot_any_db):
    bot = bot_any_db
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    barrier = threading.Barrier(8)

    def click(n: int) -> None:
        barrier.wait()
        approve(bot, row, user=MANAGER if n % 2 else MANAGER2)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    row = _introduced(bot, row.id)
    bot.fake.wait_for_response(9)
    bot.fake.settle(quiet=0.5)
    assert len(bot.fake.calls_to("conversations.create")) == 1
    assert len(bot.fake.calls_to("conversations.setTopic")) == 1
    assert len([p for p in bot.fake.calls_to("chat.postMessage") if p.args["channel"] == row.channel_id]) == 1
    assert audit_actions(bot.engine, row.id).count("intro_approved") == 1


def test_rate_limited_create_is_retried(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    bot.fake.inject("conversations.create", status=429, retry_after=1)
    approve(bot, row, user=MANAGER)
    row = _introduced(bot, row.id)
    calls = bot.fake.calls_to("conversations.create")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 0.9
    assert bot.fake.channel_names == {row.channel_name}


def test_name_taken_picks_another_name(bot):
    bot.fake.channel_names.add("p2p-cactus-comms-desert-phone-apps")
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    row = _introduced(bot, row.id)
    assert row.channel_name == f"p2p-cactus-comms-desert-phone-apps-{row.id}"
    assert [c.args["name"] for c in bot.fake.calls_to("conversations.create")] == [
        "p2p-cactus-comms-desert-phone-apps", row.channel_name]


def test_uninvitable_user_is_reported_to_the_manager(bot):
    bot.fake.uninvitable.add("U0TARGET02")
    s = seed(bot.engine, target_users=(TARGET_USER, "U0TARGET02"))
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    row = _introduced(bot, row.id)
    invited_ok = {c.args["users"] for c in bot.fake.calls_to("conversations.invite") if c.args["_answer"]["ok"]}
    assert invited_ok == {REQUESTER_USER, TARGET_USER, MANAGER}
    report = [p for p in bot.fake.calls_to("chat.postMessage") if p.args["channel"] == MANAGER]
    assert len(report) == 1 and "<@U0TARGET02>" in report[0].args["text"] and "not found in this workspace" in report[0].args["text"]
    assert "user_not_found" not in report[0].args["text"]  # people get words, not Slack error codes
    assert "intro_invite_failed" in audit_actions(bot.engine, row.id)
    assert len([p for p in bot.fake.calls_to("chat.postMessage") if p.args["channel"] == row.channel_id]) == 1


def test_approval_clicked_before_the_request_post_was_recorded(bot):
    """The decision can beat the write of where the request was posted: the message still
    ends up showing who approved."""
    from tests.intro_setup import intros, request

    s = seed(bot.engine)
    bot.fake.inject("chat.postMessage", delay=1.5)  # the approval post answers slowly
    request(bot, s)
    wait_until(lambda: len(intros(bot.engine)) == 1)
    row = intros(bot.engine)[0]
    assert row.approval_messages is None
    approve(bot, row, user=MANAGER)
    row = _introduced(bot, row.id)
    wait_until(lambda: bool(bot.fake.calls_to("chat.update")))
    bot.fake.settle()
    row = intro(bot.engine, row.id)
    updates = bot.fake.calls_to("chat.update")
    assert [(u.args["channel"], u.args["ts"]) for u in updates] == [
        (row.approval_messages[0]["channel"], row.approval_messages[0]["ts"])]
    assert "Approved" in str(updates[0].args["blocks"])
