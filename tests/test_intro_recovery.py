"""Nothing lost: an approval whose channel could not be made is completed later, once."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduling import run_due
from models.db import session_scope
from models.intro_queries import get_intro
from models.introduction import IntroState
from tests.conftest import MANAGER
from tests.fakeslack import BOT_USER_ID
from tests.intro_setup import approve, audit_actions, intro, request_and_wait, seed, wait_until

BASE_NAME = "p2p-cactus-comms-desert-phone-apps"


def test_restart_between_approval_and_channel_is_completed_by_the_job(make_bot, sqlite_url):
    first = make_bot(sqlite_url)
    s = seed(first.engine)
    row = request_and_wait(first, s)
    first.fake.inject("conversations.create", status=500, times=None)  # Slack is down
    approve(first, row, user=MANAGER)
    wait_until(lambda: intro(first.engine, row.id).effects_error is not None, timeout=30)
    failed = intro(first.engine, row.id)
    assert failed.state == IntroState.APPROVED and failed.channel_id is None
    assert failed.effects_claimed_by is None and failed.next_attempt_at > first.clock.now()
    first.stop()

    first.fake.faults.clear()  # Slack is back
    second = make_bot(sqlite_url)
    second.clock.set(first.clock.now())
    # Not yet due: the backoff holds it.
    assert run_due(second.ctx)["intro_pending_effects"] == 0
    second.clock.advance(minutes=5)
    assert run_due(second.ctx)["intro_pending_effects"] == 1
    done = intro(second.engine, row.id)
    assert done.state == IntroState.INTRODUCED and done.channel_id
    created = [c for c in second.fake.calls_to("conversations.create") if c.args.get("_answer", {}).get("ok")]
    assert len(created) == 1
    assert len(second.fake.calls_to("conversations.setTopic")) == 1
    # Running the jobs again does nothing more.
    second.clock.advance(hours=1)
    assert run_due(second.ctx)["intro_pending_effects"] == 0
    assert len(second.fake.calls_to("conversations.setTopic")) == 1
    assert audit_actions(second.engine, row.id).count("intro_introduced") == 1


def test_a_leased_approval_is_left_to_its_worker(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    with session_scope(bot.engine) as session:  # approved by a worker that is still busy
        r = get_intro(session, intro_id=row.id)
        r.state, r.decided_by, r.decided_at = "approved", MANAGER, bot.clock.now()
        r.effects_claimed_by, r.next_attempt_at = "other-worker:1", bot.clock.now() + timedelta(minutes=5)
        session.add(r)
    assert run_due(bot.ctx)["intro_pending_effects"] == 0
    assert bot.fake.calls_to("conversations.create") == []
    bot.clock.advance(minutes=6)  # that worker died: its lease ran out
    assert run_due(bot.ctx)["intro_pending_effects"] == 1
    assert len(bot.fake.calls_to("conversations.create")) == 1


def _crashed_after_create(bot, row, name: str) -> None:
    """State left by a worker that created the channel but died before saving its ID."""
    bot.fake.channel_names.add(name)
    with session_scope(bot.engine) as session:
        r = get_intro(session, intro_id=row.id)
        r.state, r.decided_by, r.decided_at = "approved", MANAGER, bot.clock.now()
        r.channel_name, r.effects_done = name, ["approval_updated"]
        r.effects_claimed_by, r.next_attempt_at = "dead-worker:1", bot.clock.now() - timedelta(seconds=1)
        session.add(r)


def test_retry_adopts_the_channel_its_crashed_attempt_created(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    _crashed_after_create(bot, row, BASE_NAME)
    bot.fake.respond("conversations.list", {"ok": True, "channels": [
        {"id": "C0SOMEONE1", "name": "p2p-other", "creator": BOT_USER_ID},
        {"id": "C0ORPHAN01", "name": BASE_NAME, "creator": BOT_USER_ID, "is_private": True},
    ], "response_metadata": {"next_cursor": ""}})
    assert run_due(bot.ctx)["intro_pending_effects"] == 1
    done = intro(bot.engine, row.id)
    assert done.channel_id == "C0ORPHAN01" and done.channel_name == BASE_NAME
    assert [c.args["_answer"].get("error") for c in bot.fake.calls_to("conversations.create")] == ["name_taken"]
    assert {c.args["channel"] for c in bot.fake.calls_to("conversations.invite")} == {"C0ORPHAN01"}


def test_a_taken_name_that_is_not_ours_is_never_adopted(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    _crashed_after_create(bot, row, BASE_NAME)
    # A channel of that name exists, but a person created it: not ours.
    bot.fake.respond("conversations.list", {"ok": True, "channels": [
        {"id": "C0HUMAN001", "name": BASE_NAME, "creator": "U0SOMEONE"}]})
    assert run_due(bot.ctx)["intro_pending_effects"] == 1
    done = intro(bot.engine, row.id)
    assert done.channel_id != "C0HUMAN001" and done.channel_name == f"{BASE_NAME}-{row.id}"


def test_two_intros_of_the_same_pair_never_share_a_channel(bot):
    s = seed(bot.engine)
    first = request_and_wait(bot, s)
    approve(bot, first, user=MANAGER)
    wait_until(lambda: intro(bot.engine, first.id).state == IntroState.INTRODUCED)
    from tests.intro_setup import add_ask, request

    s.ask_id = add_ask(bot.engine, user="U0PARTNER1", company_id=s.requester_id, text="more phones",
                       results=[{"company_id": s.target_id, "score": 70, "reasons": ["again"]}])
    request(bot, s)
    wait_until(lambda: len([c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0APPROVAL"]) == 2)
    from tests.intro_setup import intros

    second = intros(bot.engine)[-1]
    wait_until(lambda: intro(bot.engine, second.id).approval_messages is not None)
    approve(bot, intro(bot.engine, second.id), user=MANAGER)
    wait_until(lambda: intro(bot.engine, second.id).state == IntroState.INTRODUCED)
    a, b = intro(bot.engine, first.id), intro(bot.engine, second.id)
    assert a.channel_id != b.channel_id and b.channel_name == f"{BASE_NAME}-{b.id}"


def test_request_never_posted_for_approval_is_posted_by_the_job(bot):
    s = seed(bot.engine)
    bot.fake.inject("chat.postMessage", status=500, times=None)
    from tests.intro_setup import intros, request

    request(bot, s)
    wait_until(lambda: intros(bot.engine) and intros(bot.engine)[0].effects_error is not None, timeout=30)
    bot.fake.faults.clear()
    bot.clock.advance(minutes=10)
    assert run_due(bot.ctx)["intro_pending_effects"] == 1
    row = intros(bot.engine)[0]
    assert row.approval_messages and row.approval_messages[0]["channel"] == "C0APPROVAL"
    assert run_due(bot.ctx)["intro_pending_effects"] == 0


def test_retry_job_first_runs_right_after_start():
    from datetime import UTC, datetime

    from bot.introductions.jobs import JOBS

    job = next(j for j in JOBS if j.name == "intro_pending_effects")
    now = datetime.now(UTC)
    first = job.trigger(None).get_next_fire_time(None, now)
    assert timedelta(0) < first - now <= timedelta(seconds=5)


def test_cli_run_due_completes_a_pending_approval(fake_slack, sqlite_url, monkeypatch, capsys):
    from bot.cli import main
    from models.db import make_engine
    from tests.conftest import bot_env

    engine = make_engine(sqlite_url)
    s = seed(engine)
    from models.introduction import Introduction

    with session_scope(engine) as session:
        row = Introduction(ask_id=s.ask_id, requester_user_id="U0PARTNER1", requester_company_id=s.requester_id,
                           target_company_id=s.target_id, state="approved", decided_by=MANAGER,
                           approval_messages=[{"channel": "C0APPROVAL", "ts": "1.1"}])
        session.add(row)
        session.flush()
        intro_id = row.id
    for key, value in bot_env(fake_slack, sqlite_url).items():
        monkeypatch.setenv(key, value)
    assert main(["--env-file", "/nonexistent/.env", "jobs", "run-due"]) == 0
    assert "intro_pending_effects: 1" in capsys.readouterr().out
    assert intro(engine, intro_id).state == IntroState.INTRODUCED
    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert main(["--env-file", "/nonexistent/.env", "jobs", "run-due"]) == 0
    assert "intro_pending_effects: 0" in capsys.readouterr().out
    engine.dispose()


def test_a_slow_worker_hands_over_the_channel_it_made(bot):
    """Worker A made the channel but was slow to record it; its lease ran out and the job
    (worker B) took over: B waits for A's record instead of making a second channel."""
    import threading
    import time

    from models.intro_queries import record_channel

    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    _crashed_after_create(bot, row, BASE_NAME)  # A made BASE_NAME; its lease has run out

    def worker_a_records_late() -> None:
        time.sleep(0.7)
        with session_scope(bot.engine) as session:
            assert record_channel(session, intro_id=row.id, name=BASE_NAME, channel_id="C0FROMA001")

    late = threading.Thread(target=worker_a_records_late)
    late.start()
    assert run_due(bot.ctx)["intro_pending_effects"] == 1
    late.join()
    done = intro(bot.engine, row.id)
    assert done.channel_id == "C0FROMA001" and done.channel_name == BASE_NAME
    assert [c.args["_answer"].get("error") for c in bot.fake.calls_to("conversations.create")] == ["name_taken"]
    assert {c.args["channel"] for c in bot.fake.calls_to("conversations.setTopic")} == {"C0FROMA001"}


def test_run_due_at_a_later_time_completes_a_backed_off_approval(bot):
    """`jobs run-due --at T` judges leases and backoff at T, not at the wall clock."""
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    bot.fake.inject("conversations.create", status=500, times=None)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).effects_error is not None, timeout=30)
    held_until = intro(bot.engine, row.id).next_attempt_at
    assert held_until > bot.clock.now()
    bot.fake.faults.clear()
    assert run_due(bot.ctx, bot.clock.now())["intro_pending_effects"] == 0  # still backing off
    assert run_due(bot.ctx, held_until + timedelta(seconds=1))["intro_pending_effects"] == 1
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED
