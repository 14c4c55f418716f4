"""Posting the digest through the fake Slack: blocks, then the chart into its thread, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.blocks.limits import check_blocks
from bot.metrics.chart import PNG_SIGNATURE
from bot.metrics.digest import CLAIM_TIMEOUT, post_digest
from models import DigestRun
from models.db import session_scope
from tests.metrics_data import END, START, ask, build_week, t

DIGEST = "C0DIGEST01"


def digest_posts(fake):
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == DIGEST]


def test_digest_tells_a_story_with_its_chart_in_the_message(bot):
    build_week(bot.engine)
    posted = post_digest(bot.ctx, start=START, end=END)
    assert posted is not None
    # The chart is uploaded first (shared with no channel, no thread) and shown in the digest itself.
    complete = bot.fake.wait_for("files.completeUploadExternal")[0]
    assert not complete.args.get("channel_id") and not complete.args.get("thread_ts")
    (png,) = bot.fake.uploads.values()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000
    (call,) = digest_posts(bot.fake)
    blocks = call.args["blocks"]
    check_blocks(blocks)
    text = str(blocks)
    assert "Partner program digest" in text and "Nov 2 – Nov 8, 2026" in text
    # Headline first, then the funnel, then what needs attention.
    story = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert story[0].startswith("*2 introductions* (+1) · *1 deal won*")
    assert story[1].startswith("*Funnel* 6 asks → 4 requests → ")
    assert story[2].startswith("*Needs attention*") and "Recruit for *drone survey*" in story[2]
    assert "Acme Phones" in text  # top connector
    fields = next(b for b in blocks if b.get("fields"))["fields"]
    assert fields[0]["text"] == "*Asks*\n6  :large_green_circle: +5"
    unmet = next(f["text"] for f in fields if f["text"].startswith("*Unmet asks*"))
    assert ":red_circle: +" in unmet  # more unmet asks is bad news
    (image,) = [b for b in blocks if b["type"] == "image"]
    file_id = complete.args["files"][0]["id"] if isinstance(complete.args["files"], list) else None
    assert image["slack_file"]["id"] == (file_id or image["slack_file"]["id"])
    assert image["alt_text"].startswith("Partner program trend over the last 8 weeks: asks rose from 0 to 6")
    # The chart plots the last 8 weeks; the two last are the previous and this week.
    assert posted.chart_series["asks"] == [0, 0, 0, 0, 0, 0, 1, 6]
    assert posted.chart_series["intro_requests"][-2:] == [2, 4]
    assert posted.chart_series["introduced"][-2:] == [1, 2]
    assert posted.chart_series["deals_won"][-1] == 1
    assert "$" in call.args["text"] or "deal" in call.args["text"]


def test_an_empty_period_says_so_and_has_no_chart(bot):
    posted = post_digest(bot.ctx, start=START, end=END)
    assert posted is not None and posted.chart_series is None
    (call,) = digest_posts(bot.fake)
    text = str(call.args["blocks"])
    assert "No asks this week" in text and "Every ask found a match" not in text and "image" not in text
    assert bot.fake.calls_to("files.getUploadURLExternal") == []


def test_deal_value_in_the_configured_currency(make_bot):
    bot = make_bot(DEAL_CURRENCY="EUR")
    build_week(bot.engine)
    post_digest(bot.ctx, start=START, end=END)
    (call,) = digest_posts(bot.fake)
    assert "€" in str(call.args["blocks"]) and "€" in call.args["text"]


def test_a_refused_chart_posts_the_digest_without_it(bot):
    build_week(bot.engine)
    bot.fake.inject("chat.postMessage", error="invalid_blocks")
    posted = post_digest(bot.ctx, start=START, end=END)
    assert posted is not None and posted.chart_series is None
    ok = [c for c in digest_posts(bot.fake) if c.args["_answer"].get("ok")]
    assert len(ok) == 1 and "image" not in str(ok[0].args["blocks"])


    with session_scope(bot.engine) as s:
        run = s.exec(select(DigestRun)).one()
    assert run.message_ts == posted.ts and run.posted_at is not None
    assert run.figures["asks"] == 6


def test_same_period_posts_once(bot):
    build_week(bot.engine)
    assert post_digest(bot.ctx, start=START, end=END) is not None
    assert post_digest(bot.ctx, start=START, end=END) is None
    assert len(digest_posts(bot.fake)) == 1
    # Another period is another digest.
    assert post_digest(bot.ctx, start=START - timedelta(days=7), end=START) is not None
    assert len(digest_posts(bot.fake)) == 2


def test_partner_text_is_escaped_in_the_digest(bot):
    with session_scope(bot.engine) as s:
        ask(s, None, t(11, 3), ["<!channel> ping"], unmet=True)
    post_digest(bot.ctx, start=START, end=END)
    text = str(digest_posts(bot.fake)[0].args["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt; ping" in text


def test_failed_post_is_retried_after_the_claim_times_out(bot):
    build_week(bot.engine)
    bot.fake.inject("chat.postMessage", error="channel_not_found")
    with pytest.raises(Exception):
        post_digest(bot.ctx, start=START, end=END)
    # Claimed but never posted: a run right away leaves it alone (the poster may be slow) ...
    assert post_digest(bot.ctx, start=START, end=END) is None
    # ... a run after the claim timed out takes it over, once.
    bot.clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 1)
    assert post_digest(bot.ctx, start=START, end=END) is not None
    assert post_digest(bot.ctx, start=START, end=END) is None
    ok = [c for c in digest_posts(bot.fake) if c.args["_answer"].get("ok")]
    assert len(ok) == 1


def test_chart_upload_failure_does_not_repost(bot):
    bot.fake.inject("files.getUploadURLExternal", error="not_allowed")
    assert post_digest(bot.ctx, start=START, end=END) is not None
    assert post_digest(bot.ctx, start=START, end=END) is None
    assert len(digest_posts(bot.fake)) == 1
