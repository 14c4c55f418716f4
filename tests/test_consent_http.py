"""The proposed partner's consent (INTRO_CONSENT=on), driven over signed HTTP requests against
the bot and the fake Slack: accepted, declined ("Not now"), expired, and off."""

from __future__ import annotations

import json

import pytest

from bot.blocks import consent as cblocks
from bot.scheduling import run_due
from models.introduction import IntroState
from tests.conftest import MANAGER
from tests.intro_setup import (REQUESTER_USER, TARGET_USER, all_text, approve, audit_actions, intro,
                               request_and_wait, seed, wait_until)
from tests.slackrequests import text_value


def consent_bot(make_bot, db_url=None, **env):
    return make_bot(db_url, INTRO_CONSENT="on", **env)


def ask_consent(bot, **seed_kw):
    s = seed(bot.engine, **seed_kw)
    row = request_and_wait(bot, s)
    assert approve(bot, row, user=MANAGER).status == 200
    wait_until(lambda: intro(bot.engine, row.id).consent_asked_at is not None)
    bot.fake.settle()
    return s, intro(bot.engine, row.id)


def consent_dms(bot, user=TARGET_USER):
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == user and cblocks.ACCEPT in all_text(c)]


def reply_to(bot, send) -> str:
    """Do `send()` (a click) and return the text of the ephemeral answer it gets."""
    before = len(bot.fake.responses)
    send()
    return bot.fake.wait_for_response(before + 1)[before]["text"]


def dms_to(bot, user):
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def click(bot, action_id, row, user):
    return bot.slack.block_action(action_id, str(row.id), user_id=user, channel_id="D0TARGET01",
                                  message={"ts": "1800000001.000001", "text": "", "blocks": []})


def test_approval_asks_the_proposed_partner_first(make_bot):
    bot = consent_bot(make_bot)
    s, row = ask_consent(bot, ask_text="apps for <!channel> restaurants")
    assert row.state == IntroState.AWAITING_CONSENT
    assert not bot.fake.calls_to("conversations.create")  # nothing opens before consent
    [dm] = consent_dms(bot)
    text = all_text(dm)
    assert "Cactus Comms" in text and "apps for &lt;!channel&gt; restaurants" in text and "<!channel>" not in text
    assert cblocks.NOT_NOW in text and f"<@{MANAGER}>" in text
    update = bot.fake.calls_to("chat.update")[-1]
    assert "Waiting for" in all_text(update) and "Desert Phone Apps" in all_text(update)
    assert "intro_consent_asked" in audit_actions(bot.engine, row.id)


def test_accept_opens_the_channel_once(make_bot):
    bot = consent_bot(make_bot)
    s, row = ask_consent(bot)
    # someone who is not the proposed partner cannot answer for it
    assert "Only the contacts of" in reply_to(bot, lambda: click(bot, cblocks.ACCEPT, row, REQUESTER_USER))
    assert intro(bot.engine, row.id).state == IntroState.AWAITING_CONSENT

    assert click(bot, cblocks.ACCEPT, row, TARGET_USER).status == 200
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    late = reply_to(bot, lambda: click(bot, cblocks.ACCEPT, row, TARGET_USER))  # a double click
    bot.fake.settle()
    done = intro(bot.engine, row.id)
    assert done.consent_answer == "accepted" and done.consent_by == TARGET_USER
    assert len(bot.fake.calls_to("conversations.create")) == 1
    assert "already accepted" in late
    # the consent DM loses its buttons, the approval message says who accepted
    updates = [all_text(c) for c in bot.fake.calls_to("chat.update")]
    assert any("accepted on" in u and cblocks.ACCEPT not in u for u in updates)
    assert any("Desert Phone Apps* accepted" in u for u in updates)
    assert any("introduced" in all_text(c) for c in dms_to(bot, REQUESTER_USER))


def test_not_now_tells_the_requester_politely(make_bot):
    bot = consent_bot(make_bot)
    s, row = ask_consent(bot)
    assert click(bot, cblocks.NOT_NOW, row, TARGET_USER).status == 200
    opened = bot.fake.wait_for("views.open")[-1]
    assert opened.args["view"]["callback_id"] == cblocks.NOT_NOW_CALLBACK
    reply = bot.slack.view_submission(cblocks.NOT_NOW_CALLBACK,
                                      {"reason": {"reason": text_value("Fully booked <!here> until March")}},
                                      user_id=TARGET_USER, private_metadata=str(row.id))
    assert reply.status == 200
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.CONSENT_DECLINED)
    bot.fake.settle()
    closed = intro(bot.engine, row.id)
    assert closed.consent_answer == "declined" and closed.consent_reason == "Fully booked <!here> until March"
    [told] = [c for c in dms_to(bot, REQUESTER_USER) if "can't take on" in all_text(c)]
    assert "Fully booked" not in all_text(told)  # the reason goes to the manager, not the requester
    status = all_text(bot.fake.calls_to("chat.update")[-1])
    assert "Not now" in status and "Fully booked &lt;!here&gt; until March" in status and "<!here>" not in status
    assert not bot.fake.calls_to("conversations.create")
    # a late Accept changes nothing
    click(bot, cblocks.ACCEPT, row, TARGET_USER)
    bot.fake.settle()
    assert intro(bot.engine, row.id).state == IntroState.CONSENT_DECLINED


def test_no_answer_expires_after_consent_days_once(make_bot):
    bot = consent_bot(make_bot, CONSENT_DAYS="3")
    s, row = ask_consent(bot)
    bot.clock.advance(days=2, hours=23)
    assert run_due(bot.ctx)["intro_consent_expiry"] == 0
    bot.clock.advance(hours=2)
    assert run_due(bot.ctx)["intro_consent_expiry"] == 1
    assert run_due(bot.ctx)["intro_consent_expiry"] == 0  # once
    bot.fake.settle()
    closed = intro(bot.engine, row.id)
    assert closed.state == IntroState.CONSENT_EXPIRED and closed.consent_answer == "expired"
    assert any("did not answer within 3 days" in all_text(c) for c in dms_to(bot, REQUESTER_USER))
    assert any("expired" in all_text(c) for c in dms_to(bot, MANAGER))
    assert "intro_consent_expired" in audit_actions(bot.engine, row.id)
    assert "closed" in reply_to(bot, lambda: click(bot, cblocks.ACCEPT, row, TARGET_USER))


def test_expiry_runs_from_the_command_line(make_bot, monkeypatch):
    """`partnerbot jobs run-due --at` closes an unanswered request, as the scheduler would."""
    from bot.cli import main

    bot = consent_bot(make_bot)
    s, row = ask_consent(bot)
    env = {"DATABASE_URL": bot.settings.database_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
           "SLACK_API_BASE_URL": bot.fake.api_url, "INTRO_CONSENT": "on", "PARTNERBOT_MANAGERS": MANAGER}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = row.consent_asked_at.isoformat()
    assert main(["--env-file", "/nonexistent/.env", "jobs", "run-due", "--at", _plus_days(at, 4)]) == 0
    assert intro(bot.engine, row.id).state == IntroState.AWAITING_CONSENT
    assert main(["--env-file", "/nonexistent/.env", "jobs", "run-due", "--at", _plus_days(at, 6)]) == 0
    assert intro(bot.engine, row.id).state == IntroState.CONSENT_EXPIRED


def _plus_days(iso: str, days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(iso) + timedelta(days=days)).isoformat()


def test_consent_off_keeps_manager_approval_only(make_bot):
    bot = make_bot(INTRO_CONSENT="off")
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    bot.fake.settle()
    assert not consent_dms(bot) and intro(bot.engine, row.id).consent_answer is None


def test_digest_counts_consent(make_bot):
    from bot.metrics.figures import compute_figures
    from models.db import session_scope

    bot = consent_bot(make_bot)
    s, row = ask_consent(bot)
    bot.clock.advance(hours=6)
    click(bot, cblocks.ACCEPT, row, TARGET_USER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    bot.fake.settle()
    now = bot.clock.now()
    from datetime import timedelta

    with session_scope(bot.engine) as session:
        figures = compute_figures(session, start=now - timedelta(days=7), end=now + timedelta(seconds=1))
    assert figures["consent_accepted"] == 1 and figures["consent_declined"] == 0
    assert figures["consent_expired"] == 0 and figures["consent_hours_median"] == 6.0
    assert figures["approved"] == 1  # the manager's decision still counts as before
    json.dumps(figures)


@pytest.mark.postgres
def test_two_contacts_accepting_at_once_on_two_replicas_open_one_channel(make_bot, request, tmp_path):
    import threading

    from tests.conftest import PG_SKIP_REASON, PG_URL, fresh_db_url

    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = fresh_db_url("postgresql", tmp_path, request)
    first = consent_bot(make_bot, url)
    second = consent_bot(make_bot, url)
    other = "U0TARGET02"
    s, row = ask_consent(first, target_users=(TARGET_USER, other))
    assert len(consent_dms(first, TARGET_USER)) == 1 and len(consent_dms(first, other)) == 1
    barrier = threading.Barrier(2)

    def accept(bot, user):
        barrier.wait()
        click(bot, cblocks.ACCEPT, row, user)

    threads = [threading.Thread(target=accept, args=a) for a in ((first, TARGET_USER), (second, other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: intro(first.engine, row.id).state == IntroState.INTRODUCED, timeout=20)
    first.fake.settle()
    assert len(first.fake.calls_to("conversations.create")) == 1
    assert audit_actions(first.engine, row.id).count("intro_consent_accepted") == 1
    texts = [r.get("text", "") for r in first.fake.responses]
    assert sum("Thank you!" in t for t in texts) == 1 and sum("already accepted" in t for t in texts) == 1
