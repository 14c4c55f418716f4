"""Two `partnerbot serve` processes on one PostgreSQL database: one approval, one channel."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from models.db import make_engine
from models.introduction import IntroState
from tests.conftest import MANAGER, MANAGER2, SIGNING_SECRET, _truncate_pg, bot_env, free_port
from tests.intro_setup import intro, seed, wait_until
from tests.slackrequests import SlackRequester

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # processes on PostgreSQL


def _start(fake, db: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **bot_env(fake, db, PORT=str(port))}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("serve did not become healthy")


def test_two_serve_processes_make_one_channel(pg_database, fake_slack):
    _truncate_pg(pg_database)
    engine = make_engine(pg_database)
    s = seed(engine)
    from models.db import session_scope
    from models.introduction import Introduction

    with session_scope(engine) as session:
        row = Introduction(ask_id=s.ask_id, requester_user_id="U0PARTNER1", requester_company_id=s.requester_id,
                           target_company_id=s.target_id, reasons=["builds IP phone apps"], score=80,
                           approval_messages=[{"channel": "C0APPROVAL", "ts": "1800000000.000001"}])
        session.add(row)
        session.flush()
        intro_id = row.id

    procs = [_start(fake_slack, pg_database) for _ in range(2)]
    try:
        for proc, url in procs:
            _wait_healthy(proc, url)
        senders = [SlackRequester(url, SIGNING_SECRET, fake_slack) for _, url in procs]
        barrier = threading.Barrier(8)

        def click(n: int) -> None:
            barrier.wait()
            senders[n % 2].block_action("intro_approve", str(intro_id), user_id=MANAGER if n < 4 else MANAGER2,
                                        channel_id="C0APPROVAL", message={"ts": "1800000000.000001"})

        threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_until(lambda: intro(engine, intro_id).state == IntroState.INTRODUCED, timeout=60)
        fake_slack.wait_for_response(8)
        fake_slack.settle(quiet=1.0)
        done = intro(engine, intro_id)
        assert len(fake_slack.calls_to("conversations.create")) == 1
        assert len(fake_slack.calls_to("conversations.setTopic")) == 1
        assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == done.channel_id]) == 1
        approved = [r for r in fake_slack.responses if ":white_check_mark: Approved" in r.get("text", "")]
        assert len(approved) == 1
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()
