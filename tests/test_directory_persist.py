"""A start loads the saved index (and the matching data) instead of building them, then applies
the changes made since it was saved; a file from other code or another database is not used."""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import pytest
from sqlalchemy import text, update

from bot.config import Settings
from bot.matching import directory as directory_module
from bot.matching import persist
from bot.matching.cli import match_cli
from bot.matching.directory import Directory
from models.company import Company
from models.db import make_engine, upgrade
from tests.matching_data import add_company, tucson_directory

TODAY = date(2026, 11, 2)


def names(ranking) -> list[str]:
    return [m.company for m in ranking.matches]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(directory_module, "PERSIST_FROM", 3)
    return tmp_path / "cache"


def started(engine) -> Directory:
    directory = Directory(engine)
    directory.sync()
    if directory.saving is not None:
        directory.saving.join(30)
    return directory


def test_a_restart_loads_the_saved_index_and_applies_the_changes_since(sqlite_engine, cache, caplog):
    ids = tucson_directory(sqlite_engine)
    first = started(sqlite_engine)
    assert first.saving is not None and list(cache.glob("index-*.pickle"))
    table = Company.__table__
    with sqlite_engine.begin() as conn:  # edited while the bot was down
        conn.execute(update(table).where(table.c.id == ids["Berlin Bakery IT"]).values(
            capabilities=["sourdough robotics"]))
    add_company(sqlite_engine, "New Bakery", capabilities=["bakery inventory software"])
    caplog.set_level(logging.INFO, logger="bot")
    restarted = Directory(sqlite_engine)
    assert names(restarted.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]
    assert names(restarted.rank("bakery inventory software", today=TODAY)) == ["New Bakery"]
    assert "loaded from" in caplog.text and "built in" not in caplog.text
    assert restarted.saving is None  # nothing rebuilt, nothing saved again
    assert restarted.index.live == first.index.live + 1


def test_a_file_of_another_database_or_a_broken_file_is_rebuilt(sqlite_engine, cache, caplog):
    tucson_directory(sqlite_engine)
    started(sqlite_engine)
    with sqlite_engine.begin() as conn:  # the database was recreated at the same URL
        conn.execute(text("UPDATE change_counter SET seq = seq + 1 WHERE name = 'database'"))
    caplog.set_level(logging.DEBUG, logger="bot")
    again = Directory(sqlite_engine)
    assert "Calence" in names(again.rank("UC install in Tucson", today=TODAY))
    assert "loaded from" not in caplog.text and "built in" in caplog.text
    again.saving.join(30)
    for path in cache.glob("index-*.pickle"):
        path.write_bytes(b"not a pickle")
    caplog.clear()
    third = Directory(sqlite_engine)
    assert "Calence" in names(third.rank("UC install in Tucson", today=TODAY))
    assert "cannot read" in caplog.text and "built in" in caplog.text


def test_matching_data_is_saved_once_and_gives_the_same_answers(sqlite_engine, cache, monkeypatch):
    tucson_directory(sqlite_engine)
    built = names(Directory(sqlite_engine).rank("cisco UC install plus custom ip phone apps", today=TODAY))
    monkeypatch.setattr(persist, "_data", None)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "matching-0123456789abcdef0123.pickle").write_bytes(b"saved by an earlier version")
    persist.matching_data()
    assert [p.name for p in cache.glob("matching-*.pickle")] == [f"matching-{persist.fingerprint()}.pickle"]
    monkeypatch.setattr(persist, "_data", None)
    vocab, _gaz = persist.matching_data()  # from the file this time
    assert vocab.concepts
    assert names(Directory(sqlite_engine).rank("cisco UC install plus custom ip phone apps", today=TODAY)) == built


def test_the_saved_matching_data_keeps_the_cities_and_the_vocabularys_derived_sets(cache, monkeypatch):
    from bot.matching.places import gazetteer

    monkeypatch.setattr(persist, "_data", None)
    built_vocab, built = persist.matching_data()
    monkeypatch.setattr(persist, "_data", None)
    vocab, loaded = persist.matching_data()  # from the file
    assert loaded is gazetteer() and loaded is not built
    for name in ("tucson", "new york", "frankfurt", "vegas"):
        assert loaded.city_names[name] == built.city_names[name]
        assert loaded.city_rows[loaded.city_names[name][0]] == built.city_rows[built.city_names[name][0]]
    assert loaded.city_rows[loaded.city_names["tucson"][0]] == ("Tucson", "US", "US-AZ", 32.22174, -110.92648, 542629)
    assert "no such place" not in loaded.city_names and len(loaded.city_rows) == len(built.city_rows) > 30_000
    # Derived when the data was built, not at each start.
    for name in ("known_tokens", "stem_concepts", "industry_tokens", "_stopword_stems"):
        assert name in vars(vocab) and vars(vocab)[name] == getattr(built_vocab, name)


def test_match_migrates_a_database_that_is_not_migrated_yet(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    out = io.StringIO()
    assert match_cli(Settings(), engine, "UC install in Tucson", top=3, as_json=True, out=out, migrate=upgrade) == 0
    assert out.getvalue().strip() == "[]"
    tucson_directory(engine)
    out = io.StringIO()
    assert match_cli(Settings(), engine, "UC install in Tucson", top=3, as_json=True, out=out) == 0
    assert len(json.loads(out.getvalue())) == 3
    engine.dispose()


def test_a_file_others_may_write_is_never_loaded(sqlite_engine, cache, caplog):
    tucson_directory(sqlite_engine)
    started(sqlite_engine)
    (saved,) = cache.glob("index-*.pickle")
    saved.chmod(0o666)
    caplog.set_level(logging.INFO, logger="bot")
    again = Directory(sqlite_engine)
    assert "Calence" in names(again.rank("UC install in Tucson", today=TODAY))
    assert "not this user's own file" in caplog.text and "built in" in caplog.text


def test_a_save_cut_short_leaves_no_file_behind_for_good(sqlite_engine, cache):
    """A process stopped while saving leaves its temporary file; the next save removes one that
    nobody has written to for a while, and leaves a fresh one (another replica's save) alone."""
    import os
    import time

    tucson_directory(sqlite_engine)
    path = persist.index_path(sqlite_engine.url.render_as_string(hide_password=False))
    cache.mkdir(parents=True, exist_ok=True)
    torn, fresh = (cache / f"{path.name}{suffix}.tmp" for suffix in ("abc123", "def456"))
    torn.write_bytes(b"half a pickle")
    fresh.write_bytes(b"being written")
    old = time.time() - persist.TORN_AFTER_S - 60
    os.utime(torn, (old, old))
    started(sqlite_engine)
    assert path.exists() and not torn.exists() and fresh.exists()
