"""Partner-typed text is shown as text in every message of the introduction workflow."""

from __future__ import annotations

import json

from bot.scheduling import run_due
from models.introduction import IntroState
from tests.conftest import MANAGER
from tests.intro_setup import (REQUESTER_USER, TARGET_USER, add_ask, approve, intro, request,
                               request_and_wait, seed, wait_until)
from tests.slackrequests import text_value

EVIL = "<!channel> <@U123> <https://x|y>"
RAW = ("<!channel>", "<@U123>", "<https://x|y>")


def _mrkdwn_only(value):
    """Drop plain_text objects: Slack shows them literally, so raw text there cannot ping or link."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return None
        return {k: _mrkdwn_only(v) for k, v in value.items() if k != "_answer"}
    if isinstance(value, list):
        return [_mrkdwn_only(v) for v in value]
    return value


def _assert_nothing_raw(bot) -> None:
    bot.fake.settle()
    shown = [json.dumps(_mrkdwn_only(c.args)) for c in bot.fake.calls] + [json.dumps(r) for r in bot.fake.responses]
    assert len(shown) > 10
    for text in shown:
        for raw in RAW:
            assert raw not in text, (raw, text[:300])


def test_partner_text_is_escaped_everywhere(make_bot, tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text(f"Rules {EVIL}")
    bot = make_bot(RULES_OF_ENGAGEMENT_FILE=str(rules), APPROVALS_CHANNEL="")
    s = seed(bot.engine, requester_name=f"Req {EVIL}", target_name=f"Tgt {EVIL}", ask_text=f"need {EVIL}",
             reasons=(f"reason {EVIL}",),
             target_fields={"description": EVIL, "capabilities": [EVIL], "regions": [EVIL], "industries": [EVIL],
                            "certifications": [EVIL], "partner_type": EVIL})
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    row = intro(bot.engine, row.id)
    assert row.channel_name == "p2p-req-channel-u123-tgt-channel-u123"
    shown = str([c.args.get("blocks") for c in bot.fake.calls_to("chat.postMessage")])
    assert "&lt;!channel&gt;" in shown and "&lt;https://x|y&gt;" in shown  # shown, as typed
    meet = [c.args["text"] for c in bot.fake.calls_to("chat.postMessage") if c.args["text"].startswith("Meet ")]
    assert meet == ["Meet Req &lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt; and "
                    "Tgt &lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;"]  # the notification text too

    # Follow-up, reminder, answers.
    bot.clock.advance(days=15)
    run_due(bot.ctx)
    bot.clock.advance(days=8)
    run_due(bot.ctx)
    ask = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == TARGET_USER and c.args.get("blocks")]
    value = json.dumps({"intro_id": row.id, "outcome": "deal_won"}, separators=(",", ":"))
    bot.slack.block_action("followup_deal_won", value, user_id=TARGET_USER, channel_id=TARGET_USER,
                           message={"ts": ask[-1].args["_answer"]["ts"]})
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("10")}},
                              user_id=TARGET_USER, private_metadata=view["private_metadata"])
    bot.fake.wait_for("chat.update", where=lambda c: c.args["channel"] == TARGET_USER)

    # Not a fit and a decline (with a manager-typed reason) on other requests.
    bot.slack.block_action("intro_not_a_fit", str(row.id), user_id=REQUESTER_USER, channel_id=row.channel_id)
    s.ask_id = add_ask(bot.engine, user=REQUESTER_USER, company_id=s.requester_id, text=f"again {EVIL}",
                       results=[{"company_id": s.target_id, "score": 10, "reasons": [EVIL]}])
    request(bot, s)
    wait_until(lambda: intro(bot.engine, row.id + 1) is not None
               and intro(bot.engine, row.id + 1).approval_messages is not None)
    second = intro(bot.engine, row.id + 1)
    bot.slack.block_action("intro_decline", str(second.id), user_id=MANAGER, channel_id=MANAGER)
    bot.fake.wait_for("views.open", 2)
    bot.slack.view_submission("intro_decline_reason", {"reason": {"reason": text_value(f"no {EVIL}")}},
                              user_id=MANAGER, private_metadata=str(second.id))
    wait_until(lambda: intro(bot.engine, second.id).state == IntroState.DECLINED)
    bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == REQUESTER_USER and "no " in c.args["text"])
    _assert_nothing_raw(bot)


def test_refusal_messages_escape_company_names(bot):
    s = seed(bot.engine, target_name=f"Tgt {EVIL}", target_users=())
    request(bot, s)
    reply = bot.fake.wait_for_response(1)[0]
    assert "no Slack user linked yet" in reply["text"]
    _assert_nothing_raw_responses(bot)


def _assert_nothing_raw_responses(bot) -> None:
    for r in bot.fake.responses:
        for raw in RAW:
            assert raw not in json.dumps(r)
