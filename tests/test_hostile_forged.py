"""Issue 13.10: correctly signed but forged payloads. State the bot round-trips through Slack is
checked (a request_intro for a partner the search never showed) or sealed (the deal-value
modal's message reference); malformed signed bodies get a clean 400 at once."""

from __future__ import annotations

import json
import time

import pytest

from models.db import session_scope
from models.introduction import Introduction
from sqlmodel import select
from tests import scenarios as S
from tests.slackrequests import text_value


def test_request_intro_for_a_partner_the_search_did_not_show_is_refused(bot):
    world = S.seed_world(bot.engine)
    outsider = S.seed_company(bot.engine, name="Never Shown Co", user="U0OUTSIDE1")
    value = json.dumps({"ask_id": world.ask_id, "company_id": outsider})
    assert bot.slack.block_action("request_intro", value, user_id=S.REQUESTER).status == 200
    told = bot.fake.wait_for_response(1)
    assert "not among this search's results" in json.dumps(told)
    bot.fake.settle(quiet=0.5)
    with session_scope(bot.engine) as s:
        assert s.exec(select(Introduction)).all() == []
    assert [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == S.APPROVALS] == []


def test_a_forged_deal_value_modal_cannot_edit_other_messages(bot):
    state = S.prepare_requested(bot)
    approval = state["approval_call"].args["_answer"]
    bot.fake.reset()
    forged = json.dumps({"intro_id": int(state["intro_id"]), "channel": S.APPROVALS, "ts": approval["ts"]})
    reply = bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value("5000")}},
                                      user_id=S.TARGET_USER, private_metadata=forged)
    assert reply.json()["response_action"] == "errors"
    bot.fake.settle(quiet=0.8)
    assert bot.fake.calls_to("chat.update") == []


MALFORMED = {
    "block_actions without user": {"type": "block_actions", "team": {"id": "T0PARTNER"}, "trigger_id": "t.1",
                                   "actions": [{"action_id": "request_intro", "value": "{}"}]},
    "block_actions without trigger": {"type": "block_actions", "team": {"id": "T0PARTNER"}, "user": {"id": "U0X"},
                                      "actions": [{"action_id": "request_intro", "value": "{}"}]},
    "view without state": {"type": "view_submission", "team": {"id": "T0PARTNER"}, "user": {"id": "U0X"},
                           "trigger_id": "t.1", "view": {"type": "modal", "callback_id": "profile_modal"}},
    "view_submission without user": {"type": "view_submission", "team": {"id": "T0PARTNER"}, "trigger_id": "t.1",
                                     "view": {"type": "modal", "callback_id": "profile_modal",
                                              "state": {"values": {}}}},
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_signed_payloads_get_a_clean_400_at_once(bot, name):
    from urllib.parse import urlencode

    started = time.monotonic()
    reply = bot.slack.post(urlencode({"payload": json.dumps(MALFORMED[name])}))
    assert reply.status == 400, reply.text
    assert time.monotonic() - started < 1.0


def test_a_command_without_user_or_trigger_gets_400(bot):
    from urllib.parse import urlencode

    for missing in ("user_id", "trigger_id"):
        form = {"command": "/findpartner", "text": "uc", "team_id": "T0PARTNER", "user_id": "U0X",
                "trigger_id": "t.1", "response_url": bot.fake.new_response_url()}
        form.pop(missing)
        assert bot.slack.post(urlencode(form)).status == 400
