"""Issue 11's "done": a follow-up DM goes through the (rule-enforcing) fake Slack, a deal reported
through it shows in the next digest — in words an executive reads, with its currency."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.scheduling import run_due
from tests.intro_setup import TARGET_USER, introduce, seed
from tests.slackrequests import text_value


def test_a_deal_reported_in_the_followup_shows_in_the_next_digest(bot):
    s = seed(bot.engine)
    introduce(bot, s)
    bot.clock.advance(days=bot.settings.followup_days + 1)
    run_due(bot.ctx)
    (ask,) = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == TARGET_USER
              and "followup_deal_won" in json.dumps(c.args.get("blocks"))]
    assert ask.args["_answer"]["ok"]  # Slack (the fake, enforcing Slack's rules) accepted it
    won = next(e for b in ask.args["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == "followup_deal_won")
    bot.slack.block_action(won["action_id"], won["value"], user_id=TARGET_USER, channel_id=TARGET_USER,
                           message={"ts": ask.args["_answer"]["ts"], "text": "", "blocks": []})
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("185,000")}},
                              user_id=TARGET_USER, private_metadata=view["private_metadata"])
    bot.fake.wait_for("chat.update", where=lambda c: c.args["channel"] == TARGET_USER)

    # The next Monday 09:00 (DIGEST_CRON's default) the digest goes out.
    now = bot.clock.now()
    monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(hour=9, minute=5, second=0, microsecond=0)
    bot.clock.set(monday)
    assert run_due(bot.ctx, monday)["digest"] == 1
    digest = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0DIGEST01"][-1]
    assert digest.args["_answer"]["ok"]
    headline = next(b["text"]["text"] for b in digest.args["blocks"] if b["type"] == "section" and "text" in b)
    assert "*1 deal won* worth *$185k*" in headline
    assert "1 deal won" in digest.args["text"] and "$185k" in digest.args["text"]
