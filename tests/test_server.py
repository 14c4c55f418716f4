"""The HTTP endpoint: health check, and Slack's request signing enforced."""

from __future__ import annotations

import time

from tests.conftest import SIGNING_SECRET


def test_healthz_answers_200(bot):
    reply = bot.slack.get("/healthz")
    assert reply.status == 200
    assert reply.json() == {"ok": True}


def test_unknown_path_is_404(bot):
    assert bot.slack.get("/nope").status == 404


def test_bad_signature_is_rejected_without_side_effects(bot):
    reply = bot.slack.command("/findpartner", "cisco uc", secret="not-the-secret")
    assert reply.status == 401
    bot.fake.settle(quiet=0.3)
    assert bot.fake.calls == []
    assert bot.fake.responses == []


def test_missing_signature_is_rejected(bot):
    reply = bot.slack.command("/findpartner", "cisco uc", signature="")
    assert reply.status == 401


def test_stale_timestamp_is_rejected(bot):
    stale = int(time.time()) - 10 * 60
    reply = bot.slack.command("/findpartner", "cisco uc", timestamp=stale)
    assert reply.status == 401
    # The same request, fresh, passes the signature check (so the 401 was the timestamp).
    fresh = bot.slack.command("/findpartner", "cisco uc")
    assert fresh.status == 200
    assert SIGNING_SECRET  # signed with the bot's secret
