"""Ranking in a worker process (RANKING_WORKERS, bot/matching/rankers.py): the same answers as
ranking in the serving process, edits seen at the next ask, a worker that dies replaced, and
the whole /findpartner path over signed HTTP with a worker doing the ranking.

Each test spawns a real worker process (about a second to start): one module-scoped worker
serves the tests that need no fresh one."""

from __future__ import annotations

import os
import signal
import time
from datetime import date

import pytest
from sqlalchemy import update

from bot.config import ConfigError, Settings
from bot.matching import rankers, worker
from bot.matching.directory import Directory
from models.company import Company
from models.db import make_engine, upgrade
from tests.matching_data import ASKER, add_company, tucson_directory

TODAY = date(2026, 12, 6)
ASKS = ["cisco uc install in tucson", "custom ip phone apps for timecards", "bakery inventory software in Germany",
        "k8s help", "UC installer near Phoenix plus timecard apps for restaurants"]


@pytest.fixture(scope="module")
def directory_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("workers") / "workers.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ids = tucson_directory(engine)
    yield engine, ids
    engine.dispose()


@pytest.fixture(scope="module")
def worker_ranker(directory_db):
    engine, _ids = directory_db
    ranker = rankers.WorkerRanker(config_for(engine), workers=1)
    yield ranker
    ranker.close()


def config_for(engine) -> worker.WorkerConfig:
    return worker.WorkerConfig(database_url=engine.url.render_as_string(hide_password=False),
                               timeouts=Settings().db_timeouts)


def answer(ranker, engine, text: str, **kw):
    with engine.connect() as conn:
        state = ranker.state(conn)
    return ranker.rank(text, state=state, today=TODAY, **kw)


def shown(ranking) -> list[dict]:
    return [m.as_dict(ranking.ask) for m in ranking.matches]


def test_a_worker_ranks_as_the_serving_process_does(directory_db, worker_ranker):
    engine, ids = directory_db
    here = rankers.InProcessRanker(Directory(engine))
    for text in ASKS:
        for kw in ({}, {"exclude_company_id": ids["Asker Voice"], "max_open": 3, "top": 3},
                   {"industry": "Restaurants", "region": "Arizona"}):
            mine, theirs = answer(here, engine, text, **kw), answer(worker_ranker, engine, text, **kw)
            assert shown(theirs) == shown(mine), (text, kw)
            assert theirs.needs == mine.needs and theirs.unmet_needs == mine.unmet_needs
    assert any(shown(answer(worker_ranker, engine, text)) for text in ASKS)  # not all empty
    assert worker_ranker.a_worker_pid() != os.getpid()


def test_an_edit_shows_in_the_workers_next_answer(directory_db, worker_ranker):
    engine, ids = directory_db
    before = worker_ranker.sync()
    assert [m["company"] for m in shown(answer(worker_ranker, engine, "sourdough robotics"))] == []
    table = Company.__table__
    with engine.begin() as conn:  # a write the serving process makes (any process: the change log)
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(
            capabilities=["sourdough robotics"]))
    assert [m["company"] for m in shown(answer(worker_ranker, engine, "sourdough robotics"))] == ["Berlin Bakery IT"]
    assert worker_ranker.loaded_seq > before
    new_id = add_company(engine, "Sourdough Bots", capabilities=["sourdough robotics", "bakery automation"])
    assert new_id in [m.company_id for m in answer(worker_ranker, engine, "sourdough robotics").matches]


def test_a_worker_that_dies_is_replaced_and_the_ask_still_answered(directory_db):
    engine, _ids = directory_db
    ranker = rankers.WorkerRanker(config_for(engine), workers=1)
    try:
        first = ranker.a_worker_pid()
        expected = shown(answer(ranker, engine, ASKS[0]))
        os.kill(first, signal.SIGKILL)  # out of memory, or an operator's mistake
        assert shown(answer(ranker, engine, ASKS[0])) == expected
        assert ranker.restarts == 1
        assert ranker.a_worker_pid() != first
    finally:
        ranker.close()
    deadline = time.monotonic() + 10
    while _alive(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(first)


def test_closing_stops_the_workers(directory_db):
    engine, _ids = directory_db
    ranker = rankers.WorkerRanker(config_for(engine), workers=1)
    pid = ranker.a_worker_pid()
    ranker.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except OSError:
        return False


def test_findpartner_over_http_is_answered_by_a_worker(make_bot):
    bot = make_bot(RANKING_WORKERS="1")
    ranker = bot.ctx.services["ranker"]
    assert isinstance(ranker, rankers.WorkerRanker)
    tucson_directory(bot.engine)
    reply = bot.slack.command("/findpartner", "cisco uc install in tucson", user_id=ASKER)
    assert reply.status == 200
    answer = bot.fake.wait_for_response(timeout=30)
    text = str(answer)
    assert "Calence" in text and "Asker Voice" not in text  # ranked, the asker's own company left out
    assert ranker.loaded_seq is not None and ranker.a_worker_pid() != os.getpid()


@pytest.mark.parametrize(("configured", "profiles", "cores", "expected"), [
    (None, 100, 2, 0),  # auto: a small directory ranks in-process
    (None, 100_000, 2, 1),  # auto: a large one in a worker ...
    (None, 100_000, 1, 0),  # ... unless there is only one core
    (0, 100_000, 2, 0),
    (3, 10, 1, 3),  # what the operator says
])
def test_how_many_workers(monkeypatch, configured, profiles, cores, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert rankers.workers_for(configured, profiles) == expected


def test_ranking_workers_setting():
    assert Settings.from_mapping({}).ranking_workers is None
    assert Settings.from_mapping({"RANKING_WORKERS": "auto"}).ranking_workers is None
    assert Settings.from_mapping({"RANKING_WORKERS": "2"}).ranking_workers == 2
    for bad, why in [("two", "neither auto nor a whole number"), ("-1", "outside 0..16"), ("99", "outside 0..16")]:
        with pytest.raises(ConfigError, match=f"RANKING_WORKERS is malformed: .*{why}"):
            Settings.from_mapping({"RANKING_WORKERS": bad})


def test_a_worker_exits_when_the_serving_process_is_killed(directory_db, tmp_path):
    """`serve` killed outright (SIGKILL, out of memory): its worker does not linger holding an index."""
    import subprocess
    import sys

    engine, _ids = directory_db
    script = tmp_path / "serving.py"
    script.write_text(
        "import time\n"
        "from bot.config import Settings\n"
        "from bot.matching import rankers, worker\n"
        "if __name__ == '__main__':  # spawned workers import this file again\n"
        f"    config = worker.WorkerConfig(database_url={engine.url.render_as_string(hide_password=False)!r},"
        " timeouts=Settings().db_timeouts)\n"
        "    ranker = rankers.WorkerRanker(config)\n"
        "    print(ranker.a_worker_pid(), flush=True)\n"
        "    time.sleep(60)\n")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=repo,
                            env={**os.environ, "PYTHONPATH": repo})
    try:
        pid = int(proc.stdout.readline())
        assert _alive(pid)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
