"""/partnerstats over HTTP: program figures for a manager, only their own for a partner."""

from __future__ import annotations

import pytest

from bot.blocks.limits import check_blocks
from bot.metrics.stats import parse_days
from tests.conftest import MANAGER
from tests.metrics_data import build_week, t


def ask_stats(bot, text: str, user: str) -> tuple[dict, dict]:
    reply = bot.slack.command("/partnerstats", text, user_id=user)
    assert reply.status == 200
    (answer,) = bot.fake.wait_for_response(1)
    check_blocks(answer["blocks"])
    return reply.json(), answer


def test_manager_gets_the_program_figures(bot):
    build_week(bot.engine)
    bot.clock.set(t(11, 9))
    ack, answer = ask_stats(bot, "7", MANAGER)
    assert "Counting" in ack["text"]
    text = str(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert "Partner program — last 7 days" in text
    assert "*Asks*\\n6" in text and "drone survey" in text and "Acme Phones" in text


def test_partner_gets_only_their_own_company(bot):
    build_week(bot.engine)
    bot.clock.set(t(11, 9))
    _, answer = ask_stats(bot, "7 days", "U0ACME001")
    text = str(answer["blocks"])
    assert "Acme Phones — last 7 days" in text
    assert "*Asks made*\\n2" in text and "*Deals won*\\n1" in text and "*Deal value reported*\\n5,000" in text
    # Nothing about other partners: no names, no program figures, no recruiting list.
    for other in ("Bravo", "Cobalt", "Delta", "Foxtrot", "drone survey", "7,000", "Unmet demand"):
        assert other not in text


def test_user_without_profile(bot):
    _, answer = ask_stats(bot, "", "U0NOBODY01")
    assert "/partnerprofile" in str(answer["blocks"])


@pytest.mark.parametrize("bad", ["abc", "0", "9999", "-3", "<!channel>"])
def test_bad_days_are_explained_at_once(bot, bad):
    reply = bot.slack.command("/partnerstats", bad, user_id=MANAGER)
    assert reply.status == 200
    body = reply.json()
    assert "Usage: `/partnerstats [days]`" in body["text"]
    assert "<!channel>" not in body["text"]
    bot.fake.settle(0.3)
    assert bot.fake.responses == []


@pytest.mark.parametrize(("text", "days"), [("", 7), ("30", 30), ("30d", 30), (" 14 days ", 14), ("1 day", 1),
                                            ("365", 365), ("366", None), ("x", None), ("7 weeks", None)])
def test_parse_days(text, days):
    assert parse_days(text) == days


def test_partner_company_name_is_escaped_in_text_and_blocks(bot):
    from models.db import session_scope
    from tests.metrics_data import company

    with session_scope(bot.engine) as s:
        company(s, "<!channel> & Co", created=t(1, 1), users=("U0HOSTILE1",))
    _, answer = ask_stats(bot, "", "U0HOSTILE1")
    assert "<!channel>" not in answer["text"] and "&lt;!channel&gt; &amp; Co" in answer["text"]
    # The header is plain_text (shown literally, never a ping); every mrkdwn part is escaped.
    header, *rest = answer["blocks"]
    assert header["text"]["type"] == "plain_text" and header["text"]["text"].startswith("<!channel> & Co")
    assert "<!channel>" not in str(rest)
