"""Issue 13.8: what a user typed is never echoed raw — neither in an error nor in a fallback text."""

from __future__ import annotations

import json

from tests import scenarios as S

LIVE = ("<!channel>", "<!here>", "<@U0VICTIM1>", "<https://evil.example|click>")


def mrkdwn_texts(value):
    """The fallback text and every mrkdwn text object (plain_text is shown literally by Slack)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def no_live_markup(payload) -> None:
    text = json.dumps([payload.get("text"), *mrkdwn_texts(payload.get("blocks"))], ensure_ascii=False)
    for live in LIVE:
        assert live not in text, f"{live} echoed raw in {text[:300]}"


def test_pause_with_markup_is_refused_without_echoing_it(bot):
    S.seed_company(bot.engine, name="Echo Co", user=S.REQUESTER)
    for args in ("until <!channel>", "<!here> <@U0VICTIM1>", "until <https://evil.example|click>"):
        answered = len(bot.fake.responses)
        assert bot.slack.command("/partnerprofile", f"pause {args}", user_id=S.REQUESTER).status == 200
        reply = bot.fake.wait_for_response(answered + 1)[-1]
        assert "not a date" in reply["text"]
        no_live_markup(reply)


def test_show_fallback_text_escapes_the_company_name(bot):
    S.seed_company(bot.engine, name="<!channel> <@U0VICTIM1> Co", user=S.REQUESTER)
    assert bot.slack.command("/partnerprofile", "show", user_id=S.REQUESTER).status == 200
    reply = bot.fake.wait_for_response(1)[-1]
    assert reply["text"].startswith("Partner profile:")
    no_live_markup(reply)
