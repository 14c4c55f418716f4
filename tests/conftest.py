"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), the
fake Slack server, and the bot served over real HTTP behind signed requests."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.clock import FakeClock
from bot.config import Settings
from models.db import MIGRATION_TIMEOUTS, make_engine, upgrade
from tests.fakeslack import FakeSlack
from tests.slackrequests import SlackRequester
from bot.operations.readiness import readiness_of
from tests.waiting import shorten_retry_backoff, track_context_pools, track_dispatch_pool

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
MANAGER = "U0MANAGER1"
MANAGER2 = "U0MANAGER2"
PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (`.ci/run` sets it when 127.0.0.1:5432 answers)"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: runs against PostgreSQL (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "slow: subprocesses, replicas, long fault cases; `make test` skips them, "
                                       "`make test-all` (CI) runs them")


# -- databases -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session (dropped at the end)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    admin = make_engine(PG_URL, timeouts=MIGRATION_TIMEOUTS).execution_options(isolation_level="AUTOCOMMIT")
    name = f"pbtest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    from sqlmodel import SQLModel

    engine = make_engine(url, timeouts=MIGRATION_TIMEOUTS)  # may wait for the last test's connections
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def fresh_db_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / f"partnerbot-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    return fresh_db_url(request.param, tmp_path, request)


@pytest.fixture
def sqlite_url(request, tmp_path) -> str:
    return fresh_db_url("sqlite", tmp_path, request)


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()


# -- Slack -----------------------------------------------------------------------------
@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()
    # Slack would have refused (or warned of) a payload the bot sent: a bug even when the test's
    # own assertions passed (issue 11: the follow-up Slack refused went unnoticed).
    problems = fake.rule_problems()
    if problems and not fake.expect_refusals:
        pytest.fail("Slack's rules refused or warned of payloads the bot sent:\n" + "\n".join(problems[:10]),
                    pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(fake: FakeSlack, db: str, **overrides: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.api_url,
        "DATABASE_URL": db,
        "PARTNERBOT_MANAGERS": f"{MANAGER},{MANAGER2}",
        "APPROVALS_CHANNEL": "C0APPROVAL",
        "DIGEST_CHANNEL": "C0DIGEST01",
        # Most tests follow the manager-approval flow; tests/test_consent_*.py turn consent on.
        "INTRO_CONSENT": "off",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@dataclass
class BotHarness:
    """The bot served over real HTTP, with its context, fake clock and the fake Slack."""

    url: str
    app: object
    ctx: object
    clock: FakeClock
    settings: Settings
    fake: FakeSlack
    slack: SlackRequester
    engine: Engine
    _server: object
    _thread: threading.Thread

    def stop(self, *, join: bool = True) -> None:
        self._server.should_exit = True
        if join:  # uvicorn takes ~0.2 s to notice and close; teardown need not wait for that
            self._thread.join(timeout=10)
        self.ctx.listener_executor.shutdown(wait=True)  # listeners still answering the fake Slack
        scheduler = readiness_of(self.ctx).scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        self.ctx.executor.shutdown(wait=True)
        ranker = self.ctx.services.get("ranker")
        if ranker is not None:  # ranking worker processes (RANKING_WORKERS)
            ranker.close()


def start_bot(fake: FakeSlack, db: str, *, clock: FakeClock | None = None, **env: str) -> BotHarness:
    from bot.app import create_context
    from partnerbot.app import assemble_app
    from bot.server import make_uvicorn_server

    settings = Settings.from_mapping(bot_env(fake, db, **env))
    engine = make_engine(settings.database_url)
    clock = clock or FakeClock()
    ctx = create_context(settings, engine=engine, clock=clock)
    pools = track_context_pools(ctx)
    shorten_retry_backoff(ctx.client)
    app = assemble_app(settings, context=ctx)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_uvicorn_server(app, host="127.0.0.1", port=port, log_level="warning")
    pools += track_dispatch_pool(server)
    fake.busy_checks.append(lambda: any(pool.busy for pool in pools))
    # A running scheduler without jobs, for /readyz: tests run the jobs themselves (run_due).
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    readiness_of(ctx).scheduler = scheduler
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="bot-http")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("bot server did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    return BotHarness(url=url, app=app, ctx=ctx, clock=clock, settings=settings, fake=fake,
                      slack=SlackRequester(url, SIGNING_SECRET, fake), engine=engine,
                      _server=server, _thread=thread)


@pytest.fixture
def make_bot(fake_slack, request, tmp_path):
    """make_bot(db_url=None, **env) starts the bot (SQLite by default); stopped after the test."""
    started: list[BotHarness] = []

    def factory(db_url: str | None = None, **env: str) -> BotHarness:
        url = db_url or fresh_db_url("sqlite", tmp_path, request)
        harness = start_bot(fake_slack, url, **env)
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        harness.stop(join=False)
        harness.engine.dispose()


@pytest.fixture
def bot(make_bot) -> BotHarness:
    """The bot on SQLite with default test settings."""
    return make_bot()


@pytest.fixture
def bot_any_db(make_bot, db_url) -> BotHarness:
    """The bot on SQLite and on PostgreSQL (parametrized)."""
    return make_bot(db_url)
