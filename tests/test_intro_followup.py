"""Follow-up FOLLOWUP_DAYS after the introduction, one reminder, outcomes recorded."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from bot.introductions.service import DEAL_VALUE_HINT
from bot.metrics.cli import digest_cli
from bot.metrics.digest import post_digest
from bot.scheduling import run_due
from bot.slack_client import ServerErrorRetryHandler
from models.introduction import IntroState
from tests.intro_setup import REQUESTER_USER, TARGET_USER, audit_actions, intro, introduce, outcomes, seed, wait_until
from tests.slackrequests import text_value


def _followups(bot):
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if any(b.get("type") == "actions" and str(b.get("block_id", "")).startswith("followup_")
                   for b in c.args.get("blocks") or [])]


def _click(bot, call, outcome: str, user: str):
    buttons = [e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    button = next(e for e in buttons if json.loads(e["value"])["outcome"] == outcome)
    return bot.slack.block_action(button["action_id"], button["value"], user_id=user, channel_id=call.args["channel"],
                                  message={"ts": call.args["_answer"]["ts"], "text": "", "blocks": []})


def test_followup_reminder_and_outcomes(bot_any_db):
    bot = bot_any_db
    s = seed(bot.engine)
    row = introduce(bot, s)

    bot.clock.advance(days=13)
    assert run_due(bot.ctx)["intro_followups"] == 0
    bot.clock.advance(days=2)  # 15 days > FOLLOWUP_DAYS (14)
    assert run_due(bot.ctx)["intro_followups"] == 2
    asked = _followups(bot)
    assert sorted(c.args["channel"] for c in asked) == sorted([REQUESTER_USER, TARGET_USER])
    labels = [e["text"]["text"] for b in asked[0].args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Working together", "Deal won", "No fit", "Not yet"]
    assert run_due(bot.ctx)["intro_followups"] == 0  # once

    # The requester answers "Working together".
    to_requester = next(c for c in asked if c.args["channel"] == REQUESTER_USER)
    assert _click(bot, to_requester, "working_together", REQUESTER_USER).status == 200
    update = bot.fake.wait_for("chat.update", where=lambda c: c.args["channel"] == REQUESTER_USER)[0]
    assert "Working together" in str(update.args["blocks"]) and "followup_" not in str(update.args["blocks"])
    assert [(o.company_id, o.outcome) for o in outcomes(bot.engine)] == [(s.requester_id, "working_together")]
    assert intro(bot.engine, row.id).state == IntroState.CLOSED  # no longer counts as open

    # A week later only the partner who did not answer is reminded, once.
    bot.clock.advance(days=6)
    assert run_due(bot.ctx)["intro_reminders"] == 0
    bot.clock.advance(days=1)
    assert run_due(bot.ctx)["intro_reminders"] == 1
    reminders = _followups(bot)[2:]
    assert [c.args["channel"] for c in reminders] == [TARGET_USER]
    assert "Reminder" in str(reminders[0].args["blocks"])
    bot.clock.advance(days=30)
    assert run_due(bot.ctx)["intro_reminders"] == 0

    # The introduced partner won a deal: the modal asks for its value.
    assert _click(bot, reminders[0], "deal_won", TARGET_USER).status == 200
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "intro_deal_value"
    bad = bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("lots")}},
                                    user_id=TARGET_USER, private_metadata=view["private_metadata"])
    assert bad.json() == {"response_action": "errors",
                          "errors": {"deal_value": DEAL_VALUE_HINT}}
    ok = bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("$25,000.50")}},
                                   user_id=TARGET_USER, private_metadata=view["private_metadata"])
    assert ok.status == 200 and not ok.body
    bot.fake.wait_for("chat.update", where=lambda c: c.args["channel"] == TARGET_USER)
    got = {o.company_id: (o.outcome, o.deal_value) for o in outcomes(bot.engine)}
    assert got == {s.requester_id: ("working_together", None), s.target_id: ("deal_won", 25000.5)}
    actions = audit_actions(bot.engine, row.id)
    assert actions.count("intro_outcome") == 2 and actions.count("intro_followup") == 1
    assert actions.count("intro_reminder") == 1

    # The deal reported through the follow-up shows in the next digest (and in `digest --json`).
    bot.clock.advance(seconds=1)  # the period ends at "now"; the answer was recorded at the old now
    out = io.StringIO()
    assert digest_cli(bot.ctx, days=7, as_json=True, post=False, out=out) == 0
    figures = json.loads(out.getvalue())
    assert (figures["deals_won"], figures["deal_value"]) == (1, 25000.5), figures
    bot.clock.advance(days=1)  # the digest posts whole days: tomorrow's covers today
    posted = post_digest(bot.ctx, start=bot.clock.now() - timedelta(days=7), end=bot.clock.now(),
                         channel="C0DIGEST01")
    assert posted is not None
    digest = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C0DIGEST01")[-1]
    assert digest.args["_answer"]["ok"], digest.args["_answer"]  # Slack's rules accepted it
    assert "1 deal won" in json.dumps(digest.args["blocks"]) and "$25" in json.dumps(digest.args["blocks"])


def test_deal_value_is_optional_and_answers_can_change(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    bot.clock.advance(days=15)
    run_due(bot.ctx)
    to_target = next(c for c in _followups(bot) if c.args["channel"] == TARGET_USER)
    _click(bot, to_target, "no_fit", TARGET_USER)
    wait_until(lambda: len(outcomes(bot.engine)) == 1)
    assert outcomes(bot.engine)[0].outcome == "no_fit"
    _click(bot, to_target, "deal_won", TARGET_USER)
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("")}},
                              user_id=TARGET_USER, private_metadata=view["private_metadata"])
    wait_until(lambda: outcomes(bot.engine)[0].outcome == "deal_won")
    assert [(o.outcome, o.deal_value) for o in outcomes(bot.engine)] == [("deal_won", None)]
    assert intro(bot.engine, row.id).state == IntroState.CLOSED


def test_an_outsider_cannot_answer(bot):
    s = seed(bot.engine)
    introduce(bot, s)
    bot.clock.advance(days=15)
    run_due(bot.ctx)
    to_target = next(c for c in _followups(bot) if c.args["channel"] == TARGET_USER)
    _click(bot, to_target, "working_together", "U0STRANGER")
    reply = bot.fake.wait_for_response(3)[-1]
    assert "Only the two introduced partners" in reply["text"]
    assert outcomes(bot.engine) == []


def test_no_followup_for_a_not_a_fit_introduction(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    bot.slack.view_submission("intro_not_a_fit_reason", {"not_a_fit_reason": {"not_a_fit_reason": {
        "type": "static_select", "selected_option": {"value": "expertise"}}}}, user_id=TARGET_USER,
        private_metadata=str(row.id))
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.NOT_A_FIT)
    bot.clock.advance(days=30)
    assert run_due(bot.ctx)["intro_followups"] == 0
    assert run_due(bot.ctx)["intro_reminders"] == 0


def test_followup_not_answered_by_slack_is_retried_with_backoff_and_sent_once(bot):
    """Claim -> send -> on failure release with a backoff: a DM Slack did not answer is tried
    again later; a DM Slack accepted is never sent twice."""
    s = seed(bot.engine)
    introduce(bot, s)
    bot.clock.advance(days=15)
    # Slack answers 503 to the first DM, and to each of the client's own retries.
    server_errors = next(h for h in bot.ctx.client.retry_handlers if isinstance(h, ServerErrorRetryHandler))
    bot.fake.inject("chat.postMessage", status=503, times=1 + server_errors.max_retry_count)
    assert run_due(bot.ctx)["intro_followups"] == 1  # the other partner was asked
    first = {c.args["channel"] for c in _followups(bot) if c.args.get("_answer", {}).get("ok")}
    assert len(first) == 1
    assert run_due(bot.ctx)["intro_followups"] == 0  # released with a backoff: not yet again
    bot.clock.advance(minutes=2)
    assert run_due(bot.ctx)["intro_followups"] == 1  # the retry reaches the one who missed it
    delivered = [c.args["channel"] for c in _followups(bot) if c.args.get("_answer", {}).get("ok")]
    assert sorted(delivered) == sorted([REQUESTER_USER, TARGET_USER])  # each exactly once
    bot.clock.advance(days=1)
    assert run_due(bot.ctx)["intro_followups"] == 0


def test_followup_refused_by_slack_is_not_retried(bot):
    s = seed(bot.engine)
    introduce(bot, s)
    bot.clock.advance(days=15)
    bot.fake.inject("chat.postMessage", error="user_not_found")
    assert run_due(bot.ctx)["intro_followups"] == 1
    bot.clock.advance(days=1)
    assert run_due(bot.ctx)["intro_followups"] == 0
    assert len(_followups(bot)) == 2  # one refused, never tried again; one delivered
    assert len([c for c in _followups(bot) if c.args.get("_answer", {}).get("ok")]) == 1


def test_not_yet_keeps_the_question_open_and_says_when_it_comes_back(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    bot.clock.advance(days=bot.settings.followup_days + 1)
    run_due(bot.ctx)
    ask = [c for c in _followups(bot) if c.args["channel"] == REQUESTER_USER][-1]
    later = next(e for b in ask.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "followup_not_yet")
    bot.slack.block_action("followup_not_yet", later["value"], user_id=REQUESTER_USER, channel_id=REQUESTER_USER,
                           message={"ts": ask.args["_answer"]["ts"], "blocks": []})
    update = bot.fake.wait_for("chat.update", where=lambda c: c.args["channel"] == REQUESTER_USER)[-1]
    assert "ask again" in str(update.args["blocks"]) and "in a week" in str(update.args["blocks"])
    assert outcomes(bot.engine) == []  # nothing recorded: the question stays open
    # ... and it does come back: the reminder asks again.
    bot.clock.advance(days=8)
    run_due(bot.ctx)
    again = [c for c in _followups(bot) if c.args["channel"] == REQUESTER_USER]
    assert len(again) == 2 and "Reminder" in str(again[-1].args["blocks"])
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED


def test_the_nudges_answer_now_brings_the_question_back(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    bot.clock.advance(days=bot.settings.followup_days + 1)
    run_due(bot.ctx)
    before = len(_followups(bot))
    from bot.blocks.nudge import nudge_blocks

    blocks = nudge_blocks(company_id=s.requester_id, company_name="Cactus", kinds=["unanswered_intro"])
    (answer,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "nudge_answer_now"]
    assert answer.get("style") == "primary"
    bot.slack.block_action("nudge_answer_now", answer["value"], user_id=REQUESTER_USER, channel_id=REQUESTER_USER)
    wait_until(lambda: len(_followups(bot)) > before)
    asked = _followups(bot)[before:]
    assert [c.args["channel"] for c in asked] == [REQUESTER_USER]
    assert f'"intro_id":{row.id}' in str(asked[0].args["blocks"]) and "Desert Phone Apps" in str(asked[0].args["blocks"])
