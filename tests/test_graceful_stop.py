"""A real `partnerbot serve` process stopped with SIGTERM in the middle of an approval's
effects (Slack hanging on conversations.create): it exits within SHUTDOWN_GRACE_S and a little,
its lease on the introduction is released, and the next run of the jobs completes the
introduction at once instead of after the 5-minute lease. Logs are JSON lines without secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.config import Settings
from models.db import make_engine, session_scope
from models.introduction import Introduction, IntroState
from tests import scenarios as S
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, bot_env, free_port, fresh_db_url
from tests.slackrequests import SlackRequester

pytestmark = pytest.mark.slow  # a subprocess
ROOT = Path(__file__).resolve().parent.parent
GRACE_S = 1.0


def _intro(engine) -> Introduction:
    with session_scope(engine) as session:
        row = session.exec(select(Introduction)).one()
        session.expunge(row)
        return row


def _wait(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached")
        time.sleep(0.05)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_sigterm_releases_the_lease_so_a_restart_completes_the_introduction_at_once(fake_slack, tmp_path, request):
    db = fresh_db_url("sqlite", tmp_path, request)
    engine = make_engine(db)
    port = free_port()
    env = {**os.environ, **bot_env(fake_slack, db, PORT=str(port), LOG_FORMAT="json", SHUTDOWN_GRACE_S=str(GRACE_S))}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--env-file", "/nonexistent", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: proc.poll() is None and _ready(url), 60, "/readyz 200")
        bot = SimpleNamespace(slack=SlackRequester(url, SIGNING_SECRET, fake_slack), fake=fake_slack, engine=engine)
        state = S.prepare_requested(bot)
        fake_slack.inject("conversations.create", delay=20)  # Slack hangs on the channel
        assert S.approve(bot, state).status == 200
        _wait(lambda: _intro(engine).effects_claimed_by is not None, what="the approval's lease taken")
        held = _intro(engine)
        assert held.state == IntroState.APPROVED and held.channel_id is None

        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=GRACE_S + 10)
        took = time.monotonic() - stopped_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    logs = proc.stderr.read()
    proc.stderr.close()
    assert took < GRACE_S + 5, f"stopped after {took:.1f}s"

    released = _intro(engine)
    assert released.effects_claimed_by is None and released.next_attempt_at is None

    # The next process (here the jobs, as the scheduler of a restarted `serve` runs them) does
    # the effects now, not when the lease would have run out.
    from bot.app import create_context
    from bot.scheduling import run_due

    ctx = create_context(Settings.from_mapping(bot_env(fake_slack, db)), engine=engine)
    assert run_due(ctx)["intro_pending_effects"] == 1
    done = _intro(engine)
    assert done.state == IntroState.INTRODUCED and done.channel_id
    ctx.executor.shutdown(wait=True)

    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    assert any("1 lease(s) released" in e["message"] for e in lines), [e["message"] for e in lines]
    assert BOT_TOKEN not in logs and SIGNING_SECRET not in logs
