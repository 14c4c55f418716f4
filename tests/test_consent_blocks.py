"""The consent and Slack Connect builders stay within Block Kit's limits with the longest
input, and show partner text as text."""

from __future__ import annotations

import json

from bot.blocks import consent as c
from bot.blocks.limits import check_blocks, check_modal
from tests.test_intro_blocks import AT, LONG, ask, company, huge_company


def test_consent_request_worst_case_and_escaping():
    blocks = c.consent_request(intro_id=7, ask=ask(text="<!channel> " + LONG), requester=huge_company(),
                               requester_user_id="U0PARTNER1", target_name="<@U999> " + LONG, manager_id="U0MANAGER1",
                               reasons=[LONG] * 20, deadline=AT)
    check_blocks(blocks)
    # mrkdwn is escaped; plain_text (the header) is shown literally by Slack
    text = json.dumps([b for b in blocks if b["type"] != "header"])
    assert "<!channel>" not in text and "<@U999>" not in text and "&lt;!channel&gt;" in text
    actions = [b for b in blocks if b["type"] == "actions"][0]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [(c.ACCEPT, "7"), (c.NOT_NOW, "7")]


def test_answered_modal_report_and_status_within_limits():
    for answer in ("accepted", "declined", "expired"):
        blocks = c.consent_answered(intro_id=1, requester_name=LONG, answer=answer, user_id="U1", at=AT)
        check_blocks(blocks)
        assert not any(b["type"] == "actions" for b in blocks)
    check_modal(c.not_now_modal(intro_id=3, requester_name="<!here>" + LONG))
    report = c.connect_report(intro_id=2, email="a" * 240 + "@x.example", company_name=LONG, reason=LONG,
                              channel_id="C0123", invite_id=9)
    check_blocks(report)
    assert {e["action_id"] for b in report if b["type"] == "actions" for e in b["elements"]} == {
        c.CONNECT_RETRY, c.CONNECT_PRIVATE}
    check_blocks([c.status_block(LONG)])
    assert company  # the shared test helpers stay importable


def test_digest_shows_consent_only_when_there_is_some():
    from bot.blocks.digest import digest_blocks

    base = {"period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00", "days": 7}
    consent = {"consent_accepted": 3, "consent_declined": 1, "consent_expired": 2, "consent_hours_median": 5.5}
    busy = {**base, "asks": 9, "intro_requests": 6, "approved": 6, "introduced": 3}
    for figures in (base, busy):  # a quiet period and a busy one
        assert "Consent" not in json.dumps(digest_blocks(figures))
        blocks = digest_blocks({**figures, **consent})
        check_blocks(blocks)
        text = json.dumps(blocks)
        assert "3 accepted" in text and "1 not now" in text and "2 expired" in text and "5.5 h" in text
