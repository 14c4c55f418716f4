"""Participation nudges: who gets one, at most one a month, never the paused or no-fit ones."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.blocks.limits import check_blocks
from bot.blocks.nudge import nudge_blocks, nudge_text
from bot.metrics.nudges import nudge_candidates, send_nudges
from models import Company, Nudge
from models.db import session_scope
from tests.metrics_data import build_week, t


def dms(fake):
    return [c for c in fake.calls_to("chat.postMessage") if c.args["channel"].startswith("U")]


def test_candidates_and_their_gaps(engine):
    ids = build_week(engine)
    with session_scope(engine) as s:
        found = nudge_candidates(s, now=t(11, 9, 10), month="2026-11")
    # Acme: an unanswered follow-up and a stale profile. Foxtrot: idle all quarter. Bravo answered
    # "no fit" this quarter: not nagged. Delta is new; Echo is deleted; Cobalt is active.
    assert found == [
        {"company_id": ids["A"], "name": "Acme Phones", "user_id": "U0ACME001",
         "kinds": ["unanswered_intro", "stale_profile"]},
        {"company_id": ids["F"], "name": "Foxtrot Idle", "user_id": "U0FOXTR01", "kinds": ["inactive"]},
    ]


def test_one_nudge_a_month_with_buttons(bot):
    ids = build_week(bot.engine)
    assert send_nudges(bot.ctx, now=t(11, 9, 10)) == 2
    sent = dms(bot.fake)
    assert sorted(c.args["channel"] for c in sent) == ["U0ACME001", "U0FOXTR01"]
    blocks = next(c for c in sent if c.args["channel"] == "U0FOXTR01").args["blocks"]
    check_blocks(blocks)
    buttons = {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    assert buttons == {"profile_refresh": str(ids["F"]), "profile_pause": str(ids["F"])}
    # Later the same month: nothing more.
    assert send_nudges(bot.ctx, now=t(11, 20, 10)) == 0
    assert send_nudges(bot.ctx, now=t(11, 30, 23, 59)) == 0
    assert len(dms(bot.fake)) == 2
    # Next month, still idle: one more each.
    assert send_nudges(bot.ctx, now=t(12, 2, 10)) == 2
    with session_scope(bot.engine) as s:
        months = sorted((n.company_id, n.month) for n in s.exec(select(Nudge)))
    assert months == [(ids["A"], "2026-11"), (ids["A"], "2026-12"), (ids["F"], "2026-11"), (ids["F"], "2026-12")]


def test_paused_partner_is_not_nagged(bot):
    ids = build_week(bot.engine)
    with session_scope(bot.engine) as s:
        s.get(Company, ids["F"]).paused = True
    assert send_nudges(bot.ctx, now=t(11, 9, 10)) == 1
    assert [c.args["channel"] for c in dms(bot.fake)] == ["U0ACME001"]


def test_pause_that_ended_nags_again(bot):
    ids = build_week(bot.engine)
    with session_scope(bot.engine) as s:
        company = s.get(Company, ids["F"])
        company.paused, company.paused_until = True, t(11, 5).date()
    assert send_nudges(bot.ctx, now=t(11, 9, 10)) == 2


def test_failed_dm_is_released_for_a_later_run(bot):
    build_week(bot.engine)
    bot.fake.inject("chat.postMessage", error="user_not_found", times=2)
    assert send_nudges(bot.ctx, now=t(11, 9, 10)) == 0
    assert send_nudges(bot.ctx, now=t(11, 10, 10)) == 2


@pytest.mark.parametrize("kinds", [["inactive"], ["unanswered_intro", "stale_profile", "inactive"]])
def test_nudge_blocks_are_within_limits_and_escape_the_name(kinds):
    blocks = nudge_blocks(company_id=7, company_name="<!channel> & Co", kinds=kinds)
    check_blocks(blocks)
    assert "&lt;!channel&gt; &amp; Co" in blocks[0]["text"]["text"]
    assert "<!channel>" not in nudge_text("<!channel> & Co")


def test_pause_button_of_the_nudge_stops_the_nudges(bot):
    import time

    ids = build_week(bot.engine)
    bot.clock.set(t(11, 9, 10))
    send_nudges(bot.ctx, now=t(11, 9, 10))
    dm = next(c for c in dms(bot.fake) if c.args["channel"] == "U0FOXTR01")
    message = {"ts": dm.args["_answer"]["ts"], "text": dm.args.get("text", ""), "blocks": dm.args["blocks"]}
    reply = bot.slack.block_action("profile_pause", str(ids["F"]), user_id="U0FOXTR01", channel_id="D0FOXTR01",
                                   message=message)
    assert reply.status == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope(bot.engine) as s:
            if s.get(Company, ids["F"]).paused:
                break
        time.sleep(0.1)
    with session_scope(bot.engine) as s:
        assert s.get(Company, ids["F"]).paused
    bot.fake.reset()
    # Next month only Acme is nudged: Foxtrot paused itself from the nudge.
    assert send_nudges(bot.ctx, now=t(12, 2, 10)) == 1
    assert [c.args["channel"] for c in dms(bot.fake)] == ["U0ACME001"]
