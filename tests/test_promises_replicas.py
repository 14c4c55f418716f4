"""Promise: with several bot replicas on one PostgreSQL database, a double click, a Slack
retry or two managers at once never make two introductions, two channels or two digests for
one period; and a restart at any step of an approval completes it after start-up.

Real `python -m bot serve` processes (HTTP mode, each on its own port), one fake Slack, one
PostgreSQL database; effects are counted at the fake Slack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from models.db import make_engine
from models.introduction import Introduction
from models.scheduling import DigestRun
from tests import scenarios as S
from tests.conftest import MANAGER, MANAGER2, PG_SKIP_REASON, SIGNING_SECRET, _truncate_pg, bot_env, free_port
from tests.slackrequests import SlackRequester

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # processes on PostgreSQL


class Replica:
    """One `partnerbot serve` process."""

    def __init__(self, fake, db: str, **overrides: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **bot_env(fake, db, PORT=str(self.port), **overrides)}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.slack = SlackRequester(self.url, SIGNING_SECRET, fake)

    def wait_healthy(self, timeout: float = 90) -> Replica:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.proc.stderr.read().decode()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("serve did not become healthy")

    def kill(self) -> None:
        """A crash, not a shutdown: nothing gets to finish."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        self.proc.stderr.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc.stderr.close()


def run_due(fake, db: str, at: datetime) -> subprocess.Popen:
    env = {**os.environ, **bot_env(fake, db)}
    return subprocess.Popen([sys.executable, "-m", "bot", "jobs", "run-due", "--at", at.isoformat()], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_due_concurrently(fake, db: str, at: datetime, copies: int = 2) -> None:
    procs = [run_due(fake, db, at) for _ in range(copies)]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"run-due failed: {out.decode()[-1500:]} {err.decode()[-3000:]}"


@pytest.fixture
def pg(pg_database):
    if not pg_database:
        pytest.skip(PG_SKIP_REASON)
    _truncate_pg(pg_database)
    engine = make_engine(pg_database)
    yield pg_database, engine
    engine.dispose()


@pytest.fixture
def replicas(pg, fake_slack, tmp_path):
    started: list[Replica] = []
    rules = tmp_path / "rules.txt"
    rules.write_text("Be kind. Tell the vendor manager when a deal closes.", encoding="utf-8")

    def start(count: int = 1) -> list[Replica]:
        new = [Replica(fake_slack, pg[0], RULES_OF_ENGAGEMENT_FILE=str(rules)) for _ in range(count)]
        for replica in new:
            replica.wait_healthy()
        started.extend(new)
        return new

    yield start
    for replica in started:
        replica.stop()


def ok_calls(fake, method: str, where=lambda c: True) -> list:
    return [c for c in fake.calls_to(method) if (c.args.get("_answer") or {}).get("ok") and where(c)]


def approval_posts(fake) -> dict[str, object]:
    """intro id -> the approval request message (the last one posted for it)."""
    posts = {}
    for call, button in S.buttons(fake, "intro_approve"):
        if getattr(call, "method", None) == "chat.postMessage":
            posts[button["value"]] = call
    return posts


def request_all(fake, replica: Replica, world: S.World) -> dict[str, object]:
    for i in range(len(world.target_companies)):
        reply = S._request(_Bot(replica), world, i)
        assert reply.status == 200, reply.text
    try:
        fake.wait_for("chat.postMessage", len(world.target_companies),
                      where=lambda c: c.args.get("channel") == S.APPROVALS and "_answer" in c.args, timeout=30)
    except AssertionError:
        raise AssertionError(f"approval requests not posted; answers: {[r.get('text') for r in fake.responses]}")
    posts = approval_posts(fake)
    assert len(posts) == len(world.target_companies)
    return posts


class _Bot:
    """The bits of a test harness that the scenario helpers use, for a replica process."""

    def __init__(self, replica: Replica) -> None:
        self.slack = replica.slack


def intros(engine) -> list[Introduction]:
    with Session(engine) as s:
        return list(s.exec(select(Introduction).order_by(Introduction.id)))


def wait_introduced(engine, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(i.state == "introduced" for i in intros(engine)) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"not introduced: {[(i.id, i.state, i.effects_error) for i in intros(engine)]}")


def test_racing_replicas_make_each_effect_once(pg, fake_slack, replicas):
    """The same Approve click sent to both replicas at once (and a second manager's click too),
    for several introductions; then the follow-ups and the digest run by two `run-due` at once."""
    url, engine = pg
    a, b = replicas(2)
    n = 4
    world = S.seed_world(engine, targets=n)
    posts = request_all(fake_slack, a, world)

    barrier = threading.Barrier(3 * n)
    statuses: list[int] = []

    def click(replica: Replica, intro_id: str, manager: str) -> None:
        message = S.message_of(posts[intro_id])
        barrier.wait()
        statuses.append(replica.slack.block_action("intro_approve", intro_id, user_id=manager,
                                                   channel_id=S.APPROVALS, message=message).status)

    threads = [threading.Thread(target=click, args=(replica, intro_id, manager))
               for intro_id in posts for replica, manager in ((a, MANAGER), (b, MANAGER), (b, MANAGER2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * (3 * n)
    wait_introduced(engine, n)
    fake_slack.settle(quiet=1.0, timeout=30)

    created = ok_calls(fake_slack, "conversations.create")
    assert len(created) == n, [c.args.get("name") for c in created]
    channels = {c.args["_answer"]["channel"]["id"] for c in created}
    assert len(channels) == n
    for channel in channels:
        posts = ok_calls(fake_slack, "chat.postMessage", lambda c, ch=channel: c.args.get("channel") == ch)
        intro_posts = [c for c in posts if str(c.args.get("text", "")).startswith("Meet ")]
        assert len(intro_posts) == 1, f"{len(intro_posts)} introduction posts in {channel}"
        # Besides the introduction, at most the rules of engagement (their own pinned post), once.
        assert [c.args.get("text") for c in posts if c not in intro_posts] == ["Rules of engagement"]
    assert {i.channel_id for i in intros(engine)} == channels
    for intro in intros(engine):
        assert intro.decided_by in (MANAGER, MANAGER2)

    # Follow-ups and the digest, by two cron-driven runs at once, then a third (catch-up) run.
    before = len(fake_slack.calls)
    at = datetime.now(UTC) + timedelta(days=15)
    run_due_concurrently(fake_slack, url, at)
    run_due_concurrently(fake_slack, url, at + timedelta(minutes=1), copies=1)
    fake_slack.settle(quiet=0.8, timeout=30)
    later = fake_slack.calls[before:]
    followups = [c for c in later if c.method == "chat.postMessage" and "_answer" in c.args
                 and any(str(e.get("action_id", "")).startswith("followup_") for e in S.walk_elements(c.args.get("blocks")))]
    # Each introduction asks both partners (the requester's user and the target's user), once.
    assert len(followups) == 2 * n, f"{len(followups)} follow-ups for {n} introductions"
    per_intro_user = {(c.args.get("channel"), str([e.get("value") for e in S.walk_elements(c.args.get("blocks"))
                                                    if str(e.get("action_id", "")).startswith("followup_")][:1]))
                      for c in followups}
    assert len(per_intro_user) == 2 * n
    digests = [c for c in fake_slack.calls if c.method == "chat.postMessage" and c.args.get("channel") == "C0DIGEST01"
               and "_answer" in c.args]
    with Session(engine) as s:
        runs = list(s.exec(select(DigestRun)))
    assert digests, "the digest was posted"
    assert len(digests) == len([r for r in runs if r.posted_at is not None])
    assert len({(r.channel, r.period_start, r.period_end) for r in runs}) == len(runs)


# -- a restart at any step of an approval ---------------------------------------------------------
def _fail_dms(fake):
    """chat.postMessage fails for direct messages (to a user or a DM channel), works elsewhere."""

    def answer(args):
        channel = str(args.get("channel", ""))
        if channel[:1] in ("U", "D", "W"):
            return {"ok": False, "error": "internal_error"}
        return {"ok": True, "channel": channel, "ts": fake._next_ts(), "message": {"text": args.get("text")}}

    fake.respond("chat.postMessage", answer)


STEPS = {
    "conversations.create": lambda fake: fake.inject("conversations.create", status=500, times=None),
    "conversations.invite": lambda fake: fake.inject("conversations.invite", status=500, times=None),
    "conversations.setTopic": lambda fake: fake.inject("conversations.setTopic", status=500, times=None),
    "intro post": lambda fake: fake.inject("chat.postMessage", status=500, times=None),
    "pins.add": lambda fake: fake.inject("pins.add", status=500, times=None),
    "DMs": _fail_dms,
    "chat.update": lambda fake: fake.inject("chat.update", status=500, times=None),
}
STEP_METHOD = {"intro post": "chat.postMessage", "DMs": "chat.postMessage"}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_restart_at_any_step_of_an_approval_completes_it(pg, fake_slack, replicas, step):
    url, engine = pg
    (first,) = replicas(1)
    world = S.seed_world(engine)
    posts = request_all(fake_slack, first, world)
    intro_id = next(iter(posts))

    STEPS[step](fake_slack)
    method = STEP_METHOD.get(step, step)
    first.slack.block_action("intro_approve", intro_id, user_id=MANAGER, channel_id=S.APPROVALS,
                             message=S.message_of(posts[intro_id]))
    # The step fails (every retry of it), then the bot dies.
    fake_slack.wait_for(method, 1, where=lambda c: not (c.args.get("_answer") or {"ok": False}).get("ok")
                        and (step != "intro post" or str(c.args.get("channel", ""))[:1] == "C"), timeout=60)
    time.sleep(1.0)
    first.kill()
    assert intros(engine)[0].state != "introduced"

    fake_slack.faults.clear()
    fake_slack.overrides.clear()
    # The restart comes after the dead worker's lease (5 minutes) and retry back-off ran out.
    with engine.begin() as conn:
        conn.execute(update(Introduction).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    (second,) = replicas(1)
    # The new process's own scheduler (first run seconds after start-up) and a cron `run-due`
    # at the same time finish it, once.
    run_due_concurrently(fake_slack, url, datetime.now(UTC), copies=1)
    wait_introduced(engine, 1)
    fake_slack.settle(quiet=1.0, timeout=30)

    created = ok_calls(fake_slack, "conversations.create")
    assert len(created) == 1, f"{len(created)} channels"
    channel = created[0].args["_answer"]["channel"]["id"]
    assert intros(engine)[0].channel_id == channel
    posts = ok_calls(fake_slack, "chat.postMessage", lambda c: c.args.get("channel") == channel)
    intro_posts = [c for c in posts if str(c.args.get("text", "")).startswith("Meet ")]
    assert len(intro_posts) == 1, f"{len(intro_posts)} introduction posts"
    others = [c.args.get("text") for c in posts if c not in intro_posts]
    assert others in ([], ["Rules of engagement"]), others  # the rules, when set, once
    invited = {u for c in ok_calls(fake_slack, "conversations.invite") for u in c.args["users"].split(",")}
    assert {S.REQUESTER, S.TARGET_USER, MANAGER} <= invited
    dms = ok_calls(fake_slack, "chat.postMessage", lambda c: str(c.args.get("channel", ""))[:1] in ("U", "D"))
    assert {S.REQUESTER, S.TARGET_USER} <= {c.args["channel"] for c in dms} or len(dms) >= 2
    assert len(dms) == len({c.args["channel"] for c in dms}), "a partner was told twice"
    assert ok_calls(fake_slack, "chat.update"), "the approval message shows the decision"
    assert second.proc.poll() is None
