"""Slack Connect over HTTP: outside contacts invited with conversations.inviteShared, Slack's
invitation events, the manager's report (Retry / private channel), the fallback where Slack
Connect is refused, retries — against the fake Slack with its Slack Connect model."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import select

from bot.blocks import consent as cblocks
from bot.scheduling import run_due
from models.db import session_scope
from models.introduction import IntroState
from models.shared_invite import SharedInvite
from tests.conftest import MANAGER, PG_SKIP_REASON, PG_URL, fresh_db_url
from tests.fakeslack_connect import SlackConnect
from tests.intro_setup import (REQUESTER_USER, all_text, approve, audit_actions, intro, introduce, request_and_wait,
                               seed, wait_until)

DANA, LEE = "dana@calence.example", "lee@calence.example"


def invites(engine) -> list[SharedInvite]:
    with session_scope(engine) as session:
        return list(session.exec(select(SharedInvite).order_by(SharedInvite.id)))


def invite_row(engine, email) -> SharedInvite:
    return next(r for r in invites(engine) if r.email == email)


def reply_to(bot, send) -> str:
    """Do `send()` (a click) and return the text of the ephemeral answer it gets."""
    before = len(bot.fake.responses)
    send()
    return bot.fake.wait_for_response(before + 1)[before]["text"]


def texts_to(bot, channel) -> list[str]:
    return [all_text(c) for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def channel_flags(bot, channel_id) -> dict:
    return bot.ctx.client.conversations_info(channel=channel_id)["channel"]


def settled(bot) -> None:
    """Wait until no invitation is being sent (the sends run after the introduction is made)."""
    wait_until(lambda: all(r.claimed_by is None for r in invites(bot.engine)), timeout=30)
    bot.fake.settle()


def outside_intro(bot, emails=(DANA,), **kw):
    connect = SlackConnect(bot.fake)
    s = seed(bot.engine, target_fields={"contact_emails": list(emails)}, **kw)
    row = introduce(bot, s)
    settled(bot)
    return connect, s, row


def test_outside_contact_is_invited_once_and_joins(make_bot):
    bot = make_bot()
    connect, s, row = outside_intro(bot)
    [call] = bot.fake.calls_to("conversations.inviteShared")
    assert call.args["channel"] == row.channel_id and call.args["emails"] == DANA
    assert call.args["external_limited"] == "true"
    invite = invite_row(bot.engine, DANA)
    assert invite.state == "invited" and invite.invite_id == connect.invite_for(DANA).id
    # the introduction was posted when the channel was made, and pinned for those who join later
    [pin] = bot.fake.calls_to("pins.add")
    assert pin.args["timestamp"] == row.intro_message_ts
    assert channel_flags(bot, row.channel_id)["is_ext_shared"] is False
    status = all_text(bot.fake.calls_to("chat.update")[-1])
    assert "Slack Connect" in status and f"invited, waiting for {DANA} to accept" in status

    # Dana accepts; her admin must approve first
    assert bot.slack.event(connect.accept(DANA, approval_required=True)).status == 200
    wait_until(lambda: invite_row(bot.engine, DANA).state == "accepted")
    assert channel_flags(bot, row.channel_id)["is_pending_ext_shared"] is True
    assert bot.slack.event(connect.approve(DANA)).status == 200
    wait_until(lambda: invite_row(bot.engine, DANA).state == "approved")
    bot.fake.settle()
    flags = channel_flags(bot, row.channel_id)
    assert flags["is_ext_shared"] is True and flags["is_pending_ext_shared"] is False
    assert sum("accepted the invitation and joined" in t for t in texts_to(bot, REQUESTER_USER)) == 1
    assert f"{DANA} joined" in all_text(bot.fake.calls_to("chat.update")[-1])
    assert len(bot.fake.calls_to("conversations.inviteShared")) == 1
    assert run_due(bot.ctx)["intro_connect_invites"] == 0  # nothing left to send
    # inviting her again is refused by Slack as documented
    again = bot.fake.calls_to("conversations.inviteShared")
    assert len(again) == 1


def test_a_declined_invitation_is_reported_with_retry_and_private_choices(make_bot):
    bot = make_bot()
    connect, s, row = outside_intro(bot, emails=(DANA, LEE))
    assert {r.state for r in invites(bot.engine)} == {"invited"}
    bot.slack.event(connect.accept(DANA))
    bot.slack.event(connect.decline(LEE))
    wait_until(lambda: invite_row(bot.engine, LEE).state == "declined")
    bot.fake.settle()
    [report] = [c for c in bot.fake.calls_to("chat.postMessage")
                if c.args.get("channel") == MANAGER and cblocks.CONNECT_RETRY in all_text(c)]
    assert LEE in all_text(report) and "declined" in all_text(report) and cblocks.CONNECT_PRIVATE in all_text(report)
    lee = invite_row(bot.engine, LEE)

    # only a manager may retry
    assert "Only vendor managers" in reply_to(bot, lambda: bot.slack.block_action(
        cblocks.CONNECT_RETRY, str(lee.id), user_id=REQUESTER_USER, channel_id="D0MANAGER1"))
    assert "Sent again" in reply_to(bot, lambda: bot.slack.block_action(
        cblocks.CONNECT_RETRY, str(lee.id), user_id=MANAGER, channel_id="D0MANAGER1"))
    assert invite_row(bot.engine, LEE).state == "invited"
    settled(bot)
    assert [c.args["emails"] for c in bot.fake.calls_to("conversations.inviteShared")] == [DANA, LEE, LEE]

    # declined again: this time the manager keeps the channel private
    bot.slack.event(connect.decline(LEE))
    wait_until(lambda: invite_row(bot.engine, LEE).state == "declined")
    bot.fake.settle()
    assert "stays private" in reply_to(bot, lambda: bot.slack.block_action(
        cblocks.CONNECT_PRIVATE, str(lee.id), user_id=MANAGER, channel_id="D0MANAGER1"))
    assert invite_row(bot.engine, LEE).state == "skipped"
    bot.fake.settle()
    assert len(bot.fake.calls_to("conversations.inviteShared")) == 3


def test_refused_slack_connect_falls_back_to_a_private_channel_and_says_so(make_bot):
    bot = make_bot()
    connect = SlackConnect(bot.fake)
    connect.refused = "not_paid"
    s = seed(bot.engine, target_fields={"contact_emails": [DANA, LEE]})
    row = introduce(bot, s)
    settled(bot)
    assert row.state == IntroState.INTRODUCED and intro(bot.engine, row.id).connect_fallback == "not_paid"
    assert {r.state for r in invites(bot.engine)} == {"skipped"}
    assert len(bot.fake.calls_to("conversations.inviteShared")) == 1  # refused once: the other is not tried
    in_channel = texts_to(bot, row.channel_id)
    assert sum("Slack Connect is not available here" in t for t in in_channel) == 1
    assert any("paid Slack plan" in t for t in texts_to(bot, MANAGER))
    assert any("Slack Connect is not available" in t for t in texts_to(bot, REQUESTER_USER))
    # the members of this workspace are in the private channel
    invited = {c.args["users"] for c in bot.fake.calls_to("conversations.invite")}
    assert {REQUESTER_USER, MANAGER} <= invited
    bot.clock.advance(hours=2)
    assert run_due(bot.ctx)["intro_connect_invites"] == 0
    assert "intro_connect_fallback" in audit_actions(bot.engine, row.id)


def test_failed_call_is_retried_with_backoff_and_sent_once(make_bot):
    bot = make_bot()
    connect = SlackConnect(bot.fake)
    # a documented transient error (slack_sdk's own retry handlers already retry 5xx and 429)
    bot.fake.inject("conversations.inviteShared", error="internal_error", times=1)
    s = seed(bot.engine, target_fields={"contact_emails": [DANA]})
    introduce(bot, s)
    settled(bot)
    pending = invite_row(bot.engine, DANA)
    assert pending.state == "pending" and pending.attempts == 1 and pending.next_attempt_at > bot.clock.now()
    assert run_due(bot.ctx)["intro_connect_invites"] == 0  # still backing off
    bot.clock.advance(minutes=2)
    assert run_due(bot.ctx)["intro_connect_invites"] == 1
    assert run_due(bot.ctx)["intro_connect_invites"] == 0
    assert invite_row(bot.engine, DANA).state == "invited"
    assert len(bot.fake.calls_to("conversations.inviteShared")) == 2  # the failed one and the retry
    assert len(connect.invites) == 1


def test_invalid_email_is_reported_and_a_lost_answer_is_not_sent_twice(make_bot):
    bot = make_bot()
    connect = SlackConnect(bot.fake)
    connect.invalid_emails.add(LEE)
    s = seed(bot.engine, target_fields={"contact_emails": [DANA, LEE]})
    row = introduce(bot, s)
    settled(bot)
    assert invite_row(bot.engine, LEE).state == "failed"
    assert any("not valid" in t and cblocks.CONNECT_RETRY in t for t in texts_to(bot, MANAGER))
    # A worker whose call reached Slack died before recording the answer: its lease ran out and
    # the row is pending again, without an invite id.
    from sqlalchemy import update

    with session_scope(bot.engine) as session:
        session.connection().execute(update(SharedInvite).where(SharedInvite.email == DANA).values(
            state="pending", invite_id=None, next_attempt_at=bot.clock.now()))
    bot.clock.advance(minutes=5)
    assert run_due(bot.ctx)["intro_connect_invites"] == 0  # Slack: already pending; nothing new sent
    dana = invite_row(bot.engine, DANA)
    assert dana.state == "invited" and dana.error == "connection_limit_exceeded_pending"
    assert len([i for i in connect.invites.values() if i.email == DANA]) == 1
    # the event still finds her invitation, by channel and email
    bot.slack.event(connect.accept(DANA))
    wait_until(lambda: invite_row(bot.engine, DANA).state == "approved")
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED


def test_one_reminder_after_three_days(make_bot):
    bot = make_bot()
    connect, s, row = outside_intro(bot)
    bot.clock.advance(days=2, hours=23)
    assert run_due(bot.ctx)["intro_connect_reminders"] == 0
    bot.clock.advance(hours=2)
    assert run_due(bot.ctx)["intro_connect_reminders"] == 1
    bot.clock.advance(days=3)
    assert run_due(bot.ctx)["intro_connect_reminders"] == 0
    assert sum("has not accepted" in t for t in texts_to(bot, REQUESTER_USER)) == 1
    assert sum("has not accepted" in t for t in texts_to(bot, MANAGER)) == 1


def test_a_retried_event_is_processed_once(make_bot):
    bot = make_bot()
    connect, s, row = outside_intro(bot)
    event = connect.accept(DANA)
    event_id = f"Ev{uuid.uuid4().hex[:10]}"
    assert bot.slack.event(event, event_id=event_id).status == 200
    assert bot.slack.event(event, event_id=event_id, headers={"X-Slack-Retry-Num": "1",
                                                              "X-Slack-Retry-Reason": "http_timeout"}).status == 200
    assert bot.slack.event(event).status == 200  # the same news under another event id
    wait_until(lambda: invite_row(bot.engine, DANA).state == "approved")
    bot.fake.settle()
    assert sum("joined" in t for t in texts_to(bot, REQUESTER_USER)) == 1
    assert audit_actions(bot.engine, row.id).count("intro_connect_accepted") == 1


def test_outside_only_partner_consents_by_accepting(make_bot):
    bot = make_bot(INTRO_CONSENT="on")
    connect = SlackConnect(bot.fake)
    s = seed(bot.engine, target_users=(), target_fields={"contact_emails": [DANA]})
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    settled(bot)
    asked = intro(bot.engine, row.id)
    assert asked.consent_asked_at is not None and asked.consent_answer is None
    assert not [c for c in bot.fake.calls_to("chat.postMessage") if cblocks.ACCEPT in all_text(c)]
    bot.clock.advance(hours=3)
    bot.slack.event(connect.accept(DANA))
    wait_until(lambda: intro(bot.engine, row.id).consent_answer == "accepted")


@pytest.mark.postgres
def test_two_replicas_racing_on_an_acceptance_announce_it_once(make_bot, request, tmp_path):
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = fresh_db_url("postgresql", tmp_path, request)
    first = make_bot(url)
    second = make_bot(url)
    connect, s, row = outside_intro(first)
    for _ in range(5):  # a few rounds: each is one acceptance delivered to both replicas at once
        event = connect.accept(DANA)
        barrier = threading.Barrier(2)
        replies = []

        def deliver(bot):
            barrier.wait()
            replies.append(bot.slack.event(event).status)  # distinct event ids: not deduplicated upstream

        threads = [threading.Thread(target=deliver, args=(b,)) for b in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert replies == [200, 200]
    wait_until(lambda: invite_row(first.engine, DANA).state == "approved")
    first.fake.settle()
    assert sum("joined" in t for t in texts_to(first, REQUESTER_USER)) == 1
    assert audit_actions(first.engine, row.id).count("intro_connect_accepted") == 1


def test_a_contact_who_is_a_member_of_the_workspace_is_invited_directly(make_bot):
    bot = make_bot()
    bot.fake.users["U0DANA0001"] = {"id": "U0DANA0001", "team_id": "T0PARTNER", "name": "dana", "deleted": False,
                                    "is_bot": False, "profile": {"email": DANA}}
    connect, s, row = outside_intro(bot, emails=(DANA, LEE))
    assert [c.args["emails"] for c in bot.fake.calls_to("conversations.inviteShared")] == [LEE]
    assert any(c.args.get("users") == "U0DANA0001" and c.args.get("channel") == row.channel_id
               for c in bot.fake.calls_to("conversations.invite"))
    assert invite_row(bot.engine, DANA).state == "approved" and invite_row(bot.engine, LEE).state == "invited"
    assert channel_flags(bot, row.channel_id)["is_ext_shared"] is False
    assert connect.invites and all(i.email == LEE for i in connect.invites.values())


def test_a_graceful_stop_frees_this_workers_invitation_leases(engine):
    from datetime import UTC, datetime, timedelta

    from models import connect_queries as cq
    from models.ask import Ask
    from models.company import Company
    from models.introduction import Introduction

    now = datetime(2026, 11, 2, tzinfo=UTC)
    with session_scope(engine) as session:
        a, b = Company(name="A", name_key="a"), Company(name="B", name_key="b", contact_emails=[DANA, LEE])
        session.add_all([a, b])
        session.flush()
        ask = Ask(asker_user_id="U0A0000001", company_id=a.id, text="x")
        session.add(ask)
        session.flush()
        row = Introduction(ask_id=ask.id, requester_user_id="U0A0000001", requester_company_id=a.id,
                           target_company_id=b.id, state="introduced", channel_id="C1")
        session.add(row)
        session.flush()
        cq.reserve(session, intro_id=row.id, contacts=[(b.id, DANA), (b.id, LEE), (b.id, DANA.upper())], now=now)
        ids = cq.due(session, now=now)
        assert len(ids) == 2  # one row per address, whatever its case
        assert cq.claim(session, row_id=ids[0], token="host:1:aa", now=now, lease_until=now + timedelta(minutes=5))
        assert cq.claim(session, row_id=ids[1], token="other:2:bb", now=now, lease_until=now + timedelta(minutes=5))
        assert not cq.claim(session, row_id=ids[0], token="host:1:cc", now=now, lease_until=now)  # held
        assert cq.due(session, now=now) == []
        assert cq.release_held_by(session, token_prefix="host:1:") == 1
        assert cq.due(session, now=now) == [ids[0]]


def test_outside_only_partner_that_never_accepts_expires_after_consent_days(make_bot):
    bot = make_bot(INTRO_CONSENT="on", CONSENT_DAYS="3")
    SlackConnect(bot.fake)
    s = seed(bot.engine, target_users=(), target_fields={"contact_emails": [DANA]})
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    settled(bot)
    bot.clock.advance(days=2, hours=23)
    assert run_due(bot.ctx)["intro_consent_expiry"] == 0
    bot.clock.advance(hours=2)
    assert run_due(bot.ctx)["intro_consent_expiry"] == 1
    assert run_due(bot.ctx)["intro_consent_expiry"] == 0
    closed = intro(bot.engine, row.id)
    assert closed.state == IntroState.CONSENT_EXPIRED and closed.consent_answer == "expired"
    assert any("did not answer within 3 days" in t for t in texts_to(bot, REQUESTER_USER))


def test_with_consent_the_invitations_go_out_only_after_accept(make_bot):
    from tests.intro_setup import TARGET_USER

    bot = make_bot(INTRO_CONSENT="on")
    SlackConnect(bot.fake)
    s = seed(bot.engine, target_fields={"contact_emails": [DANA]})
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).consent_asked_at is not None)
    bot.fake.settle()
    assert not bot.fake.calls_to("conversations.inviteShared") and not invites(bot.engine)
    bot.slack.block_action(cblocks.ACCEPT, str(row.id), user_id=TARGET_USER, channel_id="D0TARGET01")
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    settled(bot)
    assert [c.args["emails"] for c in bot.fake.calls_to("conversations.inviteShared")] == [DANA]
    status = all_text(bot.fake.calls_to("chat.update")[-1])
    assert "accepted" in status and f"waiting for {DANA} to accept" in status


def test_external_limited_setting_and_a_refused_lookup(make_bot):
    bot = make_bot(SLACK_CONNECT_EXTERNAL_LIMITED="off")
    connect = SlackConnect(bot.fake)
    connect.only_limited = True  # the workspace allows only "can post only" invitations
    bot.fake.respond("users.lookupByEmail", {"ok": False, "error": "missing_scope"})
    s = seed(bot.engine, target_fields={"contact_emails": [DANA]})
    introduce(bot, s)
    settled(bot)
    [call] = bot.fake.calls_to("conversations.inviteShared")
    assert call.args["external_limited"] == "false"
    # Slack documents restricted_action for an invitation type the workspace forbids: fallback
    assert invite_row(bot.engine, DANA).state == "skipped"
    assert any("does not allow" in t for t in texts_to(bot, MANAGER))
