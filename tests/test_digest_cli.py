"""`partnerbot digest`: the table, the JSON contract, --post once per period."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.metrics.cli import digest_cli, whole_days_period
from models.db import make_engine
from models.db import session_scope
from tests.conftest import MANAGER
from tests.metrics_data import END, EXPECTED, START, ask, build_week, t

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_KEYS = {"period_start", "period_end", "asks", "unmet_asks", "intro_requests", "approved", "declined",
                 "introduced", "deals_won", "deal_value", "active_partners", "total_partners", "participation_rate",
                 "approval_hours_median", "top_unmet_needs"}


def test_period_is_whole_days_in_the_digest_time_zone():
    assert whole_days_period(t(11, 9, 15), days=7, tz="UTC") == (START, END)
    # 02:00 UTC on Nov 9 is still Nov 8 in Phoenix (UTC-7): the period ends at Nov 8, 07:00 UTC.
    start, end = whole_days_period(t(11, 9, 2), days=1, tz="America/Phoenix")
    assert (start, end) == (t(11, 7, 7), t(11, 8, 7))


def test_json_has_the_contract_keys_and_known_figures(bot):
    build_week(bot.engine)
    bot.clock.set(END)  # at midnight the last 7 days up to now are the 7 whole days
    out = io.StringIO()
    assert digest_cli(bot.ctx, days=7, as_json=True, post=False, out=out) == 0
    data = json.loads(out.getvalue())
    assert CONTRACT_KEYS <= set(data)
    assert data["period_start"] == START.isoformat() and data["period_end"] == END.isoformat()
    for key in ("asks", "unmet_asks", "intro_requests", "approved", "declined", "introduced", "deals_won",
                "deal_value", "active_partners", "total_partners", "participation_rate", "approval_hours_median"):
        assert data[key] == EXPECTED[key], key
    assert data["top_unmet_needs"] == ["drone survey", "quantum widgets"]
    assert bot.fake.calls_to("chat.postMessage") == []


def test_table_is_readable(bot):
    build_week(bot.engine)
    bot.clock.set(END)
    out = io.StringIO()
    assert digest_cli(bot.ctx, days=7, as_json=False, post=False, out=out) == 0
    text = out.getvalue()
    asks_line = next(line for line in text.splitlines() if line.startswith("Asks "))
    assert asks_line.split() == ["Asks", "6", "+5"]
    assert "60.0%" in text and "drone survey" in text and "Acme Phones" in text


def test_printing_counts_the_last_days_up_to_now_as_partnerstats_does(bot):
    """Right after `make demo` (profiles made today) the digest counts them: today is included."""
    from bot.metrics.stats import partnerstats

    build_week(bot.engine)
    with session_scope(bot.engine) as s:
        ask(s, None, t(11, 9, 10), ["made today"], unmet=True)
    bot.clock.set(t(11, 9, 15))
    out = io.StringIO()
    assert digest_cli(bot.ctx, days=7, as_json=True, post=False, out=out) == 0
    data = json.loads(out.getvalue())
    assert data["period_end"] == t(11, 9, 15).isoformat() and data["period_start"] == t(11, 2, 15).isoformat()
    assert "made today" in data["top_unmet_needs"]
    _text, blocks = partnerstats(bot.ctx, user_id=MANAGER, days=7)
    fields = [f["text"] for b in blocks if b.get("fields") for f in b["fields"]]
    assert any(f.startswith(f"*Unmet asks*\n{data['unmet_asks']}") for f in fields)  # the same count


def test_post_says_it_covers_whole_days(bot):
    build_week(bot.engine)
    bot.clock.set(t(11, 9, 15))
    assert digest_cli(bot.ctx, days=7, as_json=False, post=True, out=io.StringIO()) == 0
    (post,) = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST01"]
    shown = str(post.args["blocks"])
    assert "Nov 2 – Nov 8, 2026" in shown and "whole days in UTC, today not yet included" in shown


def test_posted_whole_days_count_partners_as_they_are_now(bot):
    """A profile made this morning is in the program, though the posted days end at midnight."""
    from tests.metrics_data import company

    build_week(bot.engine)
    with session_scope(bot.engine) as s:
        company(s, "Made Today", created=t(11, 9, 10))
    bot.clock.set(t(11, 9, 15))
    assert digest_cli(bot.ctx, days=7, as_json=False, post=True, out=io.StringIO()) == 0
    (post,) = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST01"]
    assert f"{EXPECTED['total_partners'] + 1} partners in the program" in str(post.args["blocks"])


def test_post_posts_once_per_period(bot, capsys):
    build_week(bot.engine)
    bot.clock.set(t(11, 9, 15))
    for _ in range(2):
        assert digest_cli(bot.ctx, days=7, as_json=False, post=True, out=io.StringIO()) == 0
    posts = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST01"]
    assert len(posts) == 1


def test_bad_days_and_missing_channel(make_bot, capsys):
    harness = make_bot(DIGEST_CHANNEL="")
    assert digest_cli(harness.ctx, days=0, as_json=False, post=False, out=io.StringIO()) == 2
    assert "--days" in capsys.readouterr().err
    assert digest_cli(harness.ctx, days=7, as_json=False, post=True, out=io.StringIO()) == 2
    assert "DIGEST_CHANNEL" in capsys.readouterr().err


@pytest.mark.slow  # a subprocess
def test_command_line_prints_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "DIGEST_"))}
    env["DATABASE_URL"] = url
    first = subprocess.run([sys.executable, "-m", "bot", "--env-file", "/nonexistent", "db", "upgrade"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    engine = make_engine(url)
    build_week(engine)
    engine.dispose()
    done = subprocess.run([sys.executable, "-m", "bot", "--env-file", "/nonexistent", "digest", "--days", "3650",
                           "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert CONTRACT_KEYS <= set(data)
    assert data["asks"] == 9  # every ask of the hand-built year, the boundary one included


def test_post_refused_by_slack_exits_1_with_the_reason(bot, capsys):
    bot.clock.set(t(11, 9, 15))
    bot.fake.inject("chat.postMessage", error="channel_not_found")
    assert digest_cli(bot.ctx, days=7, as_json=False, post=True, out=io.StringIO()) == 1
    assert "channel_not_found" in capsys.readouterr().err
