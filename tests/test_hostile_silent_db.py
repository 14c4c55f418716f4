"""Issue 13.1: a database that accepts connections but never answers.

A TCP proxy on loopback sits between the bot and PostgreSQL; `pause()` makes it stop
forwarding (its sockets stay open, so neither TCP nor PostgreSQL notices anything). Every
command, click and App Home open must still be answered within Slack's 3 seconds, telling
the user the database could not be reached; `/healthz` stays 200, `/readyz` says 503; and
once the proxy forwards again, the bot answers normally within a minute, on its own.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from bot.blocks.notices import DB_UNAVAILABLE
from tests import scenarios as S
from tests.conftest import fresh_db_url

ACK_LIMIT = 3.0


class StallingProxy:
    """Forwards TCP to `target`; while paused it neither reads nor writes (a silent peer)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.closed = False
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True, name="proxy-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self.closed:
                self.forwarding.wait()
                data = src.recv(65536)
                if not data:
                    break
                self.forwarding.wait()  # data read just before a pause is held back too
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def pause(self) -> None:
        self.forwarding.clear()

    def resume(self) -> None:
        self.forwarding.set()

    def close(self) -> None:
        self.closed = True
        self.forwarding.set()
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


@pytest.fixture
def proxied_pg(request, tmp_path):
    url = make_url(fresh_db_url("postgresql", tmp_path, request))
    proxy = StallingProxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), url
    proxy.close()


def timed(call):
    started = time.monotonic()
    reply = call()
    return reply, time.monotonic() - started


@pytest.mark.postgres
def test_a_silent_database_is_told_within_3s_and_the_bot_recovers(make_bot, proxied_pg):
    proxy, proxied_url, _ = proxied_pg
    bot = make_bot(proxied_url)
    world = S.seed_world(bot.engine)
    # Warm: the pool holds live connections through the proxy.
    assert bot.slack.command("/findpartner", "cisco uc install in tucson", user_id=S.REQUESTER).status == 200
    bot.fake.wait_for_response(1)
    bot.fake.settle(quiet=0.3)
    bot.fake.reset()

    proxy.pause()
    try:
        # A slash command: the notice is the HTTP answer itself.
        reply, took = timed(lambda: bot.slack.command("/findpartner", "uc install", user_id=S.REQUESTER))
        assert reply.status == 200 and took < ACK_LIMIT, (reply.status, took)
        assert DB_UNAVAILABLE in reply.json()["text"]

        reply, took = timed(lambda: bot.slack.command("/partnerprofile", "", user_id=S.REQUESTER))
        assert reply.status == 200 and took < ACK_LIMIT, (reply.status, took)
        assert DB_UNAVAILABLE in reply.json()["text"]

        # A click: acknowledged, then told through its response_url.
        value = json.dumps({"ask_id": world.ask_id, "company_id": world.target_companies[0]})
        reply, took = timed(lambda: bot.slack.block_action("request_intro", value, user_id=S.REQUESTER))
        assert reply.status == 200 and took < ACK_LIMIT, (reply.status, took)
        told = bot.fake.wait_for_response(1, timeout=5)
        assert any(DB_UNAVAILABLE in (r.get("text") or "") for r in told), told

        # An App Home open: answered (503) at once, so Slack retries it later.
        reply, took = timed(lambda: S._home_event(bot, {}))
        assert reply.status >= 500 and took < ACK_LIMIT, (reply.status, took)

        assert bot.slack.get("/healthz").status == 200
        ready, took = timed(lambda: bot.slack.get("/readyz"))
        assert ready.status == 503 and took < ACK_LIMIT, (ready.status, took)
        assert "database" in ready.json()["not_ready"]
        time.sleep(1.0)  # the stuck calls pass their deadline while the database is still silent
    finally:
        proxy.resume()

    # Back: the bot recovers by itself, well within a minute.
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 60:
        answered = len(bot.fake.responses)
        reply = bot.slack.command("/findpartner", "cisco uc install in tucson", user_id=S.REQUESTER)
        if reply.status == 200 and DB_UNAVAILABLE not in str(reply.json()):
            final = bot.fake.wait_for_response(answered + 1, timeout=10)[-1]
            if DB_UNAVAILABLE not in (final.get("text") or ""):
                recovered = time.monotonic() - back
                break
        time.sleep(1.0)
    assert recovered is not None, "the bot did not recover within a minute of the database returning"
    print(f"recovered {recovered:.1f}s after the database answered again")
    assert "database" not in bot.slack.get("/readyz").json()["not_ready"]  # (no scheduler in this harness)
    # ... and the click works again.
    reply = bot.slack.block_action("request_intro", value, user_id=S.REQUESTER)
    assert reply.status == 200
    bot.fake.wait_for("chat.postMessage", 1, where=lambda c: c.args.get("channel") == S.APPROVALS, timeout=15)
    bot.fake.settle(quiet=1.0)


def test_database_timeouts_are_settings():
    from bot.config import ConfigError, Settings

    settings = Settings.from_mapping({"DB_CONNECT_TIMEOUT_S": "4", "DB_STATEMENT_TIMEOUT_S": "2.5",
                                      "DB_POOL_TIMEOUT_S": "1"})
    assert (settings.db_timeouts.connect, settings.db_timeouts.statement, settings.db_timeouts.pool) == (4, 2.5, 1)
    for bad in ("abc", "nan", "-1", "inf"):
        with pytest.raises(ConfigError, match="DB_STATEMENT_TIMEOUT_S"):
            Settings.from_mapping({"DB_STATEMENT_TIMEOUT_S": bad})
