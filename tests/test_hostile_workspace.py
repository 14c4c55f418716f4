"""Issue 13.9: the workspace identity (auth.test) is fetched at start, with retries; a request
while Slack fails is told the truth, not "please reinstall"."""

from __future__ import annotations

import json

from bot.blocks.notices import SLACK_UNAVAILABLE
from bot.workspace import identity_of
from tests import scenarios as S


def auth_tests(bot) -> int:
    return len(bot.fake.calls_to("auth.test"))


def test_identity_fetched_at_start_survives_slack_failing_on_the_first_request(bot):
    assert identity_of(bot.ctx).fetch(attempts=3)  # what `partnerbot serve` does before serving
    assert auth_tests(bot) == 1
    for _ in range(30):
        bot.fake.inject("auth.test", status=500)
    assert bot.slack.command("/partnerprofile", "show", user_id=S.REQUESTER).status == 200
    reply = bot.fake.wait_for_response(1)[-1]
    assert "reinstall" not in json.dumps(reply).lower() and "partner profile" in json.dumps(reply).lower()
    assert auth_tests(bot) == 1  # not asked again


def test_fetch_at_start_retries(bot):
    for _ in range(6):  # more failures than one call's own retries
        bot.fake.inject("auth.test", status=500)
    assert identity_of(bot.ctx).fetch(attempts=5, backoff=0.05)
    assert identity_of(bot.ctx).known


def test_slack_failing_since_the_start_is_told_truthfully(bot):
    for _ in range(30):
        bot.fake.inject("auth.test", status=500)
    reply = bot.slack.command("/partnerprofile", "show", user_id=S.REQUESTER)
    assert reply.status == 200
    told = bot.fake.wait_for_response(1)[-1]
    assert told["text"] == SLACK_UNAVAILABLE
    assert "reinstall" not in reply.text.lower()
    # An event is refused (500) so that Slack sends it again later.
    event = bot.slack.event({"type": "app_home_opened", "user": S.REQUESTER, "tab": "home", "channel": "D0HOME0001"})
    assert event.status == 500
    # Slack answers again: the next request is handled.
    bot.fake.faults.pop("auth.test", None)
    answered = len(bot.fake.responses)
    assert bot.slack.command("/partnerprofile", "show", user_id=S.REQUESTER).status == 200
    assert bot.fake.wait_for_response(answered + 1)[-1]["text"] != SLACK_UNAVAILABLE
