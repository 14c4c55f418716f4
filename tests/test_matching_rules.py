"""The matcher's rules over a real database (SQLite and PostgreSQL): who may be proposed,
geography, multi-need coverage, determinism, and the index keeping in step with the DB."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

from bot.config import Settings
from bot.matching.cli import match_cli
from bot.matching.directory import Directory
from models.ask import Ask
from models.company import Company
from models.db import session_scope
from models.introduction import Introduction
from tests.matching_data import add_company, tucson_directory

TODAY = date(2026, 11, 2)
UC = dict(partner_type="installer", capabilities=["unified communications installation"])


def names(ranking) -> list[str]:
    """Who is proposed (strong matches; weak leads are not proposals)."""
    return [m.company for m in ranking.strong]


def test_own_company_full_paused_and_busy_partners_are_not_proposed(engine):
    ids = {name: add_company(engine, name, regions=["Arizona"], **UC)
           for name in ["Mine", "Full", "Paused", "Paused until yesterday", "Busy", "Open", "Limited"]}
    with session_scope(engine) as s:
        s.get(Company, ids["Full"]).capacity = "full"
        s.get(Company, ids["Limited"]).capacity = "limited"
        s.get(Company, ids["Paused"]).paused = True
        old = s.get(Company, ids["Paused until yesterday"])
        old.paused, old.paused_until = True, TODAY - timedelta(days=1)
        ask = Ask(asker_user_id="U0X", text="x")
        s.add(ask)
        s.flush()
        for n in range(2):
            other = Ask(asker_user_id="U0X", text=f"x{n}")
            s.add(other)
            s.flush()
            s.add(Introduction(ask_id=other.id, requester_user_id="U0X", target_company_id=ids["Busy"]))
    ranking = Directory(engine).rank("UC installer in Tucson", today=TODAY, exclude_company_id=ids["Mine"],
                                     max_open=2, top=10)
    assert set(names(ranking)) == {"Open", "Paused until yesterday", "Limited"}
    assert names(ranking)[-1] == "Limited"  # limited ranks lower than an equal open partner
    assert "limited capacity right now" in ranking.matches[-1].reasons
    # With a higher limit the busy partner comes back.
    again = Directory(engine).rank("UC installer in Tucson", today=TODAY, exclude_company_id=ids["Mine"],
                                   max_open=3, top=10)
    assert "Busy" in names(again)


def test_geography_local_above_nearby_above_country_above_global_and_elsewhere_out(engine):
    for name, regions in [("Global Co", ["global"]), ("Tucson Co", ["Tucson, AZ"]), ("Phoenix Co", ["Phoenix"]),
                          ("Arizona Co", ["AZ"]), ("USA Co", ["United States"]), ("Berlin Co", ["Germany"]),
                          ("Nowhere Co", [])]:
        add_company(engine, name, regions=regions, **UC)
    ranking = Directory(engine).rank("unified communications installation in Tucson", today=TODAY, top=10)
    order = names(ranking)
    assert order[:5] == ["Tucson Co", "Arizona Co", "Phoenix Co", "USA Co", "Global Co"]
    assert "Berlin Co" not in order
    reasons = {m.company: m.reasons for m in ranking.matches}
    assert "serves Arizona — includes Tucson" in reasons["Arizona Co"]
    assert any("km from Tucson" in r for r in reasons["Phoenix Co"])
    assert "serves everywhere (global)" in reasons["Global Co"]


def test_an_ask_for_a_wide_area_finds_partners_inside_it(engine):
    add_company(engine, "Frankfurt SOC", capabilities=["security operations center"], regions=["Frankfurt"])
    add_company(engine, "Tokyo SOC", capabilities=["security operations center"], regions=["Japan"])
    ranking = Directory(engine).rank("SOC in EMEA", today=TODAY)
    assert names(ranking) == ["Frankfurt SOC"]
    assert any("in EMEA" in r for r in ranking.matches[0].reasons)


def test_multi_need_ask_shows_who_covers_which_part(engine):
    tucson_directory(engine)
    ranking = Directory(engine).rank("cisco UC install plus custom ip phone apps for timecards", today=TODAY)
    assert ranking.needs == ["cisco UC install", "custom ip phone apps for timecards"]
    cover = {need: [m.company for m in ms][:1] for need, ms in ranking.coverage()}
    assert cover["cisco UC install"] in (["Calence"], ["Asker Voice"])
    assert cover["custom ip phone apps for timecards"] == ["IPcelerate"]
    assert set(names(ranking)[:2]) & {"Calence", "Asker Voice"} and "IPcelerate" in names(ranking)[:2]
    for match in ranking.matches:  # every partner shown says what it matched, covering a part or not
        assert any(not r.startswith("serves") for r in match.reasons), match


def test_ranking_is_deterministic_and_ties_do_not_always_favour_one_partner(engine):
    for name in ["Twin A", "Twin B"]:
        add_company(engine, name, **UC)
    directory = Directory(engine)
    asks = [f"unified communications installation {w}" for w in
            ["please", "soon", "today", "asap", "quickly", "urgently", "fast", "now"]]
    firsts = [names(directory.rank(a, today=TODAY))[0] for a in asks]
    assert firsts == [names(Directory(engine).rank(a, today=TODAY))[0] for a in asks]
    assert set(firsts) == {"Twin A", "Twin B"}


def test_profile_changes_show_without_a_full_rebuild(engine, monkeypatch):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    full_loads = []
    monkeypatch.setattr(directory, "_full_load", lambda conn: full_loads.append(1))
    later = datetime.now(UTC) + timedelta(seconds=2)
    with session_scope(engine) as s:
        c = s.get(Company, ids["Berlin Bakery IT"])
        c.capabilities = ["sourdough robotics"]
        c.updated_at = later
    assert names(directory.rank("bakery inventory software", today=TODAY)) == []
    assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]
    ids["New Bakery"] = add_company(engine, "New Bakery", capabilities=["bakery inventory software"], when=later)
    assert names(directory.rank("bakery inventory software", today=TODAY)) == ["New Bakery"]
    # Pause and delete are seen even when the writer did not bump updated_at.
    with session_scope(engine) as s:
        s.get(Company, ids["Berlin Bakery IT"]).paused = True
    assert names(directory.rank("sourdough robotics", today=TODAY)) == []
    with session_scope(engine) as s:
        s.get(Company, ids["Berlin Bakery IT"]).paused = False
    assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]
    with session_scope(engine) as s:
        s.get(Company, ids["New Bakery"]).deleted_at = later
    assert names(directory.rank("bakery inventory software", today=TODAY)) == []
    assert full_loads == []


def test_an_edit_stamped_with_an_older_clock_is_still_seen(engine):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    with session_scope(engine) as s:  # another writer's clock is weeks behind
        c = s.get(Company, ids["Berlin Bakery IT"])
        c.capabilities = ["sourdough robotics"]
        c.updated_at = datetime(2026, 1, 1, tzinfo=UTC)
    assert names(directory.rank("sourdough robotics", today=TODAY)) == ["Berlin Bakery IT"]


def test_a_hard_deleted_row_triggers_a_reload(engine):
    ids = tucson_directory(engine)
    directory = Directory(engine)
    assert "Berlin Bakery IT" in names(directory.rank("bakery inventory software", today=TODAY))
    with session_scope(engine) as s:
        s.delete(s.get(Company, ids["Berlin Bakery IT"]))
    assert names(directory.rank("bakery inventory software", today=TODAY)) == []


def test_match_cli_prints_json_and_an_empty_list_for_no_match(sqlite_engine):
    tucson_directory(sqlite_engine)
    out = io.StringIO()
    assert match_cli(Settings(), sqlite_engine, "UC install in Tucson", top=2, as_json=True, out=out) == 0
    items = json.loads(out.getvalue())
    assert len(items) == 2
    for item in items:
        assert set(item) >= {"company", "score", "partner_type", "reasons", "confidence"}
        assert 0 <= item["score"] <= 100 and item["reasons"] and item["confidence"] == "strong"
    assert items[0]["score"] >= items[1]["score"]
    out = io.StringIO()
    assert match_cli(Settings(), sqlite_engine, "underwater basket weaving", top=5, as_json=True, out=out) == 0
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    assert match_cli(Settings(), sqlite_engine, "UC install in Tucson", top=5, as_json=False, out=out) == 0
    assert "Calence" in out.getvalue() and "score" in out.getvalue()


def test_demo_loads_the_sample_and_is_idempotent(tmp_path, monkeypatch):
    from bot.cli import main
    from models.company import list_companies
    from models.db import make_engine

    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)
    for _ in range(2):
        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        assert main(["--env-file", str(tmp_path / "none.env"), "demo"]) == 0
    text = out.getvalue()
    assert "Calence" in text and "IPcelerate" in text and "Who covers which part" in text
    engine = make_engine(f"sqlite:///{tmp_path / 'partnerbot.db'}")
    with session_scope(engine) as s:
        companies = list_companies(s)
    engine.dispose()
    assert len(companies) >= 60
    assert len({c.partner_type.lower() for c in companies}) >= 9


def test_warm_up_builds_the_index_in_the_background_only_for_a_large_directory(sqlite_engine, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from bot.context import BotContext
    from bot.matching import service

    tucson_directory(sqlite_engine)
    for threshold, built in [(100, False), (3, True)]:
        monkeypatch.setattr(service, "WARM_UP_FROM", threshold)
        ctx = BotContext(settings=Settings(), engine=sqlite_engine, client=None, executor=ThreadPoolExecutor(1))
        service.warm_up(ctx)
        ctx.executor.shutdown(wait=True)
        assert (ctx.services["directory"].loaded is not None) is built
        if built:
            assert ctx.services["directory"].index.live == 6
