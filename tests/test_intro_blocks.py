"""Block Kit builders and channel names for introductions: pure functions within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.blocks import intro as b
from bot.blocks.limits import check_blocks, check_modal
from bot.introductions import naming
from bot.introductions.service import parse_deal_value

LONG = "x" * 5000
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def company(name="Acme", **kw):
    base = dict(name=name, partner_type="ISV", capabilities=["a", "b"], industries=["retail"], regions=["Texas"],
                certifications=["Gold"], description="desc")
    base.update(kw)
    return SimpleNamespace(**base)


def ask(text="need phones", **kw):
    base = dict(text=text, industry="restaurants", region="Arizona", timing="Q1", context="26 sites")
    base.update(kw)
    return SimpleNamespace(**base)


def huge_company():
    return company(name=LONG[:120], partner_type=LONG[:60], capabilities=[LONG] * 50, industries=[LONG] * 20,
                   regions=[LONG] * 20, certifications=[LONG] * 20, description=LONG)


def test_approval_buttons_contract():
    block = b.approval_buttons(42)
    assert [(e["action_id"], e["value"]) for e in block["elements"]] == [("intro_approve", "42"), ("intro_decline", "42")]
    check_blocks([block])


@pytest.mark.parametrize("make", [company, huge_company])
def test_approval_request_and_decided_fit_limits(make):
    kwargs = dict(intro_id=7, ask=ask(LONG), requester=make(), target=make(), requester_user_id="U1", score=88.0,
                  reasons=[LONG] * 20)
    check_blocks(b.approval_request(**kwargs))
    decided = b.approval_decided(**kwargs, approved=False, manager_id="U0M", at=AT, reason=LONG)
    check_blocks(decided)
    assert "Declined" in str(decided) and "intro_approve" not in str(decided)
    approved = b.approval_decided(**kwargs, approved=True, manager_id="U0M", at=AT)
    assert "<@U0M>" in str(approved) and "<!date^1793610000^" in str(approved)


@pytest.mark.parametrize("make", [company, huge_company])
def test_intro_message_fits_and_has_not_a_fit(make):
    blocks = b.intro_message(intro_id=3, ask=ask(LONG), requester=make(), target=make(), requester_user_ids=["U1"],
                             target_user_ids=["U2", "U3"], manager_id="U0M", score=50, reasons=[LONG] * 9, rules=LONG)
    check_blocks(blocks)
    # Not a fit is offered in the introduced partner's DM, not in the shared channel.
    assert not [blk for blk in blocks if blk["type"] == "actions"]
    assert "<@U1>, share the customer's need" in str(blocks) and "<@U2>, suggest two times" in str(blocks)
    dm = b.intro_dm(intro_id=3, other_name=LONG, manager_id="U0M", link="https://x/archives/C1",
                    channel_name="p2p-a-b", can_say_not_a_fit=True)
    check_blocks(dm)
    assert [e["action_id"] for blk in dm if blk["type"] == "actions" for e in blk["elements"]] == [
        "intro_open_channel", "intro_not_a_fit"]
    check_modal(b.not_a_fit_modal(intro_id=3, other_name=LONG))
    check_blocks(b.rules_message(LONG))
    closed = b.intro_message_closed(blocks, company_name="Acme", user_id="U2", at=AT)
    check_blocks(closed)
    assert not [blk for blk in closed if blk["type"] == "actions"] and "not a fit" in str(closed)


def test_no_rules_section_without_rules():
    blocks = b.intro_message(intro_id=3, ask=ask(), requester=company(), target=company("B"), requester_user_ids=["U1"],
                             target_user_ids=["U2"], manager_id="U0M", score=0, reasons=[], rules=None)
    assert "Rules of engagement" not in str(blocks) and "pinned" not in str(blocks)


def test_followup_message_buttons_and_answer():
    blocks = b.followup_message(intro_id=9, other_name=LONG, days=14, reminder=True)
    check_blocks(blocks)
    values = [json.loads(e["value"]) for blk in blocks if blk["type"] == "actions" for e in blk["elements"]]
    assert values == [{"intro_id": 9, "outcome": o} for o in ("working_together", "deal_won", "no_fit")] + [
        {"intro_id": 9, "reminder": True}]  # "Not yet" knows whether this was the reminder
    # Slack refuses a block whose elements share an action_id: one id per outcome.
    ids = [e["action_id"] for blk in blocks if blk["type"] == "actions" for e in blk["elements"]]
    assert ids == ["followup_working_together", "followup_deal_won", "followup_no_fit", "followup_not_yet"]
    assert "14 days ago" in str(blocks) and "1 day ago" in str(b.followup_message(intro_id=9, other_name="A", days=1))
    assert "in a week" in str(b.followup_later(other_name="A", reminder=False))
    assert "next month" in str(b.followup_later(other_name="A", reminder=True))
    check_blocks(b.followup_answered(other_name=LONG, outcome="deal_won", deal_value=1234.5))
    assert "$1,234.50" in str(b.followup_answered(other_name="A", outcome="deal_won", deal_value=1234.5))
    assert "1,234.50 CHF" in str(b.followup_answered(other_name="A", outcome="deal_won", deal_value=1234.5,
                                                      currency="CHF"))


def test_modals_fit_limits():
    check_modal(b.decline_reason_modal(intro_id=1, target_name=LONG))
    check_modal(b.deal_value_modal(private_metadata='{"intro_id":1}', other_name=LONG))


def test_user_text_is_escaped_in_mrkdwn():
    evil = "<!channel> <@U123> <https://x|y> & co"
    text = b.company_summary(company(name=evil, description=evil, capabilities=[evil]))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp; co" in text
    assert "<@U123>" not in b.ask_summary(ask(evil, context=evil)) and "<https" not in b.reasons_text([evil])
    assert "<!channel>" not in b.intro_topic(evil, evil)


@pytest.mark.parametrize(("a", "t", "expected"), [
    ("Cactus Comms, Inc.", "Desert Phone Apps LLC", "p2p-cactus-comms-desert-phone-apps"),
    ("Café Zürich GmbH", "Ñandú Systems", "p2p-cafe-zurich-nandu-systems"),
    ("日本電気", "The Company", "p2p-partner1-the-company"),
    ("A" * 200, "B" * 200, "p2p-" + "a" * 20 + "-" + "b" * 20),
])
def test_channel_names(a, t, expected):
    name = naming.base_name(a, t, requester_id=1, target_id=2)
    assert name == expected and naming.is_valid(name)


def test_candidates_are_valid_unique_and_short():
    base = naming.base_name("x" * 80, "y" * 80, requester_id=1, target_id=2)
    names = list(naming.candidates("p2p-" + "z" * 90, intro_id=123456))
    assert len(set(names)) == len(names) and all(naming.is_valid(n) and len(n) <= 80 for n in names)
    assert names[1].endswith("-123456") and names[2].endswith("-123456-2")
    assert naming.is_valid(base)


@pytest.mark.parametrize(("raw", "value"), [("25000", 25000.0), ("$25,000.50", 25000.5), (" 1 000 ", 1000.0),
                                            ("", None), (None, None), ("€12", 12.0)])
def test_parse_deal_value(raw, value):
    assert parse_deal_value(raw) == value


@pytest.mark.parametrize("raw", ["lots", "-5", "nan", "inf", "12abc"])
def test_parse_deal_value_rejects(raw):
    with pytest.raises(ValueError):
        parse_deal_value(raw)
